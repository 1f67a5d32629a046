// libFuzzer target: the sweep reader (a sweep file over a fixed valid base
// scenario, base.yaml, and a csv design file design.csv beside it: the input
// is the sweep file; its bytes after a line "#csv" go to design.csv).
#include <cstddef>
#include <cstdint>
#include <string>

#include "config/diagnostics.hpp"
#include "config/sweep_reader.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto& dir = cw::fuzz::work_dir();
  const std::string text(reinterpret_cast<const char*>(data), size);
  const auto cut = text.find("\n#csv\n");
  const std::string sweep = cut == std::string::npos ? text : text.substr(0, cut);
  const std::string csv = cut == std::string::npos ? "" : text.substr(cut + 6);
  cw::fuzz::write_file(dir / "sweep.yaml", reinterpret_cast<const uint8_t*>(sweep.data()),
                       sweep.size());
  cw::fuzz::write_file(dir / "design.csv", reinterpret_cast<const uint8_t*>(csv.data()),
                       csv.size());
  try {
    (void)cw::load_sweep(dir / "sweep.yaml");
  } catch (const cw::ConfigError&) {
  }
  return 0;
}
