// The influence-graph generators (docs/MODEL.md, "Generators"): the initial
// graph of a run and the links of labs that arrive later.
#include "core/graph_generators.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>

#include "core/params.hpp"
#include "core/random.hpp"
#include "core/state.hpp"
#include "core/vmath.hpp"

namespace cw {

namespace {

// Sampling proportional to weights with a Fenwick tree (O(log n) per draw and update).
class Fenwick {
 public:
  explicit Fenwick(std::size_t n) : tree_(n + 1, 0.0), value_(n, 0.0) {}
  void add(std::size_t i, double w) {
    value_[i] += w;
    for (std::size_t k = i + 1; k < tree_.size(); k += k & (~k + 1)) tree_[k] += w;
  }
  double total() const { return total_prefix(value_.size()); }
  // Smallest i with prefix(i+1) > target.
  std::size_t find(double target) const {
    std::size_t pos = 0;
    std::size_t step = 1;
    while (step * 2 < tree_.size()) step *= 2;
    for (; step > 0; step /= 2) {
      if (pos + step < tree_.size() && tree_[pos + step] <= target) {
        pos += step;
        target -= tree_[pos];
      }
    }
    return std::min(pos, value_.size() - 1);
  }

 private:
  double total_prefix(std::size_t n) const {
    double s = 0;
    for (std::size_t k = n; k > 0; k -= k & (~k + 1)) s += tree_[k];
    return s;
  }
  std::vector<double> tree_;
  std::vector<double> value_;
};

}  // namespace

// The influence graph of the initial labs, straight into the CSR (no
// per-edge allocation: at a million labs this is the largest structure).
Csr generate_influence(const Scenario& s, const State& st) {
  const NetworkParams& net = s.network;
  const std::size_t n = st.labs.n;
  const auto seed = static_cast<std::uint64_t>(s.seed);
  std::vector<std::array<std::uint32_t, 2>> pairs;  // undirected unit-weight edges, in order
  auto link = [&pairs](std::size_t a, std::size_t b) {
    pairs.push_back({static_cast<std::uint32_t>(a), static_cast<std::uint32_t>(b)});
  };
  switch (net.generator) {
    case GraphGenerator::none:
      break;
    case GraphGenerator::complete:
      pairs.reserve(n * (n - 1) / 2);
      for (std::size_t a = 0; a < n; ++a) {
        for (std::size_t b = a + 1; b < n; ++b) link(a, b);
      }
      break;
    case GraphGenerator::erdos_renyi: {
      // Undirected G(n, p) by geometric skips over the pairs (Batagelj & Brandes 2005).
      if (net.p <= 0 || n < 2) break;
      Draws r(seed, Stream::network, 0, 0);
      const double log_q = std::log1p(-net.p);
      std::int64_t v = 1, w = -1;
      const auto N = static_cast<std::int64_t>(n);
      while (v < N) {
        const double skip = net.p >= 1 ? 0.0 : std::floor(vmath::log(r.uniform()) / log_q);
        w += 1 + static_cast<std::int64_t>(skip);
        while (w >= v && v < N) {
          w -= v;
          ++v;
        }
        if (v < N) link(static_cast<std::size_t>(v), static_cast<std::size_t>(w));
      }
      break;
    }
    case GraphGenerator::watts_strogatz: {
      // Ring lattice with k/2 neighbours on each side; each edge's far end is
      // rewired with probability `rewire` to a uniform lab (no loops, no duplicates).
      const std::size_t half = static_cast<std::size_t>(net.k) / 2;
      if (n < 2 || half == 0) break;
      std::vector<std::vector<std::uint32_t>> adj(n);
      auto linked = [&adj](std::size_t a, std::size_t b) {
        return std::find(adj[a].begin(), adj[a].end(), b) != adj[a].end();
      };
      Draws r(seed, Stream::network, 0, 0);
      for (std::size_t a = 0; a < n; ++a) {
        for (std::size_t j = 1; j <= half && j < n; ++j) {
          std::size_t b = (a + j) % n;
          if (r.uniform() < net.rewire) {
            for (int attempt = 0; attempt < 32; ++attempt) {
              const auto c = static_cast<std::size_t>(r.below(n));
              if (c != a && !linked(a, c)) {
                b = c;
                break;
              }
            }
          }
          if (b != a && !linked(a, b)) {
            link(a, b);
            adj[a].push_back(static_cast<std::uint32_t>(b));
            adj[b].push_back(static_cast<std::uint32_t>(a));
          }
        }
      }
      break;
    }
    case GraphGenerator::barabasi_albert: {
      // Preferential attachment with prestige as fitness: a clique of the
      // first m+1 labs, then each lab links to m distinct earlier labs with
      // probability proportional to prestige * (degree + 1).
      const auto m = static_cast<std::size_t>(net.m);
      if (n < 2) break;
      const std::size_t core = std::min(n, m + 1);
      pairs.reserve(core * core / 2 + (n - core) * m);
      std::vector<std::size_t> degree(n, 0);
      for (std::size_t a = 0; a < core; ++a) {
        for (std::size_t b = a + 1; b < core; ++b) {
          link(a, b);
          ++degree[a];
          ++degree[b];
        }
      }
      Fenwick tree(n);
      for (std::size_t a = 0; a < core; ++a) {
        tree.add(a, attach_weight(st.labs.prestige[a], degree[a]));
      }
      std::vector<std::size_t> chosen;
      for (std::size_t a = core; a < n; ++a) {
        Draws r(seed, Stream::network, 0, st.labs.id[a]);
        chosen.clear();
        const double total = tree.total();
        for (int attempt = 0; chosen.size() < m && attempt < 64 * static_cast<int>(m); ++attempt) {
          const std::size_t b =
              total > 0 ? tree.find(r.uniform() * total) : static_cast<std::size_t>(r.below(a));
          if (b < a && std::find(chosen.begin(), chosen.end(), b) == chosen.end()) {
            chosen.push_back(b);
          }
        }
        for (std::size_t b : chosen) {
          link(a, b);
          tree.add(b, st.labs.prestige[b]);  // degree + 1 -> weight grows by prestige
          ++degree[b];
        }
        degree[a] = chosen.size();
        tree.add(a, attach_weight(st.labs.prestige[a], degree[a]));
      }
      break;
    }
    case GraphGenerator::edge_list: {
      std::vector<CsrEdge> edges;
      for (const auto& e : net.edges) {
        if (e.a >= n || e.b >= n || e.a == e.b) continue;
        const auto a = static_cast<std::uint32_t>(e.a), b = static_cast<std::uint32_t>(e.b);
        edges.push_back({a, b, e.weight});
        if (!net.directed) edges.push_back({b, a, e.weight});
      }
      return csr_from_edges(n, edges);
    }
  }
  return csr_from_pairs(n, pairs, true);
}

// Arrivals attach to m existing labs by the same preferential rule.
void attach_arrival(const Scenario& s, const State& st, std::size_t slot,
                    const std::vector<double>& cumulative, std::vector<CsrEdge>& added) {
  if (s.network.generator == GraphGenerator::none || cumulative.empty()) return;
  Draws r(static_cast<std::uint64_t>(s.seed), Stream::network, 1, st.labs.id[slot]);
  const auto m = std::min<std::size_t>(static_cast<std::size_t>(s.network.m), slot);
  const double total = cumulative.empty() ? 0.0 : cumulative.back();
  std::vector<std::size_t> chosen;
  chosen.reserve(m);
  for (int attempt = 0; chosen.size() < m && attempt < 64 * static_cast<int>(m); ++attempt) {
    std::size_t b;
    if (total > 0) {
      const double target = r.uniform() * total;
      b = static_cast<std::size_t>(std::upper_bound(cumulative.begin(), cumulative.end(), target) -
                                   cumulative.begin());
      b = std::min(b, cumulative.size() - 1);
    } else {
      b = static_cast<std::size_t>(r.below(cumulative.size()));
    }
    if (std::find(chosen.begin(), chosen.end(), b) == chosen.end()) chosen.push_back(b);
  }
  for (std::size_t b : chosen) {
    added.push_back({static_cast<std::uint32_t>(slot), static_cast<std::uint32_t>(b), 1.0});
    added.push_back({static_cast<std::uint32_t>(b), static_cast<std::uint32_t>(slot), 1.0});
  }
}

}  // namespace cw
