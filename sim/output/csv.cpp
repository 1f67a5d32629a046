#include "output/csv.hpp"

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
    throw std::runtime_error(fmt::format("cannot write {}: {}", temp_.string(),
                                         std::strerror(errno)));
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
    throw std::runtime_error(fmt::format("cannot write {}: {}", temp_.string(),
                                         std::strerror(errno)));
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

std::string format_double(double v) {
  if (std::isnan(v)) return "";
  return fmt::format("{}", v);
}

CsvWriter::CsvWriter(std::filesystem::path target, const std::vector<std::string>& header)
    : file_(std::move(target)) {
  for (const auto& h : header) cell(std::string_view(h));
  end_row();
}

void CsvWriter::sep() {
  if (!first_) buffer_ += ',';
  first_ = false;
}

CsvWriter& CsvWriter::cell(double v) {
  sep();
  buffer_ += format_double(v);
  return *this;
}

CsvWriter& CsvWriter::cell(std::int64_t v) {
  sep();
  fmt::format_to(std::back_inserter(buffer_), "{}", v);
  return *this;
}

CsvWriter& CsvWriter::cell(std::optional<std::int64_t> v) {
  if (v) return cell(*v);
  return empty();
}

CsvWriter& CsvWriter::cell(bool v) {
  sep();
  buffer_ += v ? "true" : "false";
  return *this;
}

CsvWriter& CsvWriter::cell(std::string_view v) {
  sep();
  if (v.find_first_of(",\"\n\r") == std::string_view::npos) {
    buffer_ += v;
  } else {
    buffer_ += '"';
    for (char c : v) {
      if (c == '"') buffer_ += '"';
      buffer_ += c;
    }
    buffer_ += '"';
  }
  return *this;
}

CsvWriter& CsvWriter::empty() {
  sep();
  return *this;
}

void CsvWriter::end_row() {
  buffer_ += '\n';
  first_ = true;
  if (buffer_.size() > (1u << 16)) flush();
}

void CsvWriter::flush() {
  file_.write(buffer_);
  buffer_.clear();
}

}  // namespace cw
