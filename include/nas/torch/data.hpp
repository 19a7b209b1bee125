#pragma once
// Data sets, loaded once into memory as uint8 tensors, and seeded batches with the original's
// augmentation done on whole batches with tensor ops on the training device.
#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

#include "nas/core/experiment/data_fingerprint.hpp"
#include "nas/core/experiment/records.hpp"
#include "nas/core/search/network_plan.hpp"

namespace nas {

/// Images [N, C, H, W] uint8 and labels [N] int64, on CPU.
struct Dataset {
  torch::Tensor images;
  torch::Tensor labels;
  std::int64_t size() const { return labels.defined() ? labels.size(0) : 0; }
};

struct DataOptions {
  std::string name = "fashion-mnist";     // fashion-mnist | mnist | cifar10 | synthetic
  std::string dir;                        // empty: the data set's default directory
  std::string eval_split = "validation";  // validation (10 % of train held out) | test
  std::int64_t train_subset = 0;          // 0 = all (synthetic: 2000)
  std::int64_t eval_subset = 0;           // 0 = all (synthetic: 500)
  double validation_fraction = 0.1;
  std::uint64_t seed = 0;  // validation split and subsets
};

/// A loaded data set: the training and evaluation sets plus how to normalise and augment them.
struct DataBundle {
  Dataset train;
  Dataset eval;
  DatasetInfo info;
  InputShape shape;
  int classes = 10;
  std::vector<float> mean;
  std::vector<float> std;
  bool flip = true;  // horizontal flip augmentation
  int pad = 4;       // random-crop padding
};

/// Names the data sets `load_data` knows.
const std::vector<std::string>& dataset_names();
/// Default directory of a data set: Debian's packages for (Fashion-)MNIST (or
/// NAS_FASHION_MNIST_DIR / NAS_MNIST_DIR), <nas_data_root()>/cifar10 for CIFAR-10.
std::string default_data_dir(const std::string& name);
/// $NAS_DATA_DIR, else $XDG_DATA_HOME/nas/data, else ~/.local/share/nas/data.
std::string nas_data_root();

/// Loads the data set; throws InputError naming the file for missing, corrupt or truncated files
/// and UsageError for an unknown data set or split.
DataBundle load_data(const DataOptions& options);

/// Reads an IDX image file and its label file (gzipped or not). Every label must be below
/// `classes`; a file holding more than its header promises is refused without reading it all.
Dataset read_idx(const std::string& images_path, const std::string& labels_path, int classes = 10);
/// Reads CIFAR-10 binary batch files (1 label byte + 3072 image bytes per record).
Dataset read_cifar10(const std::vector<std::string>& files);
/// Class-dependent smooth patterns plus noise: learnable, seeded.
Dataset make_synthetic(std::int64_t n, const InputShape& shape, int classes, std::uint64_t seed);

/// The bundle's identity: data set, split, sizes and a hash of every tensor's bytes, for checking
/// that the ranks of a distributed search hold the same data.
DataFingerprint fingerprint(const DataBundle& data);

/// One copy of a data set per device, made once and shared read-only by every trial there (on a
/// GPU each trial would otherwise copy the whole set to the device).
class SharedData {
 public:
  SharedData(DataBundle host, const std::vector<torch::Device>& devices);
  /// The copy on `device` (the host copy for cpu or any device not named at construction).
  const DataBundle& on(const torch::Device& device) const;
  const DataBundle& host() const { return host_; }

 private:
  DataBundle host_;
  std::vector<std::pair<torch::Device, DataBundle>> copies_;
};

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
