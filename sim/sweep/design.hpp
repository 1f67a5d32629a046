// Sweep designs (SPEC §4, docs/SWEEPS.md): the points of a sweep, each a
// value (as text, applied with set_parameter) for every varied path.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/params.hpp"
#include "sweep/sweep_spec.hpp"

namespace cw {

struct Design {
  std::vector<std::string> paths;
  std::vector<std::vector<std::string>> values;  // [point][parameter]
  // Points that belong together: a Sobol base sample (A, B, AB_1..AB_k), a
  // Morris trajectory (k+1 points); otherwise each point alone.
  std::vector<std::int64_t> group;
  // Sobol: "A", "B", "AB1".."ABk"; Morris: the factor moved to reach the
  // point ("" for a trajectory's first point); otherwise "".
  std::vector<std::string> role;
  // Coordinates in the unit cube for sampled designs (random, lhs, sobol,
  // morris); empty for grid, zip and csv.
  std::vector<std::vector<double>> unit;

  std::size_t size() const { return values.size(); }
};

// Builds the design. `integer[i]` says parameter i takes whole numbers
// (sampled values are rounded). `csv_rows` are the rows of a csv design
// (header removed), one text value per path. Randomness: stream `design`
// keyed by the sweep seed. Throws std::invalid_argument on an impossible
// design (the config layer reports those with positions first).
Design make_design(const SweepSpec& spec, const std::vector<bool>& integer,
                   const std::vector<std::vector<std::string>>& csv_rows = {});

// Maps u in [0,1] to [low, high] (linear) or geometrically (log).
double scale_unit(double u, double low, double high, Scale scale);

// Values of a grid range: `steps` values from `from` to `to`, linear or geometric.
std::vector<double> grid_range(double from, double to, std::int64_t steps, Scale scale);

// Points 1..n of the `dims`-dimensional Sobol sequence (Boost.Random's sobol
// engine: Joe and Kuo's direction numbers, Gray-code order, no scrambling),
// as unit coordinates in [0, 1): row 0 is point 1, (1/2, ..., 1/2); the
// origin (point 0) is left out. dims <= kSobolMaxDimension.
inline constexpr std::size_t kSobolMaxDimension = 3667;
std::vector<std::vector<double>> sobol_sequence(std::size_t n, std::size_t dims);

// The order runs are done in, as point ids: groups in van der Corput
// (bit-reversal) order, so that any prefix of a sweep covers the design
// evenly; points of a group together.
std::vector<std::int64_t> point_order(const Design& d);

// The seed of a run (53 bits): Philox4x64 of (point, replicate) keyed by
// (sweep seed, stream run_seed); with `common` the point is left out.
std::int64_t run_seed(std::int64_t sweep_seed, SeedMode mode, std::int64_t point,
                      std::int64_t replicate);

// Text of a value as the design writes it: shortest round-trip, or an
// integer when the parameter is whole-numbered.
std::string format_value(double v, bool integer);

}  // namespace cw
