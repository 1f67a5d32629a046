#include "batch/cluster.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <sched.h>
#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <thread>

#include "batch/runner.hpp"
#include "batch/sweep_parts.hpp"
#include "output/csv.hpp"
#include "output/manifest.hpp"

namespace cw {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

int default_jobs() {
  // The CPUs of this process's affinity mask (taskset, a batch system's
  // cgroup cpuset), not all the machine's.
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    const int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

RunRange shard_range(std::int64_t runs, const ShardSpec& shard) {
  if (!shard.sharded()) return {0, runs};
  // Floor of runs * k / n, as q k + floor(r k / n) with runs = q n + r (no overflow).
  const std::int64_t n = shard.count, q = runs / n, r = runs % n;
  const auto cut = [&](std::int64_t k) { return q * k + r * k / n; };
  return {cut(shard.index - 1), cut(shard.index)};
}

ShardSpec parse_shard(const std::string& text) {
  const auto slash = text.find('/');
  const auto number = [](const std::string& s) -> std::int64_t {
    if (s.empty() || s.size() > 9 ||
        !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return -1;
    }
    return std::stoll(s);
  };
  ShardSpec s;
  if (slash != std::string::npos) {
    s.index = number(text.substr(0, slash));
    s.count = number(text.substr(slash + 1));
  }
  if (slash == std::string::npos || s.index < 1 || s.count < 1 || s.index > s.count) {
    throw std::invalid_argument(
        fmt::format("--shard {}: expected i/n with 1 <= i <= n, e.g. 2/8", text));
  }
  return s;
}

Json shard_json(const ShardSpec& shard, const RunRange& range) {
  return {{"index", shard.index},
          {"count", shard.count},
          {"first_run", range.first},
          {"end_run", range.end}};
}

namespace {

std::optional<Json> read_manifest(const fs::path& dir) {
  std::ifstream in(dir / "manifest.json");
  if (!in) return std::nullopt;
  Json m = Json::parse(in, nullptr, false);
  if (m.is_discarded() || !m.is_object()) return std::nullopt;
  return m;
}

std::string shard_text(const Json& shard) {
  return fmt::format("{}/{}", shard.value("index", std::int64_t{0}),
                     shard.value("count", std::int64_t{0}));
}

}  // namespace

void check_shard_folder(const fs::path& dir, const ShardSpec& shard, const std::string& identity,
                        bool restart) {
  if (restart) return;
  const auto m = read_manifest(dir);
  if (!m) return;  // no manifest: the runner's own checks apply
  const bool has = m->contains("shard") && (*m)["shard"].is_object();
  if (!shard.sharded()) {
    if (has) {
      throw SweepFolderError(
          fmt::format("{} holds shard {} of a sweep, not a whole sweep; merge the shards with "
                      "`cloudwars merge` into another folder, or use --restart or --out",
                      dir.string(), shard_text((*m)["shard"])));
    }
    return;
  }
  const std::string want = fmt::format("{}/{}", shard.index, shard.count);
  if (!has) {
    throw SweepFolderError(fmt::format(
        "{} holds a whole sweep, not shard {}; give each shard its own --out, or use --restart",
        dir.string(), want));
  }
  if (shard_text((*m)["shard"]) != want) {
    throw SweepFolderError(fmt::format(
        "{} holds shard {}, not shard {}; give each shard its own --out, or use --restart",
        dir.string(), shard_text((*m)["shard"]), want));
  }
  if (m->value("sweep_identity", "") != identity) {
    throw SweepFolderError(fmt::format(
        "{} holds shard {} of a different sweep (a changed sweep file, base, --set or "
        "--replicates: shards cannot be extended); use --restart to discard it, or another --out",
        dir.string(), want));
  }
}

// ---- RunOutput as bytes -------------------------------------------------

namespace {

void put_u64(std::string& out, std::uint64_t v) {
  char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  out.append(b, 8);
}

std::uint64_t get_u64(std::string_view bytes, std::size_t& at) {
  if (at + 8 > bytes.size()) throw std::runtime_error("truncated run output message");
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) {
    v |= static_cast<std::uint64_t>(static_cast<unsigned char>(bytes[at + i])) << (8 * i);
  }
  at += 8;
  return v;
}

template <class F>
void for_each_text(RunOutput& o, F&& f) {
  for (std::string* s :
       {&o.runs, &o.providers, &o.labs, &o.steps, &o.step_providers, &o.step_labs, &o.events}) {
    f(*s);
  }
}

}  // namespace

std::string serialize(const RunOutput& o) {
  std::string out;
  put_u64(out, static_cast<std::uint64_t>(o.run_id));
  put_u64(out, o.failed ? 1 : 0);
  RunOutput& m = const_cast<RunOutput&>(o);  // for_each_text only reads here
  for_each_text(m, [&](std::string& s) {
    put_u64(out, s.size());
    out += s;
  });
  return out;
}

RunOutput deserialize_run_output(std::string_view bytes) {
  RunOutput o;
  std::size_t at = 0;
  o.run_id = static_cast<std::int64_t>(get_u64(bytes, at));
  o.failed = get_u64(bytes, at) != 0;
  for_each_text(o, [&](std::string& s) {
    const std::uint64_t n = get_u64(bytes, at);
    if (at + n > bytes.size()) throw std::runtime_error("truncated run output message");
    s.assign(bytes.substr(at, n));
    at += n;
  });
  return o;
}

// ---- merge --------------------------------------------------------------

PartOrigin part_origin(const fs::path& part) {
  const auto m = read_manifest(part);
  if (!m || m->value("command", "") != "sweep" || !m->contains("shard")) {
    throw MergeError(fmt::format(
        "{}: not a shard folder (no manifest.json of `cloudwars sweep ... --shard i/n`)",
        part.string()));
  }
  PartOrigin o;
  o.file = m->value("file", "");
  if (m->contains("overrides")) o.sets = (*m)["overrides"].get<std::vector<std::string>>();
  if (m->contains("design")) o.replicates = (*m)["design"].value("replicates", std::int64_t{0});
  return o;
}

LineReader::LineReader(const fs::path& file) : path_(file) {
  gzFile f = gzopen(file.c_str(), "rb");
  if (!f) throw MergeError(fmt::format("cannot read {}", file.string()));
  gzbuffer(f, 1 << 20);
  f_ = f;
}

LineReader::~LineReader() {
  if (f_) gzclose(static_cast<gzFile>(f_));
}

bool LineReader::next(std::string& line) {
  line.clear();
  for (;;) {
    if (pos_ < buf_.size()) {
      const auto nl = buf_.find('\n', pos_);
      if (nl != std::string::npos) {
        line.append(buf_, pos_, nl - pos_);
        pos_ = nl + 1;
        return true;
      }
      line.append(buf_, pos_, std::string::npos);
    }
    buf_.resize(1 << 20);
    const int got =
        gzread(static_cast<gzFile>(f_), buf_.data(), static_cast<unsigned>(buf_.size()));
    if (got < 0) throw MergeError(fmt::format("cannot read {}", path_.string()));
    buf_.resize(static_cast<std::size_t>(got));
    pos_ = 0;
    if (got == 0) {
      if (!line.empty()) {
        throw MergeError(fmt::format("{} ends in a partial line", path_.string()));
      }
      return false;
    }
  }
}

std::int64_t leading_run_id(const std::string& line) {
  std::int64_t v = 0;
  std::size_t i = 0;
  for (; i < line.size() && line[i] >= '0' && line[i] <= '9'; ++i) v = v * 10 + (line[i] - '0');
  return i == 0 || i > 18 ? -1 : v;
}

std::string runs_text(std::int64_t first, std::int64_t end) {
  return end - first == 1 ? fmt::format("run {}", first)
                          : fmt::format("runs {}-{}", first, end - 1);
}

std::string manifest_text(const Json& m, const std::string& key) {
  const auto it = m.find(key);
  return it != m.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::vector<ShardPart> check_shard_parts(const std::vector<fs::path>& dirs, const ShardRules& rules,
                                         const fs::path& out) {
  if (dirs.empty()) throw MergeError("no parts to merge");
  const std::string& what = rules.command;
  std::vector<ShardPart> parts;
  for (const auto& d : dirs) {
    const auto m = read_manifest(d);
    if (!m || !m->contains("shard")) {
      throw MergeError(
          fmt::format("{}: not a shard folder (no manifest.json of `cloudwars {} ... --shard i/n`)",
                      d.string(), what));
    }
    if (!m->contains("command") || (*m)["command"] != what) {
      throw MergeError(
          fmt::format("{}: a shard of a {}, not of a {} like {}; merge only the "
                      "shards of one {}",
                      d.string(), manifest_text(*m, "command"), what, dirs.front().string(), what));
    }
    ShardPart p;
    p.dir = d;
    p.manifest = *m;
    // Every field the merge reads, of the type it reads: a manifest edited
    // by hand is refused here, naming the part, before anything is written.
    try {
      const Json& s = p.manifest.at("shard");
      p.index = s.at("index").get<std::int64_t>();
      p.count = s.at("count").get<std::int64_t>();
      p.first = s.at("first_run").get<std::int64_t>();
      p.end = s.at("end_run").get<std::int64_t>();
      (void)p.manifest.value(rules.identity_key, std::string());
      (void)p.manifest.value("status", std::string());
      (void)p.manifest.value("started", std::string());
      (void)p.manifest.value("jobs", 1);
      (void)p.manifest.value("program", Json::object());
    } catch (const nlohmann::json::exception&) {
      throw MergeError(fmt::format(
          "{}: its manifest.json is not a shard's (a field is missing or of another type)",
          d.string()));
    }
    parts.push_back(std::move(p));
  }
  const ShardPart& ref = parts.front();
  for (const ShardPart& p : parts) {
    // Inputs first: an edited scenario changes the identity too, and the
    // hashes say which files changed.
    if (p.manifest.value("inputs", Json::object()) != rules.inputs) {
      throw MergeError(fmt::format(
          "{}: its input files' hashes (manifest.json \"inputs\") differ from the files now: "
          "{} changed since the shard ran",
          p.dir.string(), rules.inputs_hint));
    }
    if (p.manifest.value(rules.identity_key, "") != rules.identity) {
      throw MergeError(fmt::format(
          "{}: a shard of a different {} than {} ({} identity differs: {}); merge only the "
          "shards of one {}",
          p.dir.string(), what, ref.dir.string(), what, rules.identity_hint, what));
    }
    if (p.manifest.value("program", Json::object()) != ref.manifest.value("program", Json())) {
      const Json& a = ref.manifest["program"];
      const Json& b = p.manifest["program"];
      throw MergeError(fmt::format(
          "{} was written by cloudwars {} (commit {}, {}), {} by {} (commit {}, {}); merge only "
          "parts run by one binary",
          p.dir.string(), b.value("version", "?"), b.value("git_commit", "?"),
          b.value("build_settings", "?"), ref.dir.string(), a.value("version", "?"),
          a.value("git_commit", "?"), a.value("build_settings", "?")));
    }
    if (p.count != ref.count) {
      throw MergeError(fmt::format(
          "{} is shard {}/{} but {} is shard {}/{}: parts of different "
          "splits of the {} cannot be merged",
          p.dir.string(), p.index, p.count, ref.dir.string(), ref.index, ref.count, what));
    }
    if (p.index < 1 || p.index > p.count) {
      throw MergeError(
          fmt::format("{}: its manifest's shard does not fit the {}", p.dir.string(), what));
    }
  }
  std::sort(parts.begin(), parts.end(),
            [](const ShardPart& a, const ShardPart& b) { return a.index < b.index; });
  for (std::size_t i = 1; i < parts.size(); ++i) {
    if (parts[i].index == parts[i - 1].index) {
      throw MergeError(fmt::format("shard {}/{} given twice: {} and {}", parts[i].index,
                                   parts[i].count, parts[i - 1].dir.string(),
                                   parts[i].dir.string()));
    }
  }
  if (static_cast<std::int64_t>(parts.size()) != ref.count) {
    std::vector<std::string> missing;
    std::size_t j = 0;
    for (std::int64_t k = 1; k <= ref.count; ++k) {
      if (j < parts.size() && parts[j].index == k) {
        ++j;
      } else {
        missing.push_back(fmt::format("{}/{}", k, ref.count));
      }
    }
    throw MergeError(fmt::format("incomplete: shard{} {} missing; merge needs all {} parts",
                                 missing.size() > 1 ? "s" : "", fmt::join(missing, ", "),
                                 ref.count));
  }
  for (const ShardPart& p : parts) {
    if (p.manifest.value("status", "") != "complete") {
      throw MergeError(fmt::format(
          "{}: shard {}/{} is not finished; run its `cloudwars {} ... --shard {}/{}` command "
          "again to finish it",
          p.dir.string(), p.index, p.count, what, p.index, p.count));
    }
  }
  // The output folder: new, or an earlier merge of this job (replaced).
  if (const auto m = read_manifest(out)) {
    if (m->contains("shard") || manifest_text(*m, rules.identity_key) != rules.identity) {
      throw MergeError(
          fmt::format("--out {} holds other results (another {} or a shard); choose a new folder",
                      out.string(), what));
    }
  }
  for (const ShardPart& p : parts) {
    std::error_code ec;
    if (fs::exists(out) && fs::equivalent(out, p.dir, ec)) {
      throw MergeError(
          fmt::format("--out {} is one of the parts; choose a new folder", out.string()));
    }
  }
  return parts;
}

PartsTimes parts_times(const std::vector<ShardPart>& parts) {
  PartsTimes t;
  t.started = parts.front().manifest.value("started", "");
  for (const ShardPart& p : parts) {
    t.started = std::min(t.started, p.manifest.value("started", t.started));
    t.jobs = std::max(t.jobs, p.manifest.value("jobs", 1));
  }
  return t;
}

MergeStaging::MergeStaging(const fs::path& out) : dir_(out / ".merge-staging") {
  fs::remove_all(dir_);
  fs::create_directories(dir_);
}

MergeStaging::~MergeStaging() {
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

namespace {

fs::path data_file(const fs::path& dir, const std::string& name) {
  if (fs::exists(dir / name)) return dir / name;
  return dir / (name + ".gz");
}

}  // namespace

MergeResult merge_sweep_parts(const Sweep& sw, const std::vector<fs::path>& dirs,
                              const fs::path& out) {
  ShardRules rules;
  rules.command = "sweep";
  rules.identity_key = "sweep_identity";
  rules.identity = sweep_identity(sw);
  rules.identity_hint = "another sweep file, base scenario, --set or --replicates";
  // The inputs' hashes now, to compare with the parts' (a sweep file edited
  // in a way that resolves to the same sweep still counts as changed).
  rules.inputs = sweep_parts::new_manifest(sw, Json::object(), "", 1)["inputs"];
  rules.inputs_hint = "the sweep file or base scenario";
  std::vector<ShardPart> parts = check_shard_parts(dirs, rules, out);
  for (const ShardPart& p : parts) {
    const RunRange r = shard_range(sw.runs(), {p.index, p.count});
    if (r.first != p.first || r.end != p.end) {
      throw MergeError(
          fmt::format("{}: its manifest's shard does not fit the sweep", p.dir.string()));
    }
  }
  const ShardPart& ref = parts.front();
  fs::create_directories(out);

  MergeResult result;
  result.dir = out;
  result.parts = static_cast<std::int64_t>(parts.size());
  result.runs = sw.runs();
  const MergeStaging staging(out);
  const fs::path& stage = staging.dir();
  std::string line;
  const auto appended = sweep_parts::appended_files(sw);
  for (const auto& f : appended) {
    const bool runs_file = f.name == "runs.csv";
    AtomicFile w(stage / f.name);
    w.write(f.header);
    for (const ShardPart& p : parts) {
      const fs::path file = data_file(p.dir, f.name);
      LineReader in(file);
      if (!in.next(line) || line + "\n" != f.header) {
        throw MergeError(fmt::format("{}: missing or other header", file.string()));
      }
      std::int64_t expect = p.first, last = p.first;
      std::string chunk;
      while (in.next(line)) {
        const std::int64_t id = leading_run_id(line);
        if (id < last || id >= p.end) {
          throw MergeError(fmt::format("{}: a row of run {} outside its {} or out of order",
                                       file.string(), id, runs_text(p.first, p.end)));
        }
        if (runs_file) {
          if (id != expect) {
            throw MergeError(
                fmt::format("{}: run {} where run {} should be", file.string(), id, expect));
          }
          ++expect;
        }
        last = id;
        chunk += line;
        chunk += '\n';
        if (chunk.size() > (1u << 20)) {
          w.write(chunk);
          chunk.clear();
        }
      }
      w.write(chunk);
      if (runs_file && expect != p.end) {
        throw MergeError(fmt::format("{}: has {} of its {} ({} rows missing)", file.string(),
                                     runs_text(p.first, expect), runs_text(p.first, p.end),
                                     p.end - expect));
      }
    }
    w.commit();
  }
  fs::remove(out / "manifest.json");  // an earlier merge's, no longer true from here on
  for (const auto& f : appended) fs::rename(stage / f.name, out / f.name);
  // Stale files an earlier merge of a sweep with more outputs left behind.
  for (const char* f : {"steps.csv", "step_providers.csv", "step_labs.csv", "events.csv"}) {
    const auto files = sweep_parts::appended_files(sw);
    if (std::none_of(files.begin(), files.end(), [&](const auto& x) { return x.name == f; })) {
      fs::remove(out / f);
    }
  }
  for (const auto& e : fs::directory_iterator(out)) {
    if (e.path().extension() == ".gz") fs::remove(e.path());
  }
  sweep_parts::write_design_file(sw, out);
  result.failed = sweep_parts::write_points_file(sw, out);
  // The manifest of the whole sweep: the parts' program, their earliest
  // start; finished now.
  const PartsTimes times = parts_times(parts);
  Json manifest = sweep_parts::new_manifest(sw, ref.manifest["program"], times.started, times.jobs);
  finish_manifest(manifest, times.jobs);
  manifest["runs_failed"] = result.failed;
  write_manifest(out, manifest);
  if (sw.spec.gzip) sweep_parts::compress_data_files(out);
  return result;
}

}  // namespace cw
