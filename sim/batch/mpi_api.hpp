// The table of functions through which `cloudwars` reaches its MPI part.
// With CW_MPI the MPI calls (batch/mpi.cpp) are built into a module of
// their own, `cloudwars-mpi.so` beside the binary, and batch/mpi_load.cpp
// loads it (dlopen) only when an MPI launcher started the process: every
// other start of `cloudwars` then skips loading and relocating Open MPI's
// libraries (about 0.7 ms of each process; docs/PERFORMANCE.md, issue 15).
// Only C types cross this table: the binary may carry its own copy of the
// C++ runtime (linked statically, docs/BUILD.md), the module the system's,
// so no std::string, std::function or exception passes between them. Each
// side turns its exceptions into a return code and a message at the edge.
#pragma once

#include <cstddef>
#include <cstdint>

namespace cw::mpi {

// Where a call that failed writes why (truncated to fit, NUL-terminated).
struct ErrorText {
  char* text;
  std::size_t capacity;
};

// Rank 0 hands each result to the binary: 1 take more, 0 stop, -1 the sink
// failed (the binary keeps its exception and rethrows it).
using SinkFn = int (*)(void* context, const char* data, std::size_t size);
// A worker's run: appends the result's bytes through put(out, ...) (0, or
// 1 when the module could not take them) and returns 0, or writes why into
// `error` and returns 1.
using PutFn = int (*)(void* out, const char* data, std::size_t size);
using RunFn = int (*)(void* context, std::int64_t k, void* out, PutFn put, ErrorText error);

struct Api {
  int version;  // kApiVersion of the module
  void (*start)(int* argc, char*** argv);
  void (*finish)();
  int (*rank)();
  int (*size)();
  // The number of results the sink took; -1 when the sink failed, -2 when
  // the module failed (why in `error`).
  std::int64_t (*dispatch)(const char* identity, std::size_t identity_size, std::int64_t from,
                           std::int64_t end, SinkFn sink, void* sink_context, const char* record,
                           std::size_t record_size, ErrorText error);
  void (*release)();
  // 0, or 1 when the module failed (why in `error`).
  int (*serve)(const char* identity, std::size_t identity_size, int jobs, RunFn run,
               void* run_context, ErrorText error);
};

// Bumped whenever Api changes, so that a stale module is refused; also when
// detail::InterruptGuard (pipeline_impl.hpp) changes its size, since the
// module puts one on its stack and calls the binary's constructor (4: it
// keeps the previous actions as struct sigaction).
inline constexpr int kApiVersion = 4;

// The module's file name, looked for in the folder of the running binary.
inline constexpr const char* kModuleName = "cloudwars-mpi.so";

// The one symbol the module exports: extern "C" const Api* cw_mpi_api();
inline constexpr const char* kApiSymbol = "cw_mpi_api";

// Copies a message into `error`, cut to its capacity.
inline void write_error(ErrorText error, const char* message) {
  if (!error.text || error.capacity == 0) return;
  std::size_t n = 0;
  while (message[n] != '\0' && n + 1 < error.capacity) {
    error.text[n] = message[n];
    ++n;
  }
  error.text[n] = '\0';
}

}  // namespace cw::mpi
