#pragma once
// What an exported network must compute: a seeded input batch and LibTorch's eval-mode logits
// for it, so any runtime that loads the exported file can be checked against the original (as
// polygraphy does for TensorRT). Written beside the model as X.sample.json (docs/FORMATS.md).
#include <cstdint>
#include <vector>

#include "nas/torch/model.hpp"

namespace nas {

struct ExportSample {
  std::vector<std::int64_t> input_shape;   // [batch, C, H, W]
  std::vector<float> input;                // row-major
  std::vector<std::int64_t> output_shape;  // [batch, classes]
  std::vector<float> output;
};

/// Runs `batch` standard-normal images drawn from `seed` (normalised inputs, as the network sees
/// them after the data set's mean and std) through `model` in eval mode on CPU. The model's
/// train/eval mode is restored.
ExportSample export_sample(MobileNetV3& model, int batch, std::uint64_t seed);

}  // namespace nas
