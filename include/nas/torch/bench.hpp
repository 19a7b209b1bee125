#pragma once
// `nas bench`: training and evaluation throughput and latency of one architecture on synthetic
// tensors of a data set's shape. A benchmark prints figures; nothing asserts on them.
#include <torch/torch.h>

#include <cstdint>
#include <optional>
#include <string>

#include "nas/core/search/network_plan.hpp"
#include "nas/torch/trainer.hpp"

namespace nas {

struct BenchOptions {
  InputShape input{1, 28, 28};
  int classes = 10;
  int batches = 20;  // timed training steps (and evaluation batches)
  int warmup = 3;    // untimed steps first
  int batch_size = 64;
  int latency_batch = 64;
  int latency_repeats = 10;  // timed latency runs (the search's count)
  double latency_warmup_ms = TrainerOptions{}.latency_warmup_ms;
  /// Trainings of the same architecture kept running on the device, each on a stream of its
  /// own, while latency is timed a second time under the device gate, as concurrent trials in a
  /// search: shows whether the exclusive latency window holds. 0 skips that measurement.
  int background = 0;
  int threads = 1;  // 0 leaves LibTorch's default
  bool channels_last = true;
  // The hand-written CPU levers (docs/PERFORMANCE.md), each on by default as nas trains; turned
  // off one at a time to measure what it still gains on a given LibTorch and CPU.
  bool crop_kernels = true;        // depthwise kernels cropped to the map
  bool one_pass_adam = true;       // nas::Adam rather than torch::optim::Adam
  bool stem_channels_last = true;  // channels-last restored after a 1-channel stem
  bool own_depthwise = true;       // depthwise.hpp's kernels rather than oneDNN's
  /// Where to write a Chrome trace of three more training steps (LibTorch's profiler), after
  /// the timed ones; empty: none.
  std::string profile_path;
  std::uint64_t seed = 0;
};

struct BenchResult {
  double train_images_per_s = 0;
  double eval_images_per_s = 0;
  LatencyStats latency;                           // alone on the device
  std::optional<LatencyStats> latency_loaded;     // with `background` trainings running
  std::optional<std::int64_t> peak_memory_bytes;  // device memory during training (GPU only)
};

BenchResult run_bench(const Architecture& arch, const torch::Device& device,
                      const BenchOptions& options);

}  // namespace nas
