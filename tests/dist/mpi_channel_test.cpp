// The MPI module as the launcher sees it. Built twice (CMakeLists.txt): against this build's MPI,
// and without MPI (NAS_TEST_WITHOUT_MPI), so every build checks what a build without MPI says.
// MPI itself is exercised by the mpirun tests in cli_mpi_test.cpp.
#include "nas/dist/mpi_channel.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "nas/core/common/error.hpp"

namespace nas {
namespace {

/// Clears the launchers' variables for a test and restores them after.
class LauncherEnv : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* v : kVars) {
      if (const char* old = std::getenv(v)) saved_.emplace_back(v, old);
      unsetenv(v);
    }
  }
  void TearDown() override {
    for (const char* v : kVars) unsetenv(v);
    for (const auto& [k, v] : saved_) setenv(k.c_str(), v.c_str(), 1);
  }
  static constexpr const char* kVars[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK",
                                          "SLURM_STEP_ID", "SLURM_NTASKS"};
  std::vector<std::pair<std::string, std::string>> saved_;
};

TEST_F(LauncherEnv, NoLauncherMeansOneProcess) {
  EXPECT_FALSE(launcher_world_size());
  EXPECT_EQ(MpiSession::start_if_launched(), nullptr);
}

TEST_F(LauncherEnv, ReadsOpenMpiMpichAndSlurm) {
  setenv("OMPI_COMM_WORLD_SIZE", "5", 1);
  EXPECT_EQ(launcher_world_size(), 5);
  unsetenv("OMPI_COMM_WORLD_SIZE");
  setenv("PMI_SIZE", "3", 1);
  EXPECT_EQ(launcher_world_size(), 3);
  unsetenv("PMI_SIZE");
  // srun with PMIx inside a job step; the batch script itself (no step) is one process.
  setenv("PMIX_RANK", "0", 1);
  setenv("SLURM_NTASKS", "4", 1);
  EXPECT_FALSE(launcher_world_size());
  setenv("SLURM_STEP_ID", "0", 1);
  EXPECT_EQ(launcher_world_size(), 4);
}

TEST_F(LauncherEnv, IgnoresValuesThatAreNotCounts) {
  setenv("OMPI_COMM_WORLD_SIZE", "many", 1);
  EXPECT_FALSE(launcher_world_size());
  setenv("OMPI_COMM_WORLD_SIZE", "0", 1);
  EXPECT_FALSE(launcher_world_size());
}

#ifdef NAS_TEST_WITHOUT_MPI

TEST_F(LauncherEnv, ABuildWithoutMpiRefusesSeveralRanksClearly) {
  EXPECT_FALSE(MpiSession::available());
  setenv("OMPI_COMM_WORLD_SIZE", "3", 1);
  try {
    MpiSession::start_if_launched();
    FAIL() << "no UsageError";
  } catch (const UsageError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("3 MPI ranks"), std::string::npos) << m;
    EXPECT_NE(m.find("built without MPI"), std::string::npos) << m;
    EXPECT_EQ(exit_code_for(e), kExitUsage);
  }
}

TEST_F(LauncherEnv, ABuildWithoutMpiRunsOneLaunchedRankAsOneProcess) {
  setenv("OMPI_COMM_WORLD_SIZE", "1", 1);
  EXPECT_EQ(MpiSession::start_if_launched(), nullptr);
}

#else

TEST_F(LauncherEnv, ThisBuildKnowsWhetherItHasMpi) {
#ifdef NAS_TEST_EXPECT_MPI
  EXPECT_TRUE(MpiSession::available());
#else
  SUCCEED();
#endif
}

#endif

}  // namespace
}  // namespace nas
