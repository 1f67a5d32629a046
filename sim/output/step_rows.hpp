// The per-step rows of the tidy files (docs/OUTPUTS.md): steps.csv,
// step_providers.csv and events.csv. Formatted here once, for single runs
// (run_writer.cpp) and sweeps (batch/runner.cpp), so both write the same
// bytes for the same step.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/metrics.hpp"
#include "core/params.hpp"
#include "core/state.hpp"

namespace cw {

// The files' headers.
std::vector<std::string> steps_header(const Scenario& s);
std::vector<std::string> step_providers_header();
std::vector<std::string> events_header();
std::vector<std::string> step_labs_header();
std::vector<std::string> run_labs_header(const Scenario& s);

// Appends step m's row to `steps` and one row per provider to
// `step_providers`, each keyed by run_id, step and date.
void append_step_rows(std::string& steps, std::string& step_providers, std::int64_t run_id,
                      const Scenario& s, const State& st, const StepMetrics& m);

// Appends one events.csv row per event of the step (st.log), keyed by
// run_id, step and date.
void append_event_rows(std::string& events, std::int64_t run_id, const State& st,
                       const StepMetrics& m);

// Appends one step_labs.csv row per named lab in the market and provider.
void append_lab_step_rows(std::string& rows, std::int64_t run_id, const Scenario& s,
                          const State& st, const StepMetrics& m);

// Appends one run_labs.csv row per named lab (run r's LabOutcomes).
void append_run_lab_rows(std::string& rows, std::int64_t run_id, const Scenario& s,
                         const RunOutcome& r);

// The same with empty outcome cells: a failed run.
void append_failed_run_lab_rows(std::string& rows, std::int64_t run_id, const Scenario& s);

}  // namespace cw
