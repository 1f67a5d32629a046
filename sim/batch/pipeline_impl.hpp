// The template of pipeline.hpp: an ordered pipeline on `jobs` threads.
//
// The calling thread and jobs - 1 others each take the next run id (under
// one mutex), run it outside the lock, and put its result in a ring of
// 4 * jobs slots (an id as far ahead of the oldest one not yet through the
// sink as the ring is long waits: 4 * jobs ids in flight at most, the one
// being written included, as TBB's tokens counted them).
// Whoever finishes the oldest untaken id becomes the sink: it hands that
// result, and every result ready after it, to the sink one at a time and in
// id order, outside the lock; the other threads go on running. So the sink
// is called by one thread at a time, in id order, and exactly `jobs` threads
// work (the sink's writing included), whatever the core count.
#pragma once

#include <signal.h>

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <vector>

namespace cw {

namespace detail {

// Sets the interrupt flag on SIGINT and SIGTERM while it lives, but for a
// signal the process inherited as ignored, which stays ignored; the previous
// actions come back when it ends (also by an exception).
// Its constructor and destructor and interrupt_flag() are also called by the
// MPI module (batch/mpi_api.hpp): they take and give no C++ library types
// and throw nothing.
class InterruptGuard {
 public:
  InterruptGuard() noexcept;
  ~InterruptGuard();
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;

 private:
  struct sigaction int_ {
  }, term_{};
};

bool interrupt_flag() noexcept;

}  // namespace detail

template <class Result>
std::int64_t run_in_order(int jobs, std::int64_t from, std::int64_t end,
                          const std::function<Result(std::int64_t)>& run,
                          const std::function<bool(Result&&)>& sink) {
  // Results move between threads outside any handler: a throwing move would
  // end the process.
  static_assert(std::is_nothrow_move_constructible_v<Result> &&
                std::is_nothrow_move_assignable_v<Result>);
  detail::InterruptGuard interrupts;
  if (jobs < 1) jobs = 1;
  const std::int64_t ring = 4 * static_cast<std::int64_t>(jobs);
  std::vector<std::optional<Result>> slots(static_cast<std::size_t>(ring));
  const auto slot = [&](std::int64_t k) -> std::optional<Result>& {
    return slots[static_cast<std::size_t>((k - from) % ring)];
  };
  std::mutex mutex;
  std::condition_variable room;  // the oldest untaken id moved, or the end came
  std::int64_t next = from;      // the next id to hand out
  std::int64_t oldest = from;    // the next id for the sink
  bool sinking = false;          // a thread is handing results to the sink
  bool stop = false;             // the sink said stop, or something threw
  std::exception_ptr error;

  const auto fail = [&](std::exception_ptr e) {  // with the lock held
    if (!error) error = std::move(e);
    stop = true;
  };
  const auto work = [&] {
    std::unique_lock lock(mutex);
    for (;;) {
      room.wait(lock, [&] {
        return stop || next >= end || detail::interrupt_flag() || next < oldest + ring;
      });
      if (stop || next >= end || detail::interrupt_flag()) return;
      const std::int64_t k = next++;
      lock.unlock();
      std::optional<Result> result;
      std::exception_ptr thrown;
      try {
        result.emplace(run(k));
      } catch (...) {
        thrown = std::current_exception();
      }
      lock.lock();
      if (thrown) {
        fail(std::move(thrown));
        room.notify_all();
        return;
      }
      slot(k) = std::move(result);
      // Every id below `next` was handed out and finishes or fails, so the
      // thread that completes the oldest one always finds the sink free or
      // the current sink finds its result when it looks again.
      while (!sinking && !stop && oldest < next && slot(oldest)) {
        Result r = std::move(*slot(oldest));
        slot(oldest).reset();
        sinking = true;
        lock.unlock();
        bool more = true;
        try {
          more = sink(std::move(r));
        } catch (...) {
          thrown = std::current_exception();
        }
        lock.lock();
        sinking = false;
        ++oldest;  // its slot of the ring is free only now, as TBB's token was
        if (thrown) fail(std::move(thrown));
        if (!more) stop = true;
        room.notify_all();
      }
    }
  };

  std::vector<std::thread> threads;
  threads.reserve(static_cast<std::size_t>(jobs - 1));
  try {
    for (int t = 1; t < jobs; ++t) threads.emplace_back(work);
  } catch (...) {  // no thread to be had: stop those started, then say so
    {
      std::lock_guard lock(mutex);
      fail(std::current_exception());
    }
    room.notify_all();
  }
  work();
  for (std::thread& t : threads) t.join();
  if (error) std::rethrow_exception(error);
  return oldest - from;  // the results the sink took
}

}  // namespace cw
