// A memory budget (docs/RELIABILITY.md): a run's and a design's memory is
// estimated before anything is allocated, and what cannot fit in the
// memory this process may use is refused with a located problem (exit 3)
// naming the parameter and the estimate, instead of std::bad_alloc later.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/diagnostics.hpp"
#include "core/params.hpp"

namespace cw {

// Bytes this process may allocate: the smaller of the memory the system has
// available (MemAvailable) and the address-space/data limits (ulimit -v/-d).
std::uint64_t memory_available();

// A generous estimate of one run's peak memory in bytes (labs and their
// per-provider rows, the influence network, time-series buffers), and the
// parameter that drives it ("labs.count", "network.generator", ...).
struct MemoryEstimate {
  double bytes = 0;
  std::string driver;  // parameter path that dominates
  std::string detail;  // how the estimate was made, for the message
};
MemoryEstimate estimate_run_memory(const Scenario& s);

// "1.5 GB", "300 MB", ...
std::string format_bytes(double bytes);

// Throws ConfigError (`file`, path of the driver) when `copies` runs of `s`
// at once do not fit in memory_available(). `which` names the run in the
// message ("of design point 3"), after "a run".
void check_run_fits(const Scenario& s, const std::string& file, int copies = 1,
                    const std::string& which = "");
// The same for an estimate made already (estimate_run_memory).
void check_fits(const MemoryEstimate& e, const std::string& file, int copies = 1,
                const std::string& which = "");

}  // namespace cw
