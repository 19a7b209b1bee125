#include "nas/torch/version.hpp"

#include <torch/version.h>

namespace nas {

std::string nas_version() { return NAS_VERSION; }
std::string libtorch_version() { return TORCH_VERSION; }

}  // namespace nas
