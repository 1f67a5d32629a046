// batch/mpi.hpp in a build with MPI: the MPI part (batch/mpi.cpp) is a
// module, loaded only when an MPI launcher started this process
// (batch/mpi_api.hpp). Without a launcher nothing is loaded and this is
// rank 0 of 1, as in batch/mpi_none.cpp.
#include <dlfcn.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
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
  // The sink behind a C callback (batch/mpi_api.hpp): its exception stays on
  // this side and is thrown again here.
  struct Context {
    const std::function<bool(std::string&&)>* sink;
    std::exception_ptr failed;
  } context{&sink, nullptr};
  const SinkFn call = [](void* c, const char* data, std::size_t size) -> int {
    auto* ctx = static_cast<Context*>(c);
    try {
      return (*ctx->sink)(std::string(data, size)) ? 1 : 0;
    } catch (...) {
      ctx->failed = std::current_exception();
      return -1;
    }
  };
  char why[1024] = "";
  const std::int64_t taken =
      api().dispatch(identity.data(), identity.size(), from, end, call, &context, record.data(),
                     record.size(), {why, sizeof why});
  if (context.failed) std::rethrow_exception(context.failed);
  if (taken < 0) throw std::runtime_error(std::string("MPI: ") + why);
  return taken;
}

void release() {
  if (g_api) g_api->release();
}

void serve(const std::string& identity, int jobs,
           const std::function<std::string(std::int64_t)>& run) {
  const RunFn call = [](void* c, std::int64_t k, void* out, PutFn put, ErrorText error) -> int {
    try {
      const std::string bytes =
          (*static_cast<const std::function<std::string(std::int64_t)>*>(c))(k);
      if (put(out, bytes.data(), bytes.size()) == 0) return 0;
      write_error(error, "the MPI module could not take a run's result (out of memory)");
      return 1;
    } catch (const std::exception& e) {
      write_error(error, e.what());
    } catch (...) {
      write_error(error, "unknown error");
    }
    return 1;
  };
  char why[1024] = "";
  if (api().serve(identity.data(), identity.size(), jobs, call,
                  const_cast<std::function<std::string(std::int64_t)>*>(&run),
                  {why, sizeof why}) != 0) {
    throw std::runtime_error(std::string("MPI: ") + why);
  }
}

}  // namespace cw::mpi
