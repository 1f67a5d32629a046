// How numbers are written into CSV cells (output/csv.hpp): a double as the
// shortest decimal that reads back as the same double (fmt's "{}"), with
// ".0" after a whole number so that pandas reads the column as float; NaN
// as an empty cell; an integer in plain decimal.
#include "output/csv.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <string>

namespace {

std::string cells(double a, double b) {
  std::string out;
  cw::CsvLine line(out);
  line.cell(a).cell(b).end();
  return out;
}

// Hand-written expectations (what Python's repr() gives, the same shortest
// round trip, ".0" added to whole numbers).
TEST(Csv, DoublesAreTheShortestRoundTripWithAPointOnWholeNumbers) {
  EXPECT_EQ(cw::format_double(1.0), "1.0");
  EXPECT_EQ(cw::format_double(-0.0), "-0.0");
  EXPECT_EQ(cw::format_double(0.1), "0.1");
  EXPECT_EQ(cw::format_double(1.0 / 3.0), "0.3333333333333333");
  EXPECT_EQ(cw::format_double(123456.0), "123456.0");
  EXPECT_EQ(cw::format_double(1e-05), "1e-05");
  EXPECT_EQ(cw::format_double(1e+20), "1e+20");
  EXPECT_EQ(cw::format_double(-2.5e-300), "-2.5e-300");
  EXPECT_EQ(cw::format_double(std::numeric_limits<double>::infinity()), "inf");
  EXPECT_EQ(cw::format_double(std::numeric_limits<double>::quiet_NaN()), "");
  EXPECT_EQ(cells(2.0, std::nan("")), "2.0,\n");
  EXPECT_EQ(cells(0.25, 7.0), "0.25,7.0\n");
}

// Every cell reads back as the double written (strtod), over random bit
// patterns (fixed seed): finite values of every exponent and sign; and the
// bytes are those of fmt's runtime "{}" (what the cells were before the
// compiled format: results files keep their bytes).
TEST(Csv, EveryDoubleReadsBackExactly) {
  std::mt19937_64 gen(20261130);
  for (int i = 0; i < 200000; ++i) {
    const std::uint64_t bits = gen();
    double v;
    std::memcpy(&v, &bits, sizeof v);
    if (!std::isfinite(v)) continue;
    const std::string s = cw::format_double(v);
    ASSERT_EQ(std::strtod(s.c_str(), nullptr), v) << s;
    ASSERT_NE(s.find_first_of(".e"), std::string::npos) << s;
    std::string before = fmt::format("{}", v);
    if (before.find_first_of(".eni") == std::string::npos) before += ".0";
    ASSERT_EQ(s, before);
  }
}

TEST(Csv, IntegersArePlainDecimal) {
  std::string out;
  cw::CsvLine line(out);
  line.cell(std::int64_t{-42}).cell(std::numeric_limits<std::int64_t>::max()).end();
  EXPECT_EQ(out, "-42,9223372036854775807\n");
}

}  // namespace
