// Declared outcomes and the named labs' files (docs/OUTPUTS.md): located
// errors for bad declarations, the columns in runs.csv of run, sweep
// (points.csv too) and compare, and run_labs.csv / step_labs.csv in sweeps:
// the same bytes for any --jobs and after a resume from torn files. The
// values themselves are checked against a hand computation from the runs'
// own rows by tests/outcomes_check.py (ctest Outcomes.*).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "cli_helpers.hpp"
#include "config/yaml_reader.hpp"
#include "output/csv.hpp"

namespace {

namespace fs = std::filesystem;

const std::string kData = std::string(CW_SOURCE_DIR) + "/tests/data/outcomes/";

using Result = cw::test::CliResult;
Result cloudwars(const std::string& args) { return cw::test::run_cli(args); }
std::string slurp(const fs::path& p) { return cw::test::read_all(p); }
fs::path fresh(const std::string& name) { return cw::test::fresh_dir("outcomes_" + name); }

std::vector<std::string> header_of(const fs::path& file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  return cw::split_csv_line(line);
}

std::vector<std::string> lines_of(const fs::path& file) {
  std::ifstream in(file);
  std::vector<std::string> out;
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

// A small valid scenario; `outcomes` is appended as its outcomes section.
std::string scenario_with(const std::string& outcomes) {
  return R"(start: 2020-01
steps: 24
providers:
  - {name: AWS, price: 1}
  - {name: Azure, price: 1}
labs:
  count: 3
  tiers: [{name: t, fraction: 1}]
outcomes:
)" + outcomes;
}

std::vector<cw::Diagnostic> problems_of(const std::string& yaml) {
  try {
    cw::load_scenario_text(yaml, "t.yaml");
  } catch (const cw::ConfigError& e) {
    return e.problems();
  }
  return {};
}

// One diagnostic per mistake, each at its line and key.
TEST(Outcomes, BadDeclarationsAreLocatedErrors) {
  const auto p = problems_of(scenario_with(
      R"(  - {name: a, metric: compute_shar, provider: AWS}
  - {name: b, metric: compute_share, provider: Azur}
  - {name: c, metric: hhi, from: 2019-12}
  - {name: d, metric: hhi, to: 24}
  - {name: e, metric: hhi, stat: first_above}
  - {name: a, metric: hhi}
  - {name: f, metric: hhi, stat: mean, level: 3}
  - {name: g, metric: compute_share}
  - {name: h, metric: hhi, provider: AWS}
  - {name: hhi_final, metric: hhi}
  - {name: i, metric: hhi, from: 2021-01, to: 2020-06}
  - {name: j k, metric: hhi}
  - {name: m, metric: hhi, from: soon}
)"));
  auto has = [&](int line, const std::string& path, const std::string& text) {
    return std::any_of(p.begin(), p.end(), [&](const cw::Diagnostic& d) {
      return d.file == "t.yaml" && d.line == line && d.path == path &&
             d.message.find(text) != std::string::npos;
    });
  };
  std::string all;
  for (const auto& d : p) all += d.str() + "\n";
  EXPECT_TRUE(has(10, "outcomes[0].metric", "did you mean 'compute_share'")) << all;
  EXPECT_TRUE(has(11, "outcomes[1].provider", "did you mean 'Azure'")) << all;
  EXPECT_TRUE(has(12, "outcomes[2].from", "outside the horizon (2020-01 to 2021-12")) << all;
  EXPECT_TRUE(has(13, "outcomes[3].to", "outside the horizon")) << all;
  EXPECT_TRUE(has(14, "outcomes[4].level", "is required by stat first_above")) << all;
  EXPECT_TRUE(has(15, "outcomes[5].name", "duplicate name")) << all;
  EXPECT_TRUE(has(16, "outcomes[6].level", "only for first_above and first_below")) << all;
  EXPECT_TRUE(has(17, "outcomes[7].provider", "name the provider")) << all;
  EXPECT_TRUE(has(18, "outcomes[8].metric", "remove provider")) << all;
  EXPECT_TRUE(has(19, "outcomes[9].name", "already a column of runs.csv")) << all;
  EXPECT_TRUE(has(20, "outcomes[10].to", "must not be before from")) << all;
  EXPECT_TRUE(has(21, "outcomes[11].name", "letters, digits and _")) << all;
  EXPECT_TRUE(has(22, "outcomes[12].from", "a date YYYY-MM or a step number")) << all;
  EXPECT_EQ(p.size(), 13u) << all;
}

// A valid declaration loads, and a --set can change it like any parameter.
TEST(Outcomes, AValidDeclarationLoads) {
  EXPECT_TRUE(
      problems_of(scenario_with(
                      "  - {name: s, metric: compute_share, provider: AWS, from: 2021-01, to: 23, "
                      "stat: first_below, level: 0.5}\n"))
          .empty());
}

// The sweep file's outcomes join the base's; their problems name the sweep file.
TEST(Outcomes, ASweepsOwnOutcomesAreCheckedInTheSweepFile) {
  const fs::path dir = fresh("sweep_bad");
  fs::create_directories(dir);
  fs::copy_file(kData + "labs.yaml", dir / "labs.yaml");
  std::ofstream(dir / "bad.yaml") << R"(name: bad
base: labs.yaml
design: {kind: grid}
outcomes:
  - {name: a_share_2020, metric: hhi}
  - {name: x, metric: compute_share, provider: E}
output: {lab_steps: true}
)";
  const Result r = cloudwars("validate " + (dir / "bad.yaml").string());
  EXPECT_EQ(r.status, 3) << r.out << r.err;
  const std::string f = (dir / "bad.yaml").string();
  EXPECT_NE(r.err.find(f + ":5:12: outcomes[0].name: duplicate name"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(f + ":6:48: outcomes[1].provider"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("outcomes[1].provider: no provider of that name"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("output.lab_steps: needs output.step_every > 0"), std::string::npos)
      << r.err;
}

// runs.csv of a single run ends with the declared columns, in order.
TEST(Outcomes, DeclaredColumnsEndRunsCsv) {
  const fs::path out = fresh("run");
  ASSERT_EQ(cloudwars("run " + kData + "labs.yaml --out " + out.string()).status, 0);
  const auto h = header_of(out / "runs.csv");
  ASSERT_GE(h.size(), 13u);
  const std::vector<std::string> tail(h.end() - 13, h.end());
  EXPECT_EQ(tail.front(), "a_share_2020");
  EXPECT_EQ(tail.back(), "requested_all");
  EXPECT_EQ(h[h.size() - 14], "incumbent_lerner");
  EXPECT_EQ(lines_of(out / "run_labs.csv").size(), 5u);  // header + 4 named labs
}

// A sweep: runs.csv and points.csv carry the base's and the sweep's
// outcomes; every file is the same bytes for 1 and 2 jobs.
TEST(Outcomes, SweepFilesAreTheSameForAnyJobs) {
  const fs::path j1 = fresh("j1"), j2 = fresh("j2");
  ASSERT_EQ(cloudwars("sweep " + kData + "sweep.yaml --jobs 1 --progress none --out " + j1.string())
                .status,
            0);
  ASSERT_EQ(cloudwars("sweep " + kData + "sweep.yaml --jobs 2 --progress none --out " + j2.string())
                .status,
            0);
  for (const char* f : {"runs.csv", "run_providers.csv", "run_labs.csv", "step_labs.csv",
                        "steps.csv", "events.csv", "points.csv"}) {
    ASSERT_TRUE(fs::exists(j1 / f)) << f;
    EXPECT_TRUE(slurp(j1 / f) == slurp(j2 / f)) << f << " differs";
  }
  const auto runs = header_of(j1 / "runs.csv");
  EXPECT_EQ(runs[runs.size() - 2], "d_share_2021");
  EXPECT_EQ(runs.back(), "switches_5");
  const auto points = header_of(j1 / "points.csv");
  EXPECT_NE(std::find(points.begin(), points.end(), "a_share_2020_mean"), points.end());
  EXPECT_NE(std::find(points.begin(), points.end(), "switches_5_hi"), points.end());
  EXPECT_EQ(lines_of(j1 / "run_labs.csv").size(), 1u + 6 * 4);
  const auto labs = lines_of(j1 / "run_labs.csv");
  EXPECT_EQ(labs[1].rfind("0,Big,", 0), 0u) << labs[1];
  EXPECT_EQ(labs.back().rfind("5,Later,", 0), 0u) << labs.back();
}

// Interrupted after 3 runs, then torn as by a power loss (run 3's runs.csv
// and run_providers.csv rows complete but its run_labs.csv rows cut inside
// a line, step_labs.csv with a partial line): the same command ends with
// the bytes of an uninterrupted sweep.
TEST(Outcomes, ASweepResumesFromTornLabFiles) {
  const fs::path clean = fresh("clean"), torn = fresh("torn");
  ASSERT_EQ(
      cloudwars("sweep " + kData + "sweep.yaml --progress none --out " + clean.string()).status, 0);
  fs::copy(clean, torn, fs::copy_options::recursive);
  // Rebuild the torn state from the clean files: runs 0..3 in runs.csv and
  // run_providers.csv, run 3 cut short in run_labs.csv and step_labs.csv.
  auto prefix = [](const fs::path& file, int runs, std::size_t extra_chars) {
    const std::string text = cw::test::read_all(file);
    std::size_t pos = text.find('\n') + 1;
    while (pos < text.size()) {
      const std::size_t end = text.find('\n', pos);
      if (std::stoi(text.substr(pos, text.find(',', pos) - pos)) >= runs) break;
      pos = end + 1;
    }
    return text.substr(0, std::min(text.size(), pos + extra_chars));
  };
  auto write = [](const fs::path& file, const std::string& text) {
    std::ofstream(file, std::ios::binary) << text;
  };
  // The manifest of a sweep still running.
  std::string manifest = slurp(clean / "manifest.json");
  const std::string done = "\"status\": \"complete\"";
  ASSERT_NE(manifest.find(done), std::string::npos);
  manifest.replace(manifest.find(done), done.size(), "\"status\": \"running\"");
  write(torn / "manifest.json", manifest);
  fs::remove(torn / "points.csv");
  write(torn / "runs.csv", prefix(clean / "runs.csv", 4, 0));
  write(torn / "run_providers.csv", prefix(clean / "run_providers.csv", 4, 0));
  write(torn / "run_labs.csv", prefix(clean / "run_labs.csv", 3, 7));
  write(torn / "step_labs.csv", prefix(clean / "step_labs.csv", 4, 5));
  write(torn / "steps.csv", prefix(clean / "steps.csv", 4, 0));
  write(torn / "step_providers.csv", prefix(clean / "step_providers.csv", 4, 0));
  write(torn / "events.csv", prefix(clean / "events.csv", 4, 0));
  const Result r =
      cloudwars("sweep " + kData + "sweep.yaml --progress none --out " + torn.string());
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("resumed"), std::string::npos) << r.out;
  for (const char* f : {"runs.csv", "run_providers.csv", "run_labs.csv", "step_labs.csv",
                        "steps.csv", "events.csv", "points.csv"}) {
    EXPECT_TRUE(slurp(clean / f) == slurp(torn / f)) << f << " differs";
  }
}

// compare: one side's outcomes serve both; different ones are refused.
TEST(Outcomes, CompareTakesTheDeclaringSidesOutcomes) {
  const fs::path out = fresh("compare");
  const Result r = cloudwars("compare " + kData + "labs.yaml --set-b 'providers[A].price=0.8' " +
                             "--replicates 3 --progress none --out " + out.string());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("a_share_2020 "), std::string::npos) << r.out;
  const std::string csv = slurp(out / "compare.csv");
  EXPECT_NE(csv.find("\nrequested_all,,3,"), std::string::npos) << csv;
  const Result differ =
      cloudwars("compare " + kData + "labs.yaml --set-b 'outcomes[a_share_2020].stat=max' " +
                "--replicates 2 --progress none --out " + out.string());
  EXPECT_EQ(differ.status, 3) << differ.out << differ.err;
  EXPECT_NE(differ.err.find("declares other outcomes than A"), std::string::npos) << differ.err;
}

}  // namespace
