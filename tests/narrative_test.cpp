// The model, part 2 (SPEC §2.2 steps 2, 6, 8): courting, narrative and
// storm-offs, scheduled events. Expected values come from the equations of
// docs/MODEL.md computed by hand, or from the classic analytic results.
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <cmath>
#include <map>
#include <set>

#include "core/engine.hpp"
#include "core/param_path.hpp"
#include "core/rules.hpp"
#include "fixtures.hpp"

namespace cw {
namespace {

NamedLabParams named(const std::string& name, double prestige, double demand,
                     const std::string& provider) {
  NamedLabParams n;
  n.name = name;
  n.tier = "t";
  n.prestige = prestige;
  n.demand = demand;
  n.provider = provider;
  return n;
}

EventParams event(const std::string& name, EventType type, std::int64_t step) {
  EventParams e;
  e.name = name;
  e.type = type;
  e.step = static_cast<double>(step);
  return e;
}

// Two providers and one famous lab on P0 that never re-evaluates by itself.
Scenario storm_scenario(bool is_public) {
  Scenario s = test::tiny(2, 1);
  s.labs.tiers[0].renewal = Dist::fixed_at(0);
  s.labs.named.push_back(named("Famous", 4.0, 1.0, "P0"));
  s.narrative.enabled = true;
  s.narrative.rho = 0.3;
  s.narrative.phi = 0.0;  // isolate the statement term
  s.narrative.inattention = 10.0;
  s.narrative.storm_amplification = 5.0;
  EventParams e = event("leave", EventType::switch_, 0);
  e.lab = "Famous";
  e.provider = "P1";
  e.from = "P0";
  e.share = 1.0;
  e.public_ = is_public;
  s.events.push_back(e);
  s.steps = 3;
  return s;
}

// A public storm-off lowers the old provider's reputation by
// rho * amp v / (v_0 + amp v) more than a silent switch of the same size.
TEST(Narrative, PublicStormOffCostsTheDocumentedReputation) {
  std::vector<Problem> problems;
  ASSERT_TRUE(check_scenario(storm_scenario(true), problems)) << problems[0].message;
  Simulation loud(storm_scenario(true)), quiet(storm_scenario(false));
  loud.step();  // step 0: the switch event fires (end of step)
  quiet.step();
  EXPECT_EQ(loud.state().labs.x.at(0, 1), 1.0);
  EXPECT_EQ(quiet.state().labs.x.at(0, 1), 1.0);
  loud.step();  // step 1: the narrative rule hears the criticism
  quiet.step();
  const double w = 5.0 * 4.0;
  const double expected = 0.3 * (-w / (10.0 + w));
  EXPECT_DOUBLE_EQ(loud.state().providers.reputation[0] - quiet.state().providers.reputation[0],
                   expected);
  EXPECT_EQ(quiet.state().providers.reputation[0], 0.0);
}

TEST(Narrative, StormOffIsLoggedAndCounted) {
  Simulation sim(storm_scenario(true));
  const StepMetrics& m = sim.step();
  EXPECT_EQ(m.counters.storm_offs, 1);
  bool seen = false;
  for (const EventRecord& e : sim.state().log) {
    if (e.type == "storm_off") {
      seen = true;
      EXPECT_EQ(e.lab, "Famous");
      EXPECT_EQ(e.provider, "P0");
      EXPECT_EQ(e.magnitude, 20.0);
    }
  }
  EXPECT_TRUE(seen);
}

// DeGroot on a star (a centre listening to two leaves, each leaf to the
// centre): the consensus is pi^T o(0) with pi the stationary distribution of
// the random walk, proportional to degree: (1/2, 1/4, 1/4).
TEST(Narrative, DeGrootReachesTheAnalyticConsensus) {
  Scenario s = test::tiny(1, 3);
  s.labs.tiers[0].renewal = Dist::fixed_at(0);
  s.network.generator = GraphGenerator::edge_list;
  s.network.edges = {{0, 1, 1.0}, {0, 2, 1.0}};
  s.narrative.enabled = true;
  s.narrative.lambda = 0.5;
  s.narrative.w_exp = 0.0;  // opinions from neighbours only
  s.narrative.rho = 0.0;
  s.steps = 400;
  Simulation sim(s);
  const double o0[] = {0.9, -0.6, 0.1};
  for (std::size_t l = 0; l < 3; ++l) sim.mutable_state().labs.opinion.at(l, 0) = o0[l];
  while (!sim.done()) sim.step();
  const double consensus = 0.5 * 0.9 + 0.25 * -0.6 + 0.25 * 0.1;
  for (std::size_t l = 0; l < 3; ++l) {
    EXPECT_NEAR(sim.state().labs.opinion.at(l, 0), consensus, 1e-12) << l;
  }
}

// With experience (Friedkin-Johnsen form): the fixed point is
// o* = (I - (1 - w_exp) W)^-1 w_exp sat, computed here with Eigen.
TEST(Narrative, FriedkinJohnsenFixedPoint) {
  Scenario s = test::tiny(1, 3);
  s.labs.tiers[0].renewal = Dist::fixed_at(0);
  s.providers[0].quality = 0.8;  // sat = 2 q fill - 1 = 0.6 with no rationing
  s.network.generator = GraphGenerator::edge_list;
  s.network.edges = {{0, 1, 1.0}, {0, 2, 1.0}};
  s.narrative.enabled = true;
  s.narrative.lambda = 0.4;
  s.narrative.w_exp = 0.3;
  s.narrative.rho = 0.0;
  s.steps = 300;
  Simulation sim(s);
  // Only labs 0 and 1 use the provider (lab 2 is outside: no experience).
  sim.mutable_state().labs.x.at(2, 0) = 0.0;
  sim.mutable_state().labs.x.at(2, 1) = 1.0;
  while (!sim.done()) sim.step();
  Eigen::Matrix3d W;
  W << 0, 0.5, 0.5, 1, 0, 0, 1, 0, 0;
  const Eigen::Vector3d sat(0.6, 0.6, 0.0);
  const Eigen::Vector3d expected = (Eigen::Matrix3d::Identity() - 0.7 * W).inverse() * (0.3 * sat);
  for (int l = 0; l < 3; ++l) {
    EXPECT_NEAR(sim.state().labs.opinion.at(static_cast<std::size_t>(l), 0), expected[l], 1e-12)
        << l;
  }
}

// Exclusivity blocks re-evaluation until it ends.
TEST(Events, ExclusivityBlocksSwitchingUntilItEnds) {
  Scenario s = test::tiny(2, 1);
  s.providers[0].quality = 1.0;  // P0 is far better: argmax picks it when free
  s.providers[1].quality = 0.0;
  s.choice.allocation = AllocationRule::argmax;
  s.labs.named.push_back(named("L", 1.0, 1.0, "P1"));
  EventParams deal = event("deal", EventType::deal, 0);
  deal.lab = "L";
  deal.provider = "P1";
  deal.credit = 0.1;
  deal.credit_steps = 2;
  deal.exclusivity_steps = 5;
  s.events.push_back(deal);
  s.steps = 8;
  Simulation sim(s);
  sim.step();  // step 0: before the event the lab already chose P0 (argmax)
  EXPECT_EQ(sim.state().labs.x.at(0, 1), 1.0);  // the exclusive deal moved it to P1
  for (int t = 1; t < 5; ++t) {
    sim.step();
    EXPECT_EQ(sim.state().labs.x.at(0, 1), 1.0) << "step " << t;
  }
  sim.step();  // step 5: exclusivity over, the lab re-evaluates
  EXPECT_EQ(sim.state().labs.x.at(0, 0), 1.0);
}

// A deal's dedicated capacity joins the provider's pipeline beside the
// deal step's capex: with lead time 2 and no capex, K = 3 ordered at step 1
// is there from step 4 (t + L + 1) and stays. By hand: 10, 10, 10, 10, 13, 13.
TEST(Events, DedicatedCapacityArrivesAfterTheLeadTimeAndStays) {
  Scenario s = test::tiny(1, 1);
  s.providers[0].capacity = 10.0;
  s.providers[0].capex_ratio = 0.0;
  s.providers[0].capacity_lead_time = 2;
  s.labs.named.push_back(named("L", 1.0, 1.0, "P0"));
  EventParams deal = event("deal", EventType::deal, 1);
  deal.lab = "L";
  deal.provider = "P0";
  deal.capacity = 3.0;
  s.events.push_back(deal);
  s.steps = 6;
  Simulation sim(s);
  const double expected_at_start[] = {10, 10, 10, 10, 13, 13};
  for (int t = 0; t < 6; ++t) {
    EXPECT_DOUBLE_EQ(sim.state().providers.capacity[0], expected_at_start[t]) << "step " << t;
    sim.step();
  }
}

// An exported graph shows where the lab's compute is at the end of the step,
// even when an event moved it after the choice rule (the exclusive deal of
// step 0 moves the lab from P0 to P1).
TEST(Events, ExportedUsageFollowsAnEventsMoveInTheSameStep) {
  Scenario s = test::tiny(2, 1);
  s.providers[0].quality = 1.0;
  s.providers[1].quality = 0.0;
  s.choice.allocation = AllocationRule::argmax;
  s.labs.named.push_back(named("L", 1.0, 1.0, "P1"));
  EventParams deal = event("deal", EventType::deal, 0);
  deal.lab = "L";
  deal.provider = "P1";
  deal.exclusivity_steps = 5;
  s.events.push_back(deal);
  Simulation sim(s);
  sim.step();
  ASSERT_EQ(sim.state().labs.x.at(0, 1), 1.0);
  const MarketGraph g = market_graph(sim.state(), s.metrics.usage_threshold);
  ASSERT_EQ(g.edges(EdgeKind::usage), 1u);
  const BoostGraph& bg = g.boost_graph();
  for (auto [e, end] = boost::out_edges(0, bg); e != end; ++e) {  // vertex 0: lab slot 0
    if (bg[*e].kind != EdgeKind::usage) continue;
    EXPECT_EQ(bg[boost::target(*e, bg)].kind, VertexKind::provider);
    EXPECT_EQ(bg[boost::target(*e, bg)].id, 1u);  // P1
  }
}

// An exclusive deal that moves a lab from P0 to P1 is one switch, counted
// and logged in the deal's own step, right after the deal (the main provider
// is settled when the allocation moves, not in a later choice rule).
TEST(Events, AnExclusiveDealThatMovesALabIsOneSwitchInItsStep) {
  Scenario s = test::tiny(2, 1);
  s.providers[0].quality = 1.0;
  s.providers[1].quality = 0.0;
  s.choice.allocation = AllocationRule::argmax;
  s.labs.named.push_back(named("L", 1.0, 1.0, "P0"));
  EventParams deal = event("deal", EventType::deal, 1);
  deal.lab = "L";
  deal.provider = "P1";
  deal.exclusivity_steps = 3;
  s.events.push_back(deal);
  s.steps = 6;
  Simulation sim(s);
  std::vector<std::int64_t> switches;
  std::vector<std::vector<std::string>> types;
  while (!sim.done()) {
    switches.push_back(sim.step().counters.switches);
    types.emplace_back();
    for (const EventRecord& e : sim.state().log) types.back().push_back(e.type);
  }
  // Step 1: the deal moves L to P1; step 4: exclusivity over, argmax takes it back.
  EXPECT_EQ(switches, (std::vector<std::int64_t>{0, 1, 0, 0, 1, 0}));
  EXPECT_EQ(types[1], (std::vector<std::string>{"deal", "switch"}));
  EXPECT_EQ(types[4], (std::vector<std::string>{"switch"}));
}

// A new deal between the same lab and provider replaces the old one, its
// credit too: a deal without credit leaves no discount behind.
TEST(Events, AReplacingDealWithoutCreditClearsTheOldCredit) {
  Scenario s = test::tiny(2, 1);
  s.labs.named.push_back(named("L", 1.0, 1.0, "P0"));
  EventParams first = event("first", EventType::deal, 0);
  first.lab = "L";
  first.provider = "P0";
  first.credit = 0.2;
  first.credit_steps = 10;
  EventParams second = event("second", EventType::deal, 1);
  second.lab = "L";
  second.provider = "P0";
  second.credit = 0;
  s.events = {first, second};
  s.steps = 4;
  Simulation sim(s);
  sim.step();
  EXPECT_DOUBLE_EQ(sim.state().labs.credit.at(0, 0), 0.2);
  sim.step();
  ASSERT_EQ(sim.state().deals.size(), 1u);
  EXPECT_EQ(sim.state().deals[0].credit, 0.0);
  EXPECT_EQ(sim.state().labs.credit.at(0, 0), 0.0);
  sim.step();
  EXPECT_EQ(sim.state().providers.credits_given[0], 0.0);
}

TEST(Events, EndExclusivityFreesTheLabEarly) {
  Scenario s = test::tiny(2, 1);
  s.providers[0].quality = 1.0;
  s.providers[1].quality = 0.0;
  s.choice.allocation = AllocationRule::argmax;
  s.labs.named.push_back(named("L", 1.0, 1.0, "P1"));
  EventParams deal = event("deal", EventType::deal, 0);
  deal.lab = "L";
  deal.provider = "P1";
  deal.exclusivity_steps = 100;
  s.events.push_back(deal);
  EventParams end = event("end", EventType::end_exclusivity, 2);
  end.lab = "L";
  end.provider = "P1";
  s.events.push_back(end);
  s.steps = 5;
  Simulation sim(s);
  for (int t = 0; t < 3; ++t) sim.step();
  EXPECT_EQ(sim.state().labs.x.at(0, 1), 1.0);
  sim.step();  // step 3: free again
  EXPECT_EQ(sim.state().labs.x.at(0, 0), 1.0);
}

// Every event type fires at its step and is recorded in the events log.
TEST(Events, EachTypeFiresAtItsStepAndIsRecorded) {
  Scenario s = test::tiny(3, 2);
  s.providers[2].active = false;
  s.providers[0].capacity = 10.0;
  s.labs.named.push_back(named("L", 1.0, 1.0, "P0"));
  NamedLabParams later = named("Later", 1.0, 1.0, "P1");
  later.present = false;
  s.labs.named.push_back(later);
  s.labs.count = 2;
  auto add = [&](const std::string& name, EventType type, std::int64_t step) -> EventParams& {
    s.events.push_back(event(name, type, step));
    return s.events.back();
  };
  add("set", EventType::set, 1).path = "choice.tau";
  s.events.back().value = "0.5";
  add("deal", EventType::deal, 2).lab = "L";
  s.events.back().provider = "P1";
  add("contract", EventType::capacity_contract, 3).lab = "L";
  s.events.back().provider = "P0";
  s.events.back().volume = 0.5;
  add("switch", EventType::switch_, 4).lab = "L";
  s.events.back().provider = "P0";
  add("end", EventType::end_exclusivity, 5).lab = "L";
  s.events.back().provider = "P1";
  add("enter", EventType::add_provider, 6).provider = "P2";
  add("leave", EventType::remove_provider, 7).provider = "P2";
  add("arrive", EventType::add_lab, 8).lab = "Later";
  add("depart", EventType::remove_lab, 9).lab = "Later";
  add("shock", EventType::reputation_shock, 10).provider = "P1";
  s.events.back().delta = -0.4;
  add("outage", EventType::capacity_outage, 11).provider = "P0";
  s.events.back().fraction = 0.5;
  s.steps = 13;
  std::vector<Problem> problems;
  ASSERT_TRUE(check_scenario(s, problems)) << problems[0].path << ": " << problems[0].message;
  Simulation sim(s);
  std::map<std::string, std::int64_t> fired;
  while (!sim.done()) {
    const std::int64_t t = sim.state().step;
    sim.step();
    for (const EventRecord& e : sim.state().log) {
      if (!e.name.empty()) fired[e.name] = t;
    }
    if (t == 1) {
      EXPECT_EQ(sim.scenario().choice.tau, 0.5);
    }
    if (t == 6) {
      EXPECT_EQ(sim.state().providers.active[2], 1);
    }
    if (t == 7) {
      EXPECT_EQ(sim.state().providers.active[2], 0);
    }
    if (t == 8) {
      EXPECT_GE(sim.state().slot_of_named("Later"), 0);
    }
    if (t == 9) {
      EXPECT_LT(sim.state().slot_of_named("Later"), 0);
    }
    if (t == 10) {
      EXPECT_DOUBLE_EQ(sim.state().providers.reputation[1], -0.4);
    }
  }
  const std::int64_t expected_step[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
  for (std::size_t i = 0; i < s.events.size(); ++i) {
    ASSERT_TRUE(fired.count(s.events[i].name)) << s.events[i].name;
    EXPECT_EQ(fired[s.events[i].name], expected_step[i]) << s.events[i].name;
  }
  // The outage halves P0's rationing capacity in step 12.
  EXPECT_EQ(sim.state().providers.capacity_offered[0], 5.0);
}

// events[NAME].enabled is a parameter path: set to false (as a sweep does),
// the event does not fire.
TEST(Events, AnEventSwitchedOffDoesNotFire) {
  Scenario s = storm_scenario(true);
  set_parameter(s, "events[leave].enabled", "false");
  Simulation sim(s);
  sim.step();
  EXPECT_EQ(sim.state().labs.x.at(0, 0), 1.0);  // still on P0
  for (const EventRecord& e : sim.state().log) EXPECT_NE(e.name, "leave");
}

// A narrative investor courts the famous, small lab; a revenue investor the
// big, obscure one. P0 courts two labs both on its rival P1, one offer a step.
Scenario courting_scenario(InvestmentPolicy policy) {
  Scenario s = test::tiny(2, 2);
  s.labs.tiers[0].renewal = Dist::fixed_at(0);
  s.labs.named.push_back(named("Famous", 100.0, 0.1, "P1"));
  s.labs.named.push_back(named("Big", 1.0, 10.0, "P1"));
  s.providers[1].quality = 0.7;  // labs prefer P1 a little
  auto& inv = s.providers[0].investment;
  inv.policy = policy;
  inv.budget = 1000;
  inv.budget_cap = 1000;
  inv.max_credit = 0.9;
  inv.max_offers = 1;
  inv.w_rev = 0.01;
  s.steps = 1;
  return s;
}

std::string courted(const Scenario& s) {
  Simulation sim(s);
  sim.step();
  for (const EventRecord& e : sim.state().log) {
    if (e.type == "deal") return e.lab;
  }
  return "";
}

// For the handoff tests below: the choice rule run on three copies of a
// state after courting (as handed over, with the handoff dropped, with a
// stale handoff forced); the first must equal the second in every lab's
// allocation, and the third must differ from the first for lab `moved`.
void expect_handoff_matters(const Scenario& s, State& a, State& fresh, State& stale,
                            std::size_t moved, const char* why) {
  StepCounters ca, cf, cs;
  rule_choice(s, a, ca);
  rule_choice(s, fresh, cf);
  rule_choice(s, stale, cs);
  for (std::size_t l = 0; l < a.labs.n; ++l) {
    for (std::size_t p = 0; p <= a.P; ++p) {
      EXPECT_EQ(a.labs.x.at(l, p), fresh.labs.x.at(l, p)) << "lab " << l << " option " << p;
    }
  }
  bool differs = false;
  for (std::size_t p = 0; p <= a.P; ++p)
    differs = differs || stale.labs.x.at(moved, p) != a.labs.x.at(moved, p);
  EXPECT_TRUE(differs) << why;
}

// Courting hands its network effect G to the choice rule of the same step
// (State::Handoff::network), unless an allocation moved in between: an
// exclusive deal moves Big (demand 10) to P0, which changes G, and Famous
// then chooses with the new G. The choice with the handoff dropped (G
// computed afresh) is the reference; with the stale G forced, Famous
// chooses differently, so the check can fail.
TEST(Courting, AnExclusiveDealMakesTheChoiceRuleRecomputeTheNetworkEffect) {
  Scenario s = courting_scenario(InvestmentPolicy::revenue);
  s.providers[0].investment.exclusivity_steps = 6;
  s.labs.tiers[0].renewal = Dist::fixed_at(1);  // Famous re-evaluates
  s.network_effect.form = NetworkEffectForm::share_power;
  s.network_effect.delta = 1.0;
  s.network_effect.eta = 1.0;
  State a = init_state(s);
  StepCounters c;
  rule_courting(s, a, c);
  ASSERT_EQ(a.deals.size(), 1u);
  ASSERT_GT(a.deals[0].exclusive_end, a.step);  // Big moved to P0 in courting
  State fresh = a, stale = a;
  fresh.handoff.network_step = -1;
  stale.handoff.network_step = stale.step;  // courting's G, from before the deal
  expect_handoff_matters(s, a, fresh, stale, 0, "the stale G should have changed Famous's choice");
}

// Courting hands every lab's utilities to the choice rule of the same step
// (State::Handoff::utilities_step), but for the labs whose credit a deal has
// changed since (utilities_stale): Big takes a credit from P0 (no
// exclusivity) and, by argmax, chooses P0 in this step. The choice with the rows
// recomputed is the reference, to the bit; with Big's row forced as fresh,
// its choice is made without the credit and differs, so the check can fail.
TEST(Courting, ACreditDealMakesTheChoiceRuleRecomputeThatLabsUtilities) {
  Scenario s = courting_scenario(InvestmentPolicy::revenue);
  s.labs.tiers[0].renewal = Dist::fixed_at(1);   // every lab re-evaluates
  s.choice.allocation = AllocationRule::argmax;  // the credit makes P0 Big's top choice
  State a = init_state(s);
  StepCounters c;
  rule_courting(s, a, c);
  ASSERT_EQ(a.deals.size(), 1u);
  ASSERT_GT(a.deals[0].credit, 0.0);
  ASSERT_EQ(a.handoff.utilities_step, a.step);  // the rows are handed over
  ASSERT_EQ(a.handoff.utilities_stale.size(), 1u);
  State fresh = a, stale = a;
  fresh.handoff.utilities_step = -1;
  const std::size_t big = a.handoff.utilities_stale[0];
  stale.handoff.utilities_stale.clear();  // Big's row from before its credit
  expect_handoff_matters(s, a, fresh, stale, big,
                         "Big's row from before the credit should have changed its choice");
}

TEST(Courting, NarrativeInvestorWinsTheFamousLabThatRevenuePassesOver) {
  EXPECT_EQ(courted(courting_scenario(InvestmentPolicy::revenue)), "Big");
  EXPECT_EQ(courted(courting_scenario(InvestmentPolicy::narrative)), "Famous");
}

// The smallest sufficient credit: U_P0 - alpha ln(1 - c) = U_P1 + margin,
// so c = 1 - exp(-(U_P1 + margin - U_P0) / alpha) = 1 - exp(-(0.2 + 0.1)).
TEST(Courting, OffersTheSmallestSufficientCredit) {
  Scenario s = courting_scenario(InvestmentPolicy::revenue);
  Simulation sim(s);
  sim.step();
  ASSERT_EQ(sim.state().deals.size(), 1u);
  const Deal& d = sim.state().deals[0];
  EXPECT_NEAR(d.credit, 1 - std::exp(-0.3), 1e-15);
  // Charged to the budget: c x price x demand x T_c.
  EXPECT_NEAR(d.value, d.credit * 1.0 * 10.0 * 12, 1e-12);
  EXPECT_NEAR(sim.state().providers.budget[0], 1000 - d.value, 1e-9);
  EXPECT_EQ(market_graph(sim.state(), s.metrics.usage_threshold).edges(EdgeKind::investment), 1u);
}

// A provider's offers go down its candidates in score order, skipping any
// whose value would take the step's offers over the budget. Both labs need
// the credit c = 1 - exp(-0.3) (above); values c x price x demand x T_c:
// Big 120 c = 31.10, Famous 1.2 c = 0.311; revenue scores: Big first.
TEST(Courting, OffersSkipTheLabsOverTheBudgetInScoreOrder) {
  const double c = 1 - std::exp(-0.3);
  const auto deals = [&](double budget, std::int64_t max_offers) {
    Scenario s = courting_scenario(InvestmentPolicy::revenue);
    s.providers[0].investment.budget = budget;
    s.providers[0].investment.budget_cap = budget;
    s.providers[0].investment.max_offers = max_offers;
    Simulation sim(s);
    sim.step();
    std::vector<std::string> labs;
    for (const EventRecord& e : sim.state().log) {
      if (e.type == "deal") labs.push_back(e.lab);
    }
    return labs;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(deals(1000, 1), V{"Big"});
  EXPECT_EQ(deals(10, 1), V{"Famous"});                         // Big's 31.10 is over: the next lab
  EXPECT_EQ(deals(120 * c + 0.1, 2), V{"Big"});                 // Famous's 0.311 no longer fits
  EXPECT_EQ(deals(121.2 * c + 0.01, 2), (V{"Famous", "Big"}));  // both fit (in slot order)
  EXPECT_EQ(deals(0.1, 2), V{});                                // neither fits
}

// A candidate with no offer is passed over for the next one: with
// max_credit 0.2, Big needs c = 1 - exp(-0.3) = 0.259 (above), too much;
// Famous with alpha 2 needs 1 - exp(-0.3 / 2) = 0.139 (prices are 1, so
// alpha moves no utility) and takes the only offer of the step.
TEST(Courting, ALabWhoseCreditWouldBeOverMaxCreditIsPassedOver) {
  const auto deals = [](bool famous_less_price_sensitive) {
    Scenario s = courting_scenario(InvestmentPolicy::revenue);
    s.providers[0].investment.max_credit = 0.2;
    if (famous_less_price_sensitive) s.labs.named[0].alpha = 2.0;
    Simulation sim(s);
    sim.step();
    std::vector<std::pair<std::string, double>> made;
    for (const Deal& d : sim.state().deals)
      made.emplace_back(sim.state().lab_name(sim.state().slot_of(d.lab)), d.credit);
    return made;
  };
  EXPECT_TRUE(deals(false).empty());
  const auto made = deals(true);
  ASSERT_EQ(made.size(), 1u);
  EXPECT_EQ(made[0].first, "Famous");
  EXPECT_NEAR(made[0].second, 1 - std::exp(-0.15), 1e-15);
}

// With credits, revenue = price x served - credits (+ background), and the
// lab under the deal counts its revenue as won by the credit.
TEST(Courting, CreditsLowerRevenueByExactlyTheDiscount) {
  Scenario s = courting_scenario(InvestmentPolicy::revenue);
  s.labs.tiers[0].renewal = Dist::fixed_at(1);
  s.choice.allocation = AllocationRule::argmax;
  s.steps = 4;
  Simulation sim(s);
  for (int t = 0; t < 4; ++t) {
    const StepMetrics& m = sim.step();
    const auto& r = m.providers[0];
    EXPECT_NEAR(r.ai_revenue, r.price * r.served - r.credits, 1e-12);
  }
  EXPECT_GT(sim.state().providers.credits_given[0], 0.0);
}

TEST(Capacity, PartnersAreServedFirst) {
  Scenario s = test::tiny(1, 0);
  s.providers[0].capacity = 3.0;
  s.capacity.rationing = RationingRule::partners_first;
  s.labs.named.push_back(named("Partner", 1.0, 2.0, "P0"));
  s.labs.named.push_back(named("Other", 1.0, 2.0, "P0"));
  s.labs.count = 2;
  EventParams deal = event("deal", EventType::deal, 0);
  deal.lab = "Partner";
  deal.provider = "P0";
  deal.credit_steps = 10;
  s.events.push_back(deal);
  s.steps = 2;
  Simulation sim(s);
  sim.step();  // the deal is made at the end of step 0
  sim.step();
  // Partner gets its 2 in full; the other the 1 left.
  ASSERT_EQ(sim.state().deals.size(), 1u);
  EXPECT_DOUBLE_EQ(sim.state().deals[0].served, 2.0);
  EXPECT_DOUBLE_EQ(sim.state().providers.served[0], 3.0);
}

}  // namespace
}  // namespace cw

namespace cw {
namespace {

// Contracts: floors of several contracts of one lab hold together, and end
// after their `steps`.
TEST(Events, CapacityContractsHoldTogetherAndExpire) {
  Scenario s = test::tiny(3, 1);
  s.labs.tiers[0].renewal = Dist::fixed_at(1);
  s.choice.allocation = AllocationRule::argmax;
  s.providers[0].quality = 1.0;  // the lab's free choice is P0
  s.labs.named.push_back(named("L", 1.0, 2.0, "P0"));
  EventParams a = event("a", EventType::capacity_contract, 0);
  a.lab = "L";
  a.provider = "P1";
  a.volume = 0.8;  // floor 0.4 of demand 2
  a.steps = 3;
  EventParams b = a;
  b.name = "b";
  b.provider = "P2";
  b.volume = 0.6;  // floor 0.3
  s.events = {a, b};
  s.steps = 6;
  Simulation sim(s);
  sim.step();  // contracts made at the end of step 0, in force in steps 1..3
  for (int t = 1; t <= 3; ++t) {
    sim.step();
    EXPECT_DOUBLE_EQ(sim.state().labs.x.at(0, 1), 0.4) << t;
    EXPECT_DOUBLE_EQ(sim.state().labs.x.at(0, 2), 0.3) << t;
    EXPECT_DOUBLE_EQ(sim.state().labs.x.at(0, 0), 0.3) << t;
  }
  sim.step();  // step 4: expired, the lab's own choice again
  EXPECT_EQ(sim.state().labs.x.at(0, 0), 1.0);
  EXPECT_TRUE(sim.state().contracts.empty());
}

TEST(Events, SetOnANamedLabChangesTheLabInTheMarket) {
  Scenario s = test::tiny(1, 1);
  s.labs.named.push_back(named("L", 1.0, 1.0, "P0"));
  EventParams e = event("grow", EventType::set, 1);
  e.path = "labs.named[L].demand";
  e.value = "5";
  s.events.push_back(e);
  s.steps = 3;
  Simulation sim(s);
  sim.step();
  sim.step();
  EXPECT_EQ(sim.state().labs.demand[0], 5.0);
}

// A switch event is one switch: logged once, counted once.
TEST(Events, ASwitchEventIsOneSwitch) {
  Simulation sim(storm_scenario(false));
  std::int64_t switches = 0, logged = 0;
  while (!sim.done()) {
    switches += sim.step().counters.switches;
    for (const EventRecord& e : sim.state().log) logged += e.type == "switch";
  }
  EXPECT_EQ(switches, 1);
  EXPECT_EQ(logged, 1);
}

}  // namespace
}  // namespace cw

namespace cw {
namespace {

// Bass diffusion (SPEC §5): contagion mode on a complete graph of N labs,
// all starting on the outside option. With F_t the adopted share, each
// non-adopter adopts with hazard p + q F (neighbours exclude itself, so
// F N / (N - 1)); the mean-field recursion F_{t+1} = F_t + (p + q F_t')
// (1 - F_t) is the expected path. Averaged over 20 seeds the simulated
// share has sd below 0.006; the tolerance 0.03 (over 5 sd) gives a
// false-failure rate near 1e-6, the mean-field error being O(1/N).
TEST(Narrative, ContagionFollowsTheBassCurve) {
  const int N = 300, T = 25;
  const double p = 0.03, q = 0.4;
  std::vector<double> mean(T, 0.0);
  for (int seed = 1; seed <= 20; ++seed) {
    Scenario s = test::tiny(1, N);
    s.seed = seed;
    s.outside.enabled = true;
    s.outside.utility = 0;
    s.labs.initial = InitialAllocation::outside;
    s.labs.tiers[0].renewal = Dist::fixed_at(0);
    s.network.generator = GraphGenerator::complete;
    s.narrative.enabled = true;
    s.narrative.mode = NarrativeMode::contagion;
    s.narrative.p_innov = p;
    s.narrative.q_imit = q;
    s.steps = T;
    Simulation sim(s);
    for (int t = 0; t < T; ++t) {
      sim.step();
      double adopted = 0;
      for (std::size_t l = 0; l < sim.state().labs.n; ++l) adopted += sim.state().labs.x.at(l, 0);
      mean[static_cast<std::size_t>(t)] += adopted / N / 20.0;
    }
  }
  double F = 0;
  for (int t = 0; t < T; ++t) {
    const double seen = F * N / (N - 1.0);  // a lab does not count itself
    F = F + (p + q * seen) * (1 - F);
    EXPECT_NEAR(mean[static_cast<std::size_t>(t)], F, 0.03) << "step " << t;
  }
}

}  // namespace
}  // namespace cw

namespace cw {
namespace {

// --- Issue 11: storm-offs that emerge, defence that prevents them --------

// Two providers; "Flagship" (prestige 4, demand 1) on P0 with a capacity
// shortage there: P0's capacity is 1 for a requested 2 (four small labs on
// P0 ask for 0.25 each), so everyone on P0 is served half (fill 0.5). P0's
// quality 0.4 gives the experience sat = 2 q fill - 1 = -0.6. No neighbours
// (no graph), w_exp = 1, lambda = 0.5: the flagship's opinion of P0 after
// step t is o_t = -0.6 (1 - 0.5^(t+1)): -0.3, -0.45, -0.525, ... With
// storm_opinion -0.5 it falls below at step 2, so it walks out in step 3's
// choice. It never re-evaluates by itself (renewal 0). Its utility weighs
// its own opinion (gamma 1, w_own 1), so leaving P0 is its choice: argmax.
Scenario shortage_scenario() {
  Scenario s = test::tiny(2, 5);
  s.labs.tiers[0].renewal = Dist::fixed_at(0);
  s.labs.tiers[0].demand = Dist::fixed_at(0.25);
  s.labs.tiers[0].gamma = Dist::fixed_at(1.0);
  s.labs.tiers[0].w_own = Dist::fixed_at(1.0);
  s.labs.named.push_back(named("Flagship", 4.0, 1.0, "P0"));
  s.labs.initial = InitialAllocation::uniform;
  s.choice.allocation = AllocationRule::argmax;
  s.choice.partial_adjustment = 0.2;  // a walk-out moves all the way regardless
  s.providers[0].quality = 0.4;
  s.providers[1].quality = 0.4;
  s.providers[0].capacity = 1.0;
  s.narrative.enabled = true;
  s.narrative.lambda = 0.5;
  s.narrative.w_exp = 1.0;
  s.narrative.storm_opinion = -0.5;
  s.narrative.storm_dependence = 0.5;
  s.narrative.storm_threshold = 0.5;
  s.narrative.phi = 0.0;
  s.steps = 6;
  return s;
}

// The small labs sit on P0 only (uniform would split them).
Scenario with_small_labs_on_p0(Scenario s) {
  for (int i = 0; i < 4; ++i) {
    NamedLabParams n = named("small-" + std::to_string(i), 0.0, 0.25, "P0");
    n.gamma = 0.0;  // they do not mind: only the flagship's story is told
    s.labs.named.push_back(n);
  }
  return s;
}

struct StormLog {
  std::int64_t storm_step = -1;
  double weight = 0;
  std::int64_t deals = 0;
  bool priority = false;
};

StormLog run_storm(const Scenario& s) {
  Simulation sim(s);
  StormLog out;
  while (!sim.done()) {
    const std::int64_t t = sim.state().step;
    sim.step();
    for (const EventRecord& e : sim.state().log) {
      if (e.type == "storm_off" && e.lab == "Flagship" && out.storm_step < 0) {
        out.storm_step = t;
        out.weight = e.magnitude;
      }
      if (e.type == "deal" && e.lab == "Flagship") ++out.deals;
    }
    for (const Deal& d : sim.state().deals) out.priority = out.priority || d.priority;
  }
  return out;
}

TEST(StormOff, ACapacityShortageMakesTheFlagshipStormOffWhenTheHandComputationSays) {
  const Scenario s = with_small_labs_on_p0(shortage_scenario());
  std::vector<Problem> problems;
  ASSERT_TRUE(check_scenario(s, problems)) << problems[0].path << ": " << problems[0].message;
  Simulation sim(s);
  // Opinions of P0 by hand: -0.3, -0.45, -0.525.
  const double expected[] = {-0.3, -0.45, -0.525};
  for (int t = 0; t < 3; ++t) {
    sim.step();
    const auto f = static_cast<std::size_t>(sim.state().slot_of_named("Flagship"));
    EXPECT_NEAR(sim.state().labs.opinion.at(f, 0), expected[t], 1e-12) << "step " << t;
    EXPECT_EQ(sim.state().labs.x.at(f, 0), 1.0) << "step " << t;  // still on P0
  }
  const auto r = run_storm(s);
  EXPECT_EQ(r.storm_step, 3);  // walks out in step 3's choice, all the way
  // Criticism weighted by prestige: storm_amplification x v = 5 x 4.
  EXPECT_EQ(r.weight, 20.0);
}

TEST(StormOff, ASatisfiedFlagshipDoesNotStormOff) {
  Scenario s = with_small_labs_on_p0(shortage_scenario());
  s.providers[0].capacity = 2.0;  // no shortage: fill 1, sat = 2 x 0.4 - 1 = -0.2
  EXPECT_EQ(run_storm(s).storm_step, -1);
  s.providers[0].quality = 0.9;   // and satisfied: sat = 0.8
  s.providers[0].capacity = 1.0;  // even half served: sat = 2 x 0.9 x 0.5 - 1 = -0.1
  EXPECT_EQ(run_storm(s).storm_step, -1);
}

// P0 defends: at step 2's courting the flagship's opinion -0.45 is below
// storm_opinion + warning = -0.3, so it is at risk. P0 offers priority
// capacity (the flagship is served first: fill 1, sat = 2 x 0.4 - 1 = -0.2)
// and the smallest credit that keeps P0 its top choice by the margin. Its
// opinion then climbs back toward -0.2 and it never walks out. (The small
// labs are at risk too; with one offer a step the flagship's larger loss
// ranks first. Offers to all five at once would give all five priority,
// which is no priority: fill 0.5 again.)
TEST(StormOff, DefensiveInvestmentPreventsTheStormOff) {
  Scenario s = with_small_labs_on_p0(shortage_scenario());
  auto& inv = s.providers[0].investment;
  inv.policy = InvestmentPolicy::defensive;
  inv.budget = 100;
  inv.budget_cap = 100;
  inv.max_credit = 0.9;
  inv.credit_steps = 12;
  inv.max_offers = 1;  // the flagship only: priority for everyone is priority for no one
  s.courting.warning = 0.2;
  const auto undefended = run_storm(with_small_labs_on_p0(shortage_scenario()));
  ASSERT_EQ(undefended.storm_step, 3);
  const auto defended = run_storm(s);
  EXPECT_EQ(defended.storm_step, -1);
  EXPECT_EQ(defended.deals, 1);
  EXPECT_TRUE(defended.priority);
}

// The deal threshold above the margin: the offer now clears it. The lab
// prefers P1 by 0.2 (quality 0.7 vs 0.5), the threshold is 0.5 > margin
// 0.1: c = 1 - exp(-(0.2 + 0.5)) (alpha 1), and the lab accepts.
TEST(Courting, AnOfferClearsADealThresholdAboveTheMargin) {
  Scenario s = courting_scenario(InvestmentPolicy::revenue);
  s.labs.tiers[0].deal_threshold = Dist::fixed_at(0.5);
  for (auto& n : s.labs.named) n.deal_threshold = 0.5;
  Simulation sim(s);
  sim.step();
  ASSERT_EQ(sim.state().deals.size(), 1u);
  EXPECT_NEAR(sim.state().deals[0].credit, 1 - std::exp(-0.7), 1e-15);
}

// McFadden's discrete choice: single-homing labs under `logit` each hold one
// provider, drawn with the logit probabilities over all options. 3 providers
// at prices 1, 1.5, 2 (alpha 1, tau 0.5): U_p = -ln price_p, p_i ∝ price^-2:
// 1, 0.444..., 0.25 over 1.6944. 20000 fresh labs choose once; each
// frequency is within 5 sd of its probability (sd = sqrt(p(1-p)/N) <= 0.0036;
// false-failure rate below 2e-6 over the three).
TEST(Choice, SingleHomingLogitDrawsWithTheLogitProbabilities) {
  Scenario s = test::tiny(3, 20000);
  s.providers[1].price = 1.5;
  s.providers[2].price = 2.0;
  s.choice.tau = 0.5;
  s.labs.initial = InitialAllocation::choice;
  s.steps = 1;
  Simulation sim(s);
  sim.step();
  const LabState& L = sim.state().labs;
  std::array<double, 3> count{};
  for (std::size_t l = 0; l < L.n; ++l) {
    double held = 0;
    for (std::size_t p = 0; p < 3; ++p) {
      held += L.x.at(l, p);
      if (L.x.at(l, p) == 1.0) count[p] += 1;
    }
    ASSERT_EQ(held, 1.0);  // one provider, wholly
  }
  const double z = 1.0 + 1.0 / 2.25 + 0.25;
  const std::array<double, 3> prob = {1.0 / z, (1.0 / 2.25) / z, 0.25 / z};
  for (std::size_t p = 0; p < 3; ++p) {
    const double f = count[p] / 20000.0;
    const double sd = std::sqrt(prob[p] * (1 - prob[p]) / 20000.0);
    EXPECT_NEAR(f, prob[p], 5 * sd) << "provider " << p;
  }
}

}  // namespace
}  // namespace cw
