// manifest.json: what produced a folder of results (SPEC §4): program
// version, git commit and build settings, the resolved configuration, a
// SHA-256 of each input file, seed, and start/end times.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/params.hpp"

namespace cw {

// The scenario with every default filled in, in schema order.
nlohmann::ordered_json scenario_to_json(const Scenario& s);
// Any described struct (core/schema.hpp) as JSON, in schema order.
nlohmann::ordered_json described_to_json(const std::function<void(FieldVisitor&)>& describe_root);

// SHA-256 of a file's bytes, as 64 hex digits.
std::string sha256_file(const std::filesystem::path& file);
std::string sha256_hex(std::string_view bytes);

// UTC time as 2026-11-27T14:45:22Z.
std::string utc_now();

struct BuildInfo {
  std::string version, commit, settings;
};

// Writes `manifest` to dir/manifest.json atomically, pretty-printed.
void write_manifest(const std::filesystem::path& dir, const nlohmann::ordered_json& manifest);

}  // namespace cw
