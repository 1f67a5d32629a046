#include "core/engine.hpp"

#include <fmt/format.h>

#include <cmath>

namespace cw {

Simulation::Simulation(Scenario s) : s_(std::move(s)), st_(init_state(s_)), acc_(s_) {
  st_.log_events = s_.output.events;
}

const StepMetrics& Simulation::step() {
  StepCounters c;
  st_.log.clear();
  rule_population(s_, st_, c);                 // 1. population
  rule_courting(s_, st_, c);                   // 2. courting
  rule_choice(s_, st_, c);                     // 3. choice
  rule_capacity(s_, st_, c);                   // 4. capacity and 5. lock-in
  rule_narrative(s_, st_, c);                  // 6. narrative
  rule_providers(s_, st_);                     // 7. providers
  rule_events(s_, st_, c);                     // 8. scheduled events
  compute_step_metrics(s_, st_, c, metrics_);  // 9. record
  check_finite();
  acc_.add(metrics_, st_.log);
  ++st_.step;
  return metrics_;
}

RunOutcome Simulation::run(Observer* observer) {
  if (observer) observer->on_start(s_, st_);
  st_.log_events = observer != nullptr && observer->wants_events();
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
  // The message is formatted only when a check fails.
  auto check = [this](double v, const char* what, const std::string* name = nullptr) {
    if (!std::isfinite(v)) {
      const std::string field =
          name ? fmt::format("providers[{}].{}", *name, what) : std::string(what);
      throw RunError(fmt::format("step {}: {} is {}", st_.step, field, v));
    }
  };
  check(metrics_.demand, "total lab demand");
  for (std::size_t p = 0; p < st_.P; ++p) {
    const auto& name = s_.providers[p].name;
    check(st_.providers.served[p], "served", &name);
    check(st_.providers.revenue[p], "revenue", &name);
    check(st_.providers.price[p], "price", &name);
    check(st_.providers.quality[p], "quality", &name);
    check(st_.providers.reputation[p], "reputation", &name);
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
