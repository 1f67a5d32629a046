// libFuzzer target: the scenario reader (YAML text -> validated Scenario).
#include <cstddef>
#include <cstdint>
#include <string>

#include "config/yaml_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    (void)cw::load_scenario_text(text, "fuzz.yaml");
  } catch (const cw::ConfigError&) {
  }
  return 0;
}
