// SPEC §5: the model reduces to classic results. Each test runs a config of
// configs/validation/ through the real engine (in process) and compares it
// with a value derived independently (docs/VALIDATION.md gives each
// derivation). Each reduction also has a *MisSet* test: the same check on a
// deliberately mis-set copy of the config must fail, which shows that the
// check can fail.
//
// Statistical tests use fixed seeds (run r has seed 1000 + r unless said),
// so their outcome is deterministic; the false-failure rate stated with
// each is the probability that a correct model would fail the test for a
// random choice of seeds: the significance level of the test.
// Every run of this file is watched by AccountingObserver (SPEC §5
// "Accounting") at every step.
//
// ctest label `validation`; scripts/test leaves them out of the ASan run.
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <algorithm>
#include <boost/math/distributions/beta.hpp>
#include <boost/math/distributions/normal.hpp>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <numeric>
#include <string>
#include <vector>

#include "config/yaml_reader.hpp"
#include "core/engine.hpp"
#include "core/param_path.hpp"
#include "invariants.hpp"

namespace cw {
namespace {

const std::string kDir = CW_SOURCE_DIR "/configs/validation/";

Scenario config(const std::string& file) { return load_scenario(kDir + file); }

// Sets parameters and re-checks the scenario as a whole.
Scenario with(Scenario s, const std::vector<std::pair<std::string, std::string>>& sets) {
  for (const auto& [path, value] : sets) set_parameter(s, path, value);
  std::vector<Problem> problems;
  if (!check_scenario(s, problems)) {
    ADD_FAILURE() << "the mis-set scenario does not pass check_scenario: "
                  << problems.front().message;
  }
  return s;
}

// One run with the accounting invariants checked at every step; `each`
// sees every step, `end` the final state.
using StepFn = std::function<void(const State&, const StepMetrics&)>;
void run_checked(const Scenario& s, const StepFn& each = {},
                 const std::function<void(const State&)>& end = {}) {
  struct Obs final : test::AccountingObserver {
    const StepFn* each = nullptr;
    void on_step(const Scenario& sc, const State& st, const StepMetrics& m) override {
      AccountingObserver::on_step(sc, st, m);
      if (*each) (*each)(st, m);
    }
  } obs;
  obs.each = &each;
  Simulation sim(s);
  sim.run(&obs);
  ASSERT_EQ(obs.steps, s.steps);
  ASSERT_EQ(obs.problem, "") << s.name << " seed " << s.seed;
  if (end) end(sim.state());
}

// Installed labs on provider p, n_p = sum_l x_lp (fractional under
// multi-homing logit).
double installed(const State& st, std::size_t p) {
  double n = 0;
  for (std::size_t l = 0; l < st.labs.n; ++l) n += st.labs.x.at(l, p);
  return n;
}

// Labs whose allocation is wholly on provider p.
double labs_on(const State& st, std::size_t p) {
  double n = 0;
  for (std::size_t l = 0; l < st.labs.n; ++l) n += st.labs.x.at(l, p) == 1.0 ? 1 : 0;
  return n;
}

// Two-sided standard-normal critical value at significance level a.
double z_crit(double a) {
  return boost::math::quantile(boost::math::complement(boost::math::normal(), a / 2));
}

// The one-sample Kolmogorov-Smirnov statistic of `x` against the CDF F, and
// its critical value at level a (asymptotic Kolmogorov distribution with
// Stephens' small-sample correction: D (sqrt(n) + 0.12 + 0.11/sqrt(n))).
struct Ks {
  double d = 0, crit = 0;
  bool pass() const { return d <= crit; }
};
Ks ks_test(std::vector<double> x, const std::function<double(double)>& F, double a) {
  std::sort(x.begin(), x.end());
  const double n = static_cast<double>(x.size());
  Ks k;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double f = F(x[i]);
    // The empirical CDF jumps at x[i] from i/n to (i+1)/n; ties are stepped
    // over together (the last of a run of equal values is the upper end).
    std::size_t j = i;
    while (j + 1 < x.size() && x[j + 1] == x[i]) ++j;
    k.d = std::max({k.d, f - static_cast<double>(i) / n, static_cast<double>(j + 1) / n - f});
    i = j;
  }
  const double c = std::sqrt(-0.5 * std::log(a / 2));  // P(K > c) ~ a
  k.crit = c / (std::sqrt(n) + 0.12 + 0.11 / std::sqrt(n));
  return k;
}

double mean_of(const std::vector<double>& v) {
  return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

// A number as text, exactly (for set_parameter).
std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

// Prints a simulated value (the numbers of docs/VALIDATION.md come from
// these lines: build/ci/tests/validation_test | grep value) and records it
// in the test's XML properties.
void report(const std::string& key, double v) {
  std::printf("[ value    ] %s = %.6g\n", key.c_str(), v);
  ::testing::Test::RecordProperty(key, num(v));
}
// A mean and its two-sided 95% interval half-width.
void report_mean(const std::string& key, const std::vector<double>& x) {
  const double m = mean_of(x), R = static_cast<double>(x.size());
  double v = 0;
  for (double y : x) v += (y - m) * (y - m);
  report(key + ".mean", m);
  report(key + ".ci95", z_crit(0.05) * std::sqrt(v / (R - 1) / R));
}

// ---------------------------------------------------------------------------
// Pólya urn (configs/validation/polya.yaml, polya-dirichlet.yaml)

// Final share of the labs on each provider, one row per run.
std::vector<std::vector<double>> urn_shares(const Scenario& base, int runs) {
  std::vector<std::vector<double>> out;
  for (int r = 0; r < runs; ++r) {
    Scenario s = base;
    s.seed = 1000 + r;
    run_checked(s, {}, [&](const State& st) {
      std::vector<double> row;
      EXPECT_EQ(st.labs.n, static_cast<std::size_t>(s.steps));  // one arrival per step
      for (std::size_t p = 0; p < st.P; ++p)
        row.push_back(installed(st, p) / static_cast<double>(st.labs.n));
      out.push_back(row);
    });
  }
  return out;
}

// The largest distance between the exact law of n_A / n after n draws,
// Beta-binomial(n, a, b), and its limit Beta(a, b): over x in [k/n, (k+1)/n)
// the first is constant and the second increases, so the sup is at the ends.
double beta_binomial_gap(int n, double a, double b) {
  const boost::math::beta_distribution<> beta(a, b);
  const double lb = std::lgamma(a) + std::lgamma(b) - std::lgamma(a + b);
  double cdf = 0, gap = 0;
  for (int k = 0; k <= n; ++k) {
    cdf += std::exp(std::lgamma(n + 1.0) - std::lgamma(k + 1.0) - std::lgamma(n - k + 1.0) +
                    std::lgamma(k + a) + std::lgamma(n - k + b) - std::lgamma(n + a + b) - lb);
    const double lo = boost::math::cdf(beta, double(k) / n);
    const double hi = k < n ? boost::math::cdf(beta, double(k + 1) / n) : 1.0;
    gap = std::max({gap, std::abs(cdf - lo), std::abs(cdf - hi)});
  }
  return gap;
}

// KS of provider p's final share against the limit law Beta(a, b). The runs
// are n = steps draws, whose exact law G is Beta-binomial; a KS test against
// the discrete G at level `level` is conservative, and
// sup|ECDF - Beta| <= sup|ECDF - G| + sup|G - Beta|, so the critical value
// is the KS one plus the gap of beta_binomial_gap: false failures at most
// `level`.
Ks urn_ks(const std::vector<std::vector<double>>& shares, std::size_t p, double a, double b, int n,
          double level) {
  std::vector<double> x;
  for (const auto& row : shares) x.push_back(row[p]);
  const boost::math::beta_distribution<> beta(a, b);
  Ks k = ks_test(
      x, [&](double v) { return boost::math::cdf(beta, v); }, level);
  k.crit += beta_binomial_gap(n, a, b);
  return k;
}

constexpr int kUrnRuns = 1500;  // KS: critical D about 0.057 at 1e-4, plus the gap

// The two-provider urn with pseudo-counts (1, 2): A's share after 400
// arrivals against Beta(1, 2), 1500 runs. The finite-n law's largest CDF
// distance to Beta(1, 2) at n = 400 is 0.0050 (added to the critical
// value). False-failure rate: at most 1e-4 (KS level, conservative).
TEST(Validation, PolyaShareIsBetaDistributed) {
  const auto shares = urn_shares(config("polya.yaml"), kUrnRuns);
  const Ks k = urn_ks(shares, 0, 1, 2, 400, 1e-4);
  EXPECT_TRUE(k.pass()) << "D = " << k.d << " > " << k.crit;
  report("polya.ks_d", k.d);
  report("polya.ks_crit", k.crit);
  std::vector<double> xa;
  for (const auto& row : shares) xa.push_back(row[0]);
  report_mean("polya.share_A", xa);  // Beta(1, 2) mean 1/3
}

// Mis-set: tau = 2 makes the choice probability (a_p + n_p)^(1/2) / sum,
// decreasing returns, so shares converge to 1/2 and the KS test rejects.
TEST(Validation, PolyaMisSetTauFailsTheKsTest) {
  const auto shares = urn_shares(with(config("polya.yaml"), {{"choice.tau", "2"}}), 300);
  const Ks k = urn_ks(shares, 0, 1, 2, 400, 1e-4);
  EXPECT_FALSE(k.pass()) << "D = " << k.d << " <= " << k.crit;
  report("polya_misset.ks_d", k.d);
  report("polya_misset.ks_crit", k.crit);
}

// The finite-n variance: after n = 20 arrivals, n_A is Beta-binomial(n, a, b)
// with Var(n_A / n) = a b (a + b + n) / (n (a + b)^2 (a + b + 1)) = 0.0639
// for (1, 2) (the limit law's variance is 2/36 = 0.0556). 20000 runs; the
// sample variance is compared with a z-test whose standard error is
// sqrt((m4 - s^4) / R) (asymptotic normality of the sample variance).
// False-failure rate: 1e-4 (two-sided z at 1e-4, asymptotic).
struct VarCheck {
  double var = 0, se = 0;
};
VarCheck urn_variance(const Scenario& s, int runs) {
  std::vector<double> x;
  for (const auto& row : urn_shares(s, runs)) x.push_back(row[0]);
  const double m = mean_of(x);
  double m2 = 0, m4 = 0;
  for (double v : x) {
    m2 += (v - m) * (v - m);
    m4 += std::pow(v - m, 4);
  }
  const double R = static_cast<double>(x.size());
  m2 /= R;
  m4 /= R;
  return {m2 * R / (R - 1), std::sqrt(std::max(m4 - m2 * m2, 0.0) / R)};
}
double beta_binomial_share_var(double n, double a, double b) {
  return a * b * (a + b + n) / (n * (a + b) * (a + b) * (a + b + 1));
}

TEST(Validation, PolyaFiniteNVarianceIsBetaBinomial) {
  const VarCheck v = urn_variance(with(config("polya.yaml"), {{"steps", "20"}}), 20000);
  const double exact = beta_binomial_share_var(20, 1, 2);
  const double limit = 1.0 * 2 / (9 * 4);
  EXPECT_NEAR(v.var, exact, z_crit(1e-4) * v.se) << "se " << v.se;
  report("polya20.var", v.var);
  report("polya20.var_se", v.se);
  // And the test tells the finite-n variance from the limit's (power).
  EXPECT_GT(std::abs(v.var - limit), z_crit(1e-4) * v.se);
}

// Mis-set: `logit` with max_providers 2 gives every lab the fractional
// shares (a_p + n_p) / sum instead of one draw: no randomness, variance 0.
TEST(Validation, PolyaMisSetFractionalLogitFailsTheVariance) {
  const VarCheck v = urn_variance(
      with(config("polya.yaml"), {{"steps", "20"}, {"choice.allocation", "logit"}}), 200);
  EXPECT_GT(std::abs(v.var - beta_binomial_share_var(20, 1, 2)), z_crit(1e-4) * v.se)
      << "var " << v.var;
  report("polya20_logit.var", v.var);
}

// K = 3 providers, pseudo-counts (1, 2, 3): each marginal of Dirichlet(1, 2, 3)
// is Beta(a_p, 6 - a_p) (the finite-n marginal Beta-binomial: its gap is
// added as above); KS for each at 1e-4 / 3 (Bonferroni). And the
// covariance of A's and B's shares against the finite-n Dirichlet-multinomial
// value -a_A a_B (A + n) / (n A^2 (A + 1)) (A = 6, n = 400), z-test at 1e-4
// with the sample standard error of the products.
// False-failure rate: at most 2e-4 (1e-4 for the three KS tests together,
// 1e-4 for the covariance).
TEST(Validation, PolyaDirichletMarginalsAndCovariance) {
  const auto shares = urn_shares(config("polya-dirichlet.yaml"), kUrnRuns);
  const double a[3] = {1, 2, 3};
  for (std::size_t p = 0; p < 3; ++p) {
    const Ks k = urn_ks(shares, p, a[p], 6 - a[p], 400, 1e-4 / 3);
    EXPECT_TRUE(k.pass()) << "provider " << p << ": D = " << k.d << " > " << k.crit;
    report("dirichlet.ks_d." + std::to_string(p), k.d);
    report("dirichlet.ks_crit." + std::to_string(p), k.crit);
  }
  std::vector<double> xa, xb;
  for (const auto& row : shares) {
    xa.push_back(row[0]);
    xb.push_back(row[1]);
  }
  const double ma = mean_of(xa), mb = mean_of(xb);
  std::vector<double> prod;
  for (std::size_t i = 0; i < xa.size(); ++i) prod.push_back((xa[i] - ma) * (xb[i] - mb));
  const double R = static_cast<double>(prod.size());
  const double cov = mean_of(prod) * R / (R - 1);
  double v = 0;
  for (double q : prod) v += (q - cov) * (q - cov);
  const double se = std::sqrt(v / (R - 1) / R);
  const double n = 400;
  const double exact = -a[0] * a[1] * (6 + n) / (n * 36 * 7);
  EXPECT_NEAR(cov, exact, z_crit(1e-4) * se);
  report("dirichlet.cov", cov);
  report("dirichlet.cov_se", se);
}

// Mis-set: C's pseudo-count 1 instead of 3 (the test still expects
// Dirichlet(1, 2, 3)): C's marginal fails its KS test.
TEST(Validation, PolyaDirichletMisSetPseudoCountFailsTheKsTest) {
  const auto shares =
      urn_shares(with(config("polya-dirichlet.yaml"), {{"providers[C].pseudo_count", "1"}}), 300);
  const Ks k = urn_ks(shares, 2, 3, 3, 400, 1e-4 / 3);
  EXPECT_FALSE(k.pass()) << "D = " << k.d << " <= " << k.crit;
  report("dirichlet_misset.ks_d", k.d);
  report("dirichlet_misset.ks_crit", k.crit);
}

// ---------------------------------------------------------------------------
// Arthur (1989) (configs/validation/arthur.yaml)

struct ArthurRun {
  std::vector<int> d;  // n_A - n_B after each arrival
};
std::vector<ArthurRun> arthur_runs(const Scenario& base, int runs) {
  std::vector<ArthurRun> out;
  for (int r = 0; r < runs; ++r) {
    Scenario s = base;
    s.seed = 1000 + r;
    ArthurRun a;
    run_checked(s, [&](const State& st, const StepMetrics&) {
      a.d.push_back(static_cast<int>(labs_on(st, 0) - labs_on(st, 1)));
    });
    out.push_back(std::move(a));
  }
  return out;
}

// Lock-in: the first arrival k (1-based) with |d| = 3, after which every
// arrival joins the leader (|d| grows by one each step). 0: no lock-in.
int lock_in_time(const ArthurRun& a) {
  for (std::size_t k = 0; k < a.d.size(); ++k) {
    if (std::abs(a.d[k]) == 3) {
      for (std::size_t j = k + 1; j < a.d.size(); ++j) {
        if (std::abs(a.d[j]) != std::abs(a.d[j - 1]) + 1) return 0;
      }
      return static_cast<int>(k) + 1;
    }
  }
  return 0;
}

// Gambler's ruin of d on {-3..3} from 0, up-probability p = 0.6
// (docs/VALIDATION.md): A wins with probability (1 - r^3) / (1 - r^6),
// r = q/p = 2/3, and the expected lock-in time is 3/(q-p) - 6/(q-p) P(A).
constexpr double kArthurP = 0.6;
double arthur_win() {
  const double r = (1 - kArthurP) / kArthurP;
  return (1 - std::pow(r, 3)) / (1 - std::pow(r, 6));
}
double arthur_time() {
  const double gap = (1 - kArthurP) - kArthurP;
  return 3 / gap - 6 / gap * arthur_win();
}

constexpr int kArthurRuns = 3000;

// Every run locks in (a property: no false failures; a run that had not
// locked in after 150 arrivals has probability below 1e-10 per run), A
// wins with probability 0.7714 (binomial z-test, 1e-4) and the mean
// lock-in time is 8.143 arrivals (z-test with the sample sd, 1e-4).
// False-failure rate: 2e-4 (asymptotic).
TEST(Validation, ArthurIncreasingReturnsLockIn) {
  const auto runs = arthur_runs(config("arthur.yaml"), kArthurRuns);
  double wins = 0;
  std::vector<double> T;
  for (const auto& a : runs) {
    const int t = lock_in_time(a);
    ASSERT_GT(t, 0) << "a run did not lock in";
    wins += a.d.back() > 0 ? 1 : 0;
    T.push_back(t);
  }
  const double R = static_cast<double>(runs.size());
  const double pw = arthur_win();
  EXPECT_NEAR(wins / R, pw, z_crit(1e-4) * std::sqrt(pw * (1 - pw) / R));
  const double mt = mean_of(T);
  double v = 0;
  for (double t : T) v += (t - mt) * (t - mt);
  EXPECT_NEAR(mt, arthur_time(), z_crit(1e-4) * std::sqrt(v / (R - 1) / R));
  report("arthur.win", wins / R);
  report("arthur.win_se", std::sqrt(pw * (1 - pw) / R));
  report_mean("arthur.T", T);
}

// Mis-set: r = -0.4 (decreasing returns): no run locks in.
TEST(Validation, ArthurMisSetDecreasingReturnsDoNotLockIn) {
  const auto runs = arthur_runs(with(config("arthur.yaml"), {{"network_effect.r", "-0.4"}}), 50);
  int locked = 0;
  for (const auto& a : runs) locked += lock_in_time(a) > 0 ? 1 : 0;
  EXPECT_EQ(locked, 0);
  report("arthur_misset.locked", locked);
}

// Decreasing returns (r = -0.4): |n_A - n_B| <= 3 at every step of every
// run (docs/VALIDATION.md), so both shares are within 3/(2n) of 1/2.
// A property: no false failures.
TEST(Validation, ArthurDecreasingReturnsStaySplit) {
  const auto runs = arthur_runs(with(config("arthur.yaml"), {{"network_effect.r", "-0.4"}}), 300);
  for (const auto& a : runs) {
    for (int d : a.d) ASSERT_LE(std::abs(d), 3);
  }
  double dmax = 0;
  for (const auto& a : runs)
    for (int d : a.d) dmax = std::max(dmax, std::abs(double(d)));
  report("arthur_decreasing.max_abs_d", dmax);
}

// Mis-set: the increasing returns of the shipped config break the bound.
TEST(Validation, ArthurMisSetIncreasingReturnsBreakTheSplit) {
  const auto runs = arthur_runs(config("arthur.yaml"), 20);
  int broken = 0;
  for (const auto& a : runs) {
    broken += std::any_of(a.d.begin(), a.d.end(), [](int d) { return std::abs(d) > 3; });
  }
  EXPECT_EQ(broken, 20);
}

// ---------------------------------------------------------------------------
// Brock-Durlauf mean field (configs/validation/brock-durlauf.yaml)

// The stable mean-field share reached from m = 0 with h > 0: the root of
// m = tanh((h + J m) / (2 tau)) in (0, 1), by bisection (there is exactly
// one there: docs/VALIDATION.md).
double bd_root(double h, double J, double tau) {
  double lo = 0, hi = 1;
  for (int i = 0; i < 200; ++i) {
    const double mid = 0.5 * (lo + hi);
    (std::tanh((h + J * mid) / (2 * tau)) - mid > 0 ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

// m = s_A - s_B at the end of the run, at J = 2 tau x.
double bd_simulated(const Scenario& base, double x) {
  Scenario s = with(base, {{"network_effect.delta", std::to_string(2 * base.choice.tau * x)}});
  double m = 0;
  run_checked(s, [&](const State&, const StepMetrics& sm) {
    m = sm.providers[0].compute_share - sm.providers[1].compute_share;
  });
  return m;
}

const double kBdX[] = {0.25, 0.5, 0.8, 1.25, 1.5, 2.0, 3.0};

// Deterministic (fractional logit shares, no noise): the simulated m equals
// the mean-field root to 1e-9 at every x = J/(2 tau), and the market tips
// (m > 0.5 from a 0.02 utility advantage) exactly when x > 1.
TEST(Validation, BrockDurlaufMeanFieldShareAndTipping) {
  const Scenario base = config("brock-durlauf.yaml");
  const double h = 0.02, tau = 1;
  for (double x : kBdX) {
    const double m = bd_simulated(base, x);
    const double root = bd_root(h, 2 * tau * x, tau);
    EXPECT_NEAR(m, root, 1e-9) << "x = " << x;
    EXPECT_EQ(m > 0.5, x > 1) << "x = " << x << " m = " << m;
    report("bd.m." + std::to_string(x), m);
    report("bd.err." + std::to_string(x), m - root);
  }
}

// Mis-set: eta = 3 (the network effect is the share cubed, not linear):
// the share misses the root. (eta = 2 would not do: with two providers
// s_A^2 - s_B^2 = (s_A - s_B)(s_A + s_B) = m, the same dynamics.)
TEST(Validation, BrockDurlaufMisSetEtaMissesTheRoot) {
  const Scenario base = with(config("brock-durlauf.yaml"), {{"network_effect.eta", "3"}});
  int missed = 0;
  for (double x : kBdX) {
    const double err = bd_simulated(base, x) - bd_root(0.02, 2 * x, 1);
    report("bd_misset.err." + std::to_string(x), err);
    missed += std::abs(err) > 1e-9;
  }
  EXPECT_GE(missed, 5);
}

// The finite population of the original model: every lab draws one
// provider (single-homing logit), so m_{t+1} = 2 Binomial(N, P_A(m_t))/N - 1
// with P_A = 1 / (1 + e^{-(h + J m_t)/tau}). With N = 4000 the time average
// of m over steps 100..299 sits at a stable root of the mean-field
// equation: the one near 0 when J/(2 tau) <= 1; when J/(2 tau) > 1 the
// positive or the negative one, whichever the early draws chose, and
// never near 0. Tolerance per run: 5 sd of the time average of the AR(1)
// linearisation around the root (stationary variance (1 - m^2) / (N (1 -
// f'^2)), f' = x (1 - m^2) its slope), plus 1e-3 for the O(1/N) bias of the
// nonlinearity. False-failure rate: about 2e-5 (5 sd, two-sided, 32 runs;
// normal approximation).
double bd_time_average(const Scenario& s, std::int64_t from) {
  double sum = 0, n = 0;
  run_checked(s, [&](const State&, const StepMetrics& sm) {
    if (sm.step < from) return;
    sum += sm.providers[0].compute_share - sm.providers[1].compute_share;
    n += 1;
  });
  return sum / n;
}

// The stable negative root (x > 1): m <- tanh((h + J m)/(2 tau)) iterated
// from m = -1 rises monotonically to the smallest root.
double bd_negative_root(double h, double J, double tau) {
  double m = -1;
  for (int i = 0; i < 100000; ++i) m = std::tanh((h + J * m) / (2 * tau));
  return m;
}

struct BdStochastic {
  int near_root = 0, runs = 0, negative = 0;
  double worst = 0;  // largest |average - root| / tolerance
};
BdStochastic bd_stochastic(const Scenario& base, const std::vector<double>& xs, int runs) {
  const double h = 0.02, tau = 1, N = 4000, T = 200;
  BdStochastic out;
  for (double x : xs) {
    const double J = 2 * tau * x;
    for (int r = 0; r < runs; ++r) {
      Scenario s = with(base, {{"labs.count", "4000"},
                               {"labs.tiers[lab].max_providers", "1"},
                               {"steps", "300"},
                               {"network_effect.delta", num(J)}});
      s.seed = 1000 + r;
      const double avg = bd_time_average(s, 100);
      // The root this run is at: the positive one, or for x > 1 the
      // negative one when the run went there.
      double root = bd_root(h, J, tau);
      if (x > 1 && avg < 0) {
        root = bd_negative_root(h, J, tau);
        ++out.negative;
      }
      const double slope = x * (1 - root * root);
      const double var = (1 - root * root) / (N * (1 - slope * slope));
      const double tol = 5 * std::sqrt(var * (1 + slope) / ((1 - slope) * T)) + 1e-3;
      out.worst = std::max(out.worst, std::abs(avg - root) / tol);
      out.near_root += std::abs(avg - root) <= tol && ((std::abs(avg) > 0.5) == (x > 1));
      ++out.runs;
    }
  }
  return out;
}

TEST(Validation, BrockDurlaufFinitePopulationTipsOnlyAboveOne) {
  const BdStochastic b = bd_stochastic(config("brock-durlauf.yaml"), {0.5, 0.8, 1.5, 2.0}, 8);
  EXPECT_EQ(b.near_root, b.runs) << "worst |avg - root| / tol = " << b.worst;
  report("bd_finite.worst_over_tol", b.worst);
  report("bd_finite.runs_to_negative_root", b.negative);
}

// Mis-set: eta = 3 again; at x = 1.5 the runs settle away from the roots.
TEST(Validation, BrockDurlaufFinitePopulationMisSetEtaMissesTheRoot) {
  const BdStochastic b =
      bd_stochastic(with(config("brock-durlauf.yaml"), {{"network_effect.eta", "3"}}), {1.5}, 2);
  EXPECT_EQ(b.near_root, 0);
  report("bd_finite_misset.worst_over_tol", b.worst);
}

// ---------------------------------------------------------------------------
// Bass diffusion (configs/validation/bass.yaml)

// The exact law of the adopters A_t on a complete graph of N labs: each
// step A' = A + Binomial(N - A, min(1, p + q A/(N-1))). Returns E[A_t]/N
// and Var(A_t)/N^2 after steps t = 1..T.
struct Moments {
  std::vector<double> mean, var;
};
Moments bass_exact(int N, double p, double q, int T) {
  Moments out;
  if (N < 2) return out;
  std::vector<double> dist(static_cast<std::size_t>(N) + 1, 0.0), next(dist.size());
  dist.front() = 1;
  for (int t = 0; t < T; ++t) {
    std::fill(next.begin(), next.end(), 0.0);
    for (int a = 0; a <= N; ++a) {
      if (dist[a] == 0) continue;
      const int n = N - a;
      const double h = std::min(1.0, p + q * a / (N - 1));
      if (h >= 1) {
        next[N] += dist[a];
        continue;
      }
      double pmf = std::pow(1 - h, n);  // Binomial(n, h) by its recurrence
      for (int k = 0; k <= n; ++k) {
        next[a + k] += dist[a] * pmf;
        pmf *= (n - k) / (k + 1.0) * h / (1 - h);
      }
    }
    dist.swap(next);
    double m = 0, m2 = 0;
    for (int a = 0; a <= N; ++a) {
      m += dist[a] * a;
      m2 += dist[a] * a * a;
    }
    out.mean.push_back(m / N);
    out.var.push_back((m2 - m * m) / (double(N) * N));
  }
  return out;
}

// Mean adopted fraction after each step over `runs` runs.
std::vector<double> bass_mean(const Scenario& s0, int runs) {
  std::vector<double> sum(s0.steps, 0.0);
  for (int r = 0; r < runs; ++r) {
    Scenario s = s0;
    s.seed = 1000 + r;
    run_checked(s, [&](const State& st, const StepMetrics& m) {
      sum[static_cast<std::size_t>(m.step)] += labs_on(st, 0) / static_cast<double>(st.labs.n);
    });
  }
  for (double& v : sum) v /= runs;
  return sum;
}

// The mean over 200 runs against the exact E[A_t]/N at each of the 30
// steps, z-test with the exact variance, Bonferroni over the steps at
// 1e-4 in all. False-failure rate: 1e-4 (normal approximation of a mean of
// 200 runs).
bool bass_matches_exact(const Scenario& s, const Scenario& truth, int runs, std::string& why,
                        const std::string& key) {
  const auto sim = bass_mean(s, runs);
  const auto ex = bass_exact(static_cast<int>(truth.labs.count), truth.narrative.p_innov,
                             truth.narrative.q_imit, static_cast<int>(truth.steps));
  const double z = z_crit(1e-4 / static_cast<double>(sim.size()));
  bool ok = true;
  double worst = 0;
  for (std::size_t t = 0; t < sim.size(); ++t) {
    const double tol = z * std::sqrt(ex.var[t] / runs) + 1e-12;
    worst = std::max(worst, std::abs(sim[t] - ex.mean[t]) / tol * z);
    if (std::abs(sim[t] - ex.mean[t]) > tol) {
      why += "step " + std::to_string(t) + ": " + std::to_string(sim[t]) + " vs " +
             std::to_string(ex.mean[t]) + " (tol " + std::to_string(tol) + ")\n";
      ok = false;
    }
  }
  report(key + ".max_abs_z", worst);
  report(key + ".z_crit", z);
  report(key + ".mean_t10", sim[10]);
  report(key + ".exact_t10", ex.mean[10]);
  report(key + ".sd_t10", std::sqrt(ex.var[10] / runs));
  return ok;
}

TEST(Validation, BassMeanFollowsTheExactDiscreteChain) {
  const Scenario s = config("bass.yaml");
  std::string why;
  EXPECT_TRUE(bass_matches_exact(s, s, 200, why, "bass")) << why;
}

// Mis-set: an Erdős–Rényi graph (p = 0.02) instead of the complete graph:
// imitation depends on the few neighbours and the mean leaves the chain.
TEST(Validation, BassMisSetSparseGraphLeavesTheChain) {
  const Scenario truth = config("bass.yaml");
  const Scenario s = with(truth, {{"network.generator", "erdos_renyi"}, {"network.p", "0.02"}});
  std::string why;
  EXPECT_FALSE(bass_matches_exact(s, truth, 200, why, "bass_misset"));
}

// Continuous Bass curve F(t) = (1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t}).
double bass_F(double p, double q, double t) {
  const double e = std::exp(-(p + q) * t);
  return (1 - e) / (1 + q / p * e);
}

// The config with hazards p dt, q dt per step of length dt, run to t = 12.
Scenario bass_dt(const Scenario& base, int per) {
  const double dt = 1.0 / per;
  return with(base, {{"narrative.p_innov", num(base.narrative.p_innov * dt)},
                     {"narrative.q_imit", num(base.narrative.q_imit * dt)},
                     {"steps", std::to_string(12 * per)}});
}

// Largest gap to F(t) at t = 1..12 of a mean curve with `per` steps per unit.
double gap_to_F(const std::vector<double>& mean, int per, double p, double q) {
  double gap = 0;
  for (int t = 1; t <= 12; ++t) {
    gap = std::max(gap, std::abs(mean[static_cast<std::size_t>(t * per - 1)] - bass_F(p, q, t)));
  }
  return gap;
}

// With a finer step the mean approaches the continuous curve. The exact
// chain's largest gap to F over t = 1..12 (computed here; N = 400) is 0.073
// at dt = 1 and 0.011 at dt = 1/8 (docs/VALIDATION.md: the rest is the
// finite N). The simulated mean over 80 runs is within z sd of the exact
// mean at each of the 12 t (z for 1e-4 / 24, sd from the exact variance),
// so its gap to F is within z sd of the exact gap: at dt = 1/8 below
// exact + tol, at dt = 1 above exact - tol, and the two are ordered.
// False-failure rate: 1e-4 (Bonferroni over 2 x 12 normal means).
TEST(Validation, BassApproachesTheContinuousCurve) {
  const Scenario base = config("bass.yaml");
  const double p = base.narrative.p_innov, q = base.narrative.q_imit;
  const int N = static_cast<int>(base.labs.count), runs = 80;
  const double z = z_crit(1e-4 / 24);
  double gap[2], exact_gap[2], tol[2];
  const int per[2] = {1, 8};
  for (int i = 0; i < 2; ++i) {
    const Scenario s = bass_dt(base, per[i]);
    const Moments ex = bass_exact(N, s.narrative.p_innov, s.narrative.q_imit, 12 * per[i]);
    exact_gap[i] = gap_to_F(ex.mean, per[i], p, q);
    gap[i] = gap_to_F(bass_mean(s, runs), per[i], p, q);
    tol[i] = z * std::sqrt(*std::max_element(ex.var.begin(), ex.var.end()) / runs);
  }
  EXPECT_LT(exact_gap[1], exact_gap[0] / 4);  // the chain approaches F
  EXPECT_LT(gap[1], exact_gap[1] + tol[1]);
  EXPECT_GT(gap[0], exact_gap[0] - tol[0]);
  EXPECT_LT(gap[1], gap[0]);
  report("bass.gap_dt1", gap[0]);
  report("bass.gap_dt8", gap[1]);
  report("bass.exact_gap_dt1", exact_gap[0]);
  report("bass.exact_gap_dt8", exact_gap[1]);
  report("bass.tol_dt1", tol[0]);
  report("bass.tol_dt8", tol[1]);
}

// Mis-set: at dt = 1/8 only p is scaled, q_imit left at 0.38 per step:
// imitation runs eight times too fast and the curve misses F by far more
// than the tolerance of the test above.
TEST(Validation, BassMisSetUnscaledImitationMissesTheCurve) {
  const Scenario base = config("bass.yaml");
  const double p = base.narrative.p_innov, q = base.narrative.q_imit;
  const Scenario s = with(bass_dt(base, 8), {{"narrative.q_imit", num(q)}});
  const int runs = 20;
  const Moments ex = bass_exact(static_cast<int>(base.labs.count), p / 8, q / 8, 96);
  const double tol =
      z_crit(1e-4 / 24) * std::sqrt(*std::max_element(ex.var.begin(), ex.var.end()) / runs);
  const double gap = gap_to_F(bass_mean(s, runs), 8, p, q);
  EXPECT_GT(gap, gap_to_F(ex.mean, 8, p, q) + tol);
  report("bass_misset.gap_dt8", gap);
}

// ---------------------------------------------------------------------------
// Market-power prices (configs/validation/market-power.yaml)

// The symmetric equilibrium markup with an egress fee L on the provider each
// lab uses (docs/VALIDATION.md): m(L) = tau / (alpha [s_o (1 - s_o) +
// (N - 1) s_x (1 - s_x)]); m(0) = tau N / (alpha (N - 1)).
double mp_markup(double L, double alpha, double tau, int N) {
  const double e = std::exp(L / tau);
  const double so = e / (e + N - 1), sx = 1 / (e + N - 1);
  return tau / (alpha * (so * (1 - so) + (N - 1) * sx * (1 - sx)));
}

// Final prices of the three providers with egress fee L.
std::vector<double> mp_prices(Scenario s, double L) {
  for (const char* p : {"A", "B", "C"}) {
    set_parameter(s, std::string("providers[") + p + "].egress_fee", std::to_string(L));
  }
  std::vector<double> price;
  run_checked(s, {}, [&](const State& st) { price = st.providers.price; });
  return price;
}

const double kMpL[] = {0.0, 0.5, 1.0, 1.5, 2.0};

// Deterministic: from prices 1, 1.5, 2.5 every price reaches c / (1 - m(L))
// to 1e-9 (relative), for each L; the markup rises with L.
bool mp_check(const Scenario& s, std::string& why, const std::string& key) {
  bool ok = true;
  double last = 0;
  for (double L : kMpL) {
    const double m = mp_markup(L, 4, 1, 3);
    if (!(m > last)) ok = false;
    last = m;
    const double expect = 1 / (1 - m);
    const auto prices = mp_prices(s, L);
    double err = 0;
    for (double p : prices) err = std::max(err, std::abs(p / expect - 1));
    report(key + ".price." + num(L), prices[0]);
    report(key + ".max_rel_err." + num(L), err);
    for (double p : prices) {
      if (std::abs(p / expect - 1) > 1e-9) {
        why += "L = " + std::to_string(L) + ": price " + std::to_string(p) + " vs " +
               std::to_string(expect) + "\n";
        ok = false;
      }
    }
  }
  return ok;
}

TEST(Validation, MarketPowerPriceIsTheLogitEquilibrium) {
  EXPECT_NEAR(mp_markup(0, 4, 1, 3), 3.0 / 8, 1e-15);  // tau N / (alpha (N - 1))
  std::string why;
  EXPECT_TRUE(mp_check(config("market-power.yaml"), why, "mp")) << why;
}

// Mis-set: pricing horizon 12 with labs that never re-evaluate: each lab's
// response counts with weight 1/12, the markup hits the cap.
TEST(Validation, MarketPowerMisSetHorizonMissesTheEquilibrium) {
  std::string why;
  EXPECT_FALSE(
      mp_check(with(config("market-power.yaml"), {{"pricing.horizon", "12"}}), why, "mp_misset"));
}

// ---------------------------------------------------------------------------
// DeGroot and Friedkin-Johnsen (configs/validation/opinions.yaml)

constexpr int kOpinionEventStep = 80;

// W from the edge list, row-normalised, labs in slot order L0..L5 (the
// named labs, present at the start, take slots 0..5).
Eigen::MatrixXd opinions_W() {
  Eigen::MatrixXd W = Eigen::MatrixXd::Zero(6, 6);
  const int e[][2] = {{0, 1}, {0, 3}, {1, 2}, {1, 5}, {2, 0}, {2, 4},
                      {3, 4}, {3, 0}, {4, 5}, {4, 1}, {5, 3}, {5, 2}};
  const double w[] = {1, 2, 1, 0.5, 3, 1, 1, 1, 2, 1, 1, 0.25};
  for (int k = 0; k < 12; ++k) W(e[k][0], e[k][1]) = w[k];
  for (int i = 0; i < 6; ++i) W.row(i) /= W.row(i).sum();
  return W;
}

struct OpinionRun {
  Eigen::MatrixXd before_event, at_event, end;  // labs x providers
};
OpinionRun opinion_run(const Scenario& s) {
  OpinionRun out;
  auto grab = [](const State& st) {
    Eigen::MatrixXd o(st.labs.n, st.P);
    for (std::size_t l = 0; l < st.labs.n; ++l)
      for (std::size_t p = 0; p < st.P; ++p) o(l, p) = st.labs.opinion.at(l, p);
    return o;
  };
  run_checked(
      s,
      [&](const State& st, const StepMetrics& m) {
        if (m.step == kOpinionEventStep - 1) out.before_event = grab(st);
        if (m.step == kOpinionEventStep) out.at_event = grab(st);
      },
      [&](const State& st) { out.end = grab(st); });
  return out;
}

// Friedkin-Johnsen: o* = (I - (1 - w) W)^-1 w u, u the experience of the
// provider each lab uses (2 q - 1: 0.8 for A's labs, -0.4 for B's).
Eigen::MatrixXd fj_fixed_point(double w_exp) {
  Eigen::MatrixXd u = Eigen::MatrixXd::Zero(6, 2);
  for (int l = 0; l < 3; ++l) u(l, 0) = 2 * 0.9 - 1;
  for (int l = 3; l < 6; ++l) u(l, 1) = 2 * 0.3 - 1;
  const Eigen::MatrixXd A = Eigen::MatrixXd::Identity(6, 6) - (1 - w_exp) * opinions_W();
  return A.partialPivLu().solve(w_exp * u);
}

// DeGroot: pi^T W = pi^T, sum pi = 1 (W is irreducible).
Eigen::VectorXd stationary() {
  const Eigen::MatrixXd W = opinions_W();
  Eigen::MatrixXd A = W.transpose() - Eigen::MatrixXd::Identity(6, 6);
  A.row(5).setOnes();
  Eigen::VectorXd b = Eigen::VectorXd::Zero(6);
  b(5) = 1;
  return A.fullPivLu().solve(b);
}

// Deterministic: before the event, opinions equal the FJ fixed point to
// 1e-9; at the end every lab's opinion of each provider equals the
// consensus pi^T o(event) to 1e-9.
TEST(Validation, OpinionsReachFriedkinJohnsenThenDeGroot) {
  const OpinionRun r = opinion_run(config("opinions.yaml"));
  EXPECT_LT((r.before_event - fj_fixed_point(0.4)).cwiseAbs().maxCoeff(), 1e-9)
      << r.before_event << "\nvs\n"
      << fj_fixed_point(0.4);
  const Eigen::VectorXd pi = stationary();
  ASSERT_LT((pi.transpose() * opinions_W() - pi.transpose()).cwiseAbs().maxCoeff(), 1e-12);
  const Eigen::RowVectorXd consensus = pi.transpose() * r.at_event;
  for (int l = 0; l < 6; ++l) {
    EXPECT_LT((r.end.row(l) - consensus).cwiseAbs().maxCoeff(), 1e-9) << "lab " << l;
  }
  report("fj.max_abs_err", (r.before_event - fj_fixed_point(0.4)).cwiseAbs().maxCoeff());
  report("fj.o_L0_A", r.before_event(0, 0));
  report("fj.o_L0_A_eigen", fj_fixed_point(0.4)(0, 0));
  report("degroot.consensus_A", consensus(0));
  report("degroot.consensus_B", consensus(1));
  report("degroot.max_abs_err", (r.end.rowwise() - consensus).cwiseAbs().maxCoeff());
}

// Mis-set: w_exp 0.5 instead of 0.4: the opinions miss the FJ fixed point
// the test solves for 0.4.
TEST(Validation, OpinionsMisSetWeightMissesTheFixedPoint) {
  const OpinionRun r = opinion_run(with(config("opinions.yaml"), {{"narrative.w_exp", "0.5"}}));
  const double err = (r.before_event - fj_fixed_point(0.4)).cwiseAbs().maxCoeff();
  EXPECT_GT(err, 1e-3);
  report("fj_misset.max_abs_err", err);
}

// Mis-set: the same edges read as undirected (each also heard the other
// way): the run reaches another consensus than the directed W's pi^T o(80).
TEST(Validation, OpinionsMisSetUndirectedGraphMissesTheConsensus) {
  const OpinionRun r = opinion_run(with(config("opinions.yaml"), {{"network.directed", "false"}}));
  const Eigen::RowVectorXd consensus = stationary().transpose() * r.at_event;
  const double err = (r.end.rowwise() - consensus).cwiseAbs().maxCoeff();
  EXPECT_GT(err, 1e-3);
  report("degroot_misset.max_abs_err", err);
}

// ---------------------------------------------------------------------------
// Wright's law (configs/validation/wright.yaml)

// Largest relative error of price, quality gap and unit cost against the
// power law in V(t) = V0 + 10 sum_{k<=t} e^{0.03 k} (served = demand: the
// capacity is unlimited).
double wright_error(const Scenario& s) {
  const double V0 = 50, bc = 0.2, bq = 0.3;
  double V = V0, err = 0;
  run_checked(s, [&](const State& st, const StepMetrics& m) {
    const double t = static_cast<double>(m.step);
    const double before = V / V0;  // price and quality of this step: set from V(t-1)
    err = std::max(err, std::abs(m.providers[0].price / (2 * std::pow(before, -bc)) - 1));
    err = std::max(err, std::abs((1 - m.providers[0].quality) / (0.5 * std::pow(before, -bq)) - 1));
    V += 10 * std::exp(0.03 * t);
    err = std::max(err, std::abs(st.providers.unit_cost[0] / std::pow(V / V0, -bc) - 1));
  });
  return err;
}

TEST(Validation, WrightsLawExactly) {
  const double err = wright_error(config("wright.yaml"));
  EXPECT_LT(err, 1e-12);
  report("wright.max_rel_err", err);
}

// Mis-set: a capacity of 8 per step rations the served volume; the law in
// demanded volume no longer holds.
TEST(Validation, WrightsLawMisSetCapacityBreaksIt) {
  const double err = wright_error(with(config("wright.yaml"), {{"providers[P].capacity", "8"}}));
  EXPECT_GT(err, 1e-3);
  report("wright_misset.max_rel_err", err);
}

// ---------------------------------------------------------------------------
// Accounting at every step of every validation and shipped scenario run

std::vector<std::filesystem::path> yaml_files(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() == ".yaml") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(Validation, AccountingHoldsInEveryValidationAndScenarioRun) {
  std::vector<std::filesystem::path> files = yaml_files(CW_SOURCE_DIR "/configs/validation");
  const auto scen = yaml_files(CW_SOURCE_DIR "/configs/scenarios");
  files.insert(files.end(), scen.begin(), scen.end());
  files.emplace_back(CW_SOURCE_DIR "/configs/default.yaml");
  ASSERT_GE(files.size(), 13u);
  for (const auto& f : files) {
    SCOPED_TRACE(f.string());
    run_checked(load_scenario(f));
  }
}

// And the observer catches a broken invariant: a state whose allocation was
// tampered with (one lab's row scaled by 0.9) after a step.
TEST(Validation, AccountingCheckCatchesABrokenAllocation) {
  Simulation sim(config("wright.yaml"));
  const StepMetrics m = sim.step();
  EXPECT_EQ(test::accounting_problem(sim.scenario(), sim.state(), m), "");
  sim.mutable_state().labs.x.at(3, 0) *= 0.9;
  EXPECT_NE(test::accounting_problem(sim.scenario(), sim.state(), m), "");
}

}  // namespace
}  // namespace cw
