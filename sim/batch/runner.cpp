#include "batch/runner.hpp"

#include <fmt/format.h>
#include <unistd.h>
#include <zlib.h>

#include <array>
#include <atomic>
#include <boost/math/distributions/students_t.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include "batch/cluster.hpp"
#include "batch/pipeline.hpp"
#include "batch/sweep_parts.hpp"
#include "core/engine.hpp"
#include "core/param_path.hpp"
#include "output/columns.hpp"
#include "output/csv.hpp"
#include "output/manifest.hpp"
#include "output/step_rows.hpp"

namespace cw {

namespace fs = std::filesystem;

RunKey run_key(const Sweep& sw, std::int64_t run_id) {
  const std::int64_t n = sw.points();
  RunKey k;
  k.run_id = run_id;
  k.replicate = run_id / n;
  k.point_id = sw.order[static_cast<std::size_t>(run_id % n)];
  k.seed = run_seed(sw.spec.seed, sw.spec.seeds, k.point_id, k.replicate);
  return k;
}

Scenario run_scenario_of(const Sweep& sw, const RunKey& key) {
  Scenario s = sw.base;
  const auto& values = sw.design.values[static_cast<std::size_t>(key.point_id)];
  for (std::size_t i = 0; i < values.size(); ++i) set_parameter(s, sw.design.paths[i], values[i]);
  s.seed = key.seed;
  return s;
}

std::string sweep_identity(const Sweep& sw) {
  SweepSpec spec = sw.spec;
  return sweep_identity_with(sw, spec);
}

std::string sweep_identity_without_replicates(const Sweep& sw) {
  SweepSpec spec = sw.spec;
  spec.replicates = 0;  // not a valid count: never equal to a sweep_identity
  return sweep_identity_with(sw, spec);
}

std::string sweep_identity_with(const Sweep& sw, SweepSpec& spec) {
  nlohmann::ordered_json j;
  j["sweep"] = described_to_json([&spec](FieldVisitor& v) { describe(v, spec); });
  j["base"] = scenario_to_json(sw.base);
  j["paths"] = sw.design.paths;
  j["points"] = sw.design.values;
  return sha256_hex(j.dump());
}

namespace {

const char* const kRuns = "runs.csv";
const char* const kRunProviders = "run_providers.csv";
const char* const kSteps = "steps.csv";
const char* const kStepProviders = "step_providers.csv";
const char* const kEvents = "events.csv";
const char* const kRunLabs = "run_labs.csv";
const char* const kStepLabs = "step_labs.csv";
const char* const kPoints = "points.csv";
const char* const kDesign = "design.csv";
const char* const kManifest = "manifest.json";

// Column headers, from the one list of columns (output/columns.hpp); the
// per-step files' headers are in output/step_rows.hpp.
std::vector<std::string> runs_header(const Sweep& sw) {
  std::vector<std::string> keys = {"run_id", "point_id", "replicate", "seed", "status", "message"};
  for (const auto& p : sw.design.paths) keys.push_back(p);
  RunOutcome r;
  return header_of(keys, [&](auto&& k) { run_columns(k, sw.base, r); });
}
std::vector<std::string> run_providers_header() {
  ProviderOutcome p;
  return header_of({"run_id", "provider"}, [&](auto&& k) { run_provider_columns(k, p); });
}

// Collects time-series rows every K steps (K > 0) and events (when asked).
class SeriesObserver final : public Observer {
 public:
  SeriesObserver(std::int64_t run_id, const SweepSpec& spec, RunOutput& out)
      : run_id_(run_id),
        every_(spec.step_every),
        events_(spec.events),
        lab_steps_(spec.lab_steps),
        out_(out) {}
  bool wants_events() const override { return events_; }
  void on_step(const Scenario& s, const State& st, const StepMetrics& m) override {
    if (events_) append_event_rows(out_.events, run_id_, st, m);
    if (every_ > 0 && m.step % every_ == 0) {
      append_step_rows(out_.steps, out_.step_providers, run_id_, s, st, m);
      if (lab_steps_) append_lab_step_rows(out_.step_labs, run_id_, s, st, m);
    }
  }

 private:
  std::int64_t run_id_, every_;
  bool events_, lab_steps_;
  RunOutput& out_;
};

RunOutput execute(const Sweep& sw, std::int64_t run_id) {
  const RunKey key = run_key(sw, run_id);
  RunOutput out;
  out.run_id = run_id;
  std::string message;
  RunOutcome outcome;
  try {
    const Scenario s = run_scenario_of(sw, key);
    if (sw.spec.step_every > 0 || sw.spec.events) {
      SeriesObserver obs(run_id, sw.spec, out);
      outcome = run_scenario(s, &obs);
    } else {
      outcome = run_scenario(s);
    }
  } catch (const std::exception& e) {
    out.failed = true;
    message = one_line_message(e);
    out.steps.clear();
    out.step_providers.clear();
    out.step_labs.clear();
    out.events.clear();
  }
  if (out.failed) {
    append_failed_run_lab_rows(out.labs, run_id, sw.base);
  } else {
    append_run_lab_rows(out.labs, run_id, sw.base, outcome);
  }
  CsvLine line(out.runs);
  line.cell(key.run_id).cell(key.point_id).cell(key.replicate).cell(key.seed);
  line.cell(out.failed ? "failed" : "ok").cell(std::string_view(message));
  for (const auto& v : sw.design.values[static_cast<std::size_t>(key.point_id)]) {
    line.cell(std::string_view(v));
  }
  if (out.failed) {
    run_columns(EmptySink<CsvLine>{line}, sw.base, outcome);
  } else {
    run_columns(CellSink<CsvLine>{line}, sw.base, outcome);
  }
  line.end();
  for (std::size_t p = 0; p < sw.base.providers.size(); ++p) {
    CsvLine pl(out.providers);
    pl.cell(run_id).cell(std::string_view(sw.base.providers[p].name));
    if (out.failed) {
      ProviderOutcome none;
      run_provider_columns(EmptySink<CsvLine>{pl}, none);
    } else {
      run_provider_columns(CellSink<CsvLine>{pl}, outcome.providers[p]);
    }
    pl.end();
  }
  return out;
}

// Leading run_id of a data line.
std::int64_t leading_id(const std::string& line) {
  std::int64_t v = 0;
  std::size_t i = 0;
  for (; i < line.size() && line[i] >= '0' && line[i] <= '9'; ++i) v = v * 10 + (line[i] - '0');
  return i == 0 ? -1 : v;
}

// Scans a file of rows ordered by run_id: the byte offset where the rows of
// run `limit` (or a partial last line) begin, and how many complete rows each
// run before it has. A file without a complete header gives offset 0.
struct Scan {
  std::uint64_t keep_bytes = 0;  // header + complete rows with run_id < limit
  bool has_header = false;
  std::map<std::int64_t, std::int64_t> rows;  // run_id -> complete rows
};

Scan scan_rows(const fs::path& file, std::int64_t limit, const std::string& header) {
  Scan sc;
  std::ifstream in(file, std::ios::binary);
  if (!in) return sc;
  std::string line;
  std::uint64_t offset = 0;
  bool first = true;
  while (std::getline(in, line)) {
    const bool complete = !in.eof();
    if (!complete) break;
    const std::uint64_t next = offset + line.size() + 1;
    if (first) {
      if (line + "\n" != header) return sc;  // not ours, or torn: start over
      sc.has_header = true;
      sc.keep_bytes = next;
      first = false;
    } else {
      const std::int64_t id = leading_id(line);
      if (id < 0 || id >= limit) break;
      ++sc.rows[id];
      sc.keep_bytes = next;
    }
    offset = next;
  }
  return sc;
}

// One appended output file.
class Appender {
 public:
  void open(const fs::path& path, const std::string& header, std::uint64_t keep_bytes,
            bool has_header) {
    path_ = path;
    if (has_header) {
      fs::resize_file(path, keep_bytes);
      file_ = std::fopen(path.c_str(), "ab");
    } else {
      file_ = std::fopen(path.c_str(), "wb");
      if (file_) write(header);
    }
    if (!file_) throw std::runtime_error(fmt::format("cannot write {}", path.string()));
  }
  ~Appender() {
    if (file_) std::fclose(file_);
  }
  void write(const std::string& text) {
    if (text.empty()) return;
    if (std::fwrite(text.data(), 1, text.size(), file_) != text.size()) {
      throw std::runtime_error(fmt::format("cannot write {}", path_.string()));
    }
  }
  void flush() {
    if (std::fflush(file_) != 0) throw std::runtime_error("cannot write " + path_.string());
  }
  void sync() {
    flush();
    ::fsync(::fileno(file_));
  }
  void close() {
    sync();
    std::fclose(file_);
    file_ = nullptr;
  }

 private:
  fs::path path_;
  std::FILE* file_ = nullptr;
};

// design.csv: every point with its group, role, values and unit coordinates.
void write_design(const Sweep& sw, const fs::path& dir) {
  std::vector<std::string> header = {"point_id", "group", "role"};
  for (const auto& p : sw.design.paths) header.push_back(p);
  const bool unit = !sw.design.unit.empty();
  if (unit) {
    for (const auto& p : sw.design.paths) header.push_back("u:" + p);
  }
  CsvWriter w(dir / kDesign, header);
  for (std::size_t i = 0; i < sw.design.size(); ++i) {
    w.cell(static_cast<std::int64_t>(i)).cell(sw.design.group[i]);
    w.cell(std::string_view(sw.design.role[i]));
    for (const auto& v : sw.design.values[i]) w.cell(std::string_view(v));
    if (unit) {
      for (double u : sw.design.unit[i]) w.cell(u);
    }
    w.end_row();
  }
  w.commit();
}

// points.csv: per design point, the mean and a 95% t-interval across its
// replicates of every numeric outcome (booleans as 0/1; empty cells, such
// as an untipped run's tipping_step, left out). Memory: O(points x outcomes).
std::int64_t write_points(const Sweep& sw, const fs::path& dir) {
  const auto header = runs_header(sw);
  std::vector<bool> numeric;
  {
    RunOutcome r;
    run_columns(NumericSink{numeric}, sw.base, r);
  }
  const std::size_t first_outcome = 6 + sw.design.paths.size();
  std::vector<std::size_t> cols;
  for (std::size_t i = 0; i < numeric.size(); ++i) {
    if (numeric[i]) cols.push_back(first_outcome + i);
  }
  struct Acc {
    std::int64_t n = 0;
    double mean = 0, m2 = 0;
  };
  const auto P = static_cast<std::size_t>(sw.points());
  std::vector<std::vector<Acc>> acc(P, std::vector<Acc>(cols.size()));
  std::vector<std::int64_t> ok(P, 0), failed(P, 0);
  std::int64_t failed_total = 0;
  std::ifstream in(dir / kRuns, std::ios::binary);
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    const auto cells = split_csv_line(line);
    const auto point = static_cast<std::size_t>(std::stoll(cells[1]));
    if (cells[4] != "ok") {
      ++failed[point];
      ++failed_total;
      continue;
    }
    ++ok[point];
    for (std::size_t c = 0; c < cols.size(); ++c) {
      const std::string& text = cells[cols[c]];
      if (text.empty()) continue;
      const double x = text == "true" ? 1.0 : text == "false" ? 0.0 : std::stod(text);
      Acc& a = acc[point][c];
      ++a.n;
      const double d = x - a.mean;
      a.mean += d / static_cast<double>(a.n);
      a.m2 += d * (x - a.mean);
    }
  }
  std::vector<std::string> out_header = {"point_id"};
  for (const auto& p : sw.design.paths) out_header.push_back(p);
  out_header.push_back("runs_ok");
  out_header.push_back("runs_failed");
  for (std::size_t c : cols) {
    for (const char* suffix : {"_mean", "_lo", "_hi", "_n"})
      out_header.push_back(header[c] + suffix);
  }
  CsvWriter w(dir / kPoints, out_header);
  for (std::size_t p = 0; p < P; ++p) {
    w.cell(static_cast<std::int64_t>(p));
    for (const auto& v : sw.design.values[p]) w.cell(std::string_view(v));
    w.cell(ok[p]).cell(failed[p]);
    for (const Acc& a : acc[p]) {
      if (a.n == 0) {
        w.empty().empty().empty().cell(std::int64_t{0});
        continue;
      }
      w.cell(a.mean);
      if (a.n < 2) {
        w.empty().empty();
      } else {
        const double sd = std::sqrt(a.m2 / static_cast<double>(a.n - 1));
        const boost::math::students_t t(static_cast<double>(a.n - 1));
        const double half =
            boost::math::quantile(t, 0.975) * sd / std::sqrt(static_cast<double>(a.n));
        w.cell(a.mean - half).cell(a.mean + half);
      }
      w.cell(a.n);
    }
    w.end_row();
  }
  w.commit();
  return failed_total;
}

}  // namespace

// Gzips `file` to `file.gz` (deterministic: no name, no time in the header)
// and removes the original.
void gzip_file(const fs::path& file) {
  if (!fs::exists(file)) return;
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + file.string() + " to compress it");
  z_stream z{};
  if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::runtime_error("zlib init failed");
  }
  fs::path gz = file;
  gz += ".gz";
  AtomicFile f(gz);
  // In chunks: files of any size (zlib counts in 32 bits per call), in
  // bounded memory; zlib's output does not depend on how the input is cut.
  constexpr std::size_t kChunk = std::size_t{1} << 20;
  std::string input(kChunk, '\0'), output(kChunk, '\0');
  int rc = Z_OK;
  bool end = false;
  while (!end) {
    in.read(input.data(), static_cast<std::streamsize>(kChunk));
    const auto got = static_cast<std::size_t>(in.gcount());
    if (in.bad()) {
      deflateEnd(&z);
      throw std::runtime_error("cannot read " + file.string() + " to compress it");
    }
    end = in.eof();
    z.next_in = reinterpret_cast<Bytef*>(input.data());
    z.avail_in = static_cast<uInt>(got);
    do {
      z.next_out = reinterpret_cast<Bytef*>(output.data());
      z.avail_out = static_cast<uInt>(kChunk);
      rc = deflate(&z, end ? Z_FINISH : Z_NO_FLUSH);
      if (rc == Z_STREAM_ERROR) break;
      f.write(std::string_view(output.data(), kChunk - z.avail_out));
    } while (z.avail_out == 0);
    if (rc == Z_STREAM_ERROR) break;
  }
  deflateEnd(&z);
  if (rc != Z_STREAM_END) throw std::runtime_error("gzip of " + file.string() + " failed");
  f.commit();
  fs::remove(file);
}

void gunzip_file(const fs::path& gz) {
  if (!fs::exists(gz)) return;
  std::ifstream in(gz, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string data = buffer.str();
  z_stream z{};
  if (inflateInit2(&z, 15 + 16) != Z_OK) throw std::runtime_error("zlib init failed");
  z.next_in = reinterpret_cast<Bytef*>(data.data());
  z.avail_in = static_cast<uInt>(data.size());
  std::string out;
  std::array<char, 1 << 16> chunk{};
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    z.next_out = reinterpret_cast<Bytef*>(chunk.data());
    z.avail_out = static_cast<uInt>(chunk.size());
    rc = inflate(&z, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&z);
      throw std::runtime_error("cannot decompress " + gz.string());
    }
    out.append(chunk.data(), chunk.size() - z.avail_out);
  }
  inflateEnd(&z);
  fs::path plain = gz;
  plain.replace_extension();
  AtomicFile f(plain);
  f.write(out);
  f.commit();
  fs::remove(gz);
}

namespace {

// The data files of a sweep, compressed by output.gzip at the end.
constexpr std::array<const char*, 9> kDataFiles = {
    kRuns, kRunProviders, kRunLabs, kSteps, kStepProviders, kStepLabs, kEvents, kPoints, kDesign};

bool folder_has_our_files(const fs::path& dir) {
  for (const char* f : kDataFiles) {
    if (fs::exists(dir / f) || fs::exists(dir / (std::string(f) + ".gz"))) return true;
  }
  return false;
}

void remove_our_files(const fs::path& dir) {
  for (const char* f : kDataFiles) {
    fs::remove(dir / f);
    fs::remove(dir / (std::string(f) + ".gz"));
  }
  fs::remove(dir / kManifest);
  fs::remove(dir / (std::string(kManifest) + ".gz"));
}

void gzip_data_files(const fs::path& dir) {
  for (const char* f : kDataFiles) gzip_file(dir / f);
}

// What the results folder holds when a sweep starts.
struct Opened {
  enum class Kind { fresh, resume, complete, extend } kind = Kind::fresh;
  nlohmann::ordered_json manifest;  // the folder's manifest (resume, complete, extend)
  std::int64_t old_replicates = 0;  // extend: the folder's replicates
};

// Looks at dir/manifest.json: a new sweep (the folder emptied of our files
// with --restart), this sweep to resume or already complete, or refused
// with SweepFolderError (another sweep's folder, this sweep's folder
// written by another program, or our files without a manifest).
// docs/SWEEPS.md, "Resuming, interrupting, refusing".
Opened open_folder(const fs::path& dir, const Sweep& sw, const std::string& identity,
                   const nlohmann::ordered_json& program, bool restart) {
  Opened opened;
  if (fs::exists(dir / kManifest)) {
    std::ifstream in(dir / kManifest);
    nlohmann::ordered_json old = nlohmann::ordered_json::parse(in, nullptr, false);
    const bool same = manifest_text(old, "sweep_identity") == identity;
    // The same sweep but for its replicates: more extends it in place (the
    // run order is replicate-major, so its runs are a prefix of the new ones).
    const bool family = !same && manifest_text(old, "sweep_identity_without_replicates") ==
                                     sweep_identity_without_replicates(sw);
    // A folder holds the runs of one program: another version, commit or
    // build may give other numbers for the same run (as `merge` refuses
    // parts of two binaries). A manifest without a program (null: a library
    // caller's) counts as this program's.
    const bool recorded = (same || family) && old.contains("program") && !old["program"].is_null();
    const nlohmann::ordered_json& was = recorded ? old["program"] : program;
    if ((same || family) && !restart && was != program) {
      const auto named = [](const nlohmann::ordered_json& j) {
        const auto field = [&j](const char* key) {
          const std::string t = manifest_text(j, key);
          return t.empty() ? std::string("?") : t;
        };
        return fmt::format("cloudwars {} (commit {}, {})", field("version"), field("git_commit"),
                           field("build_settings"));
      };
      throw SweepFolderError(
          fmt::format("{} holds this sweep's runs written by {}, not by this program, {}, whose "
                      "numbers may differ; use --restart to discard them, or --out to choose "
                      "another folder",
                      dir.string(), named(was), named(program)));
    }
    if (family && !restart) {
      const std::int64_t had =
          old.contains("design") ? old["design"].value("replicates", std::int64_t{0}) : 0;
      if (had > 0 && had < sw.spec.replicates) {
        opened.kind = Opened::Kind::extend;
        opened.old_replicates = had;
        opened.manifest = std::move(old);
        return opened;
      }
      throw SweepFolderError(fmt::format(
          "{} holds this sweep with {} replicates; it can be extended to more (--replicates N > "
          "{}) but not cut to {}; use --restart to discard it, or --out to choose another folder",
          dir.string(), had, had, sw.spec.replicates));
    }
    if (!same && !restart) {
      throw SweepFolderError(
          fmt::format("{} holds the results of a different sweep (or a changed sweep file or base "
                      "scenario); use --restart to discard them, or --out to choose another folder",
                      dir.string()));
    }
    if (same && !restart) {
      opened.kind =
          old.value("status", "") == "complete" ? Opened::Kind::complete : Opened::Kind::resume;
      opened.manifest = std::move(old);
      return opened;
    }
    remove_our_files(dir);
  } else if (fs::exists(dir) && folder_has_our_files(dir)) {
    if (!restart) {
      throw SweepFolderError(fmt::format(
          "{} holds result files without a manifest.json; use --restart to discard them",
          dir.string()));
    }
    remove_our_files(dir);
  }
  return opened;
}

// The manifest of a new sweep, status running (output/manifest.hpp).
nlohmann::ordered_json sweep_manifest(const Sweep& sw, const SweepOptions& opt,
                                      const std::string& identity, const std::string& started,
                                      int jobs) {
  SweepSpec spec = sw.spec;
  ManifestStart start;
  start.program = opt.program;
  start.command = "sweep";
  start.file = sw.file;
  start.inputs = sw.inputs;
  start.seed = sw.spec.seed;
  start.details["sweep_identity"] = identity;
  start.details["sweep_identity_without_replicates"] = sweep_identity_without_replicates(sw);
  start.details["overrides"] = sw.overrides;
  start.details["sweep"] = described_to_json([&spec](FieldVisitor& v) { describe(v, spec); });
  start.details["design"] = {
      {"kind", std::string(kDesignKindNames[static_cast<int>(sw.spec.design.kind)])},
      {"points", sw.points()},
      {"replicates", sw.spec.replicates},
      {"runs", sw.runs()},
      {"seeds", std::string(kSeedModeNames[static_cast<int>(sw.spec.seeds)])}};
  start.scenario = &sw.base;
  start.started = started;
  start.jobs = jobs;
  return start_manifest(start);
}

// The files every run appends to, opened where an earlier invocation
// stopped. runs.csv is written last for each run, so its complete rows
// (with all their run_providers.csv rows) say which runs are done; every
// other file is cut back to those runs.
class SweepFiles {
 public:
  // `first`: the first run of the folder's range (a shard's; 0 otherwise).
  SweepFiles(const Sweep& sw, const fs::path& dir, std::int64_t first = 0)
      : series_(sw.spec.step_every > 0),
        lab_series_(sw.spec.step_every > 0 && sw.spec.lab_steps),
        events_on_(sw.spec.events) {
    const std::string h_runs = csv_header(runs_header(sw));
    const std::string h_providers = csv_header(run_providers_header());
    const std::string h_labs = csv_header(run_labs_header(sw.base));
    const std::string h_steps = csv_header(steps_header(sw.base));
    const std::string h_step_providers = csv_header(step_providers_header());
    const std::string h_step_labs = csv_header(step_labs_header());
    const std::string h_events = csv_header(events_header());
    const std::int64_t P = static_cast<std::int64_t>(sw.base.providers.size());
    const std::int64_t N = static_cast<std::int64_t>(sw.base.labs.named.size());
    Scan s_runs = scan_rows(dir / kRuns, sw.runs(), h_runs);
    done_ = first;
    while (s_runs.rows.count(done_)) ++done_;
    // A run is done when its runs.csv row and all its run_providers.csv and
    // run_labs.csv rows are complete (a power loss can tear any of them).
    Scan s_prov = scan_rows(dir / kRunProviders, done_, h_providers);
    Scan s_labs = scan_rows(dir / kRunLabs, done_, h_labs);
    std::int64_t complete = first;
    while (complete < done_ && s_prov.rows[complete] == P && s_labs.rows[complete] == N) {
      ++complete;
    }
    done_ = complete;
    s_runs = scan_rows(dir / kRuns, done_, h_runs);
    s_prov = scan_rows(dir / kRunProviders, done_, h_providers);
    s_labs = scan_rows(dir / kRunLabs, done_, h_labs);

    if (events_on_) {
      const Scan sc = scan_rows(dir / kEvents, done_, h_events);
      events_.open(dir / kEvents, h_events, sc.keep_bytes, sc.has_header);
    }
    runs_.open(dir / kRuns, h_runs, s_runs.keep_bytes, s_runs.has_header);
    providers_.open(dir / kRunProviders, h_providers, s_prov.keep_bytes, s_prov.has_header);
    labs_.open(dir / kRunLabs, h_labs, s_labs.keep_bytes, s_labs.has_header);
    if (series_) {
      const Scan a = scan_rows(dir / kSteps, done_, h_steps);
      const Scan b = scan_rows(dir / kStepProviders, done_, h_step_providers);
      steps_.open(dir / kSteps, h_steps, a.keep_bytes, a.has_header);
      step_providers_.open(dir / kStepProviders, h_step_providers, b.keep_bytes, b.has_header);
    }
    if (lab_series_) {
      const Scan c = scan_rows(dir / kStepLabs, done_, h_step_labs);
      step_labs_.open(dir / kStepLabs, h_step_labs, c.keep_bytes, c.has_header);
    }
  }

  // Runs complete when the files were opened.
  std::int64_t done() const { return done_; }

  // One run's rows: companion files first, runs.csv last, so that a run is
  // done once its runs.csv row is complete.
  void write(const RunOutput& o) {
    if (series_) {
      steps_.write(o.steps);
      step_providers_.write(o.step_providers);
      steps_.flush();
      step_providers_.flush();
    }
    if (lab_series_) {
      step_labs_.write(o.step_labs);
      step_labs_.flush();
    }
    if (events_on_) {
      events_.write(o.events);
      events_.flush();
    }
    providers_.write(o.providers);
    providers_.flush();
    labs_.write(o.labs);
    labs_.flush();
    runs_.write(o.runs);
    runs_.flush();
  }

  void sync() {
    if (series_) {
      steps_.sync();
      step_providers_.sync();
    }
    if (lab_series_) step_labs_.sync();
    if (events_on_) events_.sync();
    providers_.sync();
    labs_.sync();
    runs_.sync();
  }

  void close() {
    if (series_) {
      steps_.close();
      step_providers_.close();
    }
    if (lab_series_) step_labs_.close();
    if (events_on_) events_.close();
    providers_.close();
    labs_.close();
    runs_.close();
  }

 private:
  bool series_, lab_series_, events_on_;
  std::int64_t done_ = 0;
  Appender runs_, providers_, labs_, steps_, step_providers_, step_labs_, events_;
};

// Runs [from, end) on `jobs` threads with the ordered pipeline: read
// run ids in order, run them in parallel, write their rows in run_id order.
// Stops taking new runs on SIGINT/SIGTERM. Counts into result.ran and
// result.failed; returns the number of runs now in the files.
// A driver (MPI, batch/mpi.hpp) runs them elsewhere instead; `first`
// is where the folder's range starts (progress counts from it).
std::int64_t run_pipeline(const Sweep& sw, int jobs, std::int64_t first, std::int64_t from,
                          std::int64_t end, SweepFiles& files, Progress& progress,
                          SweepResult& result, const RunDriver& driver) {
  std::int64_t written = from;
  auto last_sync = std::chrono::steady_clock::now();
  const std::function<RunOutput(std::int64_t)> run = [&sw](std::int64_t k) {
    return execute(sw, k);
  };
  const std::function<bool(RunOutput &&)> sink = [&](RunOutput&& o) {
    files.write(o);
    ++written;
    ++result.ran;
    if (o.failed) ++result.failed;
    progress.update(written - first);
    const auto now = std::chrono::steady_clock::now();
    if (now - last_sync > std::chrono::seconds(2)) {
      files.sync();
      last_sync = now;
    }
    return true;
  };
  if (driver) {
    driver(from, end, sink);
  } else {
    run_in_order(jobs, from, end, run, sink);
  }
  return written;
}

// After the last run: points.csv, then the manifest marked complete, then
// compression. The manifest says complete before compression, so that a
// kill while compressing is finished by the next call instead of redoing
// the runs.
void finish_sweep(const Sweep& sw, const fs::path& dir, nlohmann::ordered_json& manifest, int jobs,
                  SweepResult& result) {
  result.complete = true;
  result.failed = write_points(sw, dir);
  finish_manifest(manifest, jobs);
  manifest["runs_failed"] = result.failed;
  write_manifest(dir, manifest);
  if (sw.spec.gzip) gzip_data_files(dir);
}

}  // namespace

SweepResult run_sweep(const Sweep& sw, const SweepOptions& opt) {
  SweepResult result;
  result.dir = opt.out.empty() ? fs::path("results") / sw.spec.name : opt.out;
  const fs::path& dir = result.dir;
  const std::string identity = sweep_identity(sw);
  // A shard (batch/cluster.hpp) runs and counts only its range of runs.
  const RunRange range = shard_range(sw.runs(), opt.shard);
  result.total = range.end - range.first;
  check_shard_folder(dir, opt.shard, identity, opt.restart);

  Opened opened = open_folder(dir, sw, identity, opt.program, opt.restart);
  if (opened.kind == Opened::Kind::complete) {
    result.complete = true;
    result.resumed_from = result.total;
    result.failed = opened.manifest.value("runs_failed", std::int64_t{0});
    if (sw.spec.gzip) gzip_data_files(dir);  // killed while compressing: finish it
    return result;
  }
  fs::create_directories(dir);

  const int jobs = opt.jobs > 0 ? opt.jobs : default_jobs();
  nlohmann::ordered_json manifest = std::move(opened.manifest);
  if (opened.kind == Opened::Kind::fresh) {
    manifest = sweep_manifest(sw, opt, identity, utc_now(), jobs);
    if (opt.shard.sharded()) manifest["shard"] = shard_json(opt.shard, range);
    write_manifest(dir, manifest);
  }
  if (opened.kind == Opened::Kind::extend) {
    // The manifest of the larger sweep first (a kill from here on resumes
    // it), then the finished sweep's points.csv goes and its compressed
    // files are unpacked, to be appended to.
    const std::string started = manifest.value("started", utc_now());
    manifest = sweep_manifest(sw, opt, identity, started, jobs);
    write_manifest(dir, manifest);
    fs::remove(dir / kPoints);
    fs::remove(dir / (std::string(kPoints) + ".gz"));
    for (const char* f : kDataFiles) gunzip_file(dir / (std::string(f) + ".gz"));
    result.extended_from = opened.old_replicates;
  }
  if (!fs::exists(dir / kDesign)) write_design(sw, dir);

  SweepFiles files(sw, dir, range.first);
  const std::int64_t done = files.done();
  result.resumed_from = done - range.first;
  std::int64_t end = range.end;
  if (opt.max_runs > 0)
    end = std::min<std::int64_t>(end, done + static_cast<std::int64_t>(opt.max_runs));
  Progress progress(opt.progress, result.total, result.resumed_from);
  const std::int64_t written =
      run_pipeline(sw, jobs, range.first, done, end, files, progress, result, opt.driver);
  progress.finish(written - range.first);
  files.close();

  if (written < range.end) return result;  // interrupted or limited: resume later
  if (opt.shard.sharded()) {
    // A shard: no points.csv (merge writes it for the whole sweep).
    result.complete = true;
    finish_manifest(manifest, jobs);
    write_manifest(dir, manifest);
    if (sw.spec.gzip) gzip_data_files(dir);
    return result;
  }
  finish_sweep(sw, dir, manifest, jobs, result);
  return result;
}

// ---- Pieces reused by shards, merge and MPI (batch/sweep_parts.hpp) ----

RunOutput execute_sweep_run(const Sweep& sw, std::int64_t run_id) { return execute(sw, run_id); }

namespace sweep_parts {

std::vector<FileHeader> appended_files(const Sweep& sw) {
  std::vector<FileHeader> files = {{kRuns, csv_header(runs_header(sw))},
                                   {kRunProviders, csv_header(run_providers_header())},
                                   {kRunLabs, csv_header(run_labs_header(sw.base))}};
  if (sw.spec.step_every > 0) {
    files.push_back({kSteps, csv_header(steps_header(sw.base))});
    files.push_back({kStepProviders, csv_header(step_providers_header())});
    if (sw.spec.lab_steps) files.push_back({kStepLabs, csv_header(step_labs_header())});
  }
  if (sw.spec.events) files.push_back({kEvents, csv_header(events_header())});
  return files;
}

void write_design_file(const Sweep& sw, const fs::path& dir) { write_design(sw, dir); }

std::int64_t write_points_file(const Sweep& sw, const fs::path& dir) {
  return write_points(sw, dir);
}

void compress_data_files(const fs::path& dir) { gzip_data_files(dir); }

nlohmann::ordered_json new_manifest(const Sweep& sw, const nlohmann::ordered_json& program,
                                    const std::string& started, int jobs) {
  SweepOptions opt;
  opt.program = program;
  return sweep_manifest(sw, opt, sweep_identity(sw), started, jobs);
}

}  // namespace sweep_parts

}  // namespace cw
