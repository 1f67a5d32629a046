// The rows of a csv design (docs/SWEEPS.md, design kind csv): a header of
// parameter paths, then one row of values per point.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/diagnostics.hpp"

namespace cw {

// Parses a csv design's text (`file` names it in problems). Cells may be
// quoted ("a,b", "say ""x"""); blank lines are skipped; CRLF line ends are
// accepted. Refused, each at FILE:LINE:COL: a NUL byte, invalid UTF-8, a
// control character, an unclosed quote (at the quote that opened it; a
// value may not span lines), text after a closing quote, an empty or
// duplicated header cell, a row whose cell count differs from the header's.
// Appends problems (at most 20, then a count) and leaves what it read.
void parse_design_csv(std::string_view text, const std::string& file,
                      std::vector<std::string>& paths, std::vector<std::vector<std::string>>& rows,
                      std::vector<Diagnostic>& problems);

}  // namespace cw
