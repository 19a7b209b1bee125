#include "nas/core/common/error.hpp"

#include <sstream>

namespace nas {

std::string quote_number(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

int exit_code_for(const std::exception& e) {
  if (dynamic_cast<const InputError*>(&e) || dynamic_cast<const UsageError*>(&e)) {
    return kExitUsage;
  }
  if (dynamic_cast<const Interrupted*>(&e)) return kExitInterrupted;
  return kExitFailure;
}

}  // namespace nas
