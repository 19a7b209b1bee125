#pragma once
// The network of a NetworkPlan, with its weights, as an ONNX model built with ONNX's own C++
// library (its protobuf classes), checked by ONNX's checker and shape inference before a byte is
// written. Tensor-free: the weights come as plain floats (network_weights.hpp), so this library
// never sees LibTorch's headers, whose bundled protobuf would not be ONNX's.
//
// The graph is the network in eval mode: every BatchNorm folded into the convolution before it
// (a serving runtime folds it anyway, and a folded file is what TensorRT and ONNX Runtime run
// fastest and what a reader of the graph expects), ReLU, HardSwish and Sigmoid as ONNX's own
// operators, squeeze-and-excite as pool -> 1x1 conv -> ReLU -> 1x1 conv -> Sigmoid -> Mul, and
// the head's pool, 1x1 conv, HardSwish, Flatten and Gemm. A depthwise kernel wider than its map
// is written cropped, as the network applies it (the outer taps only meet padding).
#include <string>
#include <utility>
#include <vector>

#include "nas/core/search/network_plan.hpp"
#include "nas/core/search/network_weights.hpp"

namespace nas {

/// Opsets the exporter writes: HardSwish needs 14; the newest is what the ONNX library it was
/// built with validates (17 for Debian 12's 1.12).
inline constexpr int kMinOnnxOpset = 14;
int max_onnx_opset();

struct OnnxOptions {
  int opset = 17;
  /// 0: a dynamic batch dimension ("batch"), so one file serves batch 1 and 8.
  int batch = 0;
  std::string graph_name = "nas";
  std::string doc;
  /// The model's metadata_props, in order.
  std::vector<std::pair<std::string, std::string>> metadata;
};

/// Throws InputError for an opset outside kMinOnnxOpset..max_onnx_opset() or a negative batch:
/// callers check before any work, onnx_model_bytes checks again.
void check_onnx_options(const OnnxOptions& options);

/// The names of the graph's one input and one output.
inline constexpr const char* kOnnxInputName = "input";
inline constexpr const char* kOnnxOutputName = "logits";

/// The serialized, checked model. Throws InputError for weights that do not fit the plan
/// (check_weights, naming `weights_file`) or an opset outside kMinOnnxOpset..max_onnx_opset(),
/// and RuntimeFailure if ONNX's checker or shape inference refuse what was built (a defect).
std::string onnx_model_bytes(const NetworkPlan& plan, const NetworkWeights& weights,
                             const OnnxOptions& options, const std::string& weights_file);

}  // namespace nas
