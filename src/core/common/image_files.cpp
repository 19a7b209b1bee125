#include "nas/core/common/image_files.hpp"

#include "nas/core/common/error.hpp"

namespace nas {
namespace {

constexpr std::uint32_t kIdxImagesMagic = 2051;
constexpr std::uint32_t kIdxLabelsMagic = 2049;

std::uint32_t be32(const std::vector<std::uint8_t>& b, std::size_t at) {
  return (std::uint32_t(b[at]) << 24) | (std::uint32_t(b[at + 1]) << 16) |
         (std::uint32_t(b[at + 2]) << 8) | std::uint32_t(b[at + 3]);
}

void check_magic(const std::vector<std::uint8_t>& head, std::size_t header, std::uint32_t magic,
                 const std::string& path) {
  if (head.size() < header) throw InputError(path + ": truncated IDX header");
  if (be32(head, 0) != magic) {
    throw InputError(path + ": wrong magic number " + std::to_string(be32(head, 0)) +
                     " (expected " + std::to_string(magic) + ")");
  }
}

}  // namespace

std::uint64_t idx_images_size(const std::vector<std::uint8_t>& head, const std::string& path) {
  check_magic(head, kIdxImagesHeader, kIdxImagesMagic, path);
  const std::uint64_t h = be32(head, 8), w = be32(head, 12);
  if (h < 1 || w < 1 || h > 65535 || w > 65535) {
    throw InputError(path + ": implausible image size " + std::to_string(h) + "x" +
                     std::to_string(w));
  }
  return kIdxImagesHeader + std::uint64_t(be32(head, 4)) * h * w;
}

std::uint64_t idx_labels_size(const std::vector<std::uint8_t>& head, const std::string& path) {
  check_magic(head, kIdxLabelsHeader, kIdxLabelsMagic, path);
  return kIdxLabelsHeader + std::uint64_t(be32(head, 4));
}

ImageSet parse_idx(const std::vector<std::uint8_t>& images, const std::string& images_path,
                   const std::vector<std::uint8_t>& labels, const std::string& labels_path,
                   int classes) {
  const std::uint64_t image_bytes = idx_images_size(images, images_path);
  const std::uint64_t label_bytes = idx_labels_size(labels, labels_path);
  const std::int64_t n = be32(images, 4), h = be32(images, 8), w = be32(images, 12);
  const std::int64_t nl = be32(labels, 4);
  if (images.size() != image_bytes) {
    throw InputError(images_path + ": " + std::to_string(images.size() - kIdxImagesHeader) +
                     " image bytes for " + std::to_string(n) + " images of " + std::to_string(h) +
                     "x" + std::to_string(w) + " (truncated or corrupt)");
  }
  if (labels.size() != label_bytes) {
    throw InputError(labels_path + ": " + std::to_string(labels.size() - kIdxLabelsHeader) +
                     " label bytes for " + std::to_string(nl) + " labels (truncated or corrupt)");
  }
  if (n != nl) {
    throw InputError(images_path + ": " + std::to_string(n) + " images but " + labels_path +
                     " has " + std::to_string(nl) + " labels");
  }
  ImageSet set;
  set.count = n;
  set.height = static_cast<int>(h);
  set.width = static_cast<int>(w);
  set.labels.assign(labels.begin() + kIdxLabelsHeader, labels.end());
  // A label the network has no output for would fail every trial of a search.
  for (std::size_t i = 0; i < set.labels.size(); ++i) {
    if (set.labels[i] >= classes) {
      throw InputError(labels_path + ": label " + std::to_string(set.labels[i]) + " at index " +
                       std::to_string(i) + " is not below the " + std::to_string(classes) +
                       " classes");
    }
  }
  set.pixels.assign(images.begin() + kIdxImagesHeader, images.end());
  return set;
}

ImageSet parse_cifar10(const std::vector<std::uint8_t>& bytes, const std::string& path) {
  const auto size = static_cast<std::int64_t>(bytes.size());
  if (size == 0 || size % kCifarRecordBytes != 0) {
    throw InputError(path + ": size " + std::to_string(size) + " is not a multiple of " +
                     std::to_string(kCifarRecordBytes) + " (truncated or not CIFAR-10 binary)");
  }
  ImageSet set;
  set.count = size / kCifarRecordBytes;
  set.channels = 3;
  set.height = 32;
  set.width = 32;
  set.labels.reserve(set.count);
  set.pixels.reserve(set.count * (kCifarRecordBytes - 1));
  for (std::int64_t r = 0; r < set.count; ++r) {
    const auto* record = bytes.data() + r * kCifarRecordBytes;
    if (record[0] > 9) {
      throw InputError(path + ": label " + std::to_string(record[0]) + " of record " +
                       std::to_string(r) + " is above 9 (not CIFAR-10 binary)");
    }
    set.labels.push_back(record[0]);
    set.pixels.insert(set.pixels.end(), record + 1, record + kCifarRecordBytes);
  }
  return set;
}

}  // namespace nas
