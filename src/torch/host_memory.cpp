#include "nas/torch/host_memory.hpp"

#include <cstdlib>
#include <initializer_list>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace nas {

bool keep_freed_memory_for_reuse() {
#if defined(__GLIBC__)
  for (const char* tuned : {"MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "GLIBC_TUNABLES"}) {
    if (std::getenv(tuned) != nullptr) return false;
  }
  // 32 MiB is the largest mmap threshold glibc accepts on 64-bit; larger tensors (a big training
  // batch's activations) still come from mmap. Setting it fixes the threshold, so timings do not
  // depend on which frees came before. The trim threshold bounds what an idle process keeps.
  const bool mmap_set = mallopt(M_MMAP_THRESHOLD, 32 << 20) == 1;
  const bool trim_set = mallopt(M_TRIM_THRESHOLD, 256 << 20) == 1;
  return mmap_set && trim_set;
#else
  return false;
#endif
}

}  // namespace nas
