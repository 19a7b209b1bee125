#include "nas/torch/export_sample.hpp"

#include "nas/torch/device.hpp"

namespace nas {
namespace {

std::vector<float> values_of(const torch::Tensor& t) {
  const torch::Tensor c = t.to(torch::kCPU).to(torch::kFloat).contiguous();
  return {c.data_ptr<float>(), c.data_ptr<float>() + c.numel()};
}

}  // namespace

ExportSample export_sample(MobileNetV3& model, int batch, std::uint64_t seed) {
  const NetworkPlan& plan = model->plan();
  const bool was_training = model->is_training();
  model->eval();
  torch::NoGradGuard no_grad;
  const auto generator = make_generator(torch::Device(torch::kCPU), seed);
  const torch::Tensor input =
      torch::randn({batch, plan.input.channels, plan.input.height, plan.input.width}, generator);
  const torch::Tensor logits = model->forward(input);
  model->train(was_training);
  ExportSample s;
  s.input_shape.assign(input.sizes().begin(), input.sizes().end());
  s.input = values_of(input);
  s.output_shape.assign(logits.sizes().begin(), logits.sizes().end());
  s.output = values_of(logits);
  return s;
}

}  // namespace nas
