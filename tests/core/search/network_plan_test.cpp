// The network plan: layer shapes, residual rule, SE widths, spatial sizes, and the reference
// parameter and MAC figures of the original's network (NNI 2.7's own counts agree:
// scripts/peer/nni-parity.sh). No tensors involved.
#include "nas/core/search/network_plan.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "nas/core/common/random.hpp"
#include "nas/core/search/mobilenetv3_space.hpp"

namespace nas {
namespace {

const InputShape kCifar{3, 32, 32};
const InputShape kMnist{1, 28, 28};

TEST(NetworkPlan, SmallestChoicesMatchTheReferenceFigures) {
  MobileNetV3Space space;
  const NetworkPlan plan = plan_network(space.smallest(), kCifar, 10, space);
  EXPECT_EQ(count_params(plan), 188490);
  EXPECT_EQ(count_macs(plan), 336768);
}

TEST(NetworkPlan, LargestChoicesMatchTheReferenceFigures) {
  MobileNetV3Space space;
  const NetworkPlan plan = plan_network(space.largest(), kCifar, 10, space);
  EXPECT_EQ(count_params(plan), 37345370);
  EXPECT_EQ(count_macs(plan), 61207552);
}

TEST(NetworkPlan, KeepsTheFirstDepthLayersOfEachStage) {
  MobileNetV3Space space;
  EXPECT_EQ(plan_network(space.smallest(), kCifar, 10, space).blocks.size(), 5u);
  const NetworkPlan max = plan_network(space.largest(), kCifar, 10, space);
  ASSERT_EQ(max.blocks.size(), 20u);
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(max.blocks[i].stage, 1 + i / 4) << i;
    EXPECT_EQ(max.blocks[i].layer, 2 + i) << i;
  }

  Architecture a = space.smallest();
  a.set("depth_1", 3);
  a.set("depth_3", 2);
  const NetworkPlan p = plan_network(a, kCifar, 10, space);
  std::vector<int> layers;
  for (const auto& b : p.blocks) layers.push_back(b.layer);
  EXPECT_EQ(layers, (std::vector<int>{2, 3, 4, 6, 10, 11, 14, 18}));
}

TEST(NetworkPlan, ChoicesOfDroppedLayersChangeNothing) {
  MobileNetV3Space space;
  Architecture a = space.smallest();  // every depth 1
  Architecture b = a;
  b.set("exp_3", 6);
  b.set("ks_3", 7);
  b.set("exp_21", 6);
  b.set("se_21", 1);
  const NetworkPlan pa = plan_network(a, kCifar, 10, space);
  const NetworkPlan pb = plan_network(b, kCifar, 10, space);
  EXPECT_EQ(count_params(pa), count_params(pb));
  EXPECT_EQ(count_macs(pa), count_macs(pb));
}

TEST(NetworkPlan, WidthsKernelsAndExpansionFollowTheArchitecture) {
  MobileNetV3Space space;
  Architecture a = space.smallest();
  a.set("width_0", 24);
  a.set("width_1", 24);
  a.set("ks_0", 5);
  a.set("width_6", 384);
  a.set("width_7", 640);
  a.set("exp_2", 4);
  a.set("ks_2", 7);
  const NetworkPlan p = plan_network(a, kCifar, 7, space);
  EXPECT_EQ(p.stem_channels, 24);
  EXPECT_EQ(p.stem_kernel, 5);
  EXPECT_EQ(p.head_channels, 384);
  EXPECT_EQ(p.final_channels, 640);
  EXPECT_EQ(p.classes, 7);
  const BlockPlan& b = p.blocks.front();
  EXPECT_EQ(b.in_channels, 24);
  EXPECT_EQ(b.hidden, 96);
  EXPECT_EQ(b.out_channels, 24);
  EXPECT_EQ(b.kernel, 7);
  EXPECT_EQ(b.stride, 2);
  // Later stages take the previous stage's width as input.
  EXPECT_EQ(p.blocks[1].in_channels, 24);
  EXPECT_EQ(p.blocks[1].out_channels, a.at("width_2"));
}

TEST(NetworkPlan, StridesAndActivationsPerStage) {
  MobileNetV3Space space;
  const NetworkPlan p = plan_network(space.largest(), kCifar, 10, space);
  const int strides[5] = {2, 2, 2, 1, 2};
  const Activation acts[5] = {Activation::kReLU, Activation::kReLU, Activation::kHardSwish,
                              Activation::kHardSwish, Activation::kHardSwish};
  for (const auto& b : p.blocks) {
    const bool first = (b.layer - 2) % 4 == 0;
    EXPECT_EQ(b.stride, first ? strides[b.stage - 1] : 1) << "layer " << b.layer;
    EXPECT_EQ(b.activation, acts[b.stage - 1]) << "layer " << b.layer;
  }
}

TEST(NetworkPlan, ResidualExactlyWhereStrideOneAndWidthsEqual) {
  MobileNetV3Space space;
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    Rng rng(seed);
    const NetworkPlan p = plan_network(space.sample(rng), kCifar, 10, space);
    for (const auto& b : p.blocks) {
      EXPECT_EQ(b.residual, b.stride == 1 && b.in_channels == b.out_channels)
          << "seed " << seed << " layer " << b.layer;
      const bool first = (b.layer - 2) % 4 == 0;
      if (!first) {
        EXPECT_TRUE(b.residual) << "seed " << seed << " layer " << b.layer;
      }
      if (first && b.stage != 4) {
        EXPECT_FALSE(b.residual) << "seed " << seed << " layer " << b.layer;  // stride 2
      }
    }
  }
}

TEST(NetworkPlan, FirstLayerOfStage4IsResidualOnlyWhenWidthsAreEqual) {
  MobileNetV3Space space;
  Architecture a = space.smallest();
  a.set("width_3", 64);
  a.set("width_4", 64);
  NetworkPlan p = plan_network(a, kCifar, 10, space);
  const auto stage4 = [](const NetworkPlan& plan) {
    for (const auto& b : plan.blocks) {
      if (b.stage == 4) return b;
    }
    return BlockPlan{};
  };
  EXPECT_EQ(stage4(p).layer, 14);
  EXPECT_EQ(stage4(p).stride, 1);
  EXPECT_TRUE(stage4(p).residual);

  a.set("width_3", 32);
  p = plan_network(a, kCifar, 10, space);
  EXPECT_EQ(stage4(p).stride, 1);
  EXPECT_FALSE(stage4(p).residual);

  // The smallest network has depth 1 everywhere and no equal widths: no residual layer at all.
  for (const auto& b : plan_network(space.smallest(), kCifar, 10, space).blocks) {
    EXPECT_FALSE(b.residual) << b.layer;
  }
}

TEST(NetworkPlan, SpatialSizesFor28x28Input) {
  MobileNetV3Space space;
  for (bool largest : {false, true}) {
    const NetworkPlan p =
        plan_network(largest ? space.largest() : space.smallest(), kMnist, 10, space);
    EXPECT_EQ(p.stem_size[0], 14);
    EXPECT_EQ(p.stem_size[1], 14);
    // Stage outputs: 7, 4, 2, 2 (stride 1), 1.
    const int after_stage[5] = {7, 4, 2, 2, 1};
    int h = 14;
    for (const auto& b : p.blocks) {
      EXPECT_EQ(b.in_size[0], h) << "layer " << b.layer;
      EXPECT_EQ(b.in_size[1], h) << "layer " << b.layer;
      EXPECT_EQ(b.out_size[0], after_stage[b.stage - 1]) << "layer " << b.layer;
      EXPECT_EQ(b.out_size[1], after_stage[b.stage - 1]) << "layer " << b.layer;
      h = b.out_size[0];
    }
  }
}

TEST(NetworkPlan, SpatialSizesFor32x32InputAndNonSquareInput) {
  MobileNetV3Space space;
  const NetworkPlan p = plan_network(space.smallest(), kCifar, 10, space);
  EXPECT_EQ(p.stem_size[0], 16);
  const int after_stage[5] = {8, 4, 2, 2, 1};
  for (const auto& b : p.blocks) EXPECT_EQ(b.out_size[0], after_stage[b.stage - 1]);

  const NetworkPlan q = plan_network(space.largest(), InputShape{3, 40, 24}, 10, space);
  EXPECT_EQ(q.stem_size[0], 20);
  EXPECT_EQ(q.stem_size[1], 12);
  EXPECT_EQ(q.blocks.back().out_size[0], 2);  // 20 -> 10 -> 5 -> 3 -> 3 -> 2
  EXPECT_EQ(q.blocks.back().out_size[1], 1);  // 12 -> 6 -> 3 -> 2 -> 2 -> 1
}

TEST(NetworkPlan, ConvOutSizeUsesHalfKernelPadding) {
  EXPECT_EQ(conv_out_size(32, 3, 2), 16);
  EXPECT_EQ(conv_out_size(32, 5, 2), 16);
  EXPECT_EQ(conv_out_size(7, 7, 2), 4);
  EXPECT_EQ(conv_out_size(2, 7, 1), 2);
  EXPECT_EQ(conv_out_size(1, 3, 2), 1);
}

TEST(NetworkPlan, SqueezeExciteWidthIsMakeDivisibleOfAQuarter) {
  MobileNetV3Space space;
  Architecture a = space.smallest();
  a.set("width_1", 24);
  a.set("exp_6", 3);  // first layer of stage 2: hidden 72, 72 / 4 = 18 -> 24
  a.set("se_6", 1);
  NetworkPlan p = plan_network(a, kCifar, 10, space);
  ASSERT_EQ(p.blocks[1].layer, 6);
  EXPECT_TRUE(p.blocks[1].se);
  EXPECT_EQ(p.blocks[1].hidden, 72);
  EXPECT_EQ(p.blocks[1].se_channels, 24);

  // Every SE layer of the largest network, and only in stages 2, 4, 5.
  for (const auto& b : plan_network(space.largest(), kCifar, 10, space).blocks) {
    const bool se_stage = b.stage == 2 || b.stage == 4 || b.stage == 5;
    EXPECT_EQ(b.se, se_stage) << b.layer;
    EXPECT_EQ(b.se_channels, se_stage ? make_divisible(b.hidden / 4) : 0) << b.layer;
  }

  // se_6 = 0: no SE, and the parameter count drops by both linear layers.
  Architecture off = a;
  off.set("se_6", 0);
  const NetworkPlan q = plan_network(off, kCifar, 10, space);
  EXPECT_FALSE(q.blocks[1].se);
  EXPECT_EQ(q.blocks[1].se_channels, 0);
  EXPECT_EQ(count_params(p) - count_params(q), (72 * 24 + 24) + (24 * 72 + 72));
  EXPECT_EQ(count_macs(p) - count_macs(q), 2 * 72 * 24);
}

TEST(NetworkPlan, InputChannelsAndClassesChangeOnlyStemAndClassifier) {
  MobileNetV3Space space;
  const Architecture a = space.smallest();  // width_0 8, ks_0 3, width_7 512
  const NetworkPlan cifar = plan_network(a, kCifar, 10, space);
  const NetworkPlan gray = plan_network(a, InputShape{1, 32, 32}, 10, space);
  EXPECT_EQ(count_params(cifar) - count_params(gray), 2 * 8 * 3 * 3);
  const NetworkPlan more = plan_network(a, kCifar, 100, space);
  EXPECT_EQ(count_params(more) - count_params(cifar), 90 * (512 + 1));
  EXPECT_EQ(count_macs(more) - count_macs(cifar), 90 * 512);
  // 28x28 has fewer pixels, so fewer MACs but the same parameters (apart from the stem).
  const NetworkPlan mnist = plan_network(a, kMnist, 10, space);
  EXPECT_EQ(count_params(mnist), count_params(gray));
  EXPECT_LT(count_macs(mnist), count_macs(gray));
}

}  // namespace
}  // namespace nas
