#include "nas/torch/latency_measure.hpp"

#include <algorithm>
#include <chrono>

#include "nas/core/common/random.hpp"
#include "nas/torch/model.hpp"
#include "nas/torch/trainer.hpp"

namespace nas {
namespace {

void to_channels_last(torch::nn::Module& m) {
  torch::NoGradGuard no_grad;
  for (auto& p : m.parameters()) {
    if (p.dim() == 4) p.set_data(p.contiguous(torch::MemoryFormat::ChannelsLast));
  }
}

torch::Tensor input_for(int batch, int c, int h, int w, const torch::Device& device,
                        bool channels_last) {
  auto gen = make_generator(device, 7);
  auto x = torch::randn({batch, c, h, w}, gen, torch::TensorOptions().device(device));
  return channels_last ? x.contiguous(torch::MemoryFormat::ChannelsLast) : x;
}

/// The stem and the separable conv after it, as MobileNetV3Impl runs them.
struct StemImpl : torch::nn::Module {
  explicit StemImpl(const NetworkPlan& p) {
    stem = register_module("stem", ConvBnAct(stem_options(p)));
    dw = register_module("dw", ConvBnAct(separable_dw_options(p)));
    pw = register_module("pw", ConvBnAct(separable_pw_options(p)));
  }
  torch::Tensor forward(torch::Tensor x, bool channels_last) {
    x = stem(x);
    if (channels_last) x = x.contiguous(torch::MemoryFormat::ChannelsLast);
    return pw(dw(x)) + x;
  }
  ConvBnAct stem{nullptr}, dw{nullptr}, pw{nullptr};
};

/// The head conv, pooling, the 1x1 conv and the classifier, as MobileNetV3Impl runs them in eval.
struct HeadImpl : torch::nn::Module {
  HeadImpl(int in, const NetworkPlan& p) {
    head = register_module("head", ConvBnAct(head_options(in, p)));
    final_conv = register_module(
        "final_conv",
        torch::nn::Conv2d(
            torch::nn::Conv2dOptions(p.head_channels, p.final_channels, 1).bias(false)));
    classifier = register_module("classifier", torch::nn::Linear(p.final_channels, p.classes));
  }
  torch::Tensor forward(torch::Tensor x) {
    x = head(x).mean({2, 3}, /*keepdim=*/true);
    return classifier(torch::hardswish(final_conv(x)).flatten(1));
  }
  ConvBnAct head{nullptr};
  torch::nn::Conv2d final_conv{nullptr};
  torch::nn::Linear classifier{nullptr};
};

/// A whole network's ms per image, timed as a search times it (measure_latency).
double measure_network(const Architecture& arch, const LatencyTableSettings& s,
                       const MobileNetV3Space& space, const torch::Device& device,
                       const LatencyMeasureOptions& o) {
  MobileNetV3 model = build_model(arch, s.input, s.classes, o.seed, space);
  model->to(device);
  if (s.channels_last) model->use_channels_last();
  return measure_latency(model, s.input, device, s.batch, o.warmup, o.warmup_ms, o.repeats,
                         s.channels_last)
      .median_ms;
}

double median_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0.0 : v[v.size() / 2];
}

}  // namespace

double time_latency_block(const LatencyBlock& b, const LatencyTableSettings& s,
                          const torch::Device& device, const LatencyMeasureOptions& o) {
  const bool cl = s.channels_last;
  std::shared_ptr<torch::nn::Module> module;
  std::function<void(const torch::Tensor&)> forward;
  torch::Tensor x;
  switch (b.kind) {
    case LatencyBlock::Kind::kStem: {
      auto stem = std::make_shared<StemImpl>(b.net);
      module = stem;
      forward = [stem, cl](const torch::Tensor& in) { stem->forward(in, cl); };
      x = input_for(s.batch, b.net.input.channels, b.net.input.height, b.net.input.width, device,
                    cl);
      break;
    }
    case LatencyBlock::Kind::kBlock: {
      InvertedResidual block(b.block);
      module = block.ptr();
      forward = [block](const torch::Tensor& in) mutable { block->forward(in); };
      x = input_for(s.batch, b.block.in_channels, b.block.in_size[0], b.block.in_size[1], device,
                    cl);
      break;
    }
    case LatencyBlock::Kind::kHead: {
      auto head = std::make_shared<HeadImpl>(b.head_in, b.net);
      module = head;
      forward = [head](const torch::Tensor& in) { head->forward(in); };
      x = input_for(s.batch, b.head_in, b.head_size[0], b.head_size[1], device, cl);
      break;
    }
  }
  module->to(device);
  if (cl) to_channels_last(*module);
  module->eval();
  return time_forward(forward, x, device, o.warmup, o.warmup_ms, o.repeats).median_ms;
}

bool build_latency_table(LatencyTable& table, const std::vector<LatencyBlock>& blocks,
                         const MobileNetV3Space& space, const torch::Device& device,
                         const LatencyMeasureOptions& o, const LatencyBuildHooks& hooks) {
  using Clock = std::chrono::steady_clock;
  use_trial_compute(table.settings.threads);
  table.expected_entries = static_cast<int>(blocks.size());
  const auto t0 = Clock::now();
  const double earlier = table.build_seconds;
  auto elapsed = [&] { return earlier + std::chrono::duration<double>(Clock::now() - t0).count(); };
  auto last_save = Clock::now();
  auto save = [&] {
    table.build_seconds = elapsed();
    if (hooks.save) hooks.save(table);
    last_save = Clock::now();
  };
  for (const auto& b : blocks) {
    if (hooks.cancel && hooks.cancel->load()) {
      save();
      return false;
    }
    if (table.entries.count(b.key)) continue;
    try {
      table.entries[b.key] = time_latency_block(b, table.settings, device, o);
    } catch (...) {
      save();  // what was measured is kept (out of memory on a large block, say)
      throw;
    }
    if (hooks.on_progress) hooks.on_progress(table.entries.size(), blocks.size());
    if (Clock::now() - last_save > std::chrono::seconds(10)) save();
  }
  // The overhead: what a whole network takes beyond its blocks (launches, the allocator, caches),
  // the median over a few seeded networks, added to every prediction. Each network's blocks are
  // timed again beside it rather than read from the table: a machine's speed drifts over a build's
  // minutes, and the difference to entries timed minutes earlier fitted that drift, not the
  // composition (docs/PERFORMANCE.md).
  save();  // every block is in: calibration failing must not lose the last seconds' entries
  std::vector<double> gaps;
  for (int i = 0; i < o.calibration_networks; ++i) {
    if (hooks.cancel && hooks.cancel->load()) {
      save();
      return false;
    }
    Rng rng = rng_for(o.seed, static_cast<std::uint64_t>(i));
    const Architecture arch = space.sample(rng);
    const NetworkPlan plan =
        plan_network(arch, table.settings.input, table.settings.classes, space);
    double blocks_ms = 0;
    for (const LatencyBlock& b : latency_blocks_of(plan))
      blocks_ms += time_latency_block(b, table.settings, device, o);
    gaps.push_back(measure_network(arch, table.settings, space, device, o) - blocks_ms);
  }
  table.overhead_ms = median_of(gaps);
  table.calibration_networks = o.calibration_networks;
  table.complete = true;
  save();
  return true;
}

}  // namespace nas
