#include "nas/core/search/trial_limits.hpp"

#include <gtest/gtest.h>

#include "nas/core/common/random.hpp"
#include "nas/core/search/network_plan.hpp"

namespace nas {
namespace {

DatasetInfo mnist_like() {
  DatasetInfo d;
  d.name = "synthetic";
  d.shape[0] = 1;
  d.shape[1] = 28;
  d.shape[2] = 28;
  d.classes = 10;
  return d;
}

TrialProposal proposal(int id) {
  MobileNetV3Space space;
  Rng rng = rng_for(5, static_cast<std::uint64_t>(id));
  TrialProposal p;
  p.id = id;
  p.arch = space.sample(rng);
  p.arch_key = space.canonical_key(p.arch);
  return p;
}

TEST(TrialLimits, AValueEqualToALimitIsWithinIt) {
  TrialLimits l;
  l.max_latency_ms = 0.2;
  l.max_macs = 1000;
  l.max_params = 500;
  EXPECT_FALSE(latency_rejected(l, 0.2));
  EXPECT_TRUE(latency_rejected(l, 0.2001));
  EXPECT_EQ(size_rejection(l, 500, 1000), std::nullopt);
  EXPECT_EQ(size_rejection(l, 501, 10), "max_params");
  EXPECT_EQ(size_rejection(l, 10, 1001), "max_macs");
  EXPECT_FALSE(latency_rejected(TrialLimits{}, 1e9));
  EXPECT_EQ(size_rejection(TrialLimits{}, 1 << 30, 1 << 30), std::nullopt);
}

TEST(TrialLimits, AreTheSearchOptions) {
  SearchOptions o;
  EXPECT_FALSE(trial_limits(o).any());
  o.max_macs = 5;
  const TrialLimits l = trial_limits(o);
  EXPECT_TRUE(l.any());
  EXPECT_EQ(l.max_macs, 5);
}

TEST(TrialLimits, ASizeRejectionIsARecordWithItsSizeAndNoMetric) {
  const TrialProposal p = proposal(3);
  const NetworkPlan plan = plan_network(p.arch, {1, 28, 28}, 10);
  TrialLimits l;
  l.max_macs = count_macs(plan);
  EXPECT_EQ(reject_by_size(p, l, mnist_like(), "e"), std::nullopt);
  l.max_macs = count_macs(plan) - 1;
  const auto r = reject_by_size(p, l, mnist_like(), "e");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, TrialStatus::kRejected);
  EXPECT_EQ(r->rejected_by, "max_macs");
  EXPECT_EQ(r->id, 3);
  EXPECT_EQ(r->experiment, "e");
  EXPECT_EQ(r->macs, count_macs(plan));
  EXPECT_EQ(r->params, count_params(plan));
  EXPECT_FALSE(r->metric.has_value());
  EXPECT_TRUE(r->ended.has_value());
  EXPECT_NE(rejection_reason(*r, l).find("MACs over --max-macs"), std::string::npos);
  // Without the data's shape nothing can be decided here: the trial runs and is checked there.
  EXPECT_EQ(reject_by_size(p, l, DatasetInfo{}, "e"), std::nullopt);
}

TEST(TrialLimits, ALatencyReasonNamesBothFigures) {
  TrialRecord r;
  r.latency_before_ms = 0.35;
  mark_rejected(r, "max_latency");
  TrialLimits l;
  l.max_latency_ms = 0.2;
  EXPECT_EQ(rejection_reason(r, l), "0.35 ms per image over --max-latency 0.2 ms");
}

TEST(RejectionStreak, CountsRejectionsInARowAndNamesTheClosestMiss) {
  RejectionStreak streak(3);
  TrialLimits l;
  l.max_latency_ms = 0.1;
  auto rejected = [](double ms) {
    TrialRecord r;
    r.latency_before_ms = ms;
    mark_rejected(r, "max_latency");
    return r;
  };
  TrialRecord done;
  done.status = TrialStatus::kCompleted;
  done.latency_before_ms = 0.09;
  streak.observe(rejected(0.5));
  streak.observe(rejected(0.3));
  EXPECT_FALSE(streak.exhausted());
  streak.observe(done);  // a trained trial starts the count again
  EXPECT_EQ(streak.in_a_row(), 0);
  TrialRecord interrupted;
  interrupted.status = TrialStatus::kInterrupted;
  streak.observe(rejected(0.4));
  streak.observe(interrupted);  // says nothing either way
  streak.observe(rejected(0.2));
  streak.observe(rejected(0.6));
  EXPECT_TRUE(streak.exhausted());
  const std::string m = streak.message(l);
  EXPECT_NE(m.find("the last 3 proposals"), std::string::npos) << m;
  EXPECT_NE(m.find("--max-latency 0.1 ms"), std::string::npos) << m;
  // The closest of the streak's own rejections, not the trained trial's 0.09 ms.
  EXPECT_NE(m.find("the fastest of them took 0.2 ms per image"), std::string::npos) << m;
}

}  // namespace
}  // namespace nas
