// Outcomes (SPEC §3, docs/OUTPUTS.md): what one step and one run record.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/params.hpp"
#include "core/rules.hpp"
#include "core/state.hpp"

namespace cw {

// One provider at one step.
struct ProviderStep {
  double compute_share = 0;  // served_p / sum_q served_q (AI compute)
  double revenue_share = 0;  // revenue_p / sum_q revenue_q (background included)
  double revenue = 0;        // AI revenue + background (money per step)
  double ai_revenue = 0;
  double profit = 0;  // AI revenue - unit_cost * served
  double requested = 0;
  double served = 0;
  double capacity = 0;     // inf when unlimited
  double utilisation = 0;  // served / capacity; nan when unlimited
  double price = 0;        // charged this step
  double quality = 0;      // offered this step
  double reputation = 0;
  double narrative_share = 0;      // sum_l v_l x_lp / sum_l v_l
  double labs_served = 0;          // labs with x_lp above the usage threshold
  double credits = 0;              // discount given this step (money)
  double credits_outstanding = 0;  // credit still due on active deals at this step's terms
  double partners = 0;             // labs with an active deal
  double budget = 0;               // courting budget left
  double lerner = 0;  // (price - unit cost) / price this step; NaN while not in the market
};

// One step.
struct StepMetrics {
  std::int64_t step = 0;
  double hhi = 0;            // sum_p (100 * compute_share_p)^2, in [0, 10000]
  std::int32_t leader = -1;  // provider with the largest compute share (-1: none served)
  std::int64_t labs = 0;
  double demand = 0;               // total lab demand
  double outside_share = 0;        // sum_l d_l x_l,out / sum_l d_l
  double decentralized_share = 0;  // compute share of providers of kind decentralized
  StepCounters counters;
  std::vector<ProviderStep> providers;
};

void compute_step_metrics(const Scenario& s, const State& st, const StepCounters& c,
                          StepMetrics& m);

// One provider over a run.
struct ProviderOutcome {
  double final_share = 0;                    // compute share at the last step
  double final_revenue_share = 0;            // revenue share at the last step
  double revenue = 0;                        // total over the run (money)
  double profit = 0;                         // total over the run (money)
  double reputation = 0;                     // at the last step
  double credits_spent = 0;                  // value of the deals it concluded (money)
  double revenue_won = 0;                    // revenue from labs while under its deals (money)
  std::optional<double> revenue_per_credit;  // revenue_won / credits_spent
  double flagship_share = 0;                 // share of the flagship labs' demand on it, last step
  std::optional<double> mean_lerner;         // mean Lerner index over its steps in the market
                                             // from burn_in; empty if none
};

// One named lab over a run (run_labs.csv), in the order of labs.named.
struct LabOutcome {
  bool present = false;         // in the market at the end
  std::string provider;         // main provider at the end ("" when none: outside, absent)
  double provider_share = 0;    // its x_lp at the end
  std::int64_t storm_offs = 0;  // storm_off events naming it
  std::optional<std::int64_t> storm_off_step;  // the first one's step
  std::string storm_off_from;                  // the provider it left then
  std::int64_t deals = 0;                      // deals it accepted (courting and deal events)
  std::optional<double> demand;                // d_l at the end (empty when absent)
  std::optional<double> opinion;               // o_lp of its main provider at the end
};

// A declared outcome's value: a statistic, or a step (first_above/below).
struct DeclaredValue {
  std::optional<double> value;
  std::optional<std::int64_t> step;
};

// One run.
struct RunOutcome {
  double hhi_final = 0, hhi_max = 0, hhi_mean = 0;  // hhi_mean over steps >= burn_in
  std::int32_t leader = -1;
  double leader_share = 0;
  bool tipped = false;
  std::optional<std::int64_t> tipping_step;  // censored at the horizon: empty if never
  std::int64_t leader_changes = 0;
  std::int64_t switches = 0, arrivals = 0, exits = 0;
  std::int64_t labs_final = 0;
  double lock_in_ratio = 0;  // sum over paying labs of sum_p k_lp price_p, over their spend
  double single_homing_fraction = 0;
  double unmet_demand_fraction = 0;  // sum_t unserved / sum_t requested
  double mean_effective_price = 0;   // sum_t AI revenue / sum_t served
  double outside_share_final = 0;
  double decentralized_share_final = 0;
  std::optional<std::int64_t> decentralized_first_step_5pct;
  std::int64_t deals = 0, storm_offs = 0, statements = 0;
  std::int32_t flagship_leader = -1;  // provider with most of the flagships' demand
  double flagship_leader_share = 0;
  double consumer_surplus = 0;  // sum_l d_l tau ln sum exp(U/tau) / alpha_l, last step
  // Mean over steps from burn_in of the simple mean Lerner index of the
  // active providers not of kind decentralized; empty if no such step.
  std::optional<double> incumbent_lerner;
  std::vector<ProviderOutcome> providers;
  std::vector<DeclaredValue> declared;  // Scenario::outcomes, in order
  std::vector<LabOutcome> labs;         // Scenario::labs.named, in order
};

// Folds steps into a RunOutcome as they happen (O(P) per step, plus
// O(columns) per declared outcome and O(events) for the named labs).
class OutcomeAccumulator {
 public:
  explicit OutcomeAccumulator(const Scenario& s);
  // m: this step's metrics; log: its events (deal and storm_off records
  // are always logged, whatever State::log_events).
  void add(const StepMetrics& m, const std::vector<EventRecord>& log = {});
  // Completes the outcome with end-of-run quantities read from the state.
  RunOutcome finish(const Scenario& s, const State& st);

 private:
  RunOutcome out_;
  double tipping_threshold_;
  std::int64_t tipping_window_, burn_in_;
  double hhi_sum_ = 0;
  std::int64_t hhi_count_ = 0;
  std::int32_t run_provider_ = -1;
  std::int64_t run_start_ = 0, run_length_ = 0;
  std::int32_t last_leader_ = -2;
  double requested_ = 0, unserved_ = 0, ai_revenue_ = 0, served_ = 0;
  std::vector<std::uint8_t> incumbent_;  // provider p is not decentralized
  std::vector<double> lerner_sum_;
  std::vector<std::int64_t> lerner_count_;
  double incumbent_lerner_sum_ = 0;
  std::int64_t incumbent_lerner_count_ = 0;
  StepMetrics last_;
  // A declared outcome, resolved: which column of which file, the steps.
  struct Declared {
    bool per_provider = false;
    std::size_t column = 0, provider = 0;
    std::int64_t from = 0, to = 0;
    OutcomeStat stat = OutcomeStat::mean;
    double level = 0;
    double sum = 0;
    std::int64_t n = 0;
  };
  std::vector<Declared> declared_;
  Scenario names_;                      // the provider names only, for step_columns' text columns
  std::vector<std::string> lab_names_;  // labs.named, in order
};

// The numeric columns of steps.csv (per_provider false) or of
// step_providers.csv (true): the metrics a declared outcome may name.
std::vector<std::string> step_metric_names(const Scenario& s, bool per_provider);

// A declared outcome's `from` / `to`: a date YYYY-MM (a step from the
// scenario's start) or a whole step number; nullopt when it is neither.
std::optional<std::int64_t> outcome_step(const Scenario& s, const std::string& text);

}  // namespace cw
