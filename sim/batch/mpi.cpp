// The MPI side of batch/mpi.hpp: the only file that calls MPI. Built into
// the module cloudwars-mpi.so, which batch/mpi_load.cpp loads only under an
// MPI launcher (batch/mpi_api.hpp); it reaches the runner's interrupt flag
// (batch/pipeline.cpp) in the binary.
#include "batch/mpi.hpp"

#include <fmt/format.h>
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "batch/mpi_api.hpp"
#include "batch/pipeline.hpp"

namespace cw::mpi {

namespace {

// Message tags. Worker -> rank 0: hello (jobs, identity), request (for
// runs), result (run id, bytes), bye (the run ids it took but did not run).
// Rank 0 -> worker: work (first, end); first == end means stop.
enum Tag : int { kHello = 1, kRequest, kResult, kBye, kWork };

bool g_active = false;
int g_rank = 0, g_size = 1;

void put_i64(std::string& out, std::int64_t v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}
std::int64_t get_i64(const std::string& in, std::size_t at) {
  std::int64_t v = 0;
  if (at + sizeof v <= in.size()) std::memcpy(&v, in.data() + at, sizeof v);
  return v;
}

void send(int to, int tag, const std::string& bytes) {
  MPI_Send(bytes.data(), static_cast<int>(bytes.size()), MPI_BYTE, to, tag, MPI_COMM_WORLD);
}

struct Message {
  int source = -1, tag = 0;
  std::string data;
};

// A waiting message from any rank, without blocking.
std::optional<Message> poll() {
  int flag = 0;
  MPI_Status st;
  MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st);
  if (!flag) return std::nullopt;
  int n = 0;
  MPI_Get_count(&st, MPI_BYTE, &n);
  Message m;
  m.source = st.MPI_SOURCE;
  m.tag = st.MPI_TAG;
  m.data.resize(static_cast<std::size_t>(n));
  MPI_Recv(m.data.data(), n, MPI_BYTE, st.MPI_SOURCE, st.MPI_TAG, MPI_COMM_WORLD,
           MPI_STATUS_IGNORE);
  return m;
}

void idle() { std::this_thread::sleep_for(std::chrono::microseconds(100)); }

// Runs as "40-47, 52" for messages.
std::string ranges(const std::set<std::int64_t>& ids) {
  std::string out;
  for (auto it = ids.begin(); it != ids.end();) {
    const std::int64_t a = *it;
    std::int64_t b = a;
    while (++it != ids.end() && *it == b + 1) ++b;
    if (!out.empty()) out += ", ";
    out += a == b ? fmt::format("{}", a) : fmt::format("{}-{}", a, b);
  }
  return out;
}

// What rank 0 knows of each worker, kept from dispatch() to release().
struct Worker {
  bool hello = false, stopped = false, gone = false;
  std::int64_t jobs = 1;
  std::set<std::int64_t> held;  // handed out, no result yet
};

struct Dispatch {
  std::int64_t next = 0, end = 0, write_next = 0, taken = 0;
  std::set<std::int64_t> requeue;               // returned unrun by a worker that left
  std::map<std::int64_t, std::string> waiting;  // results ahead of write_next
  bool stopping = false;
  const std::function<bool(std::string&&)>* sink = nullptr;
  std::string record;
};

std::vector<Worker> g_workers;
std::string g_identity;

void write_record(const std::string& record);

void stop_worker(int w) {
  std::string b;
  put_i64(b, 0);
  put_i64(b, 0);
  send(w, kWork, b);
  g_workers[static_cast<std::size_t>(w)].stopped = true;
}

// Handles one message on rank 0; `d` is null outside dispatch() (release).
void handle(const Message& m, Dispatch* d) {
  Worker& w = g_workers[static_cast<std::size_t>(m.source)];
  switch (m.tag) {
    case kHello: {
      w.hello = true;
      w.jobs = std::max<std::int64_t>(1, get_i64(m.data, 0));
      const std::string identity = m.data.substr(std::min<std::size_t>(8, m.data.size()));
      // g_identity is empty only in a release() without a dispatch (rank 0
      // had nothing to hand out, e.g. the sweep was already complete).
      if (!g_identity.empty() && identity != g_identity) {
        std::fprintf(stderr,
                     "cloudwars: rank %d loaded another sweep than rank 0 (identity %.12s, not "
                     "%.12s): every rank must read the same files with the same options\n",
                     m.source, identity.c_str(), g_identity.c_str());
        MPI_Abort(MPI_COMM_WORLD, 2);
      }
      return;
    }
    case kRequest: {
      if (!d || d->stopping || w.stopped) {
        stop_worker(m.source);
        return;
      }
      std::int64_t first = 0, end = 0;
      if (!d->requeue.empty()) {
        first = *d->requeue.begin();
        end = first + 1;
        d->requeue.erase(d->requeue.begin());
      } else if (d->next < d->end) {
        // Chunks that shrink as the end nears (guided), so that the last
        // runs spread over every thread: a slow run stalls no one's share.
        std::int64_t threads = 0;
        for (const auto& x : g_workers) threads += x.gone ? 0 : x.jobs;
        const std::int64_t remaining = d->end - d->next;
        const std::int64_t chunk = std::clamp<std::int64_t>(
            remaining / (4 * std::max<std::int64_t>(1, threads)), 1, 8 * w.jobs);
        first = d->next;
        end = first + chunk;
        d->next = end;
      } else {
        stop_worker(m.source);
        return;
      }
      for (std::int64_t k = first; k < end; ++k) w.held.insert(k);
      write_record(d->record);
      std::string b;
      put_i64(b, first);
      put_i64(b, end);
      send(m.source, kWork, b);
      return;
    }
    case kResult: {
      const std::int64_t id = get_i64(m.data, 0);
      w.held.erase(id);
      if (!d || id < d->write_next) return;
      d->waiting.emplace(id, m.data.substr(8));
      // The results that follow the last one written, in order.
      while (!d->waiting.empty() && d->waiting.begin()->first == d->write_next) {
        std::string bytes = std::move(d->waiting.begin()->second);
        d->waiting.erase(d->waiting.begin());
        ++d->write_next;
        ++d->taken;
        if (!(*d->sink)(std::move(bytes))) d->stopping = true;
        if (d->stopping) {
          d->waiting.clear();  // past the first gap nothing is written
          break;
        }
      }
      return;
    }
    case kBye: {
      w.gone = true;
      w.stopped = true;
      for (std::size_t at = 0; at + 8 <= m.data.size(); at += 8) {
        const std::int64_t id = get_i64(m.data, at);
        w.held.erase(id);
        if (d && !d->stopping) d->requeue.insert(id);
      }
      return;
    }
    default:
      return;
  }
}

// The record of dispatch(): one line per range a rank holds ("rank first
// last"), written to a temporary file renamed over the record.
void write_record(const std::string& record) {
  if (record.empty()) return;
  std::string text;
  for (std::size_t r = 1; r < g_workers.size(); ++r) {
    const auto& held = g_workers[r].held;
    for (auto it = held.begin(); it != held.end();) {
      const std::int64_t a = *it;
      std::int64_t b = a;
      while (++it != held.end() && *it == b + 1) ++b;
      text += fmt::format("{} {} {}\n", r, a, b);
    }
  }
  const std::string temp = record + ".tmp";
  if (std::FILE* f = std::fopen(temp.c_str(), "wb")) {
    const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
    if (std::fclose(f) == 0 && ok) std::rename(temp.c_str(), record.c_str());
  }
}

// What an earlier job left in the record: the runs >= from each rank held.
void report_record(const std::string& record, std::int64_t from) {
  if (record.empty()) return;
  std::FILE* f = std::fopen(record.c_str(), "rb");
  if (!f) return;
  std::map<long long, std::set<std::int64_t>> held;
  long long r = 0, a = 0, b = 0;
  while (std::fscanf(f, "%lld %lld %lld", &r, &a, &b) == 3) {
    for (long long k = std::max<long long>(a, from); k <= b && k - a < 100000; ++k) {
      held[r].insert(k);
    }
  }
  std::fclose(f);
  std::string text;
  for (const auto& [rank, ids] : held) {
    if (!ids.empty()) text += fmt::format("\n  rank {}: runs {}", rank, ranges(ids));
  }
  if (!text.empty()) {
    std::fprintf(stderr,
                 "cloudwars: the last MPI job on this folder ended with runs in flight, not "
                 "written (a rank that died held some of them); they run again now:%s\n",
                 text.c_str());
  }
}

bool all_gone() {
  for (std::size_t r = 1; r < g_workers.size(); ++r) {
    if (!g_workers[r].gone) return false;
  }
  return true;
}

}  // namespace

Session::Session(int* argc, char*** argv) {
  if (!launched()) return;
  // Open MPI's shared-memory transport reads large messages straight from
  // the sender's memory (CMA); when the sender has died, that read aborts
  // the receiver, and rank 0 could not report the runs the dead rank held.
  // Copying through the shared segment instead costs little for run results.
  ::setenv("OMPI_MCA_btl_vader_single_copy_mechanism", "none", 0);
  int provided = 0;
  MPI_Init_thread(argc, argv, MPI_THREAD_SERIALIZED, &provided);
  if (provided < MPI_THREAD_SERIALIZED) {
    std::fprintf(stderr, "cloudwars: this MPI library gives no MPI_THREAD_SERIALIZED\n");
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &g_size);
  g_active = true;
  g_workers.assign(static_cast<std::size_t>(g_size), Worker{});
}

Session::~Session() {
  if (g_active) MPI_Finalize();
  g_active = false;
}

bool built() { return true; }

bool launched() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK"}) {
    if (std::getenv(v)) return true;
  }
  return false;
}

int rank() { return g_rank; }
int size() { return g_size; }

std::int64_t dispatch(const std::string& identity, std::int64_t from, std::int64_t end,
                      const std::function<bool(std::string&&)>& sink, const std::string& record) {
  g_identity = identity;
  report_record(record, from);
  detail::InterruptGuard interrupts;
  Dispatch d;
  d.next = d.write_next = from;
  d.end = end;
  d.sink = &sink;
  d.record = record;
  bool reported = false;
  for (;;) {
    if (detail::interrupt_flag()) d.stopping = true;
    if (d.stopping && !reported) {
      reported = true;
      std::string held;
      for (std::size_t r = 1; r < g_workers.size(); ++r) {
        if (!g_workers[r].held.empty()) {
          held += fmt::format("\n  rank {}: runs {}", r, ranges(g_workers[r].held));
        }
      }
      if (!held.empty()) {
        std::fprintf(stderr,
                     "cloudwars: stopping; runs in flight on other ranks (not yet written; the "
                     "same command redoes any that do not finish):%s\n",
                     held.c_str());
      }
    }
    bool held = false;
    for (const auto& w : g_workers) held = held || !w.held.empty();
    if (d.write_next == end) break;
    if (d.stopping && !held) break;
    if (all_gone() && !held) break;  // no one left to run the rest
    if (auto m = poll()) {
      handle(*m, &d);
    } else {
      idle();
    }
  }
  return d.taken;
}

void release() {
  if (!g_active || g_rank != 0) return;
  while (!all_gone()) {
    if (auto m = poll()) {
      handle(*m, nullptr);
    } else {
      idle();
    }
  }
}

void serve(const std::string& identity, int jobs,
           const std::function<std::string(std::int64_t)>& run) {
  detail::InterruptGuard interrupts;  // stop taking runs; finish those started
  std::mutex mu;                      // one MPI call at a time (THREAD_SERIALIZED)
  std::deque<std::int64_t> queue;
  bool stopped = false;
  {
    std::string hello;
    put_i64(hello, jobs);
    hello += identity;
    send(0, kHello, hello);
  }
  const auto fetch = [&]() -> std::optional<std::int64_t> {
    std::lock_guard<std::mutex> lock(mu);
    if (detail::interrupt_flag()) return std::nullopt;
    if (queue.empty()) {
      if (stopped) return std::nullopt;
      send(0, kRequest, std::string());
      char reply[16];
      MPI_Request req;
      MPI_Irecv(reply, 16, MPI_BYTE, 0, kWork, MPI_COMM_WORLD, &req);
      int done = 0;
      while (!done) {
        MPI_Test(&req, &done, MPI_STATUS_IGNORE);
        if (!done) std::this_thread::sleep_for(std::chrono::microseconds(20));
      }
      std::int64_t first = 0, end = 0;
      std::memcpy(&first, reply, 8);
      std::memcpy(&end, reply + 8, 8);
      if (first >= end) {
        stopped = true;
        return std::nullopt;
      }
      for (std::int64_t k = first; k < end; ++k) queue.push_back(k);
    }
    const std::int64_t k = queue.front();
    queue.pop_front();
    return k;
  };
  const auto work = [&] {
    try {
      while (const auto k = fetch()) {
        std::string message;
        put_i64(message, *k);
        message += run(*k);
        std::lock_guard<std::mutex> lock(mu);
        send(0, kResult, message);
      }
    } catch (const std::exception& e) {
      std::fprintf(stderr, "cloudwars: rank %d: %s\n", g_rank, e.what());
      MPI_Abort(MPI_COMM_WORLD, 1);
    }
  };
  std::vector<std::thread> threads;
  try {
    threads.reserve(static_cast<std::size_t>(std::max(jobs - 1, 0)));
    for (int t = 1; t < jobs; ++t) threads.emplace_back(work);
  } catch (...) {
    // No more threads to be had: the ones started (and this one) do the work.
  }
  work();
  for (auto& t : threads) t.join();
  std::string bye;
  for (const std::int64_t k : queue) put_i64(bye, k);
  send(0, kBye, bye);
}

}  // namespace cw::mpi

// The module's one exported symbol (batch/mpi_api.hpp): the functions above
// behind a table of C types. The binary's sink and runs are called through
// C callbacks; nothing thrown here crosses into the binary, and the
// binary's failures come back as return codes.
namespace {

// The binary's sink said it failed: unwinds dispatch() to the table's edge.
struct SinkFailed {};

std::int64_t api_dispatch(const char* identity, std::size_t identity_size, std::int64_t from,
                          std::int64_t end, cw::mpi::SinkFn sink, void* sink_context,
                          const char* record, std::size_t record_size,
                          cw::mpi::ErrorText error) noexcept {
  try {
    const std::function<bool(std::string &&)> take = [&](std::string&& bytes) {
      const int more = sink(sink_context, bytes.data(), bytes.size());
      if (more < 0) throw SinkFailed{};
      return more > 0;
    };
    return cw::mpi::dispatch(std::string(identity, identity_size), from, end, take,
                             std::string(record, record_size));
  } catch (const SinkFailed&) {
    return -1;
  } catch (const std::exception& e) {
    cw::mpi::write_error(error, e.what());
  } catch (...) {
    cw::mpi::write_error(error, "unknown error in the MPI module");
  }
  return -2;
}

int api_serve(const char* identity, std::size_t identity_size, int jobs, cw::mpi::RunFn run,
              void* run_context, cw::mpi::ErrorText error) noexcept {
  try {
    const std::function<std::string(std::int64_t)> one = [&](std::int64_t k) {
      std::string bytes;
      char why[1024] = "";
      const cw::mpi::PutFn put = [](void* out, const char* data, std::size_t size) -> int {
        try {
          static_cast<std::string*>(out)->append(data, size);
          return 0;
        } catch (...) {
          return 1;
        }
      };
      if (run(run_context, k, &bytes, put, {why, sizeof why}) != 0) throw std::runtime_error(why);
      return bytes;
    };
    cw::mpi::serve(std::string(identity, identity_size), jobs, one);
    return 0;
  } catch (const std::exception& e) {
    cw::mpi::write_error(error, e.what());
  } catch (...) {
    cw::mpi::write_error(error, "unknown error in the MPI module");
  }
  return 1;
}

// What the entries without an error text do when something throws (out of
// memory, in practice): say so and end the job, rather than let an exception
// reach the binary.
[[noreturn]] void fail_entry(const char* entry, const char* what) noexcept {
  std::fprintf(stderr, "cloudwars: MPI module, %s: %s\n", entry, what);
  if (cw::mpi::g_active) MPI_Abort(MPI_COMM_WORLD, 1);
  std::_Exit(1);
}

template <class F>
void guarded(const char* entry, F&& f) noexcept {
  try {
    f();
  } catch (const std::exception& e) {
    fail_entry(entry, e.what());
  } catch (...) {
    fail_entry(entry, "unknown error");
  }
}

cw::mpi::Session* g_session = nullptr;

}  // namespace

extern "C" __attribute__((visibility("default"))) const cw::mpi::Api* cw_mpi_api() {
  static const cw::mpi::Api api{cw::mpi::kApiVersion,
                                [](int* argc, char*** argv) {
                                  guarded("start",
                                          [&] { g_session = new cw::mpi::Session(argc, argv); });
                                },
                                [] {
                                  guarded("finish", [] {
                                    delete g_session;
                                    g_session = nullptr;
                                  });
                                },
                                []() noexcept { return cw::mpi::rank(); },
                                []() noexcept { return cw::mpi::size(); },
                                api_dispatch,
                                [] { guarded("release", [] { cw::mpi::release(); }); },
                                api_serve};
  return &api;
}
