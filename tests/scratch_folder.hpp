// A temporary folder of a test process's own, shared by the tests
// (cli_helpers.hpp) and the fuzz targets (fuzz/fuzz_common.hpp).
#pragma once

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>

namespace cw::test {

// TMPDIR/PREFIXPID_XXXXXX (mkdtemp: never a folder another process, in
// another PID namespace say, has), removed with everything in it when the
// object is destroyed in the process that made it: a forked child that
// inherits it and exits through `exit` leaves it.
class ScratchFolder {
 public:
  explicit ScratchFolder(const std::string& prefix) {
    std::string name =
        (std::filesystem::temp_directory_path() / (prefix + std::to_string(::getpid()) + "_XXXXXX"))
            .string();
    if (::mkdtemp(name.data()) == nullptr) {
      const int error = errno;
      throw std::filesystem::filesystem_error("mkdtemp", name,
                                              std::error_code(error, std::generic_category()));
    }
    path_ = name;
  }
  ScratchFolder(const ScratchFolder&) = delete;
  ScratchFolder& operator=(const ScratchFolder&) = delete;
  ~ScratchFolder() {
    std::error_code ec;
    if (::getpid() == owner_) std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  pid_t owner_ = ::getpid();
};

}  // namespace cw::test
