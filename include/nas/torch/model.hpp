#pragma once
// The MobileNetV3 network of an Architecture (the original's, as NNI 2.7 builds it: checked by
// scripts/peer/nni-parity.sh), as LibTorch modules built from a NetworkPlan, with NNI's
// initialisation.
#include <torch/torch.h>

#include <cstdint>

#include "nas/core/search/network_plan.hpp"

namespace nas {

/// A ConvBnAct layer: conv `in` -> `out` channels with a `kernel` x `kernel` window, and what the
/// caller may change from a plain 1x1 (stride, groups, the activation, the input's size).
struct ConvBnActOptions {
  ConvBnActOptions(int in, int out, int kernel) : in_(in), out_(out), kernel_(kernel) {}
  TORCH_ARG(int, in);
  TORCH_ARG(int, out);
  TORCH_ARG(int, kernel);
  TORCH_ARG(int, stride) = 1;
  TORCH_ARG(int, groups) = 1;
  /// false: BatchNorm's output is the layer's (the projection of an inverted residual).
  TORCH_ARG(bool, act) = true;
  TORCH_ARG(Activation, activation) = Activation::kReLU;
  /// The input's spatial size, which lets a kernel wider than the map be cropped; 0: unknown.
  TORCH_ARG(int, in_height) = 0;
  TORCH_ARG(int, in_width) = 0;
};

/// conv (no bias) -> BatchNorm -> optional activation.
///
/// Given the input's spatial size, a kernel wider than 2 * size - 1 is applied as its central
/// (2 * size - 1) taps: the outer taps only ever meet zero padding, so the output and the
/// gradients are the same, but LibTorch's CPU kernels run a 7x7 depthwise conv on a 1x1 map
/// hundreds of times slower than a 1x1 one. The full weight stays the parameter.
class ConvBnActImpl : public torch::nn::Module {
 public:
  explicit ConvBnActImpl(const ConvBnActOptions& options);
  torch::Tensor forward(torch::Tensor x);
  /// The kernel size actually applied (height, width).
  std::pair<int, int> effective_kernel() const { return {kernel_h_, kernel_w_}; }
  /// Applies the whole kernel even where it only meets padding: for `nas bench --without crop`,
  /// which measures what the cropping gains.
  void use_full_kernel() { kernel_h_ = kernel_w_ = kernel_; }
  /// Depthwise convolutions through LibTorch (oneDNN) instead of depthwise.hpp's, on CPU in
  /// channels-last: for `nas bench --without dw`.
  void use_library_depthwise() { own_depthwise_ = false; }

 private:
  torch::nn::Conv2d conv_{nullptr};
  torch::nn::BatchNorm2d bn_{nullptr};
  bool act_;
  Activation activation_;
  int kernel_, stride_, groups_, kernel_h_, kernel_w_;
  bool own_depthwise_ = true;
};
TORCH_MODULE(ConvBnAct);

/// Squeeze-and-excite: pool, Linear(c -> s), ReLU, Linear(s -> c), sigmoid, scale.
class SqueezeExciteImpl : public torch::nn::Module {
 public:
  SqueezeExciteImpl(int channels, int squeezed);
  torch::Tensor forward(torch::Tensor x);

 private:
  torch::nn::Linear fc1_{nullptr}, fc2_{nullptr};
};
TORCH_MODULE(SqueezeExcite);

/// 1x1 expand, k x k depthwise, optional SE, 1x1 project; residual add where shapes allow.
class InvertedResidualImpl : public torch::nn::Module {
 public:
  explicit InvertedResidualImpl(const BlockPlan& plan);
  torch::Tensor forward(torch::Tensor x);
  bool residual() const { return residual_; }

 private:
  ConvBnAct expand_{nullptr}, depthwise_{nullptr}, project_{nullptr};
  SqueezeExcite se_{nullptr};
  bool residual_;
};
TORCH_MODULE(InvertedResidual);

class MobileNetV3Impl : public torch::nn::Module {
 public:
  explicit MobileNetV3Impl(const NetworkPlan& plan);
  torch::Tensor forward(torch::Tensor x);
  const NetworkPlan& plan() const { return plan_; }
  /// The inverted-residual layers in order (for tests of the residual rule).
  const std::vector<InvertedResidual>& blocks() const { return blocks_; }
  /// NNI's reset_parameters, drawing from `generator`.
  void reset_parameters(at::Generator generator);
  /// Switches weights and activations to channels-last memory format (call after moving the
  /// model to its device). A 1-channel input is both NCHW and channels-last, and LibTorch then
  /// keeps NCHW for everything after it, so the stem's output is converted explicitly
  /// (`convert_after_stem` false only to measure that: `nas bench --without stem-cl`).
  void use_channels_last(bool convert_after_stem = true);
  /// Every convolution applies its whole kernel (ConvBnActImpl::use_full_kernel).
  void use_full_kernels();
  /// Every depthwise convolution goes through LibTorch (ConvBnActImpl::use_library_depthwise).
  void use_library_depthwise();
  /// Dropout draws its masks from this generator (seeded per trial) instead of the global one.
  void set_dropout_generator(at::Generator generator) { dropout_generator_ = std::move(generator); }

 private:
  NetworkPlan plan_;
  ConvBnAct stem_{nullptr}, separable_dw_{nullptr}, separable_pw_{nullptr}, head_{nullptr};
  std::vector<InvertedResidual> blocks_;
  torch::nn::Conv2d final_conv_{nullptr};
  torch::nn::Linear classifier_{nullptr};
  c10::optional<at::Generator> dropout_generator_;
  bool channels_last_ = false;
  bool convert_after_stem_ = true;
};
TORCH_MODULE(MobileNetV3);

/// The stem, the separable conv after it and the head conv as MobileNetV3Impl builds them (`in`:
/// the channels entering the head), so that timing them apart (latency_measure.cpp) times the
/// same layers.
ConvBnActOptions stem_options(const NetworkPlan& plan);
ConvBnActOptions separable_dw_options(const NetworkPlan& plan);
ConvBnActOptions separable_pw_options(const NetworkPlan& plan);
ConvBnActOptions head_options(int in, const NetworkPlan& plan);

/// Every parameter and buffer under the name NNI 2.7's MobileNetV3Space gives it
/// (nni27_names.hpp), on CPU, contiguous: what model_state_dict.pt holds, so Python's
/// load_state_dict accepts it in the original's network.
std::vector<std::pair<std::string, torch::Tensor>> nni27_state_dict(MobileNetV3& model);
/// The bytes of a file that Python's torch.load reads as `value` (a dict of tensors, say) with
/// its default weights_only=True, and torch::pickle_load too.
std::vector<char> torch_load_file(const c10::IValue& value);
/// nni27_state_dict as the bytes of a model_state_dict.pt: a dict of named tensors.
std::vector<char> nni27_state_dict_file(MobileNetV3& model);

/// Builds the network for `arch` and initialises it from `seed` (on CPU; move it afterwards).
MobileNetV3 build_model(const Architecture& arch, const InputShape& input, int classes,
                        std::uint64_t seed, const MobileNetV3Space& space = MobileNetV3Space());

/// Counted from the module's tensors (tests compare it with count_params on the plan).
std::int64_t count_module_params(torch::nn::Module& module);

}  // namespace nas
