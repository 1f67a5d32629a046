#include "core/engine.hpp"

#include <fmt/format.h>

#include <cmath>

namespace cw {

Simulation::Simulation(const Scenario& s) : s_(s), st_(init_state(s)), acc_(s) {}

const StepMetrics& Simulation::step() {
  StepCounters c;
  rule_population(s_, st_, c);  // 1. population
  // 2. courting: issue 5
  rule_choice(s_, st_, c);      // 3. choice
  rule_capacity(s_, st_, c);    // 4. capacity
  rule_lock_in(s_, st_);        // 5. lock-in
  // 6. narrative: issue 5
  rule_providers(s_, st_);      // 7. providers
  // 8. scheduled events: issue 5
  compute_step_metrics(s_, st_, c, metrics_);  // 9. record
  check_finite();
  acc_.add(metrics_);
  ++st_.step;
  return metrics_;
}

RunOutcome Simulation::run(Observer* observer) {
  if (observer) observer->on_start(s_, st_);
  while (!done()) {
    const StepMetrics& m = step();
    if (observer) observer->on_step(s_, st_, m);
  }
  RunOutcome out = acc_.finish(s_, st_);
  if (observer) observer->on_end(s_, st_, out);
  return out;
}

void Simulation::check_finite() const {
  // Aggregates carry any lab-level NaN or infinity forward, so checking them
  // catches a bad number at the step it appears.
  auto check = [this](double v, const std::string& what) {
    if (!std::isfinite(v)) {
      throw RunError(fmt::format("step {}: {} is {}", st_.step, what, v));
    }
  };
  check(metrics_.demand, "total lab demand");
  for (std::size_t p = 0; p < st_.P; ++p) {
    const auto& name = s_.providers[p].name;
    check(st_.providers.served[p], fmt::format("providers[{}].served", name));
    check(st_.providers.revenue[p], fmt::format("providers[{}].revenue", name));
    check(st_.providers.price[p], fmt::format("providers[{}].price", name));
    check(st_.providers.quality[p], fmt::format("providers[{}].quality", name));
    const double cap = st_.providers.capacity[p];
    if (std::isnan(cap) || cap < 0) {
      throw RunError(fmt::format("step {}: providers[{}].capacity is {}", st_.step, name, cap));
    }
  }
}

RunOutcome run_scenario(const Scenario& s, Observer* observer) {
  Simulation sim(s);
  return sim.run(observer);
}

}  // namespace cw
