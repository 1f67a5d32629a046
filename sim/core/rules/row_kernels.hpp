// Dispatch to the row kernels: rules that loop over a lab's per-provider
// row have a version templated on the row length S, so that per-provider
// sums stay in registers and the row loops vectorise (docs/PERFORMANCE.md).
#pragma once

#include <cstddef>
#include <utility>

namespace cw {

// Rows up to this length (P <= 32 providers) have a kernel.
inline constexpr std::size_t kMaxRowKernel = 32;

// Calls f.template operator()<S>() with S = row_length when row_length is
// even and at most kMaxRowKernel, and returns true; returns false otherwise
// (the caller then takes its general loop).
template <class F>
bool with_row_length(std::size_t row_length, F&& f) {
  return [&]<std::size_t... I>(std::index_sequence<I...>) {
    return ((row_length == 2 * (I + 1) ? (f.template operator()<2 * (I + 1)>(), true) : false) ||
            ...);
  }
  (std::make_index_sequence<kMaxRowKernel / 2>{});
}

}  // namespace cw
