#pragma once
// A network's weights out of LibTorch as plain floats (network_weights.hpp), into it again, and
// read from the files nas writes or Python's torch.save does, without building the network first:
// so a file that is not the architecture's weights is refused by name, before anything runs.
#include <string>

#include "nas/core/search/network_weights.hpp"
#include "nas/torch/model.hpp"

namespace nas {

/// Every parameter and buffer of `model` (num_batches_tracked left out), on CPU, as float.
NetworkWeights weights_of(MobileNetV3& model);

/// Copies `weights` into `model`; check_weights must have passed for its plan.
void load_weights(MobileNetV3& model, const NetworkWeights& weights);

/// The tensors of a weights file: model.pt (LibTorch's torch::save of the network, as
/// nas-test-model writes it) or a state dict file (a dict of named tensors from Python's
/// torch.save, such as model_state_dict.pt), with our names or NNI 2.7's for `plan`'s network
/// (translated to ours). Not checked against the plan: check_weights names what does not fit.
/// Throws InputError naming the file when it is missing or neither kind.
NetworkWeights read_weights_file(const std::string& path, const NetworkPlan& plan);

}  // namespace nas
