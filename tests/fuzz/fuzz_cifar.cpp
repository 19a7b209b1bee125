// libFuzzer target: one CIFAR-10 binary batch file.
#include <cstdint>
#include <vector>

#include "nas/core/common/error.hpp"
#include "nas/core/common/image_files.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::vector<std::uint8_t> bytes(data, data + size);
  try {
    const nas::ImageSet set = nas::parse_cifar10(bytes, "batch");
    if (set.pixels.size() != std::size_t(set.count) * 3 * 32 * 32) __builtin_trap();
    for (auto l : set.labels)
      if (l > 9) __builtin_trap();
  } catch (const nas::InputError&) {
  }
  return 0;
}
