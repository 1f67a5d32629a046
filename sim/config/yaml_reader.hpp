// YAML -> described parameter structs, collecting every problem of a file.
//
// The reader walks a struct's schema (core/schema.hpp) over a document
// parsed by yaml-cpp into a read-only tree (config/yaml_tree.hpp), tracking
// the key path itself so that every problem names FILE:LINE:COL and the key
// path.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/diagnostics.hpp"
#include "config/yaml_tree.hpp"
#include "core/params.hpp"
#include "core/schema.hpp"

namespace cw {

// Where each key path of a document stands (1-based line and column).
using MarkMap = std::map<std::string, std::pair<int, int>>;

// Reads `root` into the struct described by `describe_root`. Problems are
// appended to `out` with `file` as their file; `marks` receives every path read.
void read_yaml(const YamlNode& root, const std::string& file,
               const std::function<void(FieldVisitor&)>& describe_root,
               std::vector<Diagnostic>& out, MarkMap& marks);

// Turns path-located problems into diagnostics, placing each at the nearest
// recorded position of its path (or of its closest recorded parent).
void locate(const std::vector<Problem>& problems, const std::string& file, const MarkMap& marks,
            std::vector<Diagnostic>& out);

// Parses a YAML file, reporting a missing or unreadable file, an empty file
// or a syntax error (with its position) as diagnostics. Returns false then.
// The document is shared: the last one parsed by the thread is kept (the
// same file is then not parsed twice, see yaml_reader.cpp).
bool parse_yaml_file(const std::filesystem::path& file, std::shared_ptr<const YamlDocument>& doc,
                     std::vector<Diagnostic>& out);

// The same from the text of a file named `name`: refuses NUL bytes, invalid
// UTF-8 and more than one YAML document, each at its line and column.
bool parse_yaml_text(const std::string& text, const std::string& name, YamlDocument& doc,
                     std::vector<Diagnostic>& out);

// Reading YAML: libyaml reads a file when it can (config/yaml_tree.hpp,
// read_plain_document), yaml-cpp otherwise. A loader that finds problems in
// a file libyaml read reads it again with yaml-cpp only, so that problems
// are reported exactly as before (positions, syntax messages): the loaders
// below go through reread_on_problems.
bool exact_yaml_only();  // on this thread, now

// While it lives, this thread reads YAML with yaml-cpp only.
class ExactYaml {
 public:
  ExactYaml();
  ~ExactYaml();
  ExactYaml(const ExactYaml&) = delete;
  ExactYaml& operator=(const ExactYaml&) = delete;

 private:
  bool was_;
};

// load(); when it throws ConfigError and YAML was not read with yaml-cpp
// only, load() again with yaml-cpp only (whose ConfigError then propagates).
template <class Load>
auto reread_on_problems(const Load& load) -> decltype(load()) {
  if (exact_yaml_only()) return load();
  try {
    return load();
  } catch (const ConfigError&) {
    const ExactYaml exact;
    return load();
  }
}

// Loads and validates a scenario file; throws ConfigError with every problem.
// Relative file names inside it (network.file) are resolved against its folder.
Scenario load_scenario(const std::filesystem::path& file);

// (Re)reads network.file into network.edges when the generator is edge_list
// (after --set or sweep overrides changed the network); throws ConfigError.
void load_network_file(Scenario& s);

// Same, from YAML text (tests); `file` names it in messages.
Scenario load_scenario_text(const std::string& text, const std::string& file = "<text>");

}  // namespace cw
