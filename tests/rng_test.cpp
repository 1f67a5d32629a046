// Known-answer and statistical tests of the random streams (core/random.hpp).
//
// Statistical tests use fixed seeds, so they are deterministic; the stated
// false-failure rate is the chance that the assertion fails for a correct
// generator with a seed drawn at random.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <map>
#include <set>
#include <vector>

#include "core/random.hpp"

namespace cw {
namespace {

// Random123's published known answers for Philox4x64-10 (kat_vectors).
TEST(Philox, KnownAnswerZero) {
  const auto r = philox_block({0, 0, 0, 0}, {0, 0});
  EXPECT_EQ(r[0], 0x16554d9eca36314cULL);
  EXPECT_EQ(r[1], 0xdb20fe9d672d0fdcULL);
  EXPECT_EQ(r[2], 0xd7e772cee186176bULL);
  EXPECT_EQ(r[3], 0x7e68b68aec7ba23bULL);
}

TEST(Philox, KnownAnswerAllOnes) {
  const std::uint64_t f = ~0ULL;
  const auto r = philox_block({f, f, f, f}, {f, f});
  EXPECT_EQ(r[0], 0x87b092c3013fe90bULL);
  EXPECT_EQ(r[1], 0x438c3c67be8d0224ULL);
  EXPECT_EQ(r[2], 0x9cc7d7c69cd777b6ULL);
  EXPECT_EQ(r[3], 0xa09caebf594f0ba0ULL);
}

// The round keys computed once (PhiloxKeys, LabDraws' blocks) give the same
// function: the known answers, then Random123's philox_block() on counters
// and keys from a splitmix64 sequence (carries in the key sums included).
TEST(Philox, PrecomputedRoundKeysEqualRandom123) {
  EXPECT_EQ(PhiloxKeys({0, 0}).block({0, 0, 0, 0}),
            (std::array<std::uint64_t, 4>{0x16554d9eca36314cULL, 0xdb20fe9d672d0fdcULL,
                                          0xd7e772cee186176bULL, 0x7e68b68aec7ba23bULL}));
  const std::uint64_t f = ~0ULL;
  EXPECT_EQ(PhiloxKeys({f, f}).block({f, f, f, f}),
            (std::array<std::uint64_t, 4>{0x87b092c3013fe90bULL, 0x438c3c67be8d0224ULL,
                                          0x9cc7d7c69cd777b6ULL, 0xa09caebf594f0ba0ULL}));
  std::uint64_t state = 12345;
  auto next = [&state] {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  };
  for (int i = 0; i < 1000; ++i) {
    const std::array<std::uint64_t, 2> key = {next(), next()};
    const std::array<std::uint64_t, 4> ctr = {next(), next(), next(), next()};
    ASSERT_EQ(PhiloxKeys(key).block(ctr), philox_block(ctr, key)) << i;
  }
}

// A cursor keyed (seed 0, stream 0) at (step 0, entity 0) walks the zero
// block first, then the block with counter word 2 = 1.
TEST(Draws, WalksCounterBlocksInOrder) {
  Draws d(0, static_cast<Stream>(0), 0, 0);
  EXPECT_EQ(d.next_u64(), 0x16554d9eca36314cULL);
  EXPECT_EQ(d.next_u64(), 0xdb20fe9d672d0fdcULL);
  EXPECT_EQ(d.next_u64(), 0xd7e772cee186176bULL);
  EXPECT_EQ(d.next_u64(), 0x7e68b68aec7ba23bULL);
  const auto second = philox_block({0, 0, 1, 0}, {0, 0});
  EXPECT_EQ(d.next_u64(), second[0]);
}

// uniform() = ((w >> 12) + 0.5) / 2^52, computed here by hand from the KAT word.
TEST(Draws, UniformMapsTheTop52BitsToTheOpenInterval) {
  Draws d(0, static_cast<Stream>(0), 0, 0);
  const double expected =
      (static_cast<double>(0x16554d9eca36314cULL >> 12) + 0.5) / 4503599627370496.0;
  EXPECT_EQ(d.uniform(), expected);
  // The extremes of the mapping stay strictly inside (0, 1).
  EXPECT_GT((0.0 + 0.5) * 0x1.0p-52, 0.0);
  EXPECT_LT((static_cast<double>((1ULL << 52) - 1) + 0.5) * 0x1.0p-52, 1.0);
}

// Box-Muller by hand (libm) from the first two uniforms; our log and cos
// are within 1 ulp each, so the product agrees to a few ulp.
TEST(Draws, NormalIsBoxMullerOfTwoUniforms) {
  for (std::uint64_t e = 0; e < 50; ++e) {
    Draws a(7, Stream::choice_noise, 3, e);
    Draws b(7, Stream::choice_noise, 3, e);
    const double u1 = a.uniform();
    const double u2 = a.uniform();
    const double z = std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
    EXPECT_NEAR(b.normal(), z, 1e-14 * (1 + std::abs(z)));
  }
}

// LabDraws: lab i's uniform is word i mod 4 of block (step, i div 4); its
// normal is the cosine (even i) or sine (odd i) of the Box-Muller pair of
// words (0, 1) or (2, 3); a lab's draw does not depend on other labs.
TEST(LabDraws, FourLabsShareABlock) {
  for (std::uint64_t lab = 0; lab < 12; ++lab) {
    Draws block(5, Stream::renewal, 9, lab / 4);
    std::array<double, 4> u{};
    for (double& v : u) v = block.uniform();
    LabDraws alone(5, Stream::renewal, 9);
    EXPECT_EQ(alone.uniform(lab), u[lab % 4]) << lab;
    const std::size_t pair = (lab % 4) / 2 * 2;
    const double r = std::sqrt(-2.0 * std::log(u[pair]));
    const double angle = 6.283185307179586 * u[pair + 1];
    const double z = lab % 2 == 0 ? r * std::cos(angle) : r * std::sin(angle);
    EXPECT_NEAR(alone.normal(lab), z, 1e-14 * (1 + std::abs(z))) << lab;
  }
  // Visiting other labs first changes nothing.
  LabDraws a(5, Stream::demand, 2), b(5, Stream::demand, 2);
  for (std::uint64_t lab = 0; lab < 40; lab += 3) a.normal(lab);
  EXPECT_EQ(a.normal(17), b.normal(17));
  EXPECT_EQ(a.uniform(6), b.uniform(6));
}

// The batched normals (vectorised Box-Muller, used by the demand rule) are
// the one-lab-at-a-time normals bit for bit, for any ids: gaps, repeats and
// groups split across batches.
TEST(LabDraws, BatchedNormalsEqualSingleOnes) {
  std::vector<std::uint64_t> ids;
  for (std::uint64_t i = 0; i < 40; ++i) ids.push_back(i);
  for (std::uint64_t i : {41u, 43u, 44u, 50u, 51u, 52u, 53u, 54u, 99u, 1000u}) ids.push_back(i);
  ids.push_back(7);  // a repeat, out of order
  LabDraws batched(3, Stream::demand, 5), single(3, Stream::demand, 5);
  std::vector<double> z(ids.size());
  for (std::size_t base = 0; base < ids.size(); base += 13) {  // batches cut inside groups
    const std::size_t m = std::min<std::size_t>(13, ids.size() - base);
    batched.normals(ids.data() + base, m, z.data() + base);
  }
  for (std::size_t i = 0; i < ids.size(); ++i) {
    EXPECT_EQ(std::bit_cast<std::uint64_t>(z[i]),
              std::bit_cast<std::uint64_t>(single.normal(ids[i])))
        << "lab " << ids[i];
  }
}

// Mean and variance of 200,000 LabDraws normals over labs and steps:
// |mean| < 5 sd/sqrt(n), |var - 1| < 5 sqrt(2/n) (false-failure ~1e-6 each);
// and the two normals of a pair are uncorrelated: |r| < 5/sqrt(n/2).
TEST(DrawsStatistics, LabDrawsNormalsAreStandardAndPairsUncorrelated) {
  const std::size_t n = 200000;
  double sum = 0, sq = 0, cross = 0;
  for (std::uint64_t step = 0; step < 50; ++step) {
    LabDraws d(11, Stream::demand, step);
    for (std::uint64_t lab = 0; lab < n / 50; lab += 2) {
      const double z0 = d.normal(lab), z1 = d.normal(lab + 1);
      sum += z0 + z1;
      sq += z0 * z0 + z1 * z1;
      cross += z0 * z1;
    }
  }
  const double N = static_cast<double>(n);
  const double mean = sum / N, var = sq / N - mean * mean;
  EXPECT_LT(std::abs(mean), 5 / std::sqrt(N));
  EXPECT_LT(std::abs(var - 1), 5 * std::sqrt(2 / N));
  EXPECT_LT(std::abs(cross / (N / 2)), 5 / std::sqrt(N / 2));
}

TEST(Draws, SameKeySameNumbersOtherKeyOtherNumbers) {
  std::set<std::uint64_t> firsts;
  for (std::uint64_t seed : {1u, 2u}) {
    for (auto stream : {Stream::demand, Stream::exits}) {
      for (std::uint64_t step : {0u, 1u}) {
        for (std::uint64_t entity : {0u, 1u}) {
          Draws a(seed, stream, step, entity), b(seed, stream, step, entity);
          const auto x = a.next_u64();
          EXPECT_EQ(x, b.next_u64());
          firsts.insert(x);
        }
      }
    }
  }
  EXPECT_EQ(firsts.size(), 16u);  // every key gives its own sequence
}

// Draws of distributions pinned by hand from the uniforms they consume.
TEST(Draws, DistributionsAreTheirInverseCdfs) {
  Dist u;
  u.kind = DistKind::uniform;
  u.low = 2;
  u.high = 5;
  Dist pareto;
  pareto.kind = DistKind::pareto;
  pareto.shape = 1.5;
  pareto.scale = 2;
  Dist lomax = pareto;
  lomax.kind = DistKind::lomax;
  lomax.offset = 1;
  Dist clamped = Dist::fixed_at(7);
  clamped.max = 3;
  for (std::uint64_t e = 0; e < 20; ++e) {
    Draws a(3, Stream::lab_init, 0, e), b(3, Stream::lab_init, 0, e);
    EXPECT_EQ(a.draw(u), 2 + 3 * b.uniform());
    // U^(-1/shape) is computed as exp(ln U / -shape) with our exp and log:
    // within 1e-14 relative of libm's pow for U >= 2^-53.
    const double pa = 2 * std::pow(b.uniform(), -1 / 1.5);
    EXPECT_NEAR(a.draw(pareto), pa, 1e-14 * pa);
    const double lo = 1 + 2 * (std::pow(b.uniform(), -1 / 1.5) - 1);
    EXPECT_NEAR(a.draw(lomax), lo, 1e-14 * lo);
    EXPECT_EQ(a.draw(clamped), 3);
  }
}

// Mean and variance of 200,000 standard normals: |mean| < 5 sd/sqrt(n) and
// |var - 1| < 5 sqrt(2/n). False-failure rate about 1e-6 for each.
TEST(DrawsStatistics, NormalMeanAndVariance) {
  const int n = 200000;
  double sum = 0, sum2 = 0;
  for (int i = 0; i < n; ++i) {
    Draws d(11, Stream::demand, 0, static_cast<std::uint64_t>(i));
    const double z = d.normal();
    sum += z;
    sum2 += z * z;
  }
  const double mean = sum / n;
  const double var = sum2 / n - mean * mean;
  EXPECT_LT(std::abs(mean), 5 / std::sqrt(n));
  EXPECT_LT(std::abs(var - 1), 5 * std::sqrt(2.0 / n));
}

// Poisson means for both methods (lambda 3: multiplication; 40: PTRS):
// |mean - lambda| < 5 sqrt(lambda/n). False-failure rate about 1e-6 each.
TEST(DrawsStatistics, PoissonMeanAndVarianceBothMethods) {
  for (double lambda : {3.0, 40.0}) {
    const int n = 100000;
    double sum = 0, sum2 = 0;
    for (int i = 0; i < n; ++i) {
      Draws d(5, Stream::arrivals, static_cast<std::uint64_t>(i), 0);
      const auto k = static_cast<double>(d.poisson(lambda));
      sum += k;
      sum2 += k * k;
    }
    const double mean = sum / n;
    const double var = sum2 / n - mean * mean;
    EXPECT_LT(std::abs(mean - lambda), 5 * std::sqrt(lambda / n)) << lambda;
    // Variance of the sample variance ~ (2 lambda^2 + lambda) / n for Poisson.
    EXPECT_LT(std::abs(var - lambda), 5 * std::sqrt((2 * lambda * lambda + lambda) / n)) << lambda;
  }
}

// below(n) is uniform on {0..n-1}: chi-square over 7 cells with 70,000 draws
// stays under 22.46 (the 0.999 quantile of chi-square with 6 degrees of
// freedom). False-failure rate 1e-3.
TEST(DrawsStatistics, BoundedIntegersAreUniform) {
  std::map<std::uint64_t, int> counts;
  Draws d(9, Stream::network, 0, 0);
  const int n = 70000;
  for (int i = 0; i < n; ++i) {
    const auto k = d.below(7);
    ASSERT_LT(k, 7u);
    ++counts[k];
  }
  double chi2 = 0;
  for (const auto& [k, c] : counts) chi2 += (c - n / 7.0) * (c - n / 7.0) / (n / 7.0);
  EXPECT_LT(chi2, 22.46);
}

// Lomax(shape 3, scale 2) has mean scale / (shape - 1) = 1 and variance
// scale^2 shape / ((shape-1)^2 (shape-2)) = 3; |mean - 1| < 5 sqrt(3/n).
// False-failure rate about 1e-6 (the heavy tail makes the CLT slower; shape 3
// keeps the variance finite).
TEST(DrawsStatistics, LomaxMean) {
  Dist lomax;
  lomax.kind = DistKind::lomax;
  lomax.shape = 3;
  lomax.scale = 2;
  const int n = 200000;
  double sum = 0;
  for (int i = 0; i < n; ++i) {
    Draws d(13, Stream::lab_init, 0, static_cast<std::uint64_t>(i));
    sum += d.draw(lomax);
  }
  EXPECT_LT(std::abs(sum / n - 1.0), 5 * std::sqrt(3.0 / n));
}

}  // namespace
}  // namespace cw
