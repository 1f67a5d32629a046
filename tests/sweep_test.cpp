// `cloudwars sweep` end to end (SPEC §4): byte-identical files for any
// --jobs, resume after kill -9 and Ctrl-C with the same bytes as an
// uninterrupted sweep, failed runs recorded, a changed sweep refused, a row
// replayed alone, common random numbers.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cli_helpers.hpp"
#include "output/csv.hpp"

namespace {

namespace fs = std::filesystem;

const std::string kData = std::string(CW_SOURCE_DIR) + "/tests/data/sweeps/";

using Result = cw::test::CliResult;
std::string slurp(const fs::path& p) { return cw::test::read_all(p); }
Result cloudwars(const std::string& args) { return cw::test::run_cli(args); }
fs::path fresh(const std::string& name) { return cw::test::fresh_dir("sweep_" + name); }

const std::vector<std::string> kDataFiles = {
    "runs.csv", "run_providers.csv", "points.csv", "design.csv", "steps.csv", "step_providers.csv"};

void expect_same_data(const fs::path& a, const fs::path& b) {
  for (const auto& f : kDataFiles) {
    ASSERT_EQ(fs::exists(a / f), fs::exists(b / f)) << f;
    if (fs::exists(a / f)) {
      EXPECT_TRUE(slurp(a / f) == slurp(b / f)) << f << " differs";
    }
  }
}

std::size_t lines_of(const fs::path& p) {
  const std::string s = slurp(p);
  return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n'));
}

TEST(Sweep, SameBytesForAnyNumberOfJobs) {
  const fs::path j1 = fresh("j1"), j2 = fresh("j2"), j4 = fresh("j4");
  ASSERT_EQ(cloudwars("sweep " + kData + "small.yaml --jobs 1 --out " + j1.string()).status, 0);
  ASSERT_EQ(cloudwars("sweep " + kData + "small.yaml --jobs 2 --out " + j2.string()).status, 0);
  ASSERT_EQ(cloudwars("sweep " + kData + "small.yaml --jobs 4 --out " + j4.string()).status, 0);
  expect_same_data(j1, j2);
  expect_same_data(j1, j4);
  EXPECT_EQ(lines_of(j1 / "runs.csv"), 28u);  // header + 9 points x 3 replicates
  EXPECT_EQ(lines_of(j1 / "run_providers.csv"), 1 + 27 * 3u);
  EXPECT_EQ(lines_of(j1 / "points.csv"), 10u);
  // Time series every 6 steps of 24: steps 0, 6, 12, 18.
  EXPECT_EQ(lines_of(j1 / "steps.csv"), 1 + 27 * 4u);
}

// The manifest differs only in its times, host and jobs.
TEST(Sweep, ManifestDiffersOnlyInTimesHostAndJobs) {
  const fs::path a = fresh("ma"), b = fresh("mb");
  ASSERT_EQ(cloudwars("sweep " + kData + "small.yaml --jobs 1 --out " + a.string()).status, 0);
  ASSERT_EQ(cloudwars("sweep " + kData + "small.yaml --jobs 3 --out " + b.string()).status, 0);
  EXPECT_EQ(cw::test::manifest_without_times(slurp(a / "manifest.json")),
            cw::test::manifest_without_times(slurp(b / "manifest.json")));
  EXPECT_NE(slurp(a / "manifest.json"), slurp(b / "manifest.json"));  // jobs differ
}

// Starts a sweep, waits until runs.csv has `rows` lines (0: no wait), then
// kills it with `sig`. Returns the child's exit status (or the signal).
int run_and_kill(const std::string& sweep, const fs::path& out, std::size_t rows, int sig) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    const std::string o = out.string();
    ::freopen("/dev/null", "w", stdout);
    ::freopen("/dev/null", "w", stderr);
    // The sweep keeps a signal it inherits as ignored (a test binary started
    // with & from a script ignores SIGINT): this test is about the default.
    ::signal(SIGINT, SIG_DFL);
    ::signal(SIGTERM, SIG_DFL);
    ::execl(CW_BINARY, CW_BINARY, "sweep", sweep.c_str(), "--jobs", "2", "--out", o.c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  if (rows > 0) {
    // Poll (no timing is asserted: the kill lands wherever the sweep is).
    for (int i = 0; i < 200000; ++i) {
      if (lines_of(out / "runs.csv") >= rows) break;
      int status = 0;
      if (::waitpid(pid, &status, WNOHANG) == pid) return status;
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  }
  ::kill(pid, sig);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return status;
}

TEST(Sweep, ResumesAfterKillNineWithTheSameBytes) {
  const std::string sweep = kData + "long.yaml";
  const fs::path clean = fresh("clean");
  ASSERT_EQ(cloudwars("sweep " + sweep + " --jobs 1 --out " + clean.string()).status, 0);
  const fs::path killed = fresh("killed");
  // Kill at the very start, then at several depths, resuming in between.
  for (std::size_t rows : {0u, 2u, 300u, 1500u, 2800u}) {
    run_and_kill(sweep, killed, rows, SIGKILL);
  }
  const Result r = cloudwars("sweep " + sweep + " --jobs 2 --out " + killed.string());
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  expect_same_data(clean, killed);
  for (const auto& e : fs::directory_iterator(killed)) {
    EXPECT_EQ(e.path().string().find(".tmp-"), std::string::npos) << e.path();
  }
}

TEST(Sweep, CtrlCStopsCleanlyAndTheSameCommandContinues) {
  const std::string sweep = kData + "long.yaml";
  const fs::path clean = fresh("clean2");
  ASSERT_EQ(cloudwars("sweep " + sweep + " --jobs 2 --out " + clean.string()).status, 0);
  const fs::path stopped = fresh("stopped");
  const int status = run_and_kill(sweep, stopped, 500, SIGINT);
  if (WIFEXITED(status)) {
    EXPECT_EQ(WEXITSTATUS(status), 130);  // interrupted, not an error
  }
  const Result r = cloudwars("sweep " + sweep + " --out " + stopped.string());
  ASSERT_EQ(r.status, 0) << r.err;
  expect_same_data(clean, stopped);
  // A complete sweep run again does nothing and says so.
  const Result again = cloudwars("sweep " + sweep + " --out " + stopped.string());
  EXPECT_EQ(again.status, 0);
  EXPECT_NE(again.out.find("already complete"), std::string::npos) << again.out;
}

TEST(Sweep, FailedRunsAreRecordedAndTheOthersComplete) {
  const fs::path out = fresh("fail");
  const Result r = cloudwars("sweep " + kData + "fail.yaml --out " + out.string());
  EXPECT_EQ(r.status, 4) << r.err;
  std::ifstream in(out / "runs.csv");
  std::string line;
  std::getline(in, line);
  int ok = 0, failed = 0;
  while (std::getline(in, line)) {
    const auto cells = cw::split_csv_line(line);
    if (cells[4] == "ok") {
      ++ok;
      EXPECT_EQ(cells[6], "0.01");
    } else {
      ++failed;
      EXPECT_EQ(cells[4], "failed");
      EXPECT_EQ(cells[6], "60");
      EXPECT_NE(cells[5].find("step "), std::string::npos) << cells[5];
      EXPECT_NE(cells[5].find("inf"), std::string::npos) << cells[5];
      EXPECT_EQ(cells[8], "");  // no outcomes
    }
  }
  EXPECT_EQ(ok, 2);
  EXPECT_EQ(failed, 2);
}

TEST(Sweep, AChangedSweepIsRefusedUnlessRestart) {
  const fs::path out = fresh("changed");
  ASSERT_EQ(cloudwars("sweep " + kData + "small.yaml --out " + out.string()).status, 0);
  const Result refused = cloudwars("sweep " + kData + "changed.yaml --out " + out.string());
  EXPECT_EQ(refused.status, 2);
  EXPECT_NE(refused.err.find("--restart"), std::string::npos) << refused.err;
  const Result restarted =
      cloudwars("sweep " + kData + "changed.yaml --restart --out " + out.string());
  EXPECT_EQ(restarted.status, 0) << restarted.err;
  EXPECT_NE(slurp(out / "runs.csv").find(",3,"), std::string::npos);
}

// A folder holds the runs of one program: a sweep whose manifest names
// another commit is neither resumed, extended nor reported complete, and is
// left as it was; --restart runs it again.
TEST(Sweep, RunsOfAnotherProgramAreNotResumed) {
  const fs::path out = fresh("program");
  ASSERT_EQ(cloudwars("sweep " + kData + "small.yaml --out " + out.string()).status, 0);
  const std::string manifest = slurp(out / "manifest.json");
  const std::size_t at = manifest.find("\"git_commit\": \"");
  ASSERT_NE(at, std::string::npos);
  const std::size_t value = at + std::string("\"git_commit\": \"").size();
  const std::string other =
      manifest.substr(0, value) + "0123456789ab" + manifest.substr(manifest.find('"', value));
  for (const std::string status : {"complete", "running"}) {
    SCOPED_TRACE(status);
    std::string text = other;
    const std::size_t s = text.find("\"status\": \"complete\"");
    ASSERT_NE(s, std::string::npos);
    text.replace(s, std::string("\"status\": \"complete\"").size(),
                 "\"status\": \"" + status + "\"");
    std::ofstream(out / "manifest.json", std::ios::binary | std::ios::trunc) << text;
    const std::string runs = slurp(out / "runs.csv");
    for (const std::string more : {"", " --replicates 4"}) {
      const Result r = cloudwars("sweep " + kData + "small.yaml --out " + out.string() + more);
      EXPECT_EQ(r.status, 2) << more;
      EXPECT_NE(r.err.find("commit 0123456789ab"), std::string::npos) << r.err;
      EXPECT_NE(r.err.find("--restart"), std::string::npos) << r.err;
      EXPECT_EQ(slurp(out / "manifest.json"), text) << more;
      EXPECT_EQ(slurp(out / "runs.csv"), runs) << more;
    }
  }
  const Result restarted =
      cloudwars("sweep " + kData + "small.yaml --restart --out " + out.string());
  EXPECT_EQ(restarted.status, 0) << restarted.err;
  const std::string fresh_manifest = slurp(out / "manifest.json");
  EXPECT_EQ(fresh_manifest.find("0123456789ab"), std::string::npos);

  // A hand-edited program that is no text is refused the same way (exit 2,
  // no exception); a manifest without a program (null) counts as this one's.
  const std::size_t commit = fresh_manifest.find("\"git_commit\": \"");
  ASSERT_NE(commit, std::string::npos);
  const std::size_t commit_end = fresh_manifest.find('"', commit + 15) + 1;
  std::ofstream(out / "manifest.json", std::ios::binary | std::ios::trunc)
      << fresh_manifest.substr(0, commit) + "\"git_commit\": 7" + fresh_manifest.substr(commit_end);
  const Result odd = cloudwars("sweep " + kData + "small.yaml --out " + out.string());
  EXPECT_EQ(odd.status, 2) << odd.err;
  EXPECT_NE(odd.err.find("(commit ?, "), std::string::npos) << odd.err;
  const std::size_t program = fresh_manifest.find("\"program\": {");
  ASSERT_NE(program, std::string::npos);
  const std::size_t program_end = fresh_manifest.find('}', program) + 1;
  std::ofstream(out / "manifest.json", std::ios::binary | std::ios::trunc)
      << fresh_manifest.substr(0, program) + "\"program\": null" +
             fresh_manifest.substr(program_end);
  const Result unnamed = cloudwars("sweep " + kData + "small.yaml --out " + out.string());
  EXPECT_EQ(unnamed.status, 0) << unnamed.err;
}

std::map<std::string, std::string> row_of(const fs::path& runs, std::size_t index) {
  std::ifstream in(runs);
  std::string line;
  std::getline(in, line);
  const auto header = cw::split_csv_line(line);
  for (std::size_t i = 0; i <= index; ++i) std::getline(in, line);
  const auto cells = cw::split_csv_line(line);
  std::map<std::string, std::string> row;
  for (std::size_t i = 0; i < header.size(); ++i) row[header[i]] = cells[i];
  return row;
}

TEST(Sweep, AnyRowCanBeReplayedAloneWithRun) {
  const fs::path out = fresh("replay");
  ASSERT_EQ(cloudwars("sweep " + kData + "small.yaml --out " + out.string()).status, 0);
  for (std::size_t index : {0u, 7u, 26u}) {
    auto row = row_of(out / "runs.csv", index);
    const fs::path one = fresh("one");
    const std::string cmd = "run " + kData + "base.yaml --out " + one.string() +
                            " --set seed=" + row["seed"] +
                            " --set lock_in.weight=" + row["lock_in.weight"] +
                            " --set network_effect.delta=" + row["network_effect.delta"];
    ASSERT_EQ(cloudwars(cmd).status, 0);
    auto single = row_of(one / "runs.csv", 0);
    for (const auto& [column, value] : single) {
      if (column == "run_id") continue;
      EXPECT_EQ(value, row[column]) << column << " of row " << index;
    }
  }
}

TEST(Sweep, CommonSeedsAreSharedByEveryPointOfAReplicate) {
  const fs::path out = fresh("common");
  ASSERT_EQ(cloudwars("sweep " + kData + "common.yaml --out " + out.string()).status, 0);
  std::map<std::string, std::set<std::string>> seeds_by_replicate;
  for (std::size_t i = 0; i < 9; ++i) {
    auto row = row_of(out / "runs.csv", i);
    seeds_by_replicate[row["replicate"]].insert(row["seed"]);
  }
  ASSERT_EQ(seeds_by_replicate.size(), 3u);
  std::set<std::string> all;
  for (const auto& [rep, seeds] : seeds_by_replicate) {
    EXPECT_EQ(seeds.size(), 1u) << "replicate " << rep;
    all.insert(*seeds.begin());
  }
  EXPECT_EQ(all.size(), 3u);
}

TEST(Sweep, ValidateReportsSweepProblemsWithPositions) {
  const fs::path bad = fresh("bad") += ".yaml";
  std::ofstream(bad) << "name: bad\nbase: " << kData
                     << "base.yaml\ndesign: {kind: lhs, samples: 4}\nparameters:\n"
                        "  - path: lock_in.wieght\n    low: 0\n    high: 1\n"
                        "  - path: choice.tau\n    low: 1\n    high: 0.5\n";
  const Result r = cloudwars("validate " + bad.string());
  EXPECT_EQ(r.status, 3);
  EXPECT_NE(r.err.find(":5:11: parameters[0].path: unknown parameter path 'lock_in.wieght' "
                       "(did you mean 'lock_in.weight'?)"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find(":10:11: parameters[1].high: must be > low (1)"), std::string::npos)
      << r.err;
}

}  // namespace

namespace {

TEST(Sweep, EveryShippedSweepValidates) {
  int count = 0;
  for (const auto& e : fs::directory_iterator(std::string(CW_SOURCE_DIR) + "/configs/sweeps")) {
    if (e.path().extension() != ".yaml") continue;
    const Result r = cloudwars("validate " + e.path().string());
    EXPECT_EQ(r.status, 0) << e.path() << "\n" << r.err;
    ++count;
  }
  EXPECT_GE(count, 7);  // one per design
}

TEST(Sweep, TheSeedCannotBeAVariedParameter) {
  const fs::path bad = fresh("seed") += ".yaml";
  std::ofstream(bad) << "name: s\nbase: " << kData
                     << "base.yaml\ndesign: {kind: grid}\nparameters:\n"
                        "  - path: seed\n    values: [1, 2]\n";
  const Result r = cloudwars("validate " + bad.string());
  EXPECT_EQ(r.status, 3);
  EXPECT_NE(r.err.find("parameters[0].path: the seed is set per run by the sweep"),
            std::string::npos)
      << r.err;
}

}  // namespace
