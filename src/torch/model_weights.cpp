#include "nas/torch/model_weights.hpp"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>

#include "nas/core/common/error.hpp"
#include "nas/core/search/nni27_names.hpp"

namespace fs = std::filesystem;

namespace nas {
namespace {

bool is_counter(const std::string& name) {
  const std::string tail = "num_batches_tracked";
  return name.size() >= tail.size() &&
         name.compare(name.size() - tail.size(), tail.size(), tail) == 0;
}

WeightTensor to_weight(const torch::Tensor& t) {
  const torch::Tensor c = t.detach().to(torch::kCPU).to(torch::kFloat).contiguous();
  WeightTensor w;
  w.shape.assign(c.sizes().begin(), c.sizes().end());
  w.values.assign(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
  return w;
}

/// A module archive's tensors, by dotted name, at any depth.
void collect(torch::serialize::InputArchive& archive, const std::string& prefix,
             NetworkWeights& out) {
  for (const auto& key : archive.keys()) {
    torch::serialize::InputArchive child;
    if (archive.try_read(key, child)) {
      collect(child, prefix + key + ".", out);
      continue;
    }
    c10::IValue value;
    if (archive.try_read(key, value) && value.isTensor())
      out[prefix + key] = to_weight(value.toTensor());
  }
}

std::optional<NetworkWeights> read_module_archive(const std::string& path) {
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(path);
  } catch (const c10::Error&) {
    return std::nullopt;  // not a module archive; maybe a state dict
  }
  NetworkWeights out;
  collect(archive, "", out);
  return out;
}

std::optional<NetworkWeights> read_state_dict(const std::string& path, const NetworkPlan& plan) {
  std::ifstream in(path, std::ios::binary);
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)),
                                std::istreambuf_iterator<char>());
  c10::IValue value;
  try {
    value = torch::pickle_load(bytes);
  } catch (const c10::Error&) {
    return std::nullopt;
  }
  if (!value.isGenericDict()) return std::nullopt;
  // NNI 2.7's names for our tensors, so the original's state dicts load too.
  std::map<std::string, std::string> from_nni;
  const MobileNetV3Space space;
  for (const auto& [name, shape] : weight_shapes(plan))
    from_nni[nni27_parameter_name(name, plan, space)] = name;
  NetworkWeights out;
  for (const auto& entry : value.toGenericDict()) {
    if (!entry.key().isString() || !entry.value().isTensor()) return std::nullopt;
    const std::string key = entry.key().toStringRef();
    const auto it = from_nni.find(key);
    out[it == from_nni.end() ? key : it->second] = to_weight(entry.value().toTensor());
  }
  return out;
}

}  // namespace

NetworkWeights weights_of(MobileNetV3& model) {
  NetworkWeights out;
  for (const auto& p : model->named_parameters()) out[p.key()] = to_weight(p.value());
  for (const auto& b : model->named_buffers()) {
    if (!is_counter(b.key())) out[b.key()] = to_weight(b.value());
  }
  return out;
}

void load_weights(MobileNetV3& model, const NetworkWeights& weights) {
  torch::NoGradGuard no_grad;
  auto copy = [&](const std::string& name, torch::Tensor& t) {
    const WeightTensor& w = weights.at(name);
    t.copy_(torch::from_blob(const_cast<float*>(w.values.data()), w.shape, torch::kFloat));
  };
  for (auto& p : model->named_parameters()) copy(p.key(), p.value());
  for (auto& b : model->named_buffers()) {
    if (!is_counter(b.key())) copy(b.key(), b.value());
  }
}

NetworkWeights read_weights_file(const std::string& path, const NetworkPlan& plan) {
  if (!fs::is_regular_file(path)) throw InputError(path + ": no such weights file");
  if (auto w = read_module_archive(path)) return *w;
  if (auto w = read_state_dict(path, plan)) return *w;
  throw InputError(path +
                   ": not a weights file (neither nas-test-model's model.pt nor a state dict "
                   "of named tensors from torch.save)");
}

}  // namespace nas
