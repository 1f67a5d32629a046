#include "batch/compare.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <type_traits>

#include "batch/cluster.hpp"
#include "batch/pipeline.hpp"
#include "batch/runner.hpp"
#include "core/engine.hpp"
#include "output/columns.hpp"
#include "output/csv.hpp"
#include "output/manifest.hpp"
#include "output/step_rows.hpp"
#include "sweep/design.hpp"

namespace cw {

namespace fs = std::filesystem;

std::int64_t compare_seed(std::int64_t seed, std::int64_t replicate) {
  return run_seed(seed, SeedMode::common, 0, replicate);
}

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
const char* const kSideNames[2] = {"A", "B"};

// The numeric columns' values as doubles, in column order: booleans as 0/1,
// an empty cell (a missing whole number, NaN) as NaN; text columns skipped
// (they are not outcomes with a mean).
struct NumberSink {
  std::vector<double>& out;
  template <class T>
  void operator()(const char*, const T& v) {
    if constexpr (std::is_same_v<T, std::string>) {
      return;
    } else if constexpr (std::is_same_v<T, bool>) {
      out.push_back(v ? 1.0 : 0.0);
    } else if constexpr (std::is_same_v<T, std::optional<std::int64_t>> ||
                         std::is_same_v<T, std::optional<double>>) {
      out.push_back(v ? static_cast<double>(*v) : kNaN);
    } else {
      out.push_back(static_cast<double>(v));
    }
  }
};

// Names of the numeric columns of a column list.
template <class F>
std::vector<std::string> numeric_names(F&& columns) {
  std::vector<std::string> names;
  std::vector<bool> numeric;
  columns(HeaderSink{names});
  columns(NumericSink{numeric});
  std::vector<std::string> out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (numeric[i]) out.push_back(names[i]);
  }
  return out;
}

// One run of A or B: its rows, formatted in the parallel stage, and its
// numbers for the statistics.
struct CompareRun {
  std::int64_t run_id = 0;
  bool failed = false;
  std::string runs, providers, steps, step_providers;
  std::vector<double> outcomes;                        // numeric runs.csv columns
  std::vector<std::vector<double>> provider_outcomes;  // [provider][column]
  // [step]: the numeric steps.csv columns, then compute_share per provider.
  std::vector<std::vector<double>> series;
};

class SeriesCollector final : public Observer {
 public:
  explicit SeriesCollector(CompareRun& out) : out_(out) {}
  bool wants_events() const override { return false; }
  void on_step(const Scenario& s, const State& st, const StepMetrics& m) override {
    append_step_rows(out_.steps, out_.step_providers, out_.run_id, s, st, m);
    std::vector<double> row;
    step_columns(NumberSink{row}, s, m);
    for (const auto& p : m.providers) row.push_back(p.compute_share);
    out_.series.push_back(std::move(row));
  }

 private:
  CompareRun& out_;
};

CompareRun execute(const CompareSpec& spec, std::int64_t k) {
  const std::int64_t replicate = k / 2;
  const int side = static_cast<int>(k % 2);
  Scenario s = side == 0 ? spec.a : spec.b;
  s.seed = compare_seed(spec.seed, replicate);
  CompareRun out;
  out.run_id = k;
  std::string message;
  RunOutcome outcome;
  try {
    if (spec.steps) {
      SeriesCollector obs(out);
      outcome = run_scenario(s, &obs);
    } else {
      outcome = run_scenario(s);
    }
  } catch (const std::exception& e) {
    out.failed = true;
    message = one_line_message(e);
    out.steps.clear();
    out.step_providers.clear();
    out.series.clear();
  }
  CsvLine line(out.runs);
  line.cell(k).cell(kSideNames[side]).cell(replicate).cell(static_cast<std::int64_t>(s.seed));
  line.cell(out.failed ? "failed" : "ok").cell(std::string_view(message));
  if (out.failed) {
    run_columns(EmptySink<CsvLine>{line}, s, outcome);
  } else {
    run_columns(CellSink<CsvLine>{line}, s, outcome);
    run_columns(NumberSink{out.outcomes}, s, outcome);
  }
  line.end();
  for (std::size_t p = 0; p < s.providers.size(); ++p) {
    CsvLine pl(out.providers);
    pl.cell(k).cell(std::string_view(s.providers[p].name));
    if (out.failed) {
      ProviderOutcome none;
      run_provider_columns(EmptySink<CsvLine>{pl}, none);
    } else {
      run_provider_columns(CellSink<CsvLine>{pl}, outcome.providers[p]);
      out.provider_outcomes.emplace_back();
      run_provider_columns(NumberSink{out.provider_outcomes.back()}, outcome.providers[p]);
    }
    pl.end();
  }
  return out;
}

// Running sums of one outcome over the pairs (A, B) where both are present:
// Welford's mean and sum of squared deviations of A, of B and of B - A.
struct PairAcc {
  std::int64_t n = 0;
  double ma = 0, sa = 0, mb = 0, sb = 0, md = 0, sd = 0;
  void add(double a, double b) {
    if (std::isnan(a) || std::isnan(b)) return;
    ++n;
    const double w = 1.0 / static_cast<double>(n);
    const auto step = [w](double x, double& m, double& s) {
      const double d = x - m;
      m += d * w;
      s += d * (x - m);
    };
    step(a, ma, sa);
    step(b, mb, sb);
    step(b - a, md, sd);
  }
};

// NaN for a degrees-of-freedom value that is not a positive finite number
// (variances that overflow): no interval rather than a boost exception.
double t975(double df) {
  if (!std::isfinite(df) || !(df > 0)) return kNaN;
  const boost::math::students_t t(df);
  return boost::math::quantile(t, 0.975);
}

CompareRow row_of(std::string outcome, std::string provider, const PairAcc& a) {
  CompareRow r;
  r.outcome = std::move(outcome);
  r.provider = std::move(provider);
  r.n = a.n;
  if (a.n == 0) {
    r.mean_a = r.mean_b = r.diff = r.sd_a = r.sd_b = r.sd_diff = kNaN;
    return r;
  }
  r.mean_a = a.ma;
  r.mean_b = a.mb;
  r.diff = a.md;
  if (a.n < 2) {
    r.sd_a = r.sd_b = r.sd_diff = kNaN;
    return r;
  }
  const double n = static_cast<double>(a.n);
  const double va = a.sa / (n - 1), vb = a.sb / (n - 1), vd = a.sd / (n - 1);
  r.sd_a = std::sqrt(va);
  r.sd_b = std::sqrt(vb);
  r.sd_diff = std::sqrt(vd);
  const double half = t975(n - 1) * r.sd_diff / std::sqrt(n);
  r.diff_lo = r.diff - half;
  r.diff_hi = r.diff + half;
  if (va + vb > 0) {
    // Welch: the same difference of means, as if A and B were independent;
    // df = (n - 1) (va + vb)^2 / (va^2 + vb^2); when the squares overflow,
    // the same with the ratios taken first (empty when that fails too).
    const double sum = va + vb;
    double df = (n - 1) * sum * sum / (va * va + vb * vb);
    if (!std::isfinite(df)) {
      const double fa = va / sum, fb = vb / sum;
      df = (n - 1) / (fa * fa + fb * fb);
    }
    const double uhalf = t975(df) * std::sqrt(sum / n);
    if (std::isfinite(uhalf)) {
      r.unpaired_lo = r.diff - uhalf;
      r.unpaired_hi = r.diff + uhalf;
    }
    r.variance_reduction = 1 - vd / sum;
  } else {
    r.unpaired_lo = r.unpaired_hi = r.diff;
  }
  return r;
}

std::vector<std::string> compare_header() {
  return {"outcome",     "provider",          "n",    "mean_a", "mean_b",  "diff",
          "diff_lo",     "diff_hi",           "sd_a", "sd_b",   "sd_diff", "unpaired_lo",
          "unpaired_hi", "variance_reduction"};
}

void write_row(CsvWriter& w, const CompareRow& r) {
  w.cell(std::string_view(r.outcome)).cell(std::string_view(r.provider)).cell(r.n);
  w.cell(r.mean_a).cell(r.mean_b).cell(r.diff).cell(r.diff_lo).cell(r.diff_hi);
  w.cell(r.sd_a).cell(r.sd_b).cell(r.sd_diff).cell(r.unpaired_lo).cell(r.unpaired_hi);
  w.cell(r.variance_reduction);
  w.end_row();
}

// Which providers both sides have, by name, in A's order.
struct CommonProviders {
  std::vector<std::string> names;
  std::vector<std::size_t> a, b;  // their indices in A and in B
};

CommonProviders common_providers(const Scenario& a, const Scenario& b) {
  CommonProviders c;
  for (std::size_t i = 0; i < a.providers.size(); ++i) {
    for (std::size_t j = 0; j < b.providers.size(); ++j) {
      if (a.providers[i].name == b.providers[j].name) {
        c.names.push_back(a.providers[i].name);
        c.a.push_back(i);
        c.b.push_back(j);
      }
    }
  }
  return c;
}

// The statistics, fed one pair at a time in replicate order.
class Stats {
 public:
  Stats(const CompareSpec& spec, CommonProviders common)
      : common_(std::move(common)),
        run_names_(numeric_names([&](auto&& k) { run_columns(k, spec.a, RunOutcome{}); })),
        provider_names_(
            numeric_names([](auto&& k) { run_provider_columns(k, ProviderOutcome{}); })),
        step_names_(numeric_names([&](auto&& k) { step_columns(k, spec.a, StepMetrics{}); })),
        runs_(run_names_.size()),
        providers_(common_.names.size(), std::vector<PairAcc>(provider_names_.size())) {
    if (spec.steps) {
      const std::int64_t steps = std::min(spec.a.steps, spec.b.steps);
      series_.assign(static_cast<std::size_t>(steps),
                     std::vector<PairAcc>(step_names_.size() + common_.names.size()));
    }
  }

  void add(const CompareRun& a, const CompareRun& b) {
    if (a.failed || b.failed) return;
    for (std::size_t c = 0; c < runs_.size(); ++c) runs_[c].add(a.outcomes[c], b.outcomes[c]);
    for (std::size_t p = 0; p < common_.names.size(); ++p) {
      const auto& pa = a.provider_outcomes[common_.a[p]];
      const auto& pb = b.provider_outcomes[common_.b[p]];
      for (std::size_t c = 0; c < provider_names_.size(); ++c) providers_[p][c].add(pa[c], pb[c]);
    }
    const std::size_t m = step_names_.size();
    for (std::size_t t = 0; t < series_.size(); ++t) {
      const auto& sa = a.series[t];
      const auto& sb = b.series[t];
      for (std::size_t c = 0; c < m; ++c) series_[t][c].add(sa[c], sb[c]);
      for (std::size_t p = 0; p < common_.names.size(); ++p) {
        series_[t][m + p].add(sa[m + common_.a[p]], sb[m + common_.b[p]]);
      }
    }
  }

  std::vector<CompareRow> rows() const {
    std::vector<CompareRow> out;
    for (std::size_t c = 0; c < runs_.size(); ++c)
      out.push_back(row_of(run_names_[c], "", runs_[c]));
    for (std::size_t p = 0; p < common_.names.size(); ++p) {
      for (std::size_t c = 0; c < provider_names_.size(); ++c) {
        out.push_back(row_of(provider_names_[c], common_.names[p], providers_[p][c]));
      }
    }
    return out;
  }

  // compare_steps.csv: per step, the market columns, then compute_share per provider.
  void write_steps(const fs::path& file, std::int64_t start_month) const {
    CsvWriter w(file, {"step", "date", "outcome", "provider", "n", "mean_a", "mean_b", "diff",
                       "diff_lo", "diff_hi"});
    const std::size_t m = step_names_.size();
    for (std::size_t t = 0; t < series_.size(); ++t) {
      const std::string date = format_year_month(start_month + static_cast<std::int64_t>(t));
      for (std::size_t c = 0; c < series_[t].size(); ++c) {
        const bool provider = c >= m;
        const CompareRow r = row_of(provider ? "compute_share" : step_names_[c],
                                    provider ? common_.names[c - m] : "", series_[t][c]);
        w.cell(static_cast<std::int64_t>(t)).cell(std::string_view(date));
        w.cell(std::string_view(r.outcome)).cell(std::string_view(r.provider)).cell(r.n);
        w.cell(r.mean_a).cell(r.mean_b).cell(r.diff).cell(r.diff_lo).cell(r.diff_hi);
        w.end_row();
      }
    }
    w.commit();
  }

 private:
  CommonProviders common_;
  std::vector<std::string> run_names_, provider_names_, step_names_;
  std::vector<PairAcc> runs_;
  std::vector<std::vector<PairAcc>> providers_;
  std::vector<std::vector<PairAcc>> series_;
};

nlohmann::ordered_json compare_manifest(const CompareSpec& spec, const CompareOptions& opt,
                                        const std::string& started, int jobs) {
  ManifestStart start;
  start.program = opt.program;
  start.command = "compare";
  start.file = spec.file_a;
  start.inputs = {spec.file_a};
  if (spec.file_b != spec.file_a) start.inputs.push_back(spec.file_b);
  for (const Scenario* s : {&spec.a, &spec.b}) {
    if (!s->network.file.empty() && std::find(start.inputs.begin(), start.inputs.end(),
                                              fs::path(s->network.file)) == start.inputs.end()) {
      start.inputs.emplace_back(s->network.file);
    }
  }
  start.seed = spec.seed;
  start.details["compare"] = {{"file_b", spec.file_b.string()},
                              {"replicates", spec.replicates},
                              {"steps", spec.steps},
                              {"set", spec.sets},
                              {"set_a", spec.sets_a},
                              {"set_b", spec.sets_b}};
  start.details["scenario_b"] = scenario_to_json(spec.b);
  start.details["compare_identity"] = compare_identity(spec);
  if (opt.shard.sharded()) {
    const RunRange r = shard_range(spec.replicates, opt.shard);
    start.details["shard"] = shard_json(opt.shard, {2 * r.first, 2 * r.end});
  }
  start.scenario = &spec.a;
  start.started = started;
  start.jobs = jobs;
  return start_manifest(start);
}

// ---- A run as bytes, for MPI (CompareOptions::remote) ----

void put_u64(std::string& out, std::uint64_t v) { out.append(reinterpret_cast<char*>(&v), 8); }
void put_text(std::string& out, const std::string& t) {
  put_u64(out, t.size());
  out += t;
}
void put_numbers(std::string& out, const std::vector<double>& v) {
  put_u64(out, v.size());
  out.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(double));
}

struct BytesIn {
  std::string_view in;
  std::size_t at = 0;
  std::uint64_t u64() {
    if (at + 8 > in.size()) throw std::runtime_error("truncated compare run message");
    std::uint64_t v = 0;
    std::memcpy(&v, in.data() + at, 8);
    at += 8;
    return v;
  }
  std::string text() {
    const std::uint64_t n = u64();
    if (at + n > in.size()) throw std::runtime_error("truncated compare run message");
    std::string t(in.substr(at, n));
    at += n;
    return t;
  }
  std::vector<double> numbers() {
    const std::uint64_t n = u64();
    if (at + n * sizeof(double) > in.size()) {
      throw std::runtime_error("truncated compare run message");
    }
    std::vector<double> v(n);
    std::memcpy(v.data(), in.data() + at, n * sizeof(double));
    at += n * sizeof(double);
    return v;
  }
};

std::string compare_run_to_bytes(const CompareRun& r) {
  std::string out;
  put_u64(out, static_cast<std::uint64_t>(r.run_id));
  put_u64(out, r.failed ? 1 : 0);
  for (const std::string* t : {&r.runs, &r.providers, &r.steps, &r.step_providers}) {
    put_text(out, *t);
  }
  put_numbers(out, r.outcomes);
  put_u64(out, r.provider_outcomes.size());
  for (const auto& v : r.provider_outcomes) put_numbers(out, v);
  put_u64(out, r.series.size());
  for (const auto& v : r.series) put_numbers(out, v);
  return out;
}

CompareRun compare_run_from_bytes(std::string_view bytes) {
  BytesIn in{bytes};
  CompareRun r;
  r.run_id = static_cast<std::int64_t>(in.u64());
  r.failed = in.u64() != 0;
  for (std::string* t : {&r.runs, &r.providers, &r.steps, &r.step_providers}) *t = in.text();
  r.outcomes = in.numbers();
  r.provider_outcomes.resize(in.u64());
  for (auto& v : r.provider_outcomes) v = in.numbers();
  r.series.resize(in.u64());
  for (auto& v : r.series) v = in.numbers();
  return r;
}

}  // namespace

std::string compare_run_bytes(const CompareSpec& spec, std::int64_t k) {
  return compare_run_to_bytes(execute(spec, k));
}

std::string compare_identity(const CompareSpec& spec) {
  nlohmann::ordered_json j;
  j["a"] = scenario_to_json(spec.a);
  j["b"] = scenario_to_json(spec.b);
  j["replicates"] = spec.replicates;
  j["seed"] = spec.seed;
  j["steps"] = spec.steps;
  return sha256_hex(j.dump());
}

CompareResult run_compare(const CompareSpec& spec, const CompareOptions& opt) {
  CompareResult result;
  result.dir = opt.out;
  const RunRange replicates = shard_range(spec.replicates, opt.shard);
  result.first_replicate = replicates.first;
  result.end_replicate = replicates.end;
  const std::int64_t from = 2 * replicates.first, end = 2 * replicates.end;
  result.runs = end - from;
  const fs::path& dir = result.dir;
  const std::string started = utc_now();
  const int jobs = opt.jobs > 0 ? opt.jobs : default_jobs();
  fs::create_directories(dir);

  // Rows go to temporary files, renamed into place only when every run is
  // done (output/csv.hpp): an interrupted compare leaves nothing half-written.
  const std::vector<std::string> runs_header =
      header_of({"run_id", "side", "replicate", "seed", "status", "message"},
                [&](auto&& k) { run_columns(k, spec.a, RunOutcome{}); });
  CsvWriter runs(dir / "runs.csv", runs_header);
  CsvWriter providers(dir / "run_providers.csv", header_of({"run_id", "provider"}, [](auto&& k) {
                        run_provider_columns(k, ProviderOutcome{});
                      }));
  std::unique_ptr<CsvWriter> steps, step_providers;
  if (spec.steps) {
    // The two sides' headers are the same (scenario-independent columns).
    steps = std::make_unique<CsvWriter>(dir / "steps.csv", steps_header(spec.a));
    step_providers =
        std::make_unique<CsvWriter>(dir / "step_providers.csv", step_providers_header());
  }

  Stats stats(spec, common_providers(spec.a, spec.b));
  Progress progress(opt.progress, result.runs, 0);
  std::int64_t done = 0;
  CompareRun pending_a;
  const std::function<CompareRun(std::int64_t)> run = [&spec](std::int64_t k) {
    return execute(spec, k);
  };
  const std::function<bool(CompareRun &&)> sink = [&](CompareRun&& r) {
    runs.append_rows(r.runs);
    providers.append_rows(r.providers);
    if (steps) {
      steps->append_rows(r.steps);
      step_providers->append_rows(r.step_providers);
    }
    if (r.failed) ++result.failed;
    if (r.run_id % 2 == 0) {
      pending_a = std::move(r);
    } else {
      stats.add(pending_a, r);
    }
    progress.update(++done);
    return true;
  };
  if (opt.remote) {
    opt.remote(from, end,
               [&sink](std::string&& bytes) { return sink(compare_run_from_bytes(bytes)); });
  } else {
    run_in_order(jobs, from, end, run, sink);
  }
  progress.finish(done);
  if (done < result.runs) return result;  // interrupted: the writers discard their files

  // A folder that held an earlier compare says nothing complete while the
  // new files replace the old (the manifest comes last).
  fs::remove(dir / "manifest.json");
  runs.commit();
  providers.commit();
  if (spec.steps) {
    steps->commit();
    step_providers->commit();
  }
  if (opt.shard.sharded()) {
    // The statistics need every replicate: `cloudwars merge` computes them.
    for (const char* f : {"compare.csv", "compare_steps.csv"}) fs::remove(dir / f);
  } else {
    result.rows = stats.rows();
    CsvWriter w(dir / "compare.csv", compare_header());
    for (const auto& r : result.rows) write_row(w, r);
    w.commit();
    if (spec.steps) {
      stats.write_steps(dir / "compare_steps.csv", parse_year_month(spec.a.start).value_or(0));
    }
  }
  if (!spec.steps) {
    // Files of an earlier compare with --steps would not match this one.
    for (const char* f : {"steps.csv", "step_providers.csv", "compare_steps.csv"}) {
      fs::remove(dir / f);
    }
  }
  nlohmann::ordered_json manifest = compare_manifest(spec, opt, started, jobs);
  finish_manifest(manifest, jobs);
  manifest["runs_failed"] = result.failed;
  write_manifest(dir, manifest);
  result.complete = true;
  return result;
}

// ---- merge of compare shards ----------------------------------------------

void check_compare_folder(const fs::path& dir, const ShardSpec& shard) {
  std::ifstream in(dir / "manifest.json");
  if (!in) return;
  const auto m = nlohmann::ordered_json::parse(in, nullptr, false);
  if (m.is_discarded() || !m.is_object() || !m.contains("command") || m["command"] != "compare") {
    return;  // not a compare's folder: a compare replaces it as before
  }
  std::string held;
  if (m.contains("shard") && m["shard"].is_object()) {
    const auto& h = m["shard"];
    held = fmt::format("{}/{}", h.value("index", 0), h.value("count", 0));
  }
  const std::string want =
      shard.sharded() ? fmt::format("{}/{}", shard.index, shard.count) : std::string();
  if (held == want) return;
  if (want.empty()) {
    throw SweepFolderError(fmt::format(
        "{} holds shard {} of a compare, not a whole compare; merge the shards with `cloudwars "
        "merge` into another folder, or choose another --out",
        dir.string(), held));
  }
  throw SweepFolderError(fmt::format(
      "{} holds {}, not shard {}; give each shard its own --out", dir.string(),
      held.empty() ? std::string("a whole compare") : "shard " + held + " of a compare", want));
}

CompareOrigin compare_origin(const fs::path& part) {
  std::ifstream in(part / "manifest.json");
  nlohmann::ordered_json m =
      in ? nlohmann::ordered_json::parse(in, nullptr, false) : nlohmann::ordered_json();
  if (m.is_discarded() || !m.is_object() || !m.contains("command") || m["command"] != "compare" ||
      !m.contains("shard") || !m.contains("compare") || !m["compare"].is_object()) {
    throw MergeError(fmt::format(
        "{}: not a shard folder (no manifest.json of `cloudwars compare ... --shard i/n`)",
        part.string()));
  }
  const auto& c = m["compare"];
  CompareOrigin o;
  try {
    o.file_a = m.value("file", "");
    o.file_b = c.value("file_b", "");
    o.sets = c.value("set", std::vector<std::string>{});
    o.sets_a = c.value("set_a", std::vector<std::string>{});
    o.sets_b = c.value("set_b", std::vector<std::string>{});
    o.replicates = c.value("replicates", std::int64_t{0});
    o.seed = m.value("seed", std::int64_t{0});
    o.steps = c.value("steps", false);
  } catch (const nlohmann::json::exception&) {
    throw MergeError(fmt::format("{}: its manifest.json is not a compare's", part.string()));
  }
  return o;
}

namespace {

// A data cell back to the number NumberSink gave: "" is NaN, true/false are
// 1/0, and every other number reads back exactly (shortest round-trip text).
double cell_number(const std::string& cell, const fs::path& file) {
  if (cell.empty()) return kNaN;
  if (cell == "true") return 1.0;
  if (cell == "false") return 0.0;
  char* endp = nullptr;
  const double v = std::strtod(cell.c_str(), &endp);
  if (endp != cell.c_str() + cell.size()) {
    throw MergeError(fmt::format("{}: '{}' is not a number", file.string(), cell));
  }
  return v;
}

// The numeric cells of a row from column `skip` on, per `numeric`.
void numbers_of(const std::vector<std::string>& cells, std::size_t skip,
                const std::vector<bool>& numeric, const fs::path& file, std::vector<double>& out) {
  if (cells.size() != skip + numeric.size()) {
    throw MergeError(fmt::format("{}: a row of {} cells where the header has {}", file.string(),
                                 cells.size(), skip + numeric.size()));
  }
  for (std::size_t i = 0; i < numeric.size(); ++i) {
    if (numeric[i]) out.push_back(cell_number(cells[skip + i], file));
  }
}

// One data file of one part, read a run at a time: the rows of run k are
// the lines that start with k, in order.
class PartRows {
 public:
  PartRows(const fs::path& file, const std::string& header) : file_(file), in_(file) {
    std::string line;
    if (!in_.next(line) || line + "\n" != header) {
      throw MergeError(fmt::format("{}: missing or other header", file.string()));
    }
    advance();
  }
  // The rows of run k (appended to `rows`, each with its '\n').
  std::vector<std::string> take(std::int64_t k, std::string& rows) {
    std::vector<std::string> lines;
    while (has_ && id_ == k) {
      rows += next_;
      rows += '\n';
      lines.push_back(std::move(next_));
      advance();
    }
    return lines;
  }
  // Refuses rows left after the part's last run, or of an earlier run.
  void finish(std::int64_t first, std::int64_t end) {
    if (has_) {
      throw MergeError(fmt::format("{}: a row of run {} outside its {} or out of order",
                                   file_.string(), id_, runs_text(first, end)));
    }
  }
  const fs::path& file() const { return file_; }

 private:
  void advance() {
    has_ = in_.next(next_);
    id_ = has_ ? leading_run_id(next_) : -1;
  }
  fs::path file_;
  LineReader in_;
  std::string next_;
  bool has_ = false;
  std::int64_t id_ = -1;
};

}  // namespace

CompareResult merge_compare_parts(const CompareSpec& spec, const std::vector<fs::path>& dirs,
                                  const fs::path& out) {
  ShardRules rules;
  rules.command = "compare";
  rules.identity_key = "compare_identity";
  rules.identity = compare_identity(spec);
  rules.identity_hint = "other scenarios, --set, --set-a, --set-b, --replicates, --seed or --steps";
  rules.inputs = compare_manifest(spec, CompareOptions{}, "", 1)["inputs"];
  rules.inputs_hint = "scenario A or B (or a network file they read)";
  const std::vector<ShardPart> parts = check_shard_parts(dirs, rules, out);
  for (const ShardPart& p : parts) {
    const RunRange r = shard_range(spec.replicates, {p.index, p.count});
    if (2 * r.first != p.first || 2 * r.end != p.end) {
      throw MergeError(
          fmt::format("{}: its manifest's shard does not fit the compare", p.dir.string()));
    }
  }
  fs::create_directories(out);
  const MergeStaging staging(out);
  const fs::path& stage = staging.dir();

  // The headers and numeric columns of run_compare's files.
  const std::vector<std::string> runs_header =
      header_of({"run_id", "side", "replicate", "seed", "status", "message"},
                [&](auto&& k) { run_columns(k, spec.a, RunOutcome{}); });
  const std::vector<std::string> providers_header = header_of(
      {"run_id", "provider"}, [](auto&& k) { run_provider_columns(k, ProviderOutcome{}); });
  std::vector<bool> run_numeric, provider_numeric, step_numeric;
  run_columns(NumericSink{run_numeric}, spec.a, RunOutcome{});
  run_provider_columns(NumericSink{provider_numeric}, ProviderOutcome{});
  step_columns(NumericSink{step_numeric}, spec.a, StepMetrics{});
  const std::vector<std::string> sp_header = step_providers_header();
  const auto share_at = static_cast<std::size_t>(
      std::find(sp_header.begin(), sp_header.end(), "compute_share") - sp_header.begin());

  CsvWriter runs(stage / "runs.csv", runs_header);
  CsvWriter providers(stage / "run_providers.csv", providers_header);
  std::unique_ptr<CsvWriter> steps, step_providers;
  if (spec.steps) {
    steps = std::make_unique<CsvWriter>(stage / "steps.csv", steps_header(spec.a));
    step_providers = std::make_unique<CsvWriter>(stage / "step_providers.csv", sp_header);
  }
  Stats stats(spec, common_providers(spec.a, spec.b));
  CompareResult result;
  result.dir = out;
  result.runs = 2 * spec.replicates;
  result.end_replicate = spec.replicates;
  CompareRun pending_a;
  std::string rows, step_rows, sp_rows;
  for (const ShardPart& p : parts) {
    PartRows r_in(p.dir / "runs.csv", csv_header(runs_header));
    PartRows p_in(p.dir / "run_providers.csv", csv_header(providers_header));
    std::unique_ptr<PartRows> s_in, sp_in;
    if (spec.steps) {
      s_in = std::make_unique<PartRows>(p.dir / "steps.csv", csv_header(steps_header(spec.a)));
      sp_in = std::make_unique<PartRows>(p.dir / "step_providers.csv", csv_header(sp_header));
    }
    for (std::int64_t k = p.first; k < p.end; ++k) {
      CompareRun run;
      run.run_id = k;
      rows.clear();
      const auto line = r_in.take(k, rows);
      if (line.size() != 1) {
        throw MergeError(fmt::format("{}: {} rows of run {} where one should be",
                                     r_in.file().string(), line.size(), k));
      }
      runs.append_rows(rows);
      const auto cells = split_csv_line(line[0]);
      run.failed = cells.size() > 4 && cells[4] == "failed";
      if (!run.failed) numbers_of(cells, 6, run_numeric, r_in.file(), run.outcomes);
      rows.clear();
      for (const auto& l : p_in.take(k, rows)) {
        if (run.failed) continue;
        run.provider_outcomes.emplace_back();
        numbers_of(split_csv_line(l), 2, provider_numeric, p_in.file(),
                   run.provider_outcomes.back());
      }
      providers.append_rows(rows);
      if (spec.steps) {
        step_rows.clear();
        sp_rows.clear();
        std::map<std::string, std::size_t> step_index;
        for (const auto& l : s_in->take(k, step_rows)) {
          const auto c = split_csv_line(l);
          if (c.size() > 1) step_index[c[1]] = run.series.size();
          run.series.emplace_back();
          numbers_of(c, 3, step_numeric, s_in->file(), run.series.back());
        }
        for (const auto& l : sp_in->take(k, sp_rows)) {
          const auto c = split_csv_line(l);
          const auto at = c.size() > 1 ? step_index.find(c[1]) : step_index.end();
          if (c.size() != sp_header.size() || at == step_index.end()) {
            throw MergeError(fmt::format("{}: a row of run {} that does not fit its steps",
                                         sp_in->file().string(), k));
          }
          run.series[at->second].push_back(cell_number(c[share_at], sp_in->file()));
        }
        steps->append_rows(step_rows);
        step_providers->append_rows(sp_rows);
      }
      // What the statistics will index: every provider's row, and with
      // --steps every step with its numbers and each provider's share.
      const Scenario& side = k % 2 == 0 ? spec.a : spec.b;
      const std::size_t providers_of_side = side.providers.size();
      if (!run.failed && run.provider_outcomes.size() != providers_of_side) {
        throw MergeError(
            fmt::format("{}: run {} has {} provider rows; its scenario has {} providers",
                        p_in.file().string(), k, run.provider_outcomes.size(), providers_of_side));
      }
      if (spec.steps) {
        const auto want_steps = static_cast<std::size_t>(run.failed ? 0 : side.steps);
        if (run.series.size() != want_steps) {
          throw MergeError(fmt::format("{}: run {} has {} step rows, not {}", s_in->file().string(),
                                       k, run.series.size(), want_steps));
        }
        const auto width =
            static_cast<std::size_t>(std::count(step_numeric.begin(), step_numeric.end(), true)) +
            providers_of_side;
        for (const auto& row : run.series) {
          if (row.size() != width) {
            throw MergeError(
                fmt::format("{}: run {} lacks provider rows of a step", sp_in->file().string(), k));
          }
        }
      }
      if (run.failed) ++result.failed;
      if (k % 2 == 0) {
        pending_a = std::move(run);
      } else {
        stats.add(pending_a, run);
      }
    }
    r_in.finish(p.first, p.end);
    p_in.finish(p.first, p.end);
    if (spec.steps) {
      s_in->finish(p.first, p.end);
      sp_in->finish(p.first, p.end);
    }
  }
  runs.commit();
  providers.commit();
  result.rows = stats.rows();
  {
    CsvWriter w(stage / "compare.csv", compare_header());
    for (const auto& r : result.rows) write_row(w, r);
    w.commit();
  }
  std::vector<std::string> files = {"runs.csv", "run_providers.csv", "compare.csv"};
  if (spec.steps) {
    steps->commit();
    step_providers->commit();
    stats.write_steps(stage / "compare_steps.csv", parse_year_month(spec.a.start).value_or(0));
    files.insert(files.end(), {"steps.csv", "step_providers.csv", "compare_steps.csv"});
  }
  // Into place: the manifest last, so the folder says complete only when it is.
  fs::remove(out / "manifest.json");
  for (const char* f : {"steps.csv", "step_providers.csv", "compare_steps.csv"}) {
    fs::remove(out / f);
  }
  for (const auto& f : files) fs::rename(stage / f, out / f);
  const PartsTimes times = parts_times(parts);
  CompareOptions opt;
  opt.program = parts.front().manifest["program"];
  nlohmann::ordered_json manifest = compare_manifest(spec, opt, times.started, times.jobs);
  finish_manifest(manifest, times.jobs);
  manifest["runs_failed"] = result.failed;
  write_manifest(out, manifest);
  result.complete = true;
  return result;
}

}  // namespace cw
