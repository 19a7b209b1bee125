#include "nas/torch/shared_data.hpp"

#include "nas/torch/device.hpp"

namespace nas {

SharedData::SharedData(DataBundle host, const std::vector<torch::Device>& devices)
    : host_(std::move(host)) {
  for (const auto& d : devices) {
    if (d.is_cpu()) continue;
    DataBundle copy = host_;
    copy.train = {host_.train.images.to(d), host_.train.labels.to(d)};
    copy.eval = {host_.eval.images.to(d), host_.eval.labels.to(d)};
    copies_.emplace_back(d, std::move(copy));
    // The copies were queued on this thread's stream; trials read them from their own streams.
    synchronize(d);
  }
}

const DataBundle& SharedData::on(const torch::Device& device) const {
  for (const auto& [d, bundle] : copies_) {
    if (d == device) return bundle;
  }
  return host_;
}

}  // namespace nas
