#pragma once
// Seeded batches of a loaded data set, with the original's augmentation (padded random crop and
// flip) done on whole batches with tensor ops on the training device.
#include <torch/torch.h>

#include <cstdint>
#include <utility>

#include "nas/torch/data.hpp"

namespace nas {

/// Feeds one training run: per-epoch seeded shuffles and on-device augmentation.
/// Not thread-safe: each trial owns one. The images it reads are shared and never written.
class BatchLoader {
 public:
  BatchLoader(const DataBundle& data, const torch::Device& device, std::uint64_t seed);

  /// Starts epoch `epoch` (0-based): a fresh seeded shuffle and augmentation stream.
  void start_epoch(int epoch);
  std::int64_t train_batch_count(int batch_size) const;
  /// Batch i of the current epoch: shuffled, augmented, normalised, on the device.
  std::pair<torch::Tensor, torch::Tensor> train_batch(std::int64_t i, int batch_size);
  std::int64_t eval_batch_count(int batch_size) const;
  /// Batch i of the evaluation set in order, normalised, on the device.
  std::pair<torch::Tensor, torch::Tensor> eval_batch(std::int64_t i, int batch_size) const;
  /// Random-crop + flip of a uint8 batch [B, C, H, W] on the loader's device, then normalise.
  torch::Tensor augment(const torch::Tensor& images_u8, at::Generator& gen) const;
  torch::Tensor normalize(const torch::Tensor& images_u8) const;

 private:
  const DataBundle& data_;
  torch::Device device_;
  std::uint64_t seed_;
  torch::Tensor train_images_, train_labels_, eval_images_, eval_labels_;  // on device_
  torch::Tensor mean_, inv_std_;
  torch::Tensor permutation_;
  at::Generator generator_;
};

}  // namespace nas
