// libFuzzer target: the parameter-path parser (path=value, as --set, sweep
// parameters and set events take it) over a valid scenario.
#include <cstddef>
#include <cstdint>
#include <string>

#include "config/yaml_reader.hpp"
#include "core/param_path.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const cw::Scenario base = cw::load_scenario_text(cw::fuzz::kBaseScenario, "base.yaml");
  const std::string text(reinterpret_cast<const char*>(data), size);
  const auto eq = text.find('=');
  const std::string path = text.substr(0, eq);
  const std::string value = eq == std::string::npos ? "1" : text.substr(eq + 1);
  cw::Scenario s = base;
  try {
    (void)cw::parameter_mid_run(s, path);
    (void)cw::get_parameter(s, path);
    cw::set_parameter(s, path, value);
    std::vector<cw::Problem> problems;
    cw::check_scenario(s, problems);
  } catch (const cw::PathError&) {
  }
  return 0;
}
