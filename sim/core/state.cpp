#include "core/state.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace cw {

std::string State::lab_name(std::size_t slot) const {
  const std::uint64_t lab = labs.id[slot];
  if (auto it = lab_names.find(lab); it != lab_names.end()) return it->second;
  return fmt::format("lab-{}", lab);
}

std::int64_t State::slot_of_named(const std::string& name) const {
  for (const auto& [lab_id, lab_name] : lab_names) {
    if (lab_name == name) return slot_of(lab_id);
  }
  return -1;
}

std::uint64_t usage_mask(const double* x, std::size_t P, double threshold) {
  std::uint64_t m = 0;
  for (std::size_t p = 0; p < P; ++p) {
    if (x[p] > threshold) m |= std::uint64_t{1} << p;
  }
  return m;
}

std::int32_t main_provider_of(const double* x, std::size_t P) {
  std::int32_t best = -1;
  double best_x = 0;
  for (std::size_t p = 0; p < P; ++p) {
    if (x[p] > best_x) {
      best_x = x[p];
      best = static_cast<std::int32_t>(p);
    }
  }
  // The outside option counts as "no provider".
  if (best >= 0 && x[P] > best_x) return -1;
  return best;
}

MarketGraph market_graph(const State& st, double usage_threshold) {
  MarketGraph g;
  const LabState& L = st.labs;
  for (std::size_t l = 0; l < L.n; ++l) g.add_lab(L.id[l]);
  g.add_providers(st.P);
  const Csr& W = st.influence;
  for (std::size_t l = 0; l < L.n; ++l) {
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
