// The influence graph's generators (docs/MODEL.md, "Generators"), beside the
// graph types of graph.hpp: the initial labs' graph by network.generator, and
// the preferential links of a lab that arrives during a run. Their draws come
// from Stream::network (sub-stream 0 for the initial graph, 1 for arrivals).
#pragma once

#include <cstddef>
#include <vector>

#include "core/graph.hpp"

namespace cw {

struct Scenario;
struct State;

// The influence graph of the initial labs `st.labs`, straight into the CSR.
Csr generate_influence(const Scenario& s, const State& st);

// Attachment weight of an existing lab: fitness (prestige) times (degree +
// 1), the Bianconi-Barabasi rule with a +1 so that isolated labs can be
// reached. Inline: the population rule sums it over every lab at each
// arrival step.
inline double attach_weight(double prestige, std::size_t degree) {
  return prestige * static_cast<double>(degree + 1);
}

// The links of the lab arriving in `slot` to up to network.m earlier labs,
// drawn by `cumulative` (running sums of attach_weight over slots
// 0..cumulative.size()-1); appends both directions of each link to `added`.
// Nothing when network.generator is none.
void attach_arrival(const Scenario& s, const State& st, std::size_t slot,
                    const std::vector<double>& cumulative, std::vector<CsrEdge>& added);

}  // namespace cw
