// Graph files (docs/OUTPUTS.md, "Graph files"): the market graph of one step
// as GraphML or DOT.
//
// The writers are hand-written rather than boost::write_graphml /
// boost::write_graphviz_dp: Boost 1.74 names vertices n0, n1, ... and keys
// key0, key1, ..., writes every <data> on its own line, adds schema
// attributes and prints doubles with 17 significant digits, so its files
// would not be the documented format. These keep the vertex ids l<lab id> /
// p<index> and shortest round-trip weights.
#pragma once

#include <cstddef>
#include <functional>
#include <ostream>
#include <string>

#include "core/graph.hpp"

namespace cw {

// Labels for the vertices: `lab(slot)` and `provider(index)`.
struct VertexNames {
  std::function<std::string(std::size_t)> lab;
  std::function<std::string(std::size_t)> provider;
};

// Both write labs by slot, then providers; then edges grouped by source
// vertex in that order, each vertex's edges in the order they were added,
// so files are byte-stable.
void write_graphml(std::ostream& os, const MarketGraph& g, const VertexNames& names);
void write_dot(std::ostream& os, const MarketGraph& g, const VertexNames& names);

}  // namespace cw
