#pragma once
// What only the CUDA runtime can tell or do: GPU names and memory, driver and runtime versions,
// the caching allocator's cache and peak. LibTorch has no device-generic call for these, so this
// is the one file compiled differently for CUDA (NAS_WITH_CUDA, set when CMake finds a CUDA
// LibTorch); everywhere else the answers are empty and the actions do nothing.
#include <torch/torch.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "nas/core/experiment/records.hpp"

namespace nas {

/// The devices and the CUDA/cuDNN versions a run uses, for experiment.json and retrain.json.
/// CPU devices are named by the processor's model name.
ComputeEnvironment describe_environment(const std::vector<torch::Device>& devices);

/// Returns the caching allocator's unused blocks on `device` to the driver (after an
/// out-of-memory trial, so the memory it held can serve the trials on other streams).
void release_cached_memory(const torch::Device& device);

/// The most memory LibTorch's allocator held for tensors on `device` since the last reset, in
/// bytes; nullopt where the device does not count it (CPU).
std::optional<std::int64_t> peak_memory_bytes(const torch::Device& device);
void reset_peak_memory(const torch::Device& device);

/// Whether this build links a CUDA LibTorch.
bool built_with_cuda();

/// The CUDA version the linked LibTorch was built with ("13.2", as torch.version.cuda says),
/// which may differ from the toolkit nas was compiled with; nullopt for a CPU-only LibTorch.
std::optional<std::string> libtorch_cuda_version();

/// For --version: "CUDA 13.2 (no GPU visible)", "CUDA 13.2 (2 GPUs visible)" or "CPU only".
std::string cuda_summary();

}  // namespace nas
