#include "nas/core/common/gzip_file.hpp"

#include <zlib.h>

#include <filesystem>

#include "nas/core/common/error.hpp"

namespace nas {

std::string read_maybe_gzip(const std::string& path, std::uint64_t max_bytes) {
  if (!std::filesystem::is_regular_file(path)) throw InputError(path + ": file not found");
  // gzread passes data that is not gzip through unchanged, so one reader serves both forms.
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) throw InputError(path + ": cannot open");
  std::string out;
  char buf[1 << 16];
  int n = 0;
  while ((n = gzread(f, buf, sizeof buf)) > 0) {
    out.append(buf, static_cast<std::size_t>(n));
    if (out.size() > max_bytes) {
      gzclose(f);
      throw InputError(path + ": larger than " + std::to_string(max_bytes) + " bytes");
    }
  }
  int err = 0;
  const char* msg = gzerror(f, &err);
  const std::string reason = msg ? msg : "";
  gzclose(f);
  if (n < 0 || (err != Z_OK && err != Z_STREAM_END)) {
    throw InputError(path + ": corrupt or truncated gzip data (" + reason + ")");
  }
  return out;
}

}  // namespace nas
