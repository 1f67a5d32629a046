#include "core/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/columns.hpp"
#include "core/vmath.hpp"

namespace cw {

namespace {

// A column's value as a number (booleans 0/1, a missing value NaN); text
// columns are not numeric.
template <class T>
constexpr bool is_numeric_column = !std::is_same_v<T, std::string>;

template <class T>
double column_number(const T& v) {
  if constexpr (std::is_same_v<T, std::optional<std::int64_t>> ||
                std::is_same_v<T, std::optional<double>>) {
    return v ? static_cast<double>(*v) : std::numeric_limits<double>::quiet_NaN();
  } else if constexpr (std::is_same_v<T, bool>) {
    return v ? 1.0 : 0.0;
  } else {
    return static_cast<double>(v);
  }
}

// Collects the numeric columns' names.
struct NumericNames {
  std::vector<std::string>& names;
  template <class T>
  void operator()(const char* name, const T&) {
    if constexpr (is_numeric_column<T>) names.emplace_back(name);
  }
};

// The value of the numeric column number `want` (counting numeric columns only).
struct NumericAt {
  std::size_t want, i = 0;
  double value = 0;
  template <class T>
  void operator()(const char*, const T& v) {
    if constexpr (is_numeric_column<T>) {
      if (i++ == want) value = column_number(v);
    }
  }
};

}  // namespace

std::vector<std::string> step_metric_names(const Scenario& s, bool per_provider) {
  std::vector<std::string> names;
  if (per_provider) {
    step_provider_columns(NumericNames{names}, ProviderStep{});
  } else {
    step_columns(NumericNames{names}, s, StepMetrics{});
  }
  return names;
}

std::optional<std::int64_t> outcome_step(const Scenario& s, const std::string& text) {
  if (text.empty()) return std::nullopt;
  if (text.find('-') != std::string::npos) {
    const auto when = parse_year_month(text);
    const auto start = parse_year_month(s.start);
    if (!when || !start) return std::nullopt;
    return *when - *start;
  }
  std::int64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9' || v > 1'000'000'000) return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

void compute_step_metrics(const Scenario& s, const State& st, const StepCounters& c,
                          StepMetrics& m) {
  const std::size_t P = st.P;
  const ProviderState& Pv = st.providers;
  const LabState& L = st.labs;
  m.step = st.step;
  m.counters = c;
  m.labs = static_cast<std::int64_t>(L.n);
  m.providers.resize(P);

  double served_total = 0, revenue_total = 0;
  for (std::size_t p = 0; p < P; ++p) {
    served_total += Pv.served[p];
    revenue_total += Pv.revenue[p];
  }
  m.hhi = 0;
  m.leader = -1;
  m.decentralized_share = 0;
  double best = 0;
  for (std::size_t p = 0; p < P; ++p) {
    ProviderStep& r = m.providers[p];
    r.compute_share = served_total > 0 ? Pv.served[p] / served_total : 0.0;
    r.revenue_share = revenue_total > 0 ? Pv.revenue[p] / revenue_total : 0.0;
    r.revenue = Pv.revenue[p];
    r.ai_revenue = Pv.ai_revenue[p];
    r.profit = Pv.profit[p];
    r.requested = Pv.requested[p];
    r.served = Pv.served[p];
    r.capacity = Pv.capacity_offered[p];
    r.utilisation = std::isfinite(Pv.capacity_offered[p]) && Pv.capacity_offered[p] > 0
                        ? Pv.served[p] / Pv.capacity_offered[p]
                        : std::numeric_limits<double>::quiet_NaN();
    r.price = Pv.price_charged[p];
    r.quality = Pv.quality_offered[p];
    r.reputation = Pv.reputation[p];
    r.narrative_share = Pv.narrative_share[p];
    r.labs_served = Pv.labs_using[p];
    r.credits = Pv.credits_given[p];
    r.credits_outstanding = 0;
    r.partners = Pv.partners[p];
    r.budget = Pv.budget[p];
    r.lerner = Pv.lerner[p];
    const double pct = 100.0 * r.compute_share;
    m.hhi += pct * pct;
    if (r.compute_share > best) {
      best = r.compute_share;
      m.leader = static_cast<std::int32_t>(p);
    }
    if (s.providers[p].kind == ProviderKind::decentralized) {
      m.decentralized_share += r.compute_share;
    }
  }
  for (const Deal& d : st.deals) {
    const std::int64_t slot = st.slot_of(d.lab);
    const std::int64_t left = d.credit_end - st.step - 1;
    if (slot < 0 || left <= 0 || d.credit <= 0) continue;
    m.providers[d.provider].credits_outstanding += d.credit * Pv.price_charged[d.provider] *
                                                   L.demand[static_cast<std::size_t>(slot)] *
                                                   static_cast<double>(left);
  }
  double demand = 0, outside = 0;
  for (std::size_t l = 0; l < L.n; ++l) {
    demand += L.demand[l];
    outside += L.demand[l] * L.x.at(l, P);
  }
  m.demand = demand;
  m.outside_share = demand > 0 ? outside / demand : 0.0;
}

OutcomeAccumulator::OutcomeAccumulator(const Scenario& s)
    : tipping_threshold_(s.metrics.tipping_threshold),
      tipping_window_(s.metrics.tipping_window),
      burn_in_(s.metrics.burn_in) {
  out_.providers.resize(s.providers.size());
  for (const ProviderParams& p : s.providers) {
    incumbent_.push_back(p.kind != ProviderKind::decentralized ? 1 : 0);
  }
  lerner_sum_.assign(s.providers.size(), 0.0);
  lerner_count_.assign(s.providers.size(), 0);

  // Declared outcomes: resolved once (check_scenario has vetted them).
  const auto market = step_metric_names(s, false);
  const auto provider = step_metric_names(s, true);
  for (const OutcomeParams& o : s.outcomes) {
    Declared d;
    d.per_provider = !o.provider.empty();
    const auto& names = d.per_provider ? provider : market;
    d.column =
        static_cast<std::size_t>(std::find(names.begin(), names.end(), o.metric) - names.begin());
    for (std::size_t p = 0; p < s.providers.size(); ++p) {
      if (s.providers[p].name == o.provider) d.provider = p;
    }
    d.from = outcome_step(s, o.from).value_or(0);
    d.to = outcome_step(s, o.to).value_or(s.steps - 1);
    d.stat = o.stat;
    d.level = o.level.value_or(0.0);
    declared_.push_back(d);
  }
  out_.declared.resize(s.outcomes.size());
  for (const ProviderParams& p : s.providers) {
    names_.providers.emplace_back();
    names_.providers.back().name = p.name;
  }
  for (const NamedLabParams& l : s.labs.named) lab_names_.push_back(l.name);
  out_.labs.resize(s.labs.named.size());
}

void OutcomeAccumulator::add(const StepMetrics& m, const std::vector<EventRecord>& log) {
  for (std::size_t i = 0; i < declared_.size(); ++i) {
    Declared& d = declared_[i];
    if (m.step < d.from || m.step > d.to) continue;
    NumericAt pick{d.column};
    if (d.per_provider) {
      step_provider_columns(pick, m.providers[d.provider]);
    } else {
      step_columns(pick, names_, m);
    }
    const double x = pick.value;
    DeclaredValue& out = out_.declared[i];
    const bool have = !std::isnan(x);
    switch (d.stat) {
      case OutcomeStat::mean:
      case OutcomeStat::sum:
        if (have) {
          d.sum += x;
          ++d.n;
        }
        break;
      case OutcomeStat::first:
        if (m.step == d.from && have) out.value = x;
        break;
      case OutcomeStat::last:
        out.value = have ? std::optional<double>(x) : std::nullopt;
        break;
      case OutcomeStat::max:
        if (have && (!out.value || x > *out.value)) out.value = x;
        break;
      case OutcomeStat::min:
        if (have && (!out.value || x < *out.value)) out.value = x;
        break;
      case OutcomeStat::first_above:
        if (!out.step && have && x >= d.level) out.step = m.step;
        break;
      case OutcomeStat::first_below:
        if (!out.step && have && x <= d.level) out.step = m.step;
        break;
    }
  }
  // Named labs: their deals and storm-offs, from the step's events.
  for (const EventRecord& e : log) {
    const bool deal = e.type == "deal", storm = e.type == "storm_off";
    if (!deal && !storm) continue;
    const auto it = std::find(lab_names_.begin(), lab_names_.end(), e.lab);
    if (it == lab_names_.end()) continue;
    LabOutcome& lab = out_.labs[static_cast<std::size_t>(it - lab_names_.begin())];
    if (deal) {
      ++lab.deals;
    } else {
      if (!lab.storm_off_step) {
        lab.storm_off_step = m.step;
        lab.storm_off_from = e.provider;
      }
      ++lab.storm_offs;
    }
  }

  if (m.step >= burn_in_) {
    out_.hhi_max = std::max(out_.hhi_max, m.hhi);
    hhi_sum_ += m.hhi;
    ++hhi_count_;
  }
  if (last_leader_ != -2 && m.leader != last_leader_) ++out_.leader_changes;
  last_leader_ = m.leader;

  // Tipping: the first step from which one provider's share stays at or
  // above the threshold for W consecutive steps.
  const bool above =
      m.leader >= 0 &&
      m.providers[static_cast<std::size_t>(m.leader)].compute_share >= tipping_threshold_;
  if (above && m.leader == run_provider_) {
    ++run_length_;
  } else if (above) {
    run_provider_ = m.leader;
    run_start_ = m.step;
    run_length_ = 1;
  } else {
    run_provider_ = -1;
    run_length_ = 0;
  }
  if (!out_.tipping_step && run_length_ >= tipping_window_) out_.tipping_step = run_start_;

  out_.switches += m.counters.switches;
  out_.deals += m.counters.deals;
  out_.storm_offs += m.counters.storm_offs;
  out_.statements += m.counters.statements;
  out_.arrivals += m.counters.arrivals;
  out_.exits += m.counters.exits;
  requested_ += m.counters.requested;
  unserved_ += m.counters.unserved;
  for (std::size_t p = 0; p < m.providers.size(); ++p) {
    out_.providers[p].revenue += m.providers[p].revenue;
    out_.providers[p].profit += m.providers[p].profit;
    ai_revenue_ += m.providers[p].ai_revenue;
    served_ += m.providers[p].served;
  }
  // Markups: each provider's Lerner index while in the market (NaN while
  // not), and the simple mean over the incumbents of the step.
  if (m.step >= burn_in_) {
    double sum = 0;
    std::int64_t count = 0;
    for (std::size_t p = 0; p < m.providers.size(); ++p) {
      const double lerner = m.providers[p].lerner;
      if (std::isnan(lerner)) continue;
      lerner_sum_[p] += lerner;
      ++lerner_count_[p];
      if (incumbent_[p]) {
        sum += lerner;
        ++count;
      }
    }
    if (count > 0) {
      incumbent_lerner_sum_ += sum / static_cast<double>(count);
      ++incumbent_lerner_count_;
    }
  }
  if (!out_.decentralized_first_step_5pct && m.decentralized_share >= 0.05) {
    out_.decentralized_first_step_5pct = m.step;
  }
  last_ = m;
}

RunOutcome OutcomeAccumulator::finish(const Scenario& s, const State& st) {
  RunOutcome r = out_;
  r.hhi_final = last_.hhi;
  r.hhi_mean = hhi_count_ > 0 ? hhi_sum_ / static_cast<double>(hhi_count_) : 0.0;
  r.leader = last_.leader;
  r.leader_share = last_.leader >= 0
                       ? last_.providers[static_cast<std::size_t>(last_.leader)].compute_share
                       : 0.0;
  r.tipped = r.tipping_step.has_value();
  r.labs_final = last_.labs;
  r.unmet_demand_fraction = requested_ > 0 ? unserved_ / requested_ : 0.0;
  r.mean_effective_price = served_ > 0 ? ai_revenue_ / served_ : 0.0;
  r.outside_share_final = last_.outside_share;
  r.decentralized_share_final = last_.decentralized_share;
  for (std::size_t p = 0; p < last_.providers.size(); ++p) {
    r.providers[p].final_share = last_.providers[p].compute_share;
    r.providers[p].final_revenue_share = last_.providers[p].revenue_share;
    r.providers[p].reputation = last_.providers[p].reputation;
    if (lerner_count_[p] > 0) {
      r.providers[p].mean_lerner = lerner_sum_[p] / static_cast<double>(lerner_count_[p]);
    }
  }
  if (incumbent_lerner_count_ > 0) {
    r.incumbent_lerner = incumbent_lerner_sum_ / static_cast<double>(incumbent_lerner_count_);
  }
  for (std::size_t i = 0; i < declared_.size(); ++i) {
    const Declared& d = declared_[i];
    if ((d.stat == OutcomeStat::mean || d.stat == OutcomeStat::sum) && d.n > 0) {
      r.declared[i].value = d.stat == OutcomeStat::sum ? d.sum : d.sum / static_cast<double>(d.n);
    }
  }

  // End-of-run lab quantities.
  const LabState& L = st.labs;
  const std::size_t P = st.P;
  // Lock-in ratio: the stock of the paying labs over their spend, that is the
  // spend-weighted mean of each paying lab's stock / spend. (An unweighted
  // mean of the per-lab ratios is dominated by a lab whose last step's spend
  // is near 0: over a 1,000-run sweep of cloudwars-2017 its median was 1.8,
  // its largest value 2.8e12.)
  double stock_paying = 0, spend_paying = 0;
  std::int64_t using_any = 0, single = 0;
  for (std::size_t l = 0; l < L.n; ++l) {
    const double spend = L.spend[l];
    if (spend > 0) {
      for (std::size_t p = 0; p < P; ++p) {
        stock_paying += L.lock.at(l, p) * st.providers.price_charged[p];
      }
      spend_paying += spend;
    }
    const std::uint64_t mask = usage_mask(L.x.row(l), P, s.metrics.usage_threshold);
    if (mask != 0) {
      ++using_any;
      if ((mask & (mask - 1)) == 0) ++single;
    }
  }
  r.lock_in_ratio = spend_paying > 0 ? stock_paying / spend_paying : 0.0;
  r.single_homing_fraction =
      using_any > 0 ? static_cast<double>(single) / static_cast<double>(using_any) : 0.0;

  // Courting: credits spent and the revenue they won.
  for (std::size_t p = 0; p < P; ++p) {
    auto& po = r.providers[p];
    po.credits_spent = st.providers.credits_spent[p];
    po.revenue_won = st.providers.revenue_won[p];
    if (po.credits_spent > 0) po.revenue_per_credit = po.revenue_won / po.credits_spent;
  }

  // Flagship capture: where the top-K labs by prestige (ties: lower id) put
  // their demand at the end.
  std::vector<std::size_t> order(L.n);
  for (std::size_t l = 0; l < L.n; ++l) order[l] = l;
  const auto K = std::min<std::size_t>(static_cast<std::size_t>(s.metrics.flagships), L.n);
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(K), order.end(),
                    [&L](std::size_t a, std::size_t b) {
                      return L.prestige[a] != L.prestige[b] ? L.prestige[a] > L.prestige[b]
                                                            : L.id[a] < L.id[b];
                    });
  double flagship_demand = 0;
  for (std::size_t i = 0; i < K; ++i) {
    const std::size_t l = order[i];
    flagship_demand += L.demand[l];
    for (std::size_t p = 0; p < P; ++p) {
      r.providers[p].flagship_share += L.demand[l] * L.x.at(l, p);
    }
  }
  for (std::size_t p = 0; p < P; ++p) {
    if (flagship_demand > 0) r.providers[p].flagship_share /= flagship_demand;
    if (r.providers[p].flagship_share > r.flagship_leader_share) {
      r.flagship_leader_share = r.providers[p].flagship_share;
      r.flagship_leader = static_cast<std::int32_t>(p);
    }
  }

  // Consumer surplus: the logit log-sum over every option in the market,
  // tau ln sum_o exp(U_lo / tau), per unit of price sensitivity, times demand.
  std::vector<double> G(P), u(st.stride);
  network_effect(s, st, G.data());
  for (std::size_t l = 0; l < L.n; ++l) {
    if (L.alpha[l] <= 0) continue;
    lab_utilities(s, st, l, G.data(), u.data());
    double top = s.outside.enabled ? u[P] : -kInf;
    for (std::size_t p = 0; p < P; ++p) top = std::max(top, u[p]);
    if (!std::isfinite(top)) continue;
    double z = s.outside.enabled ? vmath::exp((u[P] - top) / s.choice.tau) : 0.0;
    for (std::size_t p = 0; p < P; ++p) z += vmath::exp((u[p] - top) / s.choice.tau);
    r.consumer_surplus += L.demand[l] * (top + s.choice.tau * vmath::log(z)) / L.alpha[l];
  }

  // Named labs at the end: where they are and what they think of it.
  for (std::size_t i = 0; i < lab_names_.size(); ++i) {
    LabOutcome& lab = r.labs[i];
    const std::int64_t slot = st.slot_of_named(lab_names_[i]);
    if (slot < 0) continue;
    const auto l = static_cast<std::size_t>(slot);
    lab.present = true;
    lab.demand = L.demand[l];
    const std::int32_t main = main_provider_of(L.x.row(l), P);
    if (main < 0) continue;
    const auto p = static_cast<std::size_t>(main);
    lab.provider = s.providers[p].name;
    lab.provider_share = L.x.at(l, p);
    lab.opinion = L.opinion.allocated() && !L.opinion.data.empty() ? L.opinion.at(l, p) : 0.0;
  }
  return r;
}

}  // namespace cw
