// The sweep-throughput benchmark body shared by step_bench (default.yaml)
// and scenario_bench (every shipped scenario): `replicates: 100` of `base`
// through the runner, files written to a temporary folder, `jobs` at once;
// items are runs. Nothing is left in the temporary folder afterwards.
#pragma once

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "batch/runner.hpp"
#include "config/sweep_reader.hpp"

namespace cw::bench {

inline void run_sweep_benchmark(benchmark::State& state, const std::filesystem::path& base,
                                const std::string& tag, int jobs) {
  namespace fs = std::filesystem;
  // A folder of this call's own (mkdtemp), holding the sweep file, the
  // results folder and its lock file; removed with them at the end.
  std::string made =
      (fs::temp_directory_path() / (tag + "_" + std::to_string(jobs) + "_XXXXXX")).string();
  if (::mkdtemp(made.data()) == nullptr) {
    state.SkipWithError("cannot make a temporary folder");
    return;
  }
  const fs::path work = made;
  const fs::path sweep_file = work / "sweep.yaml";
  if (std::FILE* f = std::fopen(sweep_file.c_str(), "w")) {
    std::fprintf(f, "name: bench-sweep\nbase: %s\nreplicates: 100\ndesign: {kind: grid}\n",
                 fs::absolute(base).c_str());
    std::fclose(f);
  }
  const Sweep sw = load_sweep(sweep_file);
  SweepOptions opt;
  opt.out = work / "out";
  opt.jobs = jobs;
  opt.restart = true;
  for (auto _ : state) benchmark::DoNotOptimize(run_sweep(sw, opt).ran);
  state.SetItemsProcessed(state.iterations() * sw.runs());
  std::error_code ec;
  fs::remove_all(work, ec);
}

}  // namespace cw::bench
