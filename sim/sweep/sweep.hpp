// A sweep ready to run (SPEC §4, docs/SWEEPS.md): the validated spec, the
// base scenario and the design. Plain data: sim/config builds it
// (sweep_reader.hpp), sim/batch runs it (runner.hpp).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/params.hpp"
#include "sweep/design.hpp"
#include "sweep/sweep_spec.hpp"

namespace cw {

struct Sweep {
  SweepSpec spec;
  std::filesystem::path file, base_file, design_file;
  Scenario base;
  Design design;
  std::vector<std::int64_t> order;  // point ids in run order (point_order)
  // Files whose hashes go in the manifest.
  std::vector<std::filesystem::path> inputs;
  // --set path=value arguments applied to the base, verbatim (manifest).
  std::vector<std::string> overrides;
  // The design point whose run needs the most memory (config/budget.hpp),
  // found when the points are checked; -1 before that.
  std::int64_t largest_point = -1;

  std::int64_t points() const { return static_cast<std::int64_t>(design.size()); }
  std::int64_t runs() const { return points() * spec.replicates; }
};

}  // namespace cw
