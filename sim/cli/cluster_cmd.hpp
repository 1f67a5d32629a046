// Sweeps beyond one process (docs/CLUSTER.md): `cloudwars merge` of the
// shards of a sweep run as a job array (`cloudwars sweep FILE --shard i/n`).
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

#include "batch/compare.hpp"
#include "batch/runner.hpp"

namespace cw::cli {

struct MergeCliOptions {
  std::vector<std::string> parts;
  std::string out;
};

// Adds the subcommand and its options to `app`.
CLI::App* add_merge_command(CLI::App& app, MergeCliOptions& o);

// Exit 0 merged, 4 merged but some runs failed, 2 the parts do not make one
// complete sweep (MergeError; docs/CLUSTER.md).
int cmd_merge(const MergeCliOptions& o);

// `sweep` on this process, or under mpirun on all ranks (docs/CLUSTER.md):
// rank 0 runs the sweep with the runs spread over the other ranks and gets
// the result; the other ranks run what rank 0 hands out and get nullopt.
// Throws UsageError under mpirun with several ranks in a build without MPI.
std::optional<SweepResult> run_sweep_on_ranks(const Sweep& sw, SweepOptions opt);

// The same for `compare`.
std::optional<CompareResult> run_compare_on_ranks(const CompareSpec& spec, CompareOptions opt);

// Throws UsageError when started by mpirun with several ranks but built
// without MPI (each rank would do the whole job).
void require_mpi_when_launched(const char* command);

}  // namespace cw::cli
