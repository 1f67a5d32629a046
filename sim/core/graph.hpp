// The market graph (SPEC §2.1), behind one header.
//
// Boost.Graph holds the topology and the rarely changing edge attributes:
// lab and provider vertices; usage edges (lab -> provider, present while the
// lab's allocation to the provider is above metrics.usage_threshold),
// investment edges (provider -> lab, issue 5) and influence edges
// (lab -> lab: whom a lab listens to, with a weight). Per-step numbers live in
// the dense arrays of State. Hot loops read `Csr`, a compact view of the
// influence edges by lab slot, rebuilt whenever labs enter or exit.
#pragma once

#include <fmt/format.h>

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

// listS vertex and edge storage: descriptors stay valid when labs exit.
// Directed without in-edge lists: a provider used by N labs would otherwise
// keep an in-edge list of N that every usage change must search (O(N) per
// change, O(N^2) per step at scale). The edges into a lab that exits are
// found through the influence CSR instead (remove_labs).
using BoostGraph =
    boost::adjacency_list<boost::listS, boost::listS, boost::directedS, VertexProps, EdgeProps>;
using Vertex = BoostGraph::vertex_descriptor;

// Influence edges by lab slot: the neighbours j of lab l are
// nbr[off[l] .. off[l+1]) with row-normalised weights W_lj (sum 1 per row
// with at least one neighbour).
struct Csr {
  std::vector<std::int64_t> off{0};
  std::vector<std::int32_t> nbr;
  std::vector<double> w;
  std::vector<double> raw;  // the edges' own weights (w before normalising)
  std::size_t degree(std::size_t l) const { return static_cast<std::size_t>(off[l + 1] - off[l]); }
};

struct CsrEdge {
  std::size_t from = 0, to = 0;
  double weight = 1.0;
};

// The CSR without the labs whose keep flag is 0 (slots close up in order).
Csr csr_without(const Csr& old, const std::vector<std::uint8_t>& keep);
// The CSR over `labs` slots with `added` edges appended to their rows (in
// the order given): equal to build_csr() after the same additions.
Csr csr_with(const Csr& old, std::size_t labs, const std::vector<CsrEdge>& added);

class MarketGraph {
 public:
  void add_providers(std::size_t count);
  // Appends a lab vertex; its slot is the number of labs before the call.
  void add_lab(std::uint64_t id);
  // Influence edge a -> b (by slot); `undirected` adds b -> a too.
  void add_influence(std::size_t a, std::size_t b, double weight, bool undirected);
  bool has_influence(std::size_t a, std::size_t b) const;
  // Removes the labs whose `keep` flag is 0 with all their edges; slots of the
  // remaining labs close up in order. `influence` (the CSR before the
  // removal) says which labs listen to a removed one.
  void remove_labs(const std::vector<std::uint8_t>& keep, const Csr& influence);
  // Investment edge provider -> lab (a deal); removing takes every such edge.
  void add_investment(std::size_t provider, std::size_t slot, double weight);
  void remove_investment(std::size_t provider, std::size_t slot);
  std::size_t investment_edges() const;
  // Sets lab `slot`'s usage edges to the providers whose bit is set in `mask`.
  void set_usage(std::size_t slot, std::uint64_t old_mask, std::uint64_t new_mask);

  std::size_t labs() const { return labs_.size(); }
  std::size_t providers() const { return providers_.size(); }
  std::size_t influence_degree(std::size_t slot) const;
  std::uint64_t lab_id(std::size_t slot) const { return graph_[labs_[slot]].id; }
  std::size_t slot_of_id(std::uint64_t id) const;
  std::size_t usage_edges() const;
  std::size_t influence_edges() const;

  // Compact influence view by slot (rebuilt by the caller after changes).
  Csr build_csr() const;

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
