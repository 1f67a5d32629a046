// The batch runner (SPEC §4, docs/SWEEPS.md): runs every (point, replicate)
// of a sweep on all cores with an ordered pipeline (batch/pipeline.hpp), streams tidy rows to
// disk in run_id order, resumes after any interruption, and ends with the
// same bytes whatever the number of jobs or the finishing order.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "batch/cluster.hpp"
#include "batch/progress.hpp"
#include "core/params.hpp"
#include "sweep/sweep.hpp"

namespace cw {

// Run k of a sweep: replicate k / points, point order[k % points].
struct RunKey {
  std::int64_t run_id, point_id, replicate, seed;
};
RunKey run_key(const Sweep& sw, std::int64_t run_id);

// The scenario of one run: the base with the point's values set, and its seed.
Scenario run_scenario_of(const Sweep& sw, const RunKey& key);

struct SweepOptions {
  std::filesystem::path out;                   // empty: results/<name>
  int jobs = 0;                                // 0: all cores
  bool restart = false;                        // discard a folder written by another sweep
  ProgressMode progress = ProgressMode::none;  // progress reports on stderr
  std::size_t max_runs = 0;                    // stop after this many new runs (tests); 0: all
  nlohmann::ordered_json program;              // version, commit, build settings
  ShardSpec shard;   // run only this shard of the runs (batch/cluster.hpp)
  RunDriver driver;  // run them through this (MPI) instead of this process's threads
};

struct SweepResult {
  std::filesystem::path dir;
  // total: the runs of the sweep (of the shard, when sharded); resumed_from
  // counts from the first of them.
  std::int64_t total = 0, resumed_from = 0, ran = 0, failed = 0;
  std::int64_t extended_from = 0;  // > 0: a finished sweep with this many replicates, extended
  bool complete = false;
};

// A folder that cannot be used (written by another sweep, or not a sweep's).
class SweepFolderError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

SweepResult run_sweep(const Sweep& sw, const SweepOptions& options);

// Compresses `file` to `file.gz` (zlib level 6, a gzip header without file
// name or time stamp, so the same bytes give the same file) and removes
// `file`; does nothing when `file` does not exist. Exposed for tests.
void gzip_file(const std::filesystem::path& file);

// Identity of a sweep: SHA-256 of its resolved spec, base scenario and design.
std::string sweep_identity(const Sweep& sw);
// The same with the replicate count left out: a folder with this identity
// and fewer replicates can be extended in place.
std::string sweep_identity_without_replicates(const Sweep& sw);
// The identity with `spec` in place of sw.spec.
std::string sweep_identity_with(const Sweep& sw, SweepSpec& spec);

// Undoes gzip_file: `file.gz` back to `file`; does nothing when absent.
void gunzip_file(const std::filesystem::path& gz);

}  // namespace cw
