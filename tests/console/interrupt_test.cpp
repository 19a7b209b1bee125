#include "nas/console/interrupt.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <thread>

namespace nas {
namespace {

// The handlers are process-wide: each case runs in a child of its own and reports by exit code.
int in_child(void (*body)()) {
  const pid_t pid = fork();
  if (pid == 0) {
    body();
    _exit(0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(Interrupt, TheFirstSignalRaisesTheFlagAndLetsTheProgramFinish) {
  EXPECT_EQ(in_child([] {
              const auto& flag = install_interrupt_handlers();
              raise(SIGINT);
              _exit(flag.load() ? 0 : 1);
            }),
            0);
}

TEST(Interrupt, SignalsThatArriveTogetherCountOnce) {
  // What `timeout -s INT` or Slurm does: the same interrupt, several times at once.
  EXPECT_EQ(in_child([] {
              install_interrupt_handlers();
              raise(SIGINT);
              raise(SIGTERM);
              raise(SIGINT);
            }),
            0);
}

TEST(Interrupt, ASecondPressLaterExitsAtOnce) {
  EXPECT_EQ(in_child([] {
              install_interrupt_handlers();
              raise(SIGINT);
              std::this_thread::sleep_for(std::chrono::nanoseconds(kSecondSignalAfterNs) +
                                          std::chrono::milliseconds(100));
              raise(SIGINT);
              _exit(1);  // not reached
            }),
            130);
}

}  // namespace
}  // namespace nas
