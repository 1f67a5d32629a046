// `cloudwars sobol DIR` and `cloudwars morris DIR` (SPEC §4, docs/SWEEPS.md
// "Sensitivity indices"): read a finished sobol or morris sweep folder
// (manifest.json, design.csv, runs.csv, or their .csv.gz), compute the
// indices of every numeric outcome with bootstrap intervals
// (sweep/sensitivity.hpp), and write DIR/sobol.csv or DIR/morris.csv.
//
// Replicates are averaged per design point first; a Sobol base sample or
// Morris trajectory is used for an outcome only when every run of every one
// of its points is ok and has a value of that outcome.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "sweep/sensitivity.hpp"

namespace cw {

enum class SensitivityMethod { sobol, morris };

// A folder that cannot be analysed: missing or unreadable files, not a
// sweep, another design kind, an unfinished sweep. The CLI exits with 3.
class SensitivityFolderError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct SensitivityOptions {
  std::size_t resamples = 1000;
  std::optional<std::uint64_t> seed;  // bootstrap seed; default: the sweep seed
};

struct SensitivityReport {
  SensitivityMethod method = SensitivityMethod::sobol;
  std::string sweep_name;
  std::filesystem::path file;  // the CSV written
  std::int64_t points = 0, replicates = 0, runs = 0, runs_failed = 0;
  std::int64_t units = 0;         // base samples or trajectories in the design
  std::int64_t units_failed = 0;  // of which holding a failed run
  Bootstrap boot;
  std::vector<std::string> parameters;
  std::vector<std::string> outcomes;  // analysed, in runs.csv order
  std::vector<std::string> skipped;   // outcome columns with text or no values
  std::vector<SobolResult> sobol;     // per outcome (method sobol)
  std::vector<MorrisResult> morris;   // per outcome (method morris)
};

// Reads DIR, computes, writes DIR/sobol.csv or DIR/morris.csv (atomically).
// Throws SensitivityFolderError for a folder that cannot be analysed.
SensitivityReport analyze_sweep_folder(const std::filesystem::path& dir, SensitivityMethod method,
                                       const SensitivityOptions& options);

// A readable table per outcome (all outcomes when `only` is empty), the
// parameters sorted by ST (Sobol) or mu* (Morris), largest first.
std::string sensitivity_summary(const SensitivityReport& report,
                                const std::vector<std::string>& only = {});

}  // namespace cw
