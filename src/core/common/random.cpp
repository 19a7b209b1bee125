#include "nas/core/common/random.hpp"

namespace nas {

std::uint64_t mix_seed(std::uint64_t seed, std::uint64_t stream) {
  // splitmix64 over a combination of both: neighbouring streams get unrelated seeds.
  std::uint64_t z = seed + 0x9e3779b97f4a7c15ULL * (stream + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

Rng rng_for(std::uint64_t seed, std::uint64_t stream) { return Rng(mix_seed(seed, stream)); }

std::size_t uniform_index(Rng& rng, std::size_t n) {
  const std::uint64_t range = static_cast<std::uint64_t>(n);
  const std::uint64_t limit = UINT64_MAX - UINT64_MAX % range;
  std::uint64_t x;
  do {
    x = rng();
  } while (x >= limit);
  return static_cast<std::size_t>(x % range);
}

double uniform01(Rng& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

std::uint64_t random_seed() {
  std::random_device rd;
  // Keep seeds below 2^53 so they survive a round trip through JSON readers that use doubles.
  return ((static_cast<std::uint64_t>(rd()) << 32) ^ rd()) & ((1ULL << 53) - 1);
}

}  // namespace nas
