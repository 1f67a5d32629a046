// What the libFuzzer targets share (docs/RELIABILITY.md, "Fuzzing"): a
// small valid scenario, and a private work folder for targets that read
// files. A target may end with its reader's own located error (ConfigError,
// PathError); any other exception, a crash or a sanitizer report is a bug.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>

#include "../scratch_folder.hpp"

namespace cw::fuzz {

// Two providers, a few labs, a short horizon: every section valid.
inline const char* const kBaseScenario = R"(name: fuzzbase
start: 2020-01
steps: 6
seed: 1
providers:
  - name: A
    kind: hyperscaler
    price: 1.0
    unit_cost: 0.5
    quality: 0.8
    capacity_per_lab: 2
  - name: B
    kind: neocloud
    price: 0.8
    unit_cost: 0.5
    quality: 0.7
    capacity_per_lab: 2
labs:
  count: 5
  tiers:
    - name: t
      fraction: 1.0
  named:
    - name: L
      tier: t
      provider: A
)";

// A folder of this process (TMPDIR/cloudwars-fuzz-PID_XXXXXX), made once
// with base.yaml in it, and removed when the process exits normally
// (libFuzzer ends a timed run with `exit`).
inline const std::filesystem::path& work_dir() {
  struct Work {
    test::ScratchFolder folder{"cloudwars-fuzz-"};
    Work() { std::ofstream(folder.path() / "base.yaml") << kBaseScenario; }
  };
  static const Work work;
  return work.folder.path();
}

inline void write_file(const std::filesystem::path& p, const uint8_t* data, size_t size) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
}

}  // namespace cw::fuzz
