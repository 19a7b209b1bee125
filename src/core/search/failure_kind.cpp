#include "nas/core/search/failure_kind.hpp"

#include <array>
#include <string_view>

namespace nas {
namespace {

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

FailureKind classify_failure(const std::string& m) {
  // Allocation failures of the CUDA caching allocator, CUDA itself, cuBLAS, cuDNN and the CPU
  // allocator.
  static constexpr std::array<std::string_view, 6> kOutOfMemory{
      "out of memory",         "CUBLAS_STATUS_ALLOC_FAILED", "CUDNN_STATUS_ALLOC_FAILED",
      "can't allocate memory", "not enough memory",          "std::bad_alloc"};
  for (auto part : kOutOfMemory) {
    if (contains(m, part)) return FailureKind::kOutOfMemory;
  }
  // Any other error the CUDA runtime or driver reports leaves the context in doubt (illegal
  // address, launch failure, device-side assert, ECC error, device lost: all sticky), as do
  // cuBLAS/cuDNN execution failures, which are kernel faults underneath.
  static constexpr std::array<std::string_view, 7> kFatal{"CUDA error",
                                                          "CUDA driver error",
                                                          "CUBLAS_STATUS_EXECUTION_FAILED",
                                                          "CUBLAS_STATUS_INTERNAL_ERROR",
                                                          "CUDNN_STATUS_EXECUTION_FAILED",
                                                          "CUDNN_STATUS_INTERNAL_ERROR",
                                                          "device-side assert"};
  for (auto part : kFatal) {
    if (contains(m, part)) return FailureKind::kDeviceFatal;
  }
  return FailureKind::kTrial;
}

std::string to_string(FailureKind kind) {
  switch (kind) {
    case FailureKind::kTrial:
      return "trial";
    case FailureKind::kOutOfMemory:
      return "out of memory";
    case FailureKind::kDeviceFatal:
      return "device fatal";
  }
  return "trial";
}

}  // namespace nas
