// The columns of every tidy file, listed once (docs/OUTPUTS.md documents
// each). A "sink" is called as sink(name, value) for every column in order:
// one sink collects the header, another writes the cells (output/columns.hpp),
// another reads numbers, so header and rows can never disagree. Kept in core
// because declared outcomes (Scenario::outcomes) name these columns: their
// metrics are checked and read through the same lists.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "core/metrics.hpp"
#include "core/params.hpp"

namespace cw {

inline std::string provider_label(const Scenario& s, std::int32_t p) {
  return p >= 0 ? s.providers[static_cast<std::size_t>(p)].name : std::string();
}

// runs.csv, after the keys.
template <class Sink>
void run_columns(Sink&& k, const Scenario& s, const RunOutcome& r) {
  k("hhi_final", r.hhi_final);
  k("hhi_max", r.hhi_max);
  k("hhi_mean", r.hhi_mean);
  k("leader", provider_label(s, r.leader));
  k("leader_share", r.leader_share);
  k("tipped", r.tipped);
  k("tipping_step", r.tipping_step);
  k("leader_changes", r.leader_changes);
  k("switches", r.switches);
  k("arrivals", r.arrivals);
  k("exits", r.exits);
  k("labs_final", r.labs_final);
  k("lock_in_ratio", r.lock_in_ratio);
  k("single_homing_fraction", r.single_homing_fraction);
  k("unmet_demand_fraction", r.unmet_demand_fraction);
  k("mean_effective_price", r.mean_effective_price);
  k("outside_share_final", r.outside_share_final);
  k("decentralized_share_final", r.decentralized_share_final);
  k("decentralized_first_step_5pct", r.decentralized_first_step_5pct);
  k("deals", r.deals);
  k("storm_offs", r.storm_offs);
  k("statements", r.statements);
  k("flagship_leader", provider_label(s, r.flagship_leader));
  k("flagship_leader_share", r.flagship_leader_share);
  k("consumer_surplus", r.consumer_surplus);
  k("incumbent_lerner", r.incumbent_lerner);
  // Declared outcomes (s.outcomes), after the built-in columns. Before the
  // run has values (a header, a failed run) each is an empty number.
  for (std::size_t i = 0; i < s.outcomes.size(); ++i) {
    const OutcomeParams& o = s.outcomes[i];
    const DeclaredValue v = i < r.declared.size() ? r.declared[i] : DeclaredValue{};
    if (o.stat == OutcomeStat::first_above || o.stat == OutcomeStat::first_below) {
      k(o.name.c_str(), v.step);
    } else {
      k(o.name.c_str(), v.value);
    }
  }
}

// run_labs.csv, after the keys (run_id, lab).
template <class Sink>
void run_lab_columns(Sink&& k, const Scenario& s, const LabOutcome& r) {
  const auto start = parse_year_month(s.start).value_or(0);
  k("present", r.present);
  k("provider", r.provider);
  k("provider_share", r.provider_share);
  k("opinion", r.opinion);
  k("demand", r.demand);
  k("deals", r.deals);
  k("stormed_off", r.storm_off_step.has_value());
  k("storm_offs", r.storm_offs);
  k("storm_off_step", r.storm_off_step);
  k("storm_off_date",
    r.storm_off_step ? format_year_month(start + *r.storm_off_step) : std::string());
  k("storm_off_from", r.storm_off_from);
}

// run_providers.csv, after the keys (run_id, provider).
template <class Sink>
void run_provider_columns(Sink&& k, const ProviderOutcome& r) {
  k("final_share", r.final_share);
  k("final_revenue_share", r.final_revenue_share);
  k("revenue", r.revenue);
  k("profit", r.profit);
  k("reputation", r.reputation);
  k("credits_spent", r.credits_spent);
  k("revenue_won", r.revenue_won);
  k("revenue_per_credit", r.revenue_per_credit);
  k("flagship_share", r.flagship_share);
  k("mean_lerner", r.mean_lerner);
}

// steps.csv, after the keys (run_id, step, date).
template <class Sink>
void step_columns(Sink&& k, const Scenario& s, const StepMetrics& m) {
  k("hhi", m.hhi);
  k("leader", provider_label(s, m.leader));
  k("labs", m.labs);
  k("demand", m.demand);
  k("outside_share", m.outside_share);
  k("decentralized_share", m.decentralized_share);
  k("requested", m.counters.requested);
  k("unserved", m.counters.unserved);
  k("arrivals", m.counters.arrivals);
  k("exits", m.counters.exits);
  k("switches", m.counters.switches);
}

// step_providers.csv, after the keys (run_id, step, date, provider).
template <class Sink>
void step_provider_columns(Sink&& k, const ProviderStep& r) {
  k("compute_share", r.compute_share);
  k("revenue_share", r.revenue_share);
  k("revenue", r.revenue);
  k("ai_revenue", r.ai_revenue);
  k("profit", r.profit);
  k("requested", r.requested);
  k("served", r.served);
  k("capacity", r.capacity);
  k("utilisation", r.utilisation);
  k("price", r.price);
  k("quality", r.quality);
  k("reputation", r.reputation);
  k("narrative_share", r.narrative_share);
  k("labs_served", r.labs_served);
  k("credits", r.credits);
  k("credits_outstanding", r.credits_outstanding);
  k("partners", r.partners);
  k("budget", r.budget);
  k("lerner", r.lerner);
}

// One named lab and one provider at one step (step_labs.csv).
struct LabStep {
  double demand = 0;      // d_l (the same on each of the lab's rows)
  double allocation = 0;  // x_lp after the step
  double opinion = 0;     // o_lp after the step's narrative rule
  double lock_in = 0;     // k_lp
  double credit = 0;      // c_lp: the price discount of an active deal
};

// step_labs.csv, after the keys (run_id, step, date, lab, provider).
template <class Sink>
void step_lab_columns(Sink&& k, const LabStep& r) {
  k("demand", r.demand);
  k("allocation", r.allocation);
  k("opinion", r.opinion);
  k("lock_in", r.lock_in);
  k("credit", r.credit);
}

// events.csv, after the keys (run_id, step, date).
template <class Sink>
void event_columns(Sink&& k, const EventRecord& e) {
  k("type", e.type);
  k("name", e.name);
  k("lab", e.lab);
  k("provider", e.provider);
  k("other_provider", e.other);
  k("magnitude", e.magnitude);
}

}  // namespace cw
