// manifest.json: what produced a folder of results (SPEC §4): program
// version, git commit and build settings, the resolved configuration, a
// SHA-256 of each input file, seed, and start/end times. One builder for
// `run` and `sweep`, so both use the same keys (docs/OUTPUTS.md).
#pragma once

#include <cstdint>
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

// The host name, or "unknown".
std::string host_name();

// What a manifest records about the command that wrote the folder.
struct ManifestStart {
  nlohmann::ordered_json program;             // {version, git_commit, build_settings}
  std::string command;                        // "run" or "sweep"
  std::filesystem::path file;                 // the scenario or sweep file, as given
  std::vector<std::filesystem::path> inputs;  // files to hash, in order
  std::int64_t seed = 0;                      // the scenario's or the sweep's seed
  nlohmann::ordered_json details = nlohmann::ordered_json::object();  // the command's own keys
  const Scenario* scenario = nullptr;  // resolved (a sweep's base); required
  std::string started;                 // UTC time the command started
  int jobs = 1;                        // runs at once
};

// A manifest with status "running" and finished null. Keys, in order:
// program, command, file, inputs, seed, the details' keys, scenario,
// started, finished, host, jobs, status.
nlohmann::ordered_json start_manifest(const ManifestStart& start);

// Marks `manifest` complete: finished (now), host and jobs of this
// invocation, status "complete".
void finish_manifest(nlohmann::ordered_json& manifest, int jobs);

// Writes `manifest` to dir/manifest.json atomically, pretty-printed.
void write_manifest(const std::filesystem::path& dir, const nlohmann::ordered_json& manifest);

}  // namespace cw
