#pragma once
// Seeded randomness with results that do not depend on the standard library's distribution
// implementations, so a seed names the same search on every compiler.
#include <cstddef>
#include <cstdint>
#include <random>

namespace nas {

using Rng = std::mt19937_64;

/// Mixes a seed and a stream number (e.g. a trial id) into an independent generator seed.
std::uint64_t mix_seed(std::uint64_t seed, std::uint64_t stream);

/// A generator for stream `stream` of `seed`: trial n of a search draws from rng_for(seed, n).
Rng rng_for(std::uint64_t seed, std::uint64_t stream);

/// Uniform integer in [0, n); n must be > 0. Rejection sampling, no modulo bias.
std::size_t uniform_index(Rng& rng, std::size_t n);

/// Uniform double in [0, 1).
double uniform01(Rng& rng);

/// A seed from the operating system, for runs where the user gave none (it is recorded).
std::uint64_t random_seed();

}  // namespace nas
