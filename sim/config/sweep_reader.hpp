// Sweep files (SPEC §4, docs/SWEEPS.md) -> a validated Sweep: the spec, the
// base scenario, the design, each checked with FILE:LINE:COL errors before
// anything runs.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "sweep/sweep.hpp"

namespace cw {

// Whether a YAML file is a sweep (it has a top-level `base` key).
bool is_sweep_file(const std::filesystem::path& file);
// Whether a YAML file is a scenario: a mapping without `base` but with
// `providers` or `labs` (the keys a scenario requires).
bool is_scenario_file(const std::filesystem::path& file);

// Changes from the command line (docs/SWEEPS.md): `sets` (path=value) change
// the base scenario for the whole sweep; `replicates` replaces the file's.
struct SweepOverrides {
  std::vector<std::string> sets;
  std::optional<std::int64_t> replicates;
};

// Loads and validates a sweep: its keys, the base scenario (with the
// overrides), every varied path and value, the design's needs, and every
// design point as a scenario. Throws ConfigError with every problem found.
Sweep load_sweep(const std::filesystem::path& file, const SweepOverrides& overrides = {});

}  // namespace cw
