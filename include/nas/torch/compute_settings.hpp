#pragma once
// How the device computes: cuDNN autotuning, deterministic algorithms and TF32. Latency (and so
// the metric) depends on these, so they are fixed for a whole run, chosen by flags, and recorded
// with the results. LibTorch keeps them process-wide: set them once, before any trial starts.
#include <string>

#include "nas/core/search/search_options.hpp"

namespace nas {

struct ComputeSettings {
  /// Deterministic algorithms (cuDNN and LibTorch's own) where they exist; operations without
  /// one warn once instead of failing the trial.
  bool deterministic = false;
  /// TensorFloat-32 for float32 matmuls and convolutions on Ampere and newer GPUs: faster, about
  /// 3 decimal digits. Off by default, so latencies and accuracies compare across GPU kinds.
  bool tf32 = false;
  /// cuDNN's autotuner: off always. It would time each new layer shape on the shared GPU while
  /// other trials run, and pick kernels by the noise of that moment.
  static constexpr bool kCudnnBenchmark = false;
};

/// The settings a search's options ask for.
ComputeSettings compute_settings_for(const SearchOptions& s);

/// Applies `settings` to LibTorch's global context. With `deterministic`, also asks cuBLAS for a
/// deterministic workspace (CUBLAS_WORKSPACE_CONFIG, unless the user set it) before CUDA starts.
void apply_compute_settings(const ComputeSettings& settings);

/// What LibTorch's context holds now, for tests and records.
ComputeSettings current_compute_settings();

}  // namespace nas
