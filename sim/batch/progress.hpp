// Progress reports on stderr for sweep and compare (docs/SWEEPS.md,
// "Progress and messages"): runs done of the total, the rate of this
// invocation and the time left at that rate.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <string_view>

namespace cw {

// auto: a line redrawn in place (\r) at most 4 times a second when stderr is
// a terminal, else `plain`. plain: one line every few seconds. json: one
// JSON object per line, every few seconds. none: nothing.
enum class ProgressMode { automatic, plain, json, none };
inline constexpr std::array<std::string_view, 4> kProgressModeNames = {"auto", "plain", "json",
                                                                       "none"};

class Progress {
 public:
  // `done` runs were done before this invocation (resumed). The interval of
  // plain and json lines is 5 s, or CLOUDWARS_PROGRESS_INTERVAL seconds
  // (0: after every run; for tests).
  Progress(ProgressMode mode, std::int64_t total, std::int64_t done);
  // Called after each run; reports when the interval has passed.
  void update(std::int64_t done);
  // The last report (always, for plain and json), ending the line in tty mode.
  void finish(std::int64_t done);

 private:
  using Clock = std::chrono::steady_clock;
  void report(std::int64_t done, bool final);
  enum class Kind { tty, plain, json, none } kind_;
  std::int64_t total_, start_done_;
  Clock::time_point start_, last_;
  std::chrono::duration<double> interval_;
  bool reported_ = false;
};

}  // namespace cw
