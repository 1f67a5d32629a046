// Parameter paths (SPEC §2.3): one syntax wherever a parameter is named —
// `--set`, `set` events and sweeps. `steps`, `providers[AWS].price`,
// `labs.tiers[startup].alpha.mean`, `labs.tiers[0].fraction`. List items by
// name where they have one, by index otherwise (both are accepted).
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "core/params.hpp"

namespace cw {

// A path that does not exist or a value that does not fit; the message names
// the nearest valid path or the expected form.
class PathError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Sets the parameter at `path` from its text form (a number, true/false, a
// name of a choice, text; a distribution also takes a plain number, meaning
// fixed). Checks the field's own bounds; cross-field checks are the caller's
// (check_scenario). Throws PathError.
void set_parameter(Scenario& s, const std::string& path, const std::string& value);

// Reads the parameter at `path` as text (what set_parameter would accept).
std::string get_parameter(const Scenario& s, const std::string& path);

// Whether the parameter at `path` takes whole numbers only (throws PathError).
bool parameter_is_integer(const Scenario& s, const std::string& path);

// One line per leaf parameter: its path (list items by index), type, bounds,
// default (as in `s`), unit and documentation. For `cloudwars params` and docs.
struct ParamInfo {
  std::string path, type, bounds, value, unit, doc;
};
std::vector<ParamInfo> list_parameters(const Scenario& s);

}  // namespace cw
