// Runs on other MPI ranks (docs/CLUSTER.md), for `mpirun -n K cloudwars
// sweep|compare`: rank 0 hands out run ids on request (dynamic work
// distribution: chunks shrinking as the end nears) and passes the results
// to its writer in run id order; ranks 1..K-1 run them on --jobs threads
// each. The one file with MPI calls is batch/mpi.cpp (batch/mpi_none.cpp in
// a build without MPI). Results are opaque bytes here; the sweep and compare
// runners (de)serialise their own.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace cw::mpi {

// Starts MPI when this process was started by an MPI launcher (mpirun,
// srun with PMIx), and ends it when destroyed. Otherwise does nothing.
class Session {
 public:
  Session(int* argc, char*** argv);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
};

// Whether this binary was built with MPI.
bool built();
// Whether the process was started by an MPI launcher (environment).
bool launched();
// This rank and the number of ranks (0 and 1 without MPI).
int rank();
int size();

// Rank 0. Runs [from, end) on ranks 1..size-1 and calls sink(bytes) with
// each result in run id order; stops handing out runs on SIGINT/SIGTERM (or
// once sink returns false), lets the runs in flight finish, and then
// returns the number of results the sink took. On an interrupt, prints on
// stderr which runs each rank holds (a rank that died is among them).
// `identity` must be what every rank passed to serve() (checked).
//
// `record` (a file; empty: none) keeps which runs each rank holds, rewritten
// at every hand-out, so that when the job dies (a rank killed, a node lost:
// mpirun then ends every rank at once) the next dispatch with the same
// record reports the runs each rank held that were not written (>= from),
// on stderr. The caller removes the record once the job is complete.
std::int64_t dispatch(const std::string& identity, std::int64_t from, std::int64_t end,
                      const std::function<bool(std::string&&)>& sink,
                      const std::string& record = "");

// Rank 0, once at the end (also after an error): tells every worker to stop
// and waits until each has.
void release();

// Ranks > 0. Runs what rank 0 hands out, `jobs` runs at once, until told to
// stop; run(k) gives the bytes of run k's result.
void serve(const std::string& identity, int jobs,
           const std::function<std::string(std::int64_t)>& run);

}  // namespace cw::mpi
