// The ordered pipeline behind `sweep` and `compare` (batch/pipeline.hpp):
// results reach the sink in id order, one call at a time, from exactly
// `jobs` threads, with at most 4 * jobs ids in flight; the sink's false
// stops it, and so does SIGINT, after writing every run started; an
// exception of a run or of the sink comes out of run_in_order.
// Every expectation is a property of the contract, whatever the timing: the
// runs' durations are varied on purpose (a run id's own sleep) so that they
// finish out of order.
#include "batch/pipeline.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

namespace {

// A run's own delay: ids finish out of order (0 to 7 x 50 us, a fixed
// permutation of the id's low bits).
void uneven_work(std::int64_t k) {
  std::this_thread::sleep_for(std::chrono::microseconds(50 * ((k * 5 + 3) % 8)));
}

TEST(Pipeline, ResultsReachTheSinkInIdOrderOneAtATime) {
  for (const int jobs : {1, 2, 3, 8}) {
    std::vector<std::int64_t> seen;
    std::atomic<int> inside{0};
    std::atomic<bool> overlapped{false};
    const std::function<std::int64_t(std::int64_t)> run = [](std::int64_t k) {
      uneven_work(k);
      return k * k;
    };
    const std::function<bool(std::int64_t &&)> sink = [&](std::int64_t&& r) {
      if (inside.fetch_add(1) != 0) overlapped = true;
      seen.push_back(r);
      uneven_work(r);
      inside.fetch_sub(1);
      return true;
    };
    const std::int64_t taken = cw::run_in_order<std::int64_t>(jobs, 5, 205, run, sink);
    EXPECT_EQ(taken, 200) << "jobs " << jobs;
    ASSERT_EQ(seen.size(), 200u) << "jobs " << jobs;
    for (std::int64_t i = 0; i < 200; ++i) EXPECT_EQ(seen[i], (i + 5) * (i + 5));
    EXPECT_FALSE(overlapped) << "the sink was entered by two threads at once, jobs " << jobs;
  }
}

TEST(Pipeline, AnEmptyRangeRunsNothing) {
  int calls = 0;
  const std::function<int(std::int64_t)> run = [&](std::int64_t) { return ++calls; };
  const std::function<bool(int&&)> sink = [&](int&&) { return ++calls > 0; };
  EXPECT_EQ(cw::run_in_order<int>(4, 7, 7, run, sink), 0);
  EXPECT_EQ(calls, 0);
}

// Exactly `jobs` threads: the first `jobs` runs wait until that many are
// inside at once (they would wait for ever with fewer threads; a generous
// deadline turns that into a failure instead of a hang), and no run or sink
// call comes from more than `jobs` distinct threads.
TEST(Pipeline, RunsOnExactlyJobsThreadsTheCallersIncluded) {
  for (const int jobs : {1, 2, 5}) {
    std::mutex m;
    std::condition_variable cv;
    int waiting = 0;
    bool all_met = true;
    std::set<std::thread::id> threads;
    const std::function<int(std::int64_t)> run = [&](std::int64_t k) {
      std::unique_lock lock(m);
      threads.insert(std::this_thread::get_id());
      if (k < jobs) {
        ++waiting;
        cv.notify_all();
        if (!cv.wait_for(lock, std::chrono::seconds(60), [&] { return waiting >= jobs; })) {
          all_met = false;
        }
      }
      return static_cast<int>(k);
    };
    const std::function<bool(int&&)> sink = [&](int&&) {
      std::lock_guard lock(m);
      threads.insert(std::this_thread::get_id());
      return true;
    };
    EXPECT_EQ(cw::run_in_order<int>(jobs, 0, 50, run, sink), 50);
    EXPECT_TRUE(all_met) << jobs << " runs were never inside at once";
    EXPECT_LE(threads.size(), static_cast<std::size_t>(jobs));
    EXPECT_TRUE(threads.count(std::this_thread::get_id())) << "the caller works too";
  }
}

// At most 4 * jobs ids in flight, from the oldest not yet through the sink
// to the newest started: a slow sink holds the runs back instead of piling
// up results.
TEST(Pipeline, AtMostFourTimesJobsIdsInFlight) {
  const int jobs = 3;
  std::atomic<std::int64_t> sunk{0}, widest{0};
  const std::function<std::int64_t(std::int64_t)> run = [&](std::int64_t k) {
    const std::int64_t ahead = k - sunk.load();
    std::int64_t w = widest.load();
    while (ahead > w && !widest.compare_exchange_weak(w, ahead)) {
    }
    return k;
  };
  const std::function<bool(std::int64_t &&)> sink = [&](std::int64_t&& k) {
    std::this_thread::sleep_for(std::chrono::microseconds(200));
    sunk.store(k + 1);
    return true;
  };
  EXPECT_EQ(cw::run_in_order<std::int64_t>(jobs, 0, 120, run, sink), 120);
  EXPECT_LT(widest.load(), 4 * jobs);
  EXPECT_GE(widest.load(), 1) << "the runs never got ahead of the sink";
}

TEST(Pipeline, TheSinksFalseStopsItAndNothingComesAfter) {
  for (const int jobs : {1, 4}) {
    std::vector<std::int64_t> seen;
    std::atomic<std::int64_t> started{0};
    const std::function<std::int64_t(std::int64_t)> run = [&](std::int64_t k) {
      ++started;
      uneven_work(k);
      return k;
    };
    const std::function<bool(std::int64_t &&)> sink = [&](std::int64_t&& k) {
      seen.push_back(k);
      return k != 10;
    };
    EXPECT_EQ(cw::run_in_order<std::int64_t>(jobs, 0, 1000, run, sink), 11);
    ASSERT_EQ(seen.size(), 11u);
    EXPECT_EQ(seen.back(), 10);
    // The ring bounds what was started beyond the stop: ids 0 to 10 + 4 jobs - 1.
    EXPECT_LE(started.load(), 10 + 4 * jobs);
  }
}

// SIGINT (Ctrl-C) stops the hand-out of ids; every id handed out still
// runs and reaches the sink, in order, so what the sink wrote is a prefix of
// the ids without a hole (the next call continues from it).
TEST(Pipeline, AnInterruptStopsTheHandOutAndWritesEveryRunStarted) {
  // SIGINT's default action, whatever this process inherited (an ignored
  // SIGINT stays ignored: the next test).
  struct sigaction default_action {
  }, saved{};
  default_action.sa_handler = SIG_DFL;
  sigemptyset(&default_action.sa_mask);
  ASSERT_EQ(::sigaction(SIGINT, &default_action, &saved), 0);
  for (const int jobs : {1, 3}) {
    std::mutex m;
    std::set<std::int64_t> started;
    std::vector<std::int64_t> seen;
    const std::function<std::int64_t(std::int64_t)> run = [&](std::int64_t k) {
      {
        std::lock_guard lock(m);
        started.insert(k);
      }
      if (k == 20) std::raise(SIGINT);
      uneven_work(k);
      return k;
    };
    const std::function<bool(std::int64_t &&)> sink = [&](std::int64_t&& k) {
      std::this_thread::sleep_for(std::chrono::microseconds(300));  // the ring fills
      seen.push_back(k);
      return true;
    };
    const std::int64_t taken = cw::run_in_order<std::int64_t>(jobs, 0, 1000, run, sink);
    EXPECT_TRUE(cw::interrupted()) << "jobs " << jobs;
    ASSERT_EQ(static_cast<std::int64_t>(seen.size()), taken);
    EXPECT_EQ(started.size(), seen.size()) << "a run started and not written, jobs " << jobs;
    for (std::size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i], static_cast<std::int64_t>(i));
    EXPECT_GE(taken, 21);
    EXPECT_LE(taken, 20 + 4 * jobs);
  }
  ::sigaction(SIGINT, &saved, nullptr);
}

extern "C" void do_nothing(int) {}

// A process that inherited SIGINT ignored (a sweep started in the
// background by a shell without job control) keeps ignoring it: every run is
// done. And whatever action a signal had before comes back afterwards.
TEST(Pipeline, AnIgnoredInterruptStaysIgnoredAndActionsComeBack) {
  struct sigaction ignore {
  }, mine{}, saved_int{}, saved_term{}, now{};
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  mine.sa_handler = do_nothing;
  sigemptyset(&mine.sa_mask);
  sigaddset(&mine.sa_mask, SIGUSR1);
  mine.sa_flags = SA_NODEFER;
  ASSERT_EQ(::sigaction(SIGINT, &ignore, &saved_int), 0);
  ASSERT_EQ(::sigaction(SIGTERM, &mine, &saved_term), 0);
  std::int64_t count = 0;
  const std::function<std::int64_t(std::int64_t)> run = [](std::int64_t k) {
    if (k == 20) std::raise(SIGINT);
    return k;
  };
  const std::function<bool(std::int64_t &&)> sink = [&](std::int64_t&&) { return ++count, true; };
  const std::int64_t taken = cw::run_in_order<std::int64_t>(2, 0, 100, run, sink);
  EXPECT_FALSE(cw::interrupted());
  EXPECT_EQ(taken, 100);
  EXPECT_EQ(count, 100);
  ::sigaction(SIGINT, nullptr, &now);
  EXPECT_EQ(now.sa_handler, SIG_IGN);
  ::sigaction(SIGTERM, nullptr, &now);
  EXPECT_EQ(now.sa_handler, &do_nothing);  // the whole action: handler, flags, mask
  EXPECT_TRUE(now.sa_flags & SA_NODEFER);
  EXPECT_FALSE(now.sa_flags & SA_RESTART);
  EXPECT_EQ(sigismember(&now.sa_mask, SIGUSR1), 1);
  ::sigaction(SIGINT, &saved_int, nullptr);
  ::sigaction(SIGTERM, &saved_term, nullptr);
}

TEST(Pipeline, ARunsExceptionComesOutAndLaterResultsAreNotTaken) {
  for (const int jobs : {1, 3}) {
    std::vector<std::int64_t> seen;
    const std::function<std::int64_t(std::int64_t)> run = [](std::int64_t k) -> std::int64_t {
      uneven_work(k);
      if (k == 17) throw std::runtime_error("run 17 failed");
      return k;
    };
    const std::function<bool(std::int64_t &&)> sink = [&](std::int64_t&& k) {
      seen.push_back(k);
      return true;
    };
    try {
      cw::run_in_order<std::int64_t>(jobs, 0, 100, run, sink);
      ADD_FAILURE() << "no exception, jobs " << jobs;
    } catch (const std::runtime_error& e) {
      EXPECT_STREQ(e.what(), "run 17 failed");
    }
    ASSERT_LE(seen.size(), 17u);
    for (std::size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i], static_cast<std::int64_t>(i));
  }
}

TEST(Pipeline, TheSinksExceptionComesOut) {
  int calls = 0;
  const std::function<int(std::int64_t)> run = [](std::int64_t k) { return static_cast<int>(k); };
  const std::function<bool(int&&)> sink = [&](int&& k) {
    ++calls;
    if (k == 3) throw std::runtime_error("disk full");
    return true;
  };
  EXPECT_THROW(cw::run_in_order<int>(2, 0, 100, run, sink), std::runtime_error);
  EXPECT_EQ(calls, 4);
}

}  // namespace
