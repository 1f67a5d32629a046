// `cloudwars sobol DIR` and `cloudwars morris DIR` end to end (SPEC §4,
// docs/SWEEPS.md "Sensitivity indices").
//
// The test writes a finished sweep folder in the sweep's format
// (manifest.json, design.csv, runs.csv: the design from make_design and
// the run order from point_order, as `cloudwars sweep` makes them) whose
// outcomes are known functions of the parameters instead of the market
// model, runs the real `cloudwars` binary on it, and checks sobol.csv and
// morris.csv against the analytic answers: the Ishigami function's indices
// (derived in sensitivity_test.cpp) and a linear function's elementary
// effects. A last test runs both commands on small real sweeps of the
// market model, for the format only.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <numbers>
#include <string>
#include <vector>

#include "batch/runner.hpp"
#include "cli_helpers.hpp"
#include "output/csv.hpp"
#include "sweep/design.hpp"

namespace cw {
namespace {

namespace fs = std::filesystem;
using test::run_cli;

constexpr double kPi = std::numbers::pi;

// Ishigami (a = 7, b = 0.1) on x in [-pi, pi]^3 and its analytic indices:
// S1 = (0.3139, 0.4424, 0), ST = (0.5576, 0.4424, 0.2437) (sensitivity_test.cpp).
double ishigami(const std::vector<double>& x) {
  return std::sin(x[0]) + 7 * std::sin(x[1]) * std::sin(x[1]) +
         0.1 * std::pow(x[2], 4) * std::sin(x[0]);
}
const std::vector<double> kS1 = {0.3139, 0.4424, 0.0}, kST = {0.5576, 0.4424, 0.2437};

// Linear: 2 x1 - 0.5 x2 + 0 x3 on the same ranges.
double linear(const std::vector<double>& x) { return 2 * x[0] - 0.5 * x[1]; }

struct FakeSweep {
  DesignKind kind = DesignKind::sobol;
  std::size_t samples = 0;
  std::int64_t replicates = 2;
  std::int64_t seed = 42;
  std::vector<std::int64_t> fail_runs;  // run ids written with status failed
};

// A finished sweep folder whose outcomes are functions of the point's
// values (parsed from the value text, as the model would receive them):
//   ishigami = f(x) + 3 (-1)^replicate   (the replicate mean is f(x))
//   linear   = linear(x)
//   label    = text (not analysed)
//   never    = always empty (not analysed)
fs::path write_sweep(const std::string& name, const FakeSweep& f) {
  const fs::path dir = test::fresh_dir("sens_" + name);
  fs::create_directories(dir);
  SweepSpec spec;
  spec.name = name;
  spec.seed = f.seed;
  spec.seeds = SeedMode::common;
  spec.replicates = f.replicates;
  spec.design.kind = f.kind;
  spec.design.samples = static_cast<std::int64_t>(f.samples);
  for (int i = 1; i <= 3; ++i) {
    SweepParam p;
    p.path = "x" + std::to_string(i);
    p.low = -kPi;
    p.high = kPi;
    spec.parameters.push_back(p);
  }
  const Design d = make_design(spec, {false, false, false});
  const auto order = point_order(d);
  const auto P = static_cast<std::int64_t>(d.size());

  std::vector<std::string> dh = {"point_id", "group", "role", "x1", "x2", "x3"};
  for (const char* p : {"u:x1", "u:x2", "u:x3"}) dh.push_back(p);
  CsvWriter dw(dir / "design.csv", dh);
  for (std::size_t i = 0; i < d.size(); ++i) {
    dw.cell(static_cast<std::int64_t>(i)).cell(d.group[i]).cell(std::string_view(d.role[i]));
    for (const auto& v : d.values[i]) dw.cell(std::string_view(v));
    for (double u : d.unit[i]) dw.cell(u);
    dw.end_row();
  }
  dw.commit();

  CsvWriter rw(dir / "runs.csv", {"run_id", "point_id", "replicate", "seed", "status", "message",
                                  "x1", "x2", "x3", "ishigami", "linear", "label", "never"});
  for (std::int64_t run = 0; run < P * f.replicates; ++run) {
    const std::int64_t rep = run / P, point = order[static_cast<std::size_t>(run % P)];
    const auto& values = d.values[static_cast<std::size_t>(point)];
    const bool failed = std::find(f.fail_runs.begin(), f.fail_runs.end(), run) != f.fail_runs.end();
    rw.cell(run).cell(point).cell(rep).cell(run_seed(f.seed, SeedMode::common, point, rep));
    rw.cell(failed ? "failed" : "ok").cell(failed ? "step 3: total lab demand is inf" : "");
    std::vector<double> x;
    for (const auto& v : values) {
      rw.cell(std::string_view(v));
      x.push_back(std::stod(v));
    }
    if (failed) {
      rw.empty().empty().empty().empty();
    } else {
      rw.cell(ishigami(x) + (rep % 2 == 0 ? 3.0 : -3.0)).cell(linear(x)).cell("AWS").empty();
    }
    rw.end_row();
  }
  rw.commit();

  const char* kind = f.kind == DesignKind::sobol ? "sobol" : "morris";
  nlohmann::ordered_json m;
  m["command"] = "sweep";
  m["seed"] = f.seed;
  m["sweep"] = {{"name", name}};
  m["design"] = {{"kind", kind},
                 {"points", P},
                 {"replicates", f.replicates},
                 {"runs", P * f.replicates},
                 {"seeds", "common"}};
  m["status"] = "complete";
  m["runs_failed"] = static_cast<std::int64_t>(f.fail_runs.size());
  std::ofstream(dir / "manifest.json") << m.dump(2);
  return dir;
}

// sobol.csv / morris.csv as {outcome/parameter: {column: cell}}.
std::map<std::string, std::map<std::string, std::string>> read_table(const fs::path& file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  const auto header = split_csv_line(line);
  std::map<std::string, std::map<std::string, std::string>> out;
  while (std::getline(in, line)) {
    const auto cells = split_csv_line(line);
    auto& row = out[cells[0] + "/" + cells[1]];
    for (std::size_t c = 0; c < header.size(); ++c) row[header[c]] = cells[c];
  }
  return out;
}

double num(const std::map<std::string, std::string>& row, const std::string& col) {
  return std::stod(row.at(col));
}

// N = 4096 base samples of the quasi-random design, through the CLI. The
// design has no seed, so the result is deterministic; 0.01 is the tolerance
// of the estimator test at the same N (sensitivity_test.cpp). The
// replicates carry +3 and -3: averaged per point (as documented) they
// cancel; treated as separate samples they would add 9 to the variance
// (13.8) and pull every index down by 40%.
TEST(SensitivityCli, SobolOnIshigamiGivesTheAnalyticIndices) {
  const fs::path dir = write_sweep("ishigami", {DesignKind::sobol, 4096, 2, 42, {}});
  const auto r = run_cli("sobol " + dir.string());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("ishigami (4096 base samples)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("not analysed (text, or no values): label, never"), std::string::npos)
      << r.out;
  const auto t = read_table(dir / "sobol.csv");
  EXPECT_EQ(t.size(), 2u * 3u);  // outcomes ishigami, linear x parameters x1..x3
  for (int i = 0; i < 3; ++i) {
    const auto& row = t.at("ishigami/x" + std::to_string(i + 1));
    EXPECT_EQ(row.at("n"), "4096");
    EXPECT_NEAR(num(row, "S1"), kS1[static_cast<std::size_t>(i)], 0.01) << i;
    EXPECT_NEAR(num(row, "ST"), kST[static_cast<std::size_t>(i)], 0.01) << i;
    EXPECT_LE(num(row, "S1_lo"), num(row, "S1"));
    EXPECT_GE(num(row, "S1_hi"), num(row, "S1"));
    EXPECT_LE(num(row, "ST_lo"), num(row, "ST"));
    EXPECT_GE(num(row, "ST_hi"), num(row, "ST"));
  }
  // linear = 2 x1 - 0.5 x2 is additive: S1 = ST = c_i^2 / (4 + 0.25).
  EXPECT_NEAR(num(t.at("linear/x1"), "S1"), 4 / 4.25, 0.01);
  EXPECT_NEAR(num(t.at("linear/x2"), "ST"), 0.25 / 4.25, 0.01);
  EXPECT_NEAR(num(t.at("linear/x3"), "ST"), 0.0, 1e-12);

  // The bootstrap seed defaults to the sweep seed (42): the same file.
  const std::string first = test::read_all(dir / "sobol.csv");
  ASSERT_EQ(run_cli("sobol " + dir.string() + " --seed 42").status, 0);
  EXPECT_EQ(test::read_all(dir / "sobol.csv"), first);
  ASSERT_EQ(run_cli("sobol " + dir.string() + " --seed 43 --resamples 200").status, 0);
  EXPECT_NE(test::read_all(dir / "sobol.csv"), first);

  // gzipped files (output.gzip) give the same indices.
  ASSERT_EQ(run_cli("sobol " + dir.string()).status, 0);
  gzip_file(dir / "runs.csv");
  gzip_file(dir / "design.csv");
  ASSERT_EQ(run_cli("sobol " + dir.string()).status, 0);
  EXPECT_EQ(test::read_all(dir / "sobol.csv"), first);
  fs::remove_all(dir);
}

// Elementary effects per full range: linear = 2 x1 - 0.5 x2 on ranges of
// width 2 pi gives mu = 4 pi, -pi, 0; mu* = 4 pi, pi, 0; sigma = 0, in every
// trajectory and so in every bootstrap resample (exact up to rounding).
TEST(SensitivityCli, MorrisOnALinearFunctionIsExact) {
  const fs::path dir = write_sweep("linear", {DesignKind::morris, 10, 2, 5, {}});
  const auto r = run_cli("morris " + dir.string() + " --outcome linear");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out.find("ishigami ("), std::string::npos);  // --outcome: only linear's table
  const auto t = read_table(dir / "morris.csv");
  const std::vector<double> mu = {4 * kPi, -kPi, 0.0};
  for (int i = 0; i < 3; ++i) {
    const auto& row = t.at("linear/x" + std::to_string(i + 1));
    const auto want = mu[static_cast<std::size_t>(i)];
    EXPECT_EQ(row.at("r"), "10");
    for (const char* c : {"mu", "mu_lo", "mu_hi"}) EXPECT_NEAR(num(row, c), want, 1e-9) << c;
    for (const char* c : {"mu_star", "mu_star_lo", "mu_star_hi"}) {
      EXPECT_NEAR(num(row, c), std::abs(want), 1e-9) << c;
    }
    for (const char* c : {"sigma", "sigma_lo", "sigma_hi"}) EXPECT_NEAR(num(row, c), 0, 1e-9) << c;
  }
  fs::remove_all(dir);
}

// A failed run takes its whole base sample (trajectory) out of every
// index, with a message, and exit code 4 as for a sweep with failed runs.
TEST(SensitivityCli, FailedRunsLeaveOutTheirGroupWithAMessage) {
  // 64 base samples x 5 points = 320 points; runs 0 and 320 are point 0
  // (base sample 0) in replicates 0 and 1, run 7 is in base sample 32 (the second in run order).
  const fs::path dir = write_sweep("failed", {DesignKind::sobol, 64, 2, 1, {0, 320, 7}});
  const auto r = run_cli("sobol " + dir.string());
  EXPECT_EQ(r.status, 4);
  EXPECT_NE(r.err.find("3 of 640 runs failed"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("the 2 base samples holding them are left out"), std::string::npos) << r.err;
  const auto t = read_table(dir / "sobol.csv");
  EXPECT_EQ(t.at("ishigami/x1").at("n"), "62");

  const fs::path mdir = write_sweep("failed_m", {DesignKind::morris, 6, 1, 1, {2}});
  const auto m = run_cli("morris " + mdir.string());
  EXPECT_EQ(m.status, 4);
  EXPECT_NE(m.err.find("1 of 24 runs failed"), std::string::npos) << m.err;
  EXPECT_EQ(read_table(mdir / "morris.csv").at("linear/x1").at("r"), "5");
  fs::remove_all(dir);
  fs::remove_all(mdir);
}

TEST(SensitivityCli, FoldersThatCannotBeAnalysedAreRefused) {
  const fs::path dir = write_sweep("refuse", {DesignKind::sobol, 8, 1, 1, {}});
  // The wrong method for the design.
  auto r = run_cli("morris " + dir.string());
  EXPECT_EQ(r.status, 3);
  EXPECT_NE(r.err.find("design kind sobol"), std::string::npos) << r.err;
  // No such folder; a folder without a manifest.
  EXPECT_EQ(run_cli("sobol " + dir.string() + "-none").status, 3);
  fs::remove(dir / "manifest.json");
  r = run_cli("sobol " + dir.string());
  EXPECT_EQ(r.status, 3);
  EXPECT_NE(r.err.find("not a sweep's results folder"), std::string::npos) << r.err;
  // An unfinished sweep.
  std::ofstream(dir / "manifest.json")
      << R"({"command": "sweep", "seed": 1, "sweep": {"name": "x"}, "status": "running",
             "design": {"kind": "sobol", "points": 40, "replicates": 1, "runs": 40}})";
  r = run_cli("sobol " + dir.string());
  EXPECT_EQ(r.status, 3);
  EXPECT_NE(r.err.find("not complete"), std::string::npos) << r.err;
  // Usage errors: no folder, an unknown outcome.
  EXPECT_EQ(run_cli("sobol").status, 2);
  fs::remove_all(dir);
  const fs::path ok = write_sweep("usage", {DesignKind::sobol, 8, 1, 1, {}});
  r = run_cli("sobol " + ok.string() + " --outcome ishigamy");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("did you mean 'ishigami'"), std::string::npos) << r.err;
  fs::remove_all(ok);
}

// The real sweep files: a small sobol and a small morris sweep of the
// market model (tests/data/sweeps/sobol-small.yaml, morris-small.yaml).
// Only the format is checked here: one row per outcome and parameter, and
// the first-order index is never above the total one by more than its noise.
TEST(SensitivityCli, RealSweepFoldersAreRead) {
  for (const std::string kind : {"sobol", "morris"}) {
    const fs::path dir = test::fresh_dir("sens_real_" + kind);
    const auto s = run_cli("sweep tests/data/sweeps/" + kind + "-small.yaml --out " + dir.string());
    ASSERT_EQ(s.status, 0) << s.err;
    const auto r = run_cli(kind + " " + dir.string());
    ASSERT_EQ(r.status, 0) << r.err;
    const auto t = read_table(dir / (kind + ".csv"));
    EXPECT_EQ(t.count("hhi_final/lock_in.weight"), 1u);
    EXPECT_EQ(t.count("leader_share/network_effect.delta"), 1u);
    EXPECT_EQ(t.count("leader/lock_in.weight"), 0u);                    // text: not analysed
    EXPECT_EQ(t.count("providers[A].final_share/lock_in.weight"), 1u);  // run_providers.csv
    EXPECT_EQ(t.size() % 2, 0u);
    fs::remove_all(dir);
  }
}

}  // namespace
}  // namespace cw
