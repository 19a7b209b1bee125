#pragma once
// Byte-level readers of the image data set files: IDX (as MNIST and Fashion-MNIST ship) and
// CIFAR-10's binary batches. Tensor-free, so the fuzz targets and core tests reach every check;
// data.cpp reads the files (gunzipping, bounded by these sizes) and wraps the result in tensors.
// Every defect is an InputError naming the file.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace nas {

/// Images of one shape with one label each, pixels as stored (N x C x H x W, row-major).
struct ImageSet {
  std::int64_t count = 0;
  int channels = 1;
  int height = 0;
  int width = 0;
  std::vector<std::uint8_t> pixels;
  std::vector<std::uint8_t> labels;
};

constexpr std::size_t kIdxImagesHeader = 16;
constexpr std::size_t kIdxLabelsHeader = 8;
constexpr std::int64_t kCifarRecordBytes = 1 + 3 * 32 * 32;

/// How many bytes an IDX images file must hold in all, from its first 16; throws for a wrong
/// magic number or an implausible image size. No overflow: 2^32 images of at most 65535^2.
std::uint64_t idx_images_size(const std::vector<std::uint8_t>& head, const std::string& path);
/// The same for an IDX labels file, from its first 8 bytes.
std::uint64_t idx_labels_size(const std::vector<std::uint8_t>& head, const std::string& path);

/// Checks a (decompressed) IDX images file and its labels file against each other and unpacks
/// them: sizes as the headers say, as many labels as images, every label below `classes`.
ImageSet parse_idx(const std::vector<std::uint8_t>& images, const std::string& images_path,
                   const std::vector<std::uint8_t>& labels, const std::string& labels_path,
                   int classes);

/// One CIFAR-10 binary batch: records of 1 label byte (0-9) and 3x32x32 pixel bytes.
ImageSet parse_cifar10(const std::vector<std::uint8_t>& bytes, const std::string& path);

}  // namespace nas
