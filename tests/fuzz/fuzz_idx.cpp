// libFuzzer target: an IDX images file and its labels file (the first two bytes say where the
// input splits), through the same checks nas search runs on Fashion-MNIST.
#include <cstdint>
#include <vector>

#include "nas/core/common/error.hpp"
#include "nas/core/common/image_files.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::size_t split = (std::size_t(data[0]) | std::size_t(data[1]) << 8) % (size - 1);
  const std::vector<std::uint8_t> images(data + 2, data + 2 + split);
  const std::vector<std::uint8_t> labels(data + 2 + split, data + size);
  try {
    if (images.size() >= nas::kIdxImagesHeader) nas::idx_images_size(images, "images");
    if (labels.size() >= nas::kIdxLabelsHeader) nas::idx_labels_size(labels, "labels");
    const nas::ImageSet set = nas::parse_idx(images, "images", labels, "labels", 10);
    // What data.cpp relies on: one label per image, every pixel there.
    if (set.labels.size() != std::size_t(set.count) ||
        set.pixels.size() != std::size_t(set.count) * set.height * set.width)
      __builtin_trap();
  } catch (const nas::InputError&) {
  }
  return 0;
}
