// Step 4 (capacity) and step 5 (lock-in). docs/MODEL.md §4-5.
#include <algorithm>
#include <array>

#include "core/rules.hpp"

namespace cw {

void rule_capacity(const Scenario& s, State& st, StepCounters& c) {
  (void)s;
  const std::size_t P = st.P;
  LabState& L = st.labs;
  ProviderState& Pv = st.providers;
  // Requested volume per provider: R_p = sum_l d_l x_lp.
  std::fill(Pv.requested.begin(), Pv.requested.end(), 0.0);
  for (std::size_t l = 0; l < L.n; ++l) {
    const double* x = L.x.row(l);
    for (std::size_t p = 0; p < P; ++p) Pv.requested[p] += L.demand[l] * x[p];
  }
  // Pro-rata rationing: every lab on p gets the same fill rate min(1, cap_p / R_p).
  std::array<double, kMaxProviders> fill{};
  for (std::size_t p = 0; p < P; ++p) {
    const double R = Pv.requested[p];
    fill[p] = R > Pv.capacity[p] ? Pv.capacity[p] / R : 1.0;
  }
  std::fill(Pv.served.begin(), Pv.served.end(), 0.0);
  for (std::size_t l = 0; l < L.n; ++l) {
    const double* x = L.x.row(l);
    double* served = L.served.row(l);
    for (std::size_t p = 0; p < P; ++p) {
      served[p] = L.demand[l] * x[p] * fill[p];
      Pv.served[p] += served[p];
    }
  }
  for (std::size_t p = 0; p < P; ++p) {
    c.requested += Pv.requested[p];
    c.unserved += Pv.requested[p] - Pv.served[p];
  }
}

void rule_lock_in(const Scenario& s, State& st) {
  const std::size_t P = st.P;
  LabState& L = st.labs;
  const double keep = 1.0 - s.lock_in.decay;
  const double* kappa = st.providers.lock_in_rate.data();
  for (std::size_t l = 0; l < L.n; ++l) {
    double* k = L.lock.row(l);
    const double* served = L.served.row(l);
    for (std::size_t p = 0; p < P; ++p) k[p] = keep * k[p] + kappa[p] * served[p];
  }
}

}  // namespace cw
