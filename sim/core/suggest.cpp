#include "core/suggest.hpp"

#include <algorithm>
#include <cctype>
#include <limits>

namespace cw {

namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0u : 1u)});
      diag = up;
    }
  }
  return row[b.size()];
}

namespace {

// edit_distance(a, b) when it is at most `limit`, else some value above
// `limit`: the rows stop once every entry exceeds it (the distance can only
// grow from there).
std::size_t edit_distance_within(const std::string& a, const std::string& b, std::size_t limit) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    std::size_t smallest = row[0];
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0u : 1u)});
      diag = up;
      smallest = std::min(smallest, row[j]);
    }
    if (smallest > limit) return limit + 1;
  }
  return row[b.size()];
}

}  // namespace

std::string nearest(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_distance = std::numeric_limits<std::size_t>::max();
  const std::size_t limit = std::max<std::size_t>(2, word.size() / 3);
  // Case is ignored: 'aws' finds 'AWS', 'CHOICE.TAU' finds 'choice.tau'.
  const std::string w = lower(word);
  for (const auto& candidate : candidates) {
    const std::string c = lower(candidate);
    const bool prefix = w.size() >= 3 && (c.rfind(w, 0) == 0 || w.rfind(c, 0) == 0);
    // The distance is at least the difference in length: a candidate that
    // far away cannot qualify, so its distance (|w| x |c| work: a long
    // garbled value against every parameter path) is not computed.
    const std::size_t gap = w.size() > c.size() ? w.size() - c.size() : c.size() - w.size();
    if (!prefix && gap > limit) continue;
    std::size_t d = prefix ? 1 : edit_distance_within(w, c, limit);
    if (prefix && w == c) d = 0;
    // d < |word|: a suggestion must keep something of what was typed ('C' is not 'A');
    // a word that differs only in case is always suggested.
    if (d < best_distance && ((d <= limit && d < w.size()) || prefix || d == 0)) {
      best = candidate;
      best_distance = d;
    }
  }
  return best;
}

std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates) {
  const std::string n = nearest(word, candidates);
  return n.empty() ? std::string() : " (did you mean '" + n + "'?)";
}

}  // namespace cw
