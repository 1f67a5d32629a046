// The columns of every tidy file, listed once (docs/OUTPUTS.md documents
// each). A "sink" is called as sink(name, value) for every column in order:
// one sink collects the header, another writes the cells, another reads
// numbers for summaries, so header and rows can never disagree.
#pragma once

#include <optional>
#include <string>
#include <string_view>
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

// Writes each column's value as a cell of a CsvLine or CsvWriter.
template <class Writer>
struct CellSink {
  Writer& w;
  template <class T>
  void operator()(const char*, const T& v) {
    if constexpr (std::is_same_v<T, std::string>) {
      w.cell(std::string_view(v));
    } else if constexpr (std::is_same_v<T, bool> || std::is_same_v<T, double> ||
                         std::is_same_v<T, std::optional<std::int64_t>> ||
                         std::is_same_v<T, std::optional<double>>) {
      w.cell(v);
    } else {
      w.cell(static_cast<std::int64_t>(v));
    }
  }
};

// Writes an empty cell for every column (a failed run's outcomes).
template <class Writer>
struct EmptySink {
  Writer& w;
  template <class T>
  void operator()(const char*, const T&) {
    w.empty();
  }
};

// Whether a column holds a number (for summaries); text columns do not.
struct NumericSink {
  std::vector<bool>& numeric;
  template <class T>
  void operator()(const char*, const T&) {
    numeric.push_back(!std::is_same_v<T, std::string>);
  }
};

// Collects column names.
struct HeaderSink {
  std::vector<std::string>& names;
  template <class T>
  void operator()(const char* name, const T&) {
    names.emplace_back(name);
  }
};

template <class F>
std::vector<std::string> header_of(std::vector<std::string> keys, F&& columns) {
  columns(HeaderSink{keys});
  return keys;
}

}  // namespace cw
