// Unit tests of the sweep designs (batch/design.hpp, docs/SWEEPS.md).
//
// Each test checks a property that follows from the definition of the design
// (hand-computed values, or a mathematical property such as "each stratum
// holds one point"), not from the code that builds it. Sweep specs are built
// in code; nothing is read from files.
#include "sweep/design.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/random.hpp"
#include "sweep/sweep_spec.hpp"

namespace cw {
namespace {

SweepParam values_param(std::string path, std::vector<std::string> values) {
  SweepParam p;
  p.path = std::move(path);
  p.values = std::move(values);
  return p;
}

SweepParam range_param(std::string path, double from, double to, std::int64_t steps,
                       Scale scale = Scale::linear) {
  SweepParam p;
  p.path = std::move(path);
  p.from = from;
  p.to = to;
  p.steps = steps;
  p.scale = scale;
  return p;
}

SweepParam sampled_param(std::string path, double low, double high, Scale scale = Scale::linear) {
  SweepParam p;
  p.path = std::move(path);
  p.low = low;
  p.high = high;
  p.scale = scale;
  return p;
}

SweepSpec make_spec(DesignKind kind, std::vector<SweepParam> params, std::int64_t samples = 0,
                    std::int64_t levels = 4, std::int64_t seed = 1) {
  SweepSpec s;
  s.name = "test";
  s.base = "base.yaml";
  s.seed = seed;
  s.design.kind = kind;
  s.design.samples = samples;
  s.design.levels = levels;
  s.parameters = std::move(params);
  return s;
}

std::vector<bool> not_integer(const SweepSpec& s) {
  return std::vector<bool>(s.parameters.size(), false);
}

// The same vector minus the entry at `skip`.
std::vector<double> without(const std::vector<double>& v, std::size_t skip) {
  std::vector<double> out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i != skip) out.push_back(v[i]);
  }
  return out;
}

// ---------------------------------------------------------------------------
// grid

TEST(DesignGrid, SizeIsTheProductOfTheAxisLengthsAndTheLastParameterVariesFastest) {
  const SweepSpec s =
      make_spec(DesignKind::grid, {values_param("a", {"1", "2"}),
                                   values_param("b", {"x", "y", "z"}), range_param("c", 0, 1, 2)});
  const Design d = make_design(s, not_integer(s));
  ASSERT_EQ(d.size(), 2u * 3u * 2u);
  EXPECT_EQ(d.paths, (std::vector<std::string>{"a", "b", "c"}));
  // Written out by hand: an odometer whose last wheel turns fastest.
  const std::vector<std::vector<std::string>> expected = {
      {"1", "x", "0"}, {"1", "x", "1"}, {"1", "y", "0"}, {"1", "y", "1"},
      {"1", "z", "0"}, {"1", "z", "1"}, {"2", "x", "0"}, {"2", "x", "1"},
      {"2", "y", "0"}, {"2", "y", "1"}, {"2", "z", "0"}, {"2", "z", "1"}};
  EXPECT_EQ(d.values, expected);
  // Each grid point is its own group, with no role and no unit coordinates.
  for (std::size_t i = 0; i < d.size(); ++i) {
    EXPECT_EQ(d.group[i], static_cast<std::int64_t>(i));
    EXPECT_EQ(d.role[i], "");
  }
  EXPECT_TRUE(d.unit.empty());
}

TEST(DesignGrid, OneParameterGivesItsValuesInOrder) {
  const SweepSpec s = make_spec(DesignKind::grid, {values_param("a", {"3", "1", "2"})});
  const Design d = make_design(s, not_integer(s));
  EXPECT_EQ(d.values, (std::vector<std::vector<std::string>>{{"3"}, {"1"}, {"2"}}));
}

TEST(DesignGridRange, LinearEndsExactlyAtFromAndToAndIsEvenlySpaced) {
  // 0, 0.5, 1, 1.5, 2: every value exactly representable.
  EXPECT_EQ(grid_range(0, 2, 5, Scale::linear), (std::vector<double>{0, 0.5, 1, 1.5, 2}));
  // 0.1 .. 0.7 in 7 values: the ends exactly, steps of 0.1 in between.
  const std::vector<double> v = grid_range(0.1, 0.7, 7, Scale::linear);
  ASSERT_EQ(v.size(), 7u);
  EXPECT_EQ(v.front(), 0.1);
  EXPECT_EQ(v.back(), 0.7);
  for (std::size_t i = 1; i < v.size(); ++i) EXPECT_NEAR(v[i] - v[i - 1], 0.1, 1e-15);
  // Decreasing ranges too.
  const std::vector<double> down = grid_range(2, -1, 4, Scale::linear);
  EXPECT_EQ(down, (std::vector<double>{2, 1, 0, -1}));
}

TEST(DesignGridRange, LogIsGeometricallySpaced) {
  const std::vector<double> v = grid_range(1, 1000, 4, Scale::log);
  ASSERT_EQ(v.size(), 4u);
  EXPECT_EQ(v.front(), 1.0);
  EXPECT_EQ(v.back(), 1000.0);
  EXPECT_NEAR(v[1], 10.0, 1e-12);
  EXPECT_NEAR(v[2], 100.0, 1e-12);
  // Constant ratio between neighbours: (to/from)^(1/(steps-1)).
  const std::vector<double> w = grid_range(0.3, 30, 5, Scale::log);
  const double ratio = std::pow(100.0, 0.25);
  for (std::size_t i = 1; i < w.size(); ++i) EXPECT_NEAR(w[i] / w[i - 1], ratio, 1e-12);
}

TEST(DesignGridRange, LogEndsExactlyAtFromAndTo) {
  // The ends are the values the user wrote: runs.csv must show 0.1, not
  // exp(log(0.1)) = 0.10000000000000002.
  for (const auto& [from, to] : std::vector<std::pair<double, double>>{
           {0.1, 10}, {0.01, 1}, {0.3, 3}, {0.05, 0.3}, {2, 32}}) {
    const std::vector<double> v = grid_range(from, to, 5, Scale::log);
    EXPECT_EQ(v.front(), from) << "from " << from << " to " << to << ": got "
                               << fmt::format("{}", v.front()) << " .. "
                               << fmt::format("{}", v.back());
    EXPECT_EQ(v.back(), to) << "from " << from << " to " << to << ": got "
                            << fmt::format("{}", v.front()) << " .. "
                            << fmt::format("{}", v.back());
  }
}

TEST(DesignGrid, IntegerRangesAreRounded) {
  // 0, 10/3, 20/3, 10 rounded to whole numbers; 1..10 in 4 steps is exact.
  SweepSpec s = make_spec(DesignKind::grid, {range_param("n", 0, 10, 4)});
  Design d = make_design(s, {true});
  EXPECT_EQ(d.values, (std::vector<std::vector<std::string>>{{"0"}, {"3"}, {"7"}, {"10"}}));
  s = make_spec(DesignKind::grid, {range_param("n", 1, 10, 4)});
  d = make_design(s, {true});
  EXPECT_EQ(d.values, (std::vector<std::vector<std::string>>{{"1"}, {"4"}, {"7"}, {"10"}}));
}

TEST(DesignFormat, ValuesAreShortestRoundTripOrWholeNumbers) {
  EXPECT_EQ(format_value(0.1, false), "0.1");
  EXPECT_EQ(format_value(2.0, false), "2");
  EXPECT_EQ(format_value(1.0 / 3.0, false), "0.3333333333333333");
  EXPECT_EQ(std::stod(format_value(1.0 / 3.0, false)), 1.0 / 3.0);
  EXPECT_EQ(format_value(2.4, true), "2");
  EXPECT_EQ(format_value(2.5, true), "3");  // halves away from zero (llround)
  EXPECT_EQ(format_value(6.6666666666666661, true), "7");
}

// ---------------------------------------------------------------------------
// zip

TEST(DesignZip, PairsTheValuesInOrder) {
  const SweepSpec s = make_spec(DesignKind::zip, {values_param("a", {"1", "0.9", "0.8"}),
                                                  values_param("b", {"1.05", "0.945", "0.84"})});
  const Design d = make_design(s, not_integer(s));
  EXPECT_EQ(d.values, (std::vector<std::vector<std::string>>{
                          {"1", "1.05"}, {"0.9", "0.945"}, {"0.8", "0.84"}}));
  EXPECT_EQ(d.group, (std::vector<std::int64_t>{0, 1, 2}));
  EXPECT_TRUE(d.unit.empty());
}

TEST(DesignZip, ListsOfDifferentLengthsAreRefused) {
  const SweepSpec s = make_spec(
      DesignKind::zip, {values_param("a", {"1", "2", "3"}), values_param("b", {"1", "2"})});
  EXPECT_THROW(make_design(s, not_integer(s)), std::invalid_argument);
}

// ---------------------------------------------------------------------------
// csv

TEST(DesignCsv, RowsAreThePointsInFileOrder) {
  SweepSpec s = make_spec(DesignKind::csv, {values_param("a", {}), values_param("b", {})});
  const std::vector<std::vector<std::string>> rows = {{"1", "x"}, {"2", "y"}, {"1", "x"}};
  const Design d = make_design(s, not_integer(s), rows);
  EXPECT_EQ(d.paths, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(d.values, rows);
  EXPECT_EQ(d.group, (std::vector<std::int64_t>{0, 1, 2}));
  EXPECT_TRUE(d.unit.empty());
}

// ---------------------------------------------------------------------------
// random and the scales

TEST(DesignScale, LinearAndLogMapTheUnitIntervalAsDefined) {
  EXPECT_EQ(scale_unit(0.25, 2, 4, Scale::linear), 2.5);
  EXPECT_EQ(scale_unit(0.0, -3, -1, Scale::linear), -3.0);
  // log: low * (high / low)^u.
  EXPECT_NEAR(scale_unit(0.25, 2, 32, Scale::log), 4.0, 1e-14);
  EXPECT_NEAR(scale_unit(0.5, 1, 100, Scale::log), 10.0, 1e-13);
  for (double u : {0.0, 0.1, 0.37, 0.5, 0.9, 1.0}) {
    const double expected = 0.05 * std::pow(0.3 / 0.05, u);
    EXPECT_NEAR(scale_unit(u, 0.05, 0.3, Scale::log), expected, 1e-15) << u;
  }
}

TEST(DesignRandom, PointsLieInLowHighAndLogPointsFollowTheGeometricMap) {
  const SweepSpec s =
      make_spec(DesignKind::random,
                {sampled_param("a", -2, 5), sampled_param("b", 0.01, 10, Scale::log)}, 500, 4, 77);
  const Design d = make_design(s, not_integer(s));
  ASSERT_EQ(d.size(), 500u);
  ASSERT_EQ(d.unit.size(), 500u);
  for (std::size_t i = 0; i < d.size(); ++i) {
    ASSERT_EQ(d.unit[i].size(), 2u);
    const double a = std::stod(d.values[i][0]);
    const double b = std::stod(d.values[i][1]);
    EXPECT_GE(a, -2.0);
    EXPECT_LE(a, 5.0);
    EXPECT_GE(b, 0.01);
    EXPECT_LE(b, 10.0);
    EXPECT_GT(d.unit[i][0], 0.0);
    EXPECT_LT(d.unit[i][0], 1.0);
    // The value is the unit coordinate mapped linearly / geometrically.
    EXPECT_NEAR(a, -2.0 + 7.0 * d.unit[i][0], 1e-12);
    EXPECT_NEAR(b, 0.01 * std::pow(1000.0, d.unit[i][1]), 1e-12 * b);
    EXPECT_EQ(d.group[i], static_cast<std::int64_t>(i));
  }
  // Uniform in the unit square: each half holds about half the points
  // (binomial(500, 1/2): sd 11; 60 is more than 5 sd).
  std::size_t low_half = 0;
  for (const auto& u : d.unit) low_half += u[1] < 0.5 ? 1 : 0;
  EXPECT_NEAR(static_cast<double>(low_half), 250.0, 60.0);
}

TEST(DesignRandom, TheSameSeedGivesTheSameDesignAndAnotherSeedAnother) {
  const SweepSpec s1 = make_spec(DesignKind::random, {sampled_param("a", 0, 1)}, 10, 4, 3);
  const SweepSpec s2 = make_spec(DesignKind::random, {sampled_param("a", 0, 1)}, 10, 4, 4);
  EXPECT_EQ(make_design(s1, {false}).values, make_design(s1, {false}).values);
  EXPECT_NE(make_design(s1, {false}).values, make_design(s2, {false}).values);
}

TEST(DesignRandom, IntegerParametersAreRounded) {
  const SweepSpec s = make_spec(DesignKind::random, {sampled_param("n", 1, 12)}, 200, 4, 9);
  const Design d = make_design(s, {true});
  std::set<std::string> seen;
  for (std::size_t i = 0; i < d.size(); ++i) {
    const std::string& text = d.values[i][0];
    EXPECT_EQ(text.find_first_not_of("0123456789"), std::string::npos) << text;
    const double exact = 1.0 + 11.0 * d.unit[i][0];
    EXPECT_EQ(std::stoll(text), std::llround(exact));
    seen.insert(text);
  }
  EXPECT_EQ(seen.size(), 12u);  // 200 draws hit every whole number 1..12
}

// ---------------------------------------------------------------------------
// Latin hypercube

TEST(DesignLhs, EveryStratumOfEveryDimensionHoldsExactlyOnePoint) {
  for (const std::int64_t n : {1, 2, 7, 50}) {
    const SweepSpec s = make_spec(DesignKind::lhs,
                                  {sampled_param("a", 0, 1), sampled_param("b", 10, 20),
                                   sampled_param("c", 1, 100, Scale::log)},
                                  n, 4, 11);
    const Design d = make_design(s, not_integer(s));
    ASSERT_EQ(d.size(), static_cast<std::size_t>(n));
    for (std::size_t dim = 0; dim < 3; ++dim) {
      std::vector<int> count(static_cast<std::size_t>(n), 0);
      for (const auto& u : d.unit) {
        ASSERT_GE(u[dim], 0.0);
        ASSERT_LT(u[dim], 1.0);
        // Stratum i is [i/n, (i+1)/n).
        const auto i = static_cast<std::size_t>(std::floor(u[dim] * static_cast<double>(n)));
        ASSERT_LT(i, count.size());
        ++count[i];
      }
      for (std::size_t i = 0; i < count.size(); ++i) {
        EXPECT_EQ(count[i], 1) << "n " << n << " dimension " << dim << " stratum " << i;
      }
    }
  }
}

TEST(DesignLhs, ValuesAreTheUnitCoordinatesMappedToTheRanges) {
  const SweepSpec s = make_spec(DesignKind::lhs, {sampled_param("a", 10, 20)}, 16, 4, 5);
  const Design d = make_design(s, {false});
  for (std::size_t i = 0; i < d.size(); ++i) {
    EXPECT_EQ(std::stod(d.values[i][0]), 10.0 + 10.0 * d.unit[i][0]);
  }
}

// ---------------------------------------------------------------------------
// Saltelli (sobol)

TEST(DesignSobol, SaltelliStructureAAndBThenABi) {
  const std::size_t n = 8, k = 3;
  for (const Sampler sampler : {Sampler::quasi, Sampler::random}) {
    SweepSpec s =
        make_spec(DesignKind::sobol,
                  {sampled_param("a", 0, 1), sampled_param("b", -1, 1), sampled_param("c", 1, 10)},
                  static_cast<std::int64_t>(n), 4, 123);
    s.design.sampler = sampler;
    const Design d = make_design(s, not_integer(s));
    ASSERT_EQ(d.size(), n * (k + 2));
    ASSERT_EQ(d.unit.size(), d.size());
    const std::vector<std::string> roles = {"A", "B", "AB1", "AB2", "AB3"};
    for (std::size_t j = 0; j < n; ++j) {
      const std::size_t first = j * (k + 2);
      for (std::size_t r = 0; r < k + 2; ++r) {
        EXPECT_EQ(d.group[first + r], static_cast<std::int64_t>(j));
        EXPECT_EQ(d.role[first + r], roles[r]);
      }
      const auto& a = d.unit[first];
      const auto& b = d.unit[first + 1];
      EXPECT_NE(a, b);  // A_j = B_j would add nothing to any index
      if (sampler == Sampler::random) {
        for (std::size_t c = 0; c < k; ++c) EXPECT_NE(a[c], b[c]);  // independent draws
      }
      for (std::size_t i = 0; i < k; ++i) {
        const auto& ab = d.unit[first + 2 + i];
        for (std::size_t c = 0; c < k; ++c) EXPECT_EQ(ab[c], c == i ? b[c] : a[c]);
        // And so are the values.
        for (std::size_t c = 0; c < k; ++c) {
          EXPECT_EQ(d.values[first + 2 + i][c],
                    c == i ? d.values[first + 1][c] : d.values[first][c]);
        }
      }
    }
    // The base samples differ from one another.
    EXPECT_NE(d.unit[0], d.unit[k + 2]);
  }
}

// sampler: random draws A_j and then B_j from cursor (stream 9, step 2,
// entity j), as docs/SWEEPS.md says (and as before the quasi sampler).
TEST(DesignSobol, RandomSamplerDrawsAThenBFromOneCursorPerBaseSample) {
  const std::size_t n = 5, k = 2;
  SweepSpec s = make_spec(DesignKind::sobol, {sampled_param("a", 0, 1), sampled_param("b", 0, 1)},
                          static_cast<std::int64_t>(n), 4, 77);
  s.design.sampler = Sampler::random;
  const Design d = make_design(s, not_integer(s));
  for (std::size_t j = 0; j < n; ++j) {
    Draws r(77, Stream::design, 2, j);
    std::vector<double> a(k), b(k);
    for (auto& x : a) x = r.uniform();
    for (auto& x : b) x = r.uniform();
    EXPECT_EQ(d.unit[j * (k + 2)], a);
    EXPECT_EQ(d.unit[j * (k + 2) + 1], b);
  }
}

// sampler: quasi (the default) puts point j + 2 of the 2k-dimensional Sobol
// sequence into base sample j: its first k coordinates are A_j, the last k
// B_j. Points 0 and 1 are skipped. It uses no random numbers, so the sweep
// seed does not change it.
TEST(DesignSobol, QuasiSamplerTakesAAndBFromOneSobolPoint) {
  const std::size_t n = 16, k = 3;
  std::vector<SweepParam> params = {sampled_param("a", 0, 1), sampled_param("b", 0, 1),
                                    sampled_param("c", 0, 1)};
  const SweepSpec s = make_spec(DesignKind::sobol, params, static_cast<std::int64_t>(n), 4, 1);
  EXPECT_EQ(s.design.sampler, Sampler::quasi);  // the default
  const Design d = make_design(s, not_integer(s));
  const auto seq = sobol_sequence(n + 1, 2 * k);  // points 1 .. n + 1
  for (std::size_t j = 0; j < n; ++j) {
    const std::vector<double> a(seq[j + 1].begin(), seq[j + 1].begin() + k);
    const std::vector<double> b(seq[j + 1].begin() + k, seq[j + 1].end());
    EXPECT_EQ(d.unit[j * (k + 2)], a);
    EXPECT_EQ(d.unit[j * (k + 2) + 1], b);
  }
  EXPECT_EQ(make_design(make_spec(DesignKind::sobol, params, 16, 4, 999), not_integer(s)).unit,
            d.unit);
}

// The first points of the 2-dimensional Sobol sequence, by hand from the
// direction numbers (Bratley and Fox 1988; Joe and Kuo 2008). Dimension 1:
// v_k = 2^-k. Dimension 2: primitive polynomial x + 1, m_1 = 1 and
// m_k = 2 m_{k-1} xor m_{k-1}, so m = 1, 3, 5 and v = 1/2, 3/4, 5/8. Point
// i is the xor of v_k over the set bits k of the Gray code i xor (i >> 1):
// i = 1 (Gray 1): v1; i = 2 (Gray 3): v1^v2; i = 3 (Gray 2): v2;
// i = 4 (Gray 6): v2^v3; i = 5 (Gray 7): v1^v2^v3; i = 6 (Gray 5): v1^v3;
// i = 7 (Gray 4): v3.
TEST(SobolSequence, FirstPointsInTwoDimensionsByHand) {
  const std::vector<std::vector<double>> expected = {{0.5, 0.5},     {0.75, 0.25},   {0.25, 0.75},
                                                     {0.375, 0.375}, {0.875, 0.875}, {0.625, 0.125},
                                                     {0.125, 0.625}};
  EXPECT_EQ(sobol_sequence(7, 2), expected);
}

// Every one-dimensional projection of points 0 .. 2^m - 1 of a Sobol
// sequence is a (0, m, 1)-net: each interval [i/2^m, (i+1)/2^m) holds
// exactly one point (Sobol 1967). With the origin (point 0) left out,
// points 1 .. 2^m - 1 take the values i/2^m, i = 1 .. 2^m - 1, once each.
TEST(SobolSequence, EachCoordinateStratifiesLikeANet) {
  const std::size_t dims = 12;
  for (std::size_t m = 1; m <= 8; ++m) {
    const std::size_t count = (std::size_t{1} << m) - 1;
    const auto rows = sobol_sequence(count, dims);
    for (std::size_t c = 0; c < dims; ++c) {
      std::set<double> seen;
      for (const auto& row : rows) {
        const double scaled = row[c] * static_cast<double>(count + 1);
        EXPECT_EQ(scaled, std::floor(scaled)) << "m " << m << " dim " << c;
        seen.insert(scaled);
      }
      EXPECT_EQ(seen.size(), count);
      EXPECT_EQ(*seen.begin(), 1.0);
      EXPECT_EQ(*seen.rbegin(), static_cast<double>(count));
    }
  }
}

TEST(SobolSequence, RefusesMoreDimensionsThanTheTable) {
  EXPECT_THROW(sobol_sequence(2, kSobolMaxDimension + 1), std::invalid_argument);
  EXPECT_EQ(sobol_sequence(2, kSobolMaxDimension).front().size(), kSobolMaxDimension);
}

// ---------------------------------------------------------------------------
// Morris

struct MorrisCase {
  std::size_t r, k;
  std::int64_t p;
};

TEST(DesignMorris, TrajectoriesMoveEachFactorOnceByDelta) {
  for (const MorrisCase c :
       {MorrisCase{8, 5, 4}, MorrisCase{6, 3, 6}, MorrisCase{4, 1, 2}, MorrisCase{5, 4, 8}}) {
    std::vector<SweepParam> params;
    for (std::size_t i = 0; i < c.k; ++i) {
      params.push_back(sampled_param("x" + std::to_string(i), 0, 1));
    }
    const SweepSpec s =
        make_spec(DesignKind::morris, params, static_cast<std::int64_t>(c.r), c.p, 17);
    const Design d = make_design(s, not_integer(s));
    ASSERT_EQ(d.size(), c.r * (c.k + 1));
    const double p = static_cast<double>(c.p);
    const double delta = p / (2.0 * (p - 1.0));
    for (std::size_t t = 0; t < c.r; ++t) {
      const std::size_t first = t * (c.k + 1);
      EXPECT_EQ(d.role[first], "");
      std::vector<int> moved(c.k, 0);
      for (std::size_t j = first; j < first + c.k + 1; ++j) {
        EXPECT_EQ(d.group[j], static_cast<std::int64_t>(t));
        for (double u : d.unit[j]) {
          // On the p-level grid {0, 1/(p-1), ..., 1}.
          EXPECT_GE(u, -1e-12);
          EXPECT_LE(u, 1 + 1e-12);
          const double level = u * (p - 1.0);
          EXPECT_NEAR(level, std::round(level), 1e-9) << u;
        }
        if (j == first) continue;
        std::size_t changed = 0, which = 0;
        for (std::size_t i = 0; i < c.k; ++i) {
          if (d.unit[j][i] != d.unit[j - 1][i]) {
            ++changed;
            which = i;
          }
        }
        ASSERT_EQ(changed, 1u) << "trajectory " << t << " point " << j;
        EXPECT_NEAR(std::fabs(d.unit[j][which] - d.unit[j - 1][which]), delta, 1e-12);
        EXPECT_EQ(without(d.unit[j], which), without(d.unit[j - 1], which));
        EXPECT_EQ(d.role[j], d.paths[which]);
        ++moved[which];
      }
      for (std::size_t i = 0; i < c.k; ++i) EXPECT_EQ(moved[i], 1) << "factor " << i;
    }
  }
}

TEST(DesignMorris, DeltaIsPOverTwoTimesPMinusOne) {
  // p = 4: delta = 2/3; a factor moves between levels 0 and 2 or 1 and 3.
  const SweepSpec s = make_spec(DesignKind::morris, {sampled_param("x", 0, 3)}, 20, 4, 2);
  const Design d = make_design(s, {false});
  std::set<std::pair<long, long>> moves;
  for (std::size_t t = 0; t < 20; ++t) {
    const long a = std::lround(d.unit[2 * t][0] * 3);
    const long b = std::lround(d.unit[2 * t + 1][0] * 3);
    moves.insert({std::min(a, b), std::max(a, b)});
  }
  for (const auto& [lo, hi] : moves) {
    EXPECT_EQ(hi - lo, 2);
    EXPECT_TRUE(lo == 0 || lo == 1);
  }
}

TEST(DesignMorris, UnitCoordinatesAreExactlyOnTheGrid) {
  // Every coordinate is one of the doubles 0, 1/3, 2/3, 1, whichever way the
  // trajectory reached it: points on the same level must have the same value
  // (the same text in runs.csv), or an elementary effect's step is not delta.
  const std::vector<double> grid = {0.0, 1.0 / 3.0, 2.0 / 3.0, 1.0};
  const SweepSpec s = make_spec(DesignKind::morris,
                                {sampled_param("a", 0, 1), sampled_param("b", 0, 1),
                                 sampled_param("c", 0, 1), sampled_param("d", 0, 1)},
                                16, 4, 5);
  const Design d = make_design(s, not_integer(s));
  for (const auto& u : d.unit) {
    for (double x : u) {
      EXPECT_TRUE(std::find(grid.begin(), grid.end(), x) != grid.end())
          << "unit coordinate " << fmt::format("{}", x);
    }
  }
}

TEST(DesignMorris, ValuesStayWithinLowAndHigh) {
  // The grid's ends are u = 0 and u = 1: the values there must be low and
  // high themselves (the config layer checks low and high, not low + ulp).
  const SweepSpec s =
      make_spec(DesignKind::morris,
                {sampled_param("a", 0.15, 0.45), sampled_param("b", 0.3, 3, Scale::log),
                 sampled_param("c", 0.1, 10, Scale::log)},
                16, 4, 8);
  const Design d = make_design(s, not_integer(s));
  for (std::size_t j = 0; j < d.size(); ++j) {
    for (std::size_t i = 0; i < d.paths.size(); ++i) {
      const double v = std::stod(d.values[j][i]);
      const SweepParam& p = s.parameters[i];
      EXPECT_GE(v, *p.low) << d.paths[i] << " = " << d.values[j][i];
      EXPECT_LE(v, *p.high) << d.paths[i] << " = " << d.values[j][i];
    }
  }
}

// ---------------------------------------------------------------------------
// point_order

// Whether `order` is a permutation of 0..n-1.
bool is_permutation_of_all(std::vector<std::int64_t> order, std::size_t n) {
  std::sort(order.begin(), order.end());
  if (order.size() != n) return false;
  for (std::size_t i = 0; i < n; ++i) {
    if (order[i] != static_cast<std::int64_t>(i)) return false;
  }
  return true;
}

Design grid_1d(std::size_t n) {
  std::vector<std::string> values;
  for (std::size_t i = 0; i < n; ++i) values.push_back(std::to_string(i));
  const SweepSpec s = make_spec(DesignKind::grid, {values_param("a", values)});
  return make_design(s, {false});
}

TEST(DesignOrder, IsAPermutationOfAllPoints) {
  for (std::size_t n : {1u, 2u, 3u, 5u, 8u, 10u, 17u, 100u}) {
    EXPECT_TRUE(is_permutation_of_all(point_order(grid_1d(n)), n)) << n;
  }
}

TEST(DesignOrder, TheFirstHalfCoversBothHalvesOfAGrid) {
  for (std::size_t n : {3u, 4u, 5u, 8u, 10u, 17u, 100u}) {
    const auto order = point_order(grid_1d(n));
    const std::size_t half = (n + 1) / 2;
    std::size_t low = 0, high = 0;
    for (std::size_t i = 0; i < half; ++i) {
      (static_cast<std::size_t>(order[i]) < n / 2 ? low : high) += 1;
    }
    EXPECT_GE(low, 1u) << n;
    EXPECT_GE(high, 1u) << n;
    // Even coverage: the two halves differ by at most one point.
    EXPECT_LE(low > high ? low - high : high - low, 1u) << n;
  }
}

TEST(DesignOrder, PowerOfTwoPrefixesHitEveryBlockOnce) {
  // van der Corput: with n = 16, the first 2^j runs fall one in each of the
  // 2^j blocks of 16 / 2^j consecutive points.
  const auto order = point_order(grid_1d(16));
  EXPECT_EQ(order,
            (std::vector<std::int64_t>{0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15}));
  for (std::size_t blocks = 1; blocks <= 16; blocks *= 2) {
    std::set<std::int64_t> hit;
    for (std::size_t i = 0; i < blocks; ++i)
      hit.insert(order[i] / (16 / static_cast<std::int64_t>(blocks)));
    EXPECT_EQ(hit.size(), blocks);
  }
}

TEST(DesignOrder, KeepsEachGroupTogetherAndInOrder) {
  const SweepSpec sobol =
      make_spec(DesignKind::sobol, {sampled_param("a", 0, 1), sampled_param("b", 0, 1)}, 5, 4, 1);
  const SweepSpec morris = make_spec(
      DesignKind::morris,
      {sampled_param("a", 0, 1), sampled_param("b", 0, 1), sampled_param("c", 0, 1)}, 6, 4, 1);
  for (const SweepSpec* s : {&sobol, &morris}) {
    const Design d = make_design(*s, not_integer(*s));
    const auto order = point_order(d);
    ASSERT_TRUE(is_permutation_of_all(order, d.size()));
    // Walk the order: a group, once left, never comes back, and within a
    // group the point ids rise by one.
    std::set<std::int64_t> finished;
    for (std::size_t i = 0; i < order.size(); ++i) {
      const std::int64_t g = d.group[static_cast<std::size_t>(order[i])];
      EXPECT_EQ(finished.count(g), 0u) << "group " << g << " split";
      if (i + 1 < order.size() && d.group[static_cast<std::size_t>(order[i + 1])] == g) {
        EXPECT_EQ(order[i + 1], order[i] + 1);
      } else {
        finished.insert(g);
      }
    }
    // Each group starts with its first point (A for Sobol, the base point for Morris).
    for (std::size_t i = 0; i < order.size(); ++i) {
      const auto id = static_cast<std::size_t>(order[i]);
      if (i == 0 || d.group[static_cast<std::size_t>(order[i - 1])] != d.group[id]) {
        EXPECT_TRUE(id == 0 || d.group[id - 1] != d.group[id]);
      }
    }
  }
}

// ---------------------------------------------------------------------------
// run_seed

TEST(DesignRunSeed, SameInputsGiveTheSameSeed) {
  EXPECT_EQ(run_seed(42, SeedMode::independent, 3, 7), run_seed(42, SeedMode::independent, 3, 7));
  EXPECT_EQ(run_seed(42, SeedMode::common, 3, 7), run_seed(42, SeedMode::common, 3, 7));
  EXPECT_NE(run_seed(42, SeedMode::independent, 3, 7), run_seed(43, SeedMode::independent, 3, 7));
}

TEST(DesignRunSeed, IndependentSeedsDifferAcrossPointsAndReplicates) {
  std::set<std::int64_t> seeds;
  for (std::int64_t point = 0; point < 200; ++point) {
    for (std::int64_t rep = 0; rep < 5; ++rep) {
      seeds.insert(run_seed(2017, SeedMode::independent, point, rep));
    }
  }
  EXPECT_EQ(seeds.size(), 1000u);
}

TEST(DesignRunSeed, CommonSeedsAreSharedByThePointsOfAReplicate) {
  std::set<std::int64_t> per_replicate;
  for (std::int64_t rep = 0; rep < 50; ++rep) {
    const std::int64_t first = run_seed(5, SeedMode::common, 0, rep);
    for (std::int64_t point = 1; point < 20; ++point) {
      EXPECT_EQ(run_seed(5, SeedMode::common, point, rep), first);
    }
    per_replicate.insert(first);
  }
  EXPECT_EQ(per_replicate.size(), 50u);
}

TEST(DesignRunSeed, SeedsAreBelowTwoToThe53) {
  const std::int64_t limit = std::int64_t{1} << 53;
  for (const std::int64_t sweep_seed : {std::int64_t{0}, std::int64_t{1}, limit}) {
    for (const SeedMode mode : {SeedMode::independent, SeedMode::common}) {
      for (std::int64_t point = 0; point < 100; ++point) {
        const std::int64_t s = run_seed(sweep_seed, mode, point, point % 3);
        EXPECT_GE(s, 0);
        EXPECT_LT(s, limit);
      }
    }
  }
}

TEST(DesignRunSeed, IsTheTopBitsOfPhiloxOfPointAndReplicate) {
  // docs/SWEEPS.md: seed = Philox4x64-10(counter (point, replicate, 0, 0),
  // key (sweep seed, 10))[0] >> 11; with common seeds the point word is 2^64-1.
  const auto word = [](std::uint64_t point, std::uint64_t rep, std::uint64_t seed) {
    return static_cast<std::int64_t>(philox_block({point, rep, 0, 0}, {seed, 10})[0] >> 11);
  };
  EXPECT_EQ(run_seed(2017, SeedMode::independent, 12, 3), word(12, 3, 2017));
  EXPECT_EQ(run_seed(2017, SeedMode::common, 12, 3), word(~0ULL, 3, 2017));
}

}  // namespace
}  // namespace cw
