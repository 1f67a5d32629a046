// The state of one run: plain data, structure of arrays.
//
// Labs are stored by slot (0..n-1, in order of arrival; exits close up the
// order). Each lab's per-provider values are one contiguous row of `stride`
// doubles: columns 0..P-1 are the providers, column P the outside option, the
// rest padding (zero), so whole-row loops vectorise. Providers are indexed
// 0..P-1 in the order of the scenario file.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/graph.hpp"
#include "core/params.hpp"

namespace cw {

using AlignedVector = std::vector<double, Eigen::aligned_allocator<double>>;

// n rows of `stride` doubles, 64-byte aligned rows when stride % 8 == 0.
struct Rows {
  std::size_t stride = 8;
  AlignedVector data;

  double* row(std::size_t i) { return data.data() + i * stride; }
  const double* row(std::size_t i) const { return data.data() + i * stride; }
  double& at(std::size_t i, std::size_t p) { return data[i * stride + p]; }
  double at(std::size_t i, std::size_t p) const { return data[i * stride + p]; }
};

struct LabState {
  std::size_t n = 0;
  std::vector<std::uint64_t> id;
  std::vector<std::int32_t> tier;
  std::vector<double> demand, growth, volatility, prestige, alpha, beta, gamma, w_own,
      outspokenness, renewal, exit_hazard, deal_threshold;
  std::vector<std::int32_t> max_providers;
  std::vector<std::uint8_t> fresh;            // arrived and not yet chosen: choose with mu = 1
  std::vector<std::uint64_t> usage_mask;      // providers above the usage threshold (bit p)
  std::vector<std::int32_t> main_provider;    // largest allocation (-1: none/outside)
  std::vector<std::int64_t> exclusive_until;  // no re-evaluation before this step
  std::vector<std::uint8_t> reevaluate;       // forced re-evaluation this step (a deal)
  Rows affinity, x, lock, opinion, served, credit;

  // Applies f to every per-lab scalar array (as std::vector<T>&) and g to every Rows.
  template <class F, class G>
  void for_each_array(F&& f, G&& g) {
    f(id);
    f(tier);
    f(demand);
    f(growth);
    f(volatility);
    f(prestige);
    f(alpha);
    f(beta);
    f(gamma);
    f(w_own);
    f(outspokenness);
    f(renewal);
    f(exit_hazard);
    f(deal_threshold);
    f(max_providers);
    f(fresh);
    f(usage_mask);
    f(main_provider);
    f(exclusive_until);
    f(reevaluate);
    g(affinity);
    g(x);
    g(lock);
    g(opinion);
    g(served);
    g(credit);
  }
};

struct ProviderState {
  std::size_t count = 0;
  std::vector<double> price, unit_cost, quality, capacity, reputation, egress_fee, lock_in_rate,
      pseudo_count;
  std::vector<double> log_price;  // ln(price), kept with price (the choice rule's hot term)
  std::vector<double> price0, unit_cost0, quality0;  // at step 0 (learning curve, floor)
  std::vector<double> price_level;                   // multiplier from the price rule
  std::vector<double> cum_volume;                    // V: cumulative served volume incl. V0
  std::vector<double> background;                    // background revenue this step
  std::vector<std::vector<double>> pipeline;         // capacity arriving in 1..L steps
  // Results of the current step.
  std::vector<double> requested, served, ai_revenue, revenue, profit, labs_using, narrative_share;
  // Price charged and quality offered this step (before this step's price
  // rule and learning update them for the next step).
  std::vector<double> price_charged, quality_offered, capacity_offered;
  std::vector<std::uint8_t> active;        // in the market (add/remove_provider)
  std::vector<double> budget;              // courting budget available
  std::vector<double> credits_given;       // discount given this step (money)
  std::vector<double> credits_spent;       // value of accepted deals, cumulative (money)
  std::vector<double> revenue_won;         // revenue from labs under a deal, cumulative
  std::vector<double> outage_fraction;     // capacity lost to an outage
  std::vector<std::int64_t> outage_until;  // outage ends before this step
  std::vector<double> partners;            // labs with an active deal
};

// An investment deal (SPEC §2.2 step 2 or a deal event): a provider -> lab
// investment edge while active.
struct Deal {
  std::size_t provider = 0;
  std::uint64_t lab = 0;  // lab id
  double credit = 0;      // price discount c
  std::int64_t start = 0;
  std::int64_t credit_end = 0;     // credit applies in steps [start, credit_end)
  std::int64_t exclusive_end = 0;  // exclusivity in steps [start, exclusive_end)
  double value = 0;                // credits' value charged to the budget (money)
  double equity = 0;
};

// A capacity contract: the lab keeps at least volume/d_l of its demand on p.
struct Contract {
  std::uint64_t lab = 0;
  std::size_t provider = 0;
  double volume = 0;
  std::int64_t end = 0;  // in force in steps before end
};

// A statement about a provider this step (SPEC §2.2 step 6).
struct Statement {
  std::size_t lab = 0;  // slot
  std::size_t provider = 0;
  double sign = 0;    // +1 endorse, -1 criticise
  double weight = 0;  // v_l, amplified for a storm-off
  bool storm = false;
};

// One line of the events file.
struct EventRecord {
  std::string type, name, lab, provider, other;
  double magnitude = 0;
};

struct State {
  std::int64_t step = 0;         // the step being run, or the next one
  std::int64_t start_month = 0;  // months since year 0 of step 0
  std::size_t P = 0;             // providers
  std::size_t stride = 8;        // row length: P + 1 rounded up to 8
  std::uint64_t next_lab_id = 0;
  LabState labs;
  ProviderState providers;
  Csr influence;  // the influence graph (usage: x; investment: deals)
  std::unordered_map<std::uint64_t, std::string> lab_names;  // named labs only
  // Named labs that arrive later: (step, index into Scenario::labs.named).
  std::vector<std::pair<std::int64_t, std::size_t>> pending_named;
  std::vector<Deal> deals;          // active deals
  std::vector<Contract> contracts;  // active capacity contracts
  // This step's labs that moved at least theta of their demand off a
  // provider (slot, provider), and its statements (narrative).
  std::vector<std::pair<std::size_t, std::size_t>> moved_away;
  std::vector<Statement> statements;
  std::vector<EventRecord> log;  // this step's events (cleared each step)
  // Statements made by scheduled events (a public switch), heard in the next
  // step's narrative rule.
  std::vector<Statement> pending_statements;
  Rows scratch;             // per-lab rows reused within a rule
  bool any_credit = false;  // whether any credit row may be non-zero

  std::string lab_name(std::size_t slot) const;
  // Slot of the lab with this id, or -1 (labs are kept in id order).
  std::int64_t slot_of(std::uint64_t lab_id) const;
  // Slot of the named lab `name`, or -1 when it is not in the market.
  std::int64_t slot_of_named(const std::string& name) const;
};

// The market graph of this state as a Boost graph (export and tests): every
// lab and provider; per lab its usage edges (providers above
// metrics.usage_threshold, by index), then its influence edges (CSR order,
// own weights); per provider its investment edges (active deals, in order,
// weighted by the deal's value).
MarketGraph market_graph(const State& st);

}  // namespace cw
