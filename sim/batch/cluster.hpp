// Sweeps beyond one process (SPEC §4, docs/CLUSTER.md): shards for job
// arrays (`cloudwars sweep FILE --shard i/n`, then `cloudwars merge`), and
// the hook through which an MPI run hands a sweep's runs to other ranks
// (batch/mpi_sweep.hpp). What one run writes (RunOutput) is defined here so
// that a run made on another rank reaches the writer as the same rows.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "sweep/sweep.hpp"

namespace cw {

// What one run adds to each file of a sweep, formatted where it ran.
struct RunOutput {
  std::int64_t run_id = -1;
  bool failed = false;
  std::string runs, providers, labs, steps, step_providers, step_labs, events;
};

// Runs one run of a sweep (what the single-process runner does per run).
RunOutput execute_sweep_run(const Sweep& sw, std::int64_t run_id);

// RunOutput to bytes and back (MPI messages).
std::string serialize(const RunOutput& o);
RunOutput deserialize_run_output(std::string_view bytes);

// Threads for runs when --jobs is not given: the cores this process may use.
int default_jobs();

// In a sweep's folder while an MPI job runs it: which runs each rank holds
// (batch/mpi.hpp dispatch); removed when the sweep is complete.
inline constexpr const char* kMpiRecordFile = ".mpi-runs-in-flight";

// Takes run outputs in run id order; false stops the runs.
using RunSink = std::function<bool(RunOutput&&)>;
// Runs [from, end) somewhere and hands their outputs to the sink in run id
// order; returns how many the sink took. Empty: the ordered pipeline of this process
// (batch/pipeline.hpp).
using RunDriver = std::function<std::int64_t(std::int64_t from, std::int64_t end, const RunSink&)>;

// Shard `index` of `count` (1-based); count 0: the whole sweep.
struct ShardSpec {
  std::int64_t index = 0, count = 0;
  bool sharded() const { return count > 0; }
};

// The runs [first, end) of a shard: consecutive run ids, the sizes of the
// n parts differing by at most one. The whole sweep when not sharded.
struct RunRange {
  std::int64_t first = 0, end = 0;
};
RunRange shard_range(std::int64_t runs, const ShardSpec& shard);

// "i/n" with 1 <= i <= n; throws std::invalid_argument with the reason.
ShardSpec parse_shard(const std::string& text);

// The "shard" object of a shard folder's manifest.json.
nlohmann::ordered_json shard_json(const ShardSpec& shard, const RunRange& range);

// Refuses (SweepFolderError) a folder whose manifest says it holds another
// shard, another sweep's shard, or a whole sweep when a shard is asked for
// (or a shard when the whole sweep is): shards cannot be extended or mixed.
void check_shard_folder(const std::filesystem::path& dir, const ShardSpec& shard,
                        const std::string& identity, bool restart);

// `cloudwars merge`: parts that do not make one complete sweep (exit 2).
class MergeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct MergeResult {
  std::filesystem::path dir;
  std::int64_t parts = 0, runs = 0, failed = 0;
};

// The sweep file and --set/--replicates a shard folder was made with, read
// from its manifest (for loading the Sweep to merge): file, sets, replicates.
struct PartOrigin {
  std::filesystem::path file;
  std::vector<std::string> sets;
  std::int64_t replicates = 0;
};
PartOrigin part_origin(const std::filesystem::path& part);

// A shard folder as a merge reads it: its manifest and its shard's runs.
struct ShardPart {
  std::filesystem::path dir;
  nlohmann::ordered_json manifest;
  std::int64_t index = 0, count = 0, first = 0, end = 0;
};

// What a merge checks of its parts, for sweeps and compares alike.
struct ShardRules {
  std::string command;            // "sweep" or "compare": the parts' manifest "command"
  std::string identity_key;       // the manifest key of the job's identity
  std::string identity;           // the job's identity now
  std::string identity_hint;      // what makes identities differ, for the message
  nlohmann::ordered_json inputs;  // the input files' hashes now (manifest "inputs")
  std::string inputs_hint;        // which files, for the message
};

// Checks that `dirs` are all the shards of one job (the same identity and
// input hashes now, one binary, one split, each shard once, all finished)
// and returns them in shard order; throws MergeError naming the part and
// the reason. Also refuses an `out` that holds other results than an
// earlier merge of the same job, or is one of the parts.
std::vector<ShardPart> check_shard_parts(const std::vector<std::filesystem::path>& dirs,
                                         const ShardRules& rules, const std::filesystem::path& out);

// The merged job's manifest takes the parts' earliest `started` and their
// largest `jobs`.
struct PartsTimes {
  std::string started;
  int jobs = 0;
};
PartsTimes parts_times(const std::vector<ShardPart>& parts);

// A merge writes into OUT/.merge-staging and moves the files into place
// only when every part's rows passed, so a refused merge leaves --out as it
// was; the staging folder is removed in every case.
class MergeStaging {
 public:
  explicit MergeStaging(const std::filesystem::path& out);
  ~MergeStaging();
  MergeStaging(const MergeStaging&) = delete;
  MergeStaging& operator=(const MergeStaging&) = delete;
  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
};

// Reads a plain or gzip-compressed text file line by line; MergeError when
// it cannot be read or ends in a partial line.
class LineReader {
 public:
  explicit LineReader(const std::filesystem::path& file);
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;
  // The next line without its '\n'; false at the end.
  bool next(std::string& line);

 private:
  std::filesystem::path path_;
  void* f_ = nullptr;  // gzFile
  std::string buf_;
  std::size_t pos_ = 0;
};

// The run id at the start of a data row; -1 when there is none.
std::int64_t leading_run_id(const std::string& line);

// "run 3" or "runs 3-7" for the runs [first, end).
std::string runs_text(std::int64_t first, std::int64_t end);

// A manifest's text field, "" when it is missing or not text (a hand-edited
// manifest is refused with a message, never with a JSON exception).
std::string manifest_text(const nlohmann::ordered_json& m, const std::string& key);

// Checks that `parts` are all the shards of `sw`, from one binary, complete,
// none twice, and writes into `out` the files the unsharded sweep writes:
// the data files concatenated in run order, design.csv, points.csv,
// manifest.json (complete), compressed when the sweep says so. Throws
// MergeError naming the part and the reason.
MergeResult merge_sweep_parts(const Sweep& sw, const std::vector<std::filesystem::path>& parts,
                              const std::filesystem::path& out);

}  // namespace cw
