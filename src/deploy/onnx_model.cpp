#include "nas/deploy/onnx_model.hpp"

#include <onnx/checker.h>
#include <onnx/defs/schema.h>
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "nas/core/common/error.hpp"

namespace nas {
namespace {

// raw_data is little-endian by ONNX's definition; the floats are copied as they lie in memory.
static_assert(sizeof(float) == 4, "ONNX FLOAT is 32-bit");

/// Builds the graph node by node; every tensor gets a fresh name from the module it belongs to.
class GraphBuilder {
 public:
  GraphBuilder(onnx::GraphProto& graph, const NetworkWeights& weights)
      : graph_(graph), weights_(weights) {}

  /// conv (cropped to `kernel_h` x `kernel_w`) with its BatchNorm folded in, then `act`.
  std::string conv_bn(const std::string& x, const std::string& module, int stride, int groups,
                      int kernel_h, int kernel_w, const char* act) {
    const WeightTensor& w = weights_.at(module + ".conv.weight");
    const WeightTensor& gamma = weights_.at(module + ".bn.weight");
    const WeightTensor& beta = weights_.at(module + ".bn.bias");
    const WeightTensor& mean = weights_.at(module + ".bn.running_mean");
    const WeightTensor& var = weights_.at(module + ".bn.running_var");
    const std::int64_t out = w.shape[0], in = w.shape[1], k = w.shape[2];
    const std::int64_t top = (k - kernel_h) / 2, left = (k - kernel_w) / 2;
    WeightTensor fw{{out, in, kernel_h, kernel_w}, {}};
    WeightTensor fb{{out}, {}};
    fw.values.reserve(out * in * kernel_h * kernel_w);
    for (std::int64_t o = 0; o < out; ++o) {
      // Our BatchNorm's eps (model.cpp), in double so the folded weights round once.
      const double scale = gamma.values[o] / std::sqrt(static_cast<double>(var.values[o]) + 1e-3);
      for (std::int64_t i = 0; i < in; ++i)
        for (std::int64_t r = 0; r < kernel_h; ++r)
          for (std::int64_t c = 0; c < kernel_w; ++c)
            fw.values.push_back(
                static_cast<float>(w.values[((o * in + i) * k + top + r) * k + left + c] * scale));
      fb.values.push_back(static_cast<float>(beta.values[o] - mean.values[o] * scale));
    }
    std::string y = conv(x, module, fw, &fb, stride, groups);
    return act ? unary(act, y, module) : y;
  }

  /// A convolution of given weights (and bias), padding k / 2.
  std::string conv(const std::string& x, const std::string& module, const WeightTensor& w,
                   const WeightTensor* b, int stride, int groups) {
    onnx::NodeProto& n = node("Conv", module, {x, initializer(module + ".weight", w)});
    if (b) n.add_input(initializer(module + ".bias", *b));
    ints(n, "kernel_shape", {w.shape[2], w.shape[3]});
    ints(n, "strides", {stride, stride});
    ints(n, "pads", {w.shape[2] / 2, w.shape[3] / 2, w.shape[2] / 2, w.shape[3] / 2});
    ints(n, "dilations", {1, 1});
    integer(n, "group", groups);
    return n.output(0);
  }

  /// Squeeze-and-excite with its two Linear layers as 1x1 convolutions (no reshapes).
  std::string squeeze_excite(const std::string& x, const std::string& module) {
    auto as_conv = [&](const std::string& name) {
      WeightTensor w = weights_.at(name + ".weight");
      w.shape = {w.shape[0], w.shape[1], 1, 1};
      return w;
    };
    const WeightTensor w1 = as_conv(module + ".fc1"), w2 = as_conv(module + ".fc2");
    std::string s = unary("GlobalAveragePool", x, module);
    s = unary("Relu", conv(s, module + ".fc1", w1, &weights_.at(module + ".fc1.bias"), 1, 1),
              module + ".fc1");
    s = unary("Sigmoid", conv(s, module + ".fc2", w2, &weights_.at(module + ".fc2.bias"), 1, 1),
              module + ".fc2");
    return binary("Mul", x, s, module);
  }

  std::string unary(const char* op, const std::string& x, const std::string& module) {
    return node(op, module, {x}).output(0);
  }
  std::string binary(const char* op, const std::string& a, const std::string& b,
                     const std::string& module) {
    return node(op, module, {a, b}).output(0);
  }

  std::string flatten(const std::string& x, const std::string& module) {
    onnx::NodeProto& n = node("Flatten", module, {x});
    integer(n, "axis", 1);
    return n.output(0);
  }

  /// y = x W^T + b, the Linear layer as it is stored.
  void gemm(const std::string& x, const std::string& module, const std::string& output) {
    onnx::NodeProto& n = node("Gemm", module,
                              {x, initializer(module + ".weight", weights_.at(module + ".weight")),
                               initializer(module + ".bias", weights_.at(module + ".bias"))});
    integer(n, "transB", 1);
    n.set_output(0, output);
  }

 private:
  onnx::NodeProto& node(const char* op, const std::string& module,
                        const std::vector<std::string>& inputs) {
    onnx::NodeProto& n = *graph_.add_node();
    const std::string name = module + "/" + op + "_" + std::to_string(++count_);
    n.set_op_type(op);
    n.set_name(name);
    for (const auto& i : inputs) n.add_input(i);
    n.add_output(name);
    return n;
  }

  std::string initializer(const std::string& name, const WeightTensor& w) {
    onnx::TensorProto& t = *graph_.add_initializer();
    t.set_name(name);
    t.set_data_type(onnx::TensorProto::FLOAT);
    for (const auto d : w.shape) t.add_dims(d);
    t.set_raw_data(std::string(reinterpret_cast<const char*>(w.values.data()),
                               w.values.size() * sizeof(float)));
    return name;
  }

  static void ints(onnx::NodeProto& n, const char* name, std::vector<std::int64_t> values) {
    onnx::AttributeProto& a = *n.add_attribute();
    a.set_name(name);
    a.set_type(onnx::AttributeProto::INTS);
    for (const auto v : values) a.add_ints(v);
  }
  static void integer(onnx::NodeProto& n, const char* name, std::int64_t value) {
    onnx::AttributeProto& a = *n.add_attribute();
    a.set_name(name);
    a.set_type(onnx::AttributeProto::INT);
    a.set_i(value);
  }

  onnx::GraphProto& graph_;
  const NetworkWeights& weights_;
  int count_ = 0;
};

int effective(int kernel, int size) { return std::min(kernel, 2 * size - 1); }

/// The IR version ONNX released with the opset, not the library's newest: a runtime that reads
/// the opset then reads the file (a newer library would otherwise write IR 10 for opset 17).
int ir_version_for(int opset) {
  if (opset <= 14) return 7;
  if (opset <= 18) return 8;
  if (opset <= 20) return 9;
  return onnx::IR_VERSION;
}

void set_tensor_type(onnx::ValueInfoProto& v, const char* name, int batch,
                     std::vector<std::int64_t> dims) {
  v.set_name(name);
  onnx::TypeProto_Tensor& t = *v.mutable_type()->mutable_tensor_type();
  t.set_elem_type(onnx::TensorProto::FLOAT);
  onnx::TensorShapeProto& s = *t.mutable_shape();
  if (batch > 0) {
    s.add_dim()->set_dim_value(batch);
  } else {
    s.add_dim()->set_dim_param("batch");
  }
  for (const auto d : dims) s.add_dim()->set_dim_value(d);
}

}  // namespace

int max_onnx_opset() {
  const auto& range = onnx::OpSchemaRegistry::DomainToVersionRange::Instance().Map();
  const auto it = range.find(onnx::ONNX_DOMAIN);
  return it == range.end() ? kMinOnnxOpset : it->second.second;
}

void check_onnx_options(const OnnxOptions& options) {
  if (options.opset < kMinOnnxOpset || options.opset > max_onnx_opset())
    throw InputError("--opset must be from " + std::to_string(kMinOnnxOpset) + " (HardSwish) to " +
                     std::to_string(max_onnx_opset()) +
                     " (the newest this build's ONNX library validates), got " +
                     std::to_string(options.opset));
  if (options.batch < 0)
    throw InputError("--batch must be positive, got " + std::to_string(options.batch));
}

std::string onnx_model_bytes(const NetworkPlan& p, const NetworkWeights& weights,
                             const OnnxOptions& options, const std::string& weights_file) {
  check_onnx_options(options);
  check_weights(p, weights, weights_file);

  onnx::ModelProto model;
  model.set_ir_version(ir_version_for(options.opset));
  model.set_producer_name("nas");
  model.set_producer_version(NAS_VERSION);
  model.set_domain("nas");
  model.set_model_version(1);
  model.set_doc_string(options.doc);
  onnx::OperatorSetIdProto& opset = *model.add_opset_import();
  opset.set_domain(onnx::ONNX_DOMAIN);
  opset.set_version(options.opset);
  for (const auto& [key, value] : options.metadata) {
    onnx::StringStringEntryProto& e = *model.add_metadata_props();
    e.set_key(key);
    e.set_value(value);
  }
  onnx::GraphProto& graph = *model.mutable_graph();
  graph.set_name(options.graph_name);
  set_tensor_type(*graph.add_input(), kOnnxInputName, options.batch,
                  {p.input.channels, p.input.height, p.input.width});
  set_tensor_type(*graph.add_output(), kOnnxOutputName, options.batch, {p.classes});

  GraphBuilder g(graph, weights);
  auto act = [](Activation a) { return a == Activation::kReLU ? "Relu" : "HardSwish"; };
  std::string x = g.conv_bn(kOnnxInputName, "stem", 2, 1, effective(p.stem_kernel, p.input.height),
                            effective(p.stem_kernel, p.input.width), "HardSwish");
  const std::string stem = x;
  x = g.conv_bn(x, "separable_dw", 1, p.stem_channels, effective(3, p.stem_size[0]),
                effective(3, p.stem_size[1]), "Relu");
  x = g.conv_bn(x, "separable_pw", 1, 1, 1, 1, nullptr);
  x = g.binary("Add", x, stem, "separable");
  for (std::size_t i = 0; i < p.blocks.size(); ++i) {
    const BlockPlan& b = p.blocks[i];
    const std::string n = "block" + std::to_string(i);
    std::string y = g.conv_bn(x, n + ".expand", 1, 1, 1, 1, act(b.activation));
    y = g.conv_bn(y, n + ".depthwise", b.stride, b.hidden, effective(b.kernel, b.in_size[0]),
                  effective(b.kernel, b.in_size[1]), act(b.activation));
    if (b.se) y = g.squeeze_excite(y, n + ".se");
    y = g.conv_bn(y, n + ".project", 1, 1, 1, 1, nullptr);
    x = b.residual ? g.binary("Add", y, x, n) : y;
  }
  x = g.conv_bn(x, "head", 1, 1, 1, 1, "HardSwish");
  x = g.unary("GlobalAveragePool", x, "pool");
  x = g.conv(x, "final_conv", weights.at("final_conv.weight"), nullptr, 1, 1);
  x = g.unary("HardSwish", x, "final_conv");
  x = g.flatten(x, "classifier");
  g.gemm(x, "classifier", kOnnxOutputName);

  try {
    onnx::checker::check_model(model);
    // Strict: a node whose output shape cannot be inferred, or disagrees with the declared
    // logits, is an error rather than an unknown dimension.
    onnx::shape_inference::InferShapes(model, onnx::OpSchemaRegistry::Instance(),
                                       onnx::ShapeInferenceOptions(true, 1, false));
  } catch (const std::exception& e) {
    throw RuntimeFailure(std::string("ONNX refused the exported model (a defect in nas): ") +
                         e.what());
  }
  std::string bytes;
  if (!model.SerializeToString(&bytes))
    throw RuntimeFailure("ONNX could not serialize the exported model");
  return bytes;
}

}  // namespace nas
