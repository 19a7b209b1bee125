#include "nas/torch/slot_streams.hpp"

#include <c10/core/impl/VirtualGuardImpl.h>

namespace nas {

c10::Stream stream_for(const torch::Device& device) {
  const c10::impl::VirtualGuardImpl impl(device.type());
  if (device.is_cpu()) return impl.getStream(device);
  // A stream is tied to a concrete device: resolve "cuda" to the current one.
  const torch::Device concrete =
      device.has_index() ? device : torch::Device(device.type(), impl.getDevice().index());
  return impl.getStreamFromGlobalPool(concrete, /*isHighPriority=*/false);
}

SlotStreams::SlotStreams(const std::vector<torch::Device>& slot_devices) {
  streams_.reserve(slot_devices.size());
  for (const auto& d : slot_devices) streams_.push_back(stream_for(d));
}

}  // namespace nas
