// The rules of one step (SPEC §2.2, docs/MODEL.md), each a function of
// (parameters, state); randomness comes from named streams keyed by the
// scenario seed, the step and the entity, so a rule's draws never depend on
// another rule or on the order labs are visited.
#pragma once

#include <cstdint>

#include "core/params.hpp"
#include "core/state.hpp"

namespace cw {

// Tallies of one step, for outcomes and events.
struct StepCounters {
  std::int64_t arrivals = 0;
  std::int64_t exits = 0;
  std::int64_t switches = 0;  // labs whose main provider changed this step
  double requested = 0;       // AI demand requested from providers
  double unserved = 0;        // requested beyond capacity
  std::int64_t deals = 0;     // deals accepted (courting and events)
  std::int64_t statements = 0;
  std::int64_t storm_offs = 0;
};

// Builds the state before step 0: providers, the initial labs (named labs
// first, then generated ones by tier), the influence graph. Cost O(N P + E).
State init_state(const Scenario& s);

// Removes the labs whose `keep` flag is 0 (arrays, graph, CSR, their deals
// and contracts), logging an exit for each.
void remove_labs(State& st, const std::vector<std::uint8_t>& keep);

// Brings named lab `index` into the market now (the add_lab event).
std::size_t add_named_lab(const Scenario& s, State& st, std::size_t index);

// Step 2. Courting: budgets accrue; providers with a policy score labs and
// offer the smallest sufficient credit; each lab takes the best offer whose
// utility gain passes its threshold. Deals expire here too.
void rule_courting(const Scenario& s, State& st, StepCounters& c);

// Concludes a deal between provider p and the lab in `slot` (courting or a
// deal event): credit c for credit_steps, exclusivity for exclusivity_steps
// (none with a decentralized provider), an investment edge, the credits'
// value added to p's credits_spent; logged with `headline` as magnitude.
void accept_deal(const Scenario& s, State& st, std::size_t p, std::size_t slot, double credit,
                 std::int64_t credit_steps, std::int64_t exclusivity_steps, bool priority,
                 double value, double equity, const std::string& name, double headline,
                 StepCounters& c);

// Step 6. Narrative: experience, synchronous opinion update over the
// influence graph, statements and storm-offs, reputation; or contagion.
void rule_narrative(const Scenario& s, State& st, StepCounters& c);

// Step 8. Scheduled events due this step, in file order. A `set` event
// changes the scenario itself (later steps read the new value; provider
// fields also update the provider's current state), hence the mutable s.
void rule_events(Scenario& s, State& st, StepCounters& c);

// The step an event fires at (its step, or its date's month from start).
std::int64_t event_step(const Scenario& s, const EventParams& e);

// Step 1. Population: demand growth d <- d exp(g + sigma z) (stream demand),
// background growth, exits (stream exits), arrivals (stream arrivals),
// named labs due this step; the graph and its CSR follow.
void rule_population(const Scenario& s, State& st, StepCounters& c);

// Settles lab l's main provider after its allocation moved: a change from
// one provider to another is a switch (counted, and logged when events are).
void settle_main_provider(const Scenario& s, State& st, std::size_t l, StepCounters& c);

// Ends lab l's exclusivity now (its deals' exclusive_end too): the
// end_exclusivity event, and a lab walking out of an exclusive deal (§6).
void end_exclusivity(State& st, std::size_t l);

// Step 3. Choice: labs that re-evaluate (probability h, stream renewal; always
// when fresh) score every option and move part way to the allocation rule's
// target. Decides from a read-only view of the providers' installed base.
void rule_choice(const Scenario& s, State& st, StepCounters& c);

// Steps 4 and 5 in one pass over the labs. Capacity: rationing of requested
// demand (pro rata or partners first) into served_lp = d_l x_lp fill; fills
// ProviderState::requested/served/credits_given, LabState::spend and each
// deal's served volume. Lock-in: k_lp <- (1 - decay) k_lp + kappa_p served_lp.
void rule_capacity(const Scenario& s, State& st, StepCounters& c);

// Step 7. Providers: revenue, profit, capex into capacity after the lead
// time, the price rule, Wright's-law learning curves.
void rule_providers(const Scenario& s, State& st);

// The market_power best-response Lerner index m_p = min(D_p / E_p,
// pricing.max_markup) of every provider (docs/MODEL.md §7) from the current
// state: logit shares without noise over all active providers (and the
// outside option when enabled), lock-in included. NaN for a provider with no
// demand in reach (not in the market). Writes P values. Cost O(N P).
void market_power_markups(const Scenario& s, const State& st, double* markup);

// Utility of lab `l` for every option (providers 0..P-1, outside at P) with
// the network-effect values G[p] precomputed; writes P+1 values to `u`.
// Exposed for tests and for the consumer-surplus outcome.
void lab_utilities(const Scenario& s, const State& st, std::size_t l, const double* G, double* u);

// lab_utilities() of every lab into the rows of u (u.row(l), P+1 values
// each; u holds L.n rows), the same bits, through the row kernel for labs
// without credits.
void every_lab_utilities(const Scenario& s, const State& st, const double* G, Rows& u);

// Network effect G(base_p) for every provider from the current allocations.
void network_effect(const Scenario& s, const State& st, double* G);

}  // namespace cw
