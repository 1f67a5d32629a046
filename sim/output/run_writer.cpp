#include "output/run_writer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <sstream>

#include "output/columns.hpp"
#include "output/graph_export.hpp"
#include "output/step_rows.hpp"

namespace cw {

RunWriter::RunWriter(std::filesystem::path dir, std::int64_t run_id)
    : dir_(std::move(dir)), run_id_(run_id) {}

void RunWriter::on_start(const Scenario& s, const State& st) {
  std::filesystem::create_directories(dir_);
  if (s.output.step_files) {
    steps_ = std::make_unique<CsvWriter>(dir_ / "steps.csv", steps_header(s));
    step_providers_ =
        std::make_unique<CsvWriter>(dir_ / "step_providers.csv", step_providers_header());
  }
  if (s.output.events) {
    events_ = std::make_unique<CsvWriter>(dir_ / "events.csv", events_header());
  }
  if (s.output.lab_steps) {
    step_labs_ = std::make_unique<CsvWriter>(dir_ / "step_labs.csv", step_labs_header());
  }
  (void)st;
}

void RunWriter::on_step(const Scenario& s, const State& st, const StepMetrics& m) {
  if (steps_) {
    rows_.clear();
    provider_rows_.clear();
    append_step_rows(rows_, provider_rows_, run_id_, s, st, m);
    steps_->append_rows(rows_);
    step_providers_->append_rows(provider_rows_);
  }
  if (events_) {
    rows_.clear();
    append_event_rows(rows_, run_id_, st, m);
    events_->append_rows(rows_);
  }
  if (step_labs_) {
    rows_.clear();
    append_lab_step_rows(rows_, run_id_, s, st, m);
    step_labs_->append_rows(rows_);
  }
  const auto& gs = s.output.graph_steps;
  if (std::find(gs.begin(), gs.end(), m.step) != gs.end()) export_graph(s, st, m.step);
}

void RunWriter::export_graph(const Scenario& s, const State& st, std::int64_t step) {
  const VertexNames names{[&st](std::size_t slot) { return st.lab_name(slot); },
                          [&s](std::size_t p) { return s.providers[p].name; }};
  const MarketGraph g = market_graph(st, s.metrics.usage_threshold);
  const auto format = s.output.graph_format;
  const std::string stem = fmt::format("graph_step{:05d}", step);
  auto save = [&](const char* extension,
                  void (*write)(std::ostream&, const MarketGraph&, const VertexNames&)) {
    std::ostringstream os;
    write(os, g, names);
    graphs_.push_back(std::make_unique<AtomicFile>(dir_ / (stem + extension)));
    graphs_.back()->write(os.str());
  };
  if (format == GraphFormat::graphml || format == GraphFormat::both) {
    save(".graphml", write_graphml);
  }
  if (format == GraphFormat::dot || format == GraphFormat::both) {
    save(".dot", write_dot);
  }
}

void RunWriter::on_end(const Scenario& s, const State& st, const RunOutcome& r) {
  (void)st;
  CsvWriter runs(dir_ / "runs.csv",
                 header_of({"run_id", "seed"}, [&](auto&& k) { run_columns(k, s, r); }));
  runs.cell(run_id_).cell(static_cast<std::int64_t>(s.seed));
  run_columns(CellSink<CsvWriter>{runs}, s, r);
  runs.end_row();

  ProviderOutcome po;
  CsvWriter providers(dir_ / "run_providers.csv", header_of({"run_id", "provider"}, [&](auto&& k) {
                        run_provider_columns(k, po);
                      }));
  for (std::size_t p = 0; p < r.providers.size(); ++p) {
    providers.cell(run_id_).cell(s.providers[p].name);
    run_provider_columns(CellSink<CsvWriter>{providers}, r.providers[p]);
    providers.end_row();
  }

  CsvWriter labs(dir_ / "run_labs.csv", run_labs_header(s));
  rows_.clear();
  append_run_lab_rows(rows_, run_id_, s, r);
  labs.append_rows(rows_);

  runs.commit();
  files_.push_back(dir_ / "runs.csv");
  providers.commit();
  files_.push_back(dir_ / "run_providers.csv");
  labs.commit();
  files_.push_back(dir_ / "run_labs.csv");
  if (steps_) {
    steps_->commit();
    files_.push_back(dir_ / "steps.csv");
    step_providers_->commit();
    files_.push_back(dir_ / "step_providers.csv");
  }
  if (events_) {
    events_->commit();
    files_.push_back(dir_ / "events.csv");
  }
  if (step_labs_) {
    step_labs_->commit();
    files_.push_back(dir_ / "step_labs.csv");
  }
  for (auto& g : graphs_) {
    g->commit();
    files_.push_back(g->target());
  }
  // Output files of an earlier run into the same folder that this run did
  // not write would mix two runs: remove them.
  for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
    const std::string name = entry.path().filename().string();
    const bool ours = name == "steps.csv" || name == "step_providers.csv" || name == "events.csv" ||
                      name == "step_labs.csv" ||
                      (name.rfind("graph_step", 0) == 0 &&
                       (name.ends_with(".graphml") || name.ends_with(".dot")));
    if (ours && std::find(files_.begin(), files_.end(), entry.path()) == files_.end()) {
      std::filesystem::remove(entry.path());
    }
  }
}

}  // namespace cw
