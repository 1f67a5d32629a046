#include "output/graph_export.hpp"

#include <fmt/format.h>

namespace cw {

namespace {

// "l<id>" for a lab, "p<index>" for a provider: the id in exported files.
std::string vertex_key(const BoostGraph& g, Vertex v) {
  const VertexProps& p = g[v];
  return fmt::format("{}{}", p.kind == VertexKind::lab ? 'l' : 'p', p.id);
}

std::string xml_escape(const std::string& s) {
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
}

std::string dot_quote(const std::string& s) {
  std::string r = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') r += '\\';
    r += c;
  }
  return r + "\"";
}

// Calls edge(source, target, props) for every edge, grouped by source
// vertex: labs by slot, then providers; each vertex's out-edges in the order
// added.
template <class EdgeFn>
void for_each_edge(const MarketGraph& g, EdgeFn edge) {
  const BoostGraph& bg = g.boost_graph();
  auto from = [&](Vertex v) {
    for (auto [e, end] = boost::out_edges(v, bg); e != end; ++e)
      edge(v, boost::target(*e, bg), bg[*e]);
  };
  for (std::size_t l = 0; l < g.labs(); ++l) from(g.lab_vertex(l));
  for (std::size_t p = 0; p < g.providers(); ++p) from(g.provider_vertex(p));
}

}  // namespace

void write_graphml(std::ostream& os, const MarketGraph& g, const VertexNames& names) {
  const BoostGraph& bg = g.boost_graph();
  os << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\">\n"
        "  <key id=\"kind\" for=\"node\" attr.name=\"kind\" attr.type=\"string\"/>\n"
        "  <key id=\"name\" for=\"node\" attr.name=\"name\" attr.type=\"string\"/>\n"
        "  <key id=\"ekind\" for=\"edge\" attr.name=\"kind\" attr.type=\"string\"/>\n"
        "  <key id=\"weight\" for=\"edge\" attr.name=\"weight\" attr.type=\"double\"/>\n"
        "  <graph id=\"market\" edgedefault=\"directed\">\n";
  for (std::size_t l = 0; l < g.labs(); ++l) {
    os << "    <node id=\"" << vertex_key(bg, g.lab_vertex(l))
       << "\"><data key=\"kind\">lab</data><data key=\"name\">" << xml_escape(names.lab(l))
       << "</data></node>\n";
  }
  for (std::size_t p = 0; p < g.providers(); ++p) {
    os << "    <node id=\"" << vertex_key(bg, g.provider_vertex(p))
       << "\"><data key=\"kind\">provider</data><data key=\"name\">"
       << xml_escape(names.provider(p)) << "</data></node>\n";
  }
  static constexpr const char* kKind[] = {"usage", "investment", "influence"};
  for_each_edge(g, [&](Vertex from, Vertex to, const EdgeProps& e) {
    os << "    <edge source=\"" << vertex_key(bg, from) << "\" target=\"" << vertex_key(bg, to)
       << "\"><data key=\"ekind\">" << kKind[static_cast<int>(e.kind)]
       << "</data><data key=\"weight\">" << fmt::format("{}", e.weight) << "</data></edge>\n";
  });
  os << "  </graph>\n</graphml>\n";
}

void write_dot(std::ostream& os, const MarketGraph& g, const VertexNames& names) {
  const BoostGraph& bg = g.boost_graph();
  os << "digraph market {\n";
  for (std::size_t l = 0; l < g.labs(); ++l) {
    os << "  " << vertex_key(bg, g.lab_vertex(l)) << " [label=" << dot_quote(names.lab(l))
       << ", shape=ellipse];\n";
  }
  for (std::size_t p = 0; p < g.providers(); ++p) {
    os << "  " << vertex_key(bg, g.provider_vertex(p)) << " [label=" << dot_quote(names.provider(p))
       << ", shape=box];\n";
  }
  static constexpr const char* kStyle[] = {"solid", "bold", "dotted"};
  for_each_edge(g, [&](Vertex from, Vertex to, const EdgeProps& e) {
    os << "  " << vertex_key(bg, from) << " -> " << vertex_key(bg, to)
       << " [style=" << kStyle[static_cast<int>(e.kind)]
       << ", weight=" << fmt::format("{}", e.weight) << "];\n";
  });
  os << "}\n";
}

}  // namespace cw
