// The sweep-throughput benchmark body shared by step_bench (default.yaml)
// and scenario_bench (every shipped scenario): `replicates: 100` of `base`
// through the runner, files written to a temporary folder, `jobs` at once;
// items are runs. The folder, the sweep file and the lock file go afterwards.
#pragma once

#include <benchmark/benchmark.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "batch/runner.hpp"
#include "config/sweep_reader.hpp"
#include "output/folder_lock.hpp"

namespace cw::bench {

inline void run_sweep_benchmark(benchmark::State& state, const std::filesystem::path& base,
                                const std::string& tag, int jobs) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / (tag + "_" + std::to_string(jobs));
  const fs::path sweep_file = dir.string() + ".yaml";
  fs::create_directories(dir);
  if (std::FILE* f = std::fopen(sweep_file.c_str(), "w")) {
    std::fprintf(f, "name: bench-sweep\nbase: %s\nreplicates: 100\ndesign: {kind: grid}\n",
                 fs::absolute(base).c_str());
    std::fclose(f);
  }
  const Sweep sw = load_sweep(sweep_file);
  SweepOptions opt;
  opt.out = dir;
  opt.jobs = jobs;
  opt.restart = true;
  for (auto _ : state) benchmark::DoNotOptimize(run_sweep(sw, opt).ran);
  state.SetItemsProcessed(state.iterations() * sw.runs());
  std::error_code ec;  // nothing left in the temporary folder
  fs::remove_all(dir, ec);
  fs::remove(sweep_file, ec);
  fs::remove(lock_file_of(dir), ec);
}

}  // namespace cw::bench
