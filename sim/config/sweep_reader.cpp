#include "config/sweep_reader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include "config/budget.hpp"
#include "config/csv_design.hpp"
#include "config/yaml_reader.hpp"
#include "core/param_path.hpp"
#include "core/text_check.hpp"
#include "output/csv.hpp"

namespace cw {

namespace fs = std::filesystem;

// Both parse through parse_yaml_file, which keeps the last document parsed:
// the load that follows the check does not parse the file again.
bool is_sweep_file(const fs::path& file) {
  try {
    std::shared_ptr<const YamlDocument> doc;
    std::vector<Diagnostic> ignored;
    if (!parse_yaml_file(file, doc, ignored)) return false;
    const YamlNode& r = doc->root();
    return r.IsMap() && r["base"].IsDefined();
  } catch (const std::exception&) {
    return false;
  }
}

bool is_scenario_file(const fs::path& file) {
  try {
    std::shared_ptr<const YamlDocument> doc;
    std::vector<Diagnostic> ignored;
    if (!parse_yaml_file(file, doc, ignored)) return false;
    const YamlNode& r = doc->root();
    return r.IsMap() && !r["base"].IsDefined() &&
           (r["providers"].IsDefined() || r["labs"].IsDefined());
  } catch (const std::exception&) {
    return false;
  }
}

namespace {

// Reads a csv design: header = parameter paths, then one row of values per
// point (config/csv_design.hpp); problems at the CSV file's line and column.
void read_design_csv(const fs::path& file, std::vector<std::string>& paths,
                     std::vector<std::vector<std::string>>& rows,
                     std::vector<Diagnostic>& problems) {
  std::error_code ec;
  if (fs::is_directory(file, ec)) {
    problems.push_back({file.string(), 0, 0, "design.file", "is a directory, not a file", ""});
    return;
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    problems.push_back(
        {file.string(), 0, 0, "design.file",
         fs::exists(file, ec) ? "cannot be read (permission denied?)" : "no such file", ""});
    return;
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  parse_design_csv(buffer.str(), file.string(), paths, rows, problems);
}

// Problems found in the sweep file, by key path; located to FILE:LINE:COL
// (throw_located) once every check has run, so all are reported together.
struct Found {
  std::vector<Problem> list;
  void operator()(std::string path, std::string message, std::string got = "") {
    list.push_back({std::move(path), std::move(message), std::move(got)});
  }
};

[[noreturn]] void throw_located(const std::vector<Problem>& problems, const std::string& name,
                                const MarkMap& marks) {
  std::vector<Diagnostic> all;
  locate(problems, name, marks, all);
  throw ConfigError(std::move(all));
}

bool is_sampled(DesignKind kind) {
  return kind == DesignKind::random || kind == DesignKind::lhs || kind == DesignKind::sobol ||
         kind == DesignKind::morris;
}

// The sweep file read against its schema into sw.spec, with each key's
// position in `marks`. Throws on YAML or schema errors.
void read_spec(const fs::path& file, Sweep& sw, MarkMap& marks) {
  std::vector<Diagnostic> problems;
  std::shared_ptr<const YamlDocument> doc;
  if (!parse_yaml_file(file, doc, problems)) throw ConfigError(std::move(problems));
  sw.file = file;
  read_yaml(
      doc->root(), file.string(), [&sw](FieldVisitor& v) { describe(v, sw.spec); }, problems,
      marks);
  if (!problems.empty()) throw ConfigError(std::move(problems));
  // Names and values that reach runs.csv and the folder name (core/text_check.hpp).
  std::vector<Problem> text;
  check_folder_name(sw.spec.name, "name", text);
  check_text_fields([&sw](FieldVisitor& v) { describe(v, sw.spec); }, text);
  if (!text.empty()) throw_located(text, file.string(), marks);
}

// The base scenario, relative to the sweep file; its own problems name its
// own file, after one that points at `base`. Starts sw.inputs.
void load_base(const fs::path& file, Sweep& sw, const MarkMap& marks) {
  sw.base_file = (file.parent_path() / sw.spec.base).lexically_normal();
  try {
    sw.base = load_scenario(sw.base_file);
  } catch (const ConfigError& e) {
    std::vector<Diagnostic> all;
    locate({{"base", "the base scenario has problems (below)", sw.spec.base}}, file.string(), marks,
           all);
    for (const auto& d : e.problems()) all.push_back(d);
    throw ConfigError(std::move(all));
  }
  sw.inputs = {file, sw.base_file};
  if (!sw.base.network.file.empty()) sw.inputs.push_back(sw.base.network.file);
}

// The varied parameters: the spec's, or for a csv design the design file's
// header (its rows go to `csv_rows`, the file to sw.design_file and
// sw.inputs). Also checks the design's own keys (samples, levels).
std::vector<SweepParam> varied_parameters(const fs::path& file, Sweep& sw,
                                          std::vector<std::vector<std::string>>& csv_rows,
                                          Found& problem) {
  const SweepSpec& spec = sw.spec;
  const DesignKind kind = spec.design.kind;
  std::vector<SweepParam> params = spec.parameters;
  if (kind == DesignKind::csv) {
    if (spec.design.file.empty()) {
      problem("design.file", "is required by design kind csv");
    } else if (!spec.parameters.empty()) {
      problem("parameters", "a csv design takes its parameters from the file's header");
    } else {
      sw.design_file = (file.parent_path() / spec.design.file).lexically_normal();
      std::vector<std::string> paths;
      std::vector<Diagnostic> csv_problems;
      read_design_csv(sw.design_file, paths, csv_rows, csv_problems);
      if (!csv_problems.empty()) throw ConfigError(std::move(csv_problems));
      for (const auto& p : paths) {
        SweepParam sp;
        sp.path = p;
        params.push_back(sp);
      }
      sw.inputs.push_back(sw.design_file);
    }
  } else if (spec.parameters.empty() && kind != DesignKind::grid) {
    // A grid without parameters is one point: replicates of the base scenario.
    problem("parameters", "must not be empty for this design");
  }
  if (is_sampled(kind) && spec.design.samples <= 0) {
    problem("design.samples", "must be > 0 for this design", std::to_string(spec.design.samples));
  }
  if (kind == DesignKind::sobol && spec.design.sampler == Sampler::quasi &&
      2 * params.size() > kSobolMaxDimension) {
    problem("parameters",
            fmt::format("sampler quasi takes at most {} parameters (a Sobol sequence of 2k "
                        "dimensions); use sampler: random",
                        kSobolMaxDimension / 2),
            std::to_string(params.size()));
  }
  if (kind == DesignKind::morris && spec.design.levels % 2 != 0) {
    problem("design.levels", "must be even", std::to_string(spec.design.levels));
  }
  return params;
}

// Whether parameter `p` (at key `at`) has the keys its design kind takes:
// grid values or from/to/steps, zip values as many as parameters[0]'s,
// sampled low < high.
void check_design_keys(DesignKind kind, const SweepParam& p, const SweepParam& first,
                       const std::string& at, Found& problem) {
  const bool has_values = !p.values.empty();
  const bool has_range = p.from || p.to || p.steps != 0;
  switch (kind) {
    case DesignKind::grid:
      if (p.low || p.high) problem(at, "a grid takes values or from/to/steps, not low/high");
      if (has_values == has_range) {
        problem(at, "a grid parameter needs either values or from/to/steps");
      } else if (has_range && (!p.from || !p.to || p.steps < 2)) {
        problem(at, "a grid range needs from, to and steps >= 2");
      } else if (has_range && p.scale == Scale::log && (*p.from <= 0 || *p.to <= 0)) {
        problem(at + ".from", "a log range needs from and to > 0");
      }
      break;
    case DesignKind::zip:
      if (p.low || p.high || has_range) problem(at, "a zip design takes values only");
      if (!has_values) problem(at + ".values", "a zip design needs values");
      if (has_values && p.values.size() != first.values.size()) {
        problem(at + ".values", fmt::format("has {} values; parameters[0] has {}", p.values.size(),
                                            first.values.size()));
      }
      break;
    case DesignKind::csv:
      break;
    default:
      if (!p.low || !p.high) {
        problem(at, "a sampled design needs low and high");
      } else if (!(*p.low < *p.high)) {
        problem(at + ".high", fmt::format("must be > low ({})", *p.low),
                fmt::format("{}", *p.high));
      } else if (p.scale == Scale::log && *p.low <= 0) {
        problem(at + ".low", "a log scale needs low > 0", fmt::format("{}", *p.low));
      }
      if (has_values || has_range) problem(at, "a sampled design takes low/high, not values");
      break;
  }
}

// Checks parameter i of `params`: varied once, not the seed, a path that
// can be set, the keys its design kind takes, and every value given (or the
// ends of a sampled range) settable. Returns whether it takes whole numbers.
bool check_parameter(const Sweep& sw, const std::vector<SweepParam>& params, std::size_t i,
                     std::set<std::string>& seen, Found& problem) {
  const SweepParam& p = params[i];
  const DesignKind kind = sw.spec.design.kind;
  const std::string at = fmt::format("parameters[{}]", i);
  if (!seen.insert(p.path).second) problem(at + ".path", "is varied twice", p.path);
  if (p.path == "seed") {
    problem(at + ".path",
            "the seed is set per run by the sweep (seed, seeds, replicates); vary it with "
            "replicates instead",
            p.path);
    return true;
  }
  bool whole = false;
  try {
    whole = parameter_is_integer(sw.base, p.path);
  } catch (const PathError& e) {
    // A distribution named as a whole reads as "not a single value" but can be set.
    Scenario probe = sw.base;
    try {
      set_parameter(probe, p.path, "1");
    } catch (const PathError&) {
      problem(at + ".path", e.what(), p.path);
      return false;
    }
  }
  check_design_keys(kind, p, params[0], at, problem);
  auto check_value = [&](const std::string& value, const std::string& where) {
    Scenario probe = sw.base;
    try {
      set_parameter(probe, p.path, value);
    } catch (const PathError& e) {
      problem(where, e.what());  // the message already shows the value
    }
  };
  if (kind == DesignKind::grid || kind == DesignKind::zip) {
    for (std::size_t j = 0; j < p.values.size(); ++j) {
      check_value(p.values[j], fmt::format("{}.values[{}]", at, j));
    }
  }
  if (is_sampled(kind) && p.low && p.high) {
    check_value(format_value(*p.low, whole), at + ".low");
    check_value(format_value(*p.high, whole), at + ".high");
  }
  return whole;
}

// Every design point must make a valid scenario: nothing is run (or
// written) before the whole design has been checked. Reports the first 5
// invalid points and a count of the others. Notes the point whose run
// needs the most memory (sw.largest_point).
void check_points(Sweep& sw, const std::string& name, const MarkMap& marks) {
  const std::string at = sw.spec.design.kind == DesignKind::csv ? "design.file" : "parameters";
  std::vector<Diagnostic> bad_points;
  std::size_t bad = 0;
  double largest = -1;
  for (std::size_t i = 0; i < sw.design.size(); ++i) {
    Scenario s = sw.base;
    std::string where;
    std::vector<Problem> point_problems;
    try {
      for (std::size_t j = 0; j < sw.design.paths.size(); ++j) {
        where += fmt::format("{}{}={}", j ? ", " : "", sw.design.paths[j], sw.design.values[i][j]);
      }
      for (std::size_t j = 0; j < sw.design.paths.size(); ++j) {
        set_parameter(s, sw.design.paths[j], sw.design.values[i][j]);
      }
      check_scenario(s, point_problems);
      if (point_problems.empty()) {
        const MemoryEstimate e = estimate_run_memory(s);
        check_fits(e, name);
        if (e.bytes > largest) {
          largest = e.bytes;
          sw.largest_point = static_cast<std::int64_t>(i);
        }
      }
    } catch (const ConfigError& e) {
      for (const auto& d : e.problems()) point_problems.push_back({d.path, d.message, d.got});
    } catch (const PathError& e) {
      point_problems.push_back({"", e.what(), ""});
    }
    if (!point_problems.empty() && ++bad <= 5) {
      for (const auto& p : point_problems) {
        std::vector<Diagnostic> one;
        locate({{at,
                 fmt::format("design point {} ({}) is invalid: {}{}{}", i, where, p.path,
                             p.path.empty() ? "" : ": ", p.message),
                 p.got}},
               name, marks, one);
        bad_points.insert(bad_points.end(), one.begin(), one.end());
      }
    }
  }
  if (bad > 5) {
    bad_points.push_back(
        {name, 0, 0, "", fmt::format("... and {} more invalid points", bad - 5), ""});
  }
  if (!bad_points.empty()) throw ConfigError(std::move(bad_points));
}

// The sweep file's declared outcomes join the base scenario's (after them,
// in file order) and are checked with it; their problems are located in the
// sweep file. A sweep's step_labs.csv rows follow its step_every.
void add_outcomes(Sweep& sw, const std::string& name, const MarkMap& marks) {
  Found problem;
  if (sw.spec.lab_steps && sw.spec.step_every <= 0) {
    problem("output.lab_steps",
            "needs output.step_every > 0 (step_labs.csv has rows at the step_every steps)", "true");
  }
  const std::size_t before = sw.base.outcomes.size();
  for (const auto& o : sw.spec.outcomes) sw.base.outcomes.push_back(o);
  if (!sw.spec.outcomes.empty()) {
    std::vector<Problem> found;
    check_scenario(sw.base, found);
    for (Problem& p : found) {
      // outcomes[K]... with K >= before is the sweep file's outcomes[K - before].
      std::size_t k = 0, i = 9;
      if (p.path.rfind("outcomes[", 0) == 0) {
        for (; i < p.path.size() && p.path[i] >= '0' && p.path[i] <= '9'; ++i) {
          k = k * 10 + static_cast<std::size_t>(p.path[i] - '0');
        }
        if (k >= before) p.path = fmt::format("outcomes[{}{}", k - before, p.path.substr(i));
      }
      problem(p.path, p.message, p.got);
    }
  }
  if (!problem.list.empty()) throw_located(problem.list, name, marks);
}

// The design's size before it is made: its point count (as a double, so a
// grid of many long axes cannot overflow) and memory must fit, or the
// sweep is refused at the key that sets them (docs/RELIABILITY.md).
void check_design_size(const SweepSpec& spec, const std::vector<SweepParam>& params,
                       std::size_t csv_rows, const std::string& name, const MarkMap& marks) {
  const auto k = static_cast<double>(params.size());
  const auto n = static_cast<double>(spec.design.samples);
  double points = 1;
  std::string at = "design.samples";
  switch (spec.design.kind) {
    case DesignKind::grid:
      at = "parameters";
      for (const auto& p : params) {
        points *= p.values.empty() ? static_cast<double>(std::max<std::int64_t>(p.steps, 1))
                                   : static_cast<double>(p.values.size());
      }
      break;
    case DesignKind::zip:
      at = "parameters";
      points = params.empty() ? 1 : static_cast<double>(params[0].values.size());
      break;
    case DesignKind::csv:
      at = "design.file";
      points = static_cast<double>(csv_rows);
      break;
    case DesignKind::sobol:
      points = n * (k + 2);
      break;
    case DesignKind::morris:
      points = n * (k + 1);
      break;
    default:
      points = n;
      break;
  }
  constexpr double kMaxPoints = 1e8;
  // Each point keeps its values as text and its unit coordinates, and the
  // runner one order entry; the check of every point copies the base.
  const double bytes = points * (k * 56 + 96);
  const auto have = static_cast<double>(memory_available());
  std::string message;
  if (points > kMaxPoints) {
    message = fmt::format("the design would have {:.4g} points, more than 10^8", points);
  } else if (bytes > have / 2) {
    message = fmt::format(
        "the design of {:.0f} points would need about {} of memory, more than half of the {} "
        "this process can use",
        points, format_bytes(bytes), format_bytes(have));
  }
  if (!message.empty()) throw_located({{at, message, ""}}, name, marks);
}

// The command line's changes: --replicates, and --set on the base (not the
// seed, which the sweep sets per run), then the base checked again.
void apply_overrides(const SweepOverrides& o, Sweep& sw) {
  std::vector<Diagnostic> problems;
  if (o.replicates) {
    if (*o.replicates < 1 || *o.replicates > 10'000'000) {
      problems.push_back(
          {"--replicates", 0, 0, "", "must be in [1, 10000000]", std::to_string(*o.replicates)});
    } else {
      sw.spec.replicates = *o.replicates;
    }
  }
  for (const auto& kv : o.sets) {
    const auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      problems.push_back({"--set", 0, 0, "", "expected path=value", kv});
      continue;
    }
    if (kv.substr(0, eq) == "seed") {
      problems.push_back({"--set", 0, 0, "seed",
                          "the seed is set per run by the sweep; change the sweep file's seed",
                          ""});
      continue;
    }
    try {
      set_parameter(sw.base, kv.substr(0, eq), kv.substr(eq + 1));
    } catch (const PathError& e) {
      problems.push_back({"--set", 0, 0, "", e.what(), ""});
    }
  }
  if (problems.empty() && !o.sets.empty()) {
    std::vector<Problem> found;
    check_scenario(sw.base, found);
    for (const auto& p : found) problems.push_back({"--set", 0, 0, p.path, p.message, p.got});
  }
  if (!problems.empty()) throw ConfigError(std::move(problems));
  if (!o.sets.empty()) load_network_file(sw.base);
  sw.overrides = o.sets;
}

// A --set on a varied path would be overwritten by every point: refused.
void check_sets_not_varied(const Sweep& sw, const std::vector<SweepParam>& params) {
  std::vector<Diagnostic> problems;
  for (const auto& kv : sw.overrides) {
    const std::string path = kv.substr(0, kv.find('='));
    for (const auto& p : params) {
      if (p.path == path) {
        problems.push_back(
            {"--set", 0, 0, path, "is varied by the sweep; every point sets its own value", ""});
      }
    }
  }
  if (!problems.empty()) throw ConfigError(std::move(problems));
}

// Graph files are a single run's output: a sweep would write one set per
// run. They are refused rather than skipped without a word.
void check_no_graphs(const Sweep& sw, const std::string& name, const MarkMap& marks) {
  if (sw.base.output.graph_steps.empty()) return;
  std::vector<Diagnostic> all;
  locate({{"base",
           "the base scenario sets output.graph_steps, but a sweep writes no graph files; "
           "remove output.graph_steps from the base (or --set output.graph_steps=), and "
           "replay the runs whose graphs you want with cloudwars run (docs/SWEEPS.md, "
           "\"Replaying one run\")",
           sw.spec.base}},
         name, marks, all);
  throw ConfigError(std::move(all));
}

Sweep load_sweep_once(const fs::path& file, const SweepOverrides& overrides) {
  const std::string name = file.string();
  Sweep sw;
  MarkMap marks;
  read_spec(file, sw, marks);
  load_base(file, sw, marks);
  add_outcomes(sw, name, marks);
  apply_overrides(overrides, sw);
  check_no_graphs(sw, name, marks);

  Found problem;
  std::vector<std::vector<std::string>> csv_rows;
  const std::vector<SweepParam> params = varied_parameters(file, sw, csv_rows, problem);
  std::vector<bool> integer;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < params.size(); ++i) {
    integer.push_back(check_parameter(sw, params, i, seen, problem));
  }
  for (std::size_t i = 0; i < params.size(); ++i) {
    for (const auto& o : sw.base.outcomes) {
      if (o.name == params[i].path) {
        problem(fmt::format("parameters[{}].path", i),
                "is also the name of a declared outcome (one runs.csv column each)", o.name);
      }
    }
  }
  if (!problem.list.empty()) throw_located(problem.list, name, marks);
  check_sets_not_varied(sw, params);

  sw.spec.parameters = params;
  check_design_size(sw.spec, params, csv_rows.size(), name, marks);
  sw.design = make_design(sw.spec, integer, csv_rows);
  if (sw.design.size() == 0) {
    throw ConfigError({{name, 1, 1, "design", "the design has no points", ""}});
  }
  check_points(sw, name, marks);
  if (sw.runs() > 1'000'000'000) {
    throw ConfigError(
        {{name, 1, 1, "replicates", fmt::format("{} runs is more than 10^9", sw.runs()), ""}});
  }
  sw.order = point_order(sw.design);
  return sw;
}

}  // namespace

// Problems of a sweep (or its base) read by libyaml are reported from
// yaml-cpp's reading (config/yaml_reader.hpp).
Sweep load_sweep(const fs::path& file, const SweepOverrides& overrides) {
  return reread_on_problems([&] { return load_sweep_once(file, overrides); });
}

}  // namespace cw
