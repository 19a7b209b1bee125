#include "nas/torch/gpu_runtime.hpp"

#include <ATen/detail/CUDAHooksInterface.h>

#include <algorithm>
#include <fstream>
#include <string>

#ifdef NAS_WITH_CUDA
// The CUDA-only calls below have no device-generic LibTorch equivalent in every LibTorch we
// build against (1.13 to 2.x): device properties, the driver version and the caching allocator.
#include <c10/cuda/CUDACachingAllocator.h>
#include <cuda_runtime_api.h>
#endif

namespace nas {
namespace {

std::string cpu_model_name() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) {
        auto name = line.substr(colon + 1);
        name.erase(0, name.find_first_not_of(' '));
        return name;
      }
    }
  }
  return "cpu";
}

/// CUDA's integer versions (12080) as text (12.8).
std::string cuda_version_text(int v) {
  return std::to_string(v / 1000) + "." + std::to_string(v % 1000 / 10);
}

}  // namespace

bool built_with_cuda() {
#ifdef NAS_WITH_CUDA
  return true;
#else
  return false;
#endif
}

std::optional<std::string> libtorch_cuda_version() {
#ifdef NAS_WITH_CUDA
  try {
    // LibTorch's own build-time CUDART_VERSION: no device needed, and not the toolkit's.
    return cuda_version_text(static_cast<int>(at::detail::getCUDAHooks().versionCUDART()));
  } catch (const c10::Error&) {
    // CUDA hooks absent (libtorch_cuda not loaded): say nothing rather than guess.
  }
#endif
  return std::nullopt;
}

std::string cuda_summary() {
  const auto cuda = libtorch_cuda_version();
  if (!cuda) return built_with_cuda() ? "CUDA build (LibTorch's CUDA not loaded)" : "CPU only";
  const auto n = torch::cuda::device_count();
  const std::string gpus = n == 0   ? "no GPU visible"
                           : n == 1 ? "1 GPU visible"
                                    : std::to_string(n) + " GPUs visible";
  return "CUDA " + *cuda + " (" + gpus + ")";
}

ComputeEnvironment describe_environment(const std::vector<torch::Device>& devices) {
  ComputeEnvironment env;
  env.libtorch_cuda = libtorch_cuda_version();
  env.gpus_visible = static_cast<int>(torch::cuda::device_count());
  for (const auto& d : devices) {
    DeviceInfo info;
    info.device = d.str();
    if (d.is_cpu()) {
      info.name = cpu_model_name();
    } else {
#ifdef NAS_WITH_CUDA
      cudaDeviceProp p{};
      if (cudaGetDeviceProperties(&p, d.has_index() ? d.index() : 0) == cudaSuccess) {
        info.name = p.name;
        info.memory_mib = static_cast<std::int64_t>(p.totalGlobalMem >> 20);
        info.capability = std::to_string(p.major) + "." + std::to_string(p.minor);
      }
#endif
    }
    env.devices.push_back(info);
  }
  const bool any_gpu = std::any_of(devices.begin(), devices.end(),
                                   [](const torch::Device& d) { return d.is_cuda(); });
  if (any_gpu) {
#ifdef NAS_WITH_CUDA
    int v = 0;
    if (cudaRuntimeGetVersion(&v) == cudaSuccess) env.cuda_runtime = cuda_version_text(v);
    if (cudaDriverGetVersion(&v) == cudaSuccess) env.cuda_driver = cuda_version_text(v);
#endif
    try {
      const long cudnn = at::detail::getCUDAHooks().versionCuDNN();
      env.cudnn = std::to_string(cudnn);
    } catch (const c10::Error&) {
      // A LibTorch without cuDNN: nothing to record.
    }
  }
  return env;
}

void release_cached_memory(const torch::Device& device) {
#ifdef NAS_WITH_CUDA
  if (device.is_cuda()) c10::cuda::CUDACachingAllocator::emptyCache();
#endif
  (void)device;
}

std::optional<std::int64_t> peak_memory_bytes(const torch::Device& device) {
#ifdef NAS_WITH_CUDA
  if (device.is_cuda()) {
    const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(device.index());
    return static_cast<std::int64_t>(stats.allocated_bytes[0].peak);  // 0: all pools together
  }
#endif
  (void)device;
  return std::nullopt;
}

void reset_peak_memory(const torch::Device& device) {
#ifdef NAS_WITH_CUDA
  if (device.is_cuda()) c10::cuda::CUDACachingAllocator::resetPeakStats(device.index());
#endif
  (void)device;
}

}  // namespace nas
