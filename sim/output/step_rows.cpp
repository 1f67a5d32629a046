#include "output/step_rows.hpp"

#include <string_view>

#include "output/columns.hpp"
#include "output/csv.hpp"

namespace cw {

namespace {

// The keys every per-step row starts with.
void step_keys(CsvLine& line, std::int64_t run_id, const StepMetrics& m, std::string_view date) {
  line.cell(run_id).cell(m.step).cell(date);
}

}  // namespace

std::vector<std::string> steps_header(const Scenario& s) {
  StepMetrics m;
  return header_of({"run_id", "step", "date"}, [&](auto&& k) { step_columns(k, s, m); });
}

std::vector<std::string> step_providers_header() {
  ProviderStep p;
  return header_of({"run_id", "step", "date", "provider"},
                   [&](auto&& k) { step_provider_columns(k, p); });
}

std::vector<std::string> events_header() {
  EventRecord e;
  return header_of({"run_id", "step", "date"}, [&](auto&& k) { event_columns(k, e); });
}

std::vector<std::string> step_labs_header() {
  return header_of({"run_id", "step", "date", "lab", "provider"},
                   [](auto&& k) { step_lab_columns(k, LabStep{}); });
}

std::vector<std::string> run_labs_header(const Scenario& s) {
  return header_of({"run_id", "lab"}, [&](auto&& k) { run_lab_columns(k, s, LabOutcome{}); });
}

void append_lab_step_rows(std::string& rows, std::int64_t run_id, const Scenario& s,
                          const State& st, const StepMetrics& m) {
  if (s.labs.named.empty()) return;
  const std::string date = format_year_month(st.start_month + m.step);
  const LabState& L = st.labs;
  CsvLine line(rows);
  for (const NamedLabParams& named : s.labs.named) {
    const std::int64_t slot = st.slot_of_named(named.name);
    if (slot < 0) continue;
    const auto l = static_cast<std::size_t>(slot);
    for (std::size_t p = 0; p < st.P; ++p) {
      LabStep r;
      r.demand = L.demand[l];
      r.allocation = L.x.at(l, p);
      r.opinion = L.opinion.data.empty() ? 0.0 : L.opinion.at(l, p);
      r.lock_in = L.lock.data.empty() ? 0.0 : L.lock.at(l, p);
      r.credit = L.credit.data.empty() ? 0.0 : L.credit.at(l, p);
      step_keys(line, run_id, m, date);
      line.cell(std::string_view(named.name)).cell(std::string_view(s.providers[p].name));
      step_lab_columns(CellSink<CsvLine>{line}, r);
      line.end();
    }
  }
}

void append_run_lab_rows(std::string& rows, std::int64_t run_id, const Scenario& s,
                         const RunOutcome& r) {
  CsvLine line(rows);
  for (std::size_t i = 0; i < s.labs.named.size(); ++i) {
    line.cell(run_id).cell(std::string_view(s.labs.named[i].name));
    run_lab_columns(CellSink<CsvLine>{line}, s, r.labs[i]);
    line.end();
  }
}

void append_failed_run_lab_rows(std::string& rows, std::int64_t run_id, const Scenario& s) {
  CsvLine line(rows);
  for (const NamedLabParams& named : s.labs.named) {
    line.cell(run_id).cell(std::string_view(named.name));
    run_lab_columns(EmptySink<CsvLine>{line}, s, LabOutcome{});
    line.end();
  }
}

void append_step_rows(std::string& steps, std::string& step_providers, std::int64_t run_id,
                      const Scenario& s, const State& st, const StepMetrics& m) {
  const std::string date = format_year_month(st.start_month + m.step);
  CsvLine line(steps);
  step_keys(line, run_id, m, date);
  step_columns(CellSink<CsvLine>{line}, s, m);
  line.end();
  CsvLine pl(step_providers);
  for (std::size_t p = 0; p < m.providers.size(); ++p) {
    step_keys(pl, run_id, m, date);
    pl.cell(std::string_view(s.providers[p].name));
    step_provider_columns(CellSink<CsvLine>{pl}, m.providers[p]);
    pl.end();
  }
}

void append_event_rows(std::string& events, std::int64_t run_id, const State& st,
                       const StepMetrics& m) {
  if (st.log.empty()) return;
  const std::string date = format_year_month(st.start_month + m.step);
  CsvLine line(events);
  for (const EventRecord& e : st.log) {
    step_keys(line, run_id, m, date);
    event_columns(CellSink<CsvLine>{line}, e);
    line.end();
  }
}

}  // namespace cw
