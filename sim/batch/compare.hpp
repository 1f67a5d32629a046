// `cloudwars compare` (SPEC §4, docs/ANALYSIS.md): two scenarios run over
// the same replicates with common random numbers (replicate r of A and of B
// share one seed), and every outcome's paired difference B - A with its 95%
// t-interval, beside the unpaired interval and the variance reduction that
// the pairing bought.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "batch/cluster.hpp"
#include "batch/progress.hpp"
#include "core/params.hpp"

namespace cw {

struct CompareSpec {
  Scenario a, b;                                  // resolved, overrides applied; seeds are replaced
  std::filesystem::path file_a, file_b;           // as given (file_b = file_a when B was left out)
  std::vector<std::string> sets, sets_a, sets_b;  // the --set arguments, verbatim
  std::int64_t replicates = 20;
  std::int64_t seed = 1;  // the compare seed: run seeds derive from it and the replicate
  bool steps = false;     // also the time series of the difference (compare_steps.csv)
};

struct CompareOptions {
  std::filesystem::path out;
  int jobs = 0;  // 0: all cores
  ProgressMode progress = ProgressMode::none;
  nlohmann::ordered_json program;  // version, commit, build settings
  // A shard (`compare --shard i/n`, docs/CLUSTER.md): only its replicates
  // run; their rows are written, the statistics wait for `cloudwars merge`.
  ShardSpec shard;
  // Runs [from, end) elsewhere (MPI, batch/mpi.hpp): each result as the bytes
  // of compare_run_bytes, handed to the sink in run order. Empty: this process.
  std::function<std::int64_t(std::int64_t, std::int64_t, const std::function<bool(std::string&&)>&)>
      remote;
};

// One row of compare.csv: an outcome (per provider for run_providers.csv).
// Statistics over the n replicates where both runs are ok and both cells
// are non-empty; intervals are empty for n < 2.
struct CompareRow {
  std::string outcome, provider;
  std::int64_t n = 0;
  double mean_a = 0, mean_b = 0, sd_a = 0, sd_b = 0;
  double diff = 0, sd_diff = 0;
  std::optional<double> diff_lo, diff_hi;          // paired t-interval, n - 1 df
  std::optional<double> unpaired_lo, unpaired_hi;  // Welch interval, as if independent
  std::optional<double> variance_reduction;        // 1 - var(B-A) / (var(A) + var(B))
};

struct CompareResult {
  std::filesystem::path dir;
  std::int64_t runs = 0, failed = 0;
  bool complete = false;                                // false: interrupted, nothing written
  std::vector<CompareRow> rows;                         // empty for a shard
  std::int64_t first_replicate = 0, end_replicate = 0;  // the replicates run
};

// The seed of replicate r (the same for A and B): run_seed of the sweep's
// `common` mode, keyed by the compare seed.
std::int64_t compare_seed(std::int64_t seed, std::int64_t replicate);

CompareResult run_compare(const CompareSpec& spec, const CompareOptions& options);

// Run k of a compare (replicate k / 2, side k % 2) as bytes, for `remote`.
std::string compare_run_bytes(const CompareSpec& spec, std::int64_t k);
// What every MPI rank must agree on, and what the shards of one compare
// share: SHA-256 of both scenarios and the options.
std::string compare_identity(const CompareSpec& spec);

// Refuses (SweepFolderError, exit 2) a folder whose manifest says it holds
// another shard of a compare, or a whole compare when a shard is asked for,
// or a shard when the whole compare is: one folder per shard, as for sweeps.
void check_compare_folder(const std::filesystem::path& dir, const ShardSpec& shard);

// The options a compare shard was made with, from its manifest.json (for
// `cloudwars merge` to make the CompareSpec again); MergeError when `part`
// is no compare shard.
struct CompareOrigin {
  std::filesystem::path file_a, file_b;
  std::vector<std::string> sets, sets_a, sets_b;
  std::int64_t replicates = 0, seed = 0;
  bool steps = false;
};
CompareOrigin compare_origin(const std::filesystem::path& part);

// `cloudwars merge` of the shards of one compare: checks them
// (check_shard_parts) and writes into `out` the files the unsharded compare
// writes, byte for byte but for the manifest's times, host and jobs: the
// parts' rows in run order, and compare.csv (and compare_steps.csv)
// computed from those rows, whose numbers are the runs' doubles exactly
// (shortest round-trip text). Throws MergeError.
CompareResult merge_compare_parts(const CompareSpec& spec,
                                  const std::vector<std::filesystem::path>& parts,
                                  const std::filesystem::path& out);

}  // namespace cw
