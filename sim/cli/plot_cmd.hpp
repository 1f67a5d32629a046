// `cloudwars plot DIR`: the figures that fit a results folder, drawn by the
// Python package (python/cloudwars/plot.py) on /usr/bin/python3.
#pragma once

#include <string>

namespace cw::cli {

// Replaces this process with `/usr/bin/python3 -m cloudwars.plot DIR`, the
// build's python/ folder first on PYTHONPATH. Returns only on failure: 1
// when python3 cannot start, 2 when this build has no Python module.
int cmd_plot(const std::string& dir);

}  // namespace cw::cli
