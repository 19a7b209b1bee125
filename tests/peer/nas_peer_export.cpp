// nas_peer_export: what scripts/peer/nni_parity.py compares with NNI's own MobileNetV3Space. For
// one architecture (a file, or a seeded random one) it writes our network's weights under NNI
// 2.7's names, the architecture in both label forms, our eval-mode logits on a seeded input, and
// our parameter and MAC counts. A test tool: users get the same files from nas-test-model.
#include <torch/torch.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "nas/core/common/error.hpp"
#include "nas/core/common/random.hpp"
#include "nas/core/search/mobilenetv3_space.hpp"
#include "nas/core/search/network_plan.hpp"
#include "nas/core/search/nni27_labels.hpp"
#include "nas/torch/device.hpp"
#include "nas/torch/model.hpp"

namespace fs = std::filesystem;

namespace {

void write_file(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
  if (!out) throw nas::RuntimeFailure("cannot write " + path.string());
}

void write_bytes(const fs::path& path, const std::vector<char>& bytes) {
  write_file(path, std::string(bytes.begin(), bytes.end()));
}

/// Freshly initialised BatchNorm layers are the identity in eval mode (mean 0, variance 1,
/// weight 1, bias 0), and NNI's classifier init makes logits tiny: a comparison of logits would
/// not notice a misplaced BatchNorm or a swapped affine. Give them all values of their own.
void give_every_tensor_a_value(nas::MobileNetV3& model, std::uint64_t seed) {
  torch::NoGradGuard no_grad;
  auto gen = nas::make_generator(torch::Device(torch::kCPU), nas::mix_seed(seed, 7));
  for (auto& module : model->modules(/*include_self=*/false)) {
    if (auto* bn = module->as<torch::nn::BatchNorm2d>()) {
      bn->running_mean.normal_(0.0, 0.2, gen);
      bn->running_var.uniform_(0.5, 1.5, gen);
      bn->weight.uniform_(0.5, 1.5, gen);
      bn->bias.normal_(0.0, 0.2, gen);
    } else if (auto* linear = module->as<torch::nn::Linear>()) {
      linear->weight.normal_(0.0, 1.0 / std::sqrt(static_cast<double>(linear->weight.size(1))),
                             gen);
      if (linear->bias.defined()) linear->bias.normal_(0.0, 0.1, gen);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"nas_peer_export: our network's weights, logits and counts for the NNI check"};
  std::string arch_file, labels = "mobilenetv3", input_text = "3,32,32", out_dir;
  std::uint64_t seed = 1;
  int classes = 10, batch = 4;
  app.add_option("--arch", arch_file,
                 "architecture file (our JSON or parameter.cfg); default: "
                 "a random one of --space drawn from --seed");
  app.add_option("--space", labels, "label set for a random architecture: mobilenetv3, nni-2.7");
  app.add_option("--seed", seed, "seed of the architecture, the weights and the input");
  app.add_option("--input", input_text, "C,H,W");
  app.add_option("--classes", classes);
  app.add_option("--batch", batch);
  app.add_option("--out", out_dir)->required();
  CLI11_PARSE(app, argc, argv);
  try {
    const nas::MobileNetV3Space space;
    nas::Architecture arch;
    if (!arch_file.empty()) {
      arch = nas::load_architecture(arch_file, space).arch;
    } else {
      const nas::MobileNetV3Space drawn({}, nas::label_set_from_string(labels));
      nas::Rng rng = nas::rng_for(seed, 1);
      arch = drawn.sample(rng);
    }
    int c = 0, h = 0, w = 0;
    if (std::sscanf(input_text.c_str(), "%d,%d,%d", &c, &h, &w) != 3)
      throw nas::UsageError("--input must be C,H,W");
    const nas::InputShape input{c, h, w};
    fs::create_directories(out_dir);
    const fs::path out(out_dir);

    auto model = nas::build_model(arch, input, classes, seed, space);
    give_every_tensor_a_value(model, seed);
    model->use_channels_last();  // the layout nas trains and evaluates in
    model->eval();
    auto gen = nas::make_generator(torch::Device(torch::kCPU), nas::mix_seed(seed, 11));
    const torch::Tensor x = torch::randn({batch, c, h, w}, gen);
    torch::Tensor logits;
    {
      torch::NoGradGuard no_grad;
      logits = model->forward(x.contiguous(torch::MemoryFormat::ChannelsLast)).contiguous();
    }
    c10::Dict<std::string, at::Tensor> io;
    io.insert("input", x.contiguous());
    io.insert("logits", logits);
    write_bytes(out / "io.pt", nas::torch_load_file(io));
    model->to(torch::kCPU);
    write_bytes(out / "model_state_dict.pt", nas::nni27_state_dict_file(model));
    write_file(out / "arch.json", arch.to_json().dump(2) + "\n");
    if (const auto arch54 = nas::to_nni27(arch, space)) {
      write_file(out / "fixed_arch.json", arch54->to_json().dump(2) + "\n");
    } else {
      fs::remove(out / "fixed_arch.json");
    }
    const nas::NetworkPlan plan = nas::plan_network(arch, input, classes, space);
    const nlohmann::json info = {{"params", nas::count_params(plan)},
                                 {"macs", nas::count_macs(plan)},
                                 {"module_params", nas::count_module_params(*model)},
                                 {"arch_key", space.canonical_key(arch)}};
    write_file(out / "info.json", info.dump() + "\n");
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "nas_peer_export: " << e.what() << "\n";
    return 1;
  }
}
