#pragma once
// A whole file as bytes, gunzipped when it is gzip data (by its magic number, not its name):
// the tables we ship (data/) are stored compressed and read whole.
#include <cstdint>
#include <string>

namespace nas {

/// Throws InputError naming the file when it is missing, unreadable, corrupt or truncated gzip
/// data, or larger than `max_bytes` once decompressed.
std::string read_maybe_gzip(const std::string& path, std::uint64_t max_bytes = 1ull << 30);

}  // namespace nas
