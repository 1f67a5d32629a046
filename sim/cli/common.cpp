#include "cli/common.hpp"

#include <fmt/format.h>

#include <cstdlib>

#include "batch/mpi.hpp"
#include "batch/runner.hpp"
#include "build_info.hpp"
#include "config/budget.hpp"
#include "config/sweep_reader.hpp"
#include "config/yaml_reader.hpp"
#include "core/param_path.hpp"
#include "output/run_writer.hpp"

namespace cw::cli {

nlohmann::ordered_json build_json() {
  return {{"version", cw::build::kVersion},
          {"git_commit", cw::build::kGitCommit},
          {"build_settings", cw::build::kSettings}};
}

void apply_overrides(Scenario& s, std::initializer_list<SetArgs> groups,
                     const std::string& seed_owner) {
  std::vector<Diagnostic> problems;
  bool any = false;
  for (const SetArgs& g : groups) {
    for (const auto& kv : *g.values) {
      any = true;
      const auto eq = kv.find('=');
      if (eq == std::string::npos || eq == 0) {
        problems.push_back({g.option, 0, 0, "", "expected path=value", kv});
        continue;
      }
      const std::string path = kv.substr(0, eq);
      if (!seed_owner.empty() && path == "seed") {
        problems.push_back({g.option, 0, 0, "seed", seed_owner, ""});
        continue;
      }
      try {
        set_parameter(s, path, kv.substr(eq + 1));
      } catch (const PathError& e) {
        problems.push_back({g.option, 0, 0, "", e.what(), ""});
      }
    }
  }
  if (problems.empty()) {
    std::vector<Problem> found;
    check_scenario(s, found);
    const char* label = groups.size() > 0 ? groups.begin()->option : "--set";
    for (const auto& p : found) problems.push_back({label, 0, 0, p.path, p.message, p.got});
  }
  if (!problems.empty()) throw ConfigError(std::move(problems));
  if (any) load_network_file(s);
}

std::size_t max_runs_from_env() {
  const char* text = std::getenv("CLOUDWARS_MAX_RUNS");
  if (!text || !*text) return 0;
  std::size_t v = 0;
  for (const char* c = text; *c; ++c) {
    if (*c < '0' || *c > '9' || v > 1'000'000'000'000ULL) {
      throw UsageError(fmt::format(
          "CLOUDWARS_MAX_RUNS must be a whole number of runs between 0 and 10^12 (got '{}')",
          text));
    }
    v = v * 10 + static_cast<std::size_t>(*c - '0');
  }
  return v;
}

void require_scenario_file(const std::filesystem::path& file, const std::string& command) {
  if (is_sweep_file(file)) {
    throw UsageError(fmt::format(
        "{} is a sweep file (it has a top-level 'base' key), not a scenario: {} takes scenarios; "
        "run it with: cloudwars sweep {}",
        file.string(), command, file.string()));
  }
}

void require_sweep_file(const std::filesystem::path& file) {
  if (is_scenario_file(file)) {
    throw UsageError(fmt::format(
        "{} is a scenario file, not a sweep file (it has no top-level 'base' key): run it with: "
        "cloudwars run {} (or write a sweep file with base: {}; docs/SWEEPS.md)",
        file.string(), file.string(), file.string()));
  }
}

void lock_results_folder(std::optional<FolderLock>& lock, const std::filesystem::path& dir,
                         const std::string& command) {
  if (mpi::rank() != 0) return;
  lock.emplace(dir, command);
  remove_stale_temps(dir);
}

RunOutcome run_into_folder(const Scenario& s, const std::filesystem::path& dir,
                           ManifestStart start) {
  const FolderLock lock(dir, "run");
  remove_stale_temps(dir);
  FolderSwap swap(dir);
  RunWriter writer(swap.stage());
  const RunOutcome r = run_scenario(s, &writer);
  start.scenario = &s;
  nlohmann::ordered_json m = start_manifest(start);
  finish_manifest(m, 1);
  write_manifest(swap.stage(), m);
  swap.commit();
  return r;
}

void check_sweep_fits(const Sweep& sw, const std::string& file, int jobs) {
  const int copies = static_cast<int>(std::min<std::int64_t>(std::max(jobs, 1), sw.runs()));
  if (sw.largest_point < 0) {
    check_run_fits(sw.base, file, copies);
    return;
  }
  const RunKey key{0, sw.largest_point, 0, sw.base.seed};
  std::string which = fmt::format("of design point {}", sw.largest_point);
  const auto& values = sw.design.values[static_cast<std::size_t>(sw.largest_point)];
  for (std::size_t i = 0; i < values.size(); ++i) {
    which += fmt::format("{}{}={}", i == 0 ? " (" : ", ", sw.design.paths[i], values[i]);
  }
  if (!values.empty()) which += ')';
  check_run_fits(run_scenario_of(sw, key), file, copies, which);
}

}  // namespace cw::cli
