// Each row kernel (sim/core/rules/row_kernels.hpp: rows of up to 32
// providers) against the general loop it stands in for, on random states:
// the same rule is run on two copies of one state, once as built and once
// with detail::general_loops_only set (every rule then takes its general
// loop, the path of P > 32, of credits and of partners_first rationing),
// and every array the rule writes must be the same bits. The kernels are
// promised to give the same bits (docs/PERFORMANCE.md, docs/BUILD.md); the
// general loop is the independent reference here.
//
// The states are drawn from a fixed-seed generator (no statistics: any
// difference is a failure). P runs over 1, 3, 6, 17, 31, 32 (kernels) and
// 33, 40 (no kernel: both copies take the general loop, and the test checks
// that the dispatch says so).
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "core/graph.hpp"
#include "core/rules.hpp"
#include "core/rules/row_kernels.hpp"
#include "core/state.hpp"
#include "fixtures.hpp"

namespace cw {
namespace {

const std::size_t kProviderCounts[] = {1, 3, 6, 17, 31, 32, 33, 40};

// Sets detail::general_loops_only for its lifetime.
struct GeneralLoopsOnly {
  GeneralLoopsOnly() { detail::general_loops_only = true; }
  ~GeneralLoopsOnly() { detail::general_loops_only = false; }
  GeneralLoopsOnly(const GeneralLoopsOnly&) = delete;
  GeneralLoopsOnly& operator=(const GeneralLoopsOnly&) = delete;
};

// splitmix64: a fixed, portable stream of test inputs.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : s_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (s_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  bool chance(double p) { return uniform() < p; }
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }

 private:
  std::uint64_t s_;
};

struct Variant {
  bool outside = true;
  bool affinity = false;
  bool all_options = true;  // max_providers = P (else random 1..P per lab)
  bool weighted_graph = false;
  bool uniform_prestige = false;
  NetworkEffectForm form = NetworkEffectForm::share_power;
};

Scenario random_scenario(std::size_t P, const Variant& v) {
  Scenario s = test::tiny(P, 300);
  s.seed = 20240 + static_cast<std::int64_t>(P);
  s.outside.enabled = v.outside;
  s.outside.utility = -0.4;
  s.network.generator = GraphGenerator::barabasi_albert;
  s.network.m = 3;
  s.lock_in.weight = 0.7;
  s.lock_in.decay = 0.1;
  s.network_effect.form = v.form;
  s.network_effect.delta = 0.8;
  s.network_effect.eta = 1.5;
  s.network_effect.r = -0.01;
  s.choice.tau = 0.6;
  s.choice.partial_adjustment = 0.35;
  s.metrics.usage_threshold = 0.05;
  s.narrative.enabled = true;
  s.narrative.lambda = 0.3;
  s.narrative.w_exp = 0.4;
  s.narrative.experience_threshold = 0.05;
  s.labs.tiers[0].max_providers = static_cast<std::int64_t>(P);
  s.labs.tiers[0].renewal = Dist::fixed_at(1);
  return s;
}

// A state of `P` providers and 300 labs with random allocations (some
// entries exactly 0, some below the usage threshold, some labs wholly on
// the outside option), lock-in stocks, opinions, demands (some exactly 0),
// per-lab preferences, prices, qualities, reputations, egress fees,
// capacities (some binding) and one provider out of the market.
State random_state(const Scenario& s, const Variant& v, std::uint64_t seed) {
  Rng rng(seed);
  State st = init_state(s);
  const std::size_t P = st.P;
  LabState& L = st.labs;
  for (std::size_t l = 0; l < L.n; ++l) {
    L.demand[l] = rng.chance(0.05) ? 0.0 : std::exp(rng.uniform(-2, 2));
    L.alpha.set(l, rng.uniform(0.5, 3));
    L.beta.set(l, rng.uniform(0, 2));
    L.gamma.set(l, rng.uniform(0, 1));
    L.w_own.set(l, rng.uniform(0, 1));
    if (!v.uniform_prestige) L.prestige.set(l, rng.uniform(0, 5));
    if (!v.all_options) L.max_providers.set(l, static_cast<std::int32_t>(1 + rng.below(P)));
    L.fresh[l] = rng.chance(0.1) ? 1 : 0;
    double* x = L.x.row(l);
    std::fill(x, x + L.x.stride, 0.0);
    double sum = 0;
    const bool outside_only = v.outside && rng.chance(0.05);
    for (std::size_t p = 0; p < P; ++p) {
      if (outside_only || rng.chance(0.3)) continue;
      x[p] = rng.chance(0.1) ? rng.uniform(0, 0.05) : rng.uniform();
      sum += x[p];
    }
    if (v.outside) {
      x[P] = outside_only ? 1.0 : rng.uniform(0, 0.5);
      sum += x[P];
    }
    if (sum == 0) {
      x[rng.below(P)] = 1.0;
      sum = 1.0;
    }
    for (std::size_t p = 0; p <= P; ++p) x[p] /= sum;
    for (std::size_t p = 0; p < P; ++p) {
      L.lock.at(l, p) = rng.chance(0.3) ? 0.0 : rng.uniform(0, 3);
      L.opinion.at(l, p) = rng.uniform(-1, 1);
    }
  }
  if (v.affinity) {
    L.affinity.materialise(L.n);
    for (std::size_t l = 0; l < L.n; ++l) {
      for (std::size_t p = 0; p < P; ++p) L.affinity.at(l, p) = rng.uniform(-1, 1);
    }
  }
  ProviderState& Pv = st.providers;
  for (std::size_t p = 0; p < P; ++p) {
    Pv.price[p] = rng.uniform(0.5, 2);
    Pv.log_price[p] = std::log(Pv.price[p]);
    Pv.quality[p] = rng.uniform(0, 1);
    Pv.reputation[p] = rng.uniform(-1, 1);
    Pv.egress_fee[p] = rng.chance(0.5) ? 0.0 : rng.uniform(0, 0.5);
    Pv.lock_in_rate[p] = rng.uniform(0, 0.2);
    Pv.pseudo_count[p] = rng.uniform(0.5, 5);
  }
  // Capacities around the requested volumes: about half of them bind, and
  // provider 0's always does.
  for (std::size_t p = 0; p < P; ++p) {
    double requested = 0;
    for (std::size_t l = 0; l < L.n; ++l) requested += L.demand[l] * L.x.at(l, p);
    Pv.capacity[p] = (p == 0 ? 0.8 : rng.uniform(0.5, 1.5)) * requested;
  }
  if (P >= 3) Pv.active[rng.below(P)] = 0;
  if (v.weighted_graph) {
    std::vector<CsrEdge> edges;
    for (std::size_t l = 0; l < L.n; ++l) {
      const std::size_t degree = rng.below(6);  // some labs hear no one
      for (std::size_t k = 0; k < degree; ++k) {
        edges.push_back({static_cast<std::uint32_t>(l), static_cast<std::uint32_t>(rng.below(L.n)),
                         rng.uniform(0.1, 3)});
      }
    }
    st.influence = csr_from_edges(L.n, edges);
  }
  return st;
}

// The bits of two arrays of doubles agree (NaN payloads and signed zeros
// included); reports the first difference.
::testing::AssertionResult same_bits(const char* what, const double* a, const double* b,
                                     std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    if (std::bit_cast<std::uint64_t>(a[i]) != std::bit_cast<std::uint64_t>(b[i])) {
      return ::testing::AssertionFailure() << what << "[" << i << "]: kernel " << a[i]
                                           << ", general " << b[i] << " (bits differ)";
    }
  }
  return ::testing::AssertionSuccess();
}
template <class V>
::testing::AssertionResult same_bits(const char* what, const V& a, const V& b) {
  if (a.size() != b.size()) return ::testing::AssertionFailure() << what << ": sizes differ";
  return same_bits(what, a.data(), b.data(), a.size());
}

std::string label(std::size_t P, int variant) {
  return "P = " + std::to_string(P) + ", variant " + std::to_string(variant);
}

TEST(Kernels, DispatchHasAKernelForEveryRowOfUpTo32Providers) {
  for (const std::size_t P : kProviderCounts) {
    const State st = init_state(test::tiny(P, 2));
    EXPECT_EQ(has_row_kernel(st.pstride), P <= 32) << P;
    bool called = false;
    EXPECT_EQ(with_row_length(st.pstride, [&]<std::size_t S>() { called = S == st.pstride; }),
              P <= 32)
        << P;
    EXPECT_EQ(called, P <= 32) << P;
    GeneralLoopsOnly general;
    EXPECT_FALSE(has_row_kernel(st.pstride)) << P;
    EXPECT_FALSE(with_row_length(st.pstride, [&]<std::size_t>() {})) << P;
  }
}

// network_effect: installed_base<S> against the loop over labs, for each form.
TEST(Kernels, InstalledBaseEqualsTheGeneralLoop) {
  for (const std::size_t P : kProviderCounts) {
    int variant = 0;
    for (const auto form : {NetworkEffectForm::share_power, NetworkEffectForm::log_count,
                            NetworkEffectForm::linear_count}) {
      Variant v;
      v.form = form;
      const Scenario s = random_scenario(P, v);
      const State st = random_state(s, v, 100 + P);
      std::vector<double> kernel(P), general(P);
      network_effect(s, st, kernel.data());
      {
        GeneralLoopsOnly g;
        network_effect(s, st, general.data());
      }
      EXPECT_TRUE(same_bits("G", kernel, general)) << label(P, variant);
      ++variant;
    }
  }
}

// rule_choice: utilities_row<S> (the kernel) against lab_utilities() (the
// general path). The utilities are not kept, so they are compared through
// what the rule does with them: the new allocations (logit with every
// provider an option, or the top k by utility) bit for bit, and the usage
// bits, main providers and switches that follow.
// Variant 4 gives a third of the labs credits (ln(1 - c) in their log
// prices).
TEST(Kernels, ChoiceUtilitiesRowEqualsLabUtilities) {
  std::vector<Variant> variants(5);
  variants[1].outside = false;
  variants[2].affinity = true;
  variants[3].all_options = false;
  variants[3].form = NetworkEffectForm::log_count;
  for (const std::size_t P : kProviderCounts) {
    for (std::size_t i = 0; i < variants.size(); ++i) {
      const Variant& v = variants[i];
      const Scenario s = random_scenario(P, v);
      State a = random_state(s, v, 200 + 10 * P + i);
      if (i == 4) {
        Rng rng(600 + P);
        a.labs.credit.materialise(a.labs.n);
        for (std::size_t l = 0; l < a.labs.n; l += 3)
          a.labs.credit.at(l, rng.below(P)) = rng.uniform(0, 0.6);
        a.handoff.any_credit = true;
      }
      State b = a;
      StepCounters ca, cb;
      rule_choice(s, a, ca);
      {
        GeneralLoopsOnly g;
        rule_choice(s, b, cb);
      }
      EXPECT_TRUE(same_bits("x", a.labs.x.data, b.labs.x.data)) << label(P, static_cast<int>(i));
      EXPECT_EQ(a.labs.main_provider, b.labs.main_provider) << label(P, static_cast<int>(i));
      EXPECT_EQ(ca.switches, cb.switches) << label(P, static_cast<int>(i));
      // The comparison is not vacuous: the rule moved the allocations (a
      // single provider without the outside option leaves x = 1).
      const State before = random_state(s, v, 200 + 10 * P + i);
      if (P > 1 || v.outside) {
        EXPECT_FALSE(same_bits("x", a.labs.x.data, before.labs.x.data))
            << label(P, static_cast<int>(i));
      }
    }
  }
}

// every_lab_utilities() (the row kernel for every row length that has one;
// courting and the market-power markups use it) against lab_utilities()
// row by row, bit for bit, with and without credits (ln(1 - c) in the log
// prices of a third of the labs).
TEST(Kernels, EveryLabUtilitiesEqualsLabUtilities) {
  for (const std::size_t P : kProviderCounts) {
    for (int credits = 0; credits < 2; ++credits) {
      Variant v;
      v.affinity = true;
      const Scenario s = random_scenario(P, v);
      State st = random_state(s, v, 800 + 10 * P + static_cast<std::size_t>(credits));
      if (credits) {
        Rng rng(850 + P);
        st.labs.credit.materialise(st.labs.n);
        for (std::size_t l = 0; l < st.labs.n; l += 3) {
          st.labs.credit.at(l, rng.below(P)) = rng.uniform(0, 0.6);
        }
      }
      std::array<double, kMaxProviders> G{};
      network_effect(s, st, G.data());
      Rows rows;
      rows.stride = st.stride;
      rows.data.assign(st.labs.n * st.stride, 0.0);
      every_lab_utilities(s, st, G.data(), rows);
      std::vector<double> u(st.stride + 1);
      std::size_t credited = 0;
      for (std::size_t l = 0; l < st.labs.n; ++l) {
        lab_utilities(s, st, l, G.data(), u.data());
        EXPECT_TRUE(same_bits("u", rows.row(l), u.data(), P + 1))
            << label(P, credits) << " lab " << l;
        for (std::size_t p = 0; p < P && credits; ++p) credited += st.labs.credit.at(l, p) > 0;
      }
      if (credits) {
        EXPECT_GT(credited, 0u) << label(P, credits);
      }
    }
  }
}

// The choice rule takes a chooser's utilities from courting's rows of the
// same step (State::Handoff::utilities_step) but for the labs whose credit
// a deal changed since (utilities_stale). Against the choice with the rows
// computed afresh, through the kernels and through the general loops, bit
// for bit: after courting by two providers (revenue and narrative, up to
// ten offers each) on random states with credits, with utility noise on
// (every chooser's P + 1 normals) and the outside option.
TEST(Kernels, ChoiceOnCourtingsRowsEqualsChoiceComputingThem) {
  std::size_t deals = 0;
  for (const std::size_t P : kProviderCounts) {
    Variant v;
    v.affinity = true;
    Scenario s = random_scenario(P, v);
    s.choice.noise = 0.3;
    for (std::size_t q = 0; q < std::min<std::size_t>(P, 2); ++q) {
      InvestmentParams& inv = s.providers[q].investment;
      inv.policy = q == 0 ? InvestmentPolicy::revenue : InvestmentPolicy::narrative;
      inv.budget = inv.budget_cap = 1e6;
      inv.max_credit = 0.9;
      inv.max_offers = 10;
    }
    State a = random_state(s, v, 900 + P);
    Rng rng(950 + P);
    a.labs.credit.materialise(a.labs.n);
    for (std::size_t l = 0; l < a.labs.n; l += 4) {
      a.labs.credit.at(l, rng.below(P)) = rng.uniform(0, 0.6);
    }
    StepCounters c;
    rule_courting(s, a, c);
    EXPECT_EQ(a.handoff.utilities_step, a.step) << label(P, 0);  // the rows are handed over
    deals += a.handoff.utilities_stale.size();
    State fresh = a, general = a;
    fresh.handoff.utilities_step = -1;
    general.handoff.utilities_step = -1;
    StepCounters ca, cf, cg;
    rule_choice(s, a, ca);
    rule_choice(s, fresh, cf);
    {
      GeneralLoopsOnly g;
      rule_choice(s, general, cg);
    }
    EXPECT_TRUE(same_bits("x", a.labs.x.data, fresh.labs.x.data)) << label(P, 0);
    EXPECT_TRUE(same_bits("x", a.labs.x.data, general.labs.x.data)) << label(P, 0);
  }
  EXPECT_GT(deals, 0u);  // some rows were stale and recomputed
}

// Runs rule_capacity on `a` (the kernels where the row length has one) and
// on a copy through the general loops, and compares what the rule writes,
// bit for bit: requested and served volumes, credits given, lock-in stocks,
// spends, the lab totals (read for providers 0..P-1 only: beyond P they
// differ, since with P odd the kernel's last column is the outside option's
// x, summed into entry P, where the general loop leaves 0), the fill rates,
// each deal's served volume and the step's counters. Returns a's counters.
StepCounters expect_capacity_paths_agree(const Scenario& s, State& a, const std::string& where) {
  const std::size_t P = a.P;
  State b = a;
  StepCounters ca, cb;
  rule_capacity(s, a, ca);
  {
    GeneralLoopsOnly g;
    rule_capacity(s, b, cb);
  }
  EXPECT_TRUE(same_bits("requested", a.providers.requested, b.providers.requested)) << where;
  EXPECT_TRUE(same_bits("served", a.providers.served, b.providers.served)) << where;
  EXPECT_TRUE(same_bits("credits_given", a.providers.credits_given, b.providers.credits_given))
      << where;
  EXPECT_TRUE(same_bits("lock", a.labs.lock.data, b.labs.lock.data)) << where;
  EXPECT_TRUE(same_bits("spend", a.labs.spend, b.labs.spend)) << where;
  EXPECT_TRUE(same_bits("prestige", &a.handoff.totals.prestige, &b.handoff.totals.prestige, 1))
      << where;
  EXPECT_TRUE(same_bits("prestige_x", a.handoff.totals.prestige_x.data(),
                        b.handoff.totals.prestige_x.data(), P))
      << where;
  EXPECT_TRUE(same_bits("using_count", a.handoff.totals.using_count.data(),
                        b.handoff.totals.using_count.data(), P))
      << where;
  EXPECT_TRUE(same_bits("fill_first", a.handoff.fill_first.data(), b.handoff.fill_first.data(), P))
      << where;
  EXPECT_TRUE(same_bits("fill_other", a.handoff.fill_other.data(), b.handoff.fill_other.data(), P))
      << where;
  EXPECT_EQ(a.deals.size(), b.deals.size()) << where;
  for (std::size_t k = 0; k < std::min(a.deals.size(), b.deals.size()); ++k) {
    EXPECT_TRUE(same_bits("deal served", &a.deals[k].served, &b.deals[k].served, 1)) << where;
  }
  EXPECT_TRUE(same_bits("counters.requested", &ca.requested, &cb.requested, 1)) << where;
  EXPECT_TRUE(same_bits("counters.unserved", &ca.unserved, &cb.unserved, 1)) << where;
  return ca;
}

// rule_capacity: requested_rows<S> and serve_rows<S> (pro rata without
// credits) against the general loops: requested and served volumes, lock-in
// stocks, spends, the lab totals and the step's counters.
TEST(Kernels, CapacityProRataKernelsEqualTheGeneralLoops) {
  for (const std::size_t P : kProviderCounts) {
    for (int i = 0; i < 2; ++i) {
      Variant v;
      v.uniform_prestige = i == 1;
      const Scenario s = random_scenario(P, v);
      State a = random_state(s, v, 300 + 10 * P + static_cast<std::size_t>(i));
      const std::string where = label(P, i);
      const StepCounters ca = expect_capacity_paths_agree(s, a, where);
      // Some capacity binds, so the fill rates below 1 are exercised.
      EXPECT_GT(ca.unserved, 0.0) << where;
    }
  }
}

// rule_capacity with labs served first and credits: the kernels with a
// per-lab mask of the providers serving it first, and the credits given,
// against the general loops; under partners_first rationing (every deal)
// and pro rata (only deals with priority capacity), with and without
// credits. Also each deal's served volume.
TEST(Kernels, CapacityPartnersAndCreditsKernelsEqualTheGeneralLoops) {
  for (const std::size_t P : kProviderCounts) {
    for (int i = 0; i < 4; ++i) {
      const bool partners_first = i % 2 == 0, credits = i >= 2;
      Variant v;
      Scenario s = random_scenario(P, v);
      s.capacity.rationing =
          partners_first ? RationingRule::partners_first : RationingRule::pro_rata;
      State a = random_state(s, v, 700 + 10 * P + static_cast<std::size_t>(i));
      Rng rng(900 + P + static_cast<std::size_t>(i));
      LabState& L = a.labs;
      if (credits) L.credit.materialise(L.n);
      a.handoff.any_credit = credits;
      // Deals with about a fifth of the labs, some with two providers.
      for (std::size_t l = 0; l < L.n; ++l) {
        for (int k = 0; k < 2 && rng.chance(0.2); ++k) {
          Deal d;
          d.provider = rng.below(P);
          d.lab = L.id[l];
          d.priority = rng.chance(0.5);
          a.deals.push_back(d);
          if (credits) L.credit.at(l, d.provider) = rng.uniform(0, 0.5);
        }
      }
      const std::string where = label(P, i);
      expect_capacity_paths_agree(s, a, where);
      // The paths under test were taken: some lab is served first, and
      // with credits some credit was given.
      EXPECT_FALSE(a.handoff.served_first.empty()) << where;
      if (credits) {
        double given = 0;
        for (std::size_t p = 0; p < P; ++p) given += a.providers.credits_given[p];
        EXPECT_GT(given, 0.0) << where;
      }
    }
  }
}

// rule_narrative: update_opinions<S> (gather_fixed, lanes of 2 or 4) against
// update_opinions_any (gather), with unit weights (1/degree) and with own
// edge weights, with partners served first (their own experience); then
// the labs that walk out and the reputations that the opinions feed.
TEST(Kernels, OpinionKernelEqualsTheGeneralUpdate) {
  for (const std::size_t P : kProviderCounts) {
    for (int i = 0; i < 2; ++i) {
      Variant v;
      v.weighted_graph = i == 1;
      Scenario s = random_scenario(P, v);
      // Partners served first (their own experience of their provider) and
      // walking out (found in the same pass as the update).
      s.capacity.rationing = RationingRule::partners_first;
      s.narrative.storm_dependence = 0.05;
      s.narrative.storm_opinion = -0.2;
      State a = random_state(s, v, 400 + 10 * P + static_cast<std::size_t>(i));
      ASSERT_EQ(a.influence.unit(), !v.weighted_graph);
      Rng rng(500 + P);
      for (std::size_t l = 0; l < a.labs.n; l += 1 + rng.below(12)) {
        Deal d;
        d.provider = rng.below(P);
        d.lab = a.labs.id[l];
        d.credit_end = d.exclusive_end = 100;
        a.deals.push_back(d);
        if (P > 1 && rng.chance(0.3)) {  // a second provider for the same lab
          d.provider = (d.provider + 1) % P;
          a.deals.push_back(d);
        }
      }
      // The capacity rule first: sat uses its fill rates and it leaves the
      // lab totals the narrative rule reads (taken by the same path in both).
      StepCounters c0;
      rule_capacity(s, a, c0);
      ASSERT_FALSE(a.handoff.served_first.empty());
      State b = a;
      StepCounters ca, cb;
      rule_narrative(s, a, ca);
      {
        GeneralLoopsOnly g;
        rule_narrative(s, b, cb);
      }
      const std::string where = label(P, i);
      EXPECT_TRUE(same_bits("opinion", a.labs.opinion.data, b.labs.opinion.data)) << where;
      EXPECT_TRUE(same_bits("reputation", a.providers.reputation, b.providers.reputation)) << where;
      EXPECT_EQ(ca.statements, cb.statements) << where;
      EXPECT_EQ(a.labs.reevaluate, b.labs.reevaluate) << where;
      // Some labs walk out and some do not, so the comparison can fail.
      const auto walked = std::count_if(a.labs.reevaluate.begin(), a.labs.reevaluate.end(),
                                        [](std::uint8_t f) { return (f & kWalkOut) != 0; });
      EXPECT_GT(walked, 0) << where;
      EXPECT_LT(walked, static_cast<std::ptrdiff_t>(a.labs.n)) << where;
    }
  }
}

}  // namespace
}  // namespace cw
