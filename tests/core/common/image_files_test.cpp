#include "nas/core/common/image_files.hpp"

#include <gtest/gtest.h>

#include "nas/core/common/error.hpp"

namespace nas {
namespace {

using Bytes = std::vector<std::uint8_t>;

void be32(Bytes& b, std::uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<std::uint8_t>(v >> s));
}

Bytes images(std::uint32_t n, std::uint32_t h, std::uint32_t w, std::size_t pixels) {
  Bytes b;
  be32(b, 2051);
  be32(b, n);
  be32(b, h);
  be32(b, w);
  for (std::size_t i = 0; i < pixels; ++i) b.push_back(static_cast<std::uint8_t>(i));
  return b;
}

Bytes labels(const Bytes& values) {
  Bytes b;
  be32(b, 2049);
  be32(b, static_cast<std::uint32_t>(values.size()));
  b.insert(b.end(), values.begin(), values.end());
  return b;
}

template <typename F>
std::string error_of(F f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(ImageFiles, UnpacksAnIdxPair) {
  const ImageSet set = parse_idx(images(2, 3, 4, 24), "img", labels({1, 9}), "lab", 10);
  EXPECT_EQ(set.count, 2);
  EXPECT_EQ(set.channels, 1);
  EXPECT_EQ(set.height, 3);
  EXPECT_EQ(set.width, 4);
  EXPECT_EQ(set.pixels.size(), 24u);
  EXPECT_EQ(set.pixels[23], 23);
  EXPECT_EQ(set.labels, (Bytes{1, 9}));
}

TEST(ImageFiles, TheHeaderSaysHowBigTheFileMustBe) {
  EXPECT_EQ(idx_images_size(images(60000, 28, 28, 0), "img"), 16u + 60000u * 28 * 28);
  // The largest header: 2^32-1 images of 65535x65535, no overflow in 64 bits.
  EXPECT_EQ(idx_images_size(images(0xffffffffu, 65535, 65535, 0), "img"),
            16u + 0xffffffffull * 65535ull * 65535ull);
  EXPECT_NE(error_of([] { idx_images_size(images(1, 0, 28, 0), "img"); }).find("implausible"),
            std::string::npos);
  EXPECT_NE(error_of([] { idx_images_size(images(1, 28, 70000, 0), "img"); }).find("img"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              idx_labels_size(Bytes{0, 0, 8, 1}, "lab");
            }).find("truncated"),
            std::string::npos);
}

TEST(ImageFiles, EveryMismatchNamesItsFile) {
  EXPECT_NE(error_of([] {
              parse_idx(images(2, 3, 4, 23), "img", labels({1, 2}), "lab", 10);
            }).find("img:"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              parse_idx(images(2, 3, 4, 25), "img", labels({1, 2}), "lab", 10);
            }).find("img:"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              parse_idx(images(2, 3, 4, 24), "img", labels({1}), "lab", 10);
            }).find("1 labels"),
            std::string::npos);
  Bytes bad = labels({1, 2});
  bad[0] = 9;
  EXPECT_NE(error_of([&] {
              parse_idx(images(2, 3, 4, 24), "img", bad, "lab", 10);
            }).find("lab: wrong magic"),
            std::string::npos);
  const std::string label = error_of([] {
    parse_idx(images(3, 1, 1, 3), "img", labels({0, 9, 10}), "lab", 10);
  });
  EXPECT_NE(label.find("lab: label 10 at index 2"), std::string::npos) << label;
}

TEST(ImageFiles, CifarRecordsAndTheirChecks) {
  Bytes batch(2 * kCifarRecordBytes, 5);
  batch[0] = 3;
  batch[kCifarRecordBytes] = 9;
  const ImageSet set = parse_cifar10(batch, "b");
  EXPECT_EQ(set.count, 2);
  EXPECT_EQ(set.channels, 3);
  EXPECT_EQ(set.labels, (Bytes{3, 9}));
  EXPECT_EQ(set.pixels.size(), 2u * 3072);
  batch[kCifarRecordBytes] = 10;
  EXPECT_NE(error_of([&] { parse_cifar10(batch, "b"); }).find("b: label 10 of record 1"),
            std::string::npos);
  batch.pop_back();
  EXPECT_NE(error_of([&] { parse_cifar10(batch, "b"); }).find("not a multiple"), std::string::npos);
  EXPECT_NE(error_of([] { parse_cifar10({}, "b"); }).find("b:"), std::string::npos);
}

}  // namespace
}  // namespace nas
