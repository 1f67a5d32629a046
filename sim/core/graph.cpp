#include "core/graph.hpp"

#include <algorithm>
#include <numeric>

namespace cw {

void MarketGraph::add_providers(std::size_t count) {
  for (std::size_t p = 0; p < count; ++p) {
    providers_.push_back(
        boost::add_vertex(VertexProps{VertexKind::provider, providers_.size()}, graph_));
  }
}

void MarketGraph::add_lab(std::uint64_t id) {
  labs_.push_back(boost::add_vertex(VertexProps{VertexKind::lab, id}, graph_));
}

void MarketGraph::add_influence(std::size_t from, std::size_t to, double weight) {
  boost::add_edge(labs_[from], labs_[to], EdgeProps{EdgeKind::influence, weight}, graph_);
}

void MarketGraph::add_usage(std::size_t slot, std::size_t provider) {
  boost::add_edge(labs_[slot], providers_[provider], EdgeProps{EdgeKind::usage, 1.0}, graph_);
}

void MarketGraph::add_investment(std::size_t provider, std::size_t slot, double weight) {
  boost::add_edge(providers_[provider], labs_[slot], EdgeProps{EdgeKind::investment, weight},
                  graph_);
}

std::size_t MarketGraph::edges(EdgeKind kind) const {
  std::size_t n = 0;
  for (auto [e, end] = boost::edges(graph_); e != end; ++e) {
    if (graph_[*e].kind == kind) ++n;
  }
  return n;
}

std::vector<std::pair<std::size_t, double>> MarketGraph::influence_of(std::size_t slot) const {
  std::vector<std::pair<std::size_t, double>> out;
  for (auto [e, end] = boost::out_edges(labs_[slot], graph_); e != end; ++e) {
    if (graph_[*e].kind != EdgeKind::influence) continue;
    const Vertex t = boost::target(*e, graph_);
    const auto it = std::find(labs_.begin(), labs_.end(), t);
    out.emplace_back(static_cast<std::size_t>(it - labs_.begin()), graph_[*e].weight);
  }
  return out;
}

namespace {

// Row-normalised weights from the raw ones; no stored weights when every
// raw weight is 1 (then W_lj = 1 / degree).
void normalise_rows(Csr& csr) {
  if (std::all_of(csr.raw.begin(), csr.raw.end(), [](double r) { return r == 1.0; })) {
    csr.raw.clear();
    csr.raw.shrink_to_fit();
    csr.w.clear();
    csr.w.shrink_to_fit();
    return;
  }
  csr.w.resize(csr.raw.size());
  for (std::size_t l = 0; l + 1 < csr.off.size(); ++l) {
    double total = 0;
    for (auto k = csr.off[l]; k < csr.off[l + 1]; ++k)
      total += csr.raw[static_cast<std::size_t>(k)];
    for (auto k = csr.off[l]; k < csr.off[l + 1]; ++k) {
      const auto i = static_cast<std::size_t>(k);
      csr.w[i] = total > 0 ? csr.raw[i] / total : csr.raw[i];
    }
  }
}

}  // namespace

Csr csr_from_edges(std::size_t labs, const std::vector<CsrEdge>& edges) {
  return csr_with(Csr{}, labs, edges);
}

Csr csr_from_pairs(std::size_t labs, const std::vector<std::array<std::uint32_t, 2>>& pairs,
                   bool undirected) {
  Csr csr;
  csr.off.assign(labs + 1, 0);
  for (const auto& [a, b] : pairs) {
    ++csr.off[a + 1];
    if (undirected) ++csr.off[b + 1];
  }
  for (std::size_t l = 0; l < labs; ++l) csr.off[l + 1] += csr.off[l];
  csr.nbr.resize(static_cast<std::size_t>(csr.off[labs]));
  std::vector<std::int64_t> fill(csr.off.begin(), csr.off.end() - 1);
  for (const auto& [a, b] : pairs) {
    csr.nbr[static_cast<std::size_t>(fill[a]++)] = static_cast<std::int32_t>(b);
    if (undirected) csr.nbr[static_cast<std::size_t>(fill[b]++)] = static_cast<std::int32_t>(a);
  }
  return csr;
}

Csr csr_without(const Csr& old, const std::vector<std::uint8_t>& keep) {
  const std::size_t n = old.labs();
  std::vector<std::int32_t> slot(n, -1);
  std::int32_t next = 0;
  for (std::size_t l = 0; l < n; ++l) {
    if (keep[l]) slot[l] = next++;
  }
  Csr csr;
  csr.off.reserve(static_cast<std::size_t>(next) + 1);
  csr.nbr.reserve(old.nbr.size());
  if (!old.unit()) csr.raw.reserve(old.raw.size());
  for (std::size_t l = 0; l < n; ++l) {
    if (!keep[l]) continue;
    for (auto k = old.off[l]; k < old.off[l + 1]; ++k) {
      const std::int32_t to = slot[static_cast<std::size_t>(old.nbr[static_cast<std::size_t>(k)])];
      if (to < 0) continue;
      csr.nbr.push_back(to);
      if (!old.unit()) csr.raw.push_back(old.raw[static_cast<std::size_t>(k)]);
    }
    csr.off.push_back(static_cast<std::int64_t>(csr.nbr.size()));
  }
  normalise_rows(csr);
  return csr;
}

void csr_remove(Csr& csr, const std::vector<std::uint8_t>& keep) {
  const std::size_t n = csr.labs();
  std::vector<std::int32_t> slot(n, -1);
  std::int32_t next = 0;
  for (std::size_t l = 0; l < n; ++l) {
    if (keep[l]) slot[l] = next++;
  }
  // Rows close up in order: the write position never passes the read one.
  const bool unit = csr.unit();
  std::size_t to = 0, row = 0;
  std::int64_t begin = csr.off[0];
  for (std::size_t l = 0; l < n; ++l) {
    const std::int64_t end = csr.off[l + 1];
    if (keep[l]) {
      for (auto k = static_cast<std::size_t>(begin); k < static_cast<std::size_t>(end); ++k) {
        const std::int32_t j = slot[static_cast<std::size_t>(csr.nbr[k])];
        if (j < 0) continue;
        csr.nbr[to] = j;
        if (!unit) csr.raw[to] = csr.raw[k];
        ++to;
      }
      csr.off[++row] = static_cast<std::int64_t>(to);
    }
    begin = end;
  }
  csr.off.resize(row + 1);
  csr.nbr.resize(to);
  if (!unit) {
    csr.raw.resize(to);
    normalise_rows(csr);
  }
}

void csr_append(Csr& csr, std::size_t labs, const std::vector<CsrEdge>& added) {
  const std::size_t n_old = csr.labs();
  const bool unit = csr.unit() && std::all_of(added.begin(), added.end(),
                                              [](const CsrEdge& e) { return e.weight == 1.0; });
  if (!unit || labs < n_old) {
    csr = csr_with(csr, labs, added);
    return;
  }
  // The added edges by row, each row's in the order given.
  std::vector<std::uint32_t> order(added.size());
  std::iota(order.begin(), order.end(), 0u);
  std::stable_sort(order.begin(), order.end(), [&added](std::uint32_t a, std::uint32_t b) {
    return added[a].from < added[b].from;
  });
  const std::int64_t old_total = csr.off[n_old];
  csr.off.resize(labs + 1, old_total);
  csr.nbr.resize(static_cast<std::size_t>(old_total) + added.size());
  // From the last row down: the rows after a row that gains edges move by
  // the number of edges added to rows up to it (`shift`).
  auto shift = static_cast<std::int64_t>(added.size());
  std::size_t hi = labs;            // rows below hi are still at their old offsets
  std::int64_t old_hi = old_total;  // old offset of row hi
  csr.off[labs] = old_total + shift;
  std::int32_t* nbr = csr.nbr.data();
  for (std::size_t i = order.size(); i > 0;) {
    const std::size_t g = added[order[i - 1]].from;
    std::size_t first = i - 1;
    while (first > 0 && added[order[first - 1]].from == g) --first;
    // Rows g+1 .. hi-1 move by shift.
    const std::int64_t old_next = g + 1 == hi ? old_hi : csr.off[g + 1];
    std::copy_backward(nbr + old_next, nbr + old_hi, nbr + old_hi + shift);
    for (std::size_t r = g + 1; r < hi; ++r) csr.off[r] += shift;
    // Row g's new edges go at the end of its row, which ends at old_next + shift.
    const auto count = static_cast<std::int64_t>(i - first);
    std::int64_t at = old_next + shift - count;
    for (std::size_t k = first; k < i; ++k)
      nbr[at++] = static_cast<std::int32_t>(added[order[k]].to);
    shift -= count;
    hi = g + 1;
    old_hi = old_next;
    i = first;
  }
}

Csr csr_with(const Csr& old, std::size_t labs, const std::vector<CsrEdge>& added) {
  // Rows keep their neighbours in insertion order, new ones appended.
  const bool unit = old.unit() && std::all_of(added.begin(), added.end(),
                                              [](const CsrEdge& e) { return e.weight == 1.0; });
  std::vector<std::int64_t> extra(labs + 1, 0);
  for (const CsrEdge& e : added) ++extra[e.from + 1];
  const std::size_t n_old = old.labs();
  Csr csr;
  csr.off.assign(labs + 1, 0);
  for (std::size_t l = 0; l < labs; ++l) {
    const std::int64_t own = l < n_old ? old.off[l + 1] - old.off[l] : 0;
    csr.off[l + 1] = csr.off[l] + own + extra[l + 1];
  }
  extra = {};
  csr.nbr.resize(static_cast<std::size_t>(csr.off[labs]));
  if (!unit) csr.raw.resize(csr.nbr.size());
  std::vector<std::int64_t> fill(csr.off.begin(), csr.off.end() - 1);
  for (std::size_t l = 0; l < std::min(labs, n_old); ++l) {
    for (auto k = old.off[l]; k < old.off[l + 1]; ++k) {
      const auto to = static_cast<std::size_t>(fill[l]++);
      csr.nbr[to] = old.nbr[static_cast<std::size_t>(k)];
      if (!unit) csr.raw[to] = old.raw_weight(k);
    }
  }
  for (const CsrEdge& e : added) {
    const auto to = static_cast<std::size_t>(fill[e.from]++);
    csr.nbr[to] = static_cast<std::int32_t>(e.to);
    if (!unit) csr.raw[to] = e.weight;
  }
  normalise_rows(csr);
  return csr;
}

}  // namespace cw
