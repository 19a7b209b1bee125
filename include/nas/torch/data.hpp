#pragma once
// Data sets: the catalog of those nas knows, their readers, and the loaded bundle, held in memory
// as uint8 tensors. SharedData (shared_data.hpp) puts one copy on each device; BatchLoader
// (batch_loader.hpp) feeds a training run from it.
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

/// How a data set's images are normalised before the network sees them: pixels scaled to [0, 1],
/// then (x - mean) / std per channel.
struct Normalization {
  std::vector<float> mean;
  std::vector<float> std;
};
/// The normalisation `load_data` gives the data set `name` (one of dataset_names()); throws
/// UsageError for another name.
Normalization dataset_normalization(const std::string& name);
/// The names of the data set's classes in label order (synthetic's: "class 0".."class 9").
std::vector<std::string> dataset_class_names(const std::string& name);

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

}  // namespace nas
