#include "sweep/design.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/random/sobol.hpp>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "core/random.hpp"

namespace cw {

double scale_unit(double u, double low, double high, Scale scale) {
  // The ends map exactly, and rounding never leaves [low, high].
  if (u <= 0) return low;
  if (u >= 1) return high;
  const double x = scale == Scale::log
                       ? std::exp(std::log(low) + u * (std::log(high) - std::log(low)))
                       : low + u * (high - low);
  return std::clamp(x, std::min(low, high), std::max(low, high));
}

std::vector<double> grid_range(double from, double to, std::int64_t steps, Scale scale) {
  std::vector<double> out;
  for (std::int64_t i = 0; i < steps; ++i) {
    const double u = steps == 1 ? 0.0 : static_cast<double>(i) / static_cast<double>(steps - 1);
    out.push_back(i == 0 ? from : i == steps - 1 ? to : scale_unit(u, from, to, scale));
  }
  return out;
}

std::string format_value(double v, bool integer) {
  if (integer) return fmt::format("{}", static_cast<std::int64_t>(std::llround(v)));
  return fmt::format("{}", v);
}

static_assert(kSobolMaxDimension == boost::random::default_sobol_table::max_dimension);

std::vector<std::vector<double>> sobol_sequence(std::size_t n, std::size_t dims) {
  if (dims > kSobolMaxDimension) {
    throw std::invalid_argument(
        fmt::format("a Sobol sequence has at most {} dimensions", kSobolMaxDimension));
  }
  std::vector<std::vector<double>> rows(n, std::vector<double>(dims));
  if (dims == 0) return rows;
  // Boost's engine starts at point 1 of the sequence, (1/2, ..., 1/2); the
  // origin, point 0, is never produced. Its 64-bit
  // outputs are x / 2^64 with only the top bits set for the first 2^53
  // points, so the conversion to double is exact.
  boost::random::sobol engine(dims);
  for (auto& row : rows) {
    for (auto& u : row) u = static_cast<double>(engine()) * 0x1p-64;
  }
  return rows;
}

std::int64_t run_seed(std::int64_t sweep_seed, SeedMode mode, std::int64_t point,
                      std::int64_t replicate) {
  const std::uint64_t p = mode == SeedMode::common ? ~0ULL : static_cast<std::uint64_t>(point);
  const auto b = philox_block(
      {p, static_cast<std::uint64_t>(replicate), 0, 0},
      {static_cast<std::uint64_t>(sweep_seed), static_cast<std::uint64_t>(Stream::run_seed)});
  return static_cast<std::int64_t>(b[0] >> 11);
}

namespace {

std::uint64_t design_seed(const SweepSpec& s) { return static_cast<std::uint64_t>(s.seed); }

// Adds a sampled point from unit coordinates.
void add_unit_point(const SweepSpec& s, const std::vector<bool>& integer, Design& d,
                    std::vector<double> u, std::int64_t group, std::string role) {
  std::vector<std::string> values;
  for (std::size_t i = 0; i < u.size(); ++i) {
    const SweepParam& p = s.parameters[i];
    values.push_back(format_value(scale_unit(u[i], *p.low, *p.high, p.scale), integer[i]));
  }
  d.values.push_back(std::move(values));
  d.unit.push_back(std::move(u));
  d.group.push_back(group);
  d.role.push_back(std::move(role));
}

void add_point(Design& d, std::vector<std::string> values) {
  d.group.push_back(static_cast<std::int64_t>(d.values.size()));
  d.role.emplace_back();
  d.values.push_back(std::move(values));
}

std::vector<std::string> values_of(const SweepParam& p, bool integer) {
  if (!p.values.empty()) return p.values;
  std::vector<std::string> out;
  for (double v : grid_range(*p.from, *p.to, p.steps, p.scale)) {
    out.push_back(format_value(v, integer));
  }
  return out;
}

}  // namespace

Design make_design(const SweepSpec& s, const std::vector<bool>& integer,
                   const std::vector<std::vector<std::string>>& csv_rows) {
  Design d;
  for (const auto& p : s.parameters) d.paths.push_back(p.path);
  const std::size_t k = s.parameters.size();
  const auto n = static_cast<std::size_t>(s.design.samples);
  const std::uint64_t seed = design_seed(s);
  switch (s.design.kind) {
    case DesignKind::grid: {
      // Cartesian product; the last parameter varies fastest.
      std::vector<std::vector<std::string>> axes;
      std::size_t total = 1;
      for (std::size_t i = 0; i < k; ++i) {
        axes.push_back(values_of(s.parameters[i], integer[i]));
        total *= axes.back().size();
      }
      if (k == 0) total = 1;
      for (std::size_t idx = 0; idx < total; ++idx) {
        std::vector<std::string> values(k);
        std::size_t rest = idx;
        for (std::size_t i = k; i-- > 0;) {
          values[i] = axes[i][rest % axes[i].size()];
          rest /= axes[i].size();
        }
        add_point(d, std::move(values));
      }
      break;
    }
    case DesignKind::zip: {
      const std::size_t len = k == 0 ? 1 : s.parameters[0].values.size();
      for (std::size_t j = 0; j < len; ++j) {
        std::vector<std::string> values;
        for (const auto& p : s.parameters) {
          if (p.values.size() != len) throw std::invalid_argument("zip lists differ in length");
          values.push_back(p.values[j]);
        }
        add_point(d, std::move(values));
      }
      break;
    }
    case DesignKind::random: {
      for (std::size_t j = 0; j < n; ++j) {
        Draws r(seed, Stream::design, 0, j);
        std::vector<double> u(k);
        for (auto& x : u) x = r.uniform();
        add_unit_point(s, integer, d, std::move(u), static_cast<std::int64_t>(j), "");
      }
      break;
    }
    case DesignKind::lhs: {
      // Latin hypercube: in every dimension each of the n strata
      // [i/n, (i+1)/n) holds exactly one point (McKay, Beckman & Conover 1979).
      std::vector<std::vector<double>> cols(k, std::vector<double>(n));
      for (std::size_t dim = 0; dim < k; ++dim) {
        Draws r(seed, Stream::design, 1, dim);
        std::vector<std::size_t> perm(n);
        std::iota(perm.begin(), perm.end(), std::size_t{0});
        for (std::size_t i = n; i > 1; --i) std::swap(perm[i - 1], perm[r.below(i)]);
        for (std::size_t j = 0; j < n; ++j) {
          cols[dim][j] = (static_cast<double>(perm[j]) + r.uniform()) / static_cast<double>(n);
        }
      }
      for (std::size_t j = 0; j < n; ++j) {
        std::vector<double> u(k);
        for (std::size_t dim = 0; dim < k; ++dim) u[dim] = cols[dim][j];
        add_unit_point(s, integer, d, std::move(u), static_cast<std::int64_t>(j), "");
      }
      break;
    }
    case DesignKind::sobol: {
      // Saltelli's scheme: base matrices A and B (n x k), then for each base
      // sample j the points A_j, B_j and AB_i,j (A_j with column i taken
      // from B_j), i = 1..k: n (k + 2) points (Saltelli et al. 2010).
      // The quasi sampler skips the sequence's points 0 (the origin) and 1
      // ((1/2, ..., 1/2)): in both the first k coordinates equal the last
      // k, so A_j = B_j and the base sample adds nothing to any index.
      std::vector<std::vector<double>> ab_rows;
      if (s.design.sampler == Sampler::quasi) {
        ab_rows = sobol_sequence(n + 1, 2 * k);
        ab_rows.erase(ab_rows.begin());
      }
      for (std::size_t j = 0; j < n; ++j) {
        std::vector<double> a(k), b(k);
        if (s.design.sampler == Sampler::quasi) {
          // Point j + 2 of a 2k-dimensional Sobol sequence: A takes its
          // first k coordinates, B the last k (Saltelli et al. 2010, §3).
          std::copy_n(ab_rows[j].begin(), k, a.begin());
          std::copy_n(ab_rows[j].begin() + static_cast<std::ptrdiff_t>(k), k, b.begin());
        } else {
          Draws r(seed, Stream::design, 2, j);
          for (auto& x : a) x = r.uniform();
          for (auto& x : b) x = r.uniform();
        }
        const auto g = static_cast<std::int64_t>(j);
        add_unit_point(s, integer, d, a, g, "A");
        add_unit_point(s, integer, d, b, g, "B");
        for (std::size_t i = 0; i < k; ++i) {
          std::vector<double> ab = a;
          ab[i] = b[i];
          add_unit_point(s, integer, d, std::move(ab), g, fmt::format("AB{}", i + 1));
        }
      }
      break;
    }
    case DesignKind::morris: {
      // Morris (1991) elementary-effects trajectories on a p-level grid:
      // delta = p / (2 (p - 1)); a base point whose every coordinate b and
      // b + delta lie on the grid; factors moved one at a time in a random
      // order, each by +delta or -delta (random direction).
      // Coordinates are kept as level indices j (unit value j / (p - 1)) so
      // that every point lies exactly on the grid; delta is p/2 levels.
      const auto p = static_cast<std::size_t>(s.design.levels);
      const std::size_t half = p / 2;  // delta in levels; base index b in {0, .., p/2 - 1}
      auto unit_of = [p](const std::vector<std::size_t>& idx) {
        std::vector<double> u(idx.size());
        for (std::size_t i = 0; i < idx.size(); ++i) {
          u[i] = static_cast<double>(idx[i]) / static_cast<double>(p - 1);
        }
        return u;
      };
      for (std::size_t t = 0; t < n; ++t) {
        Draws r(seed, Stream::design, 3, t);
        std::vector<std::size_t> idx(k);
        std::vector<bool> up(k);
        for (std::size_t i = 0; i < k; ++i) {
          const std::size_t b = static_cast<std::size_t>(r.below(half));
          up[i] = r.uniform() < 0.5;
          idx[i] = up[i] ? b : b + half;
        }
        std::vector<std::size_t> order(k);
        std::iota(order.begin(), order.end(), std::size_t{0});
        for (std::size_t i = k; i > 1; --i) std::swap(order[i - 1], order[r.below(i)]);
        const auto g = static_cast<std::int64_t>(t);
        add_unit_point(s, integer, d, unit_of(idx), g, "");
        for (std::size_t i : order) {
          idx[i] = up[i] ? idx[i] + half : idx[i] - half;
          add_unit_point(s, integer, d, unit_of(idx), g, s.parameters[i].path);
        }
      }
      break;
    }
    case DesignKind::csv:
      for (const auto& row : csv_rows) add_point(d, row);
      break;
  }
  return d;
}

std::vector<std::int64_t> point_order(const Design& d) {
  // Groups in order of first appearance.
  std::vector<std::int64_t> group_start;
  std::vector<std::int64_t> group_len;
  for (std::size_t i = 0; i < d.size(); ++i) {
    if (i == 0 || d.group[i] != d.group[i - 1]) {
      group_start.push_back(static_cast<std::int64_t>(i));
      group_len.push_back(0);
    }
    ++group_len.back();
  }
  const std::size_t n = group_start.size();
  std::size_t bits = 0;
  while ((std::size_t{1} << bits) < n) ++bits;
  std::vector<std::int64_t> order;
  order.reserve(d.size());
  for (std::size_t i = 0; i < (std::size_t{1} << bits); ++i) {
    std::size_t rev = 0;
    for (std::size_t b = 0; b < bits; ++b) {
      if (i & (std::size_t{1} << b)) rev |= std::size_t{1} << (bits - 1 - b);
    }
    if (rev >= n) continue;
    for (std::int64_t j = 0; j < group_len[rev]; ++j) order.push_back(group_start[rev] + j);
  }
  return order;
}

}  // namespace cw
