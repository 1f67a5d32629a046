// Sensitivity indices from the outputs of a sobol or morris design (SPEC §4,
// docs/SWEEPS.md "Sensitivity indices"): Sobol first-order and total
// indices, Morris elementary-effect statistics, and percentile-bootstrap
// intervals. Plain numbers in, plain numbers out: no files (the sweep folder
// is read by batch/sensitivity_folder.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace cw {

// An estimate with a two-sided bootstrap interval. NaN where undefined
// (a constant output, too few samples).
struct Interval {
  double value, lo, hi;
};

// Percentile bootstrap: `resamples` resamples of the units (Sobol base
// samples, Morris trajectories) with replacement. Resample b draws its
// indices from stream `design` (9), step word `step`, entity b, keyed by
// `seed` (core/random.hpp), so the intervals depend only on the data and
// the seed.
struct Bootstrap {
  std::size_t resamples = 1000;
  std::uint64_t seed = 1;
  double level = 0.95;
};
inline constexpr std::uint64_t kSobolBootstrapStep = 16;
inline constexpr std::uint64_t kMorrisBootstrapStep = 17;

// The outputs of one outcome at n base samples of a Saltelli design:
// f(A_j), f(B_j) and f(AB_i,j) (A_j with column i from B_j).
struct SobolSample {
  std::vector<double> a, b;             // [j]
  std::vector<std::vector<double>> ab;  // [i][j]
};

// Point estimates on the base samples `rows` (indices into the sample, with
// repeats; all of them when empty). The outputs are first centred on the
// mean of the 2n values f(A_j), f(B_j), and V is their variance (divisor
// 2n - 1). Then, for each parameter i:
//   S1_i = (1/n) sum_j fB_j (fAB_ij - fA_j) / V      Saltelli et al. 2010, Table 2 (b)
//   ST_i = (1/(2n)) sum_j (fA_j - fAB_ij)^2 / V      Jansen 1999 (Saltelli 2010, Table 2 (f))
// V = 0 (a constant output) or n < 2 gives NaN.
struct SobolIndices {
  std::vector<double> s1, st;
  double mean = 0, variance = 0;
};
SobolIndices sobol_indices(const SobolSample& s, const std::vector<std::size_t>& rows = {});

// S1 and ST of every parameter with percentile intervals (level
// `boot.level`): quantiles of the bootstrap statistics, linearly
// interpolated between order statistics (numpy's default), NaN resamples
// left out. Cost: O(resamples x n x k).
struct SobolResult {
  std::size_t n = 0;
  std::vector<Interval> s1, st;
};
SobolResult sobol_analysis(const SobolSample& s, const Bootstrap& boot);

// Elementary effects of one outcome: ee[t][i] is factor i's effect in
// trajectory t, (f(x + delta e_i) - f(x)) / delta with delta signed, in
// unit-cube coordinates (Morris 1991).
struct MorrisSample {
  std::size_t factors = 0;              // k
  std::vector<std::vector<double>> ee;  // [trajectory][factor]
};

// Per factor: mu = mean EE, mu* = mean |EE| (Campolongo et al. 2007),
// sigma = sd of EE (divisor r - 1; NaN when r < 2), each with a percentile
// bootstrap interval over trajectories.
struct MorrisResult {
  std::size_t r = 0;
  std::vector<Interval> mu, mu_star, sigma;
};
MorrisResult morris_analysis(const MorrisSample& s, const Bootstrap& boot);

// The q-quantile (0 <= q <= 1) of `values` by linear interpolation between
// order statistics: position (m - 1) q of the sorted values (Hyndman and
// Fan type 7). NaN for an empty list. Sorts `values`.
double quantile(std::vector<double>& values, double q);

}  // namespace cw
