// `cloudwars compare` end to end (docs/ANALYSIS.md), the sweep's command-line
// changes (--set, --replicates and extension in place, docs/SWEEPS.md),
// --progress json, and the errors that name the right command.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli_helpers.hpp"
#include "output/csv.hpp"

namespace {

namespace fs = std::filesystem;
using cw::test::CliResult;
using cw::test::read_all;
using cw::test::run_cli;

const std::string kBase = "tests/data/sweeps/base.yaml";
fs::path fresh(const std::string& name) { return cw::test::fresh_dir("compare_" + name); }

std::vector<std::map<std::string, std::string>> rows_of(const fs::path& file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  const auto header = cw::split_csv_line(line);
  std::vector<std::map<std::string, std::string>> rows;
  while (std::getline(in, line)) {
    const auto cells = cw::split_csv_line(line);
    std::map<std::string, std::string> row;
    for (std::size_t i = 0; i < header.size() && i < cells.size(); ++i) row[header[i]] = cells[i];
    rows.push_back(std::move(row));
  }
  return rows;
}

TEST(Compare, SameFilesForOneAndTwoJobs) {
  const fs::path j1 = fresh("j1"), j2 = fresh("j2");
  const std::string args =
      "compare " + kBase +
      " --set-b providers[A].price=0.85 --replicates 6 --steps --progress none";
  ASSERT_EQ(run_cli(args + " --jobs 1 --out " + j1.string()).status, 0);
  ASSERT_EQ(run_cli(args + " --jobs 2 --out " + j2.string()).status, 0);
  for (const char* f : {"runs.csv", "run_providers.csv", "compare.csv", "compare_steps.csv",
                        "steps.csv", "step_providers.csv"}) {
    ASSERT_TRUE(fs::exists(j1 / f)) << f;
    EXPECT_TRUE(read_all(j1 / f) == read_all(j2 / f)) << f << " differs";
  }
  // 24 steps x (10 market columns + 3 providers' compute_share), and a header.
  const auto steps = rows_of(j1 / "compare_steps.csv");
  EXPECT_EQ(steps.size(), 24u * 13u);
}

// Common random numbers: A against A gives B - A = 0 in every pair, so every
// interval is exactly [0, 0]; and replicate r of A and of B has one seed.
TEST(Compare, AAgainstItselfGivesExactlyZero) {
  const fs::path out = fresh("aa");
  const CliResult r =
      run_cli("compare " + kBase + " " + kBase + " --replicates 5 --out " + out.string());
  ASSERT_EQ(r.status, 0) << r.err;
  const auto rows = rows_of(out / "compare.csv");
  // The numeric outcome columns of runs.csv (24) and run_providers.csv (10
  // per provider): one row each.
  ASSERT_EQ(rows.size(), 24u + 3u * 10u);
  int intervals = 0;
  for (const auto& row : rows) {
    if (row.at("n") == "0") continue;
    EXPECT_EQ(row.at("diff"), "0.0") << row.at("outcome");
    EXPECT_EQ(row.at("diff_lo"), "0.0") << row.at("outcome");
    EXPECT_EQ(row.at("diff_hi"), "0.0") << row.at("outcome");
    EXPECT_EQ(row.at("mean_a"), row.at("mean_b")) << row.at("outcome");
    ++intervals;
  }
  EXPECT_GT(intervals, 40);
  const auto runs = rows_of(out / "runs.csv");
  ASSERT_EQ(runs.size(), 10u);
  std::map<std::string, std::string> seed_of_replicate;
  for (const auto& run : runs) {
    auto [it, inserted] = seed_of_replicate.emplace(run.at("replicate"), run.at("seed"));
    if (!inserted) {
      EXPECT_EQ(it->second, run.at("seed")) << "replicate " << run.at("replicate");
    }
  }
  EXPECT_EQ(seed_of_replicate.size(), 5u);
  EXPECT_NE(r.out.find("hhi_final"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("0 [0, 0]"), std::string::npos) << r.out;
}

// Outcomes whose variance overflows a double (demand growing 8x a step for
// 82 steps in B): the statistics are written with the Welch interval empty
// where its degrees of freedom cannot be computed, instead of the whole
// compare failing (it threw "Degrees of freedom argument is -nan").
TEST(Compare, OverflowingVariancesLeaveAnIntervalEmptyNotTheCompareFailed) {
  const fs::path out = fresh("overflow");
  const CliResult r = run_cli("compare " + kBase +
                              " -r 6 --set-b labs.tiers[t].growth=8 --set-b "
                              "labs.tiers[t].volatility=3 --set-b steps=82 --progress none --out " +
                              out.string());
  ASSERT_TRUE(r.status == 0 || r.status == 4) << r.err;
  ASSERT_TRUE(fs::exists(out / "compare.csv"));
  int empty_welch = 0;
  for (const auto& row : rows_of(out / "compare.csv")) {
    if (row.at("n") != "0" && row.at("n") != "1" && row.at("sd_b") == "inf") {
      EXPECT_EQ(row.at("unpaired_lo"), "") << row.at("outcome");
      ++empty_welch;
    }
  }
  EXPECT_GT(empty_welch, 0) << "no outcome overflowed: the test no longer tests the case";
}

TEST(Compare, BadUseIsRefusedWithAClearMessage) {
  const fs::path out = fresh("bad");
  CliResult r = run_cli("compare " + kBase + " --out " + out.string());
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--set-b"), std::string::npos) << r.err;
  r = run_cli("compare " + kBase + " --set-b seed=3 --out " + out.string());
  EXPECT_EQ(r.status, 3);
  EXPECT_NE(r.err.find("--seed"), std::string::npos) << r.err;
  r = run_cli("compare " + kBase + " --set-b providers[a].price=1 --out " + out.string());
  EXPECT_EQ(r.status, 3);
  EXPECT_NE(r.err.find("--set-b: providers[a].price: providers has no item 'a' (did you mean "
                       "'providers[A].price'?)"),
            std::string::npos)
      << r.err;
  r = run_cli("compare tests/data/sweeps/small.yaml " + kBase + " --out " + out.string());
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("cloudwars sweep tests/data/sweeps/small.yaml"), std::string::npos) << r.err;
  r = run_cli("compare " + kBase + " --set-b output.graph_steps=3 --out " + out.string());
  EXPECT_EQ(r.status, 3);
  EXPECT_NE(r.err.find("graph"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(out / "compare.csv"));
}

TEST(WrongCommand, RunGivenASweepFileNamesSweep) {
  const CliResult r = run_cli("run tests/data/sweeps/small.yaml --no-output");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err,
            "cloudwars: tests/data/sweeps/small.yaml is a sweep file (it has a top-level 'base' "
            "key), not a scenario: run takes scenarios; run it with: cloudwars sweep "
            "tests/data/sweeps/small.yaml\n");
}

TEST(WrongCommand, SweepGivenAScenarioFileNamesRun) {
  const CliResult r = run_cli("sweep " + kBase + " --out " + fresh("wrong").string());
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("is a scenario file, not a sweep file"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("cloudwars run " + kBase), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1);
}

TEST(SweepGraphs, GraphStepsInASweepAreRefusedNotSkipped) {
  const fs::path out = fresh("graphs");
  const CliResult r = run_cli(
      "sweep tests/data/sweeps/small.yaml --set output.graph_steps=3 --out " + out.string());
  EXPECT_EQ(r.status, 3);
  EXPECT_NE(r.err.find("base: the base scenario sets output.graph_steps, but a sweep writes no "
                       "graph files"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(out));
}

const std::vector<std::string> kSweepFiles = {
    "runs.csv", "run_providers.csv", "points.csv", "design.csv", "steps.csv", "step_providers.csv"};

// The run order is replicate-major, so 2 replicates then 5 in the same
// folder run only the new runs and give the bytes of 5 from the start.
TEST(SweepExtend, MoreReplicatesInPlaceGiveTheSameBytes) {
  const std::string sweep = "sweep tests/data/sweeps/small.yaml --progress none";
  const fs::path grown = fresh("grown"), direct = fresh("direct");
  ASSERT_EQ(run_cli(sweep + " --replicates 2 --out " + grown.string()).status, 0);
  const CliResult r = run_cli(sweep + " --replicates 5 --out " + grown.string());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("extended from 2 to 5 replicates"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("resumed at run 18"), std::string::npos) << r.out;  // 9 points x 2
  ASSERT_EQ(run_cli(sweep + " --replicates 5 --out " + direct.string()).status, 0);
  for (const auto& f : kSweepFiles) {
    ASSERT_TRUE(fs::exists(direct / f)) << f;
    EXPECT_TRUE(read_all(grown / f) == read_all(direct / f)) << f << " differs";
  }
  // Fewer replicates than the folder holds: refused, nothing touched.
  const std::string before = read_all(grown / "runs.csv");
  const CliResult fewer = run_cli(sweep + " --replicates 3 --out " + grown.string());
  EXPECT_EQ(fewer.status, 2);
  EXPECT_NE(fewer.err.find("not cut to 3"), std::string::npos) << fewer.err;
  EXPECT_EQ(read_all(grown / "runs.csv"), before);
}

// A finished gzip sweep is unpacked, extended and compressed again.
TEST(SweepExtend, AGzipSweepExtendsToTheSameBytes) {
  const fs::path file = fresh("gz") += ".yaml";
  std::ofstream(file) << "name: gz\nbase: " << CW_SOURCE_DIR << "/" << kBase
                      << "\nseed: 3\ndesign: {kind: grid}\nparameters:\n"
                         "  - {path: lock_in.weight, values: [0, 1]}\n"
                         "output: {step_every: 12, gzip: true}\n";
  const std::string sweep = "sweep " + file.string() + " --progress none";
  const fs::path grown = fresh("gz_grown"), direct = fresh("gz_direct");
  ASSERT_EQ(run_cli(sweep + " --replicates 1 --out " + grown.string()).status, 0);
  ASSERT_EQ(run_cli(sweep + " --replicates 3 --out " + grown.string()).status, 0);
  ASSERT_EQ(run_cli(sweep + " --replicates 3 --out " + direct.string()).status, 0);
  for (const auto& f : kSweepFiles) {
    ASSERT_TRUE(fs::exists(direct / (f + ".gz"))) << f;
    EXPECT_FALSE(fs::exists(grown / f)) << f;
    EXPECT_TRUE(read_all(grown / (f + ".gz")) == read_all(direct / (f + ".gz"))) << f;
  }
}

TEST(SweepSet, ASetChangesTheBaseIsRecordedAndAnotherSetIsRefused) {
  const fs::path out = fresh("set");
  const std::string sweep =
      "sweep tests/data/sweeps/small.yaml --replicates 1 --out " + out.string();
  ASSERT_EQ(run_cli(sweep + " --set steps=12").status, 0);
  const auto manifest = nlohmann::json::parse(read_all(out / "manifest.json"));
  EXPECT_EQ(manifest["overrides"], nlohmann::json::array({"steps=12"}));
  EXPECT_EQ(manifest["scenario"]["steps"], 12);
  // 12 steps, every 6: steps 0 and 6 of each of 9 runs.
  EXPECT_EQ(rows_of(out / "steps.csv").size(), 18u);
  const CliResult other = run_cli(sweep + " --set steps=13");
  EXPECT_EQ(other.status, 2);
  EXPECT_NE(other.err.find("--restart"), std::string::npos) << other.err;
  const CliResult same = run_cli(sweep + " --set steps=12");
  EXPECT_EQ(same.status, 0);
  EXPECT_NE(same.out.find("already complete"), std::string::npos) << same.out;
  const CliResult varied = run_cli(sweep + " --set lock_in.weight=1 --restart");
  EXPECT_EQ(varied.status, 3);
  EXPECT_NE(varied.err.find("lock_in.weight: is varied by the sweep"), std::string::npos)
      << varied.err;
}

// --progress json: every stderr line is a JSON object, done never goes
// down, and the last says done == total. CLOUDWARS_PROGRESS_INTERVAL=0
// reports after every run (no timing is asserted).
TEST(Progress, JsonLinesParseAndEndWithDoneEqualToTotal) {
  ::setenv("CLOUDWARS_PROGRESS_INTERVAL", "0", 1);
  for (const std::string& cmd :
       {"sweep tests/data/sweeps/small.yaml --out " + fresh("pj").string(),
        "compare " + kBase + " " + kBase + " --replicates 4 --out " + fresh("pjc").string()}) {
    const CliResult j = run_cli(cmd + " --progress json");
    ASSERT_EQ(j.status, 0) << j.err;
    std::istringstream in(j.err);
    std::string line;
    std::int64_t last = -1, total = -1;
    int lines = 0;
    while (std::getline(in, line)) {
      const auto doc = nlohmann::json::parse(line);  // throws (fails) on a non-JSON line
      EXPECT_GE(doc["done"].get<std::int64_t>(), last);
      last = doc["done"];
      total = doc["total"];
      EXPECT_TRUE(doc.contains("rate") && doc.contains("eta_s")) << line;
      ++lines;
    }
    EXPECT_GE(lines, total) << cmd;  // one per run, then the final one
    EXPECT_EQ(last, total) << cmd;
    EXPECT_GT(total, 0) << cmd;
  }
  ::unsetenv("CLOUDWARS_PROGRESS_INTERVAL");
}

}  // namespace
