#include "nas/console/interrupt.hpp"

#include <time.h>
#include <unistd.h>

#include <csignal>
#include <cstdint>

namespace nas {
namespace {

std::atomic<bool> g_interrupted{false};
std::atomic<std::int64_t> g_first_ns{0};  // when the first signal came (CLOCK_MONOTONIC)

std::int64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);  // async-signal-safe
  return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

extern "C" void on_signal(int) {
  const std::int64_t now = monotonic_ns();
  if (!g_interrupted.exchange(true)) {
    // The program says what it does about it, through its own output (a progress block
    // would otherwise stay drawn above the message).
    g_first_ns = now;
    return;
  }
  // `timeout -s INT`, Slurm and a ^C to a process group deliver one interrupt several times at
  // once; only a second press, later than a person could make it by accident, exits at once.
  if (now - g_first_ns.load() < kSecondSignalAfterNs) return;
  static const char msg[] = "\ninterrupt: exiting at once\n";
  (void)!write(STDERR_FILENO, msg, sizeof msg - 1);
  _exit(130);
}

}  // namespace

const std::atomic<bool>& install_interrupt_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  return g_interrupted;
}

}  // namespace nas
