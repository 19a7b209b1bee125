// Data sets: IDX and CIFAR-10 readers on files the tests write, corrupt files, splits, subsets,
// synthetic data, batches and augmentation.
#include "nas/torch/data.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>
#include <zlib.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "nas/core/common/error.hpp"
#include "nas/torch/batch_loader.hpp"
#include "nas/torch/device.hpp"

namespace fs = std::filesystem;

namespace nas {
namespace {

using Bytes = std::vector<std::uint8_t>;

/// A fresh folder per test, removed at the end.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ =
        fs::temp_directory_path() / ("nas-data-test-" + std::to_string(::getpid()) + "-" +
                                     std::to_string(counter++) + "-" + (info ? info->name() : "x"));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }
  std::string str() const { return path_.string(); }

 private:
  fs::path path_;
};

void put32(Bytes& b, std::uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<std::uint8_t>(v >> s));
}

void write_file(const std::string& path, const Bytes& bytes, bool gz) {
  if (gz) {
    gzFile f = gzopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr) << path;
    if (!bytes.empty()) {
      ASSERT_EQ(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())),
                static_cast<int>(bytes.size()));
    }
    ASSERT_EQ(gzclose(f), Z_OK);
  } else {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
    ASSERT_TRUE(out.good()) << path;
  }
}

/// Pixel (i, y, x) of the test images: distinct per image (the first two pixels hold the index).
std::uint8_t pixel(int i, int y, int x) {
  if (y == 0 && x == 0) return static_cast<std::uint8_t>(i % 256);
  if (y == 0 && x == 1) return static_cast<std::uint8_t>(i / 256);
  return static_cast<std::uint8_t>((i * 7 + y * 3 + x) % 256);
}
int label_of(int i) { return (i * 3) % 10; }

Bytes idx_images(int n, int h, int w, std::uint32_t magic = 2051) {
  Bytes b;
  put32(b, magic);
  put32(b, n);
  put32(b, h);
  put32(b, w);
  for (int i = 0; i < n; ++i)
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) b.push_back(pixel(i, y, x));
  return b;
}

Bytes idx_labels(int n, std::uint32_t magic = 2049) {
  Bytes b;
  put32(b, magic);
  put32(b, n);
  for (int i = 0; i < n; ++i) b.push_back(static_cast<std::uint8_t>(label_of(i)));
  return b;
}

/// Writes train (n_train) and t10k (n_test) IDX files into dir.
void write_idx_set(const TempDir& dir, int n_train, int n_test, bool gz, int size = 28) {
  const std::string ext = gz ? ".gz" : "";
  write_file(dir / ("train-images-idx3-ubyte" + ext), idx_images(n_train, size, size), gz);
  write_file(dir / ("train-labels-idx1-ubyte" + ext), idx_labels(n_train), gz);
  write_file(dir / ("t10k-images-idx3-ubyte" + ext), idx_images(n_test, size, size), gz);
  write_file(dir / ("t10k-labels-idx1-ubyte" + ext), idx_labels(n_test), gz);
}

/// The index each test image carries in its first two pixels.
std::vector<int> image_ids(const Dataset& d) {
  std::vector<int> ids;
  auto px = d.images.index({torch::indexing::Slice(), 0, 0, torch::indexing::Slice(0, 2)})
                .to(torch::kInt);
  for (std::int64_t i = 0; i < d.size(); ++i)
    ids.push_back(px[i][0].item<int>() + 256 * px[i][1].item<int>());
  return ids;
}

/// Expects `f` to throw E with a message containing `needle`.
template <typename E, typename F>
void expect_error(F f, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "no exception; expected one naming " << needle;
  } catch (const E& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos)
        << "message '" << e.what() << "' does not name " << needle;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "wrong exception type: " << e.what();
  }
}

DataOptions idx_options(const TempDir& dir, const std::string& name = "fashion-mnist",
                        const std::string& split = "test") {
  DataOptions o;
  o.name = name;
  o.dir = dir.str();
  o.eval_split = split;
  return o;
}

class DataTest : public ::testing::Test {
 protected:
  void SetUp() override { at::set_num_threads(1); }
};

// ---- IDX -------------------------------------------------------------------------------------

void expect_idx_contents(const Dataset& d, int n, int size) {
  ASSERT_EQ(d.images.sizes(), (std::vector<int64_t>{n, 1, size, size}));
  EXPECT_EQ(d.images.scalar_type(), torch::kUInt8);
  ASSERT_EQ(d.labels.sizes(), (std::vector<int64_t>{n}));
  EXPECT_EQ(d.labels.scalar_type(), torch::kLong);
  for (int i = 0; i < n; ++i) {
    EXPECT_EQ(d.labels[i].item<int>(), label_of(i));
    for (int y : {0, 5, size - 1}) {
      for (int x : {0, 1, 9, size - 1}) {
        EXPECT_EQ(d.images[i][0][y][x].item<int>(), pixel(i, y, x)) << i << "," << y << "," << x;
      }
    }
  }
}

TEST_F(DataTest, ReadsRawIdxFiles) {
  TempDir dir;
  write_file(dir / "img", idx_images(6, 28, 28), false);
  write_file(dir / "lab", idx_labels(6), false);
  expect_idx_contents(read_idx(dir / "img", dir / "lab"), 6, 28);
}

TEST_F(DataTest, ReadsGzippedIdxFiles) {
  TempDir dir;
  write_file(dir / "img.gz", idx_images(6, 28, 28), true);
  write_file(dir / "lab.gz", idx_labels(6), true);
  expect_idx_contents(read_idx(dir / "img.gz", dir / "lab.gz"), 6, 28);
}

TEST_F(DataTest, LoadsFashionMnistFromDataDirGzippedOrNot) {
  for (bool gz : {true, false}) {
    TempDir dir;
    write_idx_set(dir, 40, 12, gz);
    const DataBundle b = load_data(idx_options(dir));
    EXPECT_EQ(b.train.size(), 40);
    EXPECT_EQ(b.eval.size(), 12);
    EXPECT_EQ(b.shape.channels, 1);
    EXPECT_EQ(b.shape.height, 28);
    EXPECT_EQ(b.shape.width, 28);
    EXPECT_EQ(b.classes, 10);
    EXPECT_TRUE(b.flip);
    EXPECT_EQ(b.pad, 4);
    ASSERT_EQ(b.mean.size(), 1u);
    EXPECT_EQ(b.info.name, "fashion-mnist");
    EXPECT_EQ(b.info.train_size, 40);
    EXPECT_EQ(b.info.eval_size, 12);
    expect_idx_contents(b.eval, 12, 28);
  }
}

TEST_F(DataTest, MnistLoadsTheSameFilesWithoutFlip) {
  TempDir dir;
  write_idx_set(dir, 20, 10, true);
  const DataBundle b = load_data(idx_options(dir, "mnist"));
  EXPECT_EQ(b.train.size(), 20);
  EXPECT_FALSE(b.flip);
}

TEST_F(DataTest, ValidationSplitIsDisjointFromTrainingRowsAndSeeded) {
  TempDir dir;
  write_idx_set(dir, 300, 10, false, 8);
  DataOptions o = idx_options(dir, "fashion-mnist", "validation");
  o.seed = 1;
  const DataBundle a = load_data(o);
  EXPECT_EQ(a.eval.size(), 30);
  EXPECT_EQ(a.train.size(), 270);
  EXPECT_EQ(a.info.split, "validation");
  const auto train_ids = image_ids(a.train), eval_ids = image_ids(a.eval);
  std::set<int> all(train_ids.begin(), train_ids.end());
  for (int id : eval_ids) EXPECT_TRUE(all.insert(id).second) << "row " << id << " in both sets";
  EXPECT_EQ(all.size(), 300u);  // every training row is in exactly one of the two
  EXPECT_EQ(*all.rbegin(), 299);
  // Labels stay with their images.
  for (std::int64_t i = 0; i < a.eval.size(); ++i)
    EXPECT_EQ(a.eval.labels[i].item<int>(), label_of(eval_ids[i]));

  const DataBundle same = load_data(o);
  EXPECT_EQ(image_ids(same.eval), eval_ids);
  o.seed = 2;
  const DataBundle other = load_data(o);
  EXPECT_NE(image_ids(other.eval), eval_ids);
  // The test files never leak into a validation run: ids only go up to 299.
}

TEST_F(DataTest, SubsetsAreSeededAndSized) {
  TempDir dir;
  write_idx_set(dir, 100, 50, false, 8);
  DataOptions o = idx_options(dir);
  o.train_subset = 30;
  o.eval_subset = 20;
  o.seed = 5;
  const DataBundle a = load_data(o), b = load_data(o);
  EXPECT_EQ(a.train.size(), 30);
  EXPECT_EQ(a.eval.size(), 20);
  EXPECT_EQ(image_ids(a.train), image_ids(b.train));
  const auto ids = image_ids(a.train);
  EXPECT_EQ(std::set<int>(ids.begin(), ids.end()).size(), 30u);
  o.seed = 6;
  EXPECT_NE(image_ids(load_data(o).train), ids);
  // A subset larger than the set takes all of it, and says so.
  o.train_subset = 1000;
  auto said = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(8);
  spdlog::default_logger()->sinks().push_back(said);
  EXPECT_EQ(load_data(o).train.size(), 100);
  spdlog::default_logger()->sinks().pop_back();
  const auto lines = said->last_formatted();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("--train-subset 1000 is more than the 100 training images"),
            std::string::npos)
      << lines[0];
}

TEST_F(DataTest, WrongMagicNumberIsRejectedNamingTheFile) {
  TempDir dir;
  write_file(dir / "img", idx_images(3, 28, 28, 2049), false);
  write_file(dir / "lab", idx_labels(3), false);
  expect_error<InputError>([&] { read_idx(dir / "img", dir / "lab"); }, dir / "img");
  write_file(dir / "img", idx_images(3, 28, 28), false);
  write_file(dir / "lab", idx_labels(3, 2051), false);
  expect_error<InputError>([&] { read_idx(dir / "img", dir / "lab"); }, dir / "lab");
}

TEST_F(DataTest, LabelsBeyondTheClassesAreRejectedNamingFileAndIndex) {
  TempDir dir;
  write_file(dir / "img", idx_images(4, 28, 28), false);
  Bytes lab = idx_labels(4);
  lab[8 + 2] = 10;  // the third label: no output of a 10-class network
  write_file(dir / "lab", lab, false);
  expect_error<InputError>([&] { read_idx(dir / "img", dir / "lab"); }, dir / "lab");
  expect_error<InputError>([&] { read_idx(dir / "img", dir / "lab"); }, "at index 2");
}

TEST_F(DataTest, AFileThatExpandsBeyondItsHeaderIsRefusedWithoutReadingItAll) {
  TempDir dir;
  // A header for 2 images, then 64 MB of zeros: compressed a few dozen kB.
  Bytes img = idx_images(2, 28, 28);
  img.resize(img.size() + (64 << 20), 0);
  write_file(dir / "img.gz", img, true);
  write_file(dir / "lab", idx_labels(2), false);
  expect_error<InputError>([&] { read_idx(dir / "img.gz", dir / "lab"); },
                           "more data than its header says");
}

TEST_F(DataTest, TrainingAndTestImagesOfDifferentShapesAreRejected) {
  TempDir dir;
  write_idx_set(dir, 10, 4, false);
  write_file(dir / "t10k-images-idx3-ubyte", idx_images(4, 20, 20), false);
  expect_error<InputError>([&] { load_data(idx_options(dir)); }, "not one data set");
}

TEST_F(DataTest, ADirectoryWhereADataFileBelongsIsNamed) {
  TempDir dir;
  fs::create_directories(dir / "img");
  write_file(dir / "lab", idx_labels(2), false);
  expect_error<InputError>([&] { read_idx(dir / "img", dir / "lab"); }, "is a directory");
}

TEST_F(DataTest, TruncatedFilesAreRejectedNamingTheFile) {
  TempDir dir;
  Bytes img = idx_images(4, 28, 28);
  img.resize(img.size() - 100);
  write_file(dir / "img", img, false);
  write_file(dir / "lab", idx_labels(4), false);
  expect_error<InputError>([&] { read_idx(dir / "img", dir / "lab"); }, dir / "img");

  Bytes lab = idx_labels(4);
  lab.pop_back();
  write_file(dir / "img", idx_images(4, 28, 28), false);
  write_file(dir / "lab", lab, false);
  expect_error<InputError>([&] { read_idx(dir / "img", dir / "lab"); }, dir / "lab");

  // A header cut short.
  write_file(dir / "short", Bytes{0, 0, 8, 3, 0, 0}, false);
  expect_error<InputError>([&] { read_idx(dir / "short", dir / "lab"); }, dir / "short");
}

TEST_F(DataTest, TruncatedGzipIsRejectedNamingTheFile) {
  TempDir dir;
  write_file(dir / "img.gz", idx_images(50, 28, 28), true);
  write_file(dir / "lab.gz", idx_labels(50), true);
  const auto full = fs::file_size(dir / "img.gz");
  fs::resize_file(dir / "img.gz", full / 2);
  expect_error<InputError>([&] { read_idx(dir / "img.gz", dir / "lab.gz"); }, dir / "img.gz");
}

TEST_F(DataTest, MismatchedImageAndLabelCountsAreRejected) {
  TempDir dir;
  write_file(dir / "img", idx_images(5, 28, 28), false);
  write_file(dir / "lab", idx_labels(4), false);
  expect_error<InputError>([&] { read_idx(dir / "img", dir / "lab"); }, dir / "img");
  expect_error<InputError>([&] { read_idx(dir / "img", dir / "lab"); }, dir / "lab");
}

TEST_F(DataTest, MissingFileIsRejectedNamingTheFile) {
  TempDir dir;
  write_file(dir / "lab", idx_labels(4), false);
  expect_error<InputError>([&] { read_idx(dir / "nope", dir / "lab"); }, dir / "nope");

  write_idx_set(dir, 10, 5, true);
  fs::remove(dir / "t10k-labels-idx1-ubyte.gz");
  expect_error<InputError>([&] { load_data(idx_options(dir)); }, "t10k-labels-idx1-ubyte");
}

TEST_F(DataTest, MissingDirectoryIsRejectedNamingIt) {
  TempDir dir;
  const std::string missing = dir / "no-such-dir";
  for (const char* name : {"fashion-mnist", "mnist", "cifar10"}) {
    DataOptions o;
    o.name = name;
    o.dir = missing;
    expect_error<InputError>([&] { load_data(o); }, missing);
  }
}

TEST_F(DataTest, UnknownDataSetOrSplitIsAUsageError) {
  DataOptions o;
  o.name = "nope";
  expect_error<UsageError>([&] { load_data(o); }, "nope");
  o.name = "synthetic";
  o.eval_split = "train";
  expect_error<UsageError>([&] { load_data(o); }, "train");
}

// ---- CIFAR-10 --------------------------------------------------------------------------------

std::uint8_t cifar_pixel(int file, int i, int c, int y, int x) {
  return static_cast<std::uint8_t>((file * 31 + i * 13 + c * 101 + y * 7 + x) % 256);
}

/// A CIFAR-10 binary batch: per record 1 label byte, then 1024 red, 1024 green, 1024 blue.
Bytes cifar_batch(int file, int n) {
  Bytes b;
  for (int i = 0; i < n; ++i) {
    b.push_back(static_cast<std::uint8_t>((file + i) % 10));
    for (int c = 0; c < 3; ++c)
      for (int y = 0; y < 32; ++y)
        for (int x = 0; x < 32; ++x) b.push_back(cifar_pixel(file, i, c, y, x));
  }
  return b;
}

void write_cifar(const TempDir& dir, int per_batch, int n_test) {
  for (int f = 1; f <= 5; ++f)
    write_file(dir / ("data_batch_" + std::to_string(f) + ".bin"), cifar_batch(f, per_batch),
               false);
  write_file(dir / "test_batch.bin", cifar_batch(0, n_test), false);
}

TEST_F(DataTest, ReadsCifar10BinaryBatches) {
  TempDir dir;
  write_cifar(dir, 3, 4);
  DataOptions o;
  o.name = "cifar10";
  o.dir = dir.str();
  o.eval_split = "test";
  const DataBundle b = load_data(o);
  ASSERT_EQ(b.train.images.sizes(), (std::vector<int64_t>{15, 3, 32, 32}));
  ASSERT_EQ(b.eval.images.sizes(), (std::vector<int64_t>{4, 3, 32, 32}));
  EXPECT_EQ(b.train.images.scalar_type(), torch::kUInt8);
  EXPECT_EQ(b.shape.channels, 3);
  EXPECT_EQ(b.mean.size(), 3u);
  EXPECT_TRUE(b.flip);
  // Files in order 1..5, records in order; channel planes red, green, blue.
  for (int f = 1; f <= 5; ++f) {
    for (int i = 0; i < 3; ++i) {
      const int row = (f - 1) * 3 + i;
      EXPECT_EQ(b.train.labels[row].item<int>(), (f + i) % 10);
      for (int c = 0; c < 3; ++c) {
        EXPECT_EQ(b.train.images[row][c][0][0].item<int>(), cifar_pixel(f, i, c, 0, 0));
        EXPECT_EQ(b.train.images[row][c][17][5].item<int>(), cifar_pixel(f, i, c, 17, 5));
        EXPECT_EQ(b.train.images[row][c][31][31].item<int>(), cifar_pixel(f, i, c, 31, 31));
      }
    }
  }
  EXPECT_EQ(b.eval.labels[3].item<int>(), 3);

  const Dataset direct = read_cifar10({dir / "test_batch.bin"});
  EXPECT_TRUE(torch::equal(direct.images, b.eval.images));
}

TEST_F(DataTest, TruncatedCifarFileIsRejected) {
  TempDir dir;
  write_cifar(dir, 2, 2);
  Bytes cut = cifar_batch(3, 2);
  cut.resize(cut.size() - 500);
  write_file(dir / "data_batch_3.bin", cut, false);
  DataOptions o;
  o.name = "cifar10";
  o.dir = dir.str();
  expect_error<InputError>([&] { load_data(o); }, dir / "data_batch_3.bin");
  expect_error<InputError>([&] { read_cifar10({dir / "data_batch_3.bin"}); }, "data_batch_3.bin");
  fs::remove(dir / "data_batch_3.bin");
  expect_error<InputError>([&] { load_data(o); }, "data_batch_3.bin");
}

// ---- synthetic -------------------------------------------------------------------------------

TEST_F(DataTest, SyntheticIsDeterministicPerSeed) {
  const InputShape s{3, 32, 32};
  const Dataset a = make_synthetic(64, s, 10, 1), b = make_synthetic(64, s, 10, 1),
                c = make_synthetic(64, s, 10, 2);
  EXPECT_EQ(a.images.sizes(), (std::vector<int64_t>{64, 3, 32, 32}));
  EXPECT_EQ(a.images.scalar_type(), torch::kUInt8);
  EXPECT_TRUE(torch::equal(a.images, b.images));
  EXPECT_TRUE(torch::equal(a.labels, b.labels));
  EXPECT_FALSE(torch::equal(a.images, c.images));
  EXPECT_GE(a.labels.min().item<int>(), 0);
  EXPECT_LE(a.labels.max().item<int>(), 9);
}

TEST_F(DataTest, SyntheticSizesFollowSubsets) {
  DataOptions o;
  o.name = "synthetic";
  o.seed = 3;
  o.train_subset = 120;
  o.eval_subset = 40;
  for (const char* split : {"validation", "test"}) {
    o.eval_split = split;
    const DataBundle b = load_data(o);
    EXPECT_EQ(b.train.size(), 120) << split;
    EXPECT_EQ(b.eval.size(), 40) << split;
    EXPECT_EQ(b.shape.channels, 3);
    EXPECT_EQ(b.classes, 10);
  }
  o.train_subset = 0;
  o.eval_subset = 0;
  const DataBundle d = load_data(o);
  EXPECT_EQ(d.train.size(), 2000);
  EXPECT_EQ(d.eval.size(), 500);
  o.seed = 3;
  o.train_subset = 120;
  o.eval_subset = 40;
  EXPECT_TRUE(torch::equal(load_data(o).train.images, load_data(o).train.images));
}

// ---- batches and augmentation ----------------------------------------------------------------

DataBundle synthetic_bundle(std::int64_t n_train, std::int64_t n_eval = 16) {
  DataOptions o;
  o.name = "synthetic";
  o.eval_split = "test";
  o.train_subset = n_train;
  o.eval_subset = n_eval;
  o.seed = 1;
  return load_data(o);
}

TEST_F(DataTest, AugmentKeepsShapeAndIsSeeded) {
  const DataBundle data = synthetic_bundle(32);
  BatchLoader loader(data, torch::Device(torch::kCPU), 0);
  const auto images = data.train.images.slice(0, 0, 16);
  auto g1 = make_generator(torch::Device(torch::kCPU), 1);
  auto g1b = make_generator(torch::Device(torch::kCPU), 1);
  auto g2 = make_generator(torch::Device(torch::kCPU), 2);
  const auto a = loader.augment(images, g1), b = loader.augment(images, g1b),
             c = loader.augment(images, g2);
  EXPECT_EQ(a.sizes(), images.sizes());
  EXPECT_EQ(a.scalar_type(), torch::kFloat);
  EXPECT_TRUE(torch::equal(a, b));
  EXPECT_FALSE(torch::equal(a, c));
}

/// Every augmented image is a 32x32 window of the zero-padded original, flipped or not.
TEST_F(DataTest, AugmentIsAPaddedCropAndOptionalFlip) {
  DataBundle data = synthetic_bundle(16);
  BatchLoader loader(data, torch::Device(torch::kCPU), 0);
  auto gen = make_generator(torch::Device(torch::kCPU), 4);
  const auto images = data.train.images;
  const auto out = loader.augment(images, gen);
  const auto mean = torch::tensor(data.mean).view({1, 3, 1, 1}) * 255.0f;
  const auto std = torch::tensor(data.std).view({1, 3, 1, 1}) * 255.0f;
  const auto raw = (out * std + mean).round();
  const auto padded = torch::constant_pad_nd(images, {4, 4, 4, 4}, 0).to(torch::kFloat);
  int flipped = 0, shifted = 0;
  for (std::int64_t i = 0; i < images.size(0); ++i) {
    bool found = false;
    for (int dy = 0; dy <= 8 && !found; ++dy) {
      for (int dx = 0; dx <= 8 && !found; ++dx) {
        auto window = padded[i].slice(1, dy, dy + 32).slice(2, dx, dx + 32);
        if (torch::equal(window, raw[i])) {
          found = true;
          shifted += dy != 4 || dx != 4;
        } else if (torch::equal(window.flip({2}), raw[i])) {
          found = true;
          ++flipped;
          shifted += dy != 4 || dx != 4;
        }
      }
    }
    EXPECT_TRUE(found) << "image " << i << " is not a crop of the padded original";
  }
  EXPECT_GT(flipped, 0);
  EXPECT_GT(shifted, 0);
}

TEST_F(DataTest, NoFlipForMnist) {
  TempDir dir;
  write_idx_set(dir, 64, 8, false);
  DataBundle data = load_data(idx_options(dir, "mnist"));
  ASSERT_FALSE(data.flip);
  data.pad = 0;  // without the crop, the only change left would be a flip
  BatchLoader loader(data, torch::Device(torch::kCPU), 0);
  auto gen = make_generator(torch::Device(torch::kCPU), 3);
  EXPECT_TRUE(
      torch::equal(loader.augment(data.train.images, gen), loader.normalize(data.train.images)));

  data.flip = true;  // the same with flip on does change some images
  BatchLoader flipping(data, torch::Device(torch::kCPU), 0);
  auto gen2 = make_generator(torch::Device(torch::kCPU), 3);
  EXPECT_FALSE(torch::equal(flipping.augment(data.train.images, gen2),
                            flipping.normalize(data.train.images)));
}

TEST_F(DataTest, TrainBatchesKeepLabelsWithTheirImages) {
  // Constant images: pixel value i + 1 for image i, so the centre pixel survives crop and flip.
  DataBundle data = synthetic_bundle(200);
  const int n = 200;
  data.train.images = torch::arange(1, n + 1, torch::kLong)
                          .to(torch::kUInt8)
                          .view({n, 1, 1, 1})
                          .expand({n, 3, 32, 32})
                          .contiguous();
  data.train.labels = torch::arange(0, n, torch::kLong).remainder(7);
  BatchLoader loader(data, torch::Device(torch::kCPU), 9);
  loader.start_epoch(0);
  const auto mean = torch::tensor(data.mean).view({1, 3, 1, 1}) * 255.0f;
  const auto std = torch::tensor(data.std).view({1, 3, 1, 1}) * 255.0f;
  std::set<int> seen;
  for (std::int64_t b = 0, nb = loader.train_batch_count(64); b < nb; ++b) {
    auto [x, y] = loader.train_batch(b, 64);
    ASSERT_EQ(x.size(1), 3);
    ASSERT_EQ(x.size(2), 32);
    ASSERT_EQ(x.size(0), y.size(0));
    const auto centre =
        (x * std + mean).round().index({torch::indexing::Slice(), 0, 16, 16}).to(torch::kInt);
    for (std::int64_t i = 0; i < y.size(0); ++i) {
      const int id = centre[i].item<int>() - 1;
      EXPECT_EQ(y[i].item<int>(), id % 7);
      EXPECT_TRUE(seen.insert(id).second) << "image " << id << " twice in one epoch";
    }
  }
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(n));
}

TEST_F(DataTest, EpochShufflesAreSeeded) {
  const DataBundle data = synthetic_bundle(100);
  BatchLoader a(data, torch::Device(torch::kCPU), 1), b(data, torch::Device(torch::kCPU), 1),
      c(data, torch::Device(torch::kCPU), 2);
  a.start_epoch(0);
  b.start_epoch(0);
  c.start_epoch(0);
  const auto xa = a.train_batch(0, 32), xb = b.train_batch(0, 32), xc = c.train_batch(0, 32);
  EXPECT_TRUE(torch::equal(xa.first, xb.first));
  EXPECT_TRUE(torch::equal(xa.second, xb.second));
  EXPECT_FALSE(torch::equal(xa.first, xc.first));
  a.start_epoch(1);
  EXPECT_FALSE(torch::equal(a.train_batch(0, 32).first, xa.first));
  a.start_epoch(0);
  EXPECT_TRUE(torch::equal(a.train_batch(0, 32).first, xa.first));
}

TEST_F(DataTest, NormalisedBatchHasTheExpectedMean) {
  TempDir dir;
  write_idx_set(dir, 8, 8, false);
  DataBundle data = load_data(idx_options(dir));
  // Fashion-MNIST's mean is 0.2860 * 255 = 72.9: images of 73 normalise to about 0.
  data.eval.images.fill_(73);
  BatchLoader loader(data, torch::Device(torch::kCPU), 0);
  auto [x, y] = loader.eval_batch(0, 8);
  EXPECT_NEAR(x.mean().item<double>(), 0.0, 0.01);
  // Uniform noise 0..255: mean (0.5 - 0.2860) / 0.3530 = 0.606.
  auto gen = make_generator(torch::Device(torch::kCPU), 0);
  const auto noise = torch::randint(0, 256, {64, 1, 28, 28}, gen, torch::kLong).to(torch::kUInt8);
  EXPECT_NEAR(loader.normalize(noise).mean().item<double>(), (127.5 / 255 - 0.2860) / 0.3530, 0.02);

  // CIFAR-10 statistics per channel.
  DataBundle synth = synthetic_bundle(8);
  synth.mean = {0.4914f, 0.4822f, 0.4465f};
  synth.std = {0.2023f, 0.1994f, 0.2010f};
  BatchLoader cifar(synth, torch::Device(torch::kCPU), 0);
  const auto grey = torch::full({2, 3, 32, 32}, 128, torch::kUInt8);
  const auto n = cifar.normalize(grey);
  for (int c = 0; c < 3; ++c) {
    EXPECT_NEAR(n.select(1, c).mean().item<double>(), (128.0 / 255 - synth.mean[c]) / synth.std[c],
                1e-4);
  }
}

TEST_F(DataTest, EvalBatchesCoverTheSetInOrder) {
  const DataBundle data = synthetic_bundle(10, 50);
  BatchLoader loader(data, torch::Device(torch::kCPU), 0);
  ASSERT_EQ(loader.eval_batch_count(16), 4);
  std::vector<torch::Tensor> labels;
  for (std::int64_t i = 0; i < 4; ++i) labels.push_back(loader.eval_batch(i, 16).second);
  EXPECT_EQ(labels.back().size(0), 2);
  EXPECT_TRUE(torch::equal(torch::cat(labels), data.eval.labels));
}

TEST_F(DataTest, TrainBatchCountDropsATrailingBatchOfOne) {
  const std::pair<int, int> cases[] = {{129, 2}, {128, 2}, {130, 3}, {65, 1}, {66, 2}, {63, 1}};
  for (const auto& [n, expected] : cases) {
    const DataBundle data = synthetic_bundle(n);
    BatchLoader loader(data, torch::Device(torch::kCPU), 0);
    EXPECT_EQ(loader.train_batch_count(64), expected) << n << " images";
    loader.start_epoch(0);
    for (std::int64_t i = 0; i < loader.train_batch_count(64); ++i) {
      EXPECT_GT(loader.train_batch(i, 64).first.size(0), 1) << n << " images, batch " << i;
    }
  }
}

}  // namespace
}  // namespace nas
