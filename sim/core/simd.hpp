// Small fixed-width vectors of doubles for the row kernels (GCC vector
// extensions). A kernel written with them is vectorised whatever the
// compiler's loop vectoriser makes of the plain loop (it gave up on the
// utility row: selects on bit patterns, byte flags and possible aliasing of
// the output row left it scalar). The arithmetic is element-wise IEEE, as
// in the scalar code it replaces, so the results are the same bits: no
// reassociation, no contraction into FMA (-ffp-contract=off), and the
// select is a blend, not arithmetic. In a CW_CLONES function GCC lowers
// Vec<4> to one AVX register (x86-64-v3) or two SSE2 registers (baseline).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

// The rule: every function that takes or returns a vector by value is
// [[gnu::always_inline]] (these helpers, and any a kernel adds), and the
// kernels keep their vectors inside. A call that did pass a vector between
// a baseline function and an AVX2 clone would disagree on where a 32-byte
// vector goes (a register with AVX, memory without), and without
// optimisation (the dev preset) such a call stays a call. GCC notes that
// ABI difference (-Wpsabi) at every use, inlined or not, so the note is off
// (ProjectOptions) and the rule is kept by hand.

namespace cw::simd {

// (GCC drops vector_size on an alias template with a dependent size, so
// each width is spelled out.)
template <std::size_t W>
struct Types;
template <>
struct Types<2> {
  typedef double Vec __attribute__((vector_size(16)));
  typedef std::int64_t Mask __attribute__((vector_size(16)));
};
template <>
struct Types<4> {
  typedef double Vec __attribute__((vector_size(32)));
  typedef std::int64_t Mask __attribute__((vector_size(32)));
};
template <std::size_t W>
using Vec = typename Types<W>::Vec;
template <std::size_t W>
using Mask = typename Types<W>::Mask;
static_assert(sizeof(Vec<4>) == 4 * sizeof(double) && sizeof(Mask<2>) == 2 * sizeof(double));

// The widest vector that divides a row of S values (S even).
template <std::size_t S>
inline constexpr std::size_t kWidth = S % 4 == 0 ? 4 : 2;

template <std::size_t W>
[[gnu::always_inline]] inline Vec<W> load(const double* p) {
  Vec<W> v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

template <std::size_t W>
[[gnu::always_inline]] inline void store(double* p, Vec<W> v) {
  std::memcpy(p, &v, sizeof v);
}

// Every element x, bit for bit (0.0 + x would turn -0.0 into +0.0).
template <std::size_t W>
[[gnu::always_inline]] inline Vec<W> splat(double x) {
  double lanes[W];
  for (std::size_t i = 0; i < W; ++i) lanes[i] = x;
  return load<W>(lanes);
}

// Element-wise m ? a : b, m from a comparison (all bits set or none): a
// blend of bits, as vmath::detail::select.
template <std::size_t W>
[[gnu::always_inline]] inline Vec<W> select(Mask<W> m, Vec<W> a, Vec<W> b) {
  using M = Mask<W>;
  return reinterpret_cast<Vec<W>>((reinterpret_cast<M>(a) & m) | (reinterpret_cast<M>(b) & ~m));
}

}  // namespace cw::simd
