// The torch network: output shapes, parameter counts against the plan, the residual rule and
// NNI's initialisation.
#include "nas/torch/model.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

#include "nas/core/common/random.hpp"
#include "nas/torch/device.hpp"

namespace nas {
namespace {

const InputShape kCifar{3, 32, 32};
const InputShape kMnist{1, 28, 28};

class ModelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    at::set_num_threads(1);
    torch::manual_seed(0);
  }
  MobileNetV3Space space;
};

void expect_output_shape(MobileNetV3& model, const InputShape& in, int batch, int classes) {
  torch::NoGradGuard no_grad;
  auto x = torch::randn({batch, in.channels, in.height, in.width});
  for (bool training : {false, true}) {
    model->train(training);
    auto y = model->forward(x);
    ASSERT_EQ(y.dim(), 2);
    EXPECT_EQ(y.size(0), batch);
    EXPECT_EQ(y.size(1), classes);
    EXPECT_TRUE(torch::isfinite(y).all().item<bool>());
  }
}

TEST_F(ModelTest, OutputShapeOfSmallestArchitectureOnBothInputShapes) {
  for (const InputShape& in : {kCifar, kMnist}) {
    MobileNetV3 m = build_model(space.smallest(), in, 10, 1);
    expect_output_shape(m, in, 3, 10);
  }
}

TEST_F(ModelTest, OutputShapeOfLargestArchitectureOnBothInputShapes) {
  for (const InputShape& in : {kCifar, kMnist}) {
    MobileNetV3 m = build_model(space.largest(), in, 10, 1);
    expect_output_shape(m, in, 2, 10);
  }
}

TEST_F(ModelTest, OutputShapeFollowsClassCount) {
  MobileNetV3 m = build_model(space.smallest(), kMnist, 7, 1);
  expect_output_shape(m, kMnist, 4, 7);
}

TEST_F(ModelTest, ModuleParametersEqualThePlansCount) {
  std::vector<Architecture> archs{space.smallest(), space.largest()};
  for (std::uint64_t seed = 1; seed <= 4; ++seed) {
    Rng rng(seed);
    archs.push_back(space.sample(rng));
  }
  for (const auto& a : archs) {
    for (const InputShape& in : {kCifar, kMnist}) {
      MobileNetV3 m = build_model(a, in, 10, 0);
      EXPECT_EQ(count_module_params(*m), count_params(plan_network(a, in, 10, space)))
          << space.canonical_string(a);
    }
  }
  MobileNetV3 min = build_model(space.smallest(), kCifar, 10, 0);
  EXPECT_EQ(count_module_params(*min), 188490);
}

TEST_F(ModelTest, ResidualBlocksMatchThePlan) {
  Architecture with_residual_stage4 = space.smallest();
  with_residual_stage4.set("width_3", 64);
  with_residual_stage4.set("width_4", 64);
  std::vector<Architecture> archs{space.largest(), with_residual_stage4};
  for (std::uint64_t seed = 10; seed < 14; ++seed) {
    Rng rng(seed);
    archs.push_back(space.sample(rng));
  }
  int residuals = 0;
  for (const auto& a : archs) {
    MobileNetV3 m = build_model(a, kCifar, 10, 0);
    const NetworkPlan& plan = m->plan();
    ASSERT_EQ(m->blocks().size(), plan.blocks.size());
    for (std::size_t i = 0; i < plan.blocks.size(); ++i) {
      EXPECT_EQ(m->blocks()[i]->residual(), plan.blocks[i].residual) << "block " << i;
      residuals += m->blocks()[i]->residual();
    }
  }
  EXPECT_GT(residuals, 0);
  MobileNetV3 m = build_model(with_residual_stage4, kCifar, 10, 0);
  EXPECT_TRUE(m->blocks()[3]->residual());   // stage 4, stride 1, 64 -> 64
  EXPECT_FALSE(m->blocks()[2]->residual());  // stage 3, stride 2
}

TEST_F(ModelTest, SqueezeExciteModulesExactlyWhereThePlanHasThem) {
  for (std::uint64_t seed = 20; seed < 24; ++seed) {
    Rng rng(seed);
    MobileNetV3 m = build_model(space.sample(rng), kCifar, 10, 0);
    std::map<std::string, bool> names;
    for (const auto& item : m->named_modules()) names[item.key()] = true;
    for (std::size_t i = 0; i < m->plan().blocks.size(); ++i) {
      EXPECT_EQ(names.count("block" + std::to_string(i) + ".se") > 0, m->plan().blocks[i].se)
          << "seed " << seed << " block " << i;
    }
  }
}

double std_of(const torch::Tensor& t) { return t.to(torch::kDouble).std().item<double>(); }

TEST_F(ModelTest, InitialisationFollowsNni) {
  MobileNetV3 m = build_model(space.smallest(), kCifar, 10, 3);
  int bns = 0, linears = 0;
  for (const auto& item : m->named_modules()) {
    if (auto* bn = item.value()->as<torch::nn::BatchNorm2d>()) {
      ++bns;
      EXPECT_TRUE(bn->weight.eq(1).all().item<bool>()) << item.key();
      EXPECT_TRUE(bn->bias.eq(0).all().item<bool>()) << item.key();
      EXPECT_DOUBLE_EQ(bn->options.eps(), 1e-3);
      EXPECT_DOUBLE_EQ(bn->options.momentum().value(), 0.1);
    } else if (auto* lin = item.value()->as<torch::nn::Linear>()) {
      ++linears;
      EXPECT_TRUE(lin->bias.eq(0).all().item<bool>()) << item.key();
    } else if (auto* conv = item.value()->as<torch::nn::Conv2d>()) {
      EXPECT_FALSE(conv->bias.defined()) << item.key() << ": convolutions have no bias";
    }
  }
  EXPECT_GT(bns, 0);
  EXPECT_GE(linears, 1);

  auto params = m->named_parameters();
  // final_conv: 1x1, 256 -> 512: std sqrt(2 / (1 * 1 * 512)) = 0.0625, 131k samples.
  const auto& fc = params["final_conv.weight"];
  ASSERT_EQ(fc.size(0), 512);
  EXPECT_NEAR(std_of(fc), std::sqrt(2.0 / 512), 0.02 * std::sqrt(2.0 / 512));
  EXPECT_NEAR(fc.mean().item<double>(), 0.0, 0.002);
  // head: 1x1, 128 -> 256: std sqrt(2 / 256).
  EXPECT_NEAR(std_of(params["head.conv.weight"]), std::sqrt(2.0 / 256),
              0.03 * std::sqrt(2.0 / 256));
  // classifier: N(0, 0.01), 5120 samples.
  EXPECT_NEAR(std_of(params["classifier.weight"]), 0.01, 0.0005);
}

TEST_F(ModelTest, DepthwiseConvInitUsesKernelAreaTimesOutputChannels) {
  Architecture a = space.largest();
  MobileNetV3 m = build_model(a, kCifar, 10, 4);
  auto params = m->named_parameters();
  // Block 19 (layer 21): hidden 512 * 6 = 3072 channels, 7x7 depthwise: std sqrt(2 / (49 * 3072)).
  const auto& w = params["block19.depthwise.conv.weight"];
  ASSERT_EQ(w.size(0), 3072);
  ASSERT_EQ(w.size(1), 1);
  ASSERT_EQ(w.size(2), 7);
  const double expected = std::sqrt(2.0 / (7 * 7 * 3072));
  EXPECT_NEAR(std_of(w), expected, 0.02 * expected);
}

TEST_F(ModelTest, SameSeedGivesIdenticalWeightsAndOtherSeedsDiffer) {
  Rng rng(5);
  const Architecture a = space.sample(rng);
  MobileNetV3 x = build_model(a, kCifar, 10, 42);
  MobileNetV3 y = build_model(a, kCifar, 10, 42);
  MobileNetV3 z = build_model(a, kCifar, 10, 43);
  auto px = x->named_parameters(), py = y->named_parameters(), pz = z->named_parameters();
  ASSERT_EQ(px.size(), py.size());
  bool any_differs = false;
  for (const auto& item : px) {
    EXPECT_TRUE(torch::equal(item.value(), py[item.key()])) << item.key();
    if (!torch::equal(item.value(), pz[item.key()])) any_differs = true;
  }
  EXPECT_TRUE(any_differs);
  EXPECT_FALSE(torch::equal(px["stem.conv.weight"], pz["stem.conv.weight"]));
  EXPECT_FALSE(torch::equal(px["classifier.weight"], pz["classifier.weight"]));
}

TEST_F(ModelTest, EvalModeIsDeterministicAndTrainingModeUsesDropout) {
  MobileNetV3 m = build_model(space.smallest(), kCifar, 10, 1);
  torch::NoGradGuard no_grad;
  auto x = torch::randn({4, 3, 32, 32});
  m->eval();
  EXPECT_TRUE(torch::equal(m->forward(x), m->forward(x)));
  m->set_dropout_generator(make_generator(torch::Device(torch::kCPU), 9));
  m->train();
  auto a = m->forward(x);
  auto b = m->forward(x);
  EXPECT_FALSE(torch::allclose(a, b));  // fresh dropout masks
}

/// A kernel wider than the input map is applied as its central taps; outputs and gradients must
/// equal those of the plain convolution, for stride 1 and 2 and odd and even map sizes.
TEST(ConvBnActKernelCrop, MatchesThePlainConvolutionAndItsGradients) {
  torch::manual_seed(0);
  struct Case {
    int size, kernel, stride;
  };
  for (const Case c : {Case{1, 7, 1}, Case{2, 7, 1}, Case{2, 5, 2}, Case{3, 7, 2}, Case{1, 3, 1}}) {
    const int ch = 6;
    const auto options = ConvBnActOptions(ch, ch, c.kernel)
                             .stride(c.stride)
                             .groups(ch)
                             .activation(Activation::kHardSwish);
    ConvBnAct plain(options);
    ConvBnAct cropped(ConvBnActOptions(options).in_height(c.size).in_width(c.size));
    EXPECT_EQ(cropped->effective_kernel().first, std::min(c.kernel, 2 * c.size - 1));
    {
      torch::NoGradGuard no_grad;
      auto src = plain->named_parameters();
      for (auto& p : cropped->named_parameters()) p.value().copy_(src[p.key()]);
    }
    auto x = torch::randn({4, ch, c.size, c.size});
    auto x1 = x.clone().requires_grad_(true), x2 = x.clone().requires_grad_(true);
    auto y1 = plain->forward(x1), y2 = cropped->forward(x2);
    ASSERT_EQ(y1.sizes(), y2.sizes());
    EXPECT_TRUE(torch::allclose(y1, y2, 1e-5, 1e-6)) << "size " << c.size << " kernel " << c.kernel;
    (y1 * y1).sum().backward();
    (y2 * y2).sum().backward();
    EXPECT_TRUE(torch::allclose(x1.grad(), x2.grad(), 1e-5, 1e-6));
    auto g1 = plain->named_parameters()["conv.weight"].grad();
    auto g2 = cropped->named_parameters()["conv.weight"].grad();
    EXPECT_TRUE(torch::allclose(g1, g2, 1e-5, 1e-6));
  }
}

// The names and shapes NNI 2.7's MobileNetV3Space has for one architecture (worked out from its
// source: tests/data/nni27_state_dict_keys.txt), against what model_state_dict.pt would hold.
TEST_F(ModelTest, NniStateDictHasTheOriginalNetworksNamesAndShapes) {
  Architecture a = space.largest();
  const int widths[] = {16, 16, 32, 64, 128, 256, 512, 1024};  // every multiplier 1.0
  for (int i = 0; i < 8; ++i) a.set("width_" + std::to_string(i), widths[i]);
  for (const auto& c : space.choices()) {
    if (c.label.rfind("exp_", 0) == 0) a.set(c.label, 4);
    if (c.label.rfind("ks_", 0) == 0) a.set(c.label, 3);
    if (c.label.rfind("depth_", 0) == 0) a.set(c.label, 2);
  }
  auto model = build_model(a, kCifar, 10, 1, space);
  std::map<std::string, std::vector<std::int64_t>> ours;
  for (const auto& [name, t] : nni27_state_dict(model)) {
    EXPECT_TRUE(t.is_contiguous()) << name;
    ours[name] = t.sizes().vec();
  }

  std::ifstream in(std::string(NAS_SOURCE_DIR) + "/tests/data/nni27_state_dict_keys.txt");
  ASSERT_TRUE(in) << "tests/data/nni27_state_dict_keys.txt";
  std::map<std::string, std::vector<std::int64_t>> nni;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string name;
    fields >> name;
    std::vector<std::int64_t> shape;
    for (std::string tok; fields >> tok;) {
      tok.erase(std::remove_if(tok.begin(), tok.end(),
                               [](char ch) { return ch == '[' || ch == ']' || ch == ','; }),
                tok.end());
      if (!tok.empty()) shape.push_back(std::stoll(tok));
    }
    nni[name] = shape;
  }
  EXPECT_EQ(nni.size(), 231u);
  EXPECT_EQ(ours, nni);
  EXPECT_EQ(count_params(model->plan()), 2502746);  // the list's own total
}

// Python's torch.load, by default weights_only since PyTorch 2.6, refuses TorchScript's type
// tags (scripts/peer/nni-parity.sh loads the real files so); the file must carry none, and read
// back as the same tensors.
TEST_F(ModelTest, StateDictFileCarriesNoTypeTagAndReadsBack) {
  auto model = build_model(space.smallest(), kCifar, 10, 1, space);
  const std::vector<char> bytes = nni27_state_dict_file(model);
  const std::string text(bytes.begin(), bytes.end());
  EXPECT_EQ(text.find("restore_type_tag"), std::string::npos);
  const c10::IValue back = torch::pickle_load(bytes);
  ASSERT_TRUE(back.isGenericDict());
  const auto expected = nni27_state_dict(model);
  const auto dict = back.toGenericDict();
  ASSERT_EQ(dict.size(), expected.size());
  for (const auto& [name, tensor] : expected) {
    ASSERT_TRUE(dict.contains(name)) << name;
    EXPECT_TRUE(torch::equal(dict.at(name).toTensor(), tensor)) << name;
  }
}

}  // namespace
}  // namespace nas
