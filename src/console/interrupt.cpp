#include "nas/console/interrupt.hpp"

#include <unistd.h>

#include <csignal>

namespace nas {
namespace {

std::atomic<bool> g_interrupted{false};

extern "C" void on_signal(int) {
  if (g_interrupted.exchange(true)) _exit(130);
  static const char msg[] = "\ninterrupt: finishing up (press ^C again to exit at once)\n";
  (void)!write(STDERR_FILENO, msg, sizeof msg - 1);
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
