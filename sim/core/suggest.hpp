// "Did you mean ...": nearest names for misspelt keys and parameter paths.
#pragma once

#include <string>
#include <vector>

namespace cw {

// Levenshtein distance (insertions, deletions, substitutions each cost 1).
std::size_t edit_distance(const std::string& a, const std::string& b);

// The candidate nearest to `word` when it is close enough to be a likely typo
// (distance <= max(2, |word|/3) and below |word|, or one is a prefix of the
// other); else "". Case is ignored in the comparison: 'aws' finds 'AWS'.
std::string nearest(const std::string& word, const std::vector<std::string>& candidates);

// " (did you mean 'x'?)" or "".
std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace cw
