#include "nas/core/search/reward.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "nas/core/common/error.hpp"

namespace nas {
namespace {

RewardOptions aiming(const char* kind, double target_ms) {
  RewardOptions r;
  r.kind = kind;
  r.target_latency_ms = target_ms;
  return r;
}

TEST(Reward, WithoutATargetItIsTheOriginalsMetric) {
  // 80 % at 0.25 ms = 250 us per image: 80 * 250^-0.07.
  EXPECT_NEAR(reward_of(80.0, 0.25, RewardOptions{}), 80.0 * std::pow(250.0, -0.07), 1e-12);
  EXPECT_NEAR(reward_of(80.0, 0.25, RewardOptions{}), 54.3543, 1e-4);
  RewardOptions accuracy_alone;
  accuracy_alone.latency_exponent = 0;
  EXPECT_EQ(reward_of(80.0, 0.25, accuracy_alone), 80.0);
}

TEST(Reward, SoftIsMnasNetsRelativeToTheTarget) {
  // At the target the accuracy itself; twice as slow: 2^-0.07 = 0.95265 of it.
  EXPECT_DOUBLE_EQ(reward_of(80.0, 0.2, aiming("soft", 0.2)), 80.0);
  EXPECT_NEAR(reward_of(80.0, 0.4, aiming("soft", 0.2)), 80.0 * 0.952638, 1e-4);
  EXPECT_GT(reward_of(80.0, 0.1, aiming("soft", 0.2)), 80.0);  // faster earns a little
}

TEST(Reward, HardKeepsTheAccuracyUnderTheTargetAndDividesOverIt) {
  EXPECT_DOUBLE_EQ(reward_of(80.0, 0.1, aiming("hard", 0.2)), 80.0);  // no bonus for speed
  EXPECT_DOUBLE_EQ(reward_of(80.0, 0.2, aiming("hard", 0.2)), 80.0);
  EXPECT_DOUBLE_EQ(reward_of(80.0, 0.4, aiming("hard", 0.2)), 40.0);  // exponent -1
}

TEST(Reward, AbsoluteIsTunasPenaltyOnTheDistanceFromTheTarget) {
  // 0.8 + (-0.10) * |0.3/0.2 - 1| = 0.8 - 0.05; as fast below the target costs as much.
  EXPECT_NEAR(reward_of(80.0, 0.3, aiming("absolute", 0.2)), 0.75, 1e-12);
  EXPECT_NEAR(reward_of(80.0, 0.1, aiming("absolute", 0.2)), 0.75, 1e-12);
  EXPECT_NEAR(reward_of(80.0, 0.2, aiming("absolute", 0.2)), 0.8, 1e-12);
  RewardOptions steep = aiming("absolute", 0.2);
  steep.beta = -1.0;
  EXPECT_NEAR(reward_of(80.0, 0.3, steep), 0.3, 1e-12);
}

TEST(Reward, BadSettingsAreUsageErrors) {
  EXPECT_THROW(validate_reward(aiming("fast", 0.2)), UsageError);
  EXPECT_THROW(validate_reward(aiming("soft", 0)), UsageError);
  EXPECT_THROW(validate_reward(aiming("soft", -1)), UsageError);
  RewardOptions positive_beta = aiming("absolute", 0.2);
  positive_beta.beta = 0.1;
  EXPECT_THROW(validate_reward(positive_beta), UsageError);
  EXPECT_NO_THROW(validate_reward(RewardOptions{}));
}

}  // namespace
}  // namespace nas
