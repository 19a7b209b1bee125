#include "nas/torch/adam.hpp"

#include <ATen/Parallel.h>

#include <cmath>

#include "nas/core/common/error.hpp"

namespace nas {
namespace {

/// Whether the one-pass loop can treat param, grad and both moments as one flat float array.
bool fusable(const torch::Tensor& p, const torch::Tensor& g, const torch::Tensor& m,
             const torch::Tensor& v) {
  return p.device().is_cpu() && p.scalar_type() == torch::kFloat &&
         g.scalar_type() == torch::kFloat && p.is_non_overlapping_and_dense() &&
         p.strides() == g.strides() && p.strides() == m.strides() && p.strides() == v.strides();
}

}  // namespace

Adam::Adam(std::vector<torch::Tensor> params, AdamOptions options)
    : params_(std::move(params)), options_(options) {
  for (const auto& p : params_) {
    // empty_like keeps the parameter's memory format, so moments share its layout.
    exp_avg_.push_back(torch::zeros_like(p, torch::MemoryFormat::Preserve));
    exp_avg_sq_.push_back(torch::zeros_like(p, torch::MemoryFormat::Preserve));
  }
}

void Adam::load_state(const AdamState& s) {
  if (s.exp_avg.size() != params_.size() || s.exp_avg_sq.size() != params_.size()) {
    throw InputError("optimizer state: " + std::to_string(s.exp_avg.size()) + " moments for " +
                     std::to_string(params_.size()) + " parameters");
  }
  torch::NoGradGuard no_grad;
  for (std::size_t i = 0; i < params_.size(); ++i) {
    if (!s.exp_avg[i].sizes().equals(params_[i].sizes()) ||
        !s.exp_avg_sq[i].sizes().equals(params_[i].sizes())) {
      throw InputError("optimizer state: moment " + std::to_string(i) +
                       " does not match its parameter's shape");
    }
    exp_avg_[i].copy_(s.exp_avg[i]);
    exp_avg_sq_[i].copy_(s.exp_avg_sq[i]);
  }
  step_ = s.step;
}

void Adam::zero_grad() {
  for (auto& p : params_) {
    if (p.grad().defined()) {
      p.grad().detach_();
      p.grad().zero_();
    }
  }
}

void Adam::step() {
  torch::NoGradGuard no_grad;
  ++step_;
  const double b1 = options_.beta1, b2 = options_.beta2;
  const double bc1 = 1.0 - std::pow(b1, static_cast<double>(step_));
  const double bc2 = 1.0 - std::pow(b2, static_cast<double>(step_));
  const double step_size = options_.lr / bc1;
  const double bc2_sqrt = std::sqrt(bc2);
  for (std::size_t i = 0; i < params_.size(); ++i) {
    auto& p = params_[i];
    const auto& g = p.grad();
    if (!g.defined()) continue;
    auto& m = exp_avg_[i];
    auto& v = exp_avg_sq_[i];
    if (!fusable(p, g, m, v)) {
      m.mul_(b1).add_(g, 1.0 - b1);
      v.mul_(b2).addcmul_(g, g, 1.0 - b2);
      auto denom = (v.sqrt() / bc2_sqrt).add_(options_.eps);
      p.addcdiv_(m, denom, -step_size);
      continue;
    }
    float* pp = p.data_ptr<float>();
    const float* gp = g.data_ptr<float>();
    float* mp = m.data_ptr<float>();
    float* vp = v.data_ptr<float>();
    const float fb1 = static_cast<float>(b1), fb2 = static_cast<float>(b2);
    const float f1b1 = static_cast<float>(1.0 - b1), f1b2 = static_cast<float>(1.0 - b2);
    const float fsqrt = static_cast<float>(bc2_sqrt), feps = static_cast<float>(options_.eps);
    const float fstep = static_cast<float>(step_size);
    at::parallel_for(0, p.numel(), 1 << 15, [&](std::int64_t begin, std::int64_t end) {
      for (std::int64_t k = begin; k < end; ++k) {
        const float gk = gp[k];
        const float mk = mp[k] * fb1 + gk * f1b1;
        const float vk = vp[k] * fb2 + gk * gk * f1b2;
        mp[k] = mk;
        vp[k] = vk;
        pp[k] -= fstep * mk / (std::sqrt(vk) / fsqrt + feps);
      }
    });
  }
}

}  // namespace nas
