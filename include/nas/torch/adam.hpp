#pragma once
// Adam as the original used it (torch.optim.Adam: lr 1e-3, betas 0.9/0.999, eps 1e-8, no weight
// decay), with the update of each CPU parameter done in one pass over its memory. LibTorch's
// Adam runs about seven element-wise ops per parameter, each a full pass with temporaries; for
// the SE-heavy networks of this space that was about 40 % of a CPU training step.
// Parameters on other devices, or whose gradient is laid out differently, take LibTorch's ops.
#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace nas {

struct AdamOptions {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
};

/// What Adam carries from step to step: enough to continue a training exactly.
struct AdamState {
  std::int64_t step = 0;
  std::vector<torch::Tensor> exp_avg;
  std::vector<torch::Tensor> exp_avg_sq;
};

class Adam {
 public:
  Adam(std::vector<torch::Tensor> params, AdamOptions options = {});
  void zero_grad();
  void step();
  std::int64_t steps() const { return step_; }
  /// The moments (as they are, not copies) and the step count.
  AdamState state() const { return {step_, exp_avg_, exp_avg_sq_}; }
  /// Continues from `state`; throws InputError when it does not match the parameters.
  void load_state(const AdamState& state);

 private:
  std::vector<torch::Tensor> params_;
  std::vector<torch::Tensor> exp_avg_;
  std::vector<torch::Tensor> exp_avg_sq_;
  AdamOptions options_;
  std::int64_t step_ = 0;
};

}  // namespace nas
