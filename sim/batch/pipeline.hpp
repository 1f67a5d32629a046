// Runs in parallel, results in order (SPEC §4): the one ordered pipeline
// behind `sweep` and `compare` (batch/pipeline_impl.hpp). Run ids are handed out in order, run on
// `jobs` threads, and their results reach the sink one at a time in run id
// order, so what the sink writes does not depend on `jobs` or on the order
// runs finish. SIGINT and SIGTERM stop new runs; runs in flight finish.
#pragma once

#include <algorithm>
#include <cstdint>
#include <exception>
#include <functional>
#include <string>

namespace cw {

// Whether SIGINT or SIGTERM arrived during the last run_in_order.
bool interrupted();

// Runs run(k) for k in [from, end) on `jobs` threads (exactly that many,
// also above the core count) and calls sink(result) in order of k. Stops
// handing out ids on SIGINT/SIGTERM (or once sink returns false). Returns
// the number of results the sink took.
template <class Result>
std::int64_t run_in_order(int jobs, std::int64_t from, std::int64_t end,
                          const std::function<Result(std::int64_t)>& run,
                          const std::function<bool(Result&&)>& sink);

// A failed run's message on one line, as its `message` cell in runs.csv
// (a line break would break the row).
inline std::string one_line_message(const std::exception& e) {
  std::string message = e.what();
  std::replace(message.begin(), message.end(), '\n', ' ');
  std::replace(message.begin(), message.end(), '\r', ' ');
  return message;
}

}  // namespace cw

#include "batch/pipeline_impl.hpp"
