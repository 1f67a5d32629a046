// The cloudwars command line. Exit codes (README, docs/CONFIG.md):
//   0 success, 1 runtime failure, 2 usage error, 3 config error,
//   4 a sweep finished but some of its runs failed, 130 interrupted.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>

#include "batch/mpi.hpp"
#include "batch/runner.hpp"
#include "batch/sensitivity_folder.hpp"
#include "build_info.hpp"
#include "cli/cluster_cmd.hpp"
#include "cli/common.hpp"
#include "cli/compare_cmd.hpp"
#include "cli/plot_cmd.hpp"
#include "config/budget.hpp"
#include "config/sweep_reader.hpp"
#include "config/yaml_reader.hpp"
#include "core/engine.hpp"
#include "core/param_path.hpp"
#include "core/suggest.hpp"
#include "output/folder_lock.hpp"
#include "output/manifest.hpp"
#include "output/run_writer.hpp"

namespace {

using namespace cw::cli;  // exit codes, UsageError, apply_overrides, build_json

std::string version_text() {
  return fmt::format("cloudwars {}\ncommit {}\nbuild {}", cw::build::kVersion,
                     cw::build::kGitCommit, cw::build::kSettings);
}

int cmd_validate(const std::vector<std::string>& files) {
  int status = kExitOk;
  for (const auto& f : files) {
    try {
      if (cw::is_sweep_file(f)) {
        const cw::Sweep sw = cw::load_sweep(f);
        fmt::print("{}: ok (sweep: {} points x {} replicates = {} runs)\n", f, sw.points(),
                   sw.spec.replicates, sw.runs());
        continue;
      }
      cw::load_scenario(f);
      fmt::print("{}: ok\n", f);
    } catch (const cw::ConfigError& e) {
      for (const auto& d : e.problems()) fmt::print(stderr, "{}\n", d.str());
      status = kExitConfig;
    }
  }
  return status;
}

struct RunOptions {
  std::string file = "configs/default.yaml";
  std::string out;
  std::vector<std::string> sets;
  bool no_output = false;
};

// Prints the leader, the final compute shares and HHI.
void print_summary(const cw::Scenario& s, const cw::RunOutcome& r) {
  fmt::print("{}: {} steps from {}, {} labs at the end\n", s.name, s.steps, s.start, r.labs_final);
  fmt::print("leader {} with {:.1f}% of AI compute; HHI {:.0f}{}\n",
             r.leader >= 0 ? s.providers[static_cast<std::size_t>(r.leader)].name : "none",
             100 * r.leader_share, r.hhi_final,
             r.tipping_step ? fmt::format("; tipped at step {}", *r.tipping_step)
                            : std::string("; never tipped"));
  for (std::size_t p = 0; p < s.providers.size(); ++p) {
    fmt::print("  {:<16} compute share {:5.1f}%  revenue share {:5.1f}%\n", s.providers[p].name,
               100 * r.providers[p].final_share, 100 * r.providers[p].final_revenue_share);
  }
}

int cmd_run(const RunOptions& o) {
  require_scenario_file(o.file, "run");
  cw::Scenario s = cw::load_scenario(o.file);
  apply_overrides(s, {{"--set", &o.sets}});
  cw::check_run_fits(s, o.file);  // exit 3 with an estimate, not std::bad_alloc
  const std::string started = cw::utc_now();
  if (o.no_output) {
    const cw::RunOutcome r = cw::run_scenario(s);
    print_summary(s, r);
    return kExitOk;
  }
  const std::filesystem::path dir = o.out.empty() ? "results/" + s.name : o.out;
  cw::ManifestStart start;
  start.program = build_json();
  start.command = "run";
  start.file = o.file;
  start.inputs = {o.file};
  if (!s.network.file.empty()) start.inputs.push_back(s.network.file);
  start.seed = s.seed;
  start.details["overrides"] = o.sets;
  start.started = started;
  // One writer per folder; the new results are written beside the old ones
  // and swapped in whole (docs/RELIABILITY.md).
  const cw::RunOutcome r = run_into_folder(s, dir, std::move(start));
  print_summary(s, r);
  fmt::print("results in {}/\n", dir.string());
  return kExitOk;
}

struct SweepCliOptions {
  std::string file;
  std::string out;
  int jobs = 0;
  bool restart = false;
  std::vector<std::string> sets;
  std::int64_t replicates = 0;  // 0: the file's
  cw::ProgressMode progress = cw::ProgressMode::automatic;
  std::string shard;  // i/n (docs/CLUSTER.md); empty: the whole sweep
};

int cmd_sweep(const SweepCliOptions& o) {
  require_sweep_file(o.file);
  cw::SweepOverrides overrides;
  overrides.sets = o.sets;
  if (o.replicates > 0) overrides.replicates = o.replicates;
  const cw::Sweep sw = cw::load_sweep(o.file, overrides);
  cw::SweepOptions opt;
  opt.out = o.out;
  opt.jobs = o.jobs;
  opt.restart = o.restart;
  opt.progress = o.progress;
  opt.program = build_json();
  if (!o.shard.empty()) {
    try {
      opt.shard = cw::parse_shard(o.shard);
    } catch (const std::invalid_argument& e) {
      throw UsageError(e.what());
    }
    if (opt.shard.count > sw.runs()) {
      throw UsageError(
          fmt::format("--shard {}: more shards than the sweep's {} runs", o.shard, sw.runs()));
    }
  }
  opt.max_runs = max_runs_from_env();  // tests: stop early
  const std::filesystem::path dir = o.out.empty() ? "results/" + sw.spec.name : o.out;
  check_sweep_fits(sw, o.file, o.jobs > 0 ? o.jobs : cw::default_jobs());
  std::optional<cw::FolderLock> lock;
  lock_results_folder(lock, dir, "sweep");
  // Under mpirun: the runs spread over the ranks; the other ranks are done here.
  const std::optional<cw::SweepResult> ranked = run_sweep_on_ranks(sw, opt);
  if (!ranked) return kExitOk;
  const cw::SweepResult& r = *ranked;
  if (!r.complete) {
    fmt::print("{}: {} of {} runs done; run the same command to continue\n", sw.spec.name,
               r.resumed_from + r.ran, r.total);
    return kExitInterrupted;
  }
  if (r.extended_from > 0) {
    fmt::print("{}: extended from {} to {} replicates\n", sw.spec.name, r.extended_from,
               sw.spec.replicates);
  }
  if (r.ran == 0 && r.resumed_from == r.total) {
    fmt::print("{}: already complete ({} runs)\n", sw.spec.name, r.total);
  } else {
    fmt::print("{}: {} runs ({} points x {} replicates){}\n", sw.spec.name, r.total, sw.points(),
               sw.spec.replicates,
               r.resumed_from > 0
                   ? fmt::format(", resumed at run {}",
                                 r.resumed_from + cw::shard_range(sw.runs(), opt.shard).first)
                   : std::string());
  }
  if (opt.shard.sharded()) {
    const cw::RunRange range = cw::shard_range(sw.runs(), opt.shard);
    fmt::print("shard {}/{}: runs {}-{} of {}; `cloudwars merge` joins the {} shards\n",
               opt.shard.index, opt.shard.count, range.first, range.end - 1, sw.runs(),
               opt.shard.count);
  }
  if (r.failed > 0) fmt::print("{} runs failed: see status and message in runs.csv\n", r.failed);
  fmt::print("results in {}/\n", r.dir.string());
  return r.failed > 0 ? kExitRunsFailed : kExitOk;
}

struct SensitivityCliOptions {
  std::string dir;
  std::size_t resamples = 1000;
  std::optional<std::uint64_t> seed;
  std::vector<std::string> outcomes;
};

// `cloudwars sobol DIR` / `cloudwars morris DIR` (docs/SWEEPS.md
// "Sensitivity indices"): indices of a finished sweep, written to
// DIR/sobol.csv or DIR/morris.csv, and a table on stdout.
int cmd_sensitivity(cw::SensitivityMethod method, const SensitivityCliOptions& o) {
  cw::SensitivityOptions opt;
  opt.resamples = o.resamples;
  opt.seed = o.seed;
  cw::SensitivityReport r;
  // A sweep still writing the folder holds its lock (docs/RELIABILITY.md).
  std::optional<cw::FolderLock> lock;
  cw::lock_if_possible(lock, o.dir, method == cw::SensitivityMethod::sobol ? "sobol" : "morris");
  try {
    r = cw::analyze_sweep_folder(o.dir, method, opt);
  } catch (const cw::SensitivityFolderError& e) {
    fmt::print(stderr, "cloudwars: {}\n", e.what());
    return kExitConfig;
  }
  for (const auto& name : o.outcomes) {
    if (std::find(r.outcomes.begin(), r.outcomes.end(), name) == r.outcomes.end()) {
      fmt::print(stderr, "cloudwars: --outcome {}: not a numeric outcome of {}{}\n", name, o.dir,
                 cw::did_you_mean(name, r.outcomes));
      return kExitUsage;
    }
  }
  fmt::print("{}", cw::sensitivity_summary(r, o.outcomes));
  const bool sobol = method == cw::SensitivityMethod::sobol;
  if (r.runs_failed > 0) {
    fmt::print(stderr,
               "cloudwars: {} of {} runs failed (status failed in runs.csv); the {} {} holding "
               "them are left out of every index\n",
               r.runs_failed, r.runs, r.units_failed, sobol ? "base samples" : "trajectories");
  }
  fmt::print("indices in {}\n", r.file.string());
  return r.runs_failed > 0 ? kExitRunsFailed : kExitOk;
}

// A number field's interval for `params --json`: infinite ends are null.
nlohmann::ordered_json bounds_json(const cw::Bounds& b) {
  const auto end = [](double x) {
    return std::isfinite(x) ? nlohmann::ordered_json(x) : nlohmann::ordered_json(nullptr);
  };
  return {{"min", end(b.lo)},
          {"min_open", b.lo_open},
          {"max", end(b.hi)},
          {"max_open", b.hi_open},
          {"text", b.describe()}};
}

// Every parameter path with its value (the default where the file leaves it
// out): tab-separated lines, or one JSON document (docs/CONFIG.md).
int cmd_params(const std::string& file, bool json) {
  cw::Scenario s = cw::load_scenario(file);
  const auto params = cw::list_parameters(s);
  if (!json) {
    for (const auto& p : params) {
      fmt::print("{}\t{}\t{}\t{}\t{}\t{}\n", p.path, p.value, p.type, p.bounds, p.doc, p.unit);
    }
    return kExitOk;
  }
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const auto& p : params) {
    nlohmann::ordered_json j;
    j["path"] = p.path;
    j["type"] = p.type;
    j["value"] = p.value;
    j["required"] = p.required;
    j["mid_run"] = p.start_only ? "start_only" : "allowed";
    j["bounds"] = p.range ? bounds_json(*p.range) : nlohmann::ordered_json(nullptr);
    if (!p.choices.empty()) j["choices"] = p.choices;
    j["unit"] = p.unit;
    j["doc"] = p.doc;
    list.push_back(std::move(j));
  }
  const nlohmann::ordered_json doc = {{"scenario_file", file}, {"parameters", std::move(list)}};
  fmt::print("{}\n", doc.dump(2));
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  cw::mpi::Session mpi_session(&argc, &argv);  // MPI when started by mpirun (docs/CLUSTER.md)
  CLI::App app{
      "cloudwars: an agent-based simulator of the AI compute market.\n"
      "Exit codes: 0 ok, 1 runtime failure, 2 usage error (or a results folder of another\n"
      "sweep), 3 config error, 4 a sweep finished with failed runs, 130 interrupted."};
  app.set_version_flag("--version", version_text());
  app.require_subcommand(1);

  std::vector<std::string> validate_files;
  auto* validate = app.add_subcommand(
      "validate", "Check scenario files; print every problem (FILE:LINE:COL: path: message) or ok");
  validate->add_option("files", validate_files, "scenario YAML files")->required();

  RunOptions run_opts;
  auto* run = app.add_subcommand("run", "Run one scenario; write tidy CSVs and manifest.json");
  run->add_option("file", run_opts.file, "scenario YAML (default configs/default.yaml)");
  run->add_option("--out", run_opts.out, "output folder (default results/<scenario name>)");
  run->add_option("--set", run_opts.sets,
                  "override a parameter: path=value, e.g. providers[AWS].price=0.9 (repeatable)");
  run->add_flag("--no-output", run_opts.no_output, "write no files; print the summary only");

  SweepCliOptions sweep_opts;
  auto* sweep = app.add_subcommand(
      "sweep", "Run a parameter sweep on all cores; resumable; writes tidy CSVs");
  sweep->add_option("file", sweep_opts.file, "sweep YAML (configs/sweeps/*.yaml)")->required();
  sweep
      ->add_option("--jobs,-j", sweep_opts.jobs, "parallel runs (default: all cores; at most 4096)")
      ->check(CLI::Range(0, kMaxJobs));
  sweep->add_option("--out", sweep_opts.out, "output folder (default results/<sweep name>)");
  sweep->add_flag("--restart", sweep_opts.restart,
                  "discard results in the folder that another sweep wrote");
  sweep->add_option("--set", sweep_opts.sets,
                    "change the base scenario for the whole sweep: path=value (repeatable)");
  sweep
      ->add_option("--replicates,-r", sweep_opts.replicates,
                   "replicates per point instead of the file's; a larger N on a finished "
                   "sweep's folder adds only the new runs")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{10'000'000}));
  add_progress_option(*sweep, sweep_opts.progress);
  sweep->add_option("--shard", sweep_opts.shard,
                    "run only part i of n (i/n) into its own --out folder; `cloudwars merge` "
                    "joins the parts (docs/CLUSTER.md)");

  MergeCliOptions merge_opts;
  auto* merge = add_merge_command(app, merge_opts);

  CompareCliOptions compare_opts;
  auto* compare = add_compare_command(app, compare_opts);

  std::string plot_dir;
  auto* plot = app.add_subcommand(
      "plot", "Draw the figures that fit a run, sweep or compare folder into DIR/plots/ (Python)");
  plot->add_option("dir", plot_dir, "the results folder")->required();

  std::string params_file = "configs/default.yaml";
  auto* params = app.add_subcommand(
      "params", "List every parameter path of a scenario with its value, type and bounds");
  params->add_option("file", params_file, "scenario YAML (default configs/default.yaml)");
  bool params_json = false;
  params->add_flag("--json", params_json,
                   "print JSON: path, type, value, required, bounds, choices, unit, doc");

  SensitivityCliOptions sens_opts;
  cw::SensitivityMethod sens_method = cw::SensitivityMethod::sobol;
  std::vector<CLI::App*> sens_commands;
  for (const auto method : {cw::SensitivityMethod::sobol, cw::SensitivityMethod::morris}) {
    const bool sobol = method == cw::SensitivityMethod::sobol;
    auto* c = app.add_subcommand(
        sobol ? "sobol" : "morris",
        sobol ? "Sobol indices (S1, ST) of a finished sobol sweep, with bootstrap intervals; "
                "writes DIR/sobol.csv"
              : "Morris elementary effects (mu, mu*, sigma) of a finished morris sweep, with "
                "bootstrap intervals; writes DIR/morris.csv");
    c->add_option("dir", sens_opts.dir, "the sweep's results folder")->required();
    c->add_option("--resamples", sens_opts.resamples, "bootstrap resamples (default 1000)")
        ->check(CLI::Range(std::size_t{1}, std::size_t{1000000}));
    c->add_option("--seed", sens_opts.seed, "bootstrap seed (default: the sweep seed)");
    c->add_option("--outcome", sens_opts.outcomes,
                  "print only this outcome's table (repeatable; the CSV has all)");
    c->callback([&sens_method, method] { sens_method = method; });
    sens_commands.push_back(c);
  }

  // An unknown command gets its own message (CLI11 would only say that a
  // subcommand is required).
  if (argc > 1 && argv[1][0] != '-') {
    std::vector<std::string> names;
    for (const auto* sub : app.get_subcommands({})) names.push_back(sub->get_name());
    const std::string word = argv[1];
    if (std::find(names.begin(), names.end(), word) == names.end()) {
      fmt::print(stderr, "cloudwars: unknown command '{}'{}; commands: {}\n", word,
                 cw::did_you_mean(word, names), fmt::join(names, ", "));
      return kExitUsage;
    }
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }

  try {
    if (*validate) return cmd_validate(validate_files);
    if (*run) return cmd_run(run_opts);
    if (*sweep) return cmd_sweep(sweep_opts);
    if (*compare) return cmd_compare(compare_opts);
    if (*merge) return cmd_merge(merge_opts);
    if (*params) return cmd_params(params_file, params_json);
    if (*plot) return cmd_plot(plot_dir);
    for (const auto* c : sens_commands) {
      if (*c) return cmd_sensitivity(sens_method, sens_opts);
    }
  } catch (const cw::ConfigError& e) {
    for (const auto& d : e.problems()) fmt::print(stderr, "{}\n", d.str());
    return kExitConfig;
  } catch (const UsageError& e) {
    fmt::print(stderr, "cloudwars: {}\n", e.what());
    return kExitUsage;
  } catch (const cw::FolderBusy& e) {
    fmt::print(stderr, "cloudwars: {}\n", e.what());
    return kExitUsage;
  } catch (const cw::FolderRefused& e) {
    fmt::print(stderr, "cloudwars: {}\n", e.what());
    return kExitUsage;
  } catch (const cw::SweepFolderError& e) {
    fmt::print(stderr, "cloudwars: {}\n", e.what());
    return kExitUsage;
  } catch (const cw::RunError& e) {
    fmt::print(stderr, "cloudwars: run failed: {}\n", e.what());
    return kExitRuntime;
  } catch (const std::exception& e) {
    fmt::print(stderr, "cloudwars: error: {}\n", e.what());
    return kExitRuntime;
  }
  return kExitOk;
}
