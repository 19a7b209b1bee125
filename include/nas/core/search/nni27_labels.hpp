#pragma once
// NNI 2.7's labels for the MobileNetV3 space, which the original's searches and parameter.cfg
// files used: 54, not 66. In NNI 2.7's mobilenetv3.py the five stages were built with stage
// indices 1, 2, 1, 1, 1, so `depth_1` sets the depth of stages 1, 3, 4 and 5 (there is no
// depth_3..5); and each squeeze-and-excite stage got one label, named after the layer counter
// once the stage was built, shared by its four layers: se_10 (layers 6-9), se_18 (layers 14-17)
// and se_22 (layers 18-21), with values "0"/"1". Every 54-label architecture is exactly one
// 66-label architecture (the network built is identical); a 66-label architecture has a 54-label
// form when its tied choices agree.
#include <optional>
#include <string>
#include <vector>

#include "nas/core/search/mobilenetv3_space.hpp"

namespace nas {

/// What the commands say of a file with NNI 2.7's labels.
constexpr const char* kNni27ExpandedNote =
    "NNI 2.7 54-label architecture, expanded to the 66 labels (the same network)";

/// NNI 2.7's 54 labels in draw order (each at the place of its first tied choice in the 66-label
/// order), with the 66-space choices each one sets.
std::vector<Draw> nni27_draws(const MobileNetV3Space& space);

/// The 54-label form of a 66-label architecture, or nullopt when tied choices differ.
std::optional<Architecture> to_nni27(const Architecture& arch, const MobileNetV3Space& space);

/// The 66-label architecture a 54-label one stands for. Throws InputError naming a missing or
/// unknown label, or a value outside its candidates.
Architecture expand_nni27(const Architecture& arch54, const MobileNetV3Space& space);

/// Whether an architecture read from a file uses NNI 2.7's 54 labels (rather than the 66).
/// Throws InputError naming one label of each set when it mixes the two.
bool uses_nni27_labels(const Architecture& raw, const MobileNetV3Space& space);

}  // namespace nas
