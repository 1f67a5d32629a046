// Parameter paths (SPEC §2.3): one syntax wherever a parameter is named —
// `--set`, `set` events and sweeps. `steps`, `providers[AWS].price`,
// `labs.tiers[startup].alpha.mean`, `labs.tiers[0].fraction`. List items by
// name where they have one, by index otherwise (both are accepted).
#pragma once

#include <optional>
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

// Whether a `set` event may change the parameter at `path` during a run
// (FieldDoc::mid_run of the field or of a section around it; throws PathError).
MidRun parameter_mid_run(const Scenario& s, const std::string& path);

// Whether the parameter at `path` takes whole numbers only (throws PathError).
bool parameter_is_integer(const Scenario& s, const std::string& path);

// One line per leaf parameter: its path (list items by name, or by index
// when they have no name), type, bounds, value (as in `s`: the default where
// `s` leaves it), unit and documentation. For `cloudwars params [--json]` and
// the parameter table of docs/MODEL.md.
struct ParamInfo {
  std::string path, type, bounds, value, unit, doc;
  // The interval of a number or integer field (bounds is its message);
  // nullopt for other fields.
  std::optional<Bounds> range;
  // A required key: the mapping that holds it must give it (a provider its
  // price, ...); the table of docs/MODEL.md shows it as `required`.
  bool required = false;
  // The names a choice field takes, in order; empty for other fields.
  std::vector<std::string> choices;
  // Read only when the run starts: a `set` event may not change it.
  bool start_only = false;
};
std::vector<ParamInfo> list_parameters(const Scenario& s);

}  // namespace cw
