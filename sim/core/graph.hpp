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

#include <fmt/format.h>

#include <array>
#include <boost/graph/adjacency_list.hpp>
#include <cstdint>
#include <ostream>
#include <string>
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
Csr csr_without(const Csr& old, const std::vector<std::uint8_t>& keep);
// The CSR over `labs` slots with `added` edges appended to their rows (in
// the order given): equal to csr_from_edges() over the old edges, then these.
Csr csr_with(const Csr& old, std::size_t labs, const std::vector<CsrEdge>& added);

// The whole market graph as a Boost graph, for export: labs by slot, then
// providers; each vertex's out-edges in the order added.
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

  // Exports. `lab_name(slot)` and `provider_name(p)` label the vertices.
  template <class LabName, class ProviderName>
  void write_graphml(std::ostream& os, LabName lab_name, ProviderName provider_name) const;
  template <class LabName, class ProviderName>
  void write_dot(std::ostream& os, LabName lab_name, ProviderName provider_name) const;

  const BoostGraph& boost_graph() const { return graph_; }

 private:
  // "l<id>" for a lab, "p<index>" for a provider: the id in exported files.
  std::string vertex_key(Vertex v) const {
    const auto& p = graph_[v];
    return fmt::format("{}{}", p.kind == VertexKind::lab ? 'l' : 'p', p.id);
  }

  BoostGraph graph_;
  std::vector<Vertex> labs_;       // by slot
  std::vector<Vertex> providers_;  // by provider index
};

// Export: labs by slot in order, then providers; edges in a fixed order
// (by source vertex, then by insertion), so files are byte-stable.
template <class LabName, class ProviderName>
void MarketGraph::write_graphml(std::ostream& os, LabName lab_name,
                                ProviderName provider_name) const {
  auto esc = [](const std::string& s) {
    std::string r;
    for (char c : s) {
      switch (c) {
        case '&':
          r += "&amp;";
          break;
        case '<':
          r += "&lt;";
          break;
        case '>':
          r += "&gt;";
          break;
        case '"':
          r += "&quot;";
          break;
        default:
          r += c;
      }
    }
    return r;
  };
  os << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\">\n"
        "  <key id=\"kind\" for=\"node\" attr.name=\"kind\" attr.type=\"string\"/>\n"
        "  <key id=\"name\" for=\"node\" attr.name=\"name\" attr.type=\"string\"/>\n"
        "  <key id=\"ekind\" for=\"edge\" attr.name=\"kind\" attr.type=\"string\"/>\n"
        "  <key id=\"weight\" for=\"edge\" attr.name=\"weight\" attr.type=\"double\"/>\n"
        "  <graph id=\"market\" edgedefault=\"directed\">\n";
  for (std::size_t i = 0; i < labs_.size(); ++i) {
    os << "    <node id=\"" << vertex_key(labs_[i])
       << "\"><data key=\"kind\">lab</data><data key=\"name\">" << esc(lab_name(i))
       << "</data></node>\n";
  }
  for (std::size_t p = 0; p < providers_.size(); ++p) {
    os << "    <node id=\"" << vertex_key(providers_[p])
       << "\"><data key=\"kind\">provider</data><data key=\"name\">" << esc(provider_name(p))
       << "</data></node>\n";
  }
  static constexpr const char* kKind[] = {"usage", "investment", "influence"};
  auto emit = [&](Vertex v) {
    for (auto [e, end] = boost::out_edges(v, graph_); e != end; ++e) {
      const auto& ep = graph_[*e];
      os << "    <edge source=\"" << vertex_key(v) << "\" target=\""
         << vertex_key(boost::target(*e, graph_)) << "\"><data key=\"ekind\">"
         << kKind[static_cast<int>(ep.kind)] << "</data><data key=\"weight\">"
         << fmt::format("{}", ep.weight) << "</data></edge>\n";
    }
  };
  for (Vertex v : labs_) emit(v);
  for (Vertex v : providers_) emit(v);
  os << "  </graph>\n</graphml>\n";
}

template <class LabName, class ProviderName>
void MarketGraph::write_dot(std::ostream& os, LabName lab_name, ProviderName provider_name) const {
  auto quote = [](const std::string& s) {
    std::string r = "\"";
    for (char c : s) {
      if (c == '"' || c == '\\') r += '\\';
      r += c;
    }
    return r + "\"";
  };
  os << "digraph market {\n";
  for (std::size_t i = 0; i < labs_.size(); ++i) {
    os << "  " << vertex_key(labs_[i]) << " [label=" << quote(lab_name(i)) << ", shape=ellipse];\n";
  }
  for (std::size_t p = 0; p < providers_.size(); ++p) {
    os << "  " << vertex_key(providers_[p]) << " [label=" << quote(provider_name(p))
       << ", shape=box];\n";
  }
  static constexpr const char* kStyle[] = {"solid", "bold", "dotted"};
  auto emit = [&](Vertex v) {
    for (auto [e, end] = boost::out_edges(v, graph_); e != end; ++e) {
      const auto& ep = graph_[*e];
      os << "  " << vertex_key(v) << " -> " << vertex_key(boost::target(*e, graph_))
         << " [style=" << kStyle[static_cast<int>(ep.kind)]
         << ", weight=" << fmt::format("{}", ep.weight) << "];\n";
    }
  };
  for (Vertex v : labs_) emit(v);
  for (Vertex v : providers_) emit(v);
  os << "}\n";
}

}  // namespace cw
