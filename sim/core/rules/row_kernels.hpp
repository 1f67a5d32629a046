// Dispatch to the row kernels: rules that loop over a lab's per-provider
// row have a version templated on the row length S, so that per-provider
// sums stay in registers and the row loops vectorise (docs/PERFORMANCE.md).
#pragma once

#include <cstddef>
#include <utility>

// CW_CLONES: the function is compiled twice, for the x86-64-v2 baseline and
// for x86-64-v3 (AVX2), and the loader picks the one the CPU runs (GCC
// target_clones). Both give the same bits: the arithmetic is element-wise
// IEEE, sums are never reordered (no -ffast-math) and contraction into FMA
// is off (-ffp-contract=off), so a wider vector changes only the speed.
// CW_IN_CLONE: a helper a cloned function calls (with_row_length() and the
// kernel lambdas given to it) is always inlined, so it is compiled into
// each clone. Left out of line, GCC compiles it once, for the baseline, and
// the AVX2 clone calls that.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(CW_NO_CLONES)
#define CW_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#define CW_IN_CLONE __attribute__((always_inline))
#else
#define CW_CLONES
#define CW_IN_CLONE
#endif

namespace cw {

// Rows up to this length (P <= 32 providers) have a kernel.
inline constexpr std::size_t kMaxRowKernel = 32;

namespace detail {
// Testing seam: while true, no row length has a kernel, so every rule takes
// its general loop (tests/kernels_test.cpp compares the two paths on the
// same states). Set only by tests, and only while no rule runs.
inline bool general_loops_only = false;
}  // namespace detail

// Whether with_row_length() has a kernel for this row length.
inline bool has_row_kernel(std::size_t row_length) {
  return !detail::general_loops_only && row_length % 2 == 0 && row_length >= 2 &&
         row_length <= kMaxRowKernel;
}

// Calls f.template operator()<S>() with S = row_length when row_length is
// even and at most kMaxRowKernel, and returns true; returns false otherwise
// (the caller then takes its general loop). Give it a lambda marked
// CW_IN_CLONE: `[&]<std::size_t S>() CW_IN_CLONE { ... }`.
template <class F>
CW_IN_CLONE inline bool with_row_length(std::size_t row_length, F&& f) {
  if (detail::general_loops_only) return false;
  return [&]<std::size_t... I>(std::index_sequence<I...>) CW_IN_CLONE {
    return ((row_length == 2 * (I + 1) ? (f.template operator()<2 * (I + 1)>(), true) : false) ||
            ...);
  }
  (std::make_index_sequence<kMaxRowKernel / 2>{});
}

}  // namespace cw
