#include "nas/torch/bench.hpp"

#include <c10/core/StreamGuard.h>
#include <torch/csrc/autograd/profiler_legacy.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "nas/core/search/device_gate.hpp"
#include "nas/torch/adam.hpp"
#include "nas/torch/device.hpp"
#include "nas/torch/gpu_runtime.hpp"
#include "nas/torch/model.hpp"
#include "nas/torch/slot_streams.hpp"

namespace nas {
namespace {

using Clock = std::chrono::steady_clock;

/// One network with a fixed random batch and its optimizer, as a trial trains it.
struct Workload {
  Workload(const Architecture& arch, const torch::Device& device, const BenchOptions& o,
           std::uint64_t seed)
      : model(build_model(arch, o.input, o.classes, seed)) {
    model->to(device);
    if (o.channels_last) model->use_channels_last(o.stem_channels_last);
    if (!o.crop_kernels) model->use_full_kernels();
    if (!o.own_depthwise) model->use_library_depthwise();
    auto gen = make_generator(device, seed);
    auto opts = torch::TensorOptions().device(device);
    x = torch::randn({o.batch_size, o.input.channels, o.input.height, o.input.width}, gen, opts);
    if (o.channels_last) x = x.contiguous(torch::MemoryFormat::ChannelsLast);
    y = torch::randint(o.classes, {o.batch_size}, gen, opts.dtype(torch::kLong));
    if (o.one_pass_adam) {
      optimizer.emplace(model->parameters());
    } else {
      libtorch_optimizer.emplace(model->parameters(), torch::optim::AdamOptions(1e-3));
    }
  }
  void step() {
    if (optimizer) {
      optimizer->zero_grad();
    } else {
      libtorch_optimizer->zero_grad();
    }
    torch::nn::functional::cross_entropy(model->forward(x), y).backward();
    if (optimizer) {
      optimizer->step();
    } else {
      libtorch_optimizer->step();
    }
  }
  MobileNetV3 model;
  torch::Tensor x, y;
  std::optional<Adam> optimizer;
  std::optional<torch::optim::Adam> libtorch_optimizer;
};

/// Latency timed under the device gate while `count` other trainings run on the device.
LatencyStats latency_under_load(const Architecture& arch, const torch::Device& device,
                                const BenchOptions& o, Workload& timed) {
  DeviceGate gate;
  std::atomic<bool> stop{false};
  std::atomic<int> stepping{0};
  std::vector<std::thread> trainers;
  for (int i = 0; i < o.background; ++i) {
    trainers.emplace_back([&, i] {
      const c10::StreamGuard guard(stream_for(device));
      use_trial_compute(o.threads);
      std::optional<Workload> w;
      {
        SharedGateHold hold(&gate);
        w.emplace(arch, device, o, o.seed + 1 + static_cast<std::uint64_t>(i));
      }
      bool counted = false;
      while (!stop.load()) {
        SharedGateHold hold(&gate);
        w->step();
        if (!counted) counted = (++stepping, true);
      }
      synchronize(device);
    });
  }
  // Time only once every trainer has work queued, as in a busy search.
  while (stepping.load() < o.background) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  LatencyStats stats;
  {
    ExclusiveGateHold hold(&gate);
    stats = measure_latency(timed.model, o.input, device, o.latency_batch, o.warmup,
                            o.latency_warmup_ms, o.latency_repeats, o.channels_last);
  }
  stop = true;
  for (auto& t : trainers) t.join();
  return stats;
}

}  // namespace

BenchResult run_bench(const Architecture& arch, const torch::Device& device,
                      const BenchOptions& o) {
  use_trial_compute(o.threads);
  const c10::StreamGuard guard(stream_for(device));
  Workload w(arch, device, o, o.seed);

  BenchResult r;
  reset_peak_memory(device);
  w.model->train();
  for (int i = 0; i < o.warmup; ++i) w.step();
  synchronize(device);
  auto t0 = Clock::now();
  for (int i = 0; i < o.batches; ++i) w.step();
  synchronize(device);
  r.train_images_per_s =
      o.batches * o.batch_size / std::chrono::duration<double>(Clock::now() - t0).count();
  r.peak_memory_bytes = peak_memory_bytes(device);
  if (!o.profile_path.empty()) {
    torch::autograd::profiler::RecordProfile profile(o.profile_path);
    for (int i = 0; i < 3; ++i) w.step();
    synchronize(device);
  }

  {
    torch::NoGradGuard no_grad;
    w.model->eval();
    for (int i = 0; i < o.warmup; ++i) w.model->forward(w.x);
    synchronize(device);
    t0 = Clock::now();
    for (int i = 0; i < o.batches; ++i) w.model->forward(w.x);
    synchronize(device);
    r.eval_images_per_s =
        o.batches * o.batch_size / std::chrono::duration<double>(Clock::now() - t0).count();
  }
  r.latency = measure_latency(w.model, o.input, device, o.latency_batch, o.warmup,
                              o.latency_warmup_ms, o.latency_repeats, o.channels_last);
  if (o.background > 0) r.latency_loaded = latency_under_load(arch, device, o, w);
  return r;
}

}  // namespace nas
