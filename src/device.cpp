#include "nas/device.hpp"

#include <ATen/CPUGeneratorImpl.h>

#ifdef NAS_WITH_CUDA
#include <ATen/cuda/CUDAGeneratorImpl.h>
#include <c10/cuda/CUDAFunctions.h>
#endif

#include "nas/error.hpp"

namespace nas {
namespace {

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == sep) {
      out.push_back(cur);
      cur.clear();
    } else if (c != ' ') {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

}  // namespace

std::vector<torch::Device> resolve_devices(const std::string& spec, bool no_gpu) {
  const bool cuda = torch::cuda::is_available();
  const int count = cuda ? static_cast<int>(torch::cuda::device_count()) : 0;
  if (no_gpu || spec == "cpu") return {torch::Device(torch::kCPU)};
  std::vector<torch::Device> out;
  if (spec.empty() || spec == "cuda") {
    if (count == 0) {
      if (spec == "cuda") throw UsageError("--device cuda: no CUDA device is available");
      return {torch::Device(torch::kCPU)};
    }
    for (int i = 0; i < count; ++i)
      out.emplace_back(torch::kCUDA, static_cast<c10::DeviceIndex>(i));
    return out;
  }
  for (const auto& name : split(spec, ',')) {
    if (name.rfind("cuda:", 0) != 0 || name.size() == 5) {
      throw UsageError("--device '" + spec + "': expected cpu, cuda or cuda:N[,cuda:M...]");
    }
    int index = -1;
    try {
      std::size_t used = 0;
      index = std::stoi(name.substr(5), &used);
      if (used != name.size() - 5) index = -1;
    } catch (const std::exception&) {
    }
    if (index < 0) throw UsageError("--device '" + spec + "': bad device '" + name + "'");
    if (index >= count) {
      throw UsageError("--device '" + spec + "': " + name + " is not available (" +
                       std::to_string(count) + " CUDA devices visible)");
    }
    out.emplace_back(torch::kCUDA, static_cast<c10::DeviceIndex>(index));
  }
  return out;
}

std::string device_name(const torch::Device& d) { return d.str(); }

at::Generator make_generator(const torch::Device& device, std::uint64_t seed) {
#ifdef NAS_WITH_CUDA
  if (device.is_cuda()) {
    at::Generator g = at::cuda::detail::createCUDAGenerator(device.index());
    g.set_current_seed(seed);
    return g;
  }
#endif
  (void)device;
  return at::detail::createCPUGenerator(seed);
}

void synchronize(const torch::Device& device) {
#ifdef NAS_WITH_CUDA
  if (device.is_cuda()) c10::cuda::device_synchronize();
#endif
  (void)device;
}

}  // namespace nas
