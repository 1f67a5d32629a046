#include "core/number.hpp"

#include <charconv>
#include <cmath>
#include <system_error>

namespace cw {

namespace {

enum class Kind { ok, not_a_number, not_finite };

struct Scanned {
  Kind kind = Kind::not_a_number;
  double value = 0;
};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Spellings of an infinity or a NaN that a reader might be given: YAML's
// `.inf`, `.Inf`, `.INF`, `.nan`, `.NaN`, `.NAN` (signed or not), and the
// C/Python `inf`, `infinity`, `nan` in any case. They get "must be a finite
// number" rather than "must be a number".
bool spells_non_finite(std::string_view t) {
  if (!t.empty() && (t[0] == '+' || t[0] == '-')) t.remove_prefix(1);
  if (!t.empty() && t[0] == '.') t.remove_prefix(1);
  std::string lower;
  for (char c : t) lower += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  return lower == "inf" || lower == "infinity" || lower == "nan";
}

Scanned scan(std::string_view t) {
  const std::size_t n = t.size();
  std::size_t i = 0;
  bool negative = false;
  if (i < n && (t[i] == '+' || t[i] == '-')) negative = t[i++] == '-';

  // Mantissa. `lead` is the decimal exponent of its first non-zero digit
  // (before the exponent part is added); it tells an underflow from an overflow.
  bool any_digit = false, nonzero = false;
  long long lead = 0;
  long long int_digits_after_lead = 0;
  while (i < n && is_digit(t[i])) {
    any_digit = true;
    if (nonzero) {
      ++int_digits_after_lead;
    } else if (t[i] != '0') {
      nonzero = true;
    }
    ++i;
  }
  if (nonzero) lead = int_digits_after_lead;
  if (i < n && t[i] == '.') {
    ++i;
    long long place = 0;
    while (i < n && is_digit(t[i])) {
      any_digit = true;
      --place;
      if (!nonzero && t[i] != '0') {
        nonzero = true;
        lead = place;
      }
      ++i;
    }
  }
  if (!any_digit) return {spells_non_finite(t) ? Kind::not_finite : Kind::not_a_number, 0};

  // Exponent (saturated: only its sign matters beyond a few hundred).
  long long exponent = 0;
  if (i < n && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    bool exp_negative = false;
    if (i < n && (t[i] == '+' || t[i] == '-')) exp_negative = t[i++] == '-';
    if (i == n || !is_digit(t[i])) return {Kind::not_a_number, 0};
    while (i < n && is_digit(t[i])) {
      if (exponent < 1'000'000) exponent = exponent * 10 + (t[i] - '0');
      ++i;
    }
    if (exp_negative) exponent = -exponent;
  }
  if (i != n) return {Kind::not_a_number, 0};

  // The grammar holds; from_chars rounds correctly and ignores the locale.
  // It takes no '+', and reports a result that rounds to 0 or to infinity
  // as out of range.
  const char* first = t.data() + (t[0] == '+' ? 1 : 0);
  const char* last = t.data() + n;
  double x = 0;
  const auto [ptr, ec] = std::from_chars(first, last, x);
  if (ec == std::errc::result_out_of_range) {
    if (lead + exponent < 0) return {Kind::ok, negative ? -0.0 : 0.0};  // underflow
    return {Kind::not_finite, 0};                                       // overflow
  }
  if (ec != std::errc() || ptr != last || !std::isfinite(x)) return {Kind::not_a_number, 0};
  return {Kind::ok, x};
}

}  // namespace

std::optional<double> parse_number(std::string_view text) {
  const Scanned s = scan(text);
  if (s.kind != Kind::ok) return std::nullopt;
  return s.value;
}

std::optional<bool> parse_flag(std::string_view text) {
  if (text == "true") return true;
  if (text == "false") return false;
  return std::nullopt;
}

bool is_whole(double x) { return x == std::floor(x) && std::abs(x) <= 9007199254740992.0; }

ReadNumber read_number_field(std::string_view text, const Bounds& bounds) {
  const Scanned s = scan(text);
  switch (s.kind) {
    case Kind::not_a_number:
      return {0, "must be a number"};
    case Kind::not_finite:
      return {0, "must be a finite number"};
    case Kind::ok:
      break;
  }
  if (!bounds.contains(s.value)) return {0, bounds.describe()};
  return {s.value, ""};
}

ReadNumber read_whole_field(std::string_view text, const Bounds& bounds) {
  ReadNumber r = read_number_field(text, kAnyNumber);
  if (!r.ok()) return r;
  if (!is_whole(r.value)) return {0, "must be a whole number"};
  // Whole numbers are read as doubles: beyond 2^53 they would be rounded
  // silently (9007199254740993 -> ...992), so they are refused.
  constexpr double kExact = 9007199254740992.0;  // 2^53
  bool too_large = std::fabs(r.value) > kExact;
  if (std::fabs(r.value) == kExact) {
    std::string_view digits = text;
    while (!digits.empty() && (digits.front() == ' ' || digits.front() == '+')) {
      digits.remove_prefix(1);
    }
    while (!digits.empty() && digits.back() == ' ') digits.remove_suffix(1);
    std::int64_t exact = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), exact);
    if (ec == std::errc() && end == digits.data() + digits.size()) {
      too_large = exact > 9007199254740992LL || exact < -9007199254740992LL;
    }
  }
  if (too_large) {
    return {0,
            "must be a whole number of at most 2^53 = 9007199254740992 in size (larger ones "
            "cannot be read exactly)"};
  }
  if (!bounds.contains(r.value)) return {0, bounds.describe()};
  return r;
}

}  // namespace cw
