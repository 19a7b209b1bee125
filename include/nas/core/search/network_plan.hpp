#pragma once
// The layer-by-layer shape of the network an Architecture builds, worked out without tensors.
// The torch model is built from this plan, and the parameter and MAC counts are read off it, so
// the two can never disagree.
#include <cstdint>
#include <vector>

#include "nas/core/search/mobilenetv3_space.hpp"

namespace nas {

/// Input of the network: channels, height, width, plus the class count.
struct InputShape {
  int channels = 3;
  int height = 32;
  int width = 32;
};

enum class Activation { kReLU, kHardSwish };

/// One inverted-residual layer of a stage.
struct BlockPlan {
  int stage = 0;  // 1..5
  int layer = 0;  // NNI's layer number 2..21
  int in_channels = 0;
  int hidden = 0;  // in_channels * expand ratio
  int out_channels = 0;
  int kernel = 3;
  int stride = 1;
  bool se = false;
  int se_channels = 0;    // make_divisible(hidden / 4)
  bool residual = false;  // stride 1 and in == out
  Activation activation = Activation::kReLU;
  int in_size[2] = {0, 0};
  int out_size[2] = {0, 0};
};

struct NetworkPlan {
  InputShape input;
  int classes = 10;
  int stem_channels = 0;  // width_0; also the separable conv's width
  int stem_kernel = 3;
  int stem_size[2] = {0, 0};  // spatial size after the stem (the separable conv keeps it)
  std::vector<BlockPlan> blocks;
  int head_channels = 0;   // width_6: 1x1 conv after the last stage
  int final_channels = 0;  // width_7: 1x1 conv after pooling
  double dropout = 0.2;
};

/// Stage strides and activations of the space (fixed, as in NNI's MobileNetV3Space).
inline constexpr int kStageStrides[MobileNetV3Space::kStages] = {2, 2, 2, 1, 2};
inline constexpr Activation kStageActivations[MobileNetV3Space::kStages] = {
    Activation::kReLU, Activation::kReLU, Activation::kHardSwish, Activation::kHardSwish,
    Activation::kHardSwish};

/// Works out the plan. `space` says which stages have SE; the architecture must be valid.
NetworkPlan plan_network(const Architecture& arch, const InputShape& input, int classes,
                         const MobileNetV3Space& space = MobileNetV3Space());

/// Every weight, bias and BatchNorm affine value.
std::int64_t count_params(const NetworkPlan& plan);
/// Multiply-accumulates of every convolution and linear layer (SE included) for one image.
std::int64_t count_macs(const NetworkPlan& plan);

/// Output size of a convolution with padding k / 2.
int conv_out_size(int in, int kernel, int stride);

}  // namespace nas
