#pragma once
// Devices: parsing the --device/--no-gpu flags, per-trial generators and synchronisation. Every
// line here is device-generic LibTorch, so the CPU build compiles and tests the GPU paths too;
// the few calls that need the CUDA runtime itself live in gpu_runtime.cpp.
#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

namespace nas {

/// "" picks every visible CUDA device, or cpu where there is none; "cpu"; "cuda" (all visible);
/// "cuda:0,cuda:1". no_gpu forces cpu. Throws UsageError for a malformed or absent device.
std::vector<torch::Device> resolve_devices(const std::string& spec, bool no_gpu);

std::string device_name(const torch::Device& d);
/// "cpu" or "cuda:N" back to a device (the form TrialSlot and records carry).
torch::Device parse_device(const std::string& name);

/// A generator of its own for `device`, seeded with `seed`: a clone of the device's default
/// generator (so it has that device's kind of state) that shares nothing with it, so a trial's
/// random ops never draw from a stream that concurrent trials also draw from.
at::Generator make_generator(const torch::Device& device, std::uint64_t seed);

/// Waits until every queued operation on `device` has finished, on every stream: on CUDA the
/// device that was named (the current one for a bare "cuda"); on other accelerators the current
/// stream; nothing on CPU, where operations run synchronously.
void synchronize(const torch::Device& device);

}  // namespace nas
