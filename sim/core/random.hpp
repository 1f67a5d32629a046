// Named, counter-based random streams and our own distributions.
//
// Every draw is a pure function of (seed, stream, step, entity, index):
// Philox4x64-10 (Random123) keyed by (seed, stream) and counted by
// (step, entity, block). A rule draws from its own stream for one entity at a
// time, so adding a draw to one rule never shifts another rule's numbers, and
// the order in which entities are processed (threads, lab order) does not
// matter. Distributions are written here, not taken from <random>, whose
// distributions differ between standard libraries (SPEC §4).
#pragma once

#include <array>
#include <cmath>
#include <cstdint>

#include "core/params.hpp"
#include "core/vmath.hpp"

namespace cw {

// One stream per purpose. Never renumber: the numbers are part of every
// result's identity (docs/MODEL.md, "Random streams").
enum class Stream : std::uint64_t {
  lab_init = 1,       // drawing a generated lab's fields (entity: lab id)
  demand = 2,         // demand shocks (LabDraws: 4 labs per block)
  arrivals = 3,       // number and tiers of arrivals (entity: 0)
  exits = 4,          // exit draws (LabDraws)
  network = 5,        // influence graph generation and attachment
  renewal = 6,        // whether a lab re-evaluates (LabDraws)
  choice_noise = 7,   // utility noise (entity: lab id)
  choice_sample = 8,  // the `sample` allocation draw (entity: lab id)
  design = 9,         // sweep designs: random, lhs, sobol, morris samples
  run_seed = 10,      // seeds of a sweep's runs from (sweep seed, point, replicate)
  statements = 11,    // whether a lab speaks (LabDraws)
  contagion = 12,     // Bass adoption draws (entity: lab id)
};

// Philox4x64-10 of counter c under key k (Random123).
std::array<std::uint64_t, 4> philox_block(const std::array<std::uint64_t, 4>& c,
                                          const std::array<std::uint64_t, 2>& k);

// Philox4x64-10 with its ten round keys computed once, for a cursor that
// draws many blocks under one key (LabDraws): the same function as
// philox_block() (Random123's rounds: round r uses the key plus r times the
// Weyl constants), inlined, without bumping the key in every call.
class PhiloxKeys {
 public:
  explicit PhiloxKeys(const std::array<std::uint64_t, 2>& key) {
    for (std::size_t r = 0; r < kRounds; ++r) {
      round_[2 * r] = key[0] + r * kW0;
      round_[2 * r + 1] = key[1] + r * kW1;
    }
  }
  std::array<std::uint64_t, 4> block(const std::array<std::uint64_t, 4>& c) const {
    __extension__ using U128 = unsigned __int128;
    std::uint64_t c0 = c[0], c1 = c[1], c2 = c[2], c3 = c[3];
    for (std::size_t r = 0; r < kRounds; ++r) {
      const U128 p0 = static_cast<U128>(kM0) * c0;
      const U128 p1 = static_cast<U128>(kM1) * c2;
      const auto hi0 = static_cast<std::uint64_t>(p0 >> 64), lo0 = static_cast<std::uint64_t>(p0);
      const auto hi1 = static_cast<std::uint64_t>(p1 >> 64), lo1 = static_cast<std::uint64_t>(p1);
      c0 = hi1 ^ c1 ^ round_[2 * r];
      c1 = lo1;
      c2 = hi0 ^ c3 ^ round_[2 * r + 1];
      c3 = lo0;
    }
    return {c0, c1, c2, c3};
  }

 private:
  static constexpr std::size_t kRounds = 10;
  static constexpr std::uint64_t kM0 = 0xD2E7470EE14C6C93, kM1 = 0xCA5A826395121157;
  static constexpr std::uint64_t kW0 = 0x9E3779B97F4A7C15, kW1 = 0xBB67AE8584CAA73B;
  std::array<std::uint64_t, 2 * kRounds> round_;
};

// Uniform on the open interval (0, 1): (k + 1/2) / 2^52 for the top 52 bits
// k of a word. (With 53 bits the largest value, 1 - 2^-54, would round to
// 1.0.) Smallest 2^-53, largest 1 - 2^-53, both exact.
inline double word_to_uniform(std::uint64_t w) {
  return (static_cast<double>(w >> 12) + 0.5) * 0x1.0p-52;
}

// A Box-Muller pair from two uniforms: sqrt(-2 ln u1) (cos, sin)(2 pi u2),
// with our own log and sin/cos (core/vmath.hpp), so the same bits on every
// machine.
inline void box_muller(double u1, double u2, double& z_cos, double& z_sin) {
  const double r = std::sqrt(-2.0 * vmath::log(u1));
  double s = 0, c = 0;
  vmath::sincos_turns(u2, s, c);
  z_cos = r * c;
  z_sin = r * s;
}

// A cursor over one (seed, stream, step, entity) sequence of 64-bit words.
class Draws {
 public:
  Draws(std::uint64_t seed, Stream stream, std::uint64_t step, std::uint64_t entity)
      : key_{seed, static_cast<std::uint64_t>(stream)}, ctr_{step, entity, 0, 0} {}

  std::uint64_t next_u64() {
    if (used_ == 4) {
      block_ = philox_block(ctr_, key_);
      ++ctr_[2];
      used_ = 0;
    }
    return block_[used_++];
  }

  double uniform() { return word_to_uniform(next_u64()); }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }

  // Standard normal by Box-Muller (the cosine branch; one pair of uniforms per draw).
  double normal() {
    const double u1 = uniform();
    const double u2 = uniform();
    double z_cos = 0, z_sin = 0;
    box_muller(u1, u2, z_cos, z_sin);
    return z_cos;
  }

  double exponential() { return -vmath::log(uniform()); }

  // Uniform integer in [0, n) by Lemire's multiply-shift with rejection (unbiased).
  std::uint64_t below(std::uint64_t n);

  // Poisson(lambda): multiplication method for lambda < 10, Hormann's PTRS above.
  std::int64_t poisson(double lambda);

  // A draw of a lab-field distribution, offset and clamped (params.hpp).
  double draw(const Dist& d);

 private:
  std::array<std::uint64_t, 2> key_;
  std::array<std::uint64_t, 4> ctr_;
  std::array<std::uint64_t, 4> block_{};
  int used_ = 4;
};

// Box-Muller over arrays (n pairs); vectorises, and equals box_muller() pair
// by pair bit for bit. Always inlined, so that it is compiled into its
// caller's AVX2 clone (CW_CLONES, rules/row_kernels.hpp) and runs four pairs
// to a vector there: out of line it was compiled once, for the baseline.
[[gnu::always_inline]] inline void box_muller(const double* u1, const double* u2, double* z_cos,
                                              double* z_sin, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    const double r = std::sqrt(-2.0 * vmath::log(u1[i]));
    double s = 0, c = 0;
    vmath::sincos_turns(u2[i], s, c);
    z_cos[i] = r * c;
    z_sin[i] = r * s;
  }
}

// One draw per lab and step, for the streams that need exactly that
// (demand, exits, renewal, statements): four labs share a Philox block. Lab
// id i takes word (i mod 4) of block (step, i div 4, 0, 0), so a lab's draw
// is still a pure function of (seed, stream, step, lab id), whatever other
// labs exist and in whatever order they are visited; a quarter of the blocks
// of one cursor per lab. Normals: words 0, 1 of a block are a Box-Muller
// pair for labs 4g (cosine) and 4g + 1 (sine), words 2, 3 for 4g + 2 and
// 4g + 3.
class LabDraws {
 public:
  LabDraws(std::uint64_t seed, Stream stream, std::uint64_t step)
      : keys_({seed, static_cast<std::uint64_t>(stream)}), step_(step) {}

  double uniform(std::uint64_t lab_id) { return word_to_uniform(block(lab_id >> 2)[lab_id & 3]); }

  double normal(std::uint64_t lab_id) {
    const std::uint64_t g = lab_id >> 2;
    if (g != normals_of_) {
      const auto& w = block(g);
      box_muller(word_to_uniform(w[0]), word_to_uniform(w[1]), z_[0], z_[1]);
      box_muller(word_to_uniform(w[2]), word_to_uniform(w[3]), z_[2], z_[3]);
      normals_of_ = g;
    }
    return z_[lab_id & 3];
  }

  // normal(ids[i]) into z[i] for i < m <= kBatch, the Box-Muller pairs of
  // the batch computed together (vectorised). Always inlined, for the
  // caller's AVX2 clone (as box_muller above).
  static constexpr std::size_t kBatch = 64;
  [[gnu::always_inline]] void normals(const std::uint64_t* ids, std::size_t m, double* z) {
    std::array<double, 2 * kBatch> u1, u2, zc, zs;
    std::array<std::uint32_t, kBatch> pair;
    std::size_t pairs = 0, base = 0;
    std::uint64_t last = kNone;
    for (std::size_t i = 0; i < m; ++i) {
      const std::uint64_t g = ids[i] >> 2;
      if (g != last) {
        const auto& w = block(g);
        base = pairs;
        u1[pairs] = word_to_uniform(w[0]);
        u2[pairs++] = word_to_uniform(w[1]);
        u1[pairs] = word_to_uniform(w[2]);
        u2[pairs++] = word_to_uniform(w[3]);
        last = g;
      }
      pair[i] = static_cast<std::uint32_t>(base + ((ids[i] & 3) >> 1));
    }
    box_muller(u1.data(), u2.data(), zc.data(), zs.data(), pairs);
    for (std::size_t i = 0; i < m; ++i) z[i] = (ids[i] & 1) ? zs[pair[i]] : zc[pair[i]];
  }

 private:
  static constexpr std::uint64_t kNone = ~std::uint64_t{0};
  const std::array<std::uint64_t, 4>& block(std::uint64_t g) {
    if (g != group_) {
      block_ = keys_.block({step_, g, 0, 0});
      group_ = g;
    }
    return block_;
  }
  PhiloxKeys keys_;
  std::uint64_t step_;
  std::uint64_t group_ = kNone, normals_of_ = kNone;
  std::array<std::uint64_t, 4> block_{};
  std::array<double, 4> z_{};
};

}  // namespace cw
