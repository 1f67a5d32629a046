#include "core/state.hpp"

#include "core/rules.hpp"

namespace cw {

MarketGraph market_graph(const State& st, double usage_threshold) {
  MarketGraph g;
  const LabState& L = st.labs;
  for (std::size_t l = 0; l < L.n; ++l) g.add_lab(L.id[l]);
  g.add_providers(st.P);
  const Csr& W = st.influence;
  for (std::size_t l = 0; l < L.n; ++l) {
    // From the allocation itself: usage_mask can lag behind x for the rest
    // of a step in which an event moved it (it follows in the next choice).
    const std::uint64_t mask = usage_mask(L.x.row(l), st.P, usage_threshold);
    for (std::size_t p = 0; p < st.P; ++p) {
      if (mask & (std::uint64_t{1} << p)) g.add_usage(l, p);
    }
    for (auto k = W.off[l]; k < W.off[l + 1]; ++k) {
      g.add_influence(l, static_cast<std::size_t>(W.nbr[static_cast<std::size_t>(k)]),
                      W.raw_weight(k));
    }
  }
  for (std::size_t p = 0; p < st.P; ++p) {
    for (const Deal& d : st.deals) {
      const std::int64_t slot = st.slot_of(d.lab);
      if (d.provider == p && slot >= 0)
        g.add_investment(p, static_cast<std::size_t>(slot), d.value);
    }
  }
  return g;
}

}  // namespace cw
