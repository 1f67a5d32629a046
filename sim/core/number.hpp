// Numbers and flags written as text: one grammar for every reader (YAML
// scenario and sweep files, `--set PATH=VALUE`, sweep values, `set` events,
// edge files). docs/CONFIG.md ("Numbers and flags") is the user's version.
//
//   number   = [sign] mantissa [exponent]
//   sign     = "+" | "-"
//   mantissa = digits ["." [digits]] | "." digits
//   exponent = ("e" | "E") [sign] digits
//   digits   = one or more of 0-9
//
// This is the decimal part of the YAML 1.2 core schema (its int and float
// patterns). Nothing else is a number: no spaces, no `_`, no hex `0x` or
// octal `0o`, no `.inf` or `.nan` (every number must be finite).
//
// The value is the double nearest to the decimal written (ties to even).
// A number too large for a double is an error ("not finite"); one too small
// for the smallest subnormal reads as zero with the sign written, as strtod
// and every IEEE-754 parser round it: `1e-400` is 0.
//
// A flag is exactly `true` or `false` (not `True`, `TRUE`, `yes`, `1`).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/schema.hpp"

namespace cw {

// The number `text` stands for, or nullopt when it is not one (or not finite).
std::optional<double> parse_number(std::string_view text);

// true or false, or nullopt for any other text.
std::optional<bool> parse_flag(std::string_view text);

// The message for a flag that parse_flag rejects.
inline constexpr std::string_view kNotAFlag = "must be true or false";

// A field's value read from its text, or the problem: the message that goes
// before "(got TEXT)" in every reader's report.
struct ReadNumber {
  double value = 0;
  std::string problem;  // empty when the text is a good value
  bool ok() const { return problem.empty(); }
};

// A number field: "must be a number", "must be a finite number" (the text
// spells an infinity or NaN, or overflows), or the bounds' own message.
ReadNumber read_number_field(std::string_view text, const Bounds& bounds);

// A whole-number field: as read_number_field, then "must be a whole number" unless
// the value is an integer of magnitude at most 2^53, then the bounds. (So
// `120`, `120.0` and `1.2e2` are all 120, and `12.5` is not whole.)
ReadNumber read_whole_field(std::string_view text, const Bounds& bounds);

// Whether x is a whole number that a double holds exactly (|x| <= 2^53).
bool is_whole(double x);

}  // namespace cw
