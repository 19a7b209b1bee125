#include "nas/torch/adam.hpp"

#include <gtest/gtest.h>

namespace nas {
namespace {

/// Runs `steps` updates of both optimizers on copies of the same parameters and gradients.
void expect_same_as_libtorch(std::vector<torch::Tensor> init, int steps, double lr) {
  std::vector<torch::Tensor> a, b;
  for (const auto& t : init) {
    a.push_back(t.clone(t.suggest_memory_format()).requires_grad_(true));
    b.push_back(t.clone(t.suggest_memory_format()).requires_grad_(true));
  }
  Adam ours(a, AdamOptions{lr});
  torch::optim::Adam theirs(b, torch::optim::AdamOptions(lr));
  torch::manual_seed(3);
  for (int s = 0; s < steps; ++s) {
    ours.zero_grad();
    theirs.zero_grad();
    for (std::size_t i = 0; i < init.size(); ++i) {
      auto target = torch::randn_like(init[i]);
      ((a[i] - target) * (a[i] - target)).sum().backward();
      ((b[i] - target) * (b[i] - target)).sum().backward();
    }
    ours.step();
    theirs.step();
  }
  for (std::size_t i = 0; i < init.size(); ++i) {
    EXPECT_TRUE(torch::allclose(a[i], b[i], 1e-5, 1e-6))
        << "parameter " << i << " max diff " << (a[i] - b[i]).abs().max().item<float>();
  }
}

TEST(Adam, MatchesLibTorchsAdamOnContiguousParameters) {
  torch::manual_seed(1);
  expect_same_as_libtorch({torch::randn({100}), torch::randn({8, 4, 3, 3}), torch::randn({1})}, 20,
                          1e-3);
}

TEST(Adam, MatchesLibTorchsAdamOnChannelsLastParameters) {
  torch::manual_seed(2);
  expect_same_as_libtorch(
      {torch::randn({16, 8, 3, 3}).contiguous(torch::MemoryFormat::ChannelsLast)}, 10, 1e-2);
}

TEST(Adam, SkipsParametersWithoutGradients) {
  auto p = torch::ones({3}).requires_grad_(true);
  Adam opt({p});
  opt.step();
  EXPECT_TRUE(torch::equal(p, torch::ones({3})));
}

}  // namespace
}  // namespace nas
