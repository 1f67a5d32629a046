// Whole runs: accounting invariants at every step of the default scenario,
// determinism, and the outcome definitions on a run whose story is known.
#include "core/engine.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "config/yaml_reader.hpp"
#include "fixtures.hpp"

namespace cw {
namespace {

// Asserts SPEC §5 "Accounting" after every step.
class InvariantObserver final : public Observer {
 public:
  void on_step(const Scenario& s, const State& st, const StepMetrics& m) override {
    ++steps;
    const LabState& L = st.labs;
    const std::size_t P = st.P;
    double spend = 0;
    for (std::size_t l = 0; l < L.n; ++l) {
      double total = 0;
      for (std::size_t p = 0; p <= P; ++p) {
        const double x = L.x.at(l, p);
        ASSERT_GE(x, 0.0) << "step " << m.step << " lab " << l;
        total += x;
      }
      for (std::size_t p = P + 1; p < st.stride; ++p) ASSERT_EQ(L.x.at(l, p), 0.0);
      // Allocations, the outside option included, sum to 1.
      ASSERT_NEAR(total, 1.0, 1e-12) << "step " << m.step << " lab " << l;
      spend += L.spend[l];
    }
    double share_total = 0;
    for (std::size_t p = 0; p < P; ++p) {
      const auto& r = m.providers[p];
      // Served never exceeds capacity (up to rounding of the pro-rata sum).
      ASSERT_LE(r.served, r.capacity * (1 + 1e-12)) << s.providers[p].name << " " << m.step;
      ASSERT_LE(r.served, r.requested * (1 + 1e-12));
      // Revenue = price x served - credits + background; the credits are
      // the discounts of this step's deals: between 0 and what was billed.
      ASSERT_GE(r.credits, 0.0);
      ASSERT_LE(r.credits, r.price * r.served * (1 + 1e-12));
      ASSERT_NEAR(r.revenue, r.price * r.served - r.credits + st.providers.background[p],
                  1e-12 * (1 + r.revenue));
      share_total += r.compute_share;
    }
    // What the labs spent is what the providers were paid before credits.
    double paid = 0;
    for (std::size_t p = 0; p < P; ++p) paid += m.providers[p].price * m.providers[p].served;
    ASSERT_NEAR(spend, paid, 1e-12 * (1 + paid));
    if (share_total > 0) {
      ASSERT_NEAR(share_total, 1.0, 1e-12);
    }
    ASSERT_GE(m.hhi, 0.0);
    ASSERT_LE(m.hhi, 10000.0 + 1e-9);
  }
  int steps = 0;
};

TEST(Engine, AccountingInvariantsHoldAtEveryStepOfTheDefaultRun) {
  const Scenario s = load_scenario(CW_SOURCE_DIR "/configs/default.yaml");
  InvariantObserver obs;
  run_scenario(s, &obs);
  EXPECT_EQ(obs.steps, s.steps);
}

TEST(Engine, SameConfigAndSeedGiveTheSameRun) {
  const Scenario s = load_scenario(CW_SOURCE_DIR "/configs/default.yaml");
  const RunOutcome a = run_scenario(s);
  const RunOutcome b = run_scenario(s);
  EXPECT_EQ(a.hhi_mean, b.hhi_mean);
  EXPECT_EQ(a.switches, b.switches);
  for (std::size_t p = 0; p < a.providers.size(); ++p) {
    EXPECT_EQ(a.providers[p].revenue, b.providers[p].revenue);
  }
  Scenario other = s;
  other.seed = s.seed + 1;
  EXPECT_NE(run_scenario(other).hhi_mean, a.hhi_mean);
}

// One provider far better than the other under argmax: every lab moves to
// it at step 0 and stays. Then HHI is 10000 from step 0, the run tips at
// step 0, the leader never changes, every lab single-homes.
TEST(Outcomes, AMonopolyFromTheStart) {
  Scenario s = test::tiny(2, 20);
  s.providers[0].quality = 1.0;
  s.providers[1].quality = 0.0;
  s.choice.allocation = AllocationRule::argmax;
  s.metrics.tipping_window = 5;
  const RunOutcome r = run_scenario(s);
  EXPECT_EQ(r.hhi_final, 10000.0);
  EXPECT_EQ(r.hhi_mean, 10000.0);
  EXPECT_TRUE(r.tipped);
  EXPECT_EQ(r.tipping_step, 0);
  EXPECT_EQ(r.leader, 0);
  EXPECT_EQ(r.leader_share, 1.0);
  EXPECT_EQ(r.leader_changes, 0);
  EXPECT_EQ(r.single_homing_fraction, 1.0);
  EXPECT_EQ(r.unmet_demand_fraction, 0.0);
  EXPECT_EQ(r.mean_effective_price, 1.0);
}

// The lock-in ratio weighs each paying lab's stock / spend by its spend, so
// it is the paying labs' stock over their spend. Every lab is on P0 from step
// 0 (argmax), kappa = 0.5, no decay, 4 steps; demand grows from step 1 on, so
// a flat lab (d = 1) ends with stock 0.5 (1 + 1 + 1 + 1) = 2 and spend 1, and
// a lab doubling each step with stock 0.5 (1 + 2 + 4 + 8) = 7.5 and spend 8
// (price cancels: stock and spend are both valued at P0's last price). Ten
// of each: (10 · 2 + 10 · 7.5) / (10 · 1 + 10 · 8) = 19/18, where the mean of
// the per-lab ratios, (2 + 0.9375) / 2, would be 1.46875.
TEST(Outcomes, LockInRatioIsTheStockOverTheSpendOfPayingLabs) {
  Scenario s = test::tiny(2, 20);
  s.steps = 4;
  s.providers[0].quality = 1.0;
  s.providers[1].quality = 0.0;
  s.providers[0].lock_in_rate = 0.5;
  s.choice.allocation = AllocationRule::argmax;
  s.labs.tiers[0].fraction = 0.5;
  TierParams doubling = s.labs.tiers[0];
  doubling.name = "doubling";
  doubling.growth = Dist::fixed_at(std::log(2.0));
  s.labs.tiers.push_back(doubling);
  const RunOutcome r = run_scenario(s);
  EXPECT_EQ(r.leader_share, 1.0);
  EXPECT_NEAR(r.lock_in_ratio, 19.0 / 18.0, 1e-12);
}

// Two identical providers and uniform allocations that never change: the
// shares stay at one half, so a 0.6 threshold is never reached (censored).
TEST(Outcomes, ASplitMarketNeverTips) {
  Scenario s = test::tiny(2, 10);
  s.labs.tiers[0].renewal = Dist::fixed_at(0);
  s.metrics.tipping_threshold = 0.6;
  const RunOutcome r = run_scenario(s);
  EXPECT_FALSE(r.tipped);
  EXPECT_FALSE(r.tipping_step.has_value());
  EXPECT_DOUBLE_EQ(r.hhi_final, 5000.0);
  EXPECT_EQ(r.single_homing_fraction, 0.0);
}

// Tipping needs W consecutive steps: a run that reaches the threshold only in
// its last W-1 steps is censored.
TEST(Outcomes, TippingIsCensoredAtTheHorizon) {
  Scenario s = test::tiny(2, 20);
  s.providers[0].quality = 1.0;
  s.providers[1].quality = 0.0;
  s.choice.allocation = AllocationRule::argmax;
  s.steps = 4;
  s.metrics.tipping_window = 5;
  EXPECT_FALSE(run_scenario(s).tipped);
  s.steps = 5;
  EXPECT_EQ(run_scenario(s).tipping_step, 0);
}

// Rationing by hand: 10 labs of demand 1 on a provider with capacity 4.
TEST(Outcomes, UnmetDemandFraction) {
  Scenario s = test::tiny(1, 10);
  s.providers[0].capacity = 4.0;
  const RunOutcome r = run_scenario(s);
  EXPECT_DOUBLE_EQ(r.unmet_demand_fraction, 0.6);
}

}  // namespace
}  // namespace cw

namespace cw {
namespace {

// The edge list names labs by name or initial index (named labs first); a
// relative file is found beside the scenario; undirected unless `directed`.
TEST(Network, EdgeListFileBuildsTheInfluenceGraph) {
  const Scenario s = load_scenario(CW_SOURCE_DIR "/tests/data/network/scenario.yaml");
  ASSERT_EQ(s.network.edges.size(), 3u);
  EXPECT_EQ(s.network.edges[0].a, 0u);  // Famous is initial index 0
  EXPECT_EQ(s.network.edges[0].b, 2u);
  EXPECT_EQ(s.network.edges[1].weight, 2.5);
  const State st = init_state(s);
  EXPECT_EQ(market_graph(st, s.metrics.usage_threshold).edges(EdgeKind::influence), 6u);
  // Famous listens to labs 2 and 3 with weights 1 and 2.5, row-normalised.
  ASSERT_EQ(st.influence.degree(0), 2u);
  EXPECT_DOUBLE_EQ(st.influence.w[0] + st.influence.w[1], 1.0);
  EXPECT_DOUBLE_EQ(std::max(st.influence.w[0], st.influence.w[1]), 2.5 / 3.5);
}

TEST(Network, EdgeListErrorsNameTheFileAndLine) {
  const std::string dir = std::string(CW_SOURCE_DIR) + "/tests/data/network";
  Scenario s = load_scenario(dir + "/scenario.yaml");
  s.network.file = dir + "/scenario.yaml";  // not an edge list
  try {
    load_network_file(s);
    FAIL();
  } catch (const ConfigError& e) {
    ASSERT_FALSE(e.problems().empty());
    EXPECT_EQ(e.problems()[0].file, s.network.file);
    EXPECT_EQ(e.problems()[0].line, 1);
    EXPECT_EQ(e.problems()[0].path, "network.file");
  }
}

}  // namespace
}  // namespace cw
