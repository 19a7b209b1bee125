#include "nas/console/build_info.hpp"

// CMake defines these from what it found (CMakeLists.txt), for this file only.
#ifndef NAS_LIBTORCH_VERSION
#define NAS_LIBTORCH_VERSION "unknown"
#endif
#ifndef NAS_BUILT_WITH_CUDA
#define NAS_BUILT_WITH_CUDA 0
#endif
#ifndef NAS_BUILT_WITH_MPI
#define NAS_BUILT_WITH_MPI 0
#endif

namespace nas {

std::string build_summary(const std::string& program, const std::string& compute) {
  const std::string cuda =
      !compute.empty() ? compute : (NAS_BUILT_WITH_CUDA ? "CUDA build" : "CPU only");
  return program + " " + NAS_VERSION + " (LibTorch " + NAS_LIBTORCH_VERSION + ", " + cuda +
         ", MPI " + (NAS_BUILT_WITH_MPI ? "yes" : "no") + ")";
}

}  // namespace nas
