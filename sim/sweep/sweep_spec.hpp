// A sweep file (SPEC §4): a base scenario, the parameters to vary by path,
// a design, replicates and seeds. Plain data described by the schema, so it
// is read, validated and recorded like a scenario. docs/SWEEPS.md.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/params.hpp"
#include "core/schema.hpp"

namespace cw {

enum class DesignKind { grid, zip, random, lhs, sobol, morris, csv };
inline constexpr std::array<std::string_view, 7> kDesignKindNames = {
    "grid", "zip", "random", "lhs", "sobol", "morris", "csv"};

enum class Scale { linear, log };
inline constexpr std::array<std::string_view, 2> kScaleNames = {"linear", "log"};

enum class SeedMode { independent, common };
inline constexpr std::array<std::string_view, 2> kSeedModeNames = {"independent", "common"};

// How a sobol design draws its base matrices A and B: a quasi-random Sobol
// sequence (Boost.Random's sobol engine, the default) or plain Monte Carlo.
enum class Sampler { quasi, random };
inline constexpr std::array<std::string_view, 2> kSamplerNames = {"quasi", "random"};

// One varied parameter. grid: `values` or `from`/`to`/`steps`; zip: `values`;
// random, lhs, sobol, morris: `low`/`high`; csv: taken from the file's header.
struct SweepParam {
  std::string path;
  std::vector<std::string> values;
  std::optional<double> from, to;
  std::int64_t steps = 0;
  std::optional<double> low, high;
  Scale scale = Scale::linear;
};

struct DesignSpec {
  DesignKind kind = DesignKind::grid;
  std::int64_t samples = 0;  // random, lhs: points; sobol: base samples N; morris: trajectories
  std::int64_t levels = 4;   // morris: grid levels p (even)
  Sampler sampler = Sampler::quasi;  // sobol: Sobol sequence or Monte Carlo
  std::string file;                  // csv: design rows, header = parameter paths
};

struct SweepSpec {
  std::string name;
  std::string base;  // scenario file, relative to the sweep file
  std::int64_t seed = 1;
  SeedMode seeds = SeedMode::independent;
  std::int64_t replicates = 1;
  DesignSpec design;
  std::vector<SweepParam> parameters;
  std::vector<OutcomeParams> outcomes;  // declared outcomes, added to the base's
  std::int64_t step_every = 0;          // time series every K steps; 0: none
  bool events = false;                  // write events.csv (every run's events, with run_id)
  bool lab_steps = false;               // write step_labs.csv rows at the step_every steps
  bool gzip = false;                    // compress the finished CSVs
};

void describe(FieldVisitor& v, SweepParam& p);
void describe(FieldVisitor& v, SweepSpec& s);

}  // namespace cw
