#pragma once
// The score a search ranks trials by (their "metric"). Without a latency target it is the
// original's: accuracy x (latency in microseconds per image)^-exponent, MnasNet's soft reward
// with no target. With --target-latency T it is one of the rewards that aim at T by name:
//   soft      (MnasNet)  accuracy x (latency / T)^-exponent
//   hard      (MnasNet)  accuracy at or under T; accuracy x (latency / T)^-1 over it
//   absolute  (TuNAS)    accuracy / 100 + beta x |latency / T - 1|, beta < 0
// Tensor-free, so the formulas are checked on worked numbers.
#include <optional>
#include <string>

namespace nas {

/// TuNAS's default beta for the absolute reward: rl_cost_model_exponent = -0.10 in its released
/// search code (google-research/tunas, mobile_architecture_search.py).
constexpr double kTunasBeta = -0.10;

struct RewardOptions {
  std::string kind = "soft";  // soft | hard | absolute; read only with a target
  std::optional<double> target_latency_ms;
  double latency_exponent = 0.07;
  double beta = kTunasBeta;  // absolute only
};

double reward_of(double accuracy, double latency_ms, const RewardOptions& r);

/// Throws UsageError for an unknown kind, a target that is not a positive number, a negative
/// exponent or a beta that is not negative.
void validate_reward(const RewardOptions& r);

}  // namespace nas
