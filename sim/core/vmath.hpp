// Deterministic, vectorisable exp, log and sin/cos of turns for the hot loops.
//
// Why: glibc's exp/log/cos choose FMA code paths at run time (so their bits
// can differ between CPUs) and are called one value at a time. The functions
// here use only IEEE double +, -, *, / (no FMA, no long double, no libm call),
// integer operations on the bit patterns and selects, all branch-free, so
// they give the same bits on every x86-64 machine and GCC 12 vectorises a
// loop calling them at -O3 -march=x86-64-v2 (SSE4.2 has no packed
// int64 <-> double conversion: integers are taken from, and put into, the
// low bits of a double's representation instead, with the "magic number"
// kRound = 0x1.8p52, and small integers are turned back into doubles the
// same way). They assume the default rounding mode (round to nearest even)
// and no contraction into FMA (-ffp-contract=off, or -std=c++20 rather than
// gnu++20); -ffast-math is refused below.
//
// Methods (coefficients are the Taylor coefficients, rounded to double; the
// split constants are ours, computed with 300-bit arithmetic):
//  exp(x): n = round(x / ln2); r = x - n ln2 split Cody-Waite style into an
//    exact hi = x - n ln2_hi (ln2_hi has 32 significant bits) and a small
//    lo = n ln2_lo, so |r| <= ln2/2. e^r = 1 + hi + (p - lo) with
//    p = r^2 (1/2! + r/3! + ... + r^11/13!) (truncation < 5e-18 relative),
//    the rounding error of 1 + hi recovered exactly (Fast2Sum) and added
//    back. The result is scaled by 2^n as two exact factors 2^n1 2^n2
//    (n1 = round(n/2)) built from bits, so the whole range is reached and
//    results in the subnormal range underflow gradually (no flush to zero;
//    they are rounded twice, to 53 bits and then to the subnormal grid).
//  log(x): x = m 2^k with m in [sqrt(1/2), sqrt(2)) by integer operations on
//    the bits (subnormal x is first scaled by 2^54). With f = m - 1 and
//    s = f / (2 + f): log(m) = 2 atanh(s) = f - f^2/2 + s (f^2/2 + R) with
//    R = s^2 (2/3 + 2 s^2/5 + ... + 2 s^18/21) (|s| <= 0.1716, truncation
//    < 1e-18 relative). f^2/2 is split into an exact product of halves plus
//    a small part, and k ln2_hi + (f - f^2/2) is summed with two Fast2Sums
//    whose errors join the small terms, so the result is rounded about once.
//  sincos_turns(u): q = round(4u), r = u - q/4 exactly (|r| <= 1/8); sin and
//    cos of 2 pi r by Taylor polynomials in r (to r^17 and r^18). The
//    leading terms 2 pi r - (2 pi)^3 r^3 / 6 and 1 - 2 pi^2 r^2 are sums of
//    exact products of 26/27-bit halves (of r, r^2, r^3 and the constants)
//    plus small corrections, again summed with Fast2Sums; the quadrant swap
//    and signs are selects and sign-bit flips.
//
// Accuracy, measured by tests/vmath_test.cpp against long double references
// (which agree with 200-bit mpmath to about 0.001 ulp) over > 10^6 points per
// function, dense near 0, the range ends, the reduction boundaries, 1, powers
// of two and quarter turns: every result is within 1 ulp of the exact value
// and at most 1 double away from the correctly rounded one (the test asserts
// both). Largest errors seen, in ulps:
//   exp  0.675 (normal results), 0.755 (subnormal results, rounded twice)
//   log  0.607 (all positive doubles, subnormals included)
//   sin  0.546, cos 0.550 (of 2 pi u, u in [0, 1]; also for |u| <= 2^49)
//
// Special values: exp(NaN) = NaN, exp(x) = +inf for x > 709.782712893384
// (the overflow threshold), 0 for x < -745.1332191019411 (exp(x) below half
// the smallest subnormal), exp(+-0) = 1, exp(-inf) = 0, exp(+inf) = +inf.
// log(1) = +0, log(+-0) = -inf, log(x < 0) = NaN, log(+inf) = +inf,
// log(NaN) = NaN. sincos_turns gives exactly 0 and +-1 at multiples of 1/4
// (a zero may be -0) and NaN for NaN.
//
// Vectorisation: g++ 12 -O3 -march=x86-64-v2 -fopt-info-vec-optimized reports
// "loop vectorized using 16 byte vectors" for both array loops below and for
// a loop calling sincos_turns (bench/vmath_bench.cpp). Selects that guard a
// computed value use select() below, not ?:, or GCC sinks the computation
// into a branch and the loop is not vectorised. The bits do not depend on
// vectorisation, optimisation level or -march (x86-64-v2, v3 and native give
// the same bits: tests/vmath_test.cpp records a hash of them); they do change
// if contraction into FMA is allowed (accuracy stays within 1 ulp).
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <limits>

#ifdef __FAST_MATH__
#error "core/vmath.hpp needs IEEE arithmetic: do not build it with -ffast-math"
#endif

namespace cw::vmath {

namespace detail {

inline std::uint64_t bits(double x) { return std::bit_cast<std::uint64_t>(x); }
inline double from_bits(std::uint64_t b) { return std::bit_cast<double>(b); }

// x + kRound rounds x (|x| < 2^51) to an integer n, and the sum's
// representation is bits(kRound) + n (mod 2^64): its low 12 bits are n mod 4096.
inline constexpr double kRound = 0x1.8p52;
// bits(kIntBase) | k is the double 2^52 + k for an integer 0 <= k < 2^52.
inline constexpr double kIntBase = 0x1p52;

// Keeps the sign, the exponent and the top 25 fraction bits: a double with at
// most 26 significant bits, so a product with a 27-bit constant is exact.
inline constexpr std::uint64_t kHighHalf = 0xFFFFFFFFF8000000ULL;
inline double high_half(double x) { return from_bits(bits(x) & kHighHalf); }

// cond ? a : b as a blend of bits. With a ternary GCC sinks the computation of
// a value used only on one side into a branch, and then does not if-convert
// that branch (its floating-point operations could trap), so the loop would
// not vectorise; here both values are used unconditionally.
inline double select(bool cond, double a, double b) {
  const std::uint64_t mask = std::uint64_t{0} - static_cast<std::uint64_t>(cond);
  return from_bits((bits(a) & mask) | (bits(b) & ~mask));
}

// ln 2 = kLn2Hi + kLn2Lo; kLn2Hi has 32 significant bits, so k * kLn2Hi is
// exact for |k| < 2^21.
inline constexpr double kLn2Hi = 0x1.62e42feep-1;
inline constexpr double kLn2Lo = 0x1.a39ef35793c76p-33;
inline constexpr double kInvLn2 = 0x1.71547652b82fep+0;

// 2 pi = kTwoPiHi + kTwoPiLo, and 2 pi^2 = kTwoPi2Hi + kTwoPi2Lo, the high
// parts with 27 significant bits.
inline constexpr double kTwoPiHi = 0x1.921fb54p+2;
inline constexpr double kTwoPiLo = 0x1.10b4611a62633p-28;
inline constexpr double kTwoPi2 = 0x1.3bd3cc9be45dep+4;
inline constexpr double kTwoPi2Hi = 0x1.3bd3cc8p+4;
inline constexpr double kTwoPi2Lo = 0x1.be45de5a4adc5p-24;
// S3 = -(2 pi)^3 / 6 = kS3Hi + kS3Lo, the high part with 27 significant bits.
inline constexpr double kS3 = -0x1.4abbce625be53p+5;
inline constexpr double kS3Hi = -0x1.4abbce4p+5;
inline constexpr double kS3Lo = -0x1.12df295f55dc7p-22;

inline constexpr std::uint64_t kSqrtHalfBits = 0x3fe6a09e667f3bcdULL;  // bits of sqrt(1/2)
inline constexpr std::uint64_t kOneBits = 0x3ff0000000000000ULL;       // bits of 1.0

}  // namespace detail

// e^x. Max error 1 ulp (see above); gradual underflow; NaN in, NaN out.
[[gnu::always_inline]] inline double exp(double x) {
  using namespace detail;
  const double t = x * kInvLn2 + kRound;  // kRound + n
  const double n = t - kRound;
  const double hi = x - n * kLn2Hi;  // exact (Sterbenz)
  const double lo = n * kLn2Lo;
  const double r = hi - lo;
  // p = e^r - 1 - r.
  const double p =
      r * r *
      (0x1p-1 +
       r * (0x1.5555555555555p-3 +
            r * (0x1.5555555555555p-5 +
                 r * (0x1.1111111111111p-7 +
                      r * (0x1.6c16c16c16c17p-10 +
                           r * (0x1.a01a01a01a01ap-13 +
                                r * (0x1.a01a01a01a01ap-16 +
                                     r * (0x1.71de3a556c734p-19 +
                                          r * (0x1.27e4fb7789f5cp-22 +
                                               r * (0x1.ae64567f544e4p-26 +
                                                    r * (0x1.1eed8eff8d898p-29 +
                                                         r * 0x1.6124613a86d09p-33)))))))))));
  // e^r = 1 + hi + (p - lo), in [0.7, 1.42]; the rounding error of 1 + hi is
  // recovered exactly (Fast2Sum, |hi| < 1) and added back.
  const double one_hi = 1.0 + hi;
  const double one_hi_err = (1.0 - one_hi) + hi;
  const double y = one_hi + (one_hi_err + (p - lo));
  // 2^n = 2^n1 * 2^n2 with n1 = round(n / 2), n2 = n - n1, both in
  // [-538, 513]: the exponent fields are n1 + 1023 and n2 + 1023, computed
  // mod 2^12 from the low bits of the magic sums and shifted into place.
  const double t1 = n * 0.5 + kRound;  // kRound + n1
  const std::uint64_t n1 = bits(t1);
  const std::uint64_t n2 = bits(t) - bits(t1);
  const double scale1 = from_bits((n1 + 1023) << 52);
  const double scale2 = from_bits((n2 + 1023) << 52);
  const double res = y * scale1 * scale2;  // y * scale1 is exact: one rounding
  // Beyond [-746, 710] the above is garbage (n out of range); the result is
  // 0 or +inf. A NaN fails both comparisons and gives a NaN above. (Clamping
  // x first instead lets GCC specialise the code for the clamped constants,
  // leaving a trapping constant product that stops the loop's if-conversion.)
  return select(x > 710.0, std::numeric_limits<double>::infinity(), select(x < -746.0, 0.0, res));
}

// Natural logarithm. Max error 1 ulp (see above); log(1) == 0 exactly.
[[gnu::always_inline]] inline double log(double x) {
  using namespace detail;
  // Subnormals (and, harmlessly, zero and negatives) are scaled into the
  // normal range first.
  const bool tiny = x < 0x1p-1022;
  const double xs = select(tiny, x * 0x1p54, x);
  const double bias = tiny ? 1023.0 + 54.0 : 1023.0;
  // Adding bits(1) - bits(sqrt(1/2)) carries into the exponent field exactly
  // when the mantissa is >= sqrt(1/2): e = k + 1023 with xs = m 2^k,
  // m in [sqrt(1/2), sqrt(2)).
  const std::uint64_t b = bits(xs);
  const std::uint64_t e = (b + (kOneBits - kSqrtHalfBits)) >> 52;
  const double m = from_bits(b - ((e - 1023) << 52));
  const double k = from_bits(bits(kIntBase) | e) - kIntBase - bias;
  const double f = m - 1.0;  // exact
  const double s = f / (2.0 + f);
  const double z = s * s;
  const double big_r =
      z * (0x1.5555555555555p-1 +
           z * (0x1.999999999999ap-2 +
                z * (0x1.2492492492492p-2 +
                     z * (0x1.c71c71c71c71cp-3 +
                          z * (0x1.745d1745d1746p-3 +
                               z * (0x1.3b13b13b13b14p-3 +
                                    z * (0x1.1111111111111p-3 +
                                         z * (0x1.e1e1e1e1e1e1ep-4 +
                                              z * (0x1.af286bca1af28p-4 +
                                                   z * 0x1.8618618618618p-4)))))))));
  // f^2/2 = hh + hl with hh exact (f's high half squared).
  const double fh = high_half(f);
  const double hh = 0.5 * fh * fh;
  const double hl = 0.5 * (f - fh) * (f + fh);
  const double hfsq = hh + hl;
  // log(x) = k ln2_hi + (f - hh) + (small terms); the two large sums are
  // Fast2Sums (|f| >= hh, and |k ln2_hi| > |a| unless k = 0, when it is exact
  // anyway) whose rounding errors are added back with the small terms.
  const double a = f - hh;
  const double a_err = (f - a) - hh;
  const double small = ((s * (hfsq + big_r) - hl) + a_err) + k * kLn2Lo;
  const double k_hi = k * kLn2Hi;
  const double sum = k_hi + a;
  const double sum_err = (k_hi - sum) + a;
  double res = sum + (sum_err + small);
  res = select(x > 0.0, res,
               x == 0.0 ? -std::numeric_limits<double>::infinity()
                        : std::numeric_limits<double>::quiet_NaN());
  return select(x < std::numeric_limits<double>::infinity(), res, x);  // +inf and NaN
}

// s = sin(2 pi u), c = cos(2 pi u). Max error 1 ulp on [0, 1] (see above).
[[gnu::always_inline]] inline void sincos_turns(double u, double& s, double& c) {
  using namespace detail;
  const double t = u * 4.0 + kRound;         // kRound + q, q = round(4u)
  const double r = u - (t - kRound) * 0.25;  // exact, |r| <= 1/8
  const std::uint64_t q = bits(t);           // low 2 bits: quadrant q mod 4
  const double rh = high_half(r);
  const double rl = r - rh;  // exact
  // r^2 = zh + zl and r^3 = r3_hi + r3_lo, with zh and r3_hi exact products of
  // halves; z = r^2 rounded serves the higher-order terms.
  const double z = r * r;
  const double zh = rh * rh;
  const double zl = rl * (r + rh);
  const double zhh = high_half(zh);
  const double r3_hi = rh * zhh;
  const double r3_lo = rh * (zh - zhh) + (rl * zh + r * zl);
  // sin(2 pi r) = 2 pi r + S3 r^3 + r^5 (S5 + S7 r^2 + ...). The two leading
  // terms are exact products of halves plus small corrections, summed with a
  // Fast2Sum (|2 pi r| > 10 |S3 r^3|) so that the result is rounded once.
  const double lin = rh * kTwoPiHi;
  const double lin_rest = rl * kTwoPiHi + r * kTwoPiLo;
  const double r3h = high_half(r3_hi);
  const double cubic = r3h * kS3Hi;
  const double cubic_rest = ((r3_hi - r3h) * kS3Hi + r3_hi * kS3Lo) + r3_lo * kS3;
  const double sin_higher =
      (r3_hi + r3_lo) * z *
      (0x1.466bc6775aae2p+6 +
       z * (-0x1.32d2cce62bd86p+6 +
            z * (0x1.50783487ee782p+5 +
                 z * (-0x1.e3074fde8871fp+3 +
                      z * (0x1.e8f434d018d63p+1 +
                           z * (-0x1.6fadb9f155744p-1 + z * 0x1.aaec32af93359p-4))))));
  const double lead = lin + cubic;
  const double lead_err = (lin - lead) + cubic;
  const double sin_r = lead + (((lead_err + cubic_rest) + lin_rest) + sin_higher);
  // cos(2 pi r) = 1 - w + r^4 (C4 + C6 r^2 + ...) with w = 2 pi^2 r^2
  // = w_hi + w_lo, w_hi an exact product of halves.
  const double w_hi = zhh * kTwoPi2Hi;
  const double w_lo = ((zh - zhh) * kTwoPi2Hi + zh * kTwoPi2Lo) + zl * kTwoPi2;
  const double c_hi = 1.0 - w_hi;
  const double c_err = (1.0 - c_hi) - w_hi;  // exact rounding error of c_hi (w_hi <= 1)
  const double cos_tail =
      z * z *
      (0x1.03c1f081b5ac4p+6 +
       z * (-0x1.55d3c7e3cbffap+6 +
            z * (0x1.e1f506891babbp+5 +
                 z * (-0x1.a6d1f2a204a8cp+4 +
                      z * (0x1.f9d38a3763cc3p+2 +
                           z * (-0x1.b6e24f44b128fp+0 +
                                z * (0x1.20c62c2f2d7f5p-2 + z * -0x1.2a0c591af8314p-5)))))));
  const double cos_r = c_hi + ((c_err - w_lo) + cos_tail);
  // Quadrant q: (sin, cos)(2 pi u) = (sin_r, cos_r), (cos_r, -sin_r),
  // (-sin_r, -cos_r), (-cos_r, sin_r) for q mod 4 = 0, 1, 2, 3.
  const bool odd = (q & 1) != 0;
  const double s0 = odd ? cos_r : sin_r;
  const double c0 = odd ? sin_r : cos_r;
  s = from_bits(bits(s0) ^ ((q & 2) << 62));        // negate in quadrants 2, 3
  c = from_bits(bits(c0) ^ (((q + 1) & 2) << 62));  // negate in quadrants 1, 2
}

// out[i] = exp(in[i]) for i < n; in == out is allowed. The loop vectorises
// (see the header comment), and the results equal the scalar ones bit for bit.
[[gnu::always_inline]] inline void exp(const double* in, double* out, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = exp(in[i]);
}

// out[i] = log(in[i]) for i < n; in == out is allowed. Vectorises like exp.
[[gnu::always_inline]] inline void log(const double* in, double* out, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = log(in[i]);
}

}  // namespace cw::vmath
