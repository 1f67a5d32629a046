#include "cli/compare_cmd.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>

#include "batch/compare.hpp"
#include "cli/cluster_cmd.hpp"
#include "cli/common.hpp"
#include "config/budget.hpp"
#include "config/diagnostics.hpp"
#include "config/yaml_reader.hpp"
#include "output/folder_lock.hpp"

namespace cw::cli {

namespace {

// A number for the table: 4 significant digits, "-" for none.
std::string num(std::optional<double> v) {
  if (!v || std::isnan(*v)) return "-";
  return fmt::format("{:.4g}", *v);
}

// outcome, A, B, diff [lo, hi], variance reduction: one line per row.
void print_table(const CompareSpec& spec, const CompareResult& r) {
  fmt::print(
      "A: {} ({}){}\n", spec.file_a.string(), spec.a.name,
      spec.sets_a.empty() ? "" : fmt::format(" with --set-a {}", fmt::join(spec.sets_a, " ")));
  fmt::print(
      "B: {} ({}){}\n", spec.file_b.string(), spec.b.name,
      spec.sets_b.empty() ? "" : fmt::format(" with --set-b {}", fmt::join(spec.sets_b, " ")));
  fmt::print("{} replicates, common random numbers (seed {}); diff = B - A, 95% t-interval\n",
             spec.replicates, spec.seed);
  std::vector<std::array<std::string, 5>> lines;
  lines.push_back({"outcome", "A", "B", "B - A [95% interval]", "var. reduction"});
  for (const auto& row : r.rows) {
    const std::string name =
        row.provider.empty() ? row.outcome : fmt::format("{}[{}]", row.outcome, row.provider);
    std::string diff = num(row.n > 0 ? std::optional<double>(row.diff) : std::nullopt);
    if (row.diff_lo) diff += fmt::format(" [{}, {}]", num(row.diff_lo), num(row.diff_hi));
    lines.push_back({name, num(row.n > 0 ? std::optional<double>(row.mean_a) : std::nullopt),
                     num(row.n > 0 ? std::optional<double>(row.mean_b) : std::nullopt), diff,
                     num(row.variance_reduction)});
  }
  std::array<std::size_t, 5> width{};
  for (const auto& l : lines) {
    for (std::size_t i = 0; i < 5; ++i) width[i] = std::max(width[i], l[i].size());
  }
  for (const auto& l : lines) {
    fmt::print("{:<{}}  {:>{}}  {:>{}}  {:<{}}  {:>{}}\n", l[0], width[0], l[1], width[1], l[2],
               width[2], l[3], width[3], l[4], width[4]);
  }
}

}  // namespace

void add_progress_option(CLI::App& sub, ProgressMode& mode) {
  std::map<std::string, ProgressMode> names;
  for (std::size_t i = 0; i < kProgressModeNames.size(); ++i) {
    names[std::string(kProgressModeNames[i])] = static_cast<ProgressMode>(i);
  }
  sub.add_option("--progress", mode,
                 "progress on stderr: auto (a line redrawn on a terminal, else a line every few "
                 "seconds), plain, json (JSON lines), none")
      ->transform(CLI::CheckedTransformer(names, CLI::ignore_case))
      ->default_str("auto");
}

CLI::App* add_compare_command(CLI::App& app, CompareCliOptions& o) {
  auto* c = app.add_subcommand(
      "compare",
      "Run two scenarios over the same replicates (common random numbers); every outcome's "
      "paired difference B - A with its 95% interval -> compare.csv");
  c->add_option("a", o.file_a, "scenario A (YAML)")->required();
  c->add_option("b", o.file_b, "scenario B (YAML); default: A with the --set-b changes");
  c->add_option("--replicates,-r", o.replicates, "replicates (pairs of runs); default 20")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{10'000'000}));
  c->add_option("--seed", o.seed, "compare seed; replicate r of A and B share one seed; default 1")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{9'007'199'254'740'992}));
  c->add_option("--jobs,-j", o.jobs, "parallel runs (default: all cores; at most 4096)")
      ->check(CLI::Range(0, kMaxJobs));
  c->add_option("--out", o.out, "output folder (default results/compare-<A name>-vs-<B name>)");
  c->add_option("--set", o.sets, "override a parameter in A and B: path=value (repeatable)");
  c->add_option("--set-a", o.sets_a, "override a parameter in A only (repeatable)");
  c->add_option("--set-b", o.sets_b, "override a parameter in B only (repeatable)");
  c->add_option("--shard", o.shard,
                "run only part i of n of the replicates (i/n), into its own --out; `cloudwars "
                "merge` joins the parts (docs/CLUSTER.md)");
  c->add_flag("--steps", o.steps,
              "also the difference per step (compare_steps.csv) and every run's steps");
  add_progress_option(*c, o.progress);
  return c;
}

CompareSpec compare_spec_of(const CompareCliOptions& o) {
  if (o.file_b.empty() && o.sets_b.empty()) {
    throw UsageError(
        "compare needs scenario B, or --set-b PATH=VALUE to make B from A (compare A.yaml "
        "A.yaml compares A with itself)");
  }
  CompareSpec spec;
  spec.file_a = o.file_a;
  spec.file_b = o.file_b.empty() ? o.file_a : o.file_b;
  require_scenario_file(spec.file_a, "compare");
  require_scenario_file(spec.file_b, "compare");
  const std::string seed_owner = "compare sets each replicate's seed from --seed";
  spec.a = load_scenario(spec.file_a);
  apply_overrides(spec.a, {{"--set", &o.sets}, {"--set-a", &o.sets_a}}, seed_owner);
  spec.b = load_scenario(spec.file_b);
  apply_overrides(spec.b, {{"--set", &o.sets}, {"--set-b", &o.sets_b}}, seed_owner);
  for (const auto* s : {&spec.a, &spec.b}) {
    if (!s->output.graph_steps.empty()) {
      throw ConfigError(
          {{s == &spec.a ? spec.file_a.string() : spec.file_b.string(), 0, 0, "output.graph_steps",
            "compare writes no graph files; remove output.graph_steps (or --set "
            "output.graph_steps=) and export graphs with cloudwars run",
            ""}});
    }
  }
  // One runs.csv holds both sides: they need the same declared outcomes. A
  // side that declares none takes the other's (checked against its providers).
  auto same = [](const OutcomeParams& x, const OutcomeParams& y) {
    return x.name == y.name && x.metric == y.metric && x.provider == y.provider &&
           x.from == y.from && x.to == y.to && x.stat == y.stat && x.level == y.level;
  };
  if (spec.b.outcomes.empty()) spec.b.outcomes = spec.a.outcomes;
  if (spec.a.outcomes.empty()) spec.a.outcomes = spec.b.outcomes;
  if (!std::equal(spec.a.outcomes.begin(), spec.a.outcomes.end(), spec.b.outcomes.begin(),
                  spec.b.outcomes.end(), same)) {
    throw ConfigError({{spec.file_b.string(), 0, 0, "outcomes",
                        "declares other outcomes than A; compare writes one runs.csv, so both "
                        "sides need the same outcomes (or none on one side: it takes the other's)",
                        ""}});
  }
  for (const auto* s : {&spec.a, &spec.b}) {
    std::vector<Problem> found;
    check_scenario(*s, found);
    std::vector<Diagnostic> problems;
    for (const auto& p : found) {
      problems.push_back({s == &spec.a ? spec.file_a.string() : spec.file_b.string(), 0, 0, p.path,
                          p.message + " (outcomes of the other side)", p.got});
    }
    if (!problems.empty()) throw ConfigError(std::move(problems));
  }
  spec.sets = o.sets;
  spec.sets_a = o.sets_a;
  spec.sets_b = o.sets_b;
  spec.replicates = o.replicates;
  spec.seed = o.seed;
  spec.steps = o.steps;
  return spec;
}

int cmd_compare(const CompareCliOptions& o) {
  const CompareSpec spec = compare_spec_of(o);
  CompareOptions opt;
  opt.out =
      o.out.empty() ? fmt::format("results/compare-{}-vs-{}", spec.a.name, spec.b.name) : o.out;
  opt.jobs = o.jobs;
  opt.progress = o.progress;
  opt.program = build_json();
  if (!o.shard.empty()) {
    try {
      opt.shard = parse_shard(o.shard);
    } catch (const std::invalid_argument& e) {
      throw UsageError(e.what());
    }
    if (opt.shard.count > spec.replicates) {
      throw UsageError(fmt::format("--shard {}: more shards than the compare's {} replicates",
                                   o.shard, spec.replicates));
    }
  }
  // Up to `jobs` runs at once, of either side (exit 3 with an estimate).
  const RunRange shard_replicates = shard_range(spec.replicates, opt.shard);
  const int copies = static_cast<int>(std::min<std::int64_t>(
      o.jobs > 0 ? o.jobs : default_jobs(), 2 * (shard_replicates.end - shard_replicates.first)));
  check_run_fits(spec.a, spec.file_a.string(), copies);
  check_run_fits(spec.b, spec.file_b.string(), copies);
  std::optional<FolderLock> lock;
  lock_results_folder(lock, opt.out, "compare");
  check_compare_folder(opt.out, opt.shard);
  // Under mpirun: the runs spread over the ranks (docs/CLUSTER.md).
  const std::optional<CompareResult> ranked = run_compare_on_ranks(spec, opt);
  if (!ranked) return kExitOk;  // an MPI worker rank
  const CompareResult& r = *ranked;
  if (!r.complete) {
    fmt::print("compare interrupted; nothing written\n");
    return kExitInterrupted;
  }
  if (opt.shard.sharded()) {
    fmt::print(
        "shard {}/{}: replicates {}-{} of {} ({} runs); the statistics come with `cloudwars "
        "merge` of all {} shards\n",
        opt.shard.index, opt.shard.count, r.first_replicate, r.end_replicate - 1, spec.replicates,
        r.runs, opt.shard.count);
  } else {
    print_table(spec, r);
  }
  if (r.failed > 0) {
    fmt::print("{} runs failed: see status and message in runs.csv\n", r.failed);
  }
  fmt::print("results in {}/\n", r.dir.string());
  return r.failed > 0 ? kExitRunsFailed : kExitOk;
}

}  // namespace cw::cli
