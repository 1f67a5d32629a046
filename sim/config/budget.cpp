#include "config/budget.hpp"

#include <fmt/format.h>
#include <sys/resource.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <string>

namespace cw {

std::uint64_t memory_available() {
  static const std::uint64_t once = [] {
    std::uint64_t avail = 0;
    std::ifstream in("/proc/meminfo");
    std::string key;
    std::uint64_t kb = 0;
    std::string unit;
    while (in >> key >> kb >> unit) {
      if (key == "MemAvailable:") {
        avail = kb * 1024;
        break;
      }
    }
    if (avail == 0) avail = std::uint64_t{4} << 30;  // unknown: assume 4 GB
    for (const int which : {RLIMIT_AS, RLIMIT_DATA}) {
      rlimit r{};
      if (::getrlimit(which, &r) == 0 && r.rlim_cur != RLIM_INFINITY) {
        avail = std::min<std::uint64_t>(avail, r.rlim_cur);
      }
    }
    return avail;
  }();
  return once;
}

std::string format_bytes(double b) {
  if (b >= 1e12) return fmt::format("{:.1f} TB", b / 1e12);
  if (b >= 1e9) return fmt::format("{:.1f} GB", b / 1e9);
  if (b >= 1e6) return fmt::format("{:.0f} MB", b / 1e6);
  return fmt::format("{:.0f} kB", b / 1e3);
}

MemoryEstimate estimate_run_memory(const Scenario& s) {
  // Labs: those at the start plus the arrivals expected over the run (with
  // room for Poisson noise). Each lab has ~80 scalar columns and ~16
  // per-provider rows padded to a multiple of 8 providers (state.hpp).
  const double providers = static_cast<double>(s.providers.size());
  const double padded = 8 * std::ceil(std::max(providers, 1.0) / 8);
  const double steps = static_cast<double>(std::max<std::int64_t>(s.steps, 0));
  const double arrivals = s.labs.arrivals.rate > 0 ? 1.5 * s.labs.arrivals.rate * steps + 10 : 0.0;
  const double labs =
      static_cast<double>(s.labs.count) + static_cast<double>(s.labs.named.size()) + arrivals;
  const double per_lab = 8 * (80 + 16 * padded);
  MemoryEstimate e;
  e.bytes = labs * per_lab;
  e.driver = "labs.count";
  e.detail = fmt::format("{:.0f} labs x {} bytes", labs, per_lab);
  // The influence network: two CSR entries (index and weight) per direction.
  double edges = 0;
  switch (s.network.generator) {
    case GraphGenerator::complete:
      edges = labs * (labs - 1);
      break;
    case GraphGenerator::erdos_renyi:
      edges = s.network.p * labs * (labs - 1);
      break;
    case GraphGenerator::watts_strogatz:
      edges = static_cast<double>(s.network.k) * labs;
      break;
    case GraphGenerator::barabasi_albert:
      edges = 2 * static_cast<double>(s.network.m) * labs;
      break;
    default:
      edges = 2 * static_cast<double>(s.network.edges.size());
      break;
  }
  const double edge_bytes = edges * 2 * 16;  // generator's edge list + CSR
  if (edge_bytes > e.bytes) {
    e.driver = "network.generator";
    e.detail =
        fmt::format("{} network of {:.0f} labs: {:.3g} edges x 32 bytes",
                    kGraphGeneratorNames[static_cast<int>(s.network.generator)], labs, edges);
  }
  e.bytes += edge_bytes + 16e6;  // + the program itself
  return e;
}

void check_run_fits(const Scenario& s, const std::string& file, int copies,
                    const std::string& which) {
  check_fits(estimate_run_memory(s), file, copies, which);
}

void check_fits(const MemoryEstimate& e, const std::string& file, int copies,
                const std::string& which) {
  const double need = e.bytes * std::max(copies, 1);
  const auto have = static_cast<double>(memory_available());
  if (need <= have) return;
  throw ConfigError({{file, 0, 0, e.driver,
                      fmt::format("a run{}{} would need about {} ({}){}, more than the {} this "
                                  "process can use; make it smaller",
                                  which.empty() ? "" : " ", which, format_bytes(e.bytes), e.detail,
                                  copies > 1 ? fmt::format(", x {} runs at once", copies) : "",
                                  format_bytes(have)),
                      ""}});
}

}  // namespace cw
