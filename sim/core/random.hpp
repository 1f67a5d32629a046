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

namespace cw {

// One stream per purpose. Never renumber: the numbers are part of every
// result's identity (docs/MODEL.md, "Random streams").
enum class Stream : std::uint64_t {
  lab_init = 1,       // drawing a generated lab's fields (entity: lab id)
  demand = 2,         // demand shocks (entity: lab id)
  arrivals = 3,       // number and tiers of arrivals (entity: 0)
  exits = 4,          // exit draws (entity: lab id)
  network = 5,        // influence graph generation and attachment
  renewal = 6,        // whether a lab re-evaluates (entity: lab id)
  choice_noise = 7,   // utility noise (entity: lab id)
  choice_sample = 8,  // the `sample` allocation draw (entity: lab id)
  design = 9,         // sweep designs: random, lhs, sobol, morris samples
  run_seed = 10,      // seeds of a sweep's runs from (sweep seed, point, replicate)
  statements = 11,    // whether and what a lab says (entity: lab id)
  contagion = 12,     // Bass adoption draws (entity: lab id)
};

// Philox4x64-10 of counter c under key k (Random123).
std::array<std::uint64_t, 4> philox_block(const std::array<std::uint64_t, 4>& c,
                                          const std::array<std::uint64_t, 2>& k);

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

  // Uniform on the open interval (0, 1): (k + 1/2) / 2^52 for the top 52
  // bits k of a word. (With 53 bits the largest value, 1 - 2^-54, would round
  // to 1.0.) Smallest 2^-53, largest 1 - 2^-53, both exact.
  double uniform() { return (static_cast<double>(next_u64() >> 12) + 0.5) * 0x1.0p-52; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }

  // Standard normal by Box-Muller (the cosine branch; one pair of uniforms per draw).
  double normal() {
    const double u1 = uniform();
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }

  double exponential() { return -std::log(uniform()); }

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

}  // namespace cw
