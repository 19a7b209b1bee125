#pragma once
// One read-only copy of a loaded data set per device, shared by every trial there.
#include <torch/torch.h>

#include <utility>
#include <vector>

#include "nas/torch/data.hpp"

namespace nas {

/// One copy of a data set per device, made once and shared read-only by every trial there (on a
/// GPU each trial would otherwise copy the whole set to the device).
class SharedData {
 public:
  SharedData(DataBundle host, const std::vector<torch::Device>& devices);
  /// The copy on `device` (the host copy for cpu or any device not named at construction).
  const DataBundle& on(const torch::Device& device) const;
  const DataBundle& host() const { return host_; }

 private:
  DataBundle host_;
  std::vector<std::pair<torch::Device, DataBundle>> copies_;
};

}  // namespace nas
