// The market graph (SPEC §2.1), behind one header.
//
// During a run the graph lives in compact arrays: the influence edges
// (lab -> lab: whom a lab listens to, with a weight) in `Csr`, by lab slot;
// usage edges (lab -> provider while the lab's allocation to the provider is
// above metrics.usage_threshold) in the dense allocations; investment edges
// (provider -> lab) in the active deals. `MarketGraph`, a Boost.Graph, is
// built from these only when a graph is exported (GraphML, DOT) or inspected
// in tests: keeping every lab as a Boost vertex with list-node edges cost
// about 600 bytes per lab (docs/PERFORMANCE.md).
#pragma once

#include <array>
#include <boost/graph/adjacency_list.hpp>
#include <cstdint>
#include <utility>
#include <vector>

namespace cw {

enum class VertexKind : std::uint8_t { lab, provider };
enum class EdgeKind : std::uint8_t { usage, investment, influence };

struct VertexProps {
  VertexKind kind = VertexKind::lab;
  std::uint64_t id = 0;  // lab id, or provider index
};

struct EdgeProps {
  EdgeKind kind = EdgeKind::influence;
  double weight = 1.0;
};

// Out-edges in insertion order (exports are byte-stable); vecS vertices: the
// graph is built once per export and never shrinks.
using BoostGraph =
    boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS, VertexProps, EdgeProps>;
using Vertex = BoostGraph::vertex_descriptor;

// Influence edges by lab slot: the neighbours j of lab l are
// nbr[off[l] .. off[l+1]), in the order the edges were added, with
// row-normalised weights W_lj (sum 1 per row with at least one neighbour).
// When every edge's own weight is 1 (every generator but a weighted edge
// list) no weight is stored: W_lj = 1 / degree(l).
struct Csr {
  std::vector<std::int64_t> off{0};
  std::vector<std::int32_t> nbr;
  std::vector<double> w;    // W_lj; empty when every raw weight is 1
  std::vector<double> raw;  // the edges' own weights; empty when all are 1
  std::size_t labs() const { return off.size() - 1; }
  std::size_t degree(std::size_t l) const { return static_cast<std::size_t>(off[l + 1] - off[l]); }
  bool unit() const { return raw.empty(); }
  double weight(std::size_t l, std::int64_t k) const {
    return unit() ? 1.0 / static_cast<double>(degree(l)) : w[static_cast<std::size_t>(k)];
  }
  double raw_weight(std::int64_t k) const {
    return unit() ? 1.0 : raw[static_cast<std::size_t>(k)];
  }
};

// A directed influence edge by slot, for building a Csr.
struct CsrEdge {
  std::uint32_t from = 0, to = 0;
  double weight = 1.0;
};

// The CSR of `labs` slots from edges in insertion order (each row keeps its
// edges in that order).
Csr csr_from_edges(std::size_t labs, const std::vector<CsrEdge>& edges);
// The CSR of `labs` slots from unit-weight edges (a, b), in insertion order;
// `undirected` adds b -> a right after a -> b. 8 bytes per edge while
// building: the generators' path at a million labs.
Csr csr_from_pairs(std::size_t labs, const std::vector<std::array<std::uint32_t, 2>>& pairs,
                   bool undirected);
// The CSR without the labs whose keep flag is 0 (slots close up in order).
// The simulation uses csr_remove() (below); this copying form is the
// reference the tests hold it to.
Csr csr_without(const Csr& old, const std::vector<std::uint8_t>& keep);
// The CSR over `labs` slots with `added` edges appended to their rows (in
// the order given): equal to csr_from_edges() over the old edges, then these.
Csr csr_with(const Csr& old, std::size_t labs, const std::vector<CsrEdge>& added);
// The same two updates in place, for the population rule (exits and
// arrivals every few steps): equal to `csr = csr_without(csr, keep)` and
// `csr = csr_with(csr, labs, added)`, without building a second CSR. Appending
// moves the rows after each row that gains edges, once; it falls back on
// csr_with() when weights are stored or `labs` is below the CSR's labs.
void csr_remove(Csr& csr, const std::vector<std::uint8_t>& keep);
void csr_append(Csr& csr, std::size_t labs, const std::vector<CsrEdge>& added);

// The whole market graph as a Boost graph, for export (sim/output/graph_export)
// and tests: labs by slot, then providers; each vertex's out-edges in the
// order added.
class MarketGraph {
 public:
  void add_providers(std::size_t count);
  // Appends a lab vertex; its slot is the number of labs before the call.
  void add_lab(std::uint64_t id);
  // Edges by lab slot and provider index.
  void add_influence(std::size_t from, std::size_t to, double weight);
  void add_usage(std::size_t slot, std::size_t provider);
  void add_investment(std::size_t provider, std::size_t slot, double weight);

  std::size_t labs() const { return labs_.size(); }
  std::size_t providers() const { return providers_.size(); }
  std::uint64_t lab_id(std::size_t slot) const { return graph_[labs_[slot]].id; }
  std::size_t edges(EdgeKind kind) const;
  // Lab `slot`'s influence edges as (target slot, weight), in order.
  std::vector<std::pair<std::size_t, double>> influence_of(std::size_t slot) const;

  // The Boost vertex of lab `slot` / provider `p`.
  Vertex lab_vertex(std::size_t slot) const { return labs_[slot]; }
  Vertex provider_vertex(std::size_t p) const { return providers_[p]; }

  // The graph itself; the files are written by sim/output/graph_export.hpp.
  const BoostGraph& boost_graph() const { return graph_; }

 private:
  BoostGraph graph_;
  std::vector<Vertex> labs_;       // by slot
  std::vector<Vertex> providers_;  // by provider index
};

}  // namespace cw
