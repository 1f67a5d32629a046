#include "cli/cluster_cmd.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <fstream>

#include "batch/cluster.hpp"
#include "batch/mpi.hpp"
#include "cli/common.hpp"
#include "cli/compare_cmd.hpp"
#include "config/sweep_reader.hpp"
#include "output/folder_lock.hpp"

namespace cw::cli {

CLI::App* add_merge_command(CLI::App& app, MergeCliOptions& o) {
  auto* merge = app.add_subcommand(
      "merge",
      "Merge the shard folders of a sweep or a compare (--shard i/n) into the files the "
      "unsharded sweep or compare writes");
  merge->add_option("parts", o.parts, "the shard folders, all n of them, in any order")->required();
  merge->add_option("--out", o.out, "the merged folder")->required();
  return merge;
}

namespace {

// Merges the shards of a compare (the first part's manifest says compare).
int merge_compare(const std::vector<std::filesystem::path>& parts, const std::string& out) {
  // The compare as the shards ran it, from the first part's manifest (the
  // merge checks the others against it).
  const CompareOrigin origin = compare_origin(parts.front());
  for (const auto& f : {origin.file_a, origin.file_b}) {
    if (!std::filesystem::exists(f)) {
      throw MergeError(fmt::format(
          "{}: its scenario file {} is not there (run merge from the folder the shards ran in)",
          parts.front().string(), f.string()));
    }
  }
  CompareCliOptions c;
  c.file_a = origin.file_a.string();
  c.file_b = origin.file_b.string();
  c.sets = origin.sets;
  c.sets_a = origin.sets_a;
  c.sets_b = origin.sets_b;
  c.replicates = origin.replicates;
  c.seed = origin.seed;
  c.steps = origin.steps;
  const CompareSpec spec = compare_spec_of(c);
  std::optional<FolderLock> lock;
  lock_results_folder(lock, out, "merge");
  const CompareResult r = merge_compare_parts(spec, parts, out);
  fmt::print("compare {} vs {}: {} parts merged, {} replicates\n", spec.a.name, spec.b.name,
             parts.size(), spec.replicates);
  if (r.failed > 0) fmt::print("{} runs failed: see status and message in runs.csv\n", r.failed);
  fmt::print("results in {}/\n", r.dir.string());
  return r.failed > 0 ? kExitRunsFailed : kExitOk;
}

bool is_compare_part(const std::filesystem::path& dir) {
  std::ifstream in(dir / "manifest.json");
  if (!in) return false;
  const auto m = nlohmann::ordered_json::parse(in, nullptr, false);
  return m.is_object() && m.contains("command") && m["command"] == "compare";
}

}  // namespace

int cmd_merge(const MergeCliOptions& o) {
  std::vector<std::filesystem::path> parts(o.parts.begin(), o.parts.end());
  try {
    if (is_compare_part(parts.front())) return merge_compare(parts, o.out);
    // The sweep as the shards ran it: its file, --set and --replicates,
    // from the first part's manifest (the merge checks the others against it).
    const PartOrigin origin = part_origin(parts.front());
    if (!std::filesystem::exists(origin.file)) {
      throw MergeError(fmt::format(
          "{}: its sweep file {} is not there (run merge from the folder the shards ran in)",
          parts.front().string(), origin.file.string()));
    }
    SweepOverrides overrides;
    overrides.sets = origin.sets;
    if (origin.replicates > 0) overrides.replicates = origin.replicates;
    const Sweep sw = load_sweep(origin.file, overrides);
    std::optional<FolderLock> lock;  // no second command writes the merged folder
    lock_results_folder(lock, o.out, "merge");
    const MergeResult r = merge_sweep_parts(sw, parts, o.out);
    fmt::print("{}: {} parts merged, {} runs ({} points x {} replicates)\n", sw.spec.name, r.parts,
               r.runs, sw.points(), sw.spec.replicates);
    if (r.failed > 0) fmt::print("{} runs failed: see status and message in runs.csv\n", r.failed);
    fmt::print("results in {}/\n", r.dir.string());
    return r.failed > 0 ? kExitRunsFailed : kExitOk;
  } catch (const MergeError& e) {
    fmt::print(stderr, "cloudwars merge: {}\n", e.what());
    return kExitUsage;
  }
}

void require_mpi_when_launched(const char* command) {
  if (mpi::built() || !mpi::launched()) return;
  const char* n = std::getenv("OMPI_COMM_WORLD_SIZE");
  if (n && std::atoi(n) <= 1) return;
  throw UsageError(fmt::format(
      "{}: started by an MPI launcher, but this cloudwars was built without MPI (CW_MPI off; "
      "docs/CLUSTER.md): each rank would run the whole job",
      command));
}

std::optional<SweepResult> run_sweep_on_ranks(const Sweep& sw, SweepOptions opt) {
  require_mpi_when_launched("sweep");
  if (mpi::size() <= 1) {
    SweepResult r = run_sweep(sw, opt);
    // An MPI job's record of runs in flight (batch/mpi.hpp), finished here.
    if (r.complete) std::filesystem::remove(r.dir / kMpiRecordFile);
    return r;
  }
  const std::string identity = sweep_identity(sw);
  if (mpi::rank() > 0) {
    const int jobs = opt.jobs > 0 ? opt.jobs : default_jobs();
    mpi::serve(identity, jobs,
               [&sw](std::int64_t k) { return serialize(execute_sweep_run(sw, k)); });
    return std::nullopt;
  }
  const std::filesystem::path dir =
      opt.out.empty() ? std::filesystem::path("results") / sw.spec.name : opt.out;
  const std::string record = (dir / kMpiRecordFile).string();
  opt.driver = [&identity, &record](std::int64_t from, std::int64_t end, const RunSink& sink) {
    return mpi::dispatch(
        identity, from, end,
        [&sink](std::string&& bytes) { return sink(deserialize_run_output(bytes)); }, record);
  };
  try {
    SweepResult r = run_sweep(sw, opt);
    mpi::release();
    if (r.complete) std::filesystem::remove(record);
    return r;
  } catch (...) {
    mpi::release();
    throw;
  }
}

std::optional<CompareResult> run_compare_on_ranks(const CompareSpec& spec, CompareOptions opt) {
  require_mpi_when_launched("compare");
  if (mpi::size() <= 1) return run_compare(spec, opt);
  const std::string identity = compare_identity(spec);
  if (mpi::rank() > 0) {
    const int jobs = opt.jobs > 0 ? opt.jobs : default_jobs();
    mpi::serve(identity, jobs, [&spec](std::int64_t k) { return compare_run_bytes(spec, k); });
    return std::nullopt;
  }
  opt.remote = [&identity](std::int64_t from, std::int64_t end,
                           const std::function<bool(std::string &&)>& sink) {
    return mpi::dispatch(identity, from, end, sink);
  };
  try {
    CompareResult r = run_compare(spec, opt);
    mpi::release();
    return r;
  } catch (...) {
    mpi::release();
    throw;
  }
}

}  // namespace cw::cli
