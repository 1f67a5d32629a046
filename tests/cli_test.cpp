// Smoke tests of the real `cloudwars` binary (exit codes and output streams,
// docs/CONFIG.md), and a load of every shipped scenario (STYLE item 11).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "cli_helpers.hpp"
#include "config/yaml_reader.hpp"

namespace {

namespace fs = std::filesystem;

using cw::test::CliResult;
using cw::test::read_all;
using cw::test::run_cli;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(CliSmoke, HelpExitsZeroAndMentionsValidate) {
  const CliResult r = run_cli("--help");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("validate"), std::string::npos) << r.out;
}

TEST(CliSmoke, VersionExitsZeroAndNamesTheCommit) {
  const CliResult r = run_cli("--version");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("cloudwars"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("commit"), std::string::npos) << r.out;
}

TEST(CliValidate, DefaultConfigIsOk) {
  const CliResult r = run_cli("validate configs/default.yaml");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "configs/default.yaml: ok\n");
  EXPECT_EQ(r.err, "");
}

TEST(CliValidate, BadFileExitsThreeWithOneLinePerProblem) {
  const std::string file = "tests/data/config/five_mistakes.yaml";
  const CliResult r = run_cli("validate " + file);
  EXPECT_EQ(r.status, 3);
  EXPECT_EQ(r.out, "");
  const auto lines = lines_of(r.err);
  ASSERT_EQ(lines.size(), 5u) << r.err;
  const std::regex form(R"(^[^:]+:[0-9]+:[0-9]+: [A-Za-z_.\[\]0-9]+: .+$)");
  for (const auto& line : lines) {
    EXPECT_TRUE(std::regex_match(line, form)) << line;
    EXPECT_EQ(line.rfind(file + ":", 0), 0u) << line;
  }
  EXPECT_EQ(lines[0], file + ":2:8: start: must be a date YYYY-MM (got 2017-13)");
  EXPECT_EQ(lines[1], file + ":3:1: stpes: unknown key (did you mean 'steps'?)");
  EXPECT_EQ(lines[2], file + ":6:12: providers[0].price: must be > 0 (got -1)");
  EXPECT_EQ(lines[3], file + ":9:14: providers[1].quality: must be a number (got high)");
  EXPECT_EQ(lines[4], file + ":15:16: labs.tiers[0].renewal: must be a finite number (got .nan)");
}

TEST(CliValidate, MissingFileExitsThree) {
  const CliResult r = run_cli("validate tests/data/config/does_not_exist.yaml");
  EXPECT_EQ(r.status, 3);
  EXPECT_EQ(r.err, "tests/data/config/does_not_exist.yaml: no such file\n");
}

TEST(CliValidate, EveryFileIsCheckedAndTheWorstStatusWins) {
  const CliResult r = run_cli("validate tests/data/config/five_mistakes.yaml configs/default.yaml");
  EXPECT_EQ(r.status, 3);
  EXPECT_EQ(r.out, "configs/default.yaml: ok\n");
  EXPECT_EQ(lines_of(r.err).size(), 5u) << r.err;
}

TEST(CliUsage, NoSubcommandExitsTwo) {
  const CliResult r = run_cli("");
  EXPECT_EQ(r.status, 2);
  EXPECT_FALSE(r.err.empty());
}

TEST(CliUsage, UnknownSubcommandExitsTwo) {
  const CliResult r = run_cli("frobnicate");
  EXPECT_EQ(r.status, 2);
  EXPECT_FALSE(r.err.empty());
}

TEST(CliUsage, UnknownOptionExitsTwo) {
  const CliResult r = run_cli("--frobnicate");
  EXPECT_EQ(r.status, 2);
  EXPECT_FALSE(r.err.empty());
}

TEST(CliUsage, UnknownOptionOfValidateExitsTwo) {
  const CliResult r = run_cli("validate --frobnicate configs/default.yaml");
  EXPECT_EQ(r.status, 2);
  EXPECT_FALSE(r.err.empty());
}

TEST(CliUsage, ValidateWithoutFilesExitsTwo) {
  const CliResult r = run_cli("validate");
  EXPECT_EQ(r.status, 2);
  EXPECT_FALSE(r.err.empty());
}

// Every shipped scenario loads. Files under configs/sweeps/ (sweep files, not
// scenarios) and configs/data/ (inputs such as edge lists) are left out.
TEST(CliParams, JsonHasWhatTheTextHasWithTypedBounds) {
  const std::string file = "tests/data/sweeps/base.yaml";
  const CliResult text = run_cli("params " + file);
  const CliResult json = run_cli("params --json " + file);
  ASSERT_EQ(text.status, 0) << text.err;
  ASSERT_EQ(json.status, 0) << json.err;
  const auto doc = nlohmann::json::parse(json.out);
  EXPECT_EQ(doc.at("scenario_file"), file);
  const auto& params = doc.at("parameters");
  // Same paths, values and meanings, in the same order, as the text lines.
  const auto lines = lines_of(text.out);
  ASSERT_EQ(params.size(), lines.size());
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::vector<std::string> cells;
    std::istringstream in(lines[i]);
    for (std::string cell; std::getline(in, cell, '\t');) cells.push_back(cell);
    cells.resize(6);
    EXPECT_EQ(params[i].at("path"), cells[0]);
    EXPECT_EQ(params[i].at("value"), cells[1]) << cells[0];
    EXPECT_EQ(params[i].at("type"), cells[2]) << cells[0];
    EXPECT_EQ(params[i].at("doc"), cells[4]) << cells[0];
    EXPECT_EQ(params[i].at("unit"), cells[5]) << cells[0];
  }
  const auto find = [&params](const std::string& path) {
    for (const auto& p : params) {
      if (p.at("path") == path) return p;
    }
    ADD_FAILURE() << "no " << path;
    return nlohmann::json();
  };
  // Expected values read off base.yaml and the declarations in params.cpp:
  // steps: 24 in the file; integer in [1, 1e7], months.
  const auto steps = find("steps");
  EXPECT_EQ(steps.at("value"), "24");
  EXPECT_EQ(steps.at("type"), "integer");
  EXPECT_EQ(steps.at("required"), false);
  EXPECT_EQ(steps.at("bounds").at("min"), 1.0);
  EXPECT_EQ(steps.at("bounds").at("max"), 1e7);
  EXPECT_EQ(steps.at("bounds").at("min_open"), false);
  EXPECT_EQ(steps.at("bounds").at("max_open"), false);
  EXPECT_EQ(steps.at("unit"), "months");
  EXPECT_EQ(steps.at("doc"), "number of steps");
  // A provider's price is required and > 0 (open at 0, no upper end).
  const auto price = find("providers[B].price");
  EXPECT_EQ(price.at("value"), "0.9");
  EXPECT_EQ(price.at("required"), true);
  EXPECT_EQ(price.at("bounds").at("min"), 0.0);
  EXPECT_EQ(price.at("bounds").at("min_open"), true);
  EXPECT_TRUE(price.at("bounds").at("max").is_null());
  EXPECT_EQ(price.at("bounds").at("text"), "must be > 0");
  // Any finite number: both ends null.
  const auto utility = find("outside.utility");
  EXPECT_EQ(utility.at("value"), "-1");
  EXPECT_TRUE(utility.at("bounds").at("min").is_null());
  EXPECT_TRUE(utility.at("bounds").at("max").is_null());
  // A choice lists its names and has no bounds.
  const auto allocation = find("choice.allocation");
  EXPECT_EQ(allocation.at("choices"), nlohmann::json({"logit", "sample", "argmax"}));
  EXPECT_TRUE(allocation.at("bounds").is_null());
  EXPECT_FALSE(steps.contains("choices"));
}

TEST(CliShippedConfigs, EveryScenarioLoads) {
  const fs::path root = fs::path(CW_SOURCE_DIR) / "configs";
  int loaded = 0;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".yaml") continue;
    const fs::path rel = entry.path().lexically_relative(root);
    const std::string top = rel.begin()->string();
    if (top == "sweeps" || top == "data") continue;
    SCOPED_TRACE(rel.string());
    try {
      cw::load_scenario(entry.path());
      ++loaded;
    } catch (const cw::ConfigError& e) {
      ADD_FAILURE() << e.what();
    }
  }
  EXPECT_GE(loaded, 1);
}

// The tests' scratch folder (cli_helpers.hpp) goes when its process exits, with
// the folders and lock files in it, and only the process that made it removes
// it: a forked child's exit leaves its parent's folder in place.
TEST(TestHelpers, ScratchFolderGoesWithItsProcessOnly) {
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    try {
      static const cw::test::ScratchFolder scratch(
          "cw_test_");  // destroyed by exit(), as scratch_root()'s
      fs::create_directories(scratch.path() / "probe");
      std::ofstream(scratch.path() / ".probe.lock") << "x";
      const std::string made = scratch.path().string();
      const bool told =
          ::write(pipe_fds[1], made.data(), made.size()) == static_cast<ssize_t>(made.size());
      std::exit(told ? 0 : 1);
    } catch (...) {
      ::_exit(2);  // never back into the test runner
    }
  }
  ::close(pipe_fds[1]);
  std::string made;
  char buffer[256];
  for (;;) {
    const ssize_t n = ::read(pipe_fds[0], buffer, sizeof buffer);
    if (n > 0) made.append(buffer, static_cast<std::size_t>(n));
    if (n == 0 || (n < 0 && errno != EINTR)) break;
  }
  ::close(pipe_fds[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_TRUE(fs::path(made).filename().string().starts_with("cw_test_" + std::to_string(child)))
      << made;
  EXPECT_FALSE(fs::exists(made)) << made;

  const fs::path mine = cw::test::fresh_dir("kept").parent_path();
  EXPECT_EQ(mine, cw::test::scratch_root());
  const pid_t second = ::fork();
  ASSERT_GE(second, 0);
  if (second == 0) std::exit(0);  // runs the static destructors, scratch_root()'s too
  ASSERT_EQ(::waitpid(second, &status, 0), second);
  EXPECT_TRUE(fs::is_directory(mine));
}

}  // namespace
