// The table of functions through which `cloudwars` reaches its MPI part.
// With CW_MPI the MPI calls (batch/mpi.cpp) are built into a module of
// their own, `cloudwars-mpi.so` beside the binary, and batch/mpi_load.cpp
// loads it (dlopen) only when an MPI launcher started the process: every
// other start of `cloudwars` then skips loading and relocating Open MPI's
// libraries (about 0.7 ms of each process; docs/PERFORMANCE.md, issue 15).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace cw::mpi {

struct Api {
  int version;  // kApiVersion of the module
  void (*start)(int* argc, char*** argv);
  void (*finish)();
  int (*rank)();
  int (*size)();
  std::int64_t (*dispatch)(const std::string& identity, std::int64_t from, std::int64_t end,
                           const std::function<bool(std::string&&)>& sink,
                           const std::string& record);
  void (*release)();
  void (*serve)(const std::string& identity, int jobs,
                const std::function<std::string(std::int64_t)>& run);
};

// Bumped whenever Api changes, so that a stale module is refused.
inline constexpr int kApiVersion = 1;

// The module's file name, looked for in the folder of the running binary.
inline constexpr const char* kModuleName = "cloudwars-mpi.so";

// The one symbol the module exports: extern "C" const Api* cw_mpi_api();
inline constexpr const char* kApiSymbol = "cw_mpi_api";

}  // namespace cw::mpi
