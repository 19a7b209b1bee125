#include "nas/core/search/network_weights.hpp"

#include "nas/core/common/error.hpp"

namespace nas {
namespace {

using Shapes = std::map<std::string, std::vector<std::int64_t>>;

void add_conv_bn(Shapes& s, const std::string& name, std::int64_t in, std::int64_t out,
                 std::int64_t kernel, std::int64_t groups) {
  s[name + ".conv.weight"] = {out, in / groups, kernel, kernel};
  for (const char* p : {"weight", "bias", "running_mean", "running_var"})
    s[name + ".bn." + p] = {out};
}

void add_linear(Shapes& s, const std::string& name, std::int64_t in, std::int64_t out) {
  s[name + ".weight"] = {out, in};
  s[name + ".bias"] = {out};
}

bool ignored(const std::string& key) {
  const std::string tail = ".num_batches_tracked";
  return key.size() > tail.size() && key.compare(key.size() - tail.size(), tail.size(), tail) == 0;
}

std::int64_t elements(const std::vector<std::int64_t>& shape) {
  std::int64_t n = 1;
  for (const auto d : shape) n *= d;
  return n;
}

}  // namespace

Shapes weight_shapes(const NetworkPlan& p) {
  Shapes s;
  const int c0 = p.stem_channels;
  add_conv_bn(s, "stem", p.input.channels, c0, p.stem_kernel, 1);
  add_conv_bn(s, "separable_dw", c0, c0, 3, c0);
  add_conv_bn(s, "separable_pw", c0, c0, 1, 1);
  int last = c0;
  for (std::size_t i = 0; i < p.blocks.size(); ++i) {
    const BlockPlan& b = p.blocks[i];
    const std::string n = "block" + std::to_string(i);
    add_conv_bn(s, n + ".expand", b.in_channels, b.hidden, 1, 1);
    add_conv_bn(s, n + ".depthwise", b.hidden, b.hidden, b.kernel, b.hidden);
    if (b.se) {
      add_linear(s, n + ".se.fc1", b.hidden, b.se_channels);
      add_linear(s, n + ".se.fc2", b.se_channels, b.hidden);
    }
    add_conv_bn(s, n + ".project", b.hidden, b.out_channels, 1, 1);
    last = b.out_channels;
  }
  add_conv_bn(s, "head", last, p.head_channels, 1, 1);
  s["final_conv.weight"] = {p.final_channels, p.head_channels, 1, 1};
  add_linear(s, "classifier", p.final_channels, p.classes);
  return s;
}

void check_weights(const NetworkPlan& plan, const NetworkWeights& weights,
                   const std::string& file) {
  const Shapes expected = weight_shapes(plan);
  for (const auto& [key, shape] : expected) {
    const auto it = weights.find(key);
    if (it == weights.end())
      throw InputError(file + ": no weights for '" + key + "' " + shape_text(shape) +
                       ": not this architecture's weights");
    if (it->second.shape != shape)
      throw InputError(file + ": '" + key + "' is " + shape_text(it->second.shape) +
                       " but this architecture needs " + shape_text(shape));
    if (static_cast<std::int64_t>(it->second.values.size()) != elements(shape))
      throw InputError(file + ": '" + key + "' holds " + std::to_string(it->second.values.size()) +
                       " values, not the " + std::to_string(elements(shape)) + " of its shape");
  }
  for (const auto& [key, tensor] : weights) {
    if (!expected.count(key) && !ignored(key))
      throw InputError(file + ": '" + key + "' " + shape_text(tensor.shape) +
                       " is not part of this architecture: not its weights");
  }
}

std::string shape_text(const std::vector<std::int64_t>& shape) {
  std::string t = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) t += (i ? ", " : "") + std::to_string(shape[i]);
  return t + "]";
}

}  // namespace nas
