#include "core/search/random_search.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "nas/core/common/error.hpp"

namespace nas {
namespace {

// The fake evaluator: a deterministic score from widths and depths.
double fake_metric(const Architecture& a) {
  double score = 0;
  for (const auto& [label, value] : a.values()) {
    if (label.rfind("width_", 0) == 0 || label.rfind("depth_", 0) == 0) score += value;
  }
  return score;
}

TEST(RandomSearch, EveryTrialIsAUniformSampleFromItsOwnStream) {
  MobileNetV3Space space;
  RandomSearch s(space, 5);
  for (int i = 0; i < 40; ++i) {
    TrialProposal t = s.ask(i);
    Rng rng = rng_for(5, i);
    EXPECT_EQ(t.arch, space.sample(rng)) << "trial " << i;
    EXPECT_EQ(t.id, i);
    EXPECT_EQ(t.origin, "random");
    EXPECT_EQ(t.parent, std::nullopt);
    EXPECT_EQ(t.arch_key, space.canonical_key(t.arch));
    s.tell(t, i % 3 ? TrialStatus::kCompleted : TrialStatus::kFailed, fake_metric(t.arch));
  }
}

TEST(RandomSearch, ProposalsDoNotDependOnAskAndTellOrder) {
  MobileNetV3Space space;
  RandomSearch in_order(space, 8), reversed(space, 8);
  std::map<int, Architecture> a, b;
  for (int i = 0; i < 30; ++i) {
    TrialProposal t = in_order.ask(i);
    a[i] = t.arch;
    in_order.tell(t, TrialStatus::kCompleted, fake_metric(t.arch));
  }
  for (int i = 29; i >= 0; --i) b[i] = reversed.ask(i).arch;
  EXPECT_EQ(a, b);
}

TEST(RandomSearch, SeedsNameSequences) {
  MobileNetV3Space space;
  RandomSearch a(space, 1), b(space, 1), c(space, 2);
  for (int i = 0; i < 20; ++i) {
    TrialProposal x = a.ask(i);
    EXPECT_EQ(x.arch, b.ask(i).arch);
    EXPECT_NE(x.arch, c.ask(i).arch);
  }
}

TEST(RandomSearch, DedupFillsMostOfASmallSpaceWithoutRepeats) {
  // 64 keys: stem kernel (2) times each stage's depth (2^5). 60 trials, about half of them
  // still running, leave the last ask 5 free keys to find.
  SearchSpaceOptions o;
  o.width_multipliers = {1.0};
  o.expand_ratios = {1};
  o.kernel_sizes = {3};
  o.depths = {1, 2};
  o.se_stages = {};
  MobileNetV3Space space(o);
  RandomSearch s(space, 3, /*max_dedup_retries=*/400);
  std::set<std::string> keys;
  std::vector<TrialProposal> running;
  for (int i = 0; i < 60; ++i) {
    running.push_back(s.ask(i));
    keys.insert(running.back().arch_key);
    if (i < 32) {
      s.tell(running.back(), i % 2 ? TrialStatus::kFailed : TrialStatus::kCompleted, 1.0);
    }
  }
  EXPECT_EQ(keys.size(), 60u);
}

TEST(RandomSearch, RejectsNegativeRetries) {
  try {
    RandomSearch s(MobileNetV3Space(), 1, -2);
    FAIL() << "no UsageError";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("got -2"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace nas
