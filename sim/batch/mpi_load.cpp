// batch/mpi.hpp in a build with MPI: the MPI part (batch/mpi.cpp) is a
// module, loaded only when an MPI launcher started this process
// (batch/mpi_api.hpp). Without a launcher nothing is loaded and this is
// rank 0 of 1, as in batch/mpi_none.cpp.
#include <dlfcn.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <system_error>

#include "batch/mpi.hpp"
#include "batch/mpi_api.hpp"

namespace cw::mpi {

namespace {

const Api* g_api = nullptr;

// The module beside the running binary (/proc/self/exe).
std::string module_path() {
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ((ec ? std::filesystem::path() : exe.parent_path()) / kModuleName).string();
}

[[noreturn]] void cannot_load(const std::string& why) {
  std::fprintf(stderr,
               "cloudwars: started by an MPI launcher, but its MPI part cannot be loaded: %s "
               "(docs/CLUSTER.md: %s must stay beside the binary)\n",
               why.c_str(), kModuleName);
  std::exit(1);
}

const Api& api() {
  if (!g_api) throw std::logic_error("MPI was not started (no MPI launcher)");
  return *g_api;
}

}  // namespace

Session::Session(int* argc, char*** argv) {
  if (!launched()) return;
  const std::string path = module_path();
  void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) cannot_load(::dlerror());
  using Get = const Api* (*)();
  const auto get = reinterpret_cast<Get>(::dlsym(handle, kApiSymbol));
  if (!get) cannot_load(path + " has no " + kApiSymbol);
  const Api* a = get();
  if (!a || a->version != kApiVersion) cannot_load(path + " is of another build of cloudwars");
  g_api = a;
  g_api->start(argc, argv);
}

Session::~Session() {
  if (g_api) g_api->finish();
  g_api = nullptr;  // the module stays loaded: Open MPI's exit handlers live in it
}

bool built() { return true; }

bool launched() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK"}) {
    if (std::getenv(v)) return true;
  }
  return false;
}

int rank() { return g_api ? g_api->rank() : 0; }
int size() { return g_api ? g_api->size() : 1; }

std::int64_t dispatch(const std::string& identity, std::int64_t from, std::int64_t end,
                      const std::function<bool(std::string&&)>& sink, const std::string& record) {
  return api().dispatch(identity, from, end, sink, record);
}

void release() {
  if (g_api) g_api->release();
}

void serve(const std::string& identity, int jobs,
           const std::function<std::string(std::int64_t)>& run) {
  api().serve(identity, jobs, run);
}

}  // namespace cw::mpi
