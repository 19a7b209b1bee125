#pragma once
// Devices: parsing the --device/--no-gpu flags, CUDA availability, seeded generators and
// synchronisation. CUDA-only calls compile only when NAS_WITH_CUDA is defined.
#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

namespace nas {

/// "" picks every visible CUDA device, or cpu where there is none; "cpu"; "cuda" (all visible);
/// "cuda:0,cuda:1". no_gpu forces cpu. Throws UsageError for a malformed or absent device.
std::vector<torch::Device> resolve_devices(const std::string& spec, bool no_gpu);

std::string device_name(const torch::Device& d);

/// A generator on `device` seeded with `seed`, so every random op of a trial can be drawn from its
/// own stream (the global generator would be shared between concurrent trials).
at::Generator make_generator(const torch::Device& device, std::uint64_t seed);

/// Waits for the device's queued work (no-op on CPU).
void synchronize(const torch::Device& device);

}  // namespace nas
