// How the columns of the tidy files (listed once in core/columns.hpp;
// docs/OUTPUTS.md documents each) are written: sinks called as
// sink(name, value) for every column in order, one collecting the header,
// another writing the cells, another reading numbers for summaries.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "core/columns.hpp"

namespace cw {

// Writes each column's value as a cell of a CsvLine or CsvWriter.
template <class Writer>
struct CellSink {
  Writer& w;
  template <class T>
  void operator()(const char*, const T& v) {
    if constexpr (std::is_same_v<T, std::string>) {
      w.cell(std::string_view(v));
    } else if constexpr (std::is_same_v<T, bool> || std::is_same_v<T, double> ||
                         std::is_same_v<T, std::optional<std::int64_t>> ||
                         std::is_same_v<T, std::optional<double>>) {
      w.cell(v);
    } else {
      w.cell(static_cast<std::int64_t>(v));
    }
  }
};

// Writes an empty cell for every column (a failed run's outcomes).
template <class Writer>
struct EmptySink {
  Writer& w;
  template <class T>
  void operator()(const char*, const T&) {
    w.empty();
  }
};

// Whether a column holds a number (for summaries); text columns do not.
struct NumericSink {
  std::vector<bool>& numeric;
  template <class T>
  void operator()(const char*, const T&) {
    numeric.push_back(!std::is_same_v<T, std::string>);
  }
};

// Collects column names.
struct HeaderSink {
  std::vector<std::string>& names;
  template <class T>
  void operator()(const char* name, const T&) {
    names.emplace_back(name);
  }
};

template <class F>
std::vector<std::string> header_of(std::vector<std::string> keys, F&& columns) {
  columns(HeaderSink{keys});
  return keys;
}

}  // namespace cw
