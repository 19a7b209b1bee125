#include "torch/depthwise.hpp"

#include <gtest/gtest.h>

namespace nas {
namespace {

struct Case {
  int n, c, h, w, kh, kw, stride;
};

/// LibTorch's conv2d and depthwise_conv2d on the same data: outputs and both gradients.
void expect_same_as_libtorch(const Case& k) {
  torch::manual_seed(k.c * 31 + k.h);
  const auto cl = torch::MemoryFormat::ChannelsLast;
  const torch::Tensor x0 = torch::randn({k.n, k.c, k.h, k.w}).contiguous(cl);
  const torch::Tensor w0 = torch::randn({k.c, 1, k.kh, k.kw});
  const torch::Tensor x1 = x0.clone().requires_grad_(), w1 = w0.clone().requires_grad_();
  const torch::Tensor x2 = x0.clone().requires_grad_(), w2 = w0.clone().requires_grad_();
  ASSERT_TRUE(depthwise_handles(x1, w1));

  const torch::Tensor ours = depthwise_conv2d(x1, w1, k.stride, k.kh / 2, k.kw / 2);
  const torch::Tensor theirs =
      torch::nn::functional::conv2d(x2, w2,
                                    torch::nn::functional::Conv2dFuncOptions()
                                        .stride(k.stride)
                                        .padding(std::vector<std::int64_t>{k.kh / 2, k.kw / 2})
                                        .groups(k.c));
  ASSERT_EQ(ours.sizes(), theirs.sizes());
  EXPECT_TRUE(ours.is_contiguous(cl));
  EXPECT_TRUE(torch::allclose(ours, theirs, 1e-4, 1e-4));
  const torch::Tensor g = torch::randn_like(theirs);
  (ours * g).sum().backward();
  (theirs * g).sum().backward();
  EXPECT_TRUE(torch::allclose(x1.grad(), x2.grad(), 1e-4, 1e-4));
  EXPECT_TRUE(torch::allclose(w1.grad(), w2.grad(), 1e-3, 1e-3))
      << (w1.grad() - w2.grad()).abs().max().item<float>();
}

TEST(Depthwise, EqualsLibTorchForTheSpacesKernelsStridesAndMaps) {
  for (const Case& k :
       {Case{4, 24, 16, 16, 3, 3, 1}, Case{4, 16, 16, 16, 5, 5, 2}, Case{3, 80, 8, 8, 7, 7, 1},
        Case{2, 96, 7, 7, 5, 5, 2}, Case{5, 1920, 2, 2, 3, 3, 1}, Case{2, 40, 1, 1, 1, 1, 1},
        Case{2, 33, 9, 5, 3, 5, 2}}) {
    SCOPED_TRACE(testing::Message() << "c " << k.c << " map " << k.h << "x" << k.w << " kernel "
                                    << k.kh << "x" << k.kw << " stride " << k.stride);
    expect_same_as_libtorch(k);
  }
}

TEST(Depthwise, ACroppedWeightViewPassesItsGradientToTheFullWeight) {
  // As ConvBnAct applies a 7x7 kernel on a 2x2 map: its central 3x3 taps, a view of the weight.
  const torch::Tensor full = torch::randn({8, 1, 7, 7}).requires_grad_();
  const torch::Tensor x = torch::randn({2, 8, 2, 2}).contiguous(torch::MemoryFormat::ChannelsLast);
  depthwise_conv2d(x, full.narrow(2, 2, 3).narrow(3, 2, 3), 1, 1, 1).sum().backward();
  ASSERT_TRUE(full.grad().defined());
  EXPECT_EQ(full.grad().narrow(2, 0, 2).abs().sum().item<float>(), 0.0f);
  EXPECT_GT(full.grad().narrow(2, 2, 3).narrow(3, 2, 3).abs().sum().item<float>(), 0.0f);
}

TEST(Depthwise, OtherLayoutsAndTypesGoToLibTorch) {
  const torch::Tensor w = torch::randn({8, 1, 3, 3});
  EXPECT_FALSE(depthwise_handles(torch::randn({2, 8, 5, 5}), w));  // NCHW
  EXPECT_FALSE(depthwise_handles(
      torch::randn({2, 8, 5, 5}, torch::kDouble).contiguous(torch::MemoryFormat::ChannelsLast),
      w.to(torch::kDouble)));
  const torch::Tensor x = torch::randn({2, 8, 5, 5});
  const torch::Tensor y = depthwise_conv2d(x, w, 1, 1, 1);
  EXPECT_TRUE(
      torch::allclose(y,
                      torch::nn::functional::conv2d(
                          x, w, torch::nn::functional::Conv2dFuncOptions().padding(1).groups(8)),
                      1e-5, 1e-5));
}

}  // namespace
}  // namespace nas
