// The reliability procedures of scripts/reliability as tests, where this machine allows them:
// the full-disk one mounts a tmpfs, so it needs root (CI runs as root).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace {

TEST(Reliability, AFullDiskEndsInAMessageNotACrash) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to mount a small tmpfs";
  const std::string cmd = "bash '" + std::string(NAS_SOURCE_DIR) +
                          "/scripts/reliability/disk-full.sh' '" + NAS_BIN_DIR +
                          "' >/dev/null 2>&1";
  const int status = std::system(cmd.c_str());
  if (WIFEXITED(status) && WEXITSTATUS(status) == 32) GTEST_SKIP() << "mount refused here";
  EXPECT_EQ(status, 0) << "run scripts/reliability/disk-full.sh to see what failed";
}

}  // namespace
