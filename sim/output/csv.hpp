// Tidy CSV files, written atomically (SPEC §6): rows go to a temporary file
// beside the target, renamed over it only by commit(). A writer destroyed
// without commit() removes its temporary file, so a failed run leaves nothing
// half-written.
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cw {

class AtomicFile {
 public:
  explicit AtomicFile(std::filesystem::path target);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(std::string_view text);
  // Flushes, syncs and renames the temporary file over the target.
  void commit();
  const std::filesystem::path& target() const { return target_; }

 private:
  std::filesystem::path target_, temp_;
  std::FILE* file_ = nullptr;
};

// Formats one CSV line into a string: numbers in shortest round-trip form
// (read back exactly), NaN and missing values as empty cells, text quoted
// only when it must be.
class CsvLine {
 public:
  explicit CsvLine(std::string& out) : out_(out) {}
  CsvLine& cell(double v);
  CsvLine& cell(std::int64_t v);
  CsvLine& cell(std::optional<std::int64_t> v);
  CsvLine& cell(std::optional<double> v) { return v ? cell(*v) : empty(); }
  CsvLine& cell(bool v);
  CsvLine& cell(std::string_view v);
  CsvLine& cell(const char* v) { return cell(std::string_view(v)); }
  CsvLine& empty();
  void end() {
    out_ += '\n';
    first_ = true;
  }

 private:
  void sep() {
    if (!first_) out_ += ',';
    first_ = false;
  }
  std::string& out_;
  bool first_ = true;
};

// A whole CSV file written atomically (AtomicFile) line by line.
class CsvWriter {
 public:
  CsvWriter(std::filesystem::path target, const std::vector<std::string>& header);

  template <class T>
  CsvWriter& cell(const T& v) {
    line_.cell(v);
    return *this;
  }
  CsvWriter& empty() {
    line_.empty();
    return *this;
  }
  void end_row();
  // Appends whole rows formatted elsewhere (with CsvLine), each ending in '\n'.
  void append_rows(std::string_view rows);
  void commit() {
    flush();
    file_.commit();
  }

 private:
  void flush();
  AtomicFile file_;
  std::string buffer_;
  CsvLine line_{buffer_};
};

// Splits one CSV line (no trailing newline) into cells, undoing quoting.
std::vector<std::string> split_csv_line(std::string_view line);

// A header line for `names`.
std::string csv_header(const std::vector<std::string>& names);

// Shortest round-trip text of a double, always with a '.' or an exponent so
// that readers type the column as float ("1.0", "1e+20", "inf"); NaN is "".
std::string format_double(double v);

}  // namespace cw
