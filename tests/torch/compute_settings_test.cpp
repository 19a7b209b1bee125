#include "nas/torch/compute_settings.hpp"

#include <ATen/Context.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdlib>
#include <string>

namespace nas {
namespace {

class ComputeSettingsTest : public ::testing::Test {
 protected:
  void TearDown() override {
    apply_compute_settings(ComputeSettings{});
    unsetenv("CUBLAS_WORKSPACE_CONFIG");
  }
};

TEST_F(ComputeSettingsTest, DefaultsAreNoAutotuningNoTf32NotDeterministic) {
  at::globalContext().setBenchmarkCuDNN(true);  // as a library default elsewhere might leave it
  at::globalContext().setAllowTF32CuDNN(true);  // LibTorch's own default for convolutions
  apply_compute_settings(ComputeSettings{});
  const at::Context& ctx = at::globalContext();
  EXPECT_FALSE(ctx.benchmarkCuDNN());
  EXPECT_FALSE(ctx.deterministicCuDNN());
  EXPECT_FALSE(ctx.deterministicAlgorithms());
  EXPECT_FALSE(ctx.allowTF32CuDNN());
  EXPECT_FALSE(ctx.allowTF32CuBLAS());
  const ComputeSettings now = current_compute_settings();
  EXPECT_FALSE(now.deterministic);
  EXPECT_FALSE(now.tf32);
}

TEST_F(ComputeSettingsTest, FlagsReachLibTorch) {
  unsetenv("CUBLAS_WORKSPACE_CONFIG");
  ComputeSettings s;
  s.deterministic = true;
  s.tf32 = true;
  apply_compute_settings(s);
  const at::Context& ctx = at::globalContext();
  EXPECT_FALSE(ctx.benchmarkCuDNN());
  EXPECT_TRUE(ctx.deterministicCuDNN());
  EXPECT_TRUE(ctx.deterministicAlgorithms());
  EXPECT_TRUE(ctx.deterministicAlgorithmsWarnOnly());
  EXPECT_TRUE(ctx.allowTF32CuDNN());
  EXPECT_TRUE(ctx.allowTF32CuBLAS());
  ASSERT_NE(std::getenv("CUBLAS_WORKSPACE_CONFIG"), nullptr);
  EXPECT_EQ(std::string(std::getenv("CUBLAS_WORKSPACE_CONFIG")), ":4096:8");
  const ComputeSettings now = current_compute_settings();
  EXPECT_TRUE(now.deterministic);
  EXPECT_TRUE(now.tf32);
}

TEST_F(ComputeSettingsTest, AUsersCublasWorkspaceSettingWins) {
  setenv("CUBLAS_WORKSPACE_CONFIG", ":16:8", 1);
  ComputeSettings s;
  s.deterministic = true;
  apply_compute_settings(s);
  EXPECT_EQ(std::string(std::getenv("CUBLAS_WORKSPACE_CONFIG")), ":16:8");
}

TEST_F(ComputeSettingsTest, DeterministicTrainingStillRunsOnCpu) {
  ComputeSettings s;
  s.deterministic = true;
  apply_compute_settings(s);
  auto x = torch::randn({4, 3, 8, 8}, torch::requires_grad());
  auto y = torch::adaptive_avg_pool2d(torch::conv2d(x, torch::randn({2, 3, 3, 3})), {1, 1});
  EXPECT_NO_THROW(y.sum().backward());
}

}  // namespace
}  // namespace nas
