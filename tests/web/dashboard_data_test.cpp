#include "nas/web/dashboard_data.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "nas/core/common/error.hpp"
#include "nas/core/experiment/experiment_store.hpp"
#include "nas/core/search/network_plan.hpp"
#include "report_fixtures.hpp"

namespace nas {
namespace {
namespace fs = std::filesystem;
using namespace nas::testing;

TrialRecord span(int id, double start, double end, const std::string& device,
                 std::optional<std::string> host = std::nullopt) {
  TrialRecord t;
  t.id = id;
  t.status = TrialStatus::kCompleted;
  t.started = at(start);
  t.ended = at(end);
  t.device = device;
  t.host = std::move(host);
  return t;
}

class DashboardData : public ::testing::Test {
 protected:
  void SetUp() override { root_ = fresh_test_dir("nas-dashboard-data"); }
  void TearDown() override { fs::remove_all(root_); }
  std::string root_;
};

TEST(TimelineLanes, ATrialTakesTheLowestLaneFreeWhenItStarts) {
  // 0 and 1 overlap; 2 starts after 0 ended, so it reuses 0's lane; 3 overlaps all three.
  const auto lanes = timeline_lanes({span(0, 0, 100, "cpu"), span(1, 10, 300, "cpu"),
                                     span(2, 100, 200, "cpu"), span(3, 150, 250, "cpu")});
  EXPECT_EQ(lanes.lane_of.at(0), 0);
  EXPECT_EQ(lanes.lane_of.at(1), 1);
  EXPECT_EQ(lanes.lane_of.at(2), 0);
  EXPECT_EQ(lanes.lane_of.at(3), 2);
  EXPECT_EQ(lanes.labels, (std::vector<std::string>{"cpu #1", "cpu #2", "cpu #3"}));
}

TEST(TimelineLanes, DevicesAndHostsGetLanesOfTheirOwn) {
  const auto lanes = timeline_lanes({span(0, 0, 100, "cuda:0", "a"), span(1, 0, 100, "cuda:1", "a"),
                                     span(2, 0, 100, "cuda:0", "b")});
  EXPECT_EQ(lanes.labels.size(), 3u);
  EXPECT_EQ(lanes.labels[lanes.lane_of.at(2)], "b cuda:0 #1");
  EXPECT_EQ(lanes.labels[lanes.lane_of.at(1)], "a cuda:1 #1");
}

TEST(TimelineLanes, ATrialWithoutAReadableStartHasNoLane) {
  TrialRecord t = span(0, 0, 10, "cpu");
  t.started = "not a time";
  EXPECT_TRUE(timeline_lanes({t}).lane_of.empty());
}

TEST(TimelineLanes, ATrialRejectedBySizeNeverTookASlot) {
  TrialRecord rejected = span(1, 0, 0, "");
  rejected.status = TrialStatus::kRejected;
  TrialRecord by_latency = span(2, 5, 6, "cpu", "a");
  by_latency.status = TrialStatus::kRejected;
  const auto lanes = timeline_lanes({span(0, 0, 10, "cpu", "a"), rejected, by_latency});
  EXPECT_EQ(lanes.lane_of.count(1), 0u);
  EXPECT_EQ(lanes.lane_of.count(2), 1u);  // it measured its latency on a slot
  // No "?" lane, and no second host from the hostless record.
  EXPECT_EQ(lanes.labels, (std::vector<std::string>{"cpu #1", "cpu #2"}));
}

TEST(ChoiceSummary, CountsTheBestQuarterAndPutsTheMostTellingLabelFirst) {
  std::vector<TrialRecord> trials;
  for (int i = 0; i < 8; ++i) {
    TrialRecord t;
    t.id = i;
    t.status = TrialStatus::kCompleted;
    t.metric = i;                            // 7 and 6 are the best quarter
    t.arch.set("kernel_2", i >= 6 ? 5 : 3);  // the best take 5, the rest 3: telling
    t.arch.set("depth_1", i % 2 ? 2 : 1);    // half and half everywhere: not telling
    trials.push_back(t);
  }
  TrialRecord failed;
  failed.id = 9;
  failed.status = TrialStatus::kFailed;
  trials.push_back(failed);
  const auto j = choice_summary(trials);
  EXPECT_EQ(j["scored_trials"], 8);
  EXPECT_EQ(j["best_quarter"], 2);
  ASSERT_EQ(j["labels"].size(), 2u);
  EXPECT_EQ(j["labels"][0]["label"], "kernel_2");
  EXPECT_DOUBLE_EQ(j["labels"][0]["distance"].get<double>(), 0.75);
  const auto& five = j["labels"][0]["candidates"][1];
  EXPECT_EQ(five["value"], 5);
  EXPECT_EQ(five["trials"], 2);
  EXPECT_EQ(five["best_quarter"], 2);
  EXPECT_DOUBLE_EQ(five["mean_metric"].get<double>(), 6.5);
  EXPECT_DOUBLE_EQ(j["labels"][1]["distance"].get<double>(), 0.0);
}

TEST_F(DashboardData, AnExperimentPageHoldsEveryTrialWithItsEpochsAndLane) {
  const auto store = write_hand_fixture(root_, "hand");
  const auto r = build_report(store, {});
  const auto j = dashboard_experiment(r);
  EXPECT_EQ(j["format"], "nas-dashboard-experiment/1");
  EXPECT_EQ(j["id"], "hand");
  EXPECT_EQ(j["status"], "completed");
  EXPECT_FALSE(j["live"].get<bool>());
  ASSERT_EQ(j["trials"].size(), 8u);
  EXPECT_EQ(j["trials"][0]["epochs"].size(), 3u);
  EXPECT_EQ(j["trials"][2]["status"], "culled");
  EXPECT_EQ(j["trials"][2]["culled_at_epoch"], 1);
  EXPECT_EQ(j["trials"][1]["retrained_accuracy"], 85.5);
  EXPECT_DOUBLE_EQ(j["trials"][0]["start_s"].get<double>(), 0.0);
  EXPECT_DOUBLE_EQ(j["trials"][0]["end_s"].get<double>(), 300.0);
  // The running trial's bar reaches to now, beyond every time of the fixture.
  EXPECT_GT(j["trials"][6]["end_s"].get<double>(), 1000.0);
  for (const auto& t : j["trials"]) EXPECT_TRUE(t["lane"].is_number()) << t.dump();
  EXPECT_FALSE(j["lanes"].empty());
  EXPECT_EQ(j["report"]["counts"]["total"], 8);
  EXPECT_FALSE(j.contains("details"));
  // Best so far against time never falls, and follows the ends.
  double last = -1;
  for (const auto& p : j["best_so_far_time"]) {
    EXPECT_GE(p["metric"].get<double>(), last);
    last = p["metric"].get<double>();
  }
  EXPECT_EQ(j["best_so_far_time"].back()["id"], 4);
  EXPECT_DOUBLE_EQ(j["best_so_far_time"].back()["seconds"].get<double>(), 500.0);
}

TEST_F(DashboardData, ASelfContainedPageCarriesEveryTrialsDetail) {
  const auto store = write_hand_fixture(root_, "hand");
  const auto j = dashboard_experiment(build_report(store, {}), true);
  ASSERT_TRUE(j.contains("details"));
  EXPECT_EQ(j["details"].size(), 8u);
  EXPECT_EQ(j["details"]["4"]["trial"]["id"], 4);
}

TEST_F(DashboardData, ATrialsDetailHasItsNetworkAsAStageTable) {
  write_demo_fixture(root_, "demo", 3, 0.3, 1);
  const auto r = build_report(ExperimentStore::open(root_, "demo"), {});
  const auto j = dashboard_trial(r, 5);
  EXPECT_EQ(j["format"], "nas-dashboard-trial/1");
  EXPECT_EQ(j["trial"]["id"], 5);
  ASSERT_TRUE(j["plan"].is_object()) << j["plan_error"];
  const NetworkPlan plan = plan_network(r.trials[5].arch, InputShape{3, 32, 32}, 10);
  EXPECT_EQ(j["plan"]["blocks"].size(), plan.blocks.size());
  EXPECT_EQ(j["plan"]["params"], count_params(plan));
  EXPECT_EQ(j["plan"]["input"], nlohmann::json({3, 32, 32}));
  EXPECT_THROW(dashboard_trial(r, 999), InputError);
}

TEST_F(DashboardData, AnArchitectureThatCannotBePlannedStillShowsTheTrial) {
  const auto store = write_hand_fixture(root_, "hand");  // hand trials have partial archs
  const auto j = dashboard_trial(build_report(store, {}), 0);
  EXPECT_TRUE(j["plan"].is_null());
  EXPECT_TRUE(j["plan_error"].is_string());
  EXPECT_EQ(j["trial"]["id"], 0);
}

TEST_F(DashboardData, CorruptTrialFilesAreReportedNotFatal) {
  const auto store = write_hand_fixture(root_, "hand");
  fs::create_directories(store.trial_dir(20));
  std::ofstream(store.trial_dir(20) + "/trial.json") << "{\"id\": 2";
  const auto j = dashboard_experiment(build_report(store, {}));
  ASSERT_EQ(j["report"]["problems"].size(), 1u);
  EXPECT_NE(j["report"]["problems"][0].get<std::string>().find("trial.json"), std::string::npos);
  EXPECT_EQ(j["trials"].size(), 8u);
}

TEST_F(DashboardData, TheIndexListsTheNewestFirstAndOnlyTheIdsAsked) {
  write_demo_fixture(root_, "older", 3, 0.3, 1);
  write_demo_fixture(root_, "newer", 3, 0.0, 2);
  auto newer = ExperimentStore::open(root_, "newer");
  auto record = newer.read_experiment();
  record.created = at(60);
  newer.write_experiment(record);
  auto j = dashboard_index(root_, {});
  EXPECT_EQ(j["format"], "nas-dashboard-index/1");
  ASSERT_EQ(j["experiments"].size(), 2u);
  EXPECT_EQ(j["experiments"][0]["id"], "newer");
  EXPECT_EQ(j["experiments"][0]["trials"], 80);
  j = dashboard_index(root_, {"older"});
  ASSERT_EQ(j["experiments"].size(), 1u);
  EXPECT_EQ(j["experiments"][0]["id"], "older");
}

TEST_F(DashboardData, CompareHasTheTableAndOneCurvePerExperiment) {
  write_demo_fixture(root_, "a", 3, 0.3, 1);
  write_demo_fixture(root_, "b", 3, 0.0, 2);
  const auto j = dashboard_compare(root_, {"a", "b"}, {});
  EXPECT_EQ(j["format"], "nas-dashboard-compare/1");
  EXPECT_EQ(j["table"]["cells"].size(), 2u);
  ASSERT_EQ(j["curves"].size(), 2u);
  EXPECT_EQ(j["curves"][1]["experiment"], "b");
  EXPECT_DOUBLE_EQ(j["curves"][1]["cull_ratio"].get<double>(), 0.0);
  EXPECT_FALSE(j["curves"][0]["points"].empty());
}

}  // namespace
}  // namespace nas
