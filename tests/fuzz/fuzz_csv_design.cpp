// libFuzzer target: the csv design reader (header of paths, rows of values).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "config/csv_design.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> paths;
  std::vector<std::vector<std::string>> rows;
  std::vector<cw::Diagnostic> problems;
  cw::parse_design_csv(text, "design.csv", paths, rows, problems);
  // What it read is consistent: every row as long as the header.
  if (problems.empty()) {
    for (const auto& r : rows) {
      if (r.size() != paths.size()) __builtin_trap();
    }
  }
  return 0;
}
