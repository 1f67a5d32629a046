// The cloudwars command line. Exit codes (docs/CLI.md):
//   0 success, 1 runtime failure, 2 usage error, 3 config error.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdio>
#include <iostream>

#include "build_info.hpp"
#include "config/yaml_reader.hpp"

namespace {

constexpr int kExitOk = 0;
constexpr int kExitRuntime = 1;
constexpr int kExitUsage = 2;
constexpr int kExitConfig = 3;

std::string version_text() {
  return fmt::format("cloudwars {}\ncommit {}\nbuild {}", cw::build::kVersion,
                     cw::build::kGitCommit, cw::build::kSettings);
}

int cmd_validate(const std::vector<std::string>& files) {
  int status = kExitOk;
  for (const auto& f : files) {
    try {
      cw::load_scenario(f);
      fmt::print("{}: ok\n", f);
    } catch (const cw::ConfigError& e) {
      for (const auto& d : e.problems()) fmt::print(stderr, "{}\n", d.str());
      status = kExitConfig;
    }
  }
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "cloudwars: an agent-based simulator of the AI compute market.\n"
      "Exit codes: 0 ok, 1 runtime failure, 2 usage error, 3 config error."};
  app.set_version_flag("--version", version_text());
  app.require_subcommand(1);

  std::vector<std::string> validate_files;
  auto* validate = app.add_subcommand(
      "validate", "Check scenario files; print every problem (FILE:LINE:COL: path: message) or ok");
  validate->add_option("files", validate_files, "scenario YAML files")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }

  try {
    if (*validate) return cmd_validate(validate_files);
  } catch (const cw::ConfigError& e) {
    for (const auto& d : e.problems()) fmt::print(stderr, "{}\n", d.str());
    return kExitConfig;
  } catch (const std::exception& e) {
    fmt::print(stderr, "cloudwars: error: {}\n", e.what());
    return kExitRuntime;
  }
  return kExitOk;
}
