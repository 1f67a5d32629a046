// Benchmarks of the engine on the bench workload (configs/bench/workload.yaml)
// and of whole runs and sweeps (docs/PERFORMANCE.md). Speed is measured
// here and recorded by scripts/bench, never asserted in tests.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <memory>

#include "batch/runner.hpp"
#include "config/sweep_reader.hpp"
#include "config/yaml_reader.hpp"
#include "core/engine.hpp"
#include "core/param_path.hpp"
#include "core/rules.hpp"
#include "sweep_bench.hpp"

namespace {

cw::Scenario workload(std::int64_t labs, std::int64_t providers = 6) {
  cw::Scenario s = cw::load_scenario(CW_SOURCE_DIR "/configs/bench/workload.yaml");
  cw::set_parameter(s, "labs.count", std::to_string(labs));
  // P = 24: four copies of the six providers, prices and qualities kept.
  const auto base = s.providers;
  s.providers.clear();
  for (std::int64_t i = 0; i < providers; ++i) {
    cw::ProviderParams p = base[static_cast<std::size_t>(i) % base.size()];
    p.name = "P" + std::to_string(i + 1);
    s.providers.push_back(p);
  }
  return s;  // 120 steps: the benchmarks cycle through this trajectory
}

// Items are lab-steps; ns_per_lab_step is the time of one.
void per_lab_step(benchmark::State& state, std::int64_t labs) {
  state.SetItemsProcessed(state.iterations() * labs);
  state.counters["ns_per_lab_step"] =
      benchmark::Counter(static_cast<double>(state.iterations() * labs),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

// The whole step (all rules in order), per lab-step. The market changes
// over a run (demand grows, allocations and opinions settle), so the cost of
// a step depends on which step it is: the benchmark cycles through the
// workload's 120 steps, starting a new run (untimed) after the last, so
// that every measurement averages over the same trajectory.
void BM_Step(benchmark::State& state) {
  const auto n = state.range(0);
  const auto P = state.range(1);
  const cw::Scenario s = workload(n, P);
  auto sim = std::make_unique<cw::Simulation>(s);
  sim->step();  // warm: the first step allocates its scratch rows
  for (auto _ : state) {
    if (sim->done()) {
      state.PauseTiming();
      sim = std::make_unique<cw::Simulation>(s);
      state.ResumeTiming();
    }
    benchmark::DoNotOptimize(sim->step().hhi);
  }
  per_lab_step(state, n);
}
BENCHMARK(BM_Step)
    ->ArgNames({"labs", "providers"})
    ->Args({100, 6})
    ->Args({1000, 6})
    ->Args({10000, 6})
    ->Args({100000, 6})
    ->Args({1000, 24})
    ->Args({100000, 24})
    ->Unit(benchmark::kMicrosecond);
// A million labs: a step takes about 0.1 s, so at least 3 s of steps.
BENCHMARK(BM_Step)
    ->ArgNames({"labs", "providers"})
    ->Args({1000000, 6})
    ->MinTime(3.0)
    ->Unit(benchmark::kMicrosecond);

// The choice rule alone (step 3), per lab-step.
void BM_Choice(benchmark::State& state) {
  const auto n = state.range(0);
  const cw::Scenario s = workload(n);
  cw::State st = cw::init_state(s);
  cw::StepCounters c;
  for (auto _ : state) {
    if (st.step == s.steps) {  // the same 120 steps again (see BM_Step)
      state.PauseTiming();
      st = cw::init_state(s);
      state.ResumeTiming();
    }
    cw::rule_choice(s, st, c);
    ++st.step;
  }
  per_lab_step(state, n);
}
BENCHMARK(BM_Choice)->ArgName("labs")->Arg(1000)->Arg(100000)->Unit(benchmark::kMicrosecond);

// The narrative rule alone (opinion update and reputation; step 6).
void BM_Opinion(benchmark::State& state) {
  const auto n = state.range(0);
  const cw::Scenario s = workload(n);
  cw::State st = cw::init_state(s);
  cw::StepCounters c;
  cw::rule_capacity(s, st, c);
  for (auto _ : state) {
    if (st.step == s.steps) {  // the same 120 steps again (see BM_Step)
      state.PauseTiming();
      st = cw::init_state(s);
      cw::rule_capacity(s, st, c);
      state.ResumeTiming();
    }
    cw::rule_narrative(s, st, c);
    ++st.step;
  }
  per_lab_step(state, n);
}
BENCHMARK(BM_Opinion)->ArgName("labs")->Arg(1000)->Arg(100000)->Unit(benchmark::kMicrosecond);

// A full run of configs/default.yaml (200 labs, 120 steps), no output.
void BM_DefaultRun(benchmark::State& state) {
  const cw::Scenario s = cw::load_scenario(CW_SOURCE_DIR "/configs/default.yaml");
  for (auto _ : state) benchmark::DoNotOptimize(cw::run_scenario(s).hhi_final);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DefaultRun)->Unit(benchmark::kMillisecond);

// Sweep throughput: 100 runs of configs/default.yaml (replicates) through
// the runner, writing its files, at 1 and 2 jobs; items are runs.
void BM_Sweep(benchmark::State& state) {
  cw::bench::run_sweep_benchmark(state, CW_SOURCE_DIR "/configs/default.yaml", "cw_bench_sweep",
                                 static_cast<int>(state.range(0)));
}
BENCHMARK(BM_Sweep)->ArgName("jobs")->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
