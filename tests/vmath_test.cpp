// Accuracy and property tests of core/vmath.hpp.
//
// These are exact property checks, not statistical tests: the sample points
// come from std::mt19937_64 with fixed seeds (its output is fixed by the
// standard, and the points are built from its bits, not with <random>'s
// distributions), so every run checks the same points and there is no
// false-failure rate.
//
// References are the x87 long double functions std::expl, logl, sinl, cosl
// (64-bit significands, independent of the code under test; spot checks
// against 200-bit mpmath agree to about 0.001 ulp). "Distance" is the number
// of doubles between our result and the reference rounded to double;
// "error" is |ours - reference| in ulps of the reference's binade. Each
// accuracy test prints its maxima ("[ accuracy ]" lines).
#include "core/vmath.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <iterator>
#include <limits>
#include <numbers>
#include <random>
#include <vector>

namespace cw {
namespace {

#ifdef __SANITIZE_ADDRESS__
constexpr std::size_t kPoints = std::size_t{1} << 17;  // sanitizer builds are slow
#else
constexpr std::size_t kPoints = std::size_t{1} << 20;
#endif

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Scalar calls that are never inlined into (and so never vectorised with) the
// caller's loops: the reference for the array versions.
[[gnu::noinline]] double scalar_exp(double x) { return vmath::exp(x); }
[[gnu::noinline]] double scalar_log(double x) { return vmath::log(x); }

// Doubles in ascending order map to ascending integers (-0 and +0 to 0).
std::int64_t ordered(double d) {
  const auto i = std::bit_cast<std::int64_t>(d);
  return i < 0 ? std::numeric_limits<std::int64_t>::min() - i : i;
}

std::uint64_t distance(double a, double b) {
  const auto ia = static_cast<std::uint64_t>(ordered(a));
  const auto ib = static_cast<std::uint64_t>(ordered(b));
  return ordered(a) > ordered(b) ? ia - ib : ib - ia;
}

// |got - ref| in ulps of double at ref (the spacing of ref's binade, at
// least the subnormal spacing 2^-1074).
double ulp_error(double got, long double ref) {
  if (ref == 0) return got == 0 ? 0.0 : kInf;
  const int e = std::max(std::ilogb(std::fabs(ref)), -1022);
  return static_cast<double>(std::fabs(static_cast<long double>(got) - ref) /
                             std::ldexp(1.0L, e - 52));
}

struct Accuracy {
  const char* name;
  std::uint64_t max_distance = 0;
  double max_error = 0;
  double worst_x = 0;
  std::size_t count = 0;

  void add(double x, double got, long double ref) {
    ++count;
    const double rounded = static_cast<double>(ref);
    const std::uint64_t d = distance(got, rounded);
    max_distance = std::max(max_distance, d);
    // The fractional error is undefined past the overflow threshold.
    if (std::fabs(ref) <= std::numeric_limits<double>::max()) {
      const double err = ulp_error(got, ref);
      if (err > max_error) {
        max_error = err;
        worst_x = x;
      }
    }
  }
  void report() const {
    std::printf("[ accuracy ] %s, %zu points: max distance %llu, max error %.4f ulp at %a\n", name,
                count, static_cast<unsigned long long>(max_distance), max_error, worst_x);
  }
};

class Points {
 public:
  explicit Points(std::uint64_t seed) : gen_(seed) {}
  double unit() { return static_cast<double>(gen_() >> 11) * 0x1p-53; }  // [0, 1)
  double uniform(double lo, double hi) { return lo + (hi - lo) * unit(); }
  // +-2^e with e uniform in [lo_exp, hi_exp]: dense near zero.
  double log_uniform(double lo_exp, double hi_exp) {
    const double m = std::exp2(uniform(lo_exp, hi_exp));
    return (gen_() & 1) != 0 ? m : -m;
  }
  std::int64_t integer(std::int64_t lo, std::int64_t hi) {
    return lo + static_cast<std::int64_t>(gen_() % static_cast<std::uint64_t>(hi - lo + 1));
  }
  std::uint64_t bits() { return gen_(); }

 private:
  std::mt19937_64 gen_;
};

// ---- exp -------------------------------------------------------------------

constexpr double kExpMax = 709.782712893384;    // largest x with a finite exp(x)
constexpr double kExpMin = -745.1332191019411;  // smallest x with exp(x) > 0

std::vector<double> exp_points() {
  Points p(20240601);
  std::vector<double> xs;
  const double ln2 = std::numbers::ln2;
  for (std::size_t i = 0; i < kPoints; ++i) {
    switch (i % 8) {
      case 0:
      case 1:
        xs.push_back(p.uniform(-745.2, 709.8));
        break;
      case 2:
        xs.push_back(p.log_uniform(-60, 1));  // near 0
        break;
      case 3:
        xs.push_back(p.uniform(kExpMax - 12, kExpMax + 0.01));  // top, overflow
        break;
      case 4:
        xs.push_back(p.uniform(kExpMin - 0.01, -700));  // bottom, subnormal results
        break;
      case 5:  // reduction boundaries, |r| near ln2 / 2
        xs.push_back((static_cast<double>(p.integer(-1075, 1023)) + 0.5) * ln2 +
                     p.log_uniform(-50, -10));
        break;
      case 6:  // r near 0
        xs.push_back(static_cast<double>(p.integer(-1075, 1023)) * ln2 + p.log_uniform(-50, -5));
        break;
      default:
        xs.push_back(p.uniform(-2, 2));
    }
  }
  // Consecutive doubles at the ends of the range and at 0.
  for (double x0 : {kExpMax, kExpMin, 0.0, -0x1p-1074}) {
    double x = x0;
    for (int i = 0; i < 2000; ++i) x = std::nextafter(x, -kInf);
    for (int i = 0; i < 4000; ++i, x = std::nextafter(x, kInf)) xs.push_back(x);
  }
  return xs;
}

TEST(VmathExp, WithinOneUlpOfTheCorrectlyRoundedResult) {
  // Subnormal results are rounded twice (to 53 bits, then to the subnormal
  // grid), so they are reported apart.
  Accuracy acc{"exp"};
  Accuracy sub{"exp (subnormal results)"};
  for (double x : exp_points()) {
    const long double ref = std::exp(static_cast<long double>(x));
    (ref < 0x1p-1022L ? sub : acc).add(x, vmath::exp(x), ref);
  }
  acc.report();
  sub.report();
  EXPECT_LE(acc.max_distance, 1U);
  EXPECT_LT(acc.max_error, 1.0) << "at x = " << acc.worst_x;
  EXPECT_LE(sub.max_distance, 1U);
  EXPECT_LT(sub.max_error, 1.0) << "at x = " << sub.worst_x;
}

TEST(VmathExp, SpecialValues) {
  EXPECT_EQ(vmath::exp(0.0), 1.0);
  EXPECT_EQ(vmath::exp(-0.0), 1.0);
  EXPECT_EQ(vmath::exp(-kInf), 0.0);
  EXPECT_EQ(vmath::exp(kInf), kInf);
  EXPECT_TRUE(std::isnan(vmath::exp(kNaN)));
  EXPECT_TRUE(std::isnan(vmath::exp(-kNaN)));
  EXPECT_EQ(vmath::exp(1000.0), kInf);
  EXPECT_EQ(vmath::exp(-1000.0), 0.0);
  EXPECT_EQ(vmath::exp(710.0), kInf);
  EXPECT_EQ(vmath::exp(-746.0), 0.0);
  EXPECT_EQ(vmath::exp(1e300), kInf);
  EXPECT_EQ(vmath::exp(-1e300), 0.0);
  EXPECT_EQ(vmath::exp(0x1p-1074), 1.0);
  EXPECT_EQ(vmath::exp(std::nextafter(kExpMax, kInf)), kInf);
  EXPECT_LT(vmath::exp(kExpMax), kInf);
  EXPECT_EQ(vmath::exp(std::nextafter(kExpMin, -kInf)), 0.0);
  EXPECT_GT(vmath::exp(kExpMin), 0.0);
}

// ---- log -------------------------------------------------------------------

std::vector<double> log_points() {
  Points p(20240602);
  std::vector<double> xs;
  const auto positive = [](std::uint64_t b) { return std::bit_cast<double>(b); };
  for (std::size_t i = 0; i < kPoints; ++i) {
    switch (i % 10) {
      case 0:
      case 1:
      case 2:  // every positive finite double, all binades equally
        xs.push_back(positive(1 + p.bits() % 0x7fefffffffffffffULL));
        break;
      case 3:
      case 4:  // near 1
        xs.push_back(1.0 + p.log_uniform(-53, -1));
        break;
      case 5:
      case 6:  // near powers of two, subnormal ones included
        xs.push_back(
            std::ldexp(1.0 + p.log_uniform(-53, -8), static_cast<int>(p.integer(-1074, 1023))));
        break;
      case 7:  // near sqrt(2) 2^k, where the reduction changes k
        xs.push_back(std::ldexp(std::numbers::sqrt2 * (1.0 + p.log_uniform(-53, -8)),
                                static_cast<int>(p.integer(-1021, 1022))));
        break;
      case 8:  // subnormals
        xs.push_back(positive(1 + p.bits() % 0x000fffffffffffffULL));
        break;
      default:
        xs.push_back(p.uniform(0, 4));
    }
  }
  for (double x0 : {1.0, 2.0, 0.5, 0x1p-1022, std::numbers::sqrt2 / 2}) {
    double x = x0;
    for (int i = 0; i < 2000; ++i) x = std::nextafter(x, 0.0);
    for (int i = 0; i < 4000; ++i, x = std::nextafter(x, kInf)) xs.push_back(x);
  }
  xs.push_back(std::numeric_limits<double>::max());
  xs.push_back(0x1p-1074);
  return xs;
}

TEST(VmathLog, WithinOneUlpOfTheCorrectlyRoundedResult) {
  Accuracy acc{"log"};
  for (double x : log_points()) acc.add(x, vmath::log(x), std::log(static_cast<long double>(x)));
  acc.report();
  EXPECT_LE(acc.max_distance, 1U);
  EXPECT_LT(acc.max_error, 1.0) << "at x = " << acc.worst_x;
}

TEST(VmathLog, SpecialValues) {
  EXPECT_EQ(std::bit_cast<std::uint64_t>(vmath::log(1.0)), 0U);  // +0 exactly
  EXPECT_EQ(vmath::log(0.0), -kInf);
  EXPECT_EQ(vmath::log(-0.0), -kInf);
  EXPECT_TRUE(std::isnan(vmath::log(-1.0)));
  EXPECT_TRUE(std::isnan(vmath::log(-0x1p-1074)));
  EXPECT_TRUE(std::isnan(vmath::log(-kInf)));
  EXPECT_TRUE(std::isnan(vmath::log(kNaN)));
  EXPECT_EQ(vmath::log(kInf), kInf);
  EXPECT_EQ(vmath::log(2.0), std::numbers::ln2);  // ln2_hi + ln2_lo, rounded once
}

// ---- sincos_turns ----------------------------------------------------------

// sin and cos of 2 pi u in long double. The reduction u - q/4 is exact, so
// 2 pi r is accurate to 2^-64 relative and the reference stays accurate near
// the zeros of sin and cos (2 pi u itself would not be).
void reference_sincos(double u, long double& s, long double& c) {
  const long double q = std::nearbyint(4.0L * u);
  const long double r = static_cast<long double>(u) - q / 4;
  const long double th = 2 * std::numbers::pi_v<long double> * r;
  const long double sr = std::sin(th);
  const long double cr = std::cos(th);
  switch (static_cast<int>(static_cast<long long>(q) & 3)) {
    case 0:
      s = sr, c = cr;
      break;
    case 1:
      s = cr, c = -sr;
      break;
    case 2:
      s = -sr, c = -cr;
      break;
    default:
      s = -cr, c = sr;
  }
}

std::vector<double> sincos_points() {
  Points p(20240603);
  std::vector<double> us;
  for (std::size_t i = 0; i < kPoints; ++i) {
    double u = 0;
    switch (i % 5) {
      case 0:
      case 1:
        u = p.unit();
        break;
      case 2:
      case 3:  // near the quadrant boundaries 0, 1/4, 1/2, 3/4, 1
        u = static_cast<double>(p.integer(0, 4)) * 0.25 + p.log_uniform(-60, -3);
        break;
      default:  // near the octant boundaries, where |r| is largest
        u = static_cast<double>(2 * p.integer(0, 3) + 1) * 0.125 + p.log_uniform(-50, -4);
    }
    us.push_back(std::clamp(u, 0.0, 1.0));
  }
  for (double u0 : {0.0, 0.125, 0.25, 0.5, 0.75, 1.0}) {
    double u = u0;
    for (int i = 0; i < 1000; ++i) u = std::nextafter(u, -kInf);
    for (int i = 0; i < 2000; ++i, u = std::nextafter(u, kInf)) us.push_back(u);
  }
  return us;
}

TEST(VmathSincosTurns, WithinOneUlpOfTheCorrectlyRoundedResult) {
  Accuracy sin_acc{"sin"};
  Accuracy cos_acc{"cos"};
  for (double u : sincos_points()) {
    double s = 0;
    double c = 0;
    vmath::sincos_turns(u, s, c);
    long double rs = 0;
    long double rc = 0;
    reference_sincos(u, rs, rc);
    sin_acc.add(u, s, rs);
    cos_acc.add(u, c, rc);
  }
  sin_acc.report();
  cos_acc.report();
  EXPECT_LE(sin_acc.max_distance, 1U);
  EXPECT_LE(cos_acc.max_distance, 1U);
  EXPECT_LT(sin_acc.max_error, 1.0) << "at u = " << sin_acc.worst_x;
  EXPECT_LT(cos_acc.max_error, 1.0) << "at u = " << cos_acc.worst_x;
}

// Outside [0, 1] the same reduction holds: [-4, 4], and |u| up to 2^49.
TEST(VmathSincosTurns, AccurateOutsideZeroToOne) {
  Points p(20240604);
  Accuracy sin_acc{"sin"};
  Accuracy cos_acc{"cos"};
  for (std::size_t i = 0; i < kPoints / 8; ++i) {
    const double u = i % 2 == 0 ? p.uniform(-4, 4) : p.log_uniform(2, 49);
    double s = 0;
    double c = 0;
    vmath::sincos_turns(u, s, c);
    long double rs = 0;
    long double rc = 0;
    reference_sincos(u, rs, rc);
    sin_acc.add(u, s, rs);
    cos_acc.add(u, c, rc);
  }
  EXPECT_LE(sin_acc.max_distance, 1U);
  EXPECT_LE(cos_acc.max_distance, 1U);
  EXPECT_LT(sin_acc.max_error, 1.0) << "at u = " << sin_acc.worst_x;
  EXPECT_LT(cos_acc.max_error, 1.0) << "at u = " << cos_acc.worst_x;
}

TEST(VmathSincosTurns, ExactAtQuarterTurns) {
  const double expected[5][2] = {{0, 1}, {1, 0}, {0, -1}, {-1, 0}, {0, 1}};
  for (int i = 0; i <= 4; ++i) {
    double s = kNaN;
    double c = kNaN;
    vmath::sincos_turns(0.25 * i, s, c);
    EXPECT_EQ(s, expected[i][0]) << "u = " << 0.25 * i;  // a zero may be -0
    EXPECT_EQ(c, expected[i][1]) << "u = " << 0.25 * i;
  }
  double s = 0;
  double c = 0;
  vmath::sincos_turns(kNaN, s, c);
  EXPECT_TRUE(std::isnan(s));
  EXPECT_TRUE(std::isnan(c));
}

// ---- recorded bits ----------------------------------------------------------

// The results' bits are part of every simulation result, so a change to them
// (a coefficient, the evaluation order, a compiler that contracts or
// reassociates) must be deliberate: this hash of 4 x 4096 results (inputs
// built from the generator's bits with + and * only) is recorded. Every build
// of this test (-O0, -O3, sanitizers) must give it.
TEST(VmathBits, MatchTheRecordedHash) {
  Points p(99);
  std::uint64_t h = 0xcbf29ce484222325ULL;
  const auto mix = [&h](double v) {
    h ^= std::bit_cast<std::uint64_t>(v);
    h *= 0x100000001b3ULL;
  };
  for (int i = 0; i < 4096; ++i) {
    mix(vmath::exp(p.uniform(-746, 710)));
    mix(vmath::log(std::bit_cast<double>(1 + p.bits() % 0x7fefffffffffffffULL)));
    double s = 0;
    double c = 0;
    vmath::sincos_turns(p.unit(), s, c);
    mix(s);
    mix(c);
  }
  EXPECT_EQ(h, 0x8187191251a9e16fULL) << std::hex << h;
}

// ---- array versions, monotonicity ------------------------------------------

std::vector<double> mixed_inputs(std::uint64_t seed, std::size_t n) {
  Points p(seed);
  const double specials[] = {0.0,       -0.0,       1.0,       -1.0,    kInf,  -kInf, kNaN,
                             0x1p-1074, -0x1p-1074, 0x1p-1022, 1e-300,  700.0, 709.9, -745.0,
                             -1e300,    1e300,      kExpMax,   kExpMin, 0.5};
  std::vector<double> v;
  for (std::size_t i = 0; i < n; ++i) {
    if (i % 7 == 3) {
      v.push_back(specials[i % std::size(specials)]);
    } else if (i % 7 == 5) {
      v.push_back(std::bit_cast<double>(p.bits()));  // any double, NaNs included
    } else {
      v.push_back(p.uniform(-750, 750));
    }
  }
  return v;
}

// Bit for bit, except that two NaNs match whatever their payloads.
bool same(double a, double b) {
  return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b) ||
         (std::isnan(a) && std::isnan(b));
}

TEST(VmathArray, EqualsScalarBitForBit) {
  const std::vector<double> in = mixed_inputs(7, 5000);
  std::vector<double> log_in(in);
  for (double& x : log_in) x = std::fabs(x) * (x < -700 ? -1 : 1);  // mostly positive
  // Every length up to 40 (vector tails) at two alignments, then long arrays.
  for (std::size_t n = 0; n <= 1041; n = n < 40 ? n + 1 : n + 1000) {
    for (std::size_t offset = 0; offset < 2; ++offset) {
      std::vector<double> out(n);
      vmath::exp(in.data() + offset, out.data(), n);
      for (std::size_t i = 0; i < n; ++i) {
        ASSERT_TRUE(same(out[i], scalar_exp(in[offset + i]))) << "exp, x = " << in[offset + i];
      }
      vmath::log(log_in.data() + offset, out.data(), n);
      for (std::size_t i = 0; i < n; ++i) {
        ASSERT_TRUE(same(out[i], scalar_log(log_in[offset + i])))
            << "log, x = " << log_in[offset + i];
      }
    }
  }
  // In place.
  std::vector<double> v(in);
  vmath::exp(v.data(), v.data(), v.size());
  for (std::size_t i = 0; i < v.size(); ++i) ASSERT_TRUE(same(v[i], scalar_exp(in[i])));
  v = log_in;
  vmath::log(v.data(), v.data(), v.size());
  for (std::size_t i = 0; i < v.size(); ++i) ASSERT_TRUE(same(v[i], scalar_log(log_in[i])));
}

// Sorted samples: random points plus runs of consecutive doubles at the
// points where the reduction changes.
std::vector<double> sorted_sample(std::vector<double> xs, const std::vector<double>& starts) {
  for (double x0 : starts) {
    double x = x0;
    for (int i = 0; i < 5000; ++i) x = std::nextafter(x, -kInf);
    for (int i = 0; i < 10000; ++i, x = std::nextafter(x, kInf)) xs.push_back(x);
  }
  std::sort(xs.begin(), xs.end());
  return xs;
}

TEST(VmathMonotonic, ExpIsNonDecreasing) {
  Points p(11);
  std::vector<double> xs;
  for (std::size_t i = 0; i < kPoints / 4; ++i) xs.push_back(p.uniform(-746, 710));
  const double ln2 = std::numbers::ln2;
  xs = sorted_sample(std::move(xs), {0.0, 0.5 * ln2, -0.5 * ln2, 1.5 * ln2, 100.5 * ln2,
                                     -1000.5 * ln2, kExpMax, kExpMin, -708.4});
  std::vector<double> ys(xs.size());
  vmath::exp(xs.data(), ys.data(), xs.size());
  for (std::size_t i = 1; i < xs.size(); ++i) {
    ASSERT_LE(ys[i - 1], ys[i]) << "exp at " << xs[i - 1] << " and " << xs[i];
  }
}

TEST(VmathMonotonic, LogIsNonDecreasing) {
  Points p(12);
  std::vector<double> xs;
  for (std::size_t i = 0; i < kPoints / 4; ++i) {
    xs.push_back(std::bit_cast<double>(1 + p.bits() % 0x7fefffffffffffffULL));
  }
  xs = sorted_sample(std::move(xs), {1.0, 2.0, 0.5, 0x1p-1022, 0x1p100, std::numbers::sqrt2,
                                     std::numbers::sqrt2 / 2, 0x1p-1060});
  std::vector<double> ys(xs.size());
  vmath::log(xs.data(), ys.data(), xs.size());
  for (std::size_t i = 1; i < xs.size(); ++i) {
    ASSERT_LE(ys[i - 1], ys[i]) << "log at " << xs[i - 1] << " and " << xs[i];
  }
}

}  // namespace
}  // namespace cw
