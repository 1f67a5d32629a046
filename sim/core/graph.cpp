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

void MarketGraph::remove_labs(const std::vector<std::uint8_t>& keep) {
  std::size_t out = 0;
  for (std::size_t i = 0; i < labs_.size(); ++i) {
    if (keep[i]) {
      labs_[out++] = labs_[i];
    } else {
      boost::clear_vertex(labs_[i], graph_);
      boost::remove_vertex(labs_[i], graph_);
    }
  }
  labs_.resize(out);
}

void MarketGraph::set_usage(std::size_t slot, std::uint64_t old_mask, std::uint64_t new_mask) {
  const Vertex lab = labs_[slot];
  for (std::size_t p = 0; p < providers_.size(); ++p) {
    const std::uint64_t bit = std::uint64_t{1} << p;
    if ((old_mask & bit) && !(new_mask & bit)) {
      boost::remove_out_edge_if(
          lab,
          [&](const BoostGraph::edge_descriptor& e) {
            return graph_[e].kind == EdgeKind::usage &&
                   boost::target(e, graph_) == providers_[p];
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
  // Slot of every lab vertex, through the id stored on it.
  std::vector<std::pair<std::uint64_t, std::int32_t>> slot_of;
  slot_of.reserve(labs_.size());
  for (std::size_t i = 0; i < labs_.size(); ++i) {
    slot_of.emplace_back(graph_[labs_[i]].id, static_cast<std::int32_t>(i));
  }
  std::sort(slot_of.begin(), slot_of.end());
  auto find_slot = [&](std::uint64_t id) {
    auto it = std::lower_bound(slot_of.begin(), slot_of.end(), std::make_pair(id, INT32_MIN));
    return it->second;
  };
  Csr csr;
  csr.off.reserve(labs_.size() + 1);
  for (std::size_t i = 0; i < labs_.size(); ++i) {
    const std::size_t begin = csr.nbr.size();
    double total = 0;
    for (auto [e, end] = boost::out_edges(labs_[i], graph_); e != end; ++e) {
      if (graph_[*e].kind != EdgeKind::influence) continue;
      csr.nbr.push_back(find_slot(graph_[boost::target(*e, graph_)].id));
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

}  // namespace cw
