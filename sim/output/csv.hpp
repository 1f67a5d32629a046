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

// Numbers in shortest round-trip form (read back exactly); NaN and missing
// values as empty cells; text quoted only when it must be.
class CsvWriter {
 public:
  CsvWriter(std::filesystem::path target, const std::vector<std::string>& header);

  CsvWriter& cell(double v);
  CsvWriter& cell(std::int64_t v);
  CsvWriter& cell(std::optional<std::int64_t> v);
  CsvWriter& cell(bool v);
  CsvWriter& cell(std::string_view v);
  CsvWriter& cell(const char* v) { return cell(std::string_view(v)); }
  CsvWriter& empty();
  void end_row();
  void commit() {
    flush();
    file_.commit();
  }

 private:
  void sep();
  void flush();
  AtomicFile file_;
  std::string buffer_;
  bool first_ = true;
};

std::string format_double(double v);

}  // namespace cw
