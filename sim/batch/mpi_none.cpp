// batch/mpi.hpp in a build without MPI (CW_MPI off): one process, rank 0 of 1.
#include <cstdlib>
#include <stdexcept>

#include "batch/mpi.hpp"

namespace cw::mpi {

Session::Session(int*, char***) {}
Session::~Session() = default;

bool built() { return false; }

bool launched() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK"}) {
    if (std::getenv(v)) return true;
  }
  return false;
}

int rank() { return 0; }
int size() { return 1; }

std::int64_t dispatch(const std::string&, std::int64_t, std::int64_t,
                      const std::function<bool(std::string&&)>&, const std::string&) {
  throw std::logic_error("cloudwars was built without MPI");
}

void release() {}

void serve(const std::string&, int, const std::function<std::string(std::int64_t)>&) {
  throw std::logic_error("cloudwars was built without MPI");
}

}  // namespace cw::mpi
