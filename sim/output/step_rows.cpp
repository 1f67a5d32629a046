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
