#include "nas/torch/device.hpp"

#include <c10/core/impl/VirtualGuardImpl.h>

#include <mutex>

#include "nas/core/common/error.hpp"

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

torch::Device parse_device(const std::string& name) {
  try {
    return torch::Device(name);
  } catch (const c10::Error&) {
    throw UsageError("bad device name '" + name + "'");
  }
}

at::Generator make_generator(const torch::Device& device, std::uint64_t seed) {
  const at::Generator& base = at::globalContext().defaultGenerator(device);
  at::Generator g;
  {
    // See LibTorch's note "Acquire lock when using random generators": other threads may be
    // drawing from the default generator while its state is copied.
    std::lock_guard<std::mutex> lock(const_cast<at::Generator&>(base).mutex());
    g = base.clone();
  }
  g.set_current_seed(seed);
  return g;
}

void synchronize(const torch::Device& device) {
  if (device.is_cpu()) return;
  if (device.is_cuda()) {
    // The device-wide wait: a latency window must also wait for work other trials queued on
    // their own streams before it started. -1 is LibTorch's "current device".
    torch::cuda::synchronize(device.has_index() ? device.index() : -1);
    return;
  }
  const c10::impl::VirtualGuardImpl impl(device.type());
  impl.synchronizeStream(impl.getStream(device));
}

}  // namespace nas
