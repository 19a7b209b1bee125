#include "nas/error.hpp"

namespace nas {

int exit_code_for(const std::exception& e) {
  if (dynamic_cast<const InputError*>(&e) || dynamic_cast<const UsageError*>(&e)) {
    return kExitUsage;
  }
  if (dynamic_cast<const Interrupted*>(&e)) return kExitInterrupted;
  return kExitFailure;
}

}  // namespace nas
