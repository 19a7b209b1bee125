// Which tensors a plan's network holds, and the refusals of weights that are not its own.
#include "nas/core/search/network_weights.hpp"

#include <gtest/gtest.h>

#include "nas/core/common/error.hpp"
#include "nas/core/search/mobilenetv3_space.hpp"

namespace nas {
namespace {

const InputShape kCifar{3, 32, 32};

NetworkWeights zeros_for(const NetworkPlan& plan) {
  NetworkWeights w;
  for (const auto& [name, shape] : weight_shapes(plan)) {
    std::int64_t n = 1;
    for (const auto d : shape) n *= d;
    w[name] = {shape, std::vector<float>(n, 0.0f)};
  }
  return w;
}

std::string refusal(const NetworkPlan& plan, const NetworkWeights& w) {
  try {
    check_weights(plan, w, "model.pt");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(NetworkWeights, ShapesCountWhatTheParameterCountCounts) {
  MobileNetV3Space space;
  for (const auto& arch : {space.smallest(), space.largest()}) {
    const NetworkPlan plan = plan_network(arch, kCifar, 10, space);
    std::int64_t params = 0;
    for (const auto& [name, shape] : weight_shapes(plan)) {
      if (name.find("running_") != std::string::npos) continue;  // buffers, not parameters
      std::int64_t n = 1;
      for (const auto d : shape) n *= d;
      params += n;
    }
    EXPECT_EQ(params, count_params(plan));
  }
}

TEST(NetworkWeights, NamesFollowTheModules) {
  MobileNetV3Space space;
  const NetworkPlan plan = plan_network(space.largest(), kCifar, 10, space);
  const auto shapes = weight_shapes(plan);
  EXPECT_EQ(shapes.at("stem.conv.weight"),
            (std::vector<std::int64_t>{plan.stem_channels, 3, plan.stem_kernel, plan.stem_kernel}));
  EXPECT_EQ(shapes.at("classifier.weight"), (std::vector<std::int64_t>{10, plan.final_channels}));
  EXPECT_EQ(shapes.count("final_conv.bias"), 0u);  // no bias: the original's 1x1 conv has none
  const BlockPlan& b = plan.blocks[19];
  EXPECT_EQ(shapes.at("block19.depthwise.conv.weight"),
            (std::vector<std::int64_t>{b.hidden, 1, b.kernel, b.kernel}));
  EXPECT_EQ(shapes.count("block19.se.fc1.weight"), b.se ? 1u : 0u);
}

TEST(NetworkWeights, ItsOwnWeightsPassAndNumBatchesTrackedIsAllowed) {
  MobileNetV3Space space;
  const NetworkPlan plan = plan_network(space.smallest(), kCifar, 10, space);
  NetworkWeights w = zeros_for(plan);
  w["stem.bn.num_batches_tracked"] = {{}, {0.0f}};
  EXPECT_EQ(refusal(plan, w), "");
}

TEST(NetworkWeights, MissingExtraAndMisshapenKeysAreNamed) {
  MobileNetV3Space space;
  const NetworkPlan plan = plan_network(space.smallest(), kCifar, 10, space);
  NetworkWeights missing = zeros_for(plan);
  missing.erase("head.bn.running_var");
  EXPECT_EQ(refusal(plan, missing), "model.pt: no weights for 'head.bn.running_var' [" +
                                        std::to_string(plan.head_channels) +
                                        "]: not this architecture's weights");

  NetworkWeights extra = zeros_for(plan);
  extra["block9.expand.conv.weight"] = {{4, 4, 1, 1}, std::vector<float>(16)};
  EXPECT_EQ(refusal(plan, extra),
            "model.pt: 'block9.expand.conv.weight' [4, 4, 1, 1] is not part of this "
            "architecture: not its weights");

  NetworkWeights misshapen = zeros_for(plan);
  misshapen["classifier.weight"] = {{12, plan.final_channels},
                                    std::vector<float>(12 * plan.final_channels)};
  EXPECT_EQ(refusal(plan, misshapen),
            "model.pt: 'classifier.weight' is [12, " + std::to_string(plan.final_channels) +
                "] but this architecture needs [10, " + std::to_string(plan.final_channels) + "]");

  NetworkWeights short_values = zeros_for(plan);
  short_values["classifier.bias"].values.pop_back();
  EXPECT_NE(refusal(plan, short_values).find("holds 9 values, not the 10"), std::string::npos);
}

}  // namespace
}  // namespace nas
