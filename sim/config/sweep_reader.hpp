// Sweep files (SPEC §4, docs/SWEEPS.md) -> a validated Sweep: the spec, the
// base scenario, the design, each checked with FILE:LINE:COL errors before
// anything runs.
#pragma once

#include <filesystem>

#include "sweep/sweep.hpp"

namespace cw {

// Whether a YAML file is a sweep (it has a top-level `base` key).
bool is_sweep_file(const std::filesystem::path& file);

// Loads and validates a sweep: its keys, the base scenario, every varied
// path and value, the design's needs, and every design point as a scenario.
// Throws ConfigError with every problem found.
Sweep load_sweep(const std::filesystem::path& file);

}  // namespace cw
