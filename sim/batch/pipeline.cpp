#include "batch/pipeline.hpp"

#include <signal.h>

#include <atomic>

namespace cw {

namespace {

std::atomic<bool> g_interrupted{false};

extern "C" void on_interrupt(int) { g_interrupted = true; }

}  // namespace

bool interrupted() { return g_interrupted; }

namespace detail {

bool interrupt_flag() noexcept { return g_interrupted; }

namespace {

// Catches `sig` with on_interrupt, keeping its action before in `before`;
// a signal the process inherited as ignored stays ignored (a command
// started in the background by a shell without job control ignores
// Ctrl-C, and a sweep started so must not stop at it). SA_RESTART: a read
// or write that the signal interrupts goes on (std::signal's BSD meaning
// on glibc, as before).
void catch_signal(int sig, struct sigaction& before) noexcept {
  ::sigaction(sig, nullptr, &before);
  if (!(before.sa_flags & SA_SIGINFO) && before.sa_handler == SIG_IGN) return;
  struct sigaction now {};
  now.sa_handler = on_interrupt;
  sigemptyset(&now.sa_mask);
  now.sa_flags = SA_RESTART;
  ::sigaction(sig, &now, nullptr);
}

}  // namespace

InterruptGuard::InterruptGuard() noexcept {
  g_interrupted = false;
  catch_signal(SIGINT, int_);
  catch_signal(SIGTERM, term_);
}

InterruptGuard::~InterruptGuard() {
  ::sigaction(SIGINT, &int_, nullptr);
  ::sigaction(SIGTERM, &term_, nullptr);
}

}  // namespace detail

}  // namespace cw
