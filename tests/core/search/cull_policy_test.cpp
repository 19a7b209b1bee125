#include "nas/core/search/cull_policy.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "nas/core/common/error.hpp"
#include "nas/core/common/random.hpp"

namespace nas {
namespace {

// 0, 10, ..., 290 in a scrambled order, so a threshold that skips sorting shows.
std::vector<double> scrambled_tens(int n) {
  std::vector<double> v;
  for (int i = 0; i < n; ++i) v.push_back(10.0 * ((i * 7) % n));
  return v;
}

TEST(CullThreshold, DefaultSettingsUseRanks4And9) {
  // E = 3, P = 30, c = 0.3: r = int(0.3 * 30 * 1 / 2) = 4 at epoch 0, int(0.3 * 30 * 2 / 2) = 9
  // at epoch 1; the threshold is the mean of sorted positions r - 1 and r.
  const std::vector<double> h = scrambled_tens(30);
  std::vector<double> sorted = h;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(cull_threshold(h, 0, 3, 30, 0.3), (sorted[3] + sorted[4]) / 2);
  EXPECT_EQ(cull_threshold(h, 0, 3, 30, 0.3), 35.0);
  EXPECT_EQ(cull_threshold(h, 1, 3, 30, 0.3), (sorted[8] + sorted[9]) / 2);
  EXPECT_EQ(cull_threshold(h, 1, 3, 30, 0.3), 85.0);
}

TEST(CullThreshold, LastEpochNeverHasOne) {
  EXPECT_EQ(cull_threshold(scrambled_tens(30), 2, 3, 30, 0.3), std::nullopt);
  EXPECT_EQ(cull_threshold(scrambled_tens(30), 3, 3, 30, 0.3), std::nullopt);
}

TEST(CullThreshold, ActiveOnceHistoryHoldsMaxOfPopulationAndRemainingEpochs) {
  EXPECT_EQ(cull_threshold(scrambled_tens(29), 0, 3, 30, 0.3), std::nullopt);
  EXPECT_TRUE(cull_threshold(scrambled_tens(30), 0, 3, 30, 0.3));
  // Epoch 7 of 10 with P = 4 needs max(4, 3) = 4 values.
  EXPECT_TRUE(cull_threshold(scrambled_tens(4), 7, 10, 4, 0.3));
  EXPECT_EQ(cull_threshold(scrambled_tens(3), 7, 10, 4, 0.3), std::nullopt);
}

TEST(CullThreshold, AnEpochWithFewerThanEMinusEPopulationNeverCulls) {
  // As the original: the history is cut to its newest P values before the size check, so with
  // P = 4 < E - e = 10 epoch 0 never reaches the 10 values it asks for, however many arrive.
  for (int n : {4, 9, 10, 100})
    EXPECT_EQ(cull_threshold(scrambled_tens(n), 0, 10, 4, 0.3), std::nullopt) << n;
  // P < E - 1 in the smallest case: P = 1 with 2 epochs asks for 2 values and keeps 1.
  EXPECT_EQ(cull_threshold({4.0, 7.0, 9.0}, 0, 2, 1, 0.5), std::nullopt);
}

TEST(CullThreshold, RankIsClampedToAtLeastOne) {
  // int(0.01 * 30 * 1 / 2) = 0: the original averaged the largest and the smallest value.
  EXPECT_EQ(cull_threshold(scrambled_tens(30), 0, 3, 30, 0.01), 5.0);
}

TEST(CullThreshold, UsesOnlyTheNewestPopulationValues) {
  std::vector<double> h(10, -1000.0);  // old, very low values that must be ignored
  for (double v : scrambled_tens(30)) h.push_back(v);
  EXPECT_EQ(cull_threshold(h, 0, 3, 30, 0.3), 35.0);
  // And newest, not largest: old high values are ignored too.
  std::vector<double> g(10, 1000.0);
  for (double v : scrambled_tens(30)) g.push_back(v);
  EXPECT_EQ(cull_threshold(g, 1, 3, 30, 0.3), 85.0);
}

TEST(RatioCullPolicy, PopulationBelowTheRemainingEpochsCullsOnlyLateEpochs) {
  // E = 5, P = 3: epochs 0 and 1 ask for 5 and 4 values of the newest 3, so they never cull;
  // epoch 2 asks for max(3, 3) = 3 and culls from its fourth report on.
  RatioCullPolicy policy(5, 3, 0.45);
  for (int i = 0; i < 20; ++i) {
    EXPECT_FALSE(policy.report(0, i).threshold) << i;
    EXPECT_FALSE(policy.report(1, i).threshold) << i;
  }
  for (double v : {10.0, 20.0, 30.0}) EXPECT_FALSE(policy.report(2, v).threshold);
  const CullDecision d = policy.report(2, 12.0);  // r = int(0.45 * 3 * 3 / 4) = 1
  ASSERT_TRUE(d.threshold);
  EXPECT_EQ(*d.threshold, 15.0);
  EXPECT_TRUE(d.cull);
}

TEST(RatioCullPolicy, CullsBelowTheThresholdOnly) {
  RatioCullPolicy policy(3, 30, 0.3);
  for (double v : scrambled_tens(30)) {
    EXPECT_FALSE(policy.report(0, v).cull);  // history still filling: no threshold yet
  }
  CullDecision low = policy.report(0, 34.0);
  EXPECT_TRUE(low.cull);
  EXPECT_EQ(low.threshold, 35.0);
  // The 34 joined the history and the 0 aged out: sorted 10, 20, 30, 34, 40, ..., threshold 37.
  CullDecision at = policy.report(0, 37.0);
  EXPECT_FALSE(at.cull);  // strictly below culls
  EXPECT_EQ(at.threshold, 37.0);
}

TEST(RatioCullPolicy, DecidesBeforeRecording) {
  RatioCullPolicy policy(2, 2, 0.5);
  policy.report(0, 10.0);
  EXPECT_EQ(policy.report(0, 20.0).threshold, std::nullopt);  // one value before this report
  EXPECT_EQ(policy.report(0, 12.0).threshold, 15.0);          // its own 12 not yet counted
}

TEST(RatioCullPolicy, CulledMetricIsCopiedIntoTheEpochsItSkips) {
  RatioCullPolicy policy(4, 4, 0.5);  // epoch 0 activates at max(4, 4) = 4 values
  for (double v : {10.0, 20.0, 30.0, 40.0}) EXPECT_FALSE(policy.report(0, v).cull);
  CullDecision d = policy.report(0, 5.0);  // r = int(0.5 * 4 / 3) = 0 -> 1: (10 + 20) / 2
  EXPECT_TRUE(d.cull);
  EXPECT_EQ(d.threshold, 15.0);
  EXPECT_EQ(policy.history(0), (std::vector<double>{20, 30, 40, 5}));  // newest max(P, E)
  EXPECT_EQ(policy.history(1), (std::vector<double>{5}));
  EXPECT_EQ(policy.history(2), (std::vector<double>{5}));
  // A trial that was not culled adds to its own epoch only.
  policy.report(1, 50.0);
  EXPECT_EQ(policy.history(1), (std::vector<double>{5, 50}));
  EXPECT_EQ(policy.history(2), (std::vector<double>{5}));
}

TEST(RatioCullPolicy, LastEpochNeverCullsNorRecords) {
  RatioCullPolicy policy(2, 2, 0.5);
  for (double v : {10.0, 20.0, 30.0}) policy.report(0, v);
  CullDecision d = policy.report(1, -1e9);
  EXPECT_FALSE(d.cull);
  EXPECT_EQ(d.threshold, std::nullopt);
  EXPECT_EQ(policy.history(1), std::vector<double>{});
}

TEST(RatioCullPolicy, NonFiniteMetricsAreNeitherCulledNorRecorded) {
  RatioCullPolicy policy(2, 5, 0.5);
  for (double v : {10.0, 20.0, 30.0}) policy.report(0, v);
  EXPECT_FALSE(policy.report(0, std::nan("")).cull);
  EXPECT_EQ(policy.history(0).size(), 3u);
}

TEST(RatioCullPolicy, KeepsEnoughHistoryForTheRule) {
  RatioCullPolicy policy(3, 5, 0.3);
  for (int i = 0; i < 100; ++i) policy.report(0, 1000.0 + i);  // never below the threshold
  std::vector<double> h = policy.history(0);
  ASSERT_EQ(h.size(), 5u);
  EXPECT_EQ(h.back(), 1099.0);
  EXPECT_EQ(h.front(), 1095.0);
}

TEST(RatioCullPolicy, RejectsBadSettingsQuotingTheValue) {
  auto message = [](int e, int p, double c) -> std::string {
    try {
      RatioCullPolicy policy(e, p, c);
    } catch (const UsageError& err) {
      return err.what();
    }
    return "";
  };
  EXPECT_NE(message(1, 30, 0.3).find("got 1"), std::string::npos);
  EXPECT_NE(message(3, 0, 0.3).find("got 0"), std::string::npos);
  EXPECT_NE(message(3, 30, 1.5).find("got 1.5"), std::string::npos);
  EXPECT_NE(message(3, 30, 0.0).find("got 0"), std::string::npos);
  EXPECT_NE(message(3, 30, -0.1).find("got -0.1"), std::string::npos);
  EXPECT_EQ(message(3, 30, 0.3), "");
}

TEST(RatioCullPolicy, EpochOutsideTheSearchIsAnError) {
  RatioCullPolicy policy(3, 30, 0.3);
  EXPECT_THROW(policy.report(3, 1.0), RuntimeFailure);
  EXPECT_THROW(policy.report(-1, 1.0), RuntimeFailure);
  EXPECT_THROW(policy.restore({1, 2, 3, 4}, false), InputError);
}

TEST(NoCull, NeverCulls) {
  NoCull policy;
  for (int i = 0; i < 100; ++i) {
    CullDecision d = policy.report(0, i % 2 ? -1e9 : 1e9);
    EXPECT_FALSE(d.cull);
    EXPECT_EQ(d.threshold, std::nullopt);
  }
}

TEST(MakeCullPolicy, PicksNoCullForRatioZeroOrOneEpoch) {
  EXPECT_NE(dynamic_cast<NoCull*>(make_cull_policy(3, 30, 0.0).get()), nullptr);
  EXPECT_NE(dynamic_cast<NoCull*>(make_cull_policy(1, 30, 0.3).get()), nullptr);
  EXPECT_NE(dynamic_cast<RatioCullPolicy*>(make_cull_policy(3, 30, 0.3).get()), nullptr);
  EXPECT_THROW(make_cull_policy(0, 30, 0.3), UsageError);
  EXPECT_THROW(make_cull_policy(3, 0, 0.0), UsageError);
  EXPECT_THROW(make_cull_policy(3, 30, 1.0), UsageError);
  EXPECT_THROW(make_cull_policy(3, 30, -0.1), UsageError);
  EXPECT_THROW(make_cull_policy(3, 30, std::nan("")), UsageError);
}

TEST(RatioCullPolicy, ManyThreadsReportingLoseNothing) {
  // A population too large to activate: nothing is culled or trimmed, so every report must show.
  RatioCullPolicy quiet(3, 100000, 0.3);
  // A small one culls and trims all the time while threads race.
  RatioCullPolicy busy(3, 10, 0.3);
  constexpr int kThreads = 8, kReports = 2000;
  std::atomic<int> culled{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Rng rng = rng_for(42, static_cast<std::uint64_t>(t));
      for (int i = 0; i < kReports; ++i) {
        const double m = uniform01(rng);
        quiet.report(i % 2, m);
        if (busy.report(0, m).cull) {
          ++culled;
        } else {
          busy.report(1, m);
        }
        (void)busy.history(1);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(quiet.history(0).size(), 0u + kThreads * kReports / 2);  // newest max(P, E) kept,
  EXPECT_EQ(quiet.history(1).size(), 0u + kThreads * kReports / 2);  // all of them here
  EXPECT_GT(culled.load(), 0);
  EXPECT_EQ(busy.history(0).size(), 10u);
  EXPECT_EQ(busy.history(1).size(), 10u);
}

TEST(RatioCullPolicy, RestoreRebuildsWhatReportsRecorded) {
  RatioCullPolicy live(4, 6, 0.4);
  struct Finished {
    std::vector<double> metrics;
    bool culled = false;
  };
  std::vector<Finished> trials;
  Rng rng(5);
  int culled = 0;
  for (int t = 0; t < 40; ++t) {
    Finished f;
    const double start = uniform01(rng), gain = uniform01(rng);
    for (int e = 0; e < 4; ++e) {
      const double m = start + gain * e;
      f.metrics.push_back(m);
      if (live.report(e, m).cull) {
        f.culled = true;
        break;
      }
    }
    culled += f.culled;
    trials.push_back(f);
  }
  ASSERT_GT(culled, 0);

  RatioCullPolicy resumed(4, 6, 0.4);
  for (const auto& f : trials) resumed.restore(f.metrics, f.culled);
  for (int e = 0; e < 3; ++e) EXPECT_EQ(resumed.history(e), live.history(e)) << "epoch " << e;
  for (int e = 0; e < 3; ++e) {
    EXPECT_EQ(resumed.report(e, 0.7).threshold, live.report(e, 0.7).threshold);
  }
}

}  // namespace
}  // namespace nas

namespace nas {
namespace {

TEST(ParetoCull, CullsTheWorstRanksOnHandMadePoints) {
  // E = 3, P = 4, c = 0.5: at epoch 0, r = int(0.5 * 4 * 1 / 2) = 1; active from 4 points.
  const std::vector<Objectives> history{{50, 0.1}, {60, 0.2}, {70, 0.3}, {40, 0.4}};
  // Dominated by three, dominating (40, 0.4): rank 2, one point worse: kept.
  auto kept = pareto_cull(history, {45, 0.35}, 0, 3, 4, 0.5);
  ASSERT_TRUE(kept.has_value());
  EXPECT_EQ(kept->rank, 2);
  EXPECT_FALSE(kept->cull);
  // Dominated by every point: rank 3, none worse: culled.
  auto worst = pareto_cull(history, {30, 0.5}, 0, 3, 4, 0.5);
  ASSERT_TRUE(worst.has_value());
  EXPECT_EQ(worst->rank, 3);
  EXPECT_TRUE(worst->cull);
  // On the front.
  auto best = pareto_cull(history, {80, 0.05}, 0, 3, 4, 0.5);
  EXPECT_EQ(best->rank, 1);
  EXPECT_FALSE(best->cull);
  // Equal to a history point: ties count in its favour, as a metric equal to the threshold.
  EXPECT_FALSE(
      pareto_cull({{50, 0.1}, {50, 0.1}, {50, 0.1}, {50, 0.1}}, {50, 0.1}, 0, 3, 4, 0.5)->cull);
  // Too few points yet, and the last epoch: no rule.
  EXPECT_FALSE(pareto_cull({{50, 0.1}}, {30, 0.5}, 0, 3, 4, 0.5).has_value());
  EXPECT_FALSE(pareto_cull(history, {30, 0.5}, 2, 3, 4, 0.5).has_value());
}

TEST(ParetoCull, ThePolicyRecordsRanksNotThresholdsAndRestores) {
  RatioCullPolicy policy(3, 4, 0.5, Objective::kPareto);
  for (auto [acc, lat] : {std::pair{50.0, 0.1}, {60.0, 0.2}, {70.0, 0.3}, {40.0, 0.4}}) {
    const CullDecision d = policy.report(0, EpochScore{0, acc, lat});
    EXPECT_FALSE(d.cull);
    EXPECT_FALSE(d.rank.has_value());  // not active yet
  }
  const CullDecision d = policy.report(0, EpochScore{999, 30, 0.5});  // the metric is not read
  EXPECT_TRUE(d.cull);
  EXPECT_EQ(d.rank, 3);
  EXPECT_FALSE(d.threshold.has_value());

  RatioCullPolicy restored(3, 4, 0.5, Objective::kPareto);
  for (auto [acc, lat] : {std::pair{50.0, 0.1}, {60.0, 0.2}, {70.0, 0.3}, {40.0, 0.4}})
    restored.restore(std::vector<EpochScore>{{1, acc, lat}}, false);
  EXPECT_EQ(restored.report(0, EpochScore{0, 30, 0.5}).rank, 3);
}

}  // namespace
}  // namespace nas
