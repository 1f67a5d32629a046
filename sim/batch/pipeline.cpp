#include "batch/pipeline.hpp"

#include <atomic>
#include <csignal>

namespace cw {

namespace {

std::atomic<bool> g_interrupted{false};

extern "C" void on_interrupt(int) { g_interrupted = true; }

}  // namespace

bool interrupted() { return g_interrupted; }

namespace detail {

bool interrupt_flag() noexcept { return g_interrupted; }

InterruptGuard::InterruptGuard() noexcept {
  g_interrupted = false;
  int_ = std::signal(SIGINT, on_interrupt);
  term_ = std::signal(SIGTERM, on_interrupt);
}

InterruptGuard::~InterruptGuard() {
  std::signal(SIGINT, int_);
  std::signal(SIGTERM, term_);
}

}  // namespace detail

}  // namespace cw
