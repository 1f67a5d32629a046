#include "core/text_check.hpp"

#include <fmt/format.h>

namespace cw {

std::optional<std::size_t> invalid_utf8_at(std::string_view t) {
  std::size_t i = 0;
  const auto byte = [&t](std::size_t k) { return static_cast<unsigned char>(t[k]); };
  while (i < t.size()) {
    const unsigned char c = byte(i);
    std::size_t n = 0;
    unsigned min = 0;
    unsigned cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 1, min = 0x80, cp = c & 0x1Fu;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2, min = 0x800, cp = c & 0x0Fu;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3, min = 0x10000, cp = c & 0x07u;
    } else {
      return i;
    }
    if (i + n >= t.size()) return i;  // cut short
    for (std::size_t k = 1; k <= n; ++k) {
      if ((byte(i + k) & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (byte(i + k) & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
    i += n + 1;
  }
  return std::nullopt;
}

std::string text_value_problem(std::string_view text) {
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '\n' || c == '\r') return "must not contain a line break";
    if (c == 0) return "must not contain a NUL character";
    if ((c < 0x20 && c != '\t') || c == 0x7F) {
      return fmt::format("must not contain the control character 0x{:02x}", c);
    }
  }
  if (invalid_utf8_at(text)) return "is not valid UTF-8 text";
  return "";
}

namespace {

// Shows a bad value safely: control characters and invalid bytes escaped.
std::string shown(std::string_view text) {
  std::string s;
  const bool utf8 = !invalid_utf8_at(text);
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '\n') {
      s += "\\n";
    } else if (c == '\r') {
      s += "\\r";
    } else if (c < 0x20 || c == 0x7F || (!utf8 && c >= 0x80)) {
      s += fmt::format("\\x{:02x}", c);
    } else {
      s += ch;
    }
  }
  return s;
}

class TextChecker final : public FieldVisitor {
 public:
  TextChecker(std::string path, std::vector<Problem>& out) : path_(std::move(path)), out_(out) {}

  void number(std::string_view, double&, Bounds, FieldDoc, bool) override {}
  void maybe_number(std::string_view, std::optional<double>&, Bounds, FieldDoc) override {}
  void integer(std::string_view, std::int64_t&, Bounds, FieldDoc, bool) override {}
  void flag(std::string_view, bool&, FieldDoc) override {}
  void choice(std::string_view, ChoiceRef, FieldDoc) override {}
  void integers(std::string_view, std::vector<std::int64_t>&, Bounds, FieldDoc) override {}
  void text(std::string_view key, std::string& value, FieldDoc, bool) override {
    check(child(key), value);
  }
  void texts(std::string_view key, std::vector<std::string>& values, FieldDoc) override {
    for (std::size_t i = 0; i < values.size(); ++i) {
      check(fmt::format("{}[{}]", child(key), i), values[i]);
    }
  }
  void number_map(std::string_view key, NumberMap& values, Bounds, FieldDoc) override {
    for (const auto& kv : values) check(child(key) + "." + kv.first, kv.first);
  }
  void object(std::string_view key, const std::function<void(FieldVisitor&)>& body, FieldDoc,
              bool) override {
    TextChecker inner(child(key), out_);
    body(inner);
  }
  void scalar_object(std::string_view key, const std::function<void(FieldVisitor&)>& body,
                     const std::function<void(double)>&, const std::function<void()>&,
                     FieldDoc) override {
    TextChecker inner(child(key), out_);
    body(inner);
  }
  void list(std::string_view key, ListRef ref, FieldDoc, bool) override {
    const std::size_t n = ref.size();
    for (std::size_t i = 0; i < n; ++i) {
      TextChecker inner(fmt::format("{}[{}]", child(key), i), out_);
      ref.item(i, inner);
    }
  }

 private:
  std::string child(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }
  void check(const std::string& path, const std::string& value) {
    std::string problem = text_value_problem(value);
    if (!problem.empty()) out_.push_back({path, std::move(problem), shown(value)});
  }
  std::string path_;
  std::vector<Problem>& out_;
};

}  // namespace

void check_text_fields(const std::function<void(FieldVisitor&)>& describe_root,
                       std::vector<Problem>& out) {
  TextChecker checker("", out);
  describe_root(checker);
}

void check_folder_name(const std::string& name, const std::string& path,
                       std::vector<Problem>& out) {
  if (name.empty()) {
    out.push_back({path, "must not be empty (it names the results folder)", ""});
  } else if (name == "." || name == "..") {
    out.push_back({path, "must not be . or .. (it names the results folder)", name});
  } else if (name.find('/') != std::string::npos) {
    out.push_back({path, "must not contain '/' (it names the results folder)", name});
  }
}

}  // namespace cw
