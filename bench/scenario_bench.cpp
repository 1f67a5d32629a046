// Benchmarks of the shipped scenarios (issue 15, docs/PERFORMANCE.md): for
// configs/default.yaml and every configs/scenarios/*.yaml
//   BM_Load/NAME         reading and checking the file's text (YAML parse and
//                        checks), the in-process part of `cloudwars validate`;
//   BM_Run/NAME          one whole run (seed of the file), with its cost per
//                        lab-step (ns_per_lab_step: the run's time over the sum
//                        over steps of the labs present);
//   BM_Sweep/NAME/jobs   100 runs of it (replicates, seeds drawn by the sweep)
//                        through the sweep runner, files written, 1 and 2 jobs;
//                        items are runs.
// Speed is recorded, never asserted (SPEC §7).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "batch/runner.hpp"
#include "config/sweep_reader.hpp"
#include "config/yaml_reader.hpp"
#include "core/engine.hpp"
#include "sweep_bench.hpp"

namespace {

namespace fs = std::filesystem;

// The shipped scenarios: default.yaml first, then configs/scenarios/ by name.
std::vector<fs::path> shipped_scenarios() {
  std::vector<fs::path> files{fs::path(CW_SOURCE_DIR) / "configs/default.yaml"};
  std::vector<fs::path> more;
  for (const auto& e : fs::directory_iterator(fs::path(CW_SOURCE_DIR) / "configs/scenarios")) {
    if (e.path().extension() == ".yaml") more.push_back(e.path());
  }
  std::sort(more.begin(), more.end());
  files.insert(files.end(), more.begin(), more.end());
  return files;
}

// Sums the labs present over the steps of a run.
class LabSteps final : public cw::Observer {
 public:
  void on_step(const cw::Scenario&, const cw::State& st, const cw::StepMetrics&) override {
    lab_steps += static_cast<double>(st.labs.n);
  }
  bool wants_events() const override { return false; }
  double lab_steps = 0;
};

// From the text (load_scenario keeps the last document parsed, so a loop of
// load_scenario on one file would time the check without the parse).
void BM_Load(benchmark::State& state, const fs::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  for (auto _ : state) {
    benchmark::DoNotOptimize(cw::load_scenario_text(text.str(), file.string()).steps);
  }
}

void BM_Run(benchmark::State& state, const fs::path& file) {
  const cw::Scenario s = cw::load_scenario(file);
  LabSteps count;
  cw::run_scenario(s, &count);
  for (auto _ : state) benchmark::DoNotOptimize(cw::run_scenario(s).hhi_final);
  state.SetItemsProcessed(state.iterations());
  state.counters["lab_steps"] = count.lab_steps;
  // In seconds, as step_bench's (scripts/bench writes it in ns).
  state.counters["ns_per_lab_step"] = benchmark::Counter(
      count.lab_steps, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

void BM_Sweep(benchmark::State& state, const fs::path& file) {
  cw::bench::run_sweep_benchmark(state, file, "cw_bench_scenario_sweep_" + file.stem().string(),
                                 static_cast<int>(state.range(0)));
}

}  // namespace

int main(int argc, char** argv) {
  for (const fs::path& file : shipped_scenarios()) {
    const std::string name = file.stem().string();
    benchmark::RegisterBenchmark(("BM_Load/" + name).c_str(), BM_Load, file)
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("BM_Run/" + name).c_str(), BM_Run, file)
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("BM_Sweep/" + name).c_str(), BM_Sweep, file)
        ->ArgName("jobs")
        ->Arg(1)
        ->Arg(2)
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
