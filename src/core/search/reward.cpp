#include "nas/core/search/reward.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "nas/core/common/error.hpp"

namespace nas {

double reward_of(double accuracy, double latency_ms, const RewardOptions& r) {
  if (!r.target_latency_ms) {
    // The original's metric, unchanged, so old experiments score and resume as they did.
    if (r.latency_exponent == 0.0) return accuracy;
    return accuracy * std::pow(std::max(latency_ms * 1000.0, 1e-9), -r.latency_exponent);
  }
  const double ratio = std::max(latency_ms, 1e-12) / *r.target_latency_ms;
  if (r.kind == "hard") return ratio <= 1.0 ? accuracy : accuracy / ratio;
  if (r.kind == "absolute") return accuracy / 100.0 + r.beta * std::fabs(ratio - 1.0);
  return accuracy * std::pow(ratio, -r.latency_exponent);
}

void validate_reward(const RewardOptions& r) {
  auto text = [](double v) {
    std::ostringstream out;
    out << v;
    return out.str();
  };
  if (r.kind != "soft" && r.kind != "hard" && r.kind != "absolute")
    throw UsageError("--reward must be soft, hard or absolute, got '" + r.kind + "'");
  if (r.target_latency_ms && !(std::isfinite(*r.target_latency_ms) && *r.target_latency_ms > 0))
    throw UsageError("--target-latency must be a positive number of ms, got " +
                     text(*r.target_latency_ms));
  if (!(std::isfinite(r.beta) && r.beta < 0))
    throw UsageError("--beta must be negative (a penalty), got " + text(r.beta));
}

}  // namespace nas
