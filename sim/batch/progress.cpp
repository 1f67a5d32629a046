#include "batch/progress.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

namespace cw {

Progress::Progress(ProgressMode mode, std::int64_t total, std::int64_t done)
    : total_(total), start_done_(done), start_(Clock::now()), last_(start_) {
  switch (mode) {
    case ProgressMode::automatic:
      kind_ = ::isatty(STDERR_FILENO) != 0 ? Kind::tty : Kind::plain;
      break;
    case ProgressMode::plain:
      kind_ = Kind::plain;
      break;
    case ProgressMode::json:
      kind_ = Kind::json;
      break;
    case ProgressMode::none:
      kind_ = Kind::none;
      break;
  }
  interval_ = std::chrono::duration<double>(kind_ == Kind::tty ? 0.25 : 5.0);
  if (const char* env = std::getenv("CLOUDWARS_PROGRESS_INTERVAL")) {
    char* end = nullptr;
    const double s = std::strtod(env, &end);
    if (end != env && std::isfinite(s) && s >= 0) interval_ = std::chrono::duration<double>(s);
  }
}

void Progress::update(std::int64_t done) {
  if (kind_ == Kind::none) return;
  const auto now = Clock::now();
  if (now - last_ < interval_) return;
  last_ = now;
  report(done, false);
}

void Progress::finish(std::int64_t done) {
  if (kind_ == Kind::none) return;
  // A terminal line is only ended if one was drawn; plain and json always
  // end with a report of the final count.
  if (kind_ == Kind::tty && !reported_ && done == start_done_) return;
  report(done, true);
}

void Progress::report(std::int64_t done, bool final) {
  reported_ = true;
  const double secs = std::chrono::duration<double>(Clock::now() - start_).count();
  const double rate = secs > 0 ? static_cast<double>(done - start_done_) / secs : 0.0;
  const double eta = rate > 0 ? static_cast<double>(total_ - done) / rate : 0.0;
  switch (kind_) {
    case Kind::tty:
      fmt::print(stderr, "\r{}/{} runs  {:.1f} runs/s  ETA {:.0f} s   ", done, total_, rate, eta);
      if (final) fmt::print(stderr, "\n");
      break;
    case Kind::plain:
      fmt::print(stderr, "{}/{} runs  {:.1f} runs/s  ETA {:.0f} s\n", done, total_, rate, eta);
      break;
    case Kind::json: {
      const nlohmann::ordered_json j = {{"done", done},
                                        {"total", total_},
                                        {"rate", std::round(rate * 10) / 10},
                                        {"eta_s", std::round(eta)},
                                        {"elapsed_s", std::round(secs * 10) / 10}};
      fmt::print(stderr, "{}\n", j.dump());
      break;
    }
    case Kind::none:
      break;
  }
  std::fflush(stderr);
}

}  // namespace cw
