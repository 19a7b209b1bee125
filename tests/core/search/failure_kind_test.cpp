#include "nas/core/search/failure_kind.hpp"

#include <gtest/gtest.h>

namespace nas {
namespace {

TEST(ClassifyFailure, OutOfMemoryFromEveryAllocator) {
  for (const char* m : {
           "CUDA out of memory. Tried to allocate 20.00 GiB (GPU 0; 79.11 GiB total capacity)",
           "CUDA error: out of memory",
           "CUBLAS_STATUS_ALLOC_FAILED when calling `cublasCreate(handle)`",
           "cuDNN error: CUDNN_STATUS_ALLOC_FAILED",
           "[enforce fail at alloc_cpu.cpp:75] err == 0. DefaultCPUAllocator: can't allocate "
           "memory: you tried to allocate 400000000000 bytes.",
           "DefaultCPUAllocator: not enough memory: you tried to allocate 8 bytes.",
       }) {
    EXPECT_EQ(classify_failure(m), FailureKind::kOutOfMemory) << m;
  }
}

TEST(ClassifyFailure, StickyDeviceErrorsAreFatal) {
  for (const char* m : {
           "CUDA error: an illegal memory access was encountered\nCUDA kernel errors might be "
           "asynchronously reported",
           "CUDA error: unspecified launch failure",
           "CUDA error: device-side assert triggered",
           "CUDA error: uncorrectable ECC error encountered",
           "CUDA driver error: unknown error",
           "CUBLAS_STATUS_EXECUTION_FAILED when calling `cublasSgemm( handle, opa, opb, ...)`",
           "cuDNN error: CUDNN_STATUS_EXECUTION_FAILED",
           "cuDNN error: CUDNN_STATUS_INTERNAL_ERROR",
       }) {
    EXPECT_EQ(classify_failure(m), FailureKind::kDeviceFatal) << m;
  }
}

TEST(ClassifyFailure, EverythingElseBelongsToTheTrial) {
  for (const char* m : {
           "training loss is NaN in epoch 2",
           "Given groups=1, weight of size [16, 3, 3, 3], expected input[64, 1, 28, 28] to have "
           "3 channels, but got 1 channels instead",
           "Expected more than 1 value per channel when training, got input size [1, 960, 1, 1]",
           "",
       }) {
    EXPECT_EQ(classify_failure(m), FailureKind::kTrial) << m;
  }
}

TEST(ClassifyFailure, HasReadableNames) {
  EXPECT_EQ(to_string(FailureKind::kTrial), "trial");
  EXPECT_EQ(to_string(FailureKind::kOutOfMemory), "out of memory");
  EXPECT_EQ(to_string(FailureKind::kDeviceFatal), "device fatal");
}

}  // namespace
}  // namespace nas
