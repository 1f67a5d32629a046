// Config problems with their place in the file, and the error that carries them.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace cw {

// One problem: `FILE:LINE:COL: key.path[i].name: message (got VALUE)`.
// line and col are 1-based; 0 when the problem has no position (unreadable file).
struct Diagnostic {
  std::string file;
  int line = 0;
  int col = 0;
  std::string path;
  std::string message;
  std::string got;

  std::string str() const;
};

// Thrown by the loaders with every problem of a file (never just the first).
class ConfigError : public std::runtime_error {
 public:
  explicit ConfigError(std::vector<Diagnostic> problems);
  const std::vector<Diagnostic>& problems() const { return problems_; }

 private:
  std::vector<Diagnostic> problems_;
};

}  // namespace cw
