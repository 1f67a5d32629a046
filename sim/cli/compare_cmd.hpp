// `cloudwars compare A.yaml [B.yaml]` (docs/ANALYSIS.md): its options and
// the command.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "batch/compare.hpp"
#include "batch/progress.hpp"

namespace cw::cli {

struct CompareCliOptions {
  std::string file_a, file_b;
  std::vector<std::string> sets, sets_a, sets_b;
  std::int64_t replicates = 20;
  std::int64_t seed = 1;
  int jobs = 0;
  std::string out;
  bool steps = false;
  ProgressMode progress = ProgressMode::automatic;
  std::string shard;  // i/n (docs/CLUSTER.md); empty: the whole compare
};

// Adds the subcommand and its options to `app`.
CLI::App* add_compare_command(CLI::App& app, CompareCliOptions& o);

// The --progress option (auto, plain, json, none), for sweep and compare.
void add_progress_option(CLI::App& sub, ProgressMode& mode);

// The compare the options describe: both scenarios loaded, the overrides
// applied, the outcomes and graph settings checked (ConfigError, UsageError).
CompareSpec compare_spec_of(const CompareCliOptions& o);

int cmd_compare(const CompareCliOptions& o);

}  // namespace cw::cli
