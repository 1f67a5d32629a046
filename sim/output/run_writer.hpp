// Writes one run's tidy files (docs/OUTPUTS.md) as an engine Observer:
// steps.csv and step_providers.csv as the run goes (when output.step_files),
// step_labs.csv (when output.lab_steps), runs.csv, run_providers.csv and
// run_labs.csv at its end, and graph exports at the steps
// of output.graph_steps. Every file is committed only when the run ends well.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/engine.hpp"
#include "output/csv.hpp"

namespace cw {

class RunWriter final : public Observer {
 public:
  RunWriter(std::filesystem::path dir, std::int64_t run_id = 0);

  void on_start(const Scenario& s, const State& st) override;
  void on_step(const Scenario& s, const State& st, const StepMetrics& m) override;
  void on_end(const Scenario& s, const State& st, const RunOutcome& r) override;
  bool wants_events() const override { return events_ != nullptr; }

  // The files written (committed) by on_end, for the summary.
  const std::vector<std::filesystem::path>& files() const { return files_; }

 private:
  void export_graph(const Scenario& s, const State& st, std::int64_t step);

  std::filesystem::path dir_;
  std::int64_t run_id_;
  std::unique_ptr<CsvWriter> steps_, step_providers_, events_, step_labs_;
  std::vector<std::unique_ptr<AtomicFile>> graphs_;
  std::vector<std::filesystem::path> files_;
  std::string rows_, provider_rows_;  // one step's rows, reused
};

}  // namespace cw
