#pragma once
#include <string>

namespace nas {

/// This program's version (from CMake's project version).
std::string nas_version();
/// The LibTorch version this build links against, e.g. "1.13.1".
std::string libtorch_version();

}  // namespace nas
