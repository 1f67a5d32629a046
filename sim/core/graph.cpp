#include "core/graph.hpp"

#include <algorithm>

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

void MarketGraph::add_influence(std::size_t a, std::size_t b, double weight, bool undirected) {
  boost::add_edge(labs_[a], labs_[b], EdgeProps{EdgeKind::influence, weight}, graph_);
  if (undirected) {
    boost::add_edge(labs_[b], labs_[a], EdgeProps{EdgeKind::influence, weight}, graph_);
  }
}

bool MarketGraph::has_influence(std::size_t a, std::size_t b) const {
  for (auto [e, end] = boost::out_edges(labs_[a], graph_); e != end; ++e) {
    if (graph_[*e].kind == EdgeKind::influence && boost::target(*e, graph_) == labs_[b]) {
      return true;
    }
  }
  return false;
}

void MarketGraph::remove_labs(const std::vector<std::uint8_t>& keep, const Csr& influence) {
  // Edges into removed labs: influence edges from labs that listen to them
  // (rows of the CSR) and investment edges from providers.
  for (std::size_t l = 0; l < labs_.size(); ++l) {
    if (!keep[l] || l + 1 >= influence.off.size()) continue;
    for (auto k = influence.off[l]; k < influence.off[l + 1]; ++k) {
      const auto j = static_cast<std::size_t>(influence.nbr[k]);
      if (keep[j]) continue;
      const Vertex gone = labs_[j];
      boost::remove_out_edge_if(
          labs_[l],
          [&](const BoostGraph::edge_descriptor& e) { return boost::target(e, graph_) == gone; },
          graph_);
    }
  }
  for (Vertex p : providers_) {
    boost::remove_out_edge_if(
        p,
        [&](const BoostGraph::edge_descriptor& e) {
          const auto& t = graph_[boost::target(e, graph_)];
          return t.kind == VertexKind::lab && !keep[slot_of_id(t.id)];
        },
        graph_);
  }
  std::size_t out = 0;
  for (std::size_t i = 0; i < labs_.size(); ++i) {
    if (keep[i]) {
      labs_[out++] = labs_[i];
    } else {
      boost::clear_out_edges(labs_[i], graph_);
      boost::remove_vertex(labs_[i], graph_);
    }
  }
  labs_.resize(out);
}

std::size_t MarketGraph::slot_of_id(std::uint64_t id) const {
  // Labs are in increasing id order (see build_csr).
  std::size_t lo = 0, hi = labs_.size();
  while (lo < hi) {
    const std::size_t mid = (lo + hi) / 2;
    if (graph_[labs_[mid]].id < id) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

void MarketGraph::set_usage(std::size_t slot, std::uint64_t old_mask, std::uint64_t new_mask) {
  const Vertex lab = labs_[slot];
  for (std::size_t p = 0; p < providers_.size(); ++p) {
    const std::uint64_t bit = std::uint64_t{1} << p;
    if ((old_mask & bit) && !(new_mask & bit)) {
      boost::remove_out_edge_if(
          lab,
          [&](const BoostGraph::edge_descriptor& e) {
            return graph_[e].kind == EdgeKind::usage && boost::target(e, graph_) == providers_[p];
          },
          graph_);
    } else if (!(old_mask & bit) && (new_mask & bit)) {
      boost::add_edge(lab, providers_[p], EdgeProps{EdgeKind::usage, 1.0}, graph_);
    }
  }
}

void MarketGraph::add_investment(std::size_t provider, std::size_t slot, double weight) {
  boost::add_edge(providers_[provider], labs_[slot], EdgeProps{EdgeKind::investment, weight},
                  graph_);
}

void MarketGraph::remove_investment(std::size_t provider, std::size_t slot) {
  const Vertex lab = labs_[slot];
  boost::remove_out_edge_if(
      providers_[provider],
      [&](const BoostGraph::edge_descriptor& e) {
        return graph_[e].kind == EdgeKind::investment && boost::target(e, graph_) == lab;
      },
      graph_);
}

std::size_t MarketGraph::investment_edges() const {
  std::size_t n = 0;
  for (auto [e, end] = boost::edges(graph_); e != end; ++e) {
    if (graph_[*e].kind == EdgeKind::investment) ++n;
  }
  return n;
}

std::size_t MarketGraph::influence_degree(std::size_t slot) const {
  std::size_t d = 0;
  for (auto [e, end] = boost::out_edges(labs_[slot], graph_); e != end; ++e) {
    if (graph_[*e].kind == EdgeKind::influence) ++d;
  }
  return d;
}

std::size_t MarketGraph::usage_edges() const {
  std::size_t n = 0;
  for (auto [e, end] = boost::edges(graph_); e != end; ++e) {
    if (graph_[*e].kind == EdgeKind::usage) ++n;
  }
  return n;
}

std::size_t MarketGraph::influence_edges() const {
  std::size_t n = 0;
  for (auto [e, end] = boost::edges(graph_); e != end; ++e) {
    if (graph_[*e].kind == EdgeKind::influence) ++n;
  }
  return n;
}

Csr MarketGraph::build_csr() const {
  // Slot of every lab vertex, through the id stored on it. Labs are kept in
  // increasing id order (arrivals get larger ids, exits close up in order),
  // so the ids by slot are sorted and a binary search finds the slot.
  std::vector<std::uint64_t> ids(labs_.size());
  for (std::size_t i = 0; i < labs_.size(); ++i) ids[i] = graph_[labs_[i]].id;
  auto find_slot = [&ids](std::uint64_t id) {
    return static_cast<std::int32_t>(std::lower_bound(ids.begin(), ids.end(), id) - ids.begin());
  };
  Csr csr;
  csr.off.reserve(labs_.size() + 1);

  for (std::size_t i = 0; i < labs_.size(); ++i) {
    const std::size_t begin = csr.nbr.size();
    double total = 0;
    for (auto [e, end] = boost::out_edges(labs_[i], graph_); e != end; ++e) {
      if (graph_[*e].kind != EdgeKind::influence) continue;
      csr.nbr.push_back(find_slot(graph_[boost::target(*e, graph_)].id));
      csr.raw.push_back(graph_[*e].weight);
      csr.w.push_back(graph_[*e].weight);
      total += graph_[*e].weight;
    }
    if (total > 0) {
      for (std::size_t k = begin; k < csr.w.size(); ++k) csr.w[k] /= total;
    }
    csr.off.push_back(static_cast<std::int64_t>(csr.nbr.size()));
  }
  return csr;
}

namespace {

void normalise_rows(Csr& csr) {
  csr.w.resize(csr.raw.size());
  for (std::size_t l = 0; l + 1 < csr.off.size(); ++l) {
    double total = 0;
    for (auto k = csr.off[l]; k < csr.off[l + 1]; ++k) total += csr.raw[k];
    for (auto k = csr.off[l]; k < csr.off[l + 1]; ++k) {
      csr.w[k] = total > 0 ? csr.raw[k] / total : csr.raw[k];
    }
  }
}

}  // namespace

Csr csr_without(const Csr& old, const std::vector<std::uint8_t>& keep) {
  const std::size_t n = old.off.size() - 1;
  std::vector<std::int32_t> slot(n, -1);
  std::int32_t next = 0;
  for (std::size_t l = 0; l < n; ++l) {
    if (keep[l]) slot[l] = next++;
  }
  Csr csr;
  csr.off.reserve(static_cast<std::size_t>(next) + 1);
  csr.nbr.reserve(old.nbr.size());
  csr.raw.reserve(old.raw.size());
  for (std::size_t l = 0; l < n; ++l) {
    if (!keep[l]) continue;
    for (auto k = old.off[l]; k < old.off[l + 1]; ++k) {
      const std::int32_t to = slot[static_cast<std::size_t>(old.nbr[k])];
      if (to < 0) continue;
      csr.nbr.push_back(to);
      csr.raw.push_back(old.raw[k]);
    }
    csr.off.push_back(static_cast<std::int64_t>(csr.nbr.size()));
  }
  normalise_rows(csr);
  return csr;
}

Csr csr_with(const Csr& old, std::size_t labs, const std::vector<CsrEdge>& added) {
  // Rows keep their neighbours in insertion order, new ones appended: the
  // same order as the graph's out-edge lists, so this equals build_csr().
  std::vector<std::int64_t> extra(labs + 1, 0);
  for (const CsrEdge& e : added) ++extra[e.from + 1];
  const std::size_t n_old = old.off.size() - 1;
  Csr csr;
  csr.off.assign(labs + 1, 0);
  for (std::size_t l = 0; l < labs; ++l) {
    const std::int64_t own = l < n_old ? old.off[l + 1] - old.off[l] : 0;
    csr.off[l + 1] = csr.off[l] + own + extra[l + 1];
  }
  csr.nbr.resize(static_cast<std::size_t>(csr.off[labs]));
  csr.raw.resize(csr.nbr.size());
  std::vector<std::int64_t> fill(labs);
  for (std::size_t l = 0; l < labs; ++l) {
    fill[l] = csr.off[l];
    if (l < n_old) {
      for (auto k = old.off[l]; k < old.off[l + 1]; ++k) {
        csr.nbr[static_cast<std::size_t>(fill[l])] = old.nbr[k];
        csr.raw[static_cast<std::size_t>(fill[l]++)] = old.raw[k];
      }
    }
  }
  for (const CsrEdge& e : added) {
    csr.nbr[static_cast<std::size_t>(fill[e.from])] = static_cast<std::int32_t>(e.to);
    csr.raw[static_cast<std::size_t>(fill[e.from]++)] = e.weight;
  }
  normalise_rows(csr);
  return csr;
}

}  // namespace cw
