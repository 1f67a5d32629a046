// `cloudwars run` end to end: files, byte-identical reruns, --set, and the
// golden regression guard of configs/default.yaml.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "cli_helpers.hpp"

namespace {

namespace fs = std::filesystem;

using cw::test::fresh_dir;
using Result = cw::test::CliResult;
std::string slurp(const fs::path& p) { return cw::test::read_all(p); }
Result cloudwars(const std::string& args) { return cw::test::run_cli(args); }

const char* kFiles[] = {"runs.csv", "run_providers.csv", "steps.csv", "step_providers.csv"};

TEST(RunCommand, WritesTidyFilesManifestAndSummary) {
  const fs::path dir = fresh_dir("files");
  const Result r = cloudwars("run --out " + dir.string());
  ASSERT_EQ(r.status, 0) << r.err;
  for (const char* f : kFiles) EXPECT_TRUE(fs::exists(dir / f)) << f;
  EXPECT_TRUE(fs::exists(dir / "manifest.json"));
  EXPECT_NE(r.out.find("leader"), std::string::npos);
  EXPECT_NE(r.out.find("HHI"), std::string::npos);
  // No temporary file is left behind.
  for (const auto& e : fs::directory_iterator(dir)) {
    EXPECT_EQ(e.path().string().find(".tmp-"), std::string::npos) << e.path();
  }
  const std::string manifest = slurp(dir / "manifest.json");
  EXPECT_NE(manifest.find("\"git_commit\""), std::string::npos);
  EXPECT_NE(manifest.find("\"seed\": 42"), std::string::npos);
}

TEST(RunCommand, SecondRunWritesTheSameBytes) {
  const fs::path a = fresh_dir("a"), b = fresh_dir("b");
  ASSERT_EQ(cloudwars("run configs/default.yaml --out " + a.string()).status, 0);
  ASSERT_EQ(cloudwars("run configs/default.yaml --out " + b.string()).status, 0);
  for (const char* f : kFiles) EXPECT_EQ(slurp(a / f), slurp(b / f)) << f;
}

// Golden regression guard (created in its own commit; regenerate only with a
// reason, by copying the files of `cloudwars run configs/default.yaml`).
TEST(RunCommand, DefaultScenarioMatchesTheGoldenFiles) {
  const fs::path dir = fresh_dir("golden");
  ASSERT_EQ(cloudwars("run configs/default.yaml --out " + dir.string()).status, 0);
  const fs::path golden = fs::path(CW_SOURCE_DIR) / "tests/golden/default";
  for (const char* f : kFiles) {
    ASSERT_TRUE(fs::exists(golden / f)) << f;
    EXPECT_TRUE(slurp(dir / f) == slurp(golden / f)) << f << " differs from the golden file";
  }
}

TEST(RunCommand, SetOverridesAParameterAndIsRecorded) {
  const fs::path dir = fresh_dir("set");
  const Result r =
      cloudwars("run --out " + dir.string() +
                " --set steps=6 --set metrics.burn_in=0 --set providers[AWS].price=0.5");
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string steps = slurp(dir / "steps.csv");
  EXPECT_EQ(std::count(steps.begin(), steps.end(), '\n'), 7);  // header + 6 steps
  EXPECT_NE(steps.find("\n0,5,2017-06,"), std::string::npos);
  EXPECT_NE(slurp(dir / "manifest.json").find("providers[AWS].price=0.5"), std::string::npos);
}

TEST(RunCommand, UnknownPathIsAConfigErrorWithASuggestion) {
  const fs::path dir = fresh_dir("bad_set");
  const Result r = cloudwars("run --out " + dir.string() + " --set choice.tua=2");
  EXPECT_EQ(r.status, 3);
  EXPECT_NE(r.err.find("did you mean 'choice.tau'?"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir));  // nothing written
}

TEST(RunCommand, CrossFieldProblemsAfterSetAreReported) {
  const Result r = cloudwars("run --no-output --set metrics.burn_in=500");
  EXPECT_EQ(r.status, 3);
  EXPECT_NE(r.err.find("metrics.burn_in: must be < steps (120)"), std::string::npos) << r.err;
}

TEST(RunCommand, NoOutputWritesNothing) {
  const Result r = cloudwars("run --no-output --set steps=3 --set metrics.burn_in=0");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("leader"), std::string::npos);
  EXPECT_EQ(r.out.find("results in"), std::string::npos);
}

TEST(RunCommand, GraphExportAtChosenSteps) {
  const fs::path dir = fresh_dir("graph");
  const Result r = cloudwars("run --out " + dir.string() +
                             " --set steps=5 --set metrics.burn_in=0 --set output.graph_steps=0,4 "
                             "--set output.graph_format=both");
  ASSERT_EQ(r.status, 0) << r.err;
  for (const char* f : {"graph_step00000.graphml", "graph_step00004.graphml", "graph_step00000.dot",
                        "graph_step00004.dot"}) {
    EXPECT_TRUE(fs::exists(dir / f)) << f;
  }
  const std::string g = slurp(dir / "graph_step00004.graphml");
  EXPECT_NE(g.find("<data key=\"ekind\">usage</data>"), std::string::npos);
  EXPECT_NE(g.find("<data key=\"ekind\">influence</data>"), std::string::npos);
}

}  // namespace

namespace {

// Every shipped scenario runs to the end (SPEC §2.4; the configs smoke run).
TEST(RunCommand, EveryShippedScenarioRuns) {
  int count = 0;
  for (const auto& dir : {"configs", "configs/scenarios", "configs/bench"}) {
    for (const auto& e : fs::directory_iterator(fs::path(CW_SOURCE_DIR) / dir)) {
      if (e.path().extension() != ".yaml") continue;
      const Result r = cloudwars("run " + e.path().string() + " --no-output");
      EXPECT_EQ(r.status, 0) << e.path() << "\n" << r.err;
      ++count;
    }
  }
  EXPECT_GE(count, 5);
}

// The story of the 2017 scenario shows in its events: the 2019 deal with
// exclusivity, its end in 2025; the storm-off in the counterfactual.
TEST(RunCommand, The2017ScenariosTellTheirStory) {
  const fs::path a = fresh_dir("story"), b = fresh_dir("storm");
  ASSERT_EQ(cloudwars("run configs/scenarios/cloudwars-2017.yaml --out " + a.string()).status, 0);
  ASSERT_EQ(cloudwars("run configs/scenarios/storm-off-2017.yaml --out " + b.string()).status, 0);
  const std::string base = slurp(a / "events.csv"), storm = slurp(b / "events.csv");
  EXPECT_NE(base.find(",2019-07,deal,msft-openai-2019,OpenAI,Azure,"), std::string::npos);
  EXPECT_NE(base.find(",2025-01,end_exclusivity,msft-openai-end-exclusivity-2025,OpenAI,Azure,"),
            std::string::npos);
  EXPECT_EQ(base.find("storm_off,openai-storm-off-2017"), std::string::npos);
  EXPECT_NE(storm.find(",2017-03,storm_off,openai-storm-off-2017,OpenAI,Azure,AWS,"),
            std::string::npos);
  EXPECT_EQ(storm.find("msft-openai-2019"), std::string::npos);
}

}  // namespace
