#pragma once
// 64-bit FNV-1a: a fast, stable, non-cryptographic hash for keys and fingerprints that are
// compared across runs and machines (std::hash promises neither).
#include <cstddef>
#include <cstdint>
#include <string>

namespace nas {

/// Hashes `size` bytes, continuing from `hash` (the FNV offset basis for a fresh hash).
std::uint64_t fnv1a(const void* data, std::size_t size, std::uint64_t hash = 0xcbf29ce484222325ull);
/// 16 lowercase hex digits.
std::string hex64(std::uint64_t v);

}  // namespace nas
