// Price rules (docs/MODEL.md §7): market_power against its closed forms,
// the floors, capacity that follows demand, the markup outputs and the
// config errors of market_power. Every expected value is computed here by
// hand from the model's equations (the logit first-order condition), not
// read from the code.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "config/yaml_reader.hpp"
#include "core/engine.hpp"
#include "core/metrics.hpp"
#include "core/rules.hpp"
#include "fixtures.hpp"

namespace cw {
namespace {

// n identical providers (price `price`, unit cost c, no lock-in), one tier
// of `labs` identical labs (demand 1, alpha, renewal 1), logit tau, no
// outside option, market_power at `speed`.
Scenario symmetric(std::size_t n, std::int64_t labs, double alpha, double tau, double c,
                   double price, double speed) {
  Scenario s = test::tiny(n, labs);
  for (auto& p : s.providers) {
    p.price = price;
    p.unit_cost = c;
  }
  s.labs.tiers[0].alpha = Dist::fixed_at(alpha);
  s.choice.tau = tau;
  s.pricing.rule = PriceRule::market_power;
  s.pricing.speed = speed;
  return s;
}

// The provider rule reads this step's rationing capacity, which the
// capacity rule sets; tests of the provider rule alone set it by hand.
void run_providers(const Scenario& s, State& st) {
  st.providers.capacity_offered = st.providers.capacity;
  rule_providers(s, st);
}

std::vector<double> markups(const Scenario& s, const State& st) {
  std::vector<double> m(st.P);
  market_power_markups(s, st, m.data());
  return m;
}

// Puts every lab wholly on provider p.
void put_all_on(State& st, std::size_t p) {
  for (std::size_t l = 0; l < st.labs.n; ++l) {
    double* x = st.labs.x.row(l);
    for (std::size_t q = 0; q <= st.P; ++q) x[q] = q == p ? 1.0 : 0.0;
  }
}

// Symmetric firms, no lock-in, no outside option: shares 1/n, so
// m = 1 / ((alpha/tau)(1 - 1/n)) and p* = c / (1 - m).
TEST(MarketPower, SymmetricFirmsReachTheClosedFormInOneStepAtSpeedOne) {
  struct Case {
    std::size_t n;
    double alpha, tau, m;
  };
  // n = 3, alpha/tau = 3: m = 1/(3 * 2/3) = 1/2 (p* = 2c);
  // n = 4, alpha/tau = 4: m = 1/(4 * 3/4) = 1/3 (p* = 1.5c);
  // n = 2, alpha/tau = 5: m = 1/(5 * 1/2) = 2/5 (p* = 5c/3).
  for (const Case& k :
       {Case{3, 3.0, 1.0, 0.5}, Case{4, 2.0, 0.5, 1.0 / 3}, Case{2, 1.5, 0.3, 0.4}}) {
    const double c = 0.3;
    const Scenario s = symmetric(k.n, 5, k.alpha, k.tau, c, 1.0, 1.0);
    State st = init_state(s);
    for (double m : markups(s, st)) EXPECT_NEAR(m, k.m, 1e-12) << k.n;
    run_providers(s, st);
    for (std::size_t p = 0; p < k.n; ++p) {
      EXPECT_NEAR(st.providers.price[p], c / (1 - k.m), 1e-12) << k.n;
    }
    run_providers(s, st);  // at the best response it stays
    for (std::size_t p = 0; p < k.n; ++p) {
      EXPECT_NEAR(st.providers.price[p], c / (1 - k.m), 1e-12) << k.n;
    }
  }
}

TEST(MarketPower, LogDistanceShrinksByOneMinusSpeedPerStep) {
  const double c = 0.3, speed = 0.25;
  const double target = 2 * c;        // n = 3, alpha/tau = 3: m = 1/2
  for (double start : {1.5, 0.45}) {  // from above and from below (0.45 > c)
    const Scenario s = symmetric(3, 4, 3.0, 1.0, c, start, speed);
    State st = init_state(s);
    double gap = std::log(start) - std::log(target);
    for (int t = 0; t < 8; ++t) {
      run_providers(s, st);
      gap *= 1 - speed;
      for (std::size_t p = 0; p < 3; ++p) {
        EXPECT_NEAR(std::log(st.providers.price[p]) - std::log(target), gap, 1e-12) << t;
      }
    }
  }
}

// Two symmetric providers, one lab wholly on P0 with a switching cost L
// toward P0: s_0 = e^(L/tau) / (e^(L/tau) + 1) > 1/2 and, for one lab,
// m_0 = s_0 / ((alpha/tau) s_0 (1 - s_0)) = 1 / ((alpha/tau)(1 - s_0)),
// above the 1 / ((alpha/tau) / 2) of the market without the switching cost.
TEST(MarketPower, ALockedInLabFacesAHigherBestResponse) {
  const double alpha = 5, tau = 1, c = 0.2;
  const double free_m = 1 / ((alpha / tau) * 0.5);
  const auto locked_m = [&](double lock) {
    const double s0 = std::exp(lock / tau) / (std::exp(lock / tau) + 1);
    return 1 / ((alpha / tau) * (1 - s0));
  };
  {  // no switching cost
    const Scenario s = symmetric(2, 1, alpha, tau, c, 1.0, 1.0);
    State st = init_state(s);
    put_all_on(st, 0);
    EXPECT_NEAR(markups(s, st)[0], free_m, 1e-12);
  }
  {  // an egress fee of 0.5 on P0
    Scenario s = symmetric(2, 1, alpha, tau, c, 1.0, 1.0);
    s.providers[0].egress_fee = 0.5;
    State st = init_state(s);
    put_all_on(st, 0);
    const auto m = markups(s, st);
    EXPECT_NEAR(m[0], locked_m(0.5), 1e-12);
    EXPECT_GT(m[0], free_m);
    run_providers(s, st);
    EXPECT_GT(st.providers.price[0], c / (1 - free_m));
    EXPECT_NEAR(st.providers.price[0], c / (1 - locked_m(0.5)), 1e-12);
  }
  {  // a lock-in stock k = 2 with weight 0.3 and demand 1: lock = 0.6
    Scenario s = symmetric(2, 1, alpha, tau, c, 1.0, 1.0);
    s.lock_in.weight = 0.3;
    State st = init_state(s);
    put_all_on(st, 0);
    st.labs.lock.at(0, 0) = 2.0;
    const auto m = markups(s, st);
    EXPECT_NEAR(m[0], locked_m(0.6), 1e-12);
    EXPECT_GT(m[0], free_m);
  }
}

// Identical labs locked in to P0 (egress fee), P1 a rival: an entrant P2
// that any lab may reach lowers every s_lp of the incumbents, and for
// identical labs m_p = 1 / ((alpha/tau)(1 - s_p)) falls with s_p.
TEST(MarketPower, AReachableAlternativeLowersTheIncumbentsMarkup) {
  Scenario s = symmetric(3, 6, 4.0, 1.0, 0.2, 1.0, 1.0);
  s.providers[0].egress_fee = 0.8;
  s.providers[2].quality = 0.3;  // a worse entrant still draws some demand
  s.providers[2].price = 0.7;
  s.providers[2].active = false;
  State without = init_state(s);
  put_all_on(without, 0);
  s.providers[2].active = true;
  State with = init_state(s);
  put_all_on(with, 0);
  const auto before = markups(s, without), after = markups(s, with);
  EXPECT_TRUE(std::isnan(before[2]));  // not in the market: no demand in reach
  for (std::size_t p = 0; p < 2; ++p) {
    EXPECT_LT(after[p], before[p]) << p;
    EXPECT_GT(after[p], 0) << p;
  }
}

// A monopoly without an outside option: s = 1, E = 0, the cap binds:
// p* = c / (1 - max_markup).
TEST(MarketPower, TheCapBindsForAMonopoly) {
  for (double cap : {0.75, 0.5}) {
    Scenario s = symmetric(1, 3, 2.0, 1.0, 0.4, 1.0, 1.0);
    s.pricing.max_markup = cap;
    State st = init_state(s);
    run_providers(s, st);
    EXPECT_NEAR(st.providers.price[0], 0.4 / (1 - cap), 1e-12) << cap;
  }
}

// Response weights: two symmetric providers, one lab, alpha/tau = a,
// m = 1 / (w a / 2), w = (1/H) sum over the open steps j = 1..J of
// (1 - (1-h)^j), at least 1/H.
TEST(MarketPower, LabsThatCannotReevaluateCountWithTheirExpectedResponse) {
  {  // h = 0.5, H = 2: w = ((1 - 0.5) + (1 - 0.25)) / 2 = 0.625; a = 8: m = 1/2.5 = 0.4
    Scenario s = symmetric(2, 1, 8.0, 1.0, 0.2, 1.0, 1.0);
    s.labs.tiers[0].renewal = Dist::fixed_at(0.5);
    s.pricing.horizon = 2;
    const State st = init_state(s);
    EXPECT_NEAR(markups(s, st)[0], 0.4, 1e-12);
  }
  {  // exclusive beyond the horizon H = 4: w = 1/4; a = 16: m = 1 / (0.25 * 16 / 2) = 0.5
    Scenario s = symmetric(2, 1, 16.0, 1.0, 0.2, 1.0, 1.0);
    s.pricing.horizon = 4;
    State st = init_state(s);
    st.labs.exclusive_until[0] = st.step + 10;
    EXPECT_NEAR(markups(s, st)[0], 0.5, 1e-12);
  }
  {  // exclusive until step t+3, H = 4, h = 1: open at steps t+3, t+4: w = 2/4;
     // a = 8: m = 1 / (0.5 * 8 / 2) = 0.5
    Scenario s = symmetric(2, 1, 8.0, 1.0, 0.2, 1.0, 1.0);
    s.pricing.horizon = 4;
    State st = init_state(s);
    st.labs.exclusive_until[0] = st.step + 3;
    EXPECT_NEAR(markups(s, st)[0], 0.5, 1e-12);
  }
  {  // renewal 0: w = 1/H = 1/8; a = 40: m = 1 / (40 / 8 / 2) = 0.4
    Scenario s = symmetric(2, 1, 40.0, 1.0, 0.2, 1.0, 1.0);
    s.labs.tiers[0].renewal = Dist::fixed_at(0.0);
    s.pricing.horizon = 8;
    const State st = init_state(s);
    EXPECT_NEAR(markups(s, st)[0], 0.4, 1e-12);
  }
}

// Learning lowers the cost and the price follows through p* = c / (1 - m)
// alone: n = 3, alpha/tau = 3 (m = 1/2), unit cost 0.3 (V/V0)^-b.
TEST(MarketPower, PriceFollowsTheLearnedCostOnly) {
  Scenario s = symmetric(3, 3, 3.0, 1.0, 0.3, 1.0, 1.0);
  for (auto& p : s.providers) p.learning_curve = {0.0, 0.5, 10.0};
  State st = init_state(s);
  st.providers.served = {30.0, 30.0, 30.0};  // V = 40: cost factor 4^-0.5 = 1/2
  run_providers(s, st);
  for (std::size_t p = 0; p < 3; ++p) EXPECT_NEAR(st.providers.price[p], 2 * 0.15, 1e-12);
}

// Utilisation rule: an idle provider's price falls to max(floor price0,
// unit cost), or to floor price0 when below-cost pricing is allowed.
TEST(PriceFloor, UnitCostIsTheFloorUnlessBelowCostIsAllowed) {
  for (bool below : {false, true}) {
    Scenario s = test::tiny(1, 1);
    s.providers[0].capacity = 10.0;
    s.providers[0].unit_cost = 0.6;
    s.pricing.rule = PriceRule::utilisation;
    s.pricing.speed = 1.0;
    s.pricing.floor = 0.5;
    s.pricing.below_cost = below;
    State st = init_state(s);
    st.providers.served[0] = 0;
    for (int t = 0; t < 5; ++t) run_providers(s, st);  // exp(-0.8 t) falls below both
    EXPECT_DOUBLE_EQ(st.providers.price[0], below ? 0.5 : 0.6) << below;
    st.providers.served[0] = 10;  // no wind-up: it rises from the floor at once
    run_providers(s, st);
    EXPECT_NEAR(st.providers.price[0], (below ? 0.5 : 0.6) * std::exp(0.2), 1e-12) << below;
  }
}

// Capacity that follows demand: added = min(1, cf (price/price0)^e) unmet.
TEST(CapacityFollow, SupplyRespondsToThePrice) {
  struct Case {
    double price_ratio, e, added;
  };
  // cf = 0.5, unmet 10: ratio 1 -> 5; 1.5, e 1 -> 7.5; 1.5, e 2 -> 10 (1.125 capped);
  // 0.5, e 2 -> 1.25.
  for (const Case& k :
       {Case{1.0, 1.0, 5.0}, Case{1.5, 1.0, 7.5}, Case{1.5, 2.0, 10.0}, Case{0.5, 2.0, 1.25}}) {
    Scenario s = test::tiny(1, 1);
    s.providers[0].capacity = 10.0;
    s.providers[0].capacity_follow = 0.5;
    s.providers[0].supply_elasticity = k.e;
    State st = init_state(s);
    st.providers.price[0] = k.price_ratio;
    st.providers.requested[0] = 20;
    st.providers.served[0] = 10;
    run_providers(s, st);
    EXPECT_NEAR(st.providers.capacity[0], 10.0 + k.added, 1e-12) << k.price_ratio << " " << k.e;
  }
}

// A capacity_follow provider under the utilisation rule, alone with growing
// demand (always at full use): its price never exceeds
// price0 capacity_follow^(-1/e), and reaches it.
TEST(CapacityFollow, PriceStaysBoundedWhileDemandGrows) {
  for (double e : {1.0, 0.5}) {
    Scenario s = test::tiny(1, 20);
    s.steps = 300;
    s.providers[0].capacity = 5.0;
    s.providers[0].capacity_follow = 0.5;
    s.providers[0].supply_elasticity = e;
    s.labs.tiers[0].growth = Dist::fixed_at(0.05);
    s.pricing.rule = PriceRule::utilisation;
    s.pricing.target = 0.8;
    s.pricing.speed = 0.2;
    const double bound = 1.0 * std::pow(0.5, -1.0 / e);  // 2 (e = 1), 4 (e = 1/2)
    Simulation sim(s);
    double highest = 0;
    for (std::int64_t t = 0; t < s.steps; ++t) {
      const StepMetrics& m = sim.step();
      highest = std::max(highest, m.providers[0].price);
      ASSERT_LE(m.providers[0].price, bound * (1 + 1e-12)) << t;
    }
    EXPECT_NEAR(highest, bound, 1e-9 * bound) << e;
  }
}

// The Lerner index of each step, its run mean, and the incumbents' mean
// (the decentralized provider left out): prices and costs are constant
// under rule none without learning, so every mean is the step's value.
TEST(MarkupOutputs, LernerIndexAndIncumbentMean) {
  Scenario s = test::tiny(3, 10);
  const double price[] = {1.0, 2.0, 0.5}, cost[] = {0.6, 0.5, 0.4};
  for (int p = 0; p < 3; ++p) {
    s.providers[p].price = price[p];
    s.providers[p].unit_cost = cost[p];
  }
  s.providers[2].kind = ProviderKind::decentralized;
  Simulation sim(s);
  OutcomeAccumulator acc(s);
  for (std::int64_t t = 0; t < s.steps; ++t) {
    const StepMetrics& m = sim.step();
    for (int p = 0; p < 3; ++p) {
      EXPECT_NEAR(m.providers[p].lerner, (price[p] - cost[p]) / price[p], 1e-15) << p;
    }
    acc.add(m);
  }
  const RunOutcome r = acc.finish(s, sim.state());
  ASSERT_TRUE(r.incumbent_lerner.has_value());
  EXPECT_NEAR(*r.incumbent_lerner, (0.4 + 0.75) / 2, 1e-12);
  ASSERT_TRUE(r.providers[1].mean_lerner.has_value());
  EXPECT_NEAR(*r.providers[1].mean_lerner, 0.75, 1e-12);
}

TEST(MarkupOutputs, AProviderNotInTheMarketHasNoMarkup) {
  Scenario s = test::tiny(2, 5);
  s.providers[1].active = false;
  s.providers[1].unit_cost = 0.5;
  Simulation sim(s);
  OutcomeAccumulator acc(s);
  for (std::int64_t t = 0; t < s.steps; ++t) {
    const StepMetrics& m = sim.step();
    EXPECT_TRUE(std::isnan(m.providers[1].lerner));
    acc.add(m);
  }
  const RunOutcome r = acc.finish(s, sim.state());
  EXPECT_FALSE(r.providers[1].mean_lerner.has_value());
  EXPECT_NEAR(r.providers[0].mean_lerner.value(), 1.0, 1e-15);  // unit cost 0: (1 - 0) / 1
}

// Config errors of market_power, located at the offending value.
std::vector<Diagnostic> problems_of(const std::string& yaml) {
  try {
    load_scenario_text(yaml, "t.yaml");
  } catch (const ConfigError& e) {
    return e.problems();
  }
  return {};
}

TEST(MarketPowerConfig, ZeroUnitCostIsAnError) {
  const auto problems = problems_of(R"(providers:
  - name: A
    price: 1
    unit_cost: 0.5
  - name: B
    price: 1
    unit_cost: 0
labs:
  count: 10
  tiers:
    - name: t
      fraction: 1
pricing:
  rule: market_power
)");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].str(),
            "t.yaml:7:16: providers[1].unit_cost: must be > 0 with pricing.rule market_power "
            "(no finite best-response price at zero cost) (got 0)");
}

TEST(MarketPowerConfig, SpeedAboveOneIsAnErrorAndValidConfigsLoad) {
  const std::string base = R"(providers:
  - name: A
    price: 1
    unit_cost: 0.5
labs:
  count: 10
  tiers:
    - name: t
      fraction: 1
pricing:
  rule: market_power
)";
  EXPECT_TRUE(problems_of(base + "  speed: 1\n").empty());
  const auto problems = problems_of(base + "  speed: 1.5\n");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].str(),
            "t.yaml:12:10: pricing.speed: must be <= 1 with pricing.rule market_power (got 1.5)");
  // The same speed under the utilisation rule is fine.
  std::string utilisation = base + "  speed: 1.5\n";
  utilisation.replace(utilisation.find("market_power"), 12, "utilisation");
  EXPECT_TRUE(problems_of(utilisation).empty());
}

}  // namespace
}  // namespace cw
