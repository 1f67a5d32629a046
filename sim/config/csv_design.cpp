#include "config/csv_design.hpp"

#include <fmt/format.h>

#include <set>

#include "core/text_check.hpp"

namespace cw {

namespace {

constexpr std::size_t kMaxProblems = 20;

class Problems {
 public:
  Problems(const std::string& file, std::vector<Diagnostic>& out) : file_(file), out_(out) {}
  void add(int line, std::size_t col, std::string message, std::string got = "") {
    if (++count_ <= kMaxProblems) {
      out_.push_back(
          {file_, line, static_cast<int>(col), "design.file", std::move(message), std::move(got)});
    }
  }
  ~Problems() {
    if (count_ > kMaxProblems) {
      out_.push_back({file_, 0, 0, "design.file",
                      fmt::format("... and {} more problems", count_ - kMaxProblems), ""});
    }
  }
  std::size_t count() const { return count_; }

 private:
  const std::string& file_;
  std::vector<Diagnostic>& out_;
  std::size_t count_ = 0;
};

// Splits one line (no line end) into cells; false after reporting a problem.
bool split_line(std::string_view line, int n, Problems& problems, std::vector<std::string>& cells) {
  cells.assign(1, std::string());
  std::size_t i = 0;
  bool at_cell_start = true;
  while (i < line.size()) {
    const char c = line[i];
    if (at_cell_start && c == '"') {
      const std::size_t open = i;
      ++i;
      bool closed = false;
      while (i < line.size()) {
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            cells.back() += '"';
            i += 2;
            continue;
          }
          closed = true;
          ++i;
          break;
        }
        cells.back() += line[i++];
      }
      if (!closed) {
        problems.add(n, open + 1,
                     "unclosed quote (a quoted value must end on the same line with \")");
        return false;
      }
      if (i < line.size() && line[i] != ',') {
        problems.add(n, i + 1, "text after a closing quote (expected , or the end of the line)",
                     std::string(1, line[i]));
        return false;
      }
      at_cell_start = false;
      continue;
    }
    if (c == ',') {
      cells.emplace_back();
      at_cell_start = true;
      ++i;
      continue;
    }
    if (c == '"') {
      problems.add(n, i + 1,
                   "a quote inside an unquoted value (quote the whole value: \"a\"\"b\")");
      return false;
    }
    cells.back() += c;
    at_cell_start = false;
    ++i;
  }
  return true;
}

}  // namespace

void parse_design_csv(std::string_view text, const std::string& file,
                      std::vector<std::string>& paths, std::vector<std::vector<std::string>>& rows,
                      std::vector<Diagnostic>& out) {
  Problems problems(file, out);
  bool have_header = false;
  std::size_t start = 0;
  int n = 0;
  std::vector<std::string> cells;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++n;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    // Bytes no value may hold, at their column.
    bool bad = false;
    for (std::size_t i = 0; i < line.size() && !bad; ++i) {
      const auto c = static_cast<unsigned char>(line[i]);
      if (c == 0 || c == '\r' || (c < 0x20 && c != '\t') || c == 0x7F) {
        problems.add(n, i + 1,
                     c == 0 ? "contains a NUL byte"
                            : fmt::format("contains the control character 0x{:02x}", c));
        bad = true;
      }
    }
    if (bad) continue;
    if (const auto at = invalid_utf8_at(line)) {
      problems.add(n, *at + 1, "is not valid UTF-8 text (save the file as UTF-8)",
                   fmt::format("byte 0x{:02x}", static_cast<unsigned char>(line[*at])));
      continue;
    }
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    if (!split_line(line, n, problems, cells)) {
      if (!have_header) return;  // without a header the rows mean nothing
      continue;
    }
    if (!have_header) {
      have_header = true;
      paths = cells;
      std::set<std::string> seen;
      std::size_t col = 1;
      for (const auto& p : paths) {
        if (p.empty()) {
          problems.add(n, col, "empty column name (the header names a parameter path per column)");
        } else if (!seen.insert(p).second) {
          problems.add(n, col, "column named twice", p);
        }
        col += p.size() + 1;
      }
      continue;
    }
    if (cells.size() != paths.size()) {
      problems.add(n, 1,
                   fmt::format("row has {} values for {} columns", cells.size(), paths.size()));
      continue;
    }
    rows.push_back(cells);
  }
  if (!have_header && problems.count() == 0) {
    problems.add(0, 0, "is empty (expected a header of parameter paths, then rows)");
  }
}

}  // namespace cw
