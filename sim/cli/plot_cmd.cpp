#include "cli/plot_cmd.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "cli/common.hpp"

namespace cw::cli {

int cmd_plot(const std::string& dir) {
#ifdef CW_PYTHON_DIR
  // CW_PYTHON_DIR: set by python/CMakeLists.txt when the module is built.
  std::string path = CW_PYTHON_DIR;
  if (const char* old = std::getenv("PYTHONPATH"); old != nullptr && *old != '\0') {
    path += ':';
    path += old;
  }
  ::setenv("PYTHONPATH", path.c_str(), 1);
  ::execl("/usr/bin/python3", "/usr/bin/python3", "-m", "cloudwars.plot", dir.c_str(),
          static_cast<char*>(nullptr));
  fmt::print(stderr, "cloudwars: plot: cannot start /usr/bin/python3: {}\n", std::strerror(errno));
  return kExitRuntime;
#else
  fmt::print(stderr,
             "cloudwars: plot needs the Python module, which this build does not have "
             "(pybind11 missing, or CW_BUILD_PYTHON=OFF as in the asan preset): scripts/setup, "
             "then scripts/build ({})\n",
             dir);
  return kExitUsage;
#endif
}

}  // namespace cw::cli
