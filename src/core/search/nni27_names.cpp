#include "nas/core/search/nni27_names.hpp"

#include <stdexcept>

namespace nas {
namespace {

[[noreturn]] void unknown(const std::string& name) {
  throw std::invalid_argument("no NNI 2.7 name for the parameter '" + name + "'");
}

// "conv.weight" -> "0.weight", "bn.running_var" -> "1.running_var": a ConvBnAct is NNI's
// ConvBNReLU, an nn.Sequential of conv, norm and activation.
std::string conv_bn_act(const std::string& rest, const std::string& full) {
  if (rest.rfind("conv.", 0) == 0) return "0." + rest.substr(5);
  if (rest.rfind("bn.", 0) == 0) return "1." + rest.substr(3);
  unknown(full);
}

// The part after "blockN." of an inverted residual in NNI's numbering.
std::string inverted_residual(const std::string& rest, bool se_slot, const std::string& full) {
  const auto dot = rest.find('.');
  if (dot == std::string::npos) unknown(full);
  const std::string part = rest.substr(0, dot);
  const std::string tail = rest.substr(dot + 1);
  if (part == "expand") return "0." + conv_bn_act(tail, full);
  if (part == "depthwise") return "1." + conv_bn_act(tail, full);
  if (part == "project") return (se_slot ? "3." : "2.") + conv_bn_act(tail, full);
  // SELayer.fc = Sequential(Linear, ReLU, Linear, Sigmoid).
  if (part == "se" && tail.rfind("fc1.", 0) == 0) return "2.fc.0." + tail.substr(4);
  if (part == "se" && tail.rfind("fc2.", 0) == 0) return "2.fc.2." + tail.substr(4);
  unknown(full);
}

}  // namespace

std::string nni27_parameter_name(const std::string& name, const NetworkPlan& plan,
                                 const MobileNetV3Space& space) {
  const auto dot = name.find('.');
  if (dot == std::string::npos) unknown(name);
  const std::string module = name.substr(0, dot);
  const std::string rest = name.substr(dot + 1);
  if (module == "stem") return "blocks.0." + conv_bn_act(rest, name);
  if (module == "separable_dw") return "blocks.1.0." + conv_bn_act(rest, name);
  if (module == "separable_pw") return "blocks.1.1." + conv_bn_act(rest, name);
  if (module == "head") return "blocks.7." + conv_bn_act(rest, name);
  if (module == "final_conv" && rest == "weight") return "blocks.9.0.weight";
  if (module == "classifier") return "classifier.1." + rest;
  if (module.rfind("block", 0) == 0 && module.size() > 5 && module.size() < 12 &&
      module.find_first_not_of("0123456789", 5) == std::string::npos) {
    const std::size_t i = std::stoul(module.substr(5));
    if (i >= plan.blocks.size()) unknown(name);
    const int stage = plan.blocks[i].stage;
    int j = 0;  // its place in its stage
    for (std::size_t k = 0; k < i; ++k) j += plan.blocks[k].stage == stage;
    return "blocks." + std::to_string(stage + 1) + "." + std::to_string(j) + "." +
           inverted_residual(rest, space.stage_has_se(stage), name);
  }
  unknown(name);
}

}  // namespace nas
