#include "nas/torch/gpu_runtime.hpp"

#include <gtest/gtest.h>

#include <regex>

#include "nas/core/search/failure_kind.hpp"

namespace nas {
namespace {

const torch::Device kCpu(torch::kCPU);

TEST(GpuRuntime, CpuIsDescribedByItsProcessor) {
  const ComputeEnvironment env = describe_environment({kCpu});
  ASSERT_EQ(env.devices.size(), 1u);
  EXPECT_EQ(env.devices[0].device, "cpu");
  EXPECT_FALSE(env.devices[0].name.empty());
  EXPECT_FALSE(env.devices[0].memory_mib);
  EXPECT_FALSE(env.cuda_runtime);
  EXPECT_FALSE(env.cuda_driver);
  EXPECT_FALSE(env.cudnn);
  EXPECT_FALSE(env.cudnn_benchmark);
}

TEST(GpuRuntime, MemoryCallsDoNothingOnCpu) {
  EXPECT_NO_THROW(release_cached_memory(kCpu));
  EXPECT_NO_THROW(reset_peak_memory(kCpu));
  EXPECT_FALSE(peak_memory_bytes(kCpu));
}

TEST(GpuRuntime, ACudaLibTorchIsBuiltWithCuda) {
  // A CUDA device can only be seen through a CUDA build: if one is seen, this build must say so.
  if (torch::cuda::is_available()) EXPECT_TRUE(built_with_cuda());
}

TEST(GpuRuntime, SaysWhichCudaLibTorchHasAndHowManyGpusItSees) {
  const auto cuda = libtorch_cuda_version();
  const std::string summary = cuda_summary();
  const ComputeEnvironment env = describe_environment({kCpu});
  EXPECT_EQ(env.libtorch_cuda, cuda);
  EXPECT_EQ(env.gpus_visible, static_cast<int>(torch::cuda::device_count()));
  if (!built_with_cuda()) {
    EXPECT_FALSE(cuda);
    EXPECT_EQ(summary, "CPU only");
    return;
  }
  // LibTorch's own CUDA, "major.minor", whatever toolkit compiled nas.
  ASSERT_TRUE(cuda);
  EXPECT_TRUE(std::regex_match(*cuda, std::regex(R"(\d+\.\d+)"))) << *cuda;
  if (torch::cuda::device_count() == 0) {
    EXPECT_EQ(summary, "CUDA " + *cuda + " (no GPU visible)");
  } else {
    EXPECT_EQ(summary.rfind("CUDA " + *cuda + " (1 GPU visible)", 0) == 0 ||
                  summary.find(" GPUs visible)") != std::string::npos,
              true)
        << summary;
  }
}

// ---- on a GPU (skipped elsewhere) ---------------------------------------------------------

TEST(GpuRuntimeGpu, DescribesTheGpuAndTheCudaVersions) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  const ComputeEnvironment env = describe_environment({torch::Device(torch::kCUDA, 0)});
  ASSERT_EQ(env.devices.size(), 1u);
  EXPECT_EQ(env.devices[0].device, "cuda:0");
  EXPECT_FALSE(env.devices[0].name.empty());
  ASSERT_TRUE(env.devices[0].memory_mib);
  EXPECT_GT(*env.devices[0].memory_mib, 1024);
  EXPECT_TRUE(env.devices[0].capability);
  EXPECT_TRUE(env.cuda_runtime);
  EXPECT_TRUE(env.cuda_driver);
}

TEST(GpuRuntimeGpu, AfterAnOutOfMemoryErrorReleasingTheCacheLetsOthersAllocate) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  const torch::Device gpu(torch::kCUDA, 0);
  auto opts = torch::TensorOptions().device(gpu).dtype(torch::kFloat);
  reset_peak_memory(gpu);
  {
    auto held = torch::empty({256, 1024, 1024}, opts);  // 1 GiB, then freed into the cache
    held.fill_(1);
  }
  ASSERT_TRUE(peak_memory_bytes(gpu));
  EXPECT_GE(*peak_memory_bytes(gpu), std::int64_t{1} << 30);
  try {
    auto huge = torch::empty({std::int64_t{1} << 40}, opts);  // 4 TiB
    FAIL() << "a 4 TiB allocation succeeded";
  } catch (const c10::Error& e) {
    EXPECT_EQ(classify_failure(e.what_without_backtrace()), FailureKind::kOutOfMemory)
        << e.what_without_backtrace();
  }
  release_cached_memory(gpu);
  auto after = torch::ones({1024}, opts);
  EXPECT_EQ(after.sum().item<float>(), 1024.0f);
}

}  // namespace
}  // namespace nas
