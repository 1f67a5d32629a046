#include "sweep/sensitivity.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "core/random.hpp"

namespace cw {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Indices 0..n-1, or a bootstrap resample of them.
std::vector<std::size_t> all_rows(std::size_t n) {
  std::vector<std::size_t> rows(n);
  std::iota(rows.begin(), rows.end(), std::size_t{0});
  return rows;
}

std::vector<std::size_t> resample(std::size_t n, const Bootstrap& boot, std::uint64_t step,
                                  std::size_t b) {
  Draws r(boot.seed, Stream::design, step, b);
  std::vector<std::size_t> rows(n);
  for (auto& j : rows) j = static_cast<std::size_t>(r.below(n));
  return rows;
}

// Percentile interval of the finite values of `stats` around `value`.
Interval percentile(double value, std::vector<double> stats, double level) {
  stats.erase(
      std::remove_if(stats.begin(), stats.end(), [](double x) { return !std::isfinite(x); }),
      stats.end());
  if (!std::isfinite(value) || stats.empty()) return {value, kNaN, kNaN};
  const double tail = (1 - level) / 2;
  const double lo = quantile(stats, tail);
  const double hi = quantile(stats, 1 - tail);
  return {value, lo, hi};
}

}  // namespace

double quantile(std::vector<double>& values, double q) {
  if (values.empty()) return kNaN;
  std::sort(values.begin(), values.end());
  const double pos = q * static_cast<double>(values.size() - 1);
  const auto i = static_cast<std::size_t>(std::floor(pos));
  if (i + 1 >= values.size()) return values.back();
  const double frac = pos - static_cast<double>(i);
  return values[i] + frac * (values[i + 1] - values[i]);
}

SobolIndices sobol_indices(const SobolSample& s, const std::vector<std::size_t>& rows_in) {
  const std::vector<std::size_t> rows = rows_in.empty() ? all_rows(s.a.size()) : rows_in;
  const std::size_t k = s.ab.size();
  SobolIndices out;
  out.s1.assign(k, kNaN);
  out.st.assign(k, kNaN);
  const auto n = static_cast<double>(rows.size());
  if (rows.size() < 2) {
    out.mean = out.variance = kNaN;
    return out;
  }
  // Centre on the mean of f(A) and f(B): S1's estimator is unbiased either
  // way, but its variance grows with the square of the mean (an uncentred
  // hhi_final of ~4000 gives indices far outside [0, 1]).
  double sum = 0;
  for (std::size_t j : rows) sum += s.a[j] + s.b[j];
  const double mean = sum / (2 * n);
  double ss = 0;
  for (std::size_t j : rows) {
    ss += (s.a[j] - mean) * (s.a[j] - mean) + (s.b[j] - mean) * (s.b[j] - mean);
  }
  const double v = ss / (2 * n - 1);
  out.mean = mean;
  out.variance = v;
  if (!(v > 0)) return out;
  for (std::size_t i = 0; i < k; ++i) {
    double first = 0, total = 0;
    for (std::size_t j : rows) {
      const double fa = s.a[j] - mean, fb = s.b[j] - mean, fab = s.ab[i][j] - mean;
      first += fb * (fab - fa);
      total += (fa - fab) * (fa - fab);
    }
    out.s1[i] = first / n / v;
    out.st[i] = total / (2 * n) / v;
  }
  return out;
}

SobolResult sobol_analysis(const SobolSample& s, const Bootstrap& boot) {
  const std::size_t k = s.ab.size(), n = s.a.size();
  SobolResult out;
  out.n = n;
  const SobolIndices point = sobol_indices(s);
  std::vector<std::vector<double>> s1(k), st(k);
  if (n >= 2) {
    for (std::size_t b = 0; b < boot.resamples; ++b) {
      const SobolIndices r = sobol_indices(s, resample(n, boot, kSobolBootstrapStep, b));
      for (std::size_t i = 0; i < k; ++i) {
        s1[i].push_back(r.s1[i]);
        st[i].push_back(r.st[i]);
      }
    }
  }
  for (std::size_t i = 0; i < k; ++i) {
    out.s1.push_back(percentile(point.s1[i], std::move(s1[i]), boot.level));
    out.st.push_back(percentile(point.st[i], std::move(st[i]), boot.level));
  }
  return out;
}

namespace {

struct MorrisStats {
  std::vector<double> mu, mu_star, sigma;
};

MorrisStats morris_stats(const MorrisSample& s, std::size_t k,
                         const std::vector<std::size_t>& rows) {
  MorrisStats out{std::vector<double>(k, kNaN), std::vector<double>(k, kNaN),
                  std::vector<double>(k, kNaN)};
  if (rows.empty()) return out;
  const auto r = static_cast<double>(rows.size());
  for (std::size_t i = 0; i < k; ++i) {
    double sum = 0, sum_abs = 0;
    for (std::size_t t : rows) {
      sum += s.ee[t][i];
      sum_abs += std::abs(s.ee[t][i]);
    }
    const double mu = sum / r;
    out.mu[i] = mu;
    out.mu_star[i] = sum_abs / r;
    if (rows.size() >= 2) {
      double ss = 0;
      for (std::size_t t : rows) ss += (s.ee[t][i] - mu) * (s.ee[t][i] - mu);
      out.sigma[i] = std::sqrt(ss / (r - 1));
    }
  }
  return out;
}

}  // namespace

MorrisResult morris_analysis(const MorrisSample& s, const Bootstrap& boot) {
  const std::size_t r = s.ee.size();
  const std::size_t k = s.factors;
  MorrisResult out;
  out.r = r;
  const MorrisStats point = morris_stats(s, k, all_rows(r));
  std::vector<std::vector<double>> mu(k), mu_star(k), sigma(k);
  if (r >= 2) {
    for (std::size_t b = 0; b < boot.resamples; ++b) {
      const MorrisStats m = morris_stats(s, k, resample(r, boot, kMorrisBootstrapStep, b));
      for (std::size_t i = 0; i < k; ++i) {
        mu[i].push_back(m.mu[i]);
        mu_star[i].push_back(m.mu_star[i]);
        sigma[i].push_back(m.sigma[i]);
      }
    }
  }
  for (std::size_t i = 0; i < k; ++i) {
    out.mu.push_back(percentile(point.mu[i], std::move(mu[i]), boot.level));
    out.mu_star.push_back(percentile(point.mu_star[i], std::move(mu_star[i]), boot.level));
    out.sigma.push_back(percentile(point.sigma[i], std::move(sigma[i]), boot.level));
  }
  return out;
}

}  // namespace cw
