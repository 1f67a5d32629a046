#include "core/random.hpp"

#include <Random123/philox.h>

#include <algorithm>

namespace cw {

namespace {
__extension__ typedef unsigned __int128 U128;
}

std::array<std::uint64_t, 4> philox_block(const std::array<std::uint64_t, 4>& c,
                                          const std::array<std::uint64_t, 2>& k) {
  r123::Philox4x64 g;
  const r123::Philox4x64::ctr_type ctr = {{c[0], c[1], c[2], c[3]}};
  const r123::Philox4x64::key_type key = {{k[0], k[1]}};
  const auto r = g(ctr, key);
  return {r[0], r[1], r[2], r[3]};
}

std::uint64_t Draws::below(std::uint64_t n) {
  // Lemire (2019), "Fast random integer generation in an interval".
  U128 m = static_cast<U128>(next_u64()) * n;
  auto low = static_cast<std::uint64_t>(m);
  if (low < n) {
    const std::uint64_t threshold = (0 - n) % n;
    while (low < threshold) {
      m = static_cast<U128>(next_u64()) * n;
      low = static_cast<std::uint64_t>(m);
    }
  }
  return static_cast<std::uint64_t>(m >> 64);
}

std::int64_t Draws::poisson(double lambda) {
  if (!(lambda > 0)) return 0;
  if (lambda < 10) {
    // Knuth: count uniforms until their product falls below e^-lambda.
    const double limit = vmath::exp(-lambda);
    double product = uniform();
    std::int64_t k = 0;
    while (product > limit) {
      ++k;
      product *= uniform();
    }
    return k;
  }
  // Hormann (1993), "The transformed rejection method for generating Poisson
  // random variables" (PTRS), valid for lambda >= 10.
  const double slam = std::sqrt(lambda);
  const double loglam = vmath::log(lambda);
  const double b = 0.931 + 2.53 * slam;
  const double a = -0.059 + 0.02483 * b;
  const double inv_alpha = 1.1239 + 1.1328 / (b - 3.4);
  const double vr = 0.9277 - 3.6224 / (b - 2);
  while (true) {
    const double u = uniform() - 0.5;
    const double v = uniform();
    const double us = 0.5 - std::abs(u);
    const double kd = std::floor((2 * a / us + b) * u + lambda + 0.43);
    if (us >= 0.07 && v <= vr) return static_cast<std::int64_t>(kd);
    if (kd < 0 || (us < 0.013 && v > us)) continue;
    if (vmath::log(v) + vmath::log(inv_alpha) - vmath::log(a / (us * us) + b) <=
        -lambda + kd * loglam - std::lgamma(kd + 1)) {
      return static_cast<std::int64_t>(kd);
    }
  }
}

double Draws::draw(const Dist& d) {
  double x = 0;
  switch (d.kind) {
    case DistKind::fixed:
      x = d.value;
      break;
    case DistKind::uniform:
      x = uniform(d.low, d.high);
      break;
    case DistKind::normal:
      x = d.mean + d.sd * normal();
      break;
    case DistKind::lognormal:
      x = vmath::exp(d.mu + d.sigma * normal());
      break;
    case DistKind::pareto:
      // Inverse CDF: x_m * U^(-1/shape), U in (0,1), as exp(ln U / -shape).
      x = d.scale * vmath::exp(vmath::log(uniform()) * (-1.0 / d.shape));
      break;
    case DistKind::lomax:
      // Pareto type II: lambda * (U^(-1/shape) - 1).
      x = d.scale * (vmath::exp(vmath::log(uniform()) * (-1.0 / d.shape)) - 1.0);
      break;
  }
  return std::clamp(x + d.offset, d.min, d.max);
}

}  // namespace cw
