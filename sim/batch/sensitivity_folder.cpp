#include "batch/sensitivity_folder.hpp"

#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "output/csv.hpp"

namespace cw {

namespace fs = std::filesystem;

namespace {

using Error = SensitivityFolderError;

const char* method_name(SensitivityMethod m) {
  return m == SensitivityMethod::sobol ? "sobol" : "morris";
}

// The text of DIR/NAME, or of DIR/NAME.gz (a sweep with output.gzip).
std::string read_data_file(const fs::path& dir, const std::string& name) {
  if (fs::exists(dir / name)) {
    std::ifstream in(dir / name, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    if (!in) throw Error(fmt::format("cannot read {}", (dir / name).string()));
    return s.str();
  }
  const fs::path gz = dir / (name + ".gz");
  if (!fs::exists(gz)) {
    throw Error(fmt::format("{} has no {} (nor {}.gz): is it a finished sweep's results folder?",
                            dir.string(), name, name));
  }
  gzFile f = gzopen(gz.c_str(), "rb");
  if (f == nullptr) throw Error(fmt::format("cannot read {}", gz.string()));
  std::string text;
  char buffer[1 << 16];
  int got = 0;
  while ((got = gzread(f, buffer, sizeof buffer)) > 0)
    text.append(buffer, static_cast<std::size_t>(got));
  const bool bad = got < 0;
  gzclose(f);
  if (bad) throw Error(fmt::format("{} is not a valid gzip file", gz.string()));
  return text;
}

std::vector<std::vector<std::string>> csv_rows(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    if (end > start)
      rows.push_back(split_csv_line(std::string_view(text).substr(start, end - start)));
    start = end + 1;
  }
  return rows;
}

// A cell as a number: a float or integer, or true/false as 1/0. nullopt
// for an empty cell; `text` set for anything else.
std::optional<double> number_of(const std::string& cell, bool& text) {
  if (cell.empty()) return std::nullopt;
  if (cell == "true") return 1.0;
  if (cell == "false") return 0.0;
  char* end = nullptr;
  const double x = std::strtod(cell.c_str(), &end);
  if (end != cell.c_str() + cell.size()) {
    text = true;
    return std::nullopt;
  }
  return x;
}

std::int64_t integer_of(const std::string& cell, const std::string& what) {
  char* end = nullptr;
  const long long v = std::strtoll(cell.c_str(), &end, 10);
  if (cell.empty() || end != cell.c_str() + cell.size()) {
    throw Error(fmt::format("{}: '{}' is not an integer", what, cell));
  }
  return v;
}

struct Folder {
  std::string name;
  std::uint64_t seed = 0;
  std::int64_t replicates = 0, runs = 0;
  std::vector<std::string> paths;
  // design.csv
  std::vector<std::int64_t> group;
  std::vector<std::string> role;
  std::vector<std::vector<double>> unit;
  // runs.csv and run_providers.csv, per point and outcome: the replicate
  // mean, if every run of the point is ok and has a value.
  std::vector<std::string> outcomes, skipped;
  std::vector<std::vector<std::optional<double>>> mean;  // [point][outcome]
  std::vector<bool> point_failed;                        // some run not ok
  std::int64_t runs_failed = 0;
};

void read_manifest(const fs::path& dir, SensitivityMethod method, Folder& f) {
  const fs::path file = dir / "manifest.json";
  if (!fs::exists(file)) {
    throw Error(fmt::format("{} not found: {} is not a sweep's results folder", file.string(),
                            dir.string()));
  }
  std::ifstream in(file);
  const auto m = nlohmann::ordered_json::parse(in, nullptr, false);
  if (m.is_discarded() || !m.is_object())
    throw Error(fmt::format("{} is not valid JSON", file.string()));
  if (m.value("command", "") != "sweep") {
    throw Error(fmt::format("{} was not written by `cloudwars sweep`", dir.string()));
  }
  try {
    const auto& design = m.at("design");
    const std::string kind = design.at("kind").get<std::string>();
    if (kind != method_name(method)) {
      throw Error(
          fmt::format("{} holds a sweep with design kind {}; `cloudwars {}` needs design kind {} "
                      "(e.g. configs/sweeps/{})",
                      dir.string(), kind, method_name(method), method_name(method),
                      method == SensitivityMethod::sobol ? "sobol-concentration.yaml"
                                                         : "morris-incumbent.yaml"));
    }
    if (m.value("status", "") != "complete") {
      throw Error(fmt::format(
          "the sweep in {} is not complete: run the same `cloudwars sweep` command to finish it",
          dir.string()));
    }
    f.name = m.at("sweep").at("name").get<std::string>();
    f.seed = m.at("seed").get<std::uint64_t>();
    f.replicates = design.at("replicates").get<std::int64_t>();
    f.runs = design.at("runs").get<std::int64_t>();
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("{}: missing or mistyped key ({})", file.string(), e.what()));
  }
}

void read_design(const fs::path& dir, SensitivityMethod method, Folder& f) {
  const auto rows = csv_rows(read_data_file(dir, "design.csv"));
  if (rows.empty() || rows[0].size() < 3 || rows[0][0] != "point_id" || rows[0][1] != "group" ||
      rows[0][2] != "role") {
    throw Error(fmt::format("{}: not a sweep's design.csv header", (dir / "design.csv").string()));
  }
  const auto& h = rows[0];
  const std::size_t k = (h.size() - 3) / 2;
  if (k == 0 || h.size() != 3 + 2 * k) {
    throw Error(fmt::format("{}: expected the varied paths and their u: columns",
                            (dir / "design.csv").string()));
  }
  f.paths.assign(h.begin() + 3, h.begin() + 3 + static_cast<std::ptrdiff_t>(k));
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const auto& r = rows[i];
    const std::string where = fmt::format("design.csv row {}", i);
    if (r.size() != h.size()) throw Error(where + ": wrong number of cells");
    if (integer_of(r[0], where) != static_cast<std::int64_t>(i - 1)) {
      throw Error(where + ": point ids are not 0, 1, 2, ...");
    }
    f.group.push_back(integer_of(r[1], where));
    f.role.push_back(r[2]);
    std::vector<double> u(k);
    for (std::size_t c = 0; c < k; ++c) {
      bool text = false;
      const auto x = number_of(r[3 + k + c], text);
      if (!x) throw Error(where + ": a u: cell is not a number");
      u[c] = *x;
    }
    f.unit.push_back(std::move(u));
  }
  (void)method;
}

// Sums and counts of every outcome column per point, over ok runs.
struct Sums {
  std::vector<std::string> names;
  std::vector<std::vector<double>> sum;          // [point][column]
  std::vector<std::vector<std::int64_t>> count;  // [point][column]
  std::vector<bool> text, any;                   // [column]

  std::size_t column(const std::string& name, std::size_t points) {
    names.push_back(name);
    sum.resize(points);
    count.resize(points);
    for (std::size_t p = 0; p < points; ++p) {
      sum[p].push_back(0.0);
      count[p].push_back(0);
    }
    text.push_back(false);
    any.push_back(false);
    return names.size() - 1;
  }
  void add(std::size_t point, std::size_t c, const std::string& cell) {
    bool is_text = false;
    const auto x = number_of(cell, is_text);
    if (is_text) text[c] = true;
    if (!x) return;
    any[c] = true;
    sum[point][c] += *x;
    ++count[point][c];
  }
};

// runs.csv: the outcome columns after the varied paths. Fills `run_point`
// and `run_ok` (by run_id) for run_providers.csv.
void read_runs(const fs::path& dir, Folder& f, Sums& sums, std::vector<std::int64_t>& run_point,
               std::vector<bool>& run_ok, std::vector<std::int64_t>& ok) {
  const auto rows = csv_rows(read_data_file(dir, "runs.csv"));
  const std::vector<std::string> keys = {"run_id", "point_id", "replicate",
                                         "seed",   "status",   "message"};
  const std::size_t k = f.paths.size();
  if (rows.empty() || rows[0].size() < keys.size() + k ||
      !std::equal(keys.begin(), keys.end(), rows[0].begin()) ||
      !std::equal(f.paths.begin(), f.paths.end(), rows[0].begin() + 6)) {
    throw Error(fmt::format("{}: its header does not match design.csv ({}, then the varied paths)",
                            (dir / "runs.csv").string(),
                            "run_id, point_id, replicate, seed, status, message"));
  }
  const std::size_t first = keys.size() + k;
  const std::size_t P = f.group.size();
  if (static_cast<std::int64_t>(rows.size() - 1) != f.runs) {
    throw Error(fmt::format("{}: {} runs, the manifest says {}", (dir / "runs.csv").string(),
                            rows.size() - 1, f.runs));
  }
  for (std::size_t c = first; c < rows[0].size(); ++c) sums.column(rows[0][c], P);
  ok.assign(P, 0);
  f.point_failed.assign(P, false);
  run_point.assign(rows.size() - 1, -1);
  run_ok.assign(rows.size() - 1, false);
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const auto& r = rows[i];
    const std::string where = fmt::format("runs.csv row {}", i);
    if (r.size() != rows[0].size()) throw Error(where + ": wrong number of cells");
    if (integer_of(r[0], where) != static_cast<std::int64_t>(i - 1)) {
      throw Error(where + ": run ids are not 0, 1, 2, ...");
    }
    const std::int64_t point = integer_of(r[1], where);
    if (point < 0 || static_cast<std::size_t>(point) >= P)
      throw Error(where + ": unknown point_id");
    const auto p = static_cast<std::size_t>(point);
    run_point[i - 1] = point;
    if (r[4] != "ok") {
      f.point_failed[p] = true;
      ++f.runs_failed;
      continue;
    }
    run_ok[i - 1] = true;
    ++ok[p];
    for (std::size_t c = first; c < r.size(); ++c) sums.add(p, c - first, r[c]);
  }
}

// run_providers.csv (if present): every numeric column of every provider
// as outcome providers[NAME].COLUMN, in order of first appearance.
void read_run_providers(const fs::path& dir, Sums& sums, const std::vector<std::int64_t>& run_point,
                        const std::vector<bool>& run_ok) {
  const std::string name = "run_providers.csv";
  if (!fs::exists(dir / name) && !fs::exists(dir / (name + ".gz"))) return;
  const auto rows = csv_rows(read_data_file(dir, name));
  if (rows.empty() || rows[0].size() < 2 || rows[0][0] != "run_id" || rows[0][1] != "provider") {
    throw Error(fmt::format("{}: not a sweep's run_providers.csv header", (dir / name).string()));
  }
  const std::size_t P = sums.sum.size();
  std::map<std::string, std::size_t> column_of;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const auto& r = rows[i];
    const std::string where = fmt::format("{} row {}", name, i);
    if (r.size() != rows[0].size()) throw Error(where + ": wrong number of cells");
    const std::int64_t run = integer_of(r[0], where);
    if (run < 0 || static_cast<std::size_t>(run) >= run_point.size()) {
      throw Error(where + ": unknown run_id");
    }
    for (std::size_t c = 2; c < r.size(); ++c) {
      const std::string outcome = fmt::format("providers[{}].{}", r[1], rows[0][c]);
      auto it = column_of.find(outcome);
      if (it == column_of.end()) it = column_of.emplace(outcome, sums.column(outcome, P)).first;
      if (run_ok[static_cast<std::size_t>(run)]) {
        sums.add(static_cast<std::size_t>(run_point[static_cast<std::size_t>(run)]), it->second,
                 r[c]);
      }
    }
  }
}

void read_outcomes(const fs::path& dir, Folder& f) {
  Sums sums;
  std::vector<std::int64_t> run_point, ok;
  std::vector<bool> run_ok;
  read_runs(dir, f, sums, run_point, run_ok, ok);
  read_run_providers(dir, sums, run_point, run_ok);
  std::vector<std::size_t> cols;
  for (std::size_t c = 0; c < sums.names.size(); ++c) {
    if (sums.text[c] || !sums.any[c]) {
      f.skipped.push_back(sums.names[c]);
    } else {
      f.outcomes.push_back(sums.names[c]);
      cols.push_back(c);
    }
  }
  const std::size_t P = f.group.size();
  f.mean.assign(P, std::vector<std::optional<double>>(cols.size()));
  for (std::size_t p = 0; p < P; ++p) {
    if (ok[p] != f.replicates) continue;
    for (std::size_t o = 0; o < cols.size(); ++o) {
      if (sums.count[p][cols[o]] == f.replicates) {
        f.mean[p][o] = sums.sum[p][cols[o]] / static_cast<double>(f.replicates);
      }
    }
  }
}

// The points of each group (base sample, trajectory) in point order, groups
// in order of their ids.
std::vector<std::vector<std::size_t>> groups_of(const Folder& f) {
  std::map<std::int64_t, std::vector<std::size_t>> g;
  for (std::size_t p = 0; p < f.group.size(); ++p) g[f.group[p]].push_back(p);
  std::vector<std::vector<std::size_t>> out;
  for (auto& [id, pts] : g) out.push_back(std::move(pts));
  return out;
}

// Sobol: each base sample's points by role: A, B, AB1..ABk.
std::vector<std::vector<std::size_t>> sobol_units(const Folder& f) {
  const std::size_t k = f.paths.size();
  std::vector<std::vector<std::size_t>> units;
  for (const auto& pts : groups_of(f)) {
    std::vector<std::size_t> by_role(k + 2, f.group.size());
    for (std::size_t p : pts) {
      const std::string& role = f.role[p];
      std::size_t slot = k + 2;
      if (role == "A") slot = 0;
      if (role == "B") slot = 1;
      for (std::size_t i = 0; i < k; ++i) {
        if (role == fmt::format("AB{}", i + 1)) slot = 2 + i;
      }
      if (slot == k + 2 || by_role[slot] != f.group.size() || pts.size() != k + 2) {
        throw Error(fmt::format(
            "design.csv: group {} is not a Saltelli base sample (roles A, B, AB1..AB{})",
            f.group[p], k));
      }
      by_role[slot] = p;
    }
    units.push_back(std::move(by_role));
  }
  return units;
}

// Morris: each trajectory's points in order, checked: k + 1 points, the
// first with an empty role, then each factor moved once, in one coordinate.
// Returns the points and, for points 1..k, the factor moved.
struct Trajectory {
  std::vector<std::size_t> points;
  std::vector<std::size_t> factor;  // [step] factor moved to reach points[step + 1]
};
std::vector<Trajectory> morris_units(const Folder& f) {
  const std::size_t k = f.paths.size();
  std::vector<Trajectory> units;
  for (const auto& pts : groups_of(f)) {
    Trajectory t;
    t.points = pts;
    std::vector<bool> moved(k, false);
    bool good = pts.size() == k + 1 && f.role[pts[0]].empty();
    for (std::size_t s = 1; good && s < pts.size(); ++s) {
      const auto it = std::find(f.paths.begin(), f.paths.end(), f.role[pts[s]]);
      if (it == f.paths.end()) {
        good = false;
        break;
      }
      const auto i = static_cast<std::size_t>(it - f.paths.begin());
      good = !moved[i] && f.unit[pts[s]][i] != f.unit[pts[s - 1]][i];
      moved[i] = true;
      t.factor.push_back(i);
    }
    if (!good) {
      throw Error(fmt::format(
          "design.csv: group {} is not a Morris trajectory (a start point with an empty role, "
          "then each of the {} factors moved once)",
          f.group[pts[0]], k));
    }
    units.push_back(std::move(t));
  }
  return units;
}

void write_sobol(const fs::path& file, const SensitivityReport& r) {
  CsvWriter w(file, {"outcome", "parameter", "n", "S1", "S1_lo", "S1_hi", "ST", "ST_lo", "ST_hi"});
  for (std::size_t o = 0; o < r.outcomes.size(); ++o) {
    const SobolResult& s = r.sobol[o];
    for (std::size_t i = 0; i < r.parameters.size(); ++i) {
      w.cell(std::string_view(r.outcomes[o])).cell(std::string_view(r.parameters[i]));
      w.cell(static_cast<std::int64_t>(s.n));
      w.cell(s.s1[i].value).cell(s.s1[i].lo).cell(s.s1[i].hi);
      w.cell(s.st[i].value).cell(s.st[i].lo).cell(s.st[i].hi);
      w.end_row();
    }
  }
  w.commit();
}

void write_morris(const fs::path& file, const SensitivityReport& r) {
  CsvWriter w(file, {"outcome", "parameter", "r", "mu", "mu_lo", "mu_hi", "mu_star", "mu_star_lo",
                     "mu_star_hi", "sigma", "sigma_lo", "sigma_hi"});
  for (std::size_t o = 0; o < r.outcomes.size(); ++o) {
    const MorrisResult& m = r.morris[o];
    for (std::size_t i = 0; i < r.parameters.size(); ++i) {
      w.cell(std::string_view(r.outcomes[o])).cell(std::string_view(r.parameters[i]));
      w.cell(static_cast<std::int64_t>(m.r));
      for (const Interval* x : {&m.mu[i], &m.mu_star[i], &m.sigma[i]}) {
        w.cell(x->value).cell(x->lo).cell(x->hi);
      }
      w.end_row();
    }
  }
  w.commit();
}

}  // namespace

SensitivityReport analyze_sweep_folder(const fs::path& dir, SensitivityMethod method,
                                       const SensitivityOptions& options) {
  if (!fs::is_directory(dir)) throw Error(fmt::format("{} is not a folder", dir.string()));
  Folder f;
  read_manifest(dir, method, f);
  read_design(dir, method, f);
  read_outcomes(dir, f);

  SensitivityReport r;
  r.method = method;
  r.sweep_name = f.name;
  r.points = static_cast<std::int64_t>(f.group.size());
  r.replicates = f.replicates;
  r.runs = f.runs;
  r.runs_failed = f.runs_failed;
  r.boot.resamples = options.resamples;
  r.boot.seed = options.seed.value_or(f.seed);
  r.parameters = f.paths;
  r.outcomes = f.outcomes;
  r.skipped = f.skipped;
  const std::size_t k = f.paths.size();
  auto failed_unit = [&f](const std::vector<std::size_t>& pts) {
    return std::any_of(pts.begin(), pts.end(), [&f](std::size_t p) { return f.point_failed[p]; });
  };

  if (method == SensitivityMethod::sobol) {
    const auto units = sobol_units(f);
    r.units = static_cast<std::int64_t>(units.size());
    for (const auto& u : units) r.units_failed += failed_unit(u) ? 1 : 0;
    for (std::size_t o = 0; o < f.outcomes.size(); ++o) {
      SobolSample s;
      s.ab.resize(k);
      for (const auto& u : units) {
        if (!std::all_of(u.begin(), u.end(),
                         [&](std::size_t p) { return f.mean[p][o].has_value(); })) {
          continue;
        }
        s.a.push_back(*f.mean[u[0]][o]);
        s.b.push_back(*f.mean[u[1]][o]);
        for (std::size_t i = 0; i < k; ++i) s.ab[i].push_back(*f.mean[u[2 + i]][o]);
      }
      r.sobol.push_back(sobol_analysis(s, r.boot));
    }
    r.file = dir / "sobol.csv";
    write_sobol(r.file, r);
  } else {
    const auto units = morris_units(f);
    r.units = static_cast<std::int64_t>(units.size());
    for (const auto& u : units) r.units_failed += failed_unit(u.points) ? 1 : 0;
    for (std::size_t o = 0; o < f.outcomes.size(); ++o) {
      MorrisSample s;
      s.factors = k;
      for (const auto& u : units) {
        if (!std::all_of(u.points.begin(), u.points.end(),
                         [&](std::size_t p) { return f.mean[p][o].has_value(); })) {
          continue;
        }
        std::vector<double> ee(k);
        for (std::size_t step = 0; step < k; ++step) {
          const std::size_t prev = u.points[step], cur = u.points[step + 1], i = u.factor[step];
          ee[i] = (*f.mean[cur][o] - *f.mean[prev][o]) / (f.unit[cur][i] - f.unit[prev][i]);
        }
        s.ee.push_back(std::move(ee));
      }
      r.morris.push_back(morris_analysis(s, r.boot));
    }
    r.file = dir / "morris.csv";
    write_morris(r.file, r);
  }
  return r;
}

namespace {

// Indices with two decimals; elementary effects (any scale) with 3 digits.
std::string num(double x, bool fixed) {
  if (!std::isfinite(x)) return fmt::format("{:>{}}", "-", fixed ? 6 : 9);
  return fixed ? fmt::format("{:>6.2f}", x) : fmt::format("{:>9.3g}", x);
}

std::string with_interval(const Interval& x, bool fixed) {
  return fmt::format("{} [{}, {}]", num(x.value, fixed), num(x.lo, fixed), num(x.hi, fixed));
}

// Finite values first, largest first; ties and NaNs keep parameter order.
std::vector<std::size_t> ranked(const std::vector<Interval>& key) {
  std::vector<std::size_t> order(key.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&key](std::size_t a, std::size_t b) {
    const double x = key[a].value, y = key[b].value;
    if (std::isfinite(x) != std::isfinite(y)) return std::isfinite(x);
    return std::isfinite(x) && x > y;
  });
  return order;
}

}  // namespace

std::string sensitivity_summary(const SensitivityReport& r, const std::vector<std::string>& only) {
  const bool sobol = r.method == SensitivityMethod::sobol;
  std::string out;
  out += fmt::format("{}: {} of {} points x {} replicates (replicates averaged per point), {} {}\n",
                     r.sweep_name, sobol ? "Sobol indices" : "Morris elementary effects", r.points,
                     r.replicates, r.units, sobol ? "base samples" : "trajectories");
  out += fmt::format("{:.0f}% percentile-bootstrap intervals over {} from {} resamples (seed {})\n",
                     100 * r.boot.level, sobol ? "base samples" : "trajectories", r.boot.resamples,
                     r.boot.seed);
  std::size_t width = 9;
  for (const auto& p : r.parameters) width = std::max(width, p.size());
  for (std::size_t o = 0; o < r.outcomes.size(); ++o) {
    if (!only.empty() && std::find(only.begin(), only.end(), r.outcomes[o]) == only.end()) continue;
    out += "\n";
    if (sobol) {
      const SobolResult& s = r.sobol[o];
      out += fmt::format("{} ({} base samples)\n", r.outcomes[o], s.n);
      out += fmt::format("  {:<{}}  {:<24}  {}\n", "parameter", width, "S1 [95% interval]",
                         "ST [95% interval]");
      for (std::size_t i : ranked(s.st)) {
        out += fmt::format("  {:<{}}  {}  {}\n", r.parameters[i], width,
                           with_interval(s.s1[i], true), with_interval(s.st[i], true));
      }
    } else {
      const MorrisResult& m = r.morris[o];
      out += fmt::format("{} ({} trajectories; effects per full range of each parameter)\n",
                         r.outcomes[o], m.r);
      out += fmt::format("  {:<{}}  {:<33}  {:<33}  {}\n", "parameter", width, "mu* [95% interval]",
                         "mu [95% interval]", "sigma [95% interval]");
      for (std::size_t i : ranked(m.mu_star)) {
        out += fmt::format("  {:<{}}  {}  {}  {}\n", r.parameters[i], width,
                           with_interval(m.mu_star[i], false), with_interval(m.mu[i], false),
                           with_interval(m.sigma[i], false));
      }
    }
  }
  if (!r.skipped.empty() && only.empty()) {
    std::string list;
    for (const auto& s : r.skipped) list += (list.empty() ? "" : ", ") + s;
    out += fmt::format("\nnot analysed (text, or no values): {}\n", list);
  }
  return out;
}

}  // namespace cw
