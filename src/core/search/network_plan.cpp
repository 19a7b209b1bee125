#include "nas/core/search/network_plan.hpp"

#include <cmath>

namespace nas {

int conv_out_size(int in, int kernel, int stride) {
  return (in + 2 * (kernel / 2) - kernel) / stride + 1;
}

NetworkPlan plan_network(const Architecture& arch, const InputShape& input, int classes,
                         const MobileNetV3Space& space) {
  NetworkPlan plan;
  plan.input = input;
  plan.classes = classes;
  auto width = [&](int i) { return arch.at("width_" + std::to_string(i)); };
  plan.stem_channels = width(0);
  plan.stem_kernel = arch.at("ks_0");
  plan.stem_size[0] = conv_out_size(input.height, plan.stem_kernel, 2);
  plan.stem_size[1] = conv_out_size(input.width, plan.stem_kernel, 2);

  int channels = plan.stem_channels;
  int h = plan.stem_size[0], w = plan.stem_size[1];
  for (int s = 1; s <= MobileNetV3Space::kStages; ++s) {
    const int out = width(s);
    const int depth = arch.at("depth_" + std::to_string(s));
    for (int j = 0; j < depth; ++j) {
      BlockPlan b;
      b.stage = s;
      b.layer = MobileNetV3Space::layer_number(s, j);
      const std::string n = std::to_string(b.layer);
      b.in_channels = channels;
      b.hidden = static_cast<int>(std::lround(channels * static_cast<double>(arch.at("exp_" + n))));
      b.out_channels = out;
      b.kernel = arch.at("ks_" + n);
      b.stride = j == 0 ? kStageStrides[s - 1] : 1;
      b.se = space.stage_has_se(s) && arch.at("se_" + n) == 1;
      b.se_channels = b.se ? make_divisible(b.hidden / 4) : 0;
      b.residual = b.stride == 1 && b.in_channels == b.out_channels;
      b.activation = kStageActivations[s - 1];
      b.in_size[0] = h;
      b.in_size[1] = w;
      h = conv_out_size(h, b.kernel, b.stride);
      w = conv_out_size(w, b.kernel, b.stride);
      b.out_size[0] = h;
      b.out_size[1] = w;
      plan.blocks.push_back(b);
      channels = out;
    }
  }
  plan.head_channels = width(6);
  plan.final_channels = width(7);
  return plan;
}

namespace {

std::int64_t conv_params(std::int64_t in, std::int64_t out, std::int64_t k, std::int64_t groups) {
  return out * (in / groups) * k * k;
}
std::int64_t bn_params(std::int64_t c) { return 2 * c; }
std::int64_t linear_params(std::int64_t in, std::int64_t out) { return in * out + out; }
std::int64_t conv_macs(std::int64_t in, std::int64_t out, std::int64_t k, std::int64_t groups,
                       const int size[2]) {
  return conv_params(in, out, k, groups) * size[0] * size[1];
}

}  // namespace

std::int64_t count_params(const NetworkPlan& p) {
  const std::int64_t c0 = p.stem_channels;
  std::int64_t n = conv_params(p.input.channels, c0, p.stem_kernel, 1) + bn_params(c0);
  n += conv_params(c0, c0, 3, c0) + bn_params(c0) + conv_params(c0, c0, 1, 1) + bn_params(c0);
  std::int64_t last = c0;
  for (const auto& b : p.blocks) {
    n += conv_params(b.in_channels, b.hidden, 1, 1) + bn_params(b.hidden);
    n += conv_params(b.hidden, b.hidden, b.kernel, b.hidden) + bn_params(b.hidden);
    if (b.se) n += linear_params(b.hidden, b.se_channels) + linear_params(b.se_channels, b.hidden);
    n += conv_params(b.hidden, b.out_channels, 1, 1) + bn_params(b.out_channels);
    last = b.out_channels;
  }
  n += conv_params(last, p.head_channels, 1, 1) + bn_params(p.head_channels);
  n += conv_params(p.head_channels, p.final_channels, 1, 1);
  n += linear_params(p.final_channels, p.classes);
  return n;
}

std::int64_t count_macs(const NetworkPlan& p) {
  const std::int64_t c0 = p.stem_channels;
  std::int64_t m = conv_macs(p.input.channels, c0, p.stem_kernel, 1, p.stem_size);
  m += conv_macs(c0, c0, 3, c0, p.stem_size) + conv_macs(c0, c0, 1, 1, p.stem_size);
  std::int64_t last = c0;
  int size[2] = {p.stem_size[0], p.stem_size[1]};
  for (const auto& b : p.blocks) {
    m += conv_macs(b.in_channels, b.hidden, 1, 1, b.in_size);
    m += conv_macs(b.hidden, b.hidden, b.kernel, b.hidden, b.out_size);
    if (b.se) m += 2LL * b.hidden * b.se_channels;
    m += conv_macs(b.hidden, b.out_channels, 1, 1, b.out_size);
    last = b.out_channels;
    size[0] = b.out_size[0];
    size[1] = b.out_size[1];
  }
  m += conv_macs(last, p.head_channels, 1, 1, size);
  m += static_cast<std::int64_t>(p.head_channels) * p.final_channels;
  m += static_cast<std::int64_t>(p.final_channels) * p.classes;
  return m;
}

}  // namespace nas
