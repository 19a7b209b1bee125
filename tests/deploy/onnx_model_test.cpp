// The exported graph, read back through ONNX's own classes: its input and output, the operators
// it uses, BatchNorm folded into the convolutions, cropped kernels, metadata and refusals. That
// it computes the network's logits is checked against ONNX Runtime by scripts/peer/onnx-parity.sh.
#include "nas/deploy/onnx_model.hpp"

#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <cmath>
#include <cstring>
#include <map>

#include "nas/core/common/error.hpp"
#include "nas/core/search/mobilenetv3_space.hpp"

namespace nas {
namespace {

const InputShape kCifar{3, 32, 32};

NetworkWeights filled(const NetworkPlan& plan, float value) {
  NetworkWeights w;
  for (const auto& [name, shape] : weight_shapes(plan)) {
    std::int64_t n = 1;
    for (const auto d : shape) n *= d;
    w[name] = {shape, std::vector<float>(n, value)};
  }
  return w;
}

onnx::ModelProto parse(const std::string& bytes) {
  onnx::ModelProto m;
  EXPECT_TRUE(m.ParseFromString(bytes));
  return m;
}

std::vector<std::string> dims(const onnx::ValueInfoProto& v) {
  std::vector<std::string> out;
  for (const auto& d : v.type().tensor_type().shape().dim())
    out.push_back(d.has_dim_param() ? d.dim_param() : std::to_string(d.dim_value()));
  return out;
}

const onnx::TensorProto& initializer(const onnx::ModelProto& m, const std::string& name) {
  for (const auto& t : m.graph().initializer())
    if (t.name() == name) return t;
  throw std::runtime_error("no initializer " + name);
}

std::vector<float> floats(const onnx::TensorProto& t) {
  std::vector<float> v(t.raw_data().size() / sizeof(float));
  std::memcpy(v.data(), t.raw_data().data(), t.raw_data().size());
  return v;
}

std::map<std::string, int> op_counts(const onnx::ModelProto& m) {
  std::map<std::string, int> counts;
  for (const auto& n : m.graph().node()) ++counts[n.op_type()];
  return counts;
}

TEST(OnnxModel, DynamicBatchByDefaultAndAFixedOneWhenAsked) {
  MobileNetV3Space space;
  const NetworkPlan plan = plan_network(space.smallest(), kCifar, 10, space);
  const onnx::ModelProto m = parse(onnx_model_bytes(plan, filled(plan, 0.1f), {}, "w"));
  ASSERT_EQ(m.graph().input_size(), 1);
  ASSERT_EQ(m.graph().output_size(), 1);
  EXPECT_EQ(m.graph().input(0).name(), "input");
  EXPECT_EQ(m.graph().output(0).name(), "logits");
  EXPECT_EQ(dims(m.graph().input(0)), (std::vector<std::string>{"batch", "3", "32", "32"}));
  EXPECT_EQ(dims(m.graph().output(0)), (std::vector<std::string>{"batch", "10"}));
  EXPECT_EQ(m.opset_import(0).version(), 17);
  EXPECT_EQ(m.producer_name(), "nas");

  OnnxOptions fixed;
  fixed.batch = 8;
  const onnx::ModelProto f = parse(onnx_model_bytes(plan, filled(plan, 0.1f), fixed, "w"));
  EXPECT_EQ(dims(f.graph().input(0)), (std::vector<std::string>{"8", "3", "32", "32"}));
  EXPECT_EQ(dims(f.graph().output(0)), (std::vector<std::string>{"8", "10"}));
}

TEST(OnnxModel, EvalModeGraphWithBatchNormFoldedAndOnnxsOwnActivations) {
  MobileNetV3Space space;
  const NetworkPlan plan = plan_network(space.largest(), kCifar, 10, space);
  const onnx::ModelProto m = parse(onnx_model_bytes(plan, filled(plan, 0.1f), {}, "w"));
  const auto ops = op_counts(m);
  EXPECT_EQ(ops.count("BatchNormalization"), 0u);
  EXPECT_EQ(ops.count("Dropout"), 0u);
  int residuals = 0, se = 0;
  for (const auto& b : plan.blocks) {
    residuals += b.residual;
    se += b.se;
  }
  // stem, separable (2), 3 per block, SE's two, head, final.
  EXPECT_EQ(ops.at("Conv"), 3 + 3 * static_cast<int>(plan.blocks.size()) + 2 * se + 2);
  EXPECT_EQ(ops.at("Add"), 1 + residuals);
  EXPECT_EQ(ops.at("Sigmoid"), se);
  EXPECT_EQ(ops.at("Mul"), se);
  EXPECT_EQ(ops.at("GlobalAveragePool"), se + 1);
  EXPECT_GT(ops.at("HardSwish"), 0);
  EXPECT_GT(ops.at("Relu"), 0);
  EXPECT_EQ(ops.at("Gemm"), 1);
  EXPECT_EQ(ops.at("Flatten"), 1);
}

TEST(OnnxModel, BatchNormIsFoldedIntoTheConvolutionsWeightsAndBias) {
  MobileNetV3Space space;
  const NetworkPlan plan = plan_network(space.smallest(), kCifar, 10, space);
  NetworkWeights w = filled(plan, 1.0f);
  auto set = [&](const std::string& name, float v) {
    for (auto& x : w[name].values) x = v;
  };
  set("stem.bn.weight", 2.0f);
  set("stem.bn.bias", 0.25f);
  set("stem.bn.running_mean", 0.5f);
  set("stem.bn.running_var", 3.0f);
  const onnx::ModelProto m = parse(onnx_model_bytes(plan, w, {}, "w"));
  const double scale = 2.0 / std::sqrt(3.0 + 1e-3);
  for (const float v : floats(initializer(m, "stem.weight")))
    EXPECT_FLOAT_EQ(v, static_cast<float>(scale));
  for (const float v : floats(initializer(m, "stem.bias")))
    EXPECT_FLOAT_EQ(v, static_cast<float>(0.25 - 0.5 * scale));
}

TEST(OnnxModel, AKernelWiderThanItsMapIsWrittenCropped) {
  MobileNetV3Space space;
  // 16x16: after four stride-2 stages the map is 1x1, so a 7x7 depthwise there meets only padding.
  const NetworkPlan plan = plan_network(space.largest(), InputShape{1, 16, 16}, 10, space);
  const onnx::ModelProto m = parse(onnx_model_bytes(plan, filled(plan, 0.1f), {}, "w"));
  const BlockPlan& last = plan.blocks.back();
  ASSERT_EQ(last.in_size[0], 1);
  const auto& t =
      initializer(m, "block" + std::to_string(plan.blocks.size() - 1) + ".depthwise.weight");
  EXPECT_EQ(t.dims(2), 1);
  EXPECT_EQ(t.dims(3), 1);
}

TEST(OnnxModel, MetadataAndNamesAreKept) {
  MobileNetV3Space space;
  const NetworkPlan plan = plan_network(space.smallest(), kCifar, 10, space);
  OnnxOptions o;
  o.graph_name = "exp1/trial_3";
  o.doc = "trained";
  o.metadata = {{"nas_version", "0.1.0"}, {"space", "mobilenetv3"}};
  const onnx::ModelProto m = parse(onnx_model_bytes(plan, filled(plan, 0.1f), o, "w"));
  EXPECT_EQ(m.graph().name(), "exp1/trial_3");
  EXPECT_EQ(m.doc_string(), "trained");
  ASSERT_EQ(m.metadata_props_size(), 2);
  EXPECT_EQ(m.metadata_props(1).key(), "space");
  EXPECT_EQ(m.metadata_props(1).value(), "mobilenetv3");
}

TEST(OnnxModel, OpsetsOutsideWhatTheLibraryValidatesAreRefused) {
  MobileNetV3Space space;
  const NetworkPlan plan = plan_network(space.smallest(), kCifar, 10, space);
  EXPECT_GE(max_onnx_opset(), 17);
  for (const int opset : {13, max_onnx_opset() + 1}) {
    OnnxOptions o;
    o.opset = opset;
    try {
      onnx_model_bytes(plan, filled(plan, 0.1f), o, "w");
      ADD_FAILURE() << opset;
    } catch (const InputError& e) {
      EXPECT_EQ(std::string(e.what()), "--opset must be from 14 (HardSwish) to " +
                                           std::to_string(max_onnx_opset()) +
                                           " (the newest this build's ONNX library validates), "
                                           "got " +
                                           std::to_string(opset));
    }
  }
  OnnxOptions o14;
  o14.opset = 14;
  EXPECT_EQ(parse(onnx_model_bytes(plan, filled(plan, 0.1f), o14, "w")).opset_import(0).version(),
            14);
}

TEST(OnnxModel, WeightsOfAnotherArchitectureAreRefusedNamingTheFile) {
  MobileNetV3Space space;
  const NetworkPlan small = plan_network(space.smallest(), kCifar, 10, space);
  const NetworkPlan large = plan_network(space.largest(), kCifar, 10, space);
  EXPECT_THROW(onnx_model_bytes(large, filled(small, 0.1f), {}, "model.pt"), InputError);
}

}  // namespace
}  // namespace nas
