// Pieces of the single-process sweep runner (runner.cpp) that shards, merge
// and the MPI driver reuse, so that all of them write the same bytes.
// Internal to sim/batch.
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sweep/sweep.hpp"

namespace cw::sweep_parts {

struct FileHeader {
  std::string name, header;  // header: the whole first line with its '\n'
};
// The files the runs of `sw` append to, runs.csv first.
std::vector<FileHeader> appended_files(const Sweep& sw);

void write_design_file(const Sweep& sw, const std::filesystem::path& dir);
// points.csv from dir/runs.csv; returns the failed runs.
std::int64_t write_points_file(const Sweep& sw, const std::filesystem::path& dir);
// Compresses every data file present (output.gzip).
void compress_data_files(const std::filesystem::path& dir);
// The manifest a new sweep of `sw` starts with (status running).
nlohmann::ordered_json new_manifest(const Sweep& sw, const nlohmann::ordered_json& program,
                                    const std::string& started, int jobs);

}  // namespace cw::sweep_parts
