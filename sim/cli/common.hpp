// What the subcommands of the cloudwars program share: exit codes, usage
// errors, --set overrides, the program's identity for manifests.
#pragma once

#include <filesystem>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/engine.hpp"
#include "core/params.hpp"
#include "output/folder_lock.hpp"
#include "output/manifest.hpp"
#include "sweep/sweep.hpp"

namespace cw::cli {

// Exit codes (README, docs/CONFIG.md).
constexpr int kExitOk = 0;
constexpr int kExitRuntime = 1;
constexpr int kExitUsage = 2;
constexpr int kExitConfig = 3;
constexpr int kExitRunsFailed = 4;
constexpr int kExitInterrupted = 130;

// A command used the wrong way (exit 2): one line on stderr.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// {version, git_commit, build_settings} for manifest.json.
nlohmann::ordered_json build_json();

// One option's --set arguments (path=value), e.g. {"--set-b", &sets_b}.
struct SetArgs {
  const char* option;
  const std::vector<std::string>* values;
};

// --jobs above this is refused (a thread pool of 2^31 threads cannot be made).
constexpr int kMaxJobs = 4096;

// CLOUDWARS_MAX_RUNS (tests: stop a sweep after this many new runs); 0 when
// unset; UsageError naming the variable when it is not a whole number >= 0.
std::size_t max_runs_from_env();

// Applies the overrides in order, then the cross-field checks again; throws
// ConfigError naming the option and path of every problem. `seed_owner`
// non-empty: `seed` may not be set (the command sets the seeds; the text says how).
void apply_overrides(Scenario& s, std::initializer_list<SetArgs> groups,
                     const std::string& seed_owner = "");

// Takes the lock of the results folder `dir` for `command` into `lock` and
// removes what a killed process left there (docs/RELIABILITY.md). Under
// mpirun only rank 0, the process that writes the folder, takes it; the
// other ranks leave `lock` empty. Throws FolderBusy when another command
// holds it.
void lock_results_folder(std::optional<FolderLock>& lock, const std::filesystem::path& dir,
                         const std::string& command);

// `run` into the results folder `dir` (the CLI's `run --out`, the Python
// module's run(out=)): takes the folder's lock, writes the run's files and
// manifest (from `start`, which gets the scenario and the finish time) into
// a new folder beside `dir` and swaps it in whole (docs/RELIABILITY.md).
RunOutcome run_into_folder(const Scenario& s, const std::filesystem::path& dir,
                           ManifestStart start);

// Throws ConfigError (exit 3) when `jobs` runs at once of the sweep's
// design point that needs the most memory (Sweep::largest_point) would not
// fit in the memory this process may use (config/budget.hpp).
void check_sweep_fits(const Sweep& sw, const std::string& file, int jobs);

// Throws UsageError when `file` is a sweep file (for `run`, `compare`).
void require_scenario_file(const std::filesystem::path& file, const std::string& command);
// Throws UsageError when `file` is a scenario file (for `sweep`).
void require_sweep_file(const std::filesystem::path& file);

}  // namespace cw::cli
