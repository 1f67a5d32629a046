// Running the real `cloudwars` binary from tests: exit status and both output
// streams, and fresh temporary folders.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "scratch_folder.hpp"

namespace cw::test {

struct CliResult {
  int status = -1;  // exit status; -1 when the process did not exit normally
  std::string out;
  std::string err;
};

inline std::string read_all(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Runs `cloudwars ARGS` from the source tree, capturing stdout, stderr and
// the exit status. ARGS is passed to the shell as written.
inline CliResult run_cli(const std::string& args) {
  namespace fs = std::filesystem;
  static int counter = 0;
  const fs::path base = fs::temp_directory_path() /
                        ("cw_cli_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
  const fs::path out = base.string() + ".out";
  const fs::path err = base.string() + ".err";
  const std::string command = "cd '" CW_SOURCE_DIR "' && '" CW_BINARY "' " + args + " >'" +
                              out.string() + "' 2>'" + err.string() + "'";
  const int raw = std::system(command.c_str());
  CliResult r;
  if (raw != -1 && WIFEXITED(raw)) r.status = WEXITSTATUS(raw);
  r.out = read_all(out);
  r.err = read_all(err);
  std::error_code ec;
  fs::remove(out, ec);
  fs::remove(err, ec);
  return r;
}

// A manifest's text without the lines that differ between invocations of
// the same job: started, finished, host, jobs.
inline std::string manifest_without_times(const std::string& text) {
  std::istringstream in(text);
  std::string line, out;
  while (std::getline(in, line)) {
    for (const char* key : {"\"started\"", "\"finished\"", "\"host\"", "\"jobs\""}) {
      if (line.find(key) != std::string::npos) line.clear();
    }
    out += line + "\n";
  }
  return out;
}

// The folder this test process writes in, made on first use and removed when
// the process exits normally, so a test run leaves neither its output folders
// nor the lock files beside them.
inline const std::filesystem::path& scratch_root() {
  static const ScratchFolder root("cw_test_");
  return root.path();
}

// An empty path in this process's scratch folder, unique to the name.
inline std::filesystem::path fresh_dir(const std::string& name) {
  const auto d = scratch_root() / name;
  std::filesystem::remove_all(d);
  return d;
}

}  // namespace cw::test
