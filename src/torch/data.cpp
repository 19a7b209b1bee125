#include "nas/torch/data.hpp"

#include <spdlog/spdlog.h>
#include <zlib.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>

#include "nas/core/common/error.hpp"
#include "nas/core/common/image_files.hpp"
#include "nas/core/common/random.hpp"
#include "nas/torch/device.hpp"

namespace fs = std::filesystem;

namespace nas {
namespace {

constexpr std::int64_t kSyntheticTrain = 2000;
constexpr std::int64_t kSyntheticEval = 500;

/// The file, gunzipped when it is gzip (zlib reads plain files unchanged). `header` bytes are
/// read first and `expected_size(head)` says how many the whole file must hold; reading stops
/// one byte past that, so a file that expands far beyond its header's promise (a gzip bomb)
/// costs no more memory than an honest one.
std::vector<std::uint8_t> read_maybe_gzip(
    const std::string& path, std::size_t header,
    const std::function<std::uint64_t(const std::vector<std::uint8_t>&)>& expected_size) {
  if (!fs::exists(path)) throw InputError(path + ": file not found");
  if (fs::is_directory(path)) throw InputError(path + ": is a directory, not a data file");
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) throw InputError(path + ": cannot open");
  std::vector<std::uint8_t> out;
  std::uint64_t limit = header;
  bool sized = false;
  std::uint8_t buf[1 << 16];
  int n = 0;
  while (out.size() <= limit) {
    const std::uint64_t want = std::min<std::uint64_t>(sizeof buf, limit + 1 - out.size());
    n = gzread(f, buf, static_cast<unsigned>(want));
    if (n <= 0) break;
    out.insert(out.end(), buf, buf + n);
    if (!sized && out.size() >= header) {
      try {
        limit = expected_size(out);  // throws on a header that makes no sense
      } catch (...) {
        gzclose(f);
        throw;
      }
      sized = true;
    }
  }
  int err = 0;
  const char* msg = gzerror(f, &err);
  const std::string reason = msg ? msg : "";
  gzclose(f);
  if (n < 0 || (err != Z_OK && err != Z_STREAM_END)) {
    throw InputError(path + ": corrupt or truncated gzip data (" + reason + ")");
  }
  if (out.size() < header) throw InputError(path + ": truncated IDX header");
  if (out.size() > limit) {
    throw InputError(path + ": holds more data than its header says (" + std::to_string(limit) +
                     " bytes expected)");
  }
  return out;
}

std::string first_existing(const std::string& dir, const std::string& stem) {
  for (const std::string& name : {stem, stem + ".gz"}) {
    const fs::path p = fs::path(dir) / name;
    if (fs::exists(p)) return p.string();
  }
  throw InputError((fs::path(dir) / stem).string() + "(.gz): file not found");
}

std::string shape_text(const torch::Tensor& images) {
  return std::to_string(images.size(2)) + "x" + std::to_string(images.size(3));
}

torch::Tensor sorted(const torch::Tensor& idx) { return std::get<0>(idx.sort()); }

/// A seeded subset of n rows (all rows, in order, when n is 0 or not smaller).
Dataset subset(const Dataset& d, std::int64_t n, std::uint64_t seed) {
  if (n <= 0 || n >= d.size()) return d;
  auto gen = make_generator(torch::Device(torch::kCPU), seed);
  auto idx = sorted(torch::randperm(d.size(), gen, torch::kLong).slice(0, 0, n));
  return {d.images.index_select(0, idx), d.labels.index_select(0, idx)};
}

Dataset rows(const Dataset& d, const torch::Tensor& idx) {
  return {d.images.index_select(0, idx), d.labels.index_select(0, idx)};
}

}  // namespace

const std::vector<std::string>& dataset_names() {
  static const std::vector<std::string> names{"fashion-mnist", "mnist", "cifar10", "synthetic"};
  return names;
}

Normalization dataset_normalization(const std::string& name) {
  if (name == "fashion-mnist") return {{0.2860f}, {0.3530f}};
  if (name == "mnist") return {{0.1307f}, {0.3081f}};
  if (name == "cifar10") return {{0.4914f, 0.4822f, 0.4465f}, {0.2023f, 0.1994f, 0.2010f}};
  if (name == "synthetic") return {{0.5f, 0.5f, 0.5f}, {0.25f, 0.25f, 0.25f}};
  std::string known;
  for (const auto& n : dataset_names()) known += (known.empty() ? "" : ", ") + n;
  throw UsageError("unknown data set '" + name + "' (known: " + known + ")");
}

std::vector<std::string> dataset_class_names(const std::string& name) {
  dataset_normalization(name);  // refuses an unknown name
  // In label order, as the data sets' own documentation lists them.
  if (name == "fashion-mnist")
    return {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  if (name == "cifar10")
    return {"airplane", "automobile", "bird",  "cat",  "deer",
            "dog",      "frog",       "horse", "ship", "truck"};
  std::vector<std::string> out;
  for (int i = 0; i < 10; ++i) out.push_back((name == "mnist" ? "" : "class ") + std::to_string(i));
  return out;
}

std::string default_data_dir(const std::string& name) {
  if (name == "fashion-mnist") {
    const char* env = std::getenv("NAS_FASHION_MNIST_DIR");
    return env && *env ? env : "/usr/share/datasets/fashion-mnist";
  }
  if (name == "mnist") {
    const char* env = std::getenv("NAS_MNIST_DIR");
    return env && *env ? env : "/usr/share/datasets/mnist";
  }
  if (name == "cifar10") return (fs::path(nas_data_root()) / "cifar10").string();
  return "";
}

std::string nas_data_root() {
  // A per-user folder, so the default works from any working directory.
  if (const char* env = std::getenv("NAS_DATA_DIR"); env && *env) return env;
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg)
    return (fs::path(xdg) / "nas" / "data").string();
  const char* home = std::getenv("HOME");
  return (fs::path(home && *home ? home : ".") / ".local" / "share" / "nas" / "data").string();
}

Dataset tensors_of(const ImageSet& set) {
  auto pixels = torch::from_blob(const_cast<std::uint8_t*>(set.pixels.data()),
                                 {set.count, set.channels, set.height, set.width}, torch::kUInt8)
                    .clone();
  auto labels =
      torch::from_blob(const_cast<std::uint8_t*>(set.labels.data()), {set.count}, torch::kUInt8)
          .to(torch::kLong);
  return {pixels, labels};
}

Dataset read_idx(const std::string& images_path, const std::string& labels_path, int classes) {
  // The headers bound how much is decompressed (image_files.cpp checks them).
  const auto images = read_maybe_gzip(images_path, kIdxImagesHeader, [&](const auto& head) {
    return idx_images_size(head, images_path);
  });
  const auto labels = read_maybe_gzip(labels_path, kIdxLabelsHeader, [&](const auto& head) {
    return idx_labels_size(head, labels_path);
  });
  return tensors_of(parse_idx(images, images_path, labels, labels_path, classes));
}

Dataset read_cifar10(const std::vector<std::string>& files) {
  std::vector<torch::Tensor> images, labels;
  for (const auto& path : files) {
    if (!fs::exists(path)) throw InputError(path + ": file not found");
    if (fs::is_directory(path)) throw InputError(path + ": is a directory, not a data file");
    std::ifstream in(path, std::ios::binary);
    const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                          std::istreambuf_iterator<char>());
    const Dataset d = tensors_of(parse_cifar10(bytes, path));
    images.push_back(d.images);
    labels.push_back(d.labels);
  }
  return {torch::cat(images), torch::cat(labels)};
}

Dataset make_synthetic(std::int64_t n, const InputShape& shape, int classes, std::uint64_t seed) {
  // Fixed prototypes (independent of the seed, so train and eval sets share them), low-resolution
  // so they survive cropping and flips; the seed draws labels and noise.
  auto proto_gen = make_generator(torch::Device(torch::kCPU), 12345);
  auto protos = torch::rand({classes, shape.channels, 4, 4}, proto_gen) * 200.0 + 28.0;
  protos = torch::nn::functional::interpolate(
      protos, torch::nn::functional::InterpolateFuncOptions()
                  .size(std::vector<int64_t>{shape.height, shape.width})
                  .mode(torch::kBilinear)
                  .align_corners(false));
  auto gen = make_generator(torch::Device(torch::kCPU), mix_seed(seed, 0x5157));
  auto labels = torch::randint(classes, {n}, gen, torch::kLong);
  auto noise = torch::randn({n, shape.channels, shape.height, shape.width}, gen) * 45.0;
  auto images = (protos.index_select(0, labels) + noise).clamp(0, 255).to(torch::kUInt8);
  return {images, labels};
}

DataBundle load_data(const DataOptions& o) {
  if (o.eval_split != "validation" && o.eval_split != "test") {
    throw UsageError("--eval-split '" + o.eval_split + "': expected validation or test");
  }
  DataBundle b;
  b.info.name = o.name;
  b.info.split = o.eval_split;
  Dataset train, test;
  const std::string dir = o.dir.empty() ? default_data_dir(o.name) : o.dir;
  if (o.name == "fashion-mnist" || o.name == "mnist") {
    if (!fs::is_directory(dir) && o.name == "fashion-mnist") {
      throw InputError(dir +
                       ": fashion-mnist not found; on Debian: apt install "
                       "dataset-fashion-mnist (scripts/setup.sh does), or pass --data-dir");
    }
    if (!fs::is_directory(dir)) {
      // No distribution packages MNIST itself: say where its files go.
      throw InputError(dir +
                       ": mnist not found; put its four IDX files (train-images-idx3-ubyte, "
                       "train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, "
                       "gzipped or not) there or in $NAS_MNIST_DIR, or pass --data-dir");
    }
    train = read_idx(first_existing(dir, "train-images-idx3-ubyte"),
                     first_existing(dir, "train-labels-idx1-ubyte"));
    test = read_idx(first_existing(dir, "t10k-images-idx3-ubyte"),
                    first_existing(dir, "t10k-labels-idx1-ubyte"));
    if (train.images.sizes().slice(1) != test.images.sizes().slice(1)) {
      throw InputError(dir + ": training images are " + shape_text(train.images) +
                       " but test images " + shape_text(test.images) + ": not one data set");
    }
    b.shape = {1, static_cast<int>(train.images.size(2)), static_cast<int>(train.images.size(3))};
    b.flip = o.name == "fashion-mnist";  // a flipped digit is another glyph
    b.info.dir = dir;
  } else if (o.name == "cifar10") {
    if (!fs::is_directory(dir)) {
      throw InputError(dir +
                       ": CIFAR-10 not found; get it with scripts/fetch-cifar10.sh (it unpacks "
                       "into $NAS_DATA_DIR/cifar10), or pass --data-dir");
    }
    std::vector<std::string> files;
    for (int i = 1; i <= 5; ++i)
      files.push_back((fs::path(dir) / ("data_batch_" + std::to_string(i) + ".bin")).string());
    train = read_cifar10(files);
    test = read_cifar10({(fs::path(dir) / "test_batch.bin").string()});
    b.shape = {3, 32, 32};
    b.flip = true;
    b.info.dir = dir;
  } else if (o.name == "synthetic") {
    b.shape = {3, 32, 32};
    const std::int64_t n_train = o.train_subset > 0 ? o.train_subset : kSyntheticTrain;
    const std::int64_t n_eval = o.eval_subset > 0 ? o.eval_subset : kSyntheticEval;
    // Draw enough for a held-out split of the requested size, so the sizes mean the same thing
    // for every data set.
    const std::int64_t n_pool = o.eval_split == "validation" ? n_train + n_eval : n_train;
    train = make_synthetic(n_pool, b.shape, 10, o.seed);
    test = make_synthetic(n_eval, b.shape, 10, mix_seed(o.seed, 1));
    b.flip = true;
  } else {
    std::string known;
    for (const auto& n : dataset_names()) known += (known.empty() ? "" : ", ") + n;
    throw UsageError("unknown data set '" + o.name + "' (known: " + known + ")");
  }
  b.classes = 10;
  const Normalization norm = dataset_normalization(o.name);
  b.mean = norm.mean;
  b.std = norm.std;

  if (o.eval_split == "validation") {
    // A seeded hold-out of the training set selects architectures; the test set stays unseen.
    auto gen = make_generator(torch::Device(torch::kCPU), mix_seed(o.seed, 0xda7a));
    auto perm = torch::randperm(train.size(), gen, torch::kLong);
    std::int64_t n_val = static_cast<std::int64_t>(train.size() * o.validation_fraction);
    if (o.name == "synthetic")
      n_val = train.size() - (o.train_subset > 0 ? o.train_subset : kSyntheticTrain);
    b.eval = rows(train, sorted(perm.slice(0, 0, n_val)));
    b.train = rows(train, sorted(perm.slice(0, n_val)));
  } else {
    b.train = train;
    b.eval = test;
  }
  // Asking for more than there is takes all there is: say so, as the figures are smaller.
  if (o.train_subset > b.train.size()) {
    spdlog::warn("--train-subset {} is more than the {} training images of {}: using all {}",
                 o.train_subset, b.train.size(), o.name, b.train.size());
  }
  if (o.eval_subset > b.eval.size()) {
    spdlog::warn("--eval-subset {} is more than the {} evaluation images of {}: using all {}",
                 o.eval_subset, b.eval.size(), o.name, b.eval.size());
  }
  b.train = subset(b.train, o.train_subset, mix_seed(o.seed, 11));
  b.eval = subset(b.eval, o.eval_subset, mix_seed(o.seed, 12));
  if (b.train.size() == 0 || b.eval.size() == 0)
    throw InputError(o.name + ": empty training or evaluation set");
  b.info.train_size = b.train.size();
  b.info.eval_size = b.eval.size();
  b.info.shape[0] = b.shape.channels;
  b.info.shape[1] = b.shape.height;
  b.info.shape[2] = b.shape.width;
  b.info.classes = b.classes;
  return b;
}

DataFingerprint fingerprint(const DataBundle& data) {
  auto hash = [](const torch::Tensor& t) {
    const torch::Tensor c = t.to(torch::kCPU).contiguous();
    return hex64(fnv1a(c.data_ptr(), static_cast<std::size_t>(c.nbytes())));
  };
  DataFingerprint f;
  f.dataset = data.info.name;
  f.split = data.info.split;
  f.train_size = data.train.size();
  f.eval_size = data.eval.size();
  f.shape = std::to_string(data.shape.channels) + "," + std::to_string(data.shape.height) + "," +
            std::to_string(data.shape.width);
  f.classes = data.classes;
  f.train_images = hash(data.train.images);
  f.train_labels = hash(data.train.labels);
  f.eval_images = hash(data.eval.images);
  f.eval_labels = hash(data.eval.labels);
  return f;
}

}  // namespace nas
