// NNI 2.7's parameter names for our modules. The whole list for one network, with shapes, is
// checked against the real module tree in model_test.cpp.
#include "nas/core/search/nni27_names.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace nas {
namespace {

NetworkPlan plan_with(int depth, bool se) {
  MobileNetV3Space space;
  Architecture a = space.smallest();
  for (int s = 1; s <= MobileNetV3Space::kStages; ++s) a.set("depth_" + std::to_string(s), depth);
  for (int layer = 2; layer <= 21; ++layer) {
    if (a.has("se_" + std::to_string(layer))) a.set("se_" + std::to_string(layer), se ? 1 : 0);
  }
  return plan_network(a, InputShape{3, 32, 32}, 10, space);
}

std::string name(const std::string& ours, const NetworkPlan& plan) {
  return nni27_parameter_name(ours, plan, MobileNetV3Space());
}

TEST(Nni27Names, FixedPartsSitInOneSequential) {
  const NetworkPlan p = plan_with(1, false);
  EXPECT_EQ(name("stem.conv.weight", p), "blocks.0.0.weight");
  EXPECT_EQ(name("stem.bn.running_var", p), "blocks.0.1.running_var");
  EXPECT_EQ(name("separable_dw.conv.weight", p), "blocks.1.0.0.weight");
  EXPECT_EQ(name("separable_pw.bn.num_batches_tracked", p), "blocks.1.1.1.num_batches_tracked");
  EXPECT_EQ(name("head.bn.bias", p), "blocks.7.1.bias");
  EXPECT_EQ(name("final_conv.weight", p), "blocks.9.0.weight");
  EXPECT_EQ(name("classifier.bias", p), "classifier.1.bias");
}

TEST(Nni27Names, LayersAreNumberedWithinTheirStage) {
  const NetworkPlan p = plan_with(3, true);  // blocks 0-2 stage 1, 3-5 stage 2, ...
  EXPECT_EQ(name("block0.expand.conv.weight", p), "blocks.2.0.0.0.weight");
  EXPECT_EQ(name("block2.depthwise.bn.weight", p), "blocks.2.2.1.1.weight");
  EXPECT_EQ(name("block4.se.fc1.weight", p), "blocks.3.1.2.fc.0.weight");
  EXPECT_EQ(name("block4.se.fc2.bias", p), "blocks.3.1.2.fc.2.bias");
  EXPECT_EQ(name("block14.project.conv.weight", p), "blocks.6.2.3.0.weight");
}

TEST(Nni27Names, TheProjectionKeepsTheSqueezeExciteSlotWhenItIsOff) {
  // NNI 2.7 chose between SELayer and nn.Identity: the slot exists either way.
  const NetworkPlan off = plan_with(1, false);
  EXPECT_EQ(name("block1.project.bn.weight", off), "blocks.3.0.3.1.weight");  // stage 2
  EXPECT_EQ(name("block2.project.bn.weight", off), "blocks.4.0.2.1.weight");  // stage 3: no slot
}

TEST(Nni27Names, RefusesNamesOurNetworkDoesNotHave) {
  const NetworkPlan p = plan_with(1, false);
  EXPECT_THROW(name("block5.expand.conv.weight", p), std::invalid_argument);  // 5 blocks: 0-4
  EXPECT_THROW(name("stem.weight", p), std::invalid_argument);
  EXPECT_THROW(name("block1.se.fc3.weight", p), std::invalid_argument);
  EXPECT_THROW(name("blocks", p), std::invalid_argument);
  EXPECT_THROW(name("blockx.expand.conv.weight", p), std::invalid_argument);
}

}  // namespace
}  // namespace nas
