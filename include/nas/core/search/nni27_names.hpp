#pragma once
// The names NNI 2.7's MobileNetV3Space gives the network's parameters and buffers when it is
// built for one architecture (`with fixed_arch(...)`), so model_state_dict.pt loads into the
// original's network with load_state_dict. Our modules are named for reading (stem,
// block7.depthwise); NNI 2.7's are positions in one nn.Sequential:
//   blocks.0               stem (conv .0, BatchNorm .1)
//   blocks.1.0 / blocks.1.1  separable conv: depthwise, pointwise
//   blocks.<s+1>.<j>       stage s (1..5), its layer j: .0 expansion, .1 depthwise, then in stages
//                          that may have squeeze-and-excite .2 that block (.fc.0 and .fc.2, Linear;
//                          nothing when it is off) and .3 the projection; elsewhere .2 the
//                          projection
//   blocks.7               head conv; blocks.8 pooling; blocks.9.0 the 1x1 conv without BatchNorm
//   classifier.1           the Linear after dropout (classifier.0)
// Derived from NNI v2.7's nni/retiarii/hub/pytorch/mobilenetv3.py and proxylessnas.py, where
// LayerChoice and Repeat, built under fixed_arch, leave no level of their own in the names.
#include <string>

#include "nas/core/search/mobilenetv3_space.hpp"
#include "nas/core/search/network_plan.hpp"

namespace nas {

/// NNI 2.7's name for the parameter or buffer our MobileNetV3 calls `name` (e.g.
/// "block3.depthwise.bn.running_mean" -> "blocks.3.1.1.1.running_mean" when block 3 is the
/// second layer of stage 2). Throws std::invalid_argument for a name our network does not have.
std::string nni27_parameter_name(const std::string& name, const NetworkPlan& plan,
                                 const MobileNetV3Space& space);

}  // namespace nas
