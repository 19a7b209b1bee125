#pragma once
// A network's trained values as plain floats, by the names our modules give them
// ("stem.conv.weight", "block3.se.fc1.bias", "head.bn.running_var"): what travels between LibTorch,
// which trains them, and tensor-free code that writes them elsewhere (the ONNX exporter). The
// plan alone says which names a network has and their shapes, so a weights file can be checked
// against an architecture before anything is built from it.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "nas/core/search/network_plan.hpp"

namespace nas {

struct WeightTensor {
  std::vector<std::int64_t> shape;
  std::vector<float> values;  // row-major
};
using NetworkWeights = std::map<std::string, WeightTensor>;

/// Every tensor the network of `plan` holds in eval mode (parameters and BatchNorm's running
/// statistics), by name, with its shape. BatchNorm's num_batches_tracked counters are left out:
/// nothing computes with them.
std::map<std::string, std::vector<std::int64_t>> weight_shapes(const NetworkPlan& plan);

/// Throws InputError naming `file` and the first key that is missing, unexpected or of the
/// wrong shape (or whose values do not fill its shape). num_batches_tracked keys are allowed.
void check_weights(const NetworkPlan& plan, const NetworkWeights& weights, const std::string& file);

/// "[16, 3, 3, 3]".
std::string shape_text(const std::vector<std::int64_t>& shape);

}  // namespace nas
