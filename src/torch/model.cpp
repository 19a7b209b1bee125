#include "nas/torch/model.hpp"

#include <caffe2/serialize/inline_container.h>
#include <torch/csrc/jit/serialization/export.h>
#include <torch/csrc/jit/serialization/pickler.h>

#include <algorithm>
#include <cmath>

#include "nas/core/search/nni27_names.hpp"
#include "nas/torch/device.hpp"
#include "torch/depthwise.hpp"

namespace nas {
namespace {

int effective_kernel_size(int kernel, int in_size) {
  return in_size > 0 ? std::min(kernel, 2 * in_size - 1) : kernel;
}

torch::Tensor activate(const torch::Tensor& x, Activation a) {
  return a == Activation::kReLU ? torch::relu(x) : torch::hardswish(x);
}

}  // namespace

ConvBnActImpl::ConvBnActImpl(const ConvBnActOptions& o)
    : act_(o.act()),
      activation_(o.activation()),
      kernel_(o.kernel()),
      stride_(o.stride()),
      groups_(o.groups()),
      kernel_h_(effective_kernel_size(o.kernel(), o.in_height())),
      kernel_w_(effective_kernel_size(o.kernel(), o.in_width())) {
  conv_ = register_module("conv",
                          torch::nn::Conv2d(torch::nn::Conv2dOptions(o.in(), o.out(), o.kernel())
                                                .stride(o.stride())
                                                .padding(o.kernel() / 2)
                                                .groups(o.groups())
                                                .bias(false)));
  bn_ = register_module(
      "bn", torch::nn::BatchNorm2d(torch::nn::BatchNorm2dOptions(o.out()).eps(1e-3).momentum(0.1)));
}

torch::Tensor ConvBnActImpl::forward(torch::Tensor x) {
  const bool cropped = kernel_h_ < kernel_ || kernel_w_ < kernel_;
  const torch::Tensor w = cropped ? conv_->weight.narrow(2, (kernel_ - kernel_h_) / 2, kernel_h_)
                                        .narrow(3, (kernel_ - kernel_w_) / 2, kernel_w_)
                                  : conv_->weight;
  if (own_depthwise_ && groups_ > 1 && depthwise_handles(x, w)) {
    x = depthwise_conv2d(x, w, stride_, kernel_h_ / 2, kernel_w_ / 2);
  } else if (cropped) {
    x = torch::nn::functional::conv2d(
        x, w,
        torch::nn::functional::Conv2dFuncOptions()
            .stride(stride_)
            .padding(std::vector<int64_t>{kernel_h_ / 2, kernel_w_ / 2})
            .groups(groups_));
  } else {
    x = conv_(x);
  }
  x = bn_(x);
  return act_ ? activate(x, activation_) : x;
}

SqueezeExciteImpl::SqueezeExciteImpl(int channels, int squeezed) {
  fc1_ = register_module("fc1", torch::nn::Linear(channels, squeezed));
  fc2_ = register_module("fc2", torch::nn::Linear(squeezed, channels));
}

torch::Tensor SqueezeExciteImpl::forward(torch::Tensor x) {
  auto s = x.mean({2, 3});
  s = torch::sigmoid(fc2_(torch::relu(fc1_(s))));
  return x * s.unsqueeze(-1).unsqueeze(-1);
}

InvertedResidualImpl::InvertedResidualImpl(const BlockPlan& p) : residual_(p.residual) {
  expand_ = register_module(
      "expand", ConvBnAct(ConvBnActOptions(p.in_channels, p.hidden, 1).activation(p.activation)));
  depthwise_ = register_module("depthwise", ConvBnAct(ConvBnActOptions(p.hidden, p.hidden, p.kernel)
                                                          .stride(p.stride)
                                                          .groups(p.hidden)
                                                          .activation(p.activation)
                                                          .in_height(p.in_size[0])
                                                          .in_width(p.in_size[1])));
  if (p.se) se_ = register_module("se", SqueezeExcite(p.hidden, p.se_channels));
  project_ = register_module("project",
                             ConvBnAct(ConvBnActOptions(p.hidden, p.out_channels, 1).act(false)));
}

torch::Tensor InvertedResidualImpl::forward(torch::Tensor x) {
  auto y = depthwise_(expand_(x));
  if (se_) y = se_(y);
  y = project_(y);
  return residual_ ? y + x : y;
}

ConvBnActOptions stem_options(const NetworkPlan& p) {
  return ConvBnActOptions(p.input.channels, p.stem_channels, p.stem_kernel)
      .stride(2)
      .activation(Activation::kHardSwish)
      .in_height(p.input.height)
      .in_width(p.input.width);
}

ConvBnActOptions separable_dw_options(const NetworkPlan& p) {
  const int c0 = p.stem_channels;
  return ConvBnActOptions(c0, c0, 3).groups(c0).in_height(p.stem_size[0]).in_width(p.stem_size[1]);
}

ConvBnActOptions separable_pw_options(const NetworkPlan& p) {
  return ConvBnActOptions(p.stem_channels, p.stem_channels, 1).act(false);
}

ConvBnActOptions head_options(int in, const NetworkPlan& p) {
  return ConvBnActOptions(in, p.head_channels, 1).activation(Activation::kHardSwish);
}

MobileNetV3Impl::MobileNetV3Impl(const NetworkPlan& plan) : plan_(plan) {
  stem_ = register_module("stem", ConvBnAct(stem_options(plan)));
  separable_dw_ = register_module("separable_dw", ConvBnAct(separable_dw_options(plan)));
  separable_pw_ = register_module("separable_pw", ConvBnAct(separable_pw_options(plan)));
  int last = plan.stem_channels;
  for (std::size_t i = 0; i < plan.blocks.size(); ++i) {
    blocks_.push_back(
        register_module("block" + std::to_string(i), InvertedResidual(plan.blocks[i])));
    last = plan.blocks[i].out_channels;
  }
  head_ = register_module("head", ConvBnAct(head_options(last, plan)));
  final_conv_ = register_module(
      "final_conv",
      torch::nn::Conv2d(
          torch::nn::Conv2dOptions(plan.head_channels, plan.final_channels, 1).bias(false)));
  classifier_ = register_module("classifier", torch::nn::Linear(plan.final_channels, plan.classes));
}

void MobileNetV3Impl::use_channels_last(bool convert_after_stem) {
  torch::NoGradGuard no_grad;
  for (auto& p : parameters()) {
    if (p.dim() == 4) p.set_data(p.contiguous(torch::MemoryFormat::ChannelsLast));
  }
  channels_last_ = true;
  convert_after_stem_ = convert_after_stem;
}

void MobileNetV3Impl::use_full_kernels() {
  for (auto& m : modules(/*include_self=*/false)) {
    if (auto* c = m->as<ConvBnActImpl>()) c->use_full_kernel();
  }
}

void MobileNetV3Impl::use_library_depthwise() {
  for (auto& m : modules(/*include_self=*/false)) {
    if (auto* c = m->as<ConvBnActImpl>()) c->use_library_depthwise();
  }
}

torch::Tensor MobileNetV3Impl::forward(torch::Tensor x) {
  x = stem_(x);
  if (channels_last_ && convert_after_stem_) x = x.contiguous(torch::MemoryFormat::ChannelsLast);
  x = separable_pw_(separable_dw_(x)) + x;
  for (auto& b : blocks_) x = b(x);
  x = head_(x);
  x = x.mean({2, 3}, /*keepdim=*/true);
  x = torch::hardswish(final_conv_(x)).flatten(1);
  if (is_training() && plan_.dropout > 0) {
    const double keep = 1.0 - plan_.dropout;
    auto mask = torch::empty_like(x).bernoulli_(keep, dropout_generator_);
    x = x * mask / keep;
  }
  return classifier_(x);
}

void MobileNetV3Impl::reset_parameters(at::Generator generator) {
  torch::NoGradGuard no_grad;
  for (auto& m : modules(/*include_self=*/false)) {
    if (auto* conv = m->as<torch::nn::Conv2d>()) {
      const auto& w = conv->weight;
      const double fan_out = static_cast<double>(w.size(0) * w.size(2) * w.size(3));
      w.normal_(0.0, std::sqrt(2.0 / fan_out), generator);
      if (conv->bias.defined()) conv->bias.zero_();
    } else if (auto* bn = m->as<torch::nn::BatchNorm2d>()) {
      bn->weight.fill_(1.0);
      bn->bias.zero_();
    } else if (auto* linear = m->as<torch::nn::Linear>()) {
      linear->weight.normal_(0.0, 0.01, generator);
      linear->bias.zero_();
    }
  }
}

MobileNetV3 build_model(const Architecture& arch, const InputShape& input, int classes,
                        std::uint64_t seed, const MobileNetV3Space& space) {
  MobileNetV3 model(plan_network(arch, input, classes, space));
  model->reset_parameters(make_generator(torch::Device(torch::kCPU), seed));
  return model;
}

std::int64_t count_module_params(torch::nn::Module& module) {
  std::int64_t n = 0;
  for (const auto& p : module.parameters()) n += p.numel();
  return n;
}

std::vector<std::pair<std::string, torch::Tensor>> nni27_state_dict(MobileNetV3& model) {
  const MobileNetV3Space space;
  std::vector<std::pair<std::string, torch::Tensor>> out;
  auto add = [&](const std::string& name, const torch::Tensor& t) {
    out.emplace_back(nni27_parameter_name(name, model->plan(), space),
                     t.detach().to(torch::kCPU).contiguous());
  };
  for (const auto& p : model->named_parameters()) add(p.key(), p.value());
  for (const auto& b : model->named_buffers()) add(b.key(), b.value());
  return out;
}

std::vector<char> torch_load_file(const c10::IValue& value) {
  // torch::pickle_save's format, less the TorchScript type tag it puts on every dict and list
  // (torch.jit._pickle.restore_type_tag), which torch.load's default since PyTorch 2.6,
  // weights_only=True, refuses.
  std::vector<char> pickled;
  torch::jit::Pickler pickler(
      [&](const char* bytes, size_t n) { pickled.insert(pickled.end(), bytes, bytes + n); },
      /*tensor_table=*/nullptr, /*type_renamer=*/nullptr, /*memoized_class_types=*/nullptr,
      /*get_tensor_id=*/nullptr, /*tag_aggregates=*/false);
  pickler.protocol();
  pickler.pushIValue(value);
  pickler.stop();
  std::vector<char> file;
  caffe2::serialize::PyTorchStreamWriter writer([&](const void* bytes, size_t n) {
    const char* b = static_cast<const char*>(bytes);
    file.insert(file.end(), b, b + n);
    return n;
  });
  torch::jit::writeArchiveAndTensors("data", pickled.data(), pickled.size(), pickler.tensorData(),
                                     writer);
  writer.writeEndOfFile();
  return file;
}

std::vector<char> nni27_state_dict_file(MobileNetV3& model) {
  c10::Dict<std::string, at::Tensor> dict;
  for (const auto& [name, tensor] : nni27_state_dict(model)) dict.insert(name, tensor);
  return torch_load_file(dict);
}

}  // namespace nas
