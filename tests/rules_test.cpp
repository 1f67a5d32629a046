// Unit tests of each rule on hand-built states (docs/MODEL.md). Expected
// values are computed here by hand from the model's equations.
#include "core/rules.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <vector>

#include "core/engine.hpp"
#include "core/random.hpp"
#include "fixtures.hpp"

namespace cw {
namespace {

std::vector<double> softmax(const std::vector<double>& u, double tau) {
  double top = u[0];
  for (double x : u) top = std::max(top, x);
  std::vector<double> e;
  double z = 0;
  for (double x : u) {
    e.push_back(std::exp((x - top) / tau));
    z += e.back();
  }
  for (double& x : e) x /= z;
  return e;
}

Scenario logit_scenario() {
  Scenario s = test::tiny(3, 1);
  const double price[] = {1.0, 1.2, 0.8}, quality[] = {0.9, 0.5, 0.6}, rep[] = {0.2, -0.1, 0};
  for (int p = 0; p < 3; ++p) {
    s.providers[p].price = price[p];
    s.providers[p].quality = quality[p];
    s.providers[p].reputation = rep[p];
  }
  auto& t = s.labs.tiers[0];
  t.alpha = Dist::fixed_at(2);
  t.beta = Dist::fixed_at(1.5);
  t.gamma = Dist::fixed_at(0.5);
  t.max_providers = 3;
  s.choice.tau = 0.7;
  return s;
}

// U = -alpha ln price + beta q + gamma r for the logit scenario.
std::vector<double> logit_utilities() {
  return {-2 * std::log(1.0) + 1.5 * 0.9 + 0.5 * 0.2, -2 * std::log(1.2) + 1.5 * 0.5 - 0.5 * 0.1,
          -2 * std::log(0.8) + 1.5 * 0.6 + 0.5 * 0.0};
}

TEST(Choice, LogitSharesEqualTheSoftmax) {
  const Scenario s = logit_scenario();
  State st = init_state(s);
  StepCounters c;
  rule_choice(s, st, c);
  const auto expected = softmax(logit_utilities(), 0.7);
  for (int p = 0; p < 3; ++p) EXPECT_DOUBLE_EQ(st.labs.x.at(0, p), expected[p]) << p;
  EXPECT_EQ(st.labs.x.at(0, 3), 0.0);  // no outside option
}

TEST(Choice, OutsideOptionIsOneMoreOption) {
  Scenario s = logit_scenario();
  s.outside.enabled = true;
  s.outside.utility = 0.4;
  State st = init_state(s);
  StepCounters c;
  rule_choice(s, st, c);
  auto u = logit_utilities();
  u.push_back(0.4);
  const auto expected = softmax(u, 0.7);
  double total = 0;
  for (int p = 0; p < 4; ++p) {
    EXPECT_DOUBLE_EQ(st.labs.x.at(0, p), expected[p]) << p;
    total += st.labs.x.at(0, p);
  }
  EXPECT_NEAR(total, 1.0, 1e-15);
}

TEST(Choice, LogitOverTheTopKOptionsOnly) {
  Scenario s = logit_scenario();
  s.labs.tiers[0].max_providers = 2;
  State st = init_state(s);
  StepCounters c;
  rule_choice(s, st, c);
  const auto u = logit_utilities();  // order: P2 (1.35) > P0 (1.45)? computed below
  // Rank by hand: u0 = 1.45, u1 = 0.335, u2 = 1.346: the top two are P0 and P2.
  const auto top2 = softmax({u[0], u[2]}, 0.7);
  EXPECT_DOUBLE_EQ(st.labs.x.at(0, 0), top2[0]);
  EXPECT_EQ(st.labs.x.at(0, 1), 0.0);
  EXPECT_DOUBLE_EQ(st.labs.x.at(0, 2), top2[1]);
}

TEST(Choice, ArgmaxPutsEverythingOnTheBest) {
  Scenario s = logit_scenario();
  s.choice.allocation = AllocationRule::argmax;
  State st = init_state(s);
  StepCounters c;
  rule_choice(s, st, c);
  EXPECT_EQ(st.labs.x.at(0, 0), 1.0);
  EXPECT_EQ(st.labs.x.at(0, 1), 0.0);
  EXPECT_EQ(st.labs.x.at(0, 2), 0.0);
}

TEST(Choice, PartialAdjustmentMovesPartWay) {
  Scenario s = logit_scenario();
  s.choice.partial_adjustment = 0.25;
  State st = init_state(s);  // labs.initial uniform: x = 1/3 each
  StepCounters c;
  rule_choice(s, st, c);
  const auto target = softmax(logit_utilities(), 0.7);
  for (int p = 0; p < 3; ++p) {
    EXPECT_DOUBLE_EQ(st.labs.x.at(0, p), 0.75 * (1.0 / 3) + 0.25 * target[p]);
  }
}

// The noise of lab l's utilities is its choice_noise stream read by a Draws
// cursor: z_p = Draws(seed, choice_noise, step, lab id).normal() for
// p = 0, 1, ..., P in turn (docs/MODEL.md §3). With noise 5 and argmax, each
// of 200 labs puts everything on the argmax of U_p + 5 z_p over the
// providers (U by hand, logit_utilities()); labs whose top two are within
// 1e-9, where the hand U's rounding could decide, are left out.
TEST(Choice, NoiseIsTheLabsNoiseStreamReadByADrawsCursor) {
  Scenario s = logit_scenario();
  s.choice.allocation = AllocationRule::argmax;
  s.choice.noise = 5;
  s.labs.count = 200;
  State st = init_state(s);
  StepCounters c;
  rule_choice(s, st, c);
  const auto u = logit_utilities();
  int checked = 0;
  for (std::size_t l = 0; l < st.labs.n; ++l) {
    Draws r(static_cast<std::uint64_t>(s.seed), Stream::choice_noise, 0, st.labs.id[l]);
    std::vector<double> v;
    for (int p = 0; p < 3; ++p) v.push_back(u[p] + 5 * r.normal());
    std::vector<double> sorted = v;
    std::sort(sorted.begin(), sorted.end());
    if (sorted[2] - sorted[1] < 1e-9) continue;
    const auto best = std::max_element(v.begin(), v.end()) - v.begin();
    EXPECT_EQ(st.labs.x.at(l, static_cast<std::size_t>(best)), 1.0) << "lab " << l;
    ++checked;
  }
  EXPECT_GE(checked, 190);
}

// The same with the outside option and an even P (P + 1 = 5 normals, ten
// uniforms: two whole Philox blocks and half of a third): every option has
// the same utility (price 1, quality 0.5: U = 0.5; the outside option set
// to 0.5), so each of 200 labs takes the option of its largest normal,
// the outside option's (the last) included.
TEST(Choice, NoiseCoversEveryOptionTheOutsideOneIncluded) {
  Scenario s = test::tiny(4, 200);
  s.outside.enabled = true;
  s.outside.utility = 0.5;
  s.choice.allocation = AllocationRule::argmax;
  s.choice.noise = 1;
  State st = init_state(s);
  StepCounters c;
  rule_choice(s, st, c);
  int outside = 0;
  for (std::size_t l = 0; l < st.labs.n; ++l) {
    Draws r(static_cast<std::uint64_t>(s.seed), Stream::choice_noise, 0, st.labs.id[l]);
    std::vector<double> z;
    for (int p = 0; p <= 4; ++p) z.push_back(r.normal());
    const auto best = static_cast<std::size_t>(std::max_element(z.begin(), z.end()) - z.begin());
    EXPECT_EQ(st.labs.x.at(l, best), 1.0) << "lab " << l;
    outside += best == 4;
  }
  EXPECT_GT(outside, 0);  // the outside option's normal decided some labs
}

// `sample`'s draw is the first uniform of the lab's choice_sample stream:
// the option picked is the first whose cumulative logit probability (in
// provider order, every provider an option) exceeds it. 200 labs; labs
// within 1e-9 of a boundary are left out.
TEST(Choice, SampleDrawIsTheFirstUniformOfTheLabsSampleStream) {
  Scenario s = logit_scenario();
  s.choice.allocation = AllocationRule::sample;
  s.labs.count = 200;
  State st = init_state(s);
  StepCounters c;
  rule_choice(s, st, c);
  const auto prob = softmax(logit_utilities(), 0.7);
  int checked = 0;
  for (std::size_t l = 0; l < st.labs.n; ++l) {
    Draws r(static_cast<std::uint64_t>(s.seed), Stream::choice_sample, 0, st.labs.id[l]);
    const double draw = r.uniform();
    std::size_t pick = 2;
    double acc = 0;
    bool near = false;
    for (std::size_t p = 0; p < 3; ++p) {
      acc += prob[p];
      near = near || std::abs(draw - acc) < 1e-9;
      if (draw < acc) {
        pick = p;
        break;
      }
    }
    if (near) continue;
    EXPECT_EQ(st.labs.x.at(l, pick), 1.0) << "lab " << l;
    ++checked;
  }
  EXPECT_GE(checked, 190);
}

// `sample` draws one option with the logit probabilities: over 20,000 labs
// the count on each provider is within 5 binomial sd of n p
// (false-failure rate about 2e-6).
TEST(Choice, SampleFrequenciesMatchTheLogitProbabilities) {
  Scenario s = logit_scenario();
  s.choice.allocation = AllocationRule::sample;
  s.labs.count = 20000;
  State st = init_state(s);
  StepCounters c;
  rule_choice(s, st, c);
  const auto prob = softmax(logit_utilities(), 0.7);
  std::vector<double> count(3, 0);
  for (std::size_t l = 0; l < st.labs.n; ++l) {
    int ones = 0;
    for (int p = 0; p < 3; ++p) {
      const double x = st.labs.x.at(l, p);
      ASSERT_TRUE(x == 0.0 || x == 1.0);
      ones += x == 1.0;
      count[p] += x;
    }
    ASSERT_EQ(ones, 1);
  }
  const double n = 20000;
  for (int p = 0; p < 3; ++p) {
    EXPECT_NEAR(count[p], n * prob[p], 5 * std::sqrt(n * prob[p] * (1 - prob[p]))) << p;
  }
}

TEST(Choice, RenewalZeroNeverReevaluates) {
  Scenario s = logit_scenario();
  s.labs.tiers[0].renewal = Dist::fixed_at(0);
  State st = init_state(s);
  StepCounters c;
  rule_choice(s, st, c);
  for (int p = 0; p < 3; ++p) EXPECT_EQ(st.labs.x.at(0, p), 1.0 / 3);
}

TEST(Choice, LockInAndEgressOnlyForProvidersInUse) {
  Scenario s = logit_scenario();
  s.lock_in.weight = 2;
  s.providers[0].egress_fee = 0.3;
  s.providers[1].egress_fee = 0.7;
  State st = init_state(s);
  double* x = st.labs.x.row(0);
  x[0] = 1;
  x[1] = 0;
  x[2] = 0;
  st.labs.demand[0] = 1.5;
  st.labs.lock.at(0, 0) = 3;
  st.labs.lock.at(0, 1) = 5;  // not in use: no lock-in term, no egress
  std::vector<double> G(3, 0.0), u(4);
  lab_utilities(s, st, 0, G.data(), u.data());
  const auto base = logit_utilities();
  EXPECT_DOUBLE_EQ(u[0], base[0] + 2 * 3 / 1.5 + 0.3);
  EXPECT_DOUBLE_EQ(u[1], base[1]);
  EXPECT_DOUBLE_EQ(u[2], base[2]);
}

TEST(NetworkEffect, EachFormFromTheInstalledBase) {
  Scenario s = test::tiny(2, 2);
  s.providers[0].pseudo_count = 0.5;
  s.providers[1].pseudo_count = 2.0;
  State st = init_state(s);
  // Lab 0: demand 3, all on P0. Lab 1: demand 1, 0.25 on P0, 0.75 on P1.
  st.labs.demand = {3, 1};
  double* x0 = st.labs.x.row(0);
  double* x1 = st.labs.x.row(1);
  x0[0] = 1;
  x0[1] = 0;
  x1[0] = 0.25;
  x1[1] = 0.75;
  std::vector<double> G(2);
  // share_power: A = (3.25, 0.75), shares (0.8125, 0.1875), G = share^eta.
  s.network_effect.form = NetworkEffectForm::share_power;
  s.network_effect.eta = 1.5;
  network_effect(s, st, G.data());
  EXPECT_DOUBLE_EQ(G[0], std::pow(0.8125, 1.5));
  EXPECT_DOUBLE_EQ(G[1], std::pow(0.1875, 1.5));
  // log_count: n = (1.25, 0.75), G = ln(a_p + n_p).
  s.network_effect.form = NetworkEffectForm::log_count;
  network_effect(s, st, G.data());
  EXPECT_DOUBLE_EQ(G[0], std::log(1.75));
  EXPECT_DOUBLE_EQ(G[1], std::log(2.75));
  // linear_count: G = r n_p.
  s.network_effect.form = NetworkEffectForm::linear_count;
  s.network_effect.r = -0.4;
  network_effect(s, st, G.data());
  EXPECT_DOUBLE_EQ(G[0], -0.4 * 1.25);
  EXPECT_DOUBLE_EQ(G[1], -0.4 * 0.75);
}

TEST(Capacity, ProRataNeverServesBeyondCapacity) {
  Scenario s = test::tiny(2, 3);
  s.providers[0].capacity = 3.0;
  // With kappa 1 and no decay, a lab's lock-in stock after one step is what
  // it was served.
  s.providers[0].lock_in_rate = 1;
  s.lock_in.decay = 0;
  State st = init_state(s);
  st.labs.demand = {1, 2, 3};
  for (std::size_t l = 0; l < 3; ++l) {
    st.labs.x.at(l, 0) = 1;
    st.labs.x.at(l, 1) = 0;
  }
  StepCounters c;
  rule_capacity(s, st, c);
  EXPECT_DOUBLE_EQ(st.labs.lock.at(0, 0), 0.5);
  EXPECT_DOUBLE_EQ(st.labs.lock.at(1, 0), 1.0);
  EXPECT_DOUBLE_EQ(st.labs.lock.at(2, 0), 1.5);
  // Spend at price 1.
  EXPECT_DOUBLE_EQ(st.labs.spend[2], 1.5 * s.providers[0].price);
  EXPECT_DOUBLE_EQ(st.providers.served[0], 3.0);
  EXPECT_DOUBLE_EQ(st.providers.requested[0], 6.0);
  EXPECT_DOUBLE_EQ(c.unserved, 3.0);
  EXPECT_DOUBLE_EQ(c.requested, 6.0);
  EXPECT_EQ(st.providers.served[1], 0.0);
}

TEST(Capacity, UnconstrainedProvidersServeEverything) {
  Scenario s = test::tiny(2, 2);
  s.providers[1].capacity = 10.0;
  State st = init_state(s);  // uniform: each lab 0.5 on each provider
  st.labs.demand = {2, 4};
  StepCounters c;
  rule_capacity(s, st, c);
  EXPECT_DOUBLE_EQ(st.providers.served[0], 3.0);
  EXPECT_DOUBLE_EQ(st.providers.served[1], 3.0);
  EXPECT_EQ(c.unserved, 0.0);
}

TEST(LockIn, RecurrenceByHand) {
  Scenario s = test::tiny(2, 1);
  s.providers[0].lock_in_rate = 0.2;
  s.providers[1].lock_in_rate = 0.05;
  s.lock_in.decay = 0.1;
  State st = init_state(s);
  StepCounters c;
  // Demand 8 served in full: (0.5, 0.25) serves (4, 2), then (1/8, 3/4) serves (1, 6).
  st.labs.demand = {8};
  double* x = st.labs.x.row(0);
  x[0] = 0.5, x[1] = 0.25, x[2] = 0.25;
  rule_capacity(s, st, c);
  x[0] = 0.125, x[1] = 0.75, x[2] = 0.125;
  rule_capacity(s, st, c);
  EXPECT_DOUBLE_EQ(st.labs.lock.at(0, 0), 0.9 * (0.2 * 4) + 0.2 * 1);
  EXPECT_DOUBLE_EQ(st.labs.lock.at(0, 1), 0.9 * (0.05 * 2) + 0.05 * 6);
}

// The provider rule reads this step's rationing capacity, which the
// capacity rule sets; tests of the provider rule alone set it by hand.
void run_providers(const Scenario& s, State& st) {
  st.providers.capacity_offered = st.providers.capacity;
  rule_providers(s, st);
}

TEST(Providers, RevenueProfitAndBackground) {
  Scenario s = test::tiny(1, 1);
  s.providers[0].price = 1.5;
  s.providers[0].unit_cost = 0.5;
  s.providers[0].background.revenue = 10;
  State st = init_state(s);
  st.providers.served[0] = 4;
  run_providers(s, st);
  EXPECT_DOUBLE_EQ(st.providers.ai_revenue[0], 6.0);
  EXPECT_DOUBLE_EQ(st.providers.revenue[0], 16.0);
  EXPECT_DOUBLE_EQ(st.providers.profit[0], 16.0 - 2.0);  // background counted at no cost
  EXPECT_DOUBLE_EQ(st.providers.price_charged[0], 1.5);
}

TEST(Providers, WrightsLawIsAnExactPowerOfCumulativeVolume) {
  Scenario s = test::tiny(1, 1);
  s.providers[0].price = 2.0;
  s.providers[0].unit_cost = 1.0;
  s.providers[0].quality = 0.4;
  s.providers[0].learning_curve = {0.5, 0.3, 10.0};
  State st = init_state(s);
  double volume = 10;
  for (double served : {5.0, 7.0, 0.0, 13.0}) {
    st.providers.served[0] = served;
    run_providers(s, st);
    volume += served;
    const double ratio = volume / 10.0;
    EXPECT_DOUBLE_EQ(st.providers.price[0], 2.0 * std::pow(ratio, -0.3));
    EXPECT_DOUBLE_EQ(st.providers.unit_cost[0], 1.0 * std::pow(ratio, -0.3));
    EXPECT_DOUBLE_EQ(st.providers.quality[0], 1.0 - 0.6 * std::pow(ratio, -0.5));
  }
}

TEST(Providers, CapexArrivesAfterTheLeadTime) {
  Scenario s = test::tiny(1, 1);
  s.providers[0].capacity = 100.0;
  s.providers[0].capex_ratio = 0.5;
  s.providers[0].capex_basis = CapexBasis::served;
  s.providers[0].capacity_cost = 2.0;
  s.providers[0].capacity_lead_time = 2;
  State st = init_state(s);
  // Capex at step 0 (served 8 -> 0.5 * 8 / 2 = 2 units) arrives at the end of step 2.
  const double served[] = {8, 0, 0, 0};
  const double expected_capacity_after[] = {100, 100, 102, 102};
  for (int t = 0; t < 4; ++t) {
    st.providers.served[0] = served[t];
    run_providers(s, st);
    EXPECT_DOUBLE_EQ(st.providers.capacity[0], expected_capacity_after[t]) << t;
  }
}

TEST(Providers, PriceRuleMovesTowardTheUtilisationTargetAndStopsAtTheFloor) {
  Scenario s = test::tiny(1, 1);
  s.providers[0].capacity = 10.0;
  s.pricing.rule = PriceRule::utilisation;
  s.pricing.target = 0.8;
  s.pricing.speed = 0.5;
  s.pricing.floor = 0.9;
  State st = init_state(s);
  st.providers.served[0] = 10;  // utilisation 1: price rises by exp(0.5 * 0.2)
  run_providers(s, st);
  EXPECT_DOUBLE_EQ(st.providers.price[0], std::exp(0.1));
  st.providers.served[0] = 0;  // utilisation 0: exp(0.1) exp(-0.4) = exp(-0.3) < 0.9: floor
  run_providers(s, st);
  EXPECT_DOUBLE_EQ(st.providers.price[0], 0.9);
  st.providers.served[0] = 10;  // no wind-up: the level restarts from the floor
  run_providers(s, st);
  EXPECT_DOUBLE_EQ(st.providers.price[0], 0.9 * std::exp(0.1));
}

TEST(Providers, PriceFloorHoldsUnderLearningWithoutWindUp) {
  Scenario s = test::tiny(1, 1);
  s.providers[0].capacity = 10.0;
  s.providers[0].learning_curve = {0.0, 0.5, 10.0};
  s.pricing.rule = PriceRule::utilisation;
  s.pricing.target = 0.5;
  s.pricing.speed = 1.0;
  s.pricing.floor = 0.8;
  State st = init_state(s);
  st.providers.served[0] = 0;  // idle: price falls to the floor (0.8)
  for (int t = 0; t < 5; ++t) run_providers(s, st);
  EXPECT_DOUBLE_EQ(st.providers.price[0], 0.8);
  st.providers.served[0] = 10;  // full: V = 20, the level restarts from the floor
  run_providers(s, st);
  const double cost_factor = std::pow(2.0, -0.5);
  // Without the clamp the level would be exp(-2.5), far below the floor.
  EXPECT_DOUBLE_EQ(st.providers.price[0], 0.8 * std::exp(0.5) * cost_factor);
}

TEST(Metrics, UtilisationUsesTheCapacityOfTheStep) {
  Scenario s = test::tiny(1, 10);
  s.providers[0].capacity = 5.0;
  s.providers[0].capex_ratio = 1.0;  // capacity doubles after each full step
  s.providers[0].capex_basis = CapexBasis::served;
  Simulation sim(s);
  const StepMetrics& m0 = sim.step();
  EXPECT_EQ(m0.providers[0].capacity, 5.0);
  EXPECT_EQ(m0.providers[0].utilisation, 1.0);
  const StepMetrics& m1 = sim.step();
  EXPECT_EQ(m1.providers[0].capacity, 10.0);
  EXPECT_EQ(m1.providers[0].utilisation, 1.0);
}

TEST(Population, DemandGrowsByTheLogGrowthRate) {
  Scenario s = test::tiny(1, 1);
  s.labs.tiers[0].demand = Dist::fixed_at(2);
  s.labs.tiers[0].growth = Dist::fixed_at(0.05);
  State st = init_state(s);
  StepCounters c;
  for (int t = 0; t <= 12; ++t) {  // step 0 keeps the initial demand
    st.step = t;
    rule_population(s, st, c);
    EXPECT_NEAR(st.labs.demand[0], 2 * std::exp(0.05 * t), 1e-12) << t;
  }
}

TEST(Population, FixedArrivalsKeepAFractionalRateExactly) {
  Scenario s = test::tiny(1, 1);
  s.labs.arrivals.process = ArrivalProcess::fixed;
  s.labs.arrivals.rate = 0.3;
  s.steps = 10;
  Simulation sim(s);
  std::int64_t arrivals = 0;
  while (!sim.done()) arrivals += sim.step().counters.arrivals;
  EXPECT_EQ(arrivals, 3);  // floor(10 x 0.3)
}

TEST(Population, TierCountsByLargestRemainderAndNamedLabsStandIn) {
  Scenario s = test::tiny(2, 10);
  s.labs.tiers[0].fraction = 0.25;
  TierParams big;
  big.name = "big";
  big.fraction = 0.75;
  s.labs.tiers.push_back(big);
  NamedLabParams n;
  n.name = "Famous";
  n.tier = "big";
  n.demand = 42;
  n.provider = "P1";
  s.labs.named.push_back(n);
  State st = init_state(s);
  // 2.5 / 7.5: floors 2 + 7, the tie for the last lab goes to the first tier.
  // The named lab takes one "big" slot: 3 generated t, 6 generated big, 1 named.
  ASSERT_EQ(st.labs.n, 10u);
  int t_count = 0, big_count = 0;
  for (std::size_t l = 0; l < st.labs.n; ++l) (st.labs.tier[l] == 0 ? t_count : big_count)++;
  EXPECT_EQ(t_count, 3);
  EXPECT_EQ(big_count, 7);
  EXPECT_EQ(st.lab_name(0), "Famous");  // named labs take the first ids
  EXPECT_EQ(st.labs.demand[0], 42);
  EXPECT_EQ(st.labs.x.at(0, 1), 1.0);
  EXPECT_EQ(st.labs.x.at(0, 0), 0.0);
}

TEST(Population, NamedLabArrivesAtItsDate) {
  Scenario s = test::tiny(1, 2);
  s.start = "2017-01";
  NamedLabParams n;
  n.name = "Late";
  n.tier = "t";
  n.arrive = "2017-04";
  s.labs.named.push_back(n);
  Simulation sim(s);
  for (int t = 0; t < 3; ++t) {
    sim.step();
    EXPECT_EQ(sim.state().labs.n, 2u) << t;
  }
  sim.step();  // step 3 is 2017-04
  ASSERT_EQ(sim.state().labs.n, 3u);
  EXPECT_EQ(sim.state().lab_name(2), "Late");
}

// Checks that the influence CSR, the exported graph and the lab arrays
// describe the same labs, and that the CSR is a valid undirected graph.
void expect_consistent(const Scenario& s, const State& st) {
  const LabState& L = st.labs;
  const Csr& W = st.influence;
  ASSERT_EQ(W.off.size(), L.n + 1);
  // Every per-lab array, the field table's columns included, has n entries.
  std::size_t arrays = 0;
  L.for_each_array(
      [&](const auto& v) {
        EXPECT_EQ(v.size(), L.n);
        ++arrays;
      },
      [&](const Rows& r) {
        if (r.allocated()) {
          EXPECT_EQ(r.data.size(), L.n * r.stride);
        }
      });
  EXPECT_GT(arrays, 13u);  // the 13 lab fields and the rules' own arrays
  ASSERT_EQ(L.x.data.size(), L.n * L.x.stride);
  ASSERT_EQ(L.lock.data.size(), L.n * L.lock.stride);
  const MarketGraph g = market_graph(st, s.metrics.usage_threshold);
  ASSERT_EQ(g.labs(), L.n);
  std::size_t usage = 0;
  for (std::size_t l = 0; l < L.n; ++l) {
    ASSERT_EQ(g.lab_id(l), L.id[l]) << l;
    usage += static_cast<std::size_t>(
        std::popcount(usage_mask(L.x.row(l), st.P, s.metrics.usage_threshold)));
    const auto exported = g.influence_of(l);
    ASSERT_EQ(exported.size(), W.degree(l)) << l;
    for (auto k = W.off[l]; k < W.off[l + 1]; ++k) {
      const auto j = static_cast<std::size_t>(W.nbr[static_cast<std::size_t>(k)]);
      ASSERT_LT(j, L.n);
      ASSERT_NE(j, l);
      ASSERT_EQ(exported[static_cast<std::size_t>(k - W.off[l])].first, j);
      // Undirected: l is among j's neighbours.
      bool back = false;
      for (auto q = W.off[j]; q < W.off[j + 1]; ++q)
        back = back || W.nbr[static_cast<std::size_t>(q)] == static_cast<std::int32_t>(l);
      ASSERT_TRUE(back) << l << " -> " << j;
    }
  }
  EXPECT_EQ(g.edges(EdgeKind::usage), usage);
  EXPECT_EQ(g.edges(EdgeKind::influence), W.nbr.size());
}

// Removing labs from a CSR and appending edges to it give the CSR built from
// scratch over the same edges (labs renumbered, rows in insertion order).
TEST(Graph, CsrUpdatesEqualRebuilds) {
  const std::vector<CsrEdge> edges = {{0, 1, 1},   {1, 0, 1}, {2, 0, 2}, {0, 2, 1}, {3, 1, 1},
                                      {1, 3, 0.5}, {4, 2, 1}, {2, 4, 1}, {3, 4, 3}};
  const Csr all = csr_from_edges(5, edges);
  // Without labs 1 and 3: slots 0, 2, 4 become 0, 1, 2.
  const Csr kept = csr_without(all, {1, 0, 1, 0, 1});
  const Csr expect_kept = csr_from_edges(3, {{1, 0, 2}, {0, 1, 1}, {2, 1, 1}, {1, 2, 1}});
  EXPECT_EQ(kept.off, expect_kept.off);
  EXPECT_EQ(kept.nbr, expect_kept.nbr);
  EXPECT_EQ(kept.w, expect_kept.w);
  // Appending edges of a new lab 5.
  const std::vector<CsrEdge> added = {{5, 0, 1}, {0, 5, 1}, {5, 4, 1}, {4, 5, 1}};
  std::vector<CsrEdge> both = edges;
  both.insert(both.end(), added.begin(), added.end());
  const Csr grown = csr_with(all, 6, added);
  const Csr expect_grown = csr_from_edges(6, both);
  EXPECT_EQ(grown.off, expect_grown.off);
  EXPECT_EQ(grown.nbr, expect_grown.nbr);
  EXPECT_EQ(grown.w, expect_grown.w);
  // Hand-checked weights: lab 0 hears 1 (weight 1) and 2 (weight 1), then 5.
  EXPECT_EQ(grown.nbr[0], 1);
  EXPECT_EQ(grown.nbr[2], 5);
  EXPECT_DOUBLE_EQ(grown.w[0], 1.0 / 3);
  // Lab 2 hears 0 (weight 2) and 4 (weight 1).
  EXPECT_DOUBLE_EQ(all.weight(2, all.off[2]), 2.0 / 3);
  // Unit weights store none: W = 1/degree.
  const Csr unit = csr_from_pairs(3, {{0, 1}, {1, 2}}, true);
  EXPECT_TRUE(unit.unit());
  EXPECT_EQ(unit.nbr, (std::vector<std::int32_t>{1, 0, 2, 1}));
  EXPECT_DOUBLE_EQ(unit.weight(1, unit.off[1]), 0.5);
}

// The in-place updates the population rule uses give the same CSR as the
// copying ones (whose equality with a rebuild is checked above), on random
// graphs: unit weights (the in-place path) and stored weights, exits
// anywhere, arrivals whose edges reach rows in any order, several per row,
// neighbouring rows and the last row.
TEST(Graph, InPlaceUpdatesEqualCopies) {
  Draws r(7, Stream::network, 0, 0);
  for (int trial = 0; trial < 200; ++trial) {
    const std::size_t n = 2 + r.below(30);
    const bool weighted = trial % 4 == 3;
    std::vector<CsrEdge> edges;
    const std::size_t m = r.below(4 * n);
    for (std::size_t k = 0; k < m; ++k) {
      const auto a = static_cast<std::uint32_t>(r.below(n));
      const auto b = static_cast<std::uint32_t>(r.below(n));
      edges.push_back({a, b, weighted ? 0.5 + static_cast<double>(r.below(3)) : 1.0});
    }
    const Csr before = csr_from_edges(n, edges);
    ASSERT_EQ(before.unit(), !weighted || std::all_of(edges.begin(), edges.end(),
                                                      [](auto& e) { return e.weight == 1.0; }));
    // Exits: each lab leaves with probability 1/4.
    std::vector<std::uint8_t> keep(n);
    std::size_t kept = 0;
    for (std::size_t l = 0; l < n; ++l) {
      keep[l] = r.below(4) != 0 ? 1 : 0;
      kept += keep[l];
    }
    Csr in_place = before;
    csr_remove(in_place, keep);
    const Csr copied = csr_without(before, keep);
    ASSERT_EQ(in_place.labs(), kept);
    EXPECT_EQ(in_place.off, copied.off) << trial;
    EXPECT_EQ(in_place.nbr, copied.nbr) << trial;
    EXPECT_EQ(in_place.raw, copied.raw) << trial;
    EXPECT_EQ(in_place.w, copied.w) << trial;
    // Arrivals: 0..3 new labs, each linked both ways to up to 3 labs.
    const std::size_t arrive = r.below(4);
    const std::size_t labs = kept + arrive;
    std::vector<CsrEdge> added;
    for (std::size_t a = kept; a < labs; ++a) {
      for (std::size_t k = 0; k < 3 && a > 0; ++k) {
        const auto b = static_cast<std::uint32_t>(r.below(a));
        added.push_back({static_cast<std::uint32_t>(a), b, 1.0});
        added.push_back({b, static_cast<std::uint32_t>(a), 1.0});
      }
    }
    Csr grown = in_place;
    csr_append(grown, labs, added);
    const Csr grown_copy = csr_with(in_place, labs, added);
    ASSERT_EQ(grown.labs(), labs);
    EXPECT_EQ(grown.off, grown_copy.off) << trial;
    EXPECT_EQ(grown.nbr, grown_copy.nbr) << trial;
    EXPECT_EQ(grown.raw, grown_copy.raw) << trial;
    EXPECT_EQ(grown.w, grown_copy.w) << trial;
  }
  // A hand-checked case: rows 0, 1 and 2 gain edges, row 1 two of them, in
  // the order given; row 3 is new.
  Csr c = csr_from_pairs(3, {{0, 1}, {1, 2}}, true);  // 0:[1] 1:[0,2] 2:[1]
  csr_append(c, 4, {{1, 3, 1}, {3, 1, 1}, {0, 3, 1}, {1, 0, 1}, {2, 3, 1}});
  EXPECT_EQ(c.off, (std::vector<std::int64_t>{0, 2, 6, 8, 9}));
  EXPECT_EQ(c.nbr, (std::vector<std::int32_t>{1, 3, 0, 2, 3, 0, 1, 3, 1}));
}

TEST(Population, EntryAndExitKeepGraphAndArraysConsistent) {
  Scenario s = test::tiny(3, 60);
  s.labs.tiers[0].exit_hazard = Dist::fixed_at(0.1);
  s.labs.tiers[0].renewal = Dist::fixed_at(0.5);
  s.labs.arrivals.process = ArrivalProcess::poisson;
  s.labs.arrivals.rate = 6;
  s.network.generator = GraphGenerator::barabasi_albert;
  s.network.m = 2;
  s.steps = 40;
  Simulation sim(s);
  expect_consistent(s, sim.state());
  std::int64_t exits = 0, arrivals = 0;
  while (!sim.done()) {
    const auto& m = sim.step();
    exits += m.counters.exits;
    arrivals += m.counters.arrivals;
    expect_consistent(s, sim.state());
  }
  EXPECT_GT(exits, 0);
  EXPECT_GT(arrivals, 0);
  EXPECT_EQ(static_cast<std::int64_t>(sim.state().labs.n), 60 - exits + arrivals);
}

TEST(Graph, GeneratorsHaveTheirEdgeCounts) {
  auto edges_of = [](GraphGenerator g, std::int64_t n, auto tweak) {
    Scenario s = test::tiny(1, n);
    s.network.generator = g;
    tweak(s.network);
    return init_state(s).influence.nbr.size();
  };
  // Complete: n (n - 1) directed edges.
  EXPECT_EQ(edges_of(GraphGenerator::complete, 6, [](NetworkParams&) {}), 30u);
  // Barabasi-Albert: a clique of m + 1, then m undirected edges per lab.
  EXPECT_EQ(edges_of(GraphGenerator::barabasi_albert, 100, [](NetworkParams& n) { n.m = 3; }),
            2u * (6 + 96 * 3));
  // Watts-Strogatz without rewiring: the ring lattice, degree k.
  EXPECT_EQ(edges_of(GraphGenerator::watts_strogatz, 50,
                     [](NetworkParams& n) {
                       n.k = 4;
                       n.rewire = 0;
                     }),
            200u);
  // Erdos-Renyi: pairs ~ Binomial(n(n-1)/2, p); within 5 sd (false-failure ~6e-7).
  const double pairs = 400.0 * 399 / 2, p = 0.05;
  const auto er = edges_of(GraphGenerator::erdos_renyi, 400, [p](NetworkParams& n) { n.p = p; });
  EXPECT_NEAR(static_cast<double>(er) / 2, pairs * p, 5 * std::sqrt(pairs * p * (1 - p)));
}

TEST(Graph, CsrWeightsAreRowNormalised) {
  Scenario s = test::tiny(1, 30);
  s.network.generator = GraphGenerator::barabasi_albert;
  s.network.m = 2;
  const State st = init_state(s);
  for (std::size_t l = 0; l < st.labs.n; ++l) {
    double total = 0;
    for (auto k = st.influence.off[l]; k < st.influence.off[l + 1]; ++k) {
      total += st.influence.weight(l, k);
    }
    if (st.influence.degree(l) > 0) {
      EXPECT_NEAR(total, 1.0, 1e-12);
    }
  }
}

TEST(Engine, NanStopsTheRunNamingStepAndQuantity) {
  Scenario s = test::tiny(2, 3);
  Simulation sim(s);
  sim.step();
  sim.mutable_state().providers.price[1] = std::nan("");
  try {
    sim.step();
    FAIL() << "expected RunError";
  } catch (const RunError& e) {
    // Single-homing labs stay on P0; P1's revenue is 0 x NaN.
    EXPECT_STREQ(e.what(), "step 1: providers[P1].revenue is nan");
  }
}

}  // namespace
}  // namespace cw
