// SPEC §5 "Accounting", checked after every step of a run: an observer that
// records the first broken invariant (if any) and the number of steps seen.
// Cheap enough to watch every run of the validation tests: one pass over
// the labs' allocation rows per step.
#pragma once

#include <cmath>
#include <sstream>
#include <string>

#include "core/engine.hpp"

namespace cw::test {

// The first broken invariant at this step ("" if none).
inline std::string accounting_problem(const Scenario& s, const State& st, const StepMetrics& m) {
  const LabState& L = st.labs;
  const std::size_t P = st.P;
  std::ostringstream why;
  double spend = 0;
  for (std::size_t l = 0; l < L.n; ++l) {
    double total = 0;
    for (std::size_t p = 0; p <= P; ++p) {
      const double x = L.x.at(l, p);
      if (!(x >= 0.0)) {
        why << "lab " << l << " has x = " << x << " on option " << p;
        return why.str();
      }
      total += x;
    }
    // Allocations, the outside option included, sum to 1 (a fresh lab that
    // has not chosen yet holds nothing: docs/MODEL.md, Notation).
    const bool fresh = L.fresh.size() > l && L.fresh[l] != 0;
    if (std::abs(total - 1.0) > 1e-12 && !(fresh && total == 0.0)) {
      why << "lab " << l << "'s allocations sum to " << total;
      return why.str();
    }
    spend += L.spend[l];
  }
  double share_total = 0, paid = 0;
  for (std::size_t p = 0; p < P; ++p) {
    const auto& r = m.providers[p];
    const std::string& name = s.providers[p].name;
    if (r.served > r.capacity * (1 + 1e-12) || r.served > r.requested * (1 + 1e-12)) {
      why << name << " served " << r.served << " of " << r.requested << " requested, capacity "
          << r.capacity;
      return why.str();
    }
    if (r.credits < 0 || r.credits > r.price * r.served * (1 + 1e-12)) {
      why << name << " gave credits " << r.credits;
      return why.str();
    }
    // Revenue = price x served - credits + background.
    const double expect = r.price * r.served - r.credits + st.providers.background[p];
    if (std::abs(r.revenue - expect) > 1e-12 * (1 + std::abs(r.revenue))) {
      why << name << " revenue " << r.revenue << " != price x served - credits + background "
          << expect;
      return why.str();
    }
    share_total += r.compute_share;
    paid += r.price * r.served;
  }
  // What the labs spent is what the providers billed before credits.
  if (std::abs(spend - paid) > 1e-12 * (1 + paid)) {
    why << "labs spent " << spend << ", providers billed " << paid;
    return why.str();
  }
  if (share_total > 0 && std::abs(share_total - 1.0) > 1e-12) {
    why << "compute shares sum to " << share_total;
    return why.str();
  }
  if (!(m.hhi >= 0.0 && m.hhi <= 10000.0 + 1e-9)) {
    why << "HHI " << m.hhi;
    return why.str();
  }
  return {};
}

// Checks the invariants after every step; a test reads `problem` at the end.
class AccountingObserver : public Observer {
 public:
  void on_step(const Scenario& s, const State& st, const StepMetrics& m) override {
    ++steps;
    if (problem.empty()) {
      std::string p = accounting_problem(s, st, m);
      if (!p.empty()) problem = "step " + std::to_string(m.step) + ": " + p;
    }
  }
  bool wants_events() const override { return false; }
  int steps = 0;
  std::string problem;
};

}  // namespace cw::test
