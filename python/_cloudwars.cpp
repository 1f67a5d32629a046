// The engine as a Python extension (`cloudwars._cloudwars`; the package in
// python/cloudwars wraps it, docs/ANALYSIS.md "From Python").
//
// Every function here writes a results folder exactly as the command line
// does (the same writers: RunWriter, run_sweep, run_compare, the
// sensitivity folder reader), so the module's numbers are the CLI's bytes
// by construction; the Python side reads the folder with pandas and removes
// it when the caller did not ask for files. The GIL is released while the
// engine runs. Config errors raise ConfigError with the CLI's
// `FILE:LINE:COL: path: message` lines.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "batch/cluster.hpp"
#include "batch/compare.hpp"
#include "batch/runner.hpp"
#include "batch/sensitivity_folder.hpp"
#include "cli/common.hpp"
#include "config/budget.hpp"
#include "config/diagnostics.hpp"
#include "config/sweep_reader.hpp"
#include "config/yaml_reader.hpp"
#include "core/engine.hpp"
#include "output/manifest.hpp"
#include "output/run_writer.hpp"

namespace py = pybind11;
namespace fs = std::filesystem;

namespace {

// Whether the GIL was held when the engine last started (tests check that
// it was not: tests/python_module_check.py).
std::atomic<bool> g_gil_held_in_engine{false};

void note_gil() { g_gil_held_in_engine = PyGILState_Check() != 0; }

// A scenario given as a file or as YAML text (the Python side turns dicts
// into JSON text, which is YAML). Text names itself `label` in messages.
struct ScenarioSource {
  std::optional<std::string> file;
  std::optional<std::string> text;
  std::string label;
};

cw::Scenario load_source(const ScenarioSource& src, const char* command) {
  if (src.file) {
    cw::cli::require_scenario_file(*src.file, command);
    return cw::load_scenario(*src.file);
  }
  return cw::load_scenario_text(src.text.value_or(""), src.label);
}

// The name a scenario goes by in messages: its file, or the text's label.
std::string start_label(const ScenarioSource& src) { return src.file ? *src.file : src.label; }

// The manifest's `inputs` hash files; text has no file: its entry is dropped.
void drop_text_inputs(const fs::path& dir, const std::vector<std::string>& labels) {
  const fs::path path = dir / "manifest.json";
  std::ifstream in(path);
  if (!in) return;
  nlohmann::ordered_json m = nlohmann::ordered_json::parse(in);
  in.close();
  for (const auto& label : labels) m["inputs"].erase(label);
  cw::write_manifest(dir, m);
}

py::dict run_into(const std::string& dir, const ScenarioSource& src,
                  const std::vector<std::string>& sets) {
  cw::Scenario s = load_source(src, "run");
  cw::cli::apply_overrides(s, {{"set", &sets}});
  cw::check_run_fits(s, start_label(src));  // ConfigError with an estimate, not bad_alloc
  {
    py::gil_scoped_release release;
    note_gil();
    // As `cloudwars run --out DIR` (sim/cli/main.cpp, cmd_run): locked,
    // written beside the folder and swapped in whole.
    cw::ManifestStart start;
    start.program = cw::cli::build_json();
    start.command = "run";
    start.file = src.file ? *src.file : src.label;
    if (src.file) start.inputs = {*src.file};
    if (!s.network.file.empty()) start.inputs.push_back(s.network.file);
    start.seed = s.seed;
    start.details["overrides"] = sets;
    start.started = cw::utc_now();
    cw::cli::run_into_folder(s, dir, std::move(start));
  }
  py::dict out;
  out["name"] = s.name;
  out["steps"] = s.steps;
  out["seed"] = s.seed;
  return out;
}

cw::ProgressMode progress_mode(const std::string& name) {
  for (std::size_t i = 0; i < cw::kProgressModeNames.size(); ++i) {
    if (cw::kProgressModeNames[i] == name) return static_cast<cw::ProgressMode>(i);
  }
  throw cw::cli::UsageError("progress: expected auto, plain, json or none, got '" + name + "'");
}

py::dict sweep_into(const std::string& file, const std::string& dir, int jobs,
                    const std::vector<std::string>& sets, std::int64_t replicates, bool restart,
                    const std::string& progress) {
  cw::cli::require_sweep_file(file);
  cw::SweepOverrides overrides;
  overrides.sets = sets;
  if (replicates > 0) overrides.replicates = replicates;
  const cw::Sweep sw = cw::load_sweep(file, overrides);
  cw::SweepOptions opt;
  opt.out = dir;
  opt.jobs = jobs;
  opt.restart = restart;
  opt.progress = progress_mode(progress);
  opt.program = cw::cli::build_json();
  cw::cli::check_sweep_fits(sw, file, jobs > 0 ? jobs : cw::default_jobs());
  cw::SweepResult r;
  {
    std::optional<cw::FolderLock> lock;
    cw::cli::lock_results_folder(lock, dir, "sweep");
    py::gil_scoped_release release;
    note_gil();
    r = cw::run_sweep(sw, opt);
  }
  py::dict out;
  out["name"] = sw.spec.name;
  out["dir"] = r.dir.string();
  out["total"] = r.total;
  out["ran"] = r.ran;
  out["resumed_from"] = r.resumed_from;
  out["failed"] = r.failed;
  out["complete"] = r.complete;
  out["design"] = std::string(cw::kDesignKindNames[static_cast<std::size_t>(sw.spec.design.kind)]);
  return out;
}

py::dict compare_into(const std::string& dir, const ScenarioSource& a,
                      const std::optional<ScenarioSource>& b, const std::vector<std::string>& sets,
                      const std::vector<std::string>& sets_a,
                      const std::vector<std::string>& sets_b, std::int64_t replicates,
                      std::int64_t seed, int jobs, bool steps, const std::string& progress) {
  if (!b && sets_b.empty()) {
    throw cw::cli::UsageError(
        "compare needs scenario b, or set_b={PATH: VALUE} to make B from A (compare(a, a) "
        "compares A with itself)");
  }
  if (replicates < 1) throw cw::cli::UsageError("replicates must be at least 1");
  const ScenarioSource& src_b = b ? *b : a;
  // As `cloudwars compare` (sim/cli/compare_cmd.cpp, cmd_compare).
  cw::CompareSpec spec;
  spec.file_a = a.file ? *a.file : a.label;
  spec.file_b = src_b.file ? *src_b.file : src_b.label;
  const std::string seed_owner = "compare sets each replicate's seed from seed=";
  spec.a = load_source(a, "compare");
  cw::cli::apply_overrides(spec.a, {{"set", &sets}, {"set_a", &sets_a}}, seed_owner);
  spec.b = load_source(src_b, "compare");
  cw::cli::apply_overrides(spec.b, {{"set", &sets}, {"set_b", &sets_b}}, seed_owner);
  for (const auto* s : {&spec.a, &spec.b}) {
    if (!s->output.graph_steps.empty()) {
      throw cw::ConfigError(
          {{s == &spec.a ? spec.file_a.string() : spec.file_b.string(), 0, 0, "output.graph_steps",
            "compare writes no graph files; remove output.graph_steps (or set "
            "output.graph_steps=) and export graphs with run",
            ""}});
    }
  }
  spec.sets = sets;
  spec.sets_a = sets_a;
  spec.sets_b = sets_b;
  spec.replicates = replicates;
  spec.seed = seed;
  spec.steps = steps;
  cw::CompareOptions opt;
  opt.out = dir;
  opt.jobs = jobs;
  opt.progress = progress_mode(progress);
  opt.program = cw::cli::build_json();
  const int copies = static_cast<int>(
      std::min<std::int64_t>(jobs > 0 ? jobs : cw::default_jobs(), 2 * replicates));
  cw::check_run_fits(spec.a, spec.file_a.string(), copies);
  cw::check_run_fits(spec.b, spec.file_b.string(), copies);
  cw::CompareResult r;
  {
    std::optional<cw::FolderLock> lock;
    cw::cli::lock_results_folder(lock, dir, "compare");
    cw::check_compare_folder(dir, cw::ShardSpec{});
    py::gil_scoped_release release;
    note_gil();
    r = cw::run_compare(spec, opt);
    if (r.complete) {
      std::vector<std::string> labels;
      if (!a.file) labels.push_back(a.label);
      if (!src_b.file) labels.push_back(src_b.label);
      if (!labels.empty()) drop_text_inputs(dir, labels);
    }
  }
  py::dict out;
  out["name_a"] = spec.a.name;
  out["name_b"] = spec.b.name;
  out["runs"] = r.runs;
  out["failed"] = r.failed;
  out["complete"] = r.complete;
  return out;
}

std::string sensitivity(const std::string& dir, const std::string& method, std::size_t resamples,
                        std::optional<std::uint64_t> seed) {
  cw::SensitivityMethod m;
  if (method == "sobol") {
    m = cw::SensitivityMethod::sobol;
  } else if (method == "morris") {
    m = cw::SensitivityMethod::morris;
  } else {
    throw cw::cli::UsageError("method: expected sobol or morris, got '" + method + "'");
  }
  if (resamples < 1) throw cw::cli::UsageError("resamples must be at least 1");
  cw::SensitivityOptions opt;
  opt.resamples = resamples;
  opt.seed = seed;
  cw::SensitivityReport r;
  {
    // A sweep still writing the folder holds its lock (docs/RELIABILITY.md).
    std::optional<cw::FolderLock> lock;
    cw::lock_if_possible(lock, dir, method);
    py::gil_scoped_release release;
    note_gil();
    r = cw::analyze_sweep_folder(dir, m, opt);
  }
  return r.file.string();
}

// The results folder's lock for a Python writer that has no engine call to
// hold it (cloudwars.plot.folder): `with _cloudwars.FolderLock(dir, "plot"):`.
// Taken on construction as sobol and morris take it (cw::lock_if_possible:
// none for a missing folder or where no lock file can be made), released
// on __exit__ (or when collected).
class PyFolderLock {
 public:
  PyFolderLock(const fs::path& dir, const std::string& command) {
    cw::lock_if_possible(lock_, dir, command);
  }
  void release() { lock_.reset(); }

 private:
  std::optional<cw::FolderLock> lock_;
};

}  // namespace

PYBIND11_MODULE(_cloudwars, m) {
  m.doc() =
      "The cloudwars engine (C++). Use the cloudwars package: cloudwars.run, .sweep, .compare "
      "return the run's tables as pandas DataFrames.";

  static py::exception<cw::ConfigError> config_error(m, "ConfigError", PyExc_ValueError);
  static py::exception<cw::cli::UsageError> usage_error(m, "UsageError", PyExc_ValueError);
  static py::exception<cw::RunError> run_error(m, "RunError", PyExc_RuntimeError);
  static py::exception<cw::SweepFolderError> folder_error(m, "SweepFolderError", PyExc_ValueError);
  static py::exception<cw::SensitivityFolderError> sens_error(m, "SensitivityFolderError",
                                                              PyExc_ValueError);
  static py::exception<cw::FolderBusy> busy_error(m, "FolderBusyError", PyExc_RuntimeError);
  static py::exception<cw::FolderRefused> refused_error(m, "FolderRefusedError", PyExc_ValueError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const cw::ConfigError& e) {
      // Every problem, one per line, as the CLI prints them on stderr.
      std::string text;
      for (const auto& d : e.problems()) {
        if (!text.empty()) text += '\n';
        text += d.str();
      }
      config_error(text.c_str());
    } catch (const cw::cli::UsageError& e) {
      usage_error(e.what());
    } catch (const cw::RunError& e) {
      run_error((std::string("run failed: ") + e.what()).c_str());
    } catch (const cw::SweepFolderError& e) {
      folder_error(e.what());
    } catch (const cw::SensitivityFolderError& e) {
      sens_error(e.what());
    } catch (const cw::FolderBusy& e) {
      busy_error(e.what());
    } catch (const cw::FolderRefused& e) {
      refused_error(e.what());
    }
  });

  py::class_<ScenarioSource>(m, "ScenarioSource")
      .def(py::init([](std::optional<std::string> file, std::optional<std::string> text,
                       std::string label) {
             return ScenarioSource{std::move(file), std::move(text), std::move(label)};
           }),
           py::arg("file") = py::none(), py::arg("text") = py::none(), py::arg("label") = "<text>");

  m.def("run_into", &run_into, py::arg("dir"), py::arg("scenario"), py::arg("sets"),
        "Run one scenario into DIR as `cloudwars run --out DIR` does.");
  m.def("sweep_into", &sweep_into, py::arg("file"), py::arg("dir"), py::arg("jobs"),
        py::arg("sets"), py::arg("replicates"), py::arg("restart"), py::arg("progress"),
        "Run a sweep file into DIR as `cloudwars sweep FILE --out DIR` does.");
  m.def("compare_into", &compare_into, py::arg("dir"), py::arg("a"), py::arg("b"), py::arg("sets"),
        py::arg("sets_a"), py::arg("sets_b"), py::arg("replicates"), py::arg("seed"),
        py::arg("jobs"), py::arg("steps"), py::arg("progress"),
        "Compare two scenarios into DIR as `cloudwars compare --out DIR` does.");
  m.def("sensitivity", &sensitivity, py::arg("dir"), py::arg("method"), py::arg("resamples") = 1000,
        py::arg("seed") = py::none(),
        "Sobol or Morris indices of a finished sweep folder (writes sobol.csv or morris.csv); "
        "returns the file's path.");
  py::class_<PyFolderLock>(
      m, "FolderLock",
      "The lock of a results folder (PARENT/.NAME.lock), as sobol and "
      "morris take it: none for a missing folder or where no lock file can be made; "
      "raises FolderBusyError when another command holds it. Use as a "
      "context manager.")
      .def(py::init<fs::path, std::string>(), py::arg("dir"), py::arg("command"))
      .def("__enter__", [](PyFolderLock& l) -> PyFolderLock& { return l; })
      .def("__exit__", [](PyFolderLock& l, const py::args&) { l.release(); })
      .def("release", &PyFolderLock::release);
  m.def("build_info", [] {
    const auto j = cw::cli::build_json();
    py::dict d;
    for (const auto& [k, v] : j.items()) d[py::str(k)] = v.get<std::string>();
    return d;
  });
  m.def(
      "_gil_held_in_engine", [] { return g_gil_held_in_engine.load(); },
      "Tests: whether the GIL was held when the engine last started.");
}
