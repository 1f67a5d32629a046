#include "output/csv.hpp"

#include <fmt/compile.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <stdexcept>

namespace cw {

AtomicFile::AtomicFile(std::filesystem::path target) : target_(std::move(target)) {
  temp_ = target_;
  temp_ += fmt::format(".tmp-{}", ::getpid());
  file_ = std::fopen(temp_.c_str(), "wb");
  if (!file_) {
    throw std::runtime_error(
        fmt::format("cannot write {}: {}", temp_.string(), std::strerror(errno)));
  }
}

AtomicFile::~AtomicFile() {
  if (file_) {
    std::fclose(file_);
    std::error_code ec;
    std::filesystem::remove(temp_, ec);
  }
}

void AtomicFile::write(std::string_view text) {
  if (std::fwrite(text.data(), 1, text.size(), file_) != text.size()) {
    throw std::runtime_error(
        fmt::format("cannot write {}: {}", temp_.string(), std::strerror(errno)));
  }
}

void AtomicFile::commit() {
  if (!file_) return;
  const bool ok = std::fflush(file_) == 0 && ::fsync(::fileno(file_)) == 0;
  std::fclose(file_);
  file_ = nullptr;
  if (!ok) throw std::runtime_error(fmt::format("cannot write {}", temp_.string()));
  std::filesystem::rename(temp_, target_);
}

namespace {

// Appends v as fmt's "{}" writes it (the shortest decimal that reads back as
// v), straight into `out`: the format compiled, no string of its own (a
// run's rows format about 100,000 numbers).
void append_double(std::string& out, double v) {
  const std::size_t start = out.size();
  fmt::format_to(std::back_inserter(out), FMT_COMPILE("{}"), v);
  // A float column must read as float even when a value is whole: "1.0", not "1".
  if (out.find_first_of(".eni", start) == std::string::npos) out += ".0";
}

}  // namespace

std::string format_double(double v) {
  std::string s;
  if (!std::isnan(v)) append_double(s, v);
  return s;
}

CsvLine& CsvLine::cell(double v) {
  sep();
  if (!std::isnan(v)) append_double(out_, v);
  return *this;
}

CsvLine& CsvLine::cell(std::int64_t v) {
  sep();
  fmt::format_to(std::back_inserter(out_), FMT_COMPILE("{}"), v);
  return *this;
}

CsvLine& CsvLine::cell(std::optional<std::int64_t> v) {
  if (v) return cell(*v);
  return empty();
}

CsvLine& CsvLine::cell(bool v) {
  sep();
  out_ += v ? "true" : "false";
  return *this;
}

CsvLine& CsvLine::cell(std::string_view v) {
  sep();
  if (v.find_first_of(",\"\n\r") == std::string_view::npos) {
    out_ += v;
  } else {
    out_ += '"';
    for (char c : v) {
      if (c == '"') out_ += '"';
      out_ += c;
    }
    out_ += '"';
  }
  return *this;
}

CsvLine& CsvLine::empty() {
  sep();
  return *this;
}

std::string csv_header(const std::vector<std::string>& names) {
  std::string out;
  CsvLine line(out);
  for (const auto& n : names) line.cell(std::string_view(n));
  line.end();
  return out;
}

std::vector<std::string> split_csv_line(std::string_view line) {
  std::vector<std::string> cells(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        cells.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cells.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      cells.emplace_back();
    } else {
      cells.back() += c;
    }
  }
  return cells;
}

CsvWriter::CsvWriter(std::filesystem::path target, const std::vector<std::string>& header)
    : file_(std::move(target)) {
  buffer_ = csv_header(header);
}

void CsvWriter::end_row() {
  line_.end();
  if (buffer_.size() > (1u << 16)) flush();
}

void CsvWriter::append_rows(std::string_view rows) {
  buffer_ += rows;
  if (buffer_.size() > (1u << 16)) flush();
}

void CsvWriter::flush() {
  file_.write(buffer_);
  buffer_.clear();
}

}  // namespace cw
