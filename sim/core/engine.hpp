// The engine: the step loop of SPEC §2.2, readable on one screen.
#pragma once

#include <stdexcept>

#include "core/metrics.hpp"
#include "core/params.hpp"
#include "core/rules.hpp"
#include "core/state.hpp"

namespace cw {

// Watches a run: output writers and tests plug in here.
class Observer {
 public:
  virtual ~Observer() = default;
  virtual void on_start(const Scenario&, const State&) {}
  virtual void on_step(const Scenario&, const State&, const StepMetrics&) {}
  virtual void on_end(const Scenario&, const State&, const RunOutcome&) {}
  // Whether the observer reads State::log (an events file).
  virtual bool wants_events() const { return true; }
};

// A run that cannot go on: a NaN or infinity (naming the step and quantity)
// or a broken invariant.
class RunError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Simulation {
 public:
  // The scenario must have passed check_scenario. The simulation keeps its
  // own copy: `set` events change it as the run goes.
  explicit Simulation(Scenario s);

  // Runs one step in the documented order and records its metrics.
  const StepMetrics& step();
  // Runs every remaining step; observers see each one. Per-lab event
  // records are logged only for an observer that wants them. Throws RunError.
  RunOutcome run(Observer* observer = nullptr);

  const State& state() const { return st_; }
  State& mutable_state() { return st_; }
  const Scenario& scenario() const { return s_; }
  bool done() const { return st_.step >= s_.steps; }

 private:
  void check_finite() const;

  Scenario s_;
  State st_;
  StepMetrics metrics_;
  OutcomeAccumulator acc_;
};

// Convenience: runs a scenario from start to end.
RunOutcome run_scenario(const Scenario& s, Observer* observer = nullptr);

}  // namespace cw
