// The template of pipeline.hpp (TBB is only seen by sim/batch's sources).
#pragma once

#include <tbb/global_control.h>
#include <tbb/parallel_pipeline.h>
#include <tbb/task_arena.h>

#include <atomic>

namespace cw {

namespace detail {

// Sets the interrupt flag on SIGINT and SIGTERM while it lives; the previous
// handlers come back when it ends (also by an exception).
class InterruptGuard {
 public:
  InterruptGuard();
  ~InterruptGuard();
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;

 private:
  using Handler = void (*)(int);
  Handler int_ = nullptr, term_ = nullptr;
};

bool interrupt_flag();

}  // namespace detail

template <class Result>
std::int64_t run_in_order(int jobs, std::int64_t from, std::int64_t end,
                          const std::function<Result(std::int64_t)>& run,
                          const std::function<bool(Result&&)>& sink) {
  detail::InterruptGuard interrupts;
  std::int64_t next = from;
  std::int64_t taken = 0;
  bool stop = false;
  auto source = [&](tbb::flow_control& fc) -> std::int64_t {
    if (next >= end || stop || detail::interrupt_flag()) {
      fc.stop();
      return 0;
    }
    return next++;
  };
  auto work = [&run](std::int64_t k) { return run(k); };
  auto take = [&](Result r) {
    if (stop) return;
    ++taken;
    if (!sink(std::move(r))) stop = true;
  };
  // Exactly `jobs` threads, also above the core count (TBB caps its
  // workers at the cores unless told otherwise).
  tbb::global_control threads(tbb::global_control::max_allowed_parallelism,
                              static_cast<std::size_t>(jobs));
  tbb::task_arena arena(jobs);
  arena.execute([&] {
    tbb::parallel_pipeline(
        static_cast<std::size_t>(4 * jobs),
        tbb::make_filter<void, std::int64_t>(tbb::filter_mode::serial_in_order, source) &
            tbb::make_filter<std::int64_t, Result>(tbb::filter_mode::parallel, work) &
            tbb::make_filter<Result, void>(tbb::filter_mode::serial_in_order, take));
  });
  return taken;
}

}  // namespace cw
