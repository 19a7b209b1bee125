#include "nas/core/report/report.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "nas/core/common/error.hpp"
#include "nas/core/common/random.hpp"
#include "nas/core/common/text_table.hpp"
#include "nas/core/experiment/experiment_store.hpp"
#include "nas/core/search/mobilenetv3_space.hpp"
#include "nas/core/search/trial_limits.hpp"
#include "report_fixtures.hpp"

namespace nas {
namespace {
namespace fs = std::filesystem;
using namespace nas::testing;

class ReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    root_ = (fs::temp_directory_path() /
             ("nas-report-" + std::string(info->name()) + "-" + std::to_string(::getpid())))
                .string();
    fs::remove_all(root_);
  }
  void TearDown() override { fs::remove_all(root_); }

  ExperimentReport hand_report(int first = 4, int top = 3) {
    auto store = write_hand_fixture(root_, "hand");
    return build_report(store, {first, top});
  }

  std::string root_;
};

TEST_F(ReportTest, CountsEveryStatus) {
  const auto r = hand_report();
  EXPECT_EQ(r.counts.total, 8);
  EXPECT_EQ(r.counts.completed, 3);
  EXPECT_EQ(r.counts.culled, 2);
  EXPECT_EQ(r.counts.failed, 1);
  EXPECT_EQ(r.counts.interrupted, 1);
  EXPECT_EQ(r.counts.running, 1);
}

TEST_F(ReportTest, RejectedTrialsAreCountedApartAndNotAmongTheListedTrials) {
  auto store = write_hand_fixture(root_, "hand");
  TrialRecord rejected = make_trial(
      "hand", {8, TrialStatus::kCompleted, 600, 601, std::nullopt, std::nullopt, std::nullopt, {}});
  mark_rejected(rejected, "max_latency");
  rejected.latency_before_ms = 0.9;
  store.write_trial(rejected);
  const auto r = build_report(store, ReportOptions{});
  EXPECT_EQ(r.counts.total, 9);
  EXPECT_EQ(r.counts.rejected, 1);
  EXPECT_EQ(r.counts.completed, 3);
  EXPECT_NE(render_text(r).find("1 rejected over the limits"), std::string::npos);
  // The list of experiments counts what --n-trials counts.
  const auto rows = list_experiments(root_);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].trials, 8);
}

TEST_F(ReportTest, FirstNIsByEndTimeAmongScoredTrialsAndTimedFromTheirEarliestStart) {
  // Ends: 3@50 (failed: no place), 2@100, 1@200, 0@300, 5@450, 4@500. The first 4 scored are
  // 2, 1, 0, 5: best is 1 (35); they started at 10, 0, 0, 300 and the 4th ended at 450.
  const auto r = hand_report(4);
  EXPECT_EQ(r.first.n, 4);
  EXPECT_EQ(r.first.counted, 4);
  EXPECT_EQ(r.first.best_trial, 1);
  EXPECT_DOUBLE_EQ(*r.first.best_metric, 35.0);
  EXPECT_DOUBLE_EQ(*r.first.seconds, 450.0);
  EXPECT_DOUBLE_EQ(*r.all_seconds, 520.0);  // trial 7 (interrupted) ended last
}

TEST_F(ReportTest, FirstNCountsWhatFinishedWhenFewerThanN) {
  const auto r = hand_report(250);
  EXPECT_EQ(r.first.counted, 5);  // the failed trial takes no place
  EXPECT_EQ(r.first.best_trial, 4);
  EXPECT_DOUBLE_EQ(*r.first.seconds, 500.0);
}

TEST_F(ReportTest, FailedTrialsNeitherCountNorStartTheClock) {
  // As read_trial_data.py: a failed first trial that started before everything else changes
  // neither the first N nor their time.
  auto store = ExperimentStore::create(root_, experiment("failing", 3, 0.3));
  using S = TrialStatus;
  for (const TrialSpec& s :
       {TrialSpec{0, S::kFailed, 0, 5, std::nullopt, std::nullopt, std::nullopt, {}},
        TrialSpec{1, S::kFailed, 1, 6, std::nullopt, std::nullopt, std::nullopt, {}},
        TrialSpec{2, S::kCompleted, 20, 100, 30, 60, 0.3, {80}},
        TrialSpec{3, S::kCompleted, 30, 150, 40, 70, 0.3, {120}},
        TrialSpec{4, S::kCompleted, 40, 160, 35, 65, 0.3, {120}}}) {
    store.write_trial(make_trial("failing", s));
  }
  const auto r = build_report(store, {2, 3});
  EXPECT_EQ(r.first.counted, 2);
  EXPECT_EQ(r.first.best_trial, 3);
  EXPECT_DOUBLE_EQ(*r.first.seconds, 130.0);  // 20 (trial 2's start) to 150 (trial 3's end)
  EXPECT_DOUBLE_EQ(*r.all_seconds, 160.0);    // all trials: from the failed one's start
}

TEST_F(ReportTest, CullingSavingsUseTheMeanTrainedEpoch) {
  const auto r = hand_report();
  EXPECT_EQ(r.culling.culled_trials, 2);
  EXPECT_EQ(r.culling.epochs_saved, 3);     // (3 - 1) + (3 - 2)
  EXPECT_EQ(r.culling.epochs_trained, 14);  // 3+3+1+0+3+2+1+1
  EXPECT_NEAR(*r.culling.seconds_per_epoch, 1110.0 / 14, 1e-9);
  EXPECT_NEAR(*r.culling.seconds_saved, 3 * 1110.0 / 14, 1e-9);
}

TEST_F(ReportTest, TheLatestFullRetrainCountsAndAPartialOneIsMarked) {
  auto store = write_hand_fixture(root_, "runs");
  // Trial 4: a full retrain, then a later partial one: the full one counts.
  write_retrain(store, 4, 88.0, 0.4, /*full=*/true);
  write_retrain(store, 4, 60.0, 0.4, /*full=*/false, "20261128-010000");
  // Trial 5: only a partial retrain: shown, marked.
  write_retrain(store, 5, 55.0, 0.3, /*full=*/false);
  const auto r = build_report(store, {4, 5});
  EXPECT_EQ(retrained_accuracy(r, 4), 88.0);
  EXPECT_FALSE(retrain_is_partial(r, 4));
  EXPECT_EQ(retrained_accuracy(r, 5), 55.0);
  EXPECT_TRUE(retrain_is_partial(r, 5));
  const std::string text = render_text(r);
  EXPECT_NE(text.find("55.00*"), std::string::npos) << text;
  EXPECT_NE(text.find("* a partial retrain"), std::string::npos) << text;
  EXPECT_EQ(text.find("88.00*"), std::string::npos) << text;
}

TEST_F(ReportTest, ARetrainOnOtherDataIsListedApartAndNeverTakenAsTheTrials) {
  auto store = write_hand_fixture(root_, "runs");
  write_retrain(store, 4, 88.0, 0.4, /*full=*/false);
  // Later, the same trial retrained on synthetic data (what nas-test-model --dataset does).
  const fs::path dir = fs::path(store.trial_dir(4)) / "retrain" / "20261206-120000";
  fs::create_directories(dir);
  RetrainRecord other;
  other.trial = 4;
  other.status = TrialStatus::kCompleted;
  other.dataset.name = "synthetic";
  other.dataset.shape[0] = 1;
  other.dataset.shape[1] = other.dataset.shape[2] = 28;
  other.dataset.classes = 10;
  other.epochs_planned = 1;
  other.epochs.resize(1);
  other.accuracy = 17.19;
  other.started = at(20);
  write_json_atomic((dir / "retrain.json").string(), to_json(other));
  const auto r = build_report(store, {4, 5});
  EXPECT_EQ(retrained_accuracy(r, 4), 88.0);
  ASSERT_EQ(r.other_data_retrains.size(), 1u);
  EXPECT_EQ(r.other_data_retrains[0].accuracy, 17.19);
  const std::string text = render_text(r);
  EXPECT_NE(text.find("Retrains on other data than the experiment's (cifar10 3x32x32, 10 classes)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("synthetic 1x28x28, 10 classes"), std::string::npos) << text;
  const auto j = nlohmann::json::parse(report_to_json(r).dump());
  EXPECT_EQ(j["other_data_retrains"][0]["trial"], 4);
  EXPECT_EQ(j["other_data_retrains"][0]["dataset"]["name"], "synthetic");
  // With only the other-data retrain, the trial has no retrained accuracy at all.
  fs::remove_all(fs::path(store.trial_dir(4)) / "retrain" / "20261128-000000");
  EXPECT_FALSE(retrained_accuracy(build_report(store, {4, 5}), 4));
}

TEST(RetrainedOnExperimentData, NeedsTheSameDataSetShapeAndClassesButNotTheSplit) {
  ExperimentRecord e = testing::experiment("e", 3, 0.3);
  RetrainRecord r;
  r.dataset = e.dataset;
  r.dataset.split = "test";
  EXPECT_TRUE(retrained_on_experiment_data(r, e));
  r.dataset.classes = 100;
  EXPECT_FALSE(retrained_on_experiment_data(r, e));
  r.dataset = e.dataset;
  r.dataset.name = "synthetic";
  EXPECT_FALSE(retrained_on_experiment_data(r, e));
  // Records written before shapes were known compare by name.
  r.dataset = DatasetInfo{};
  r.dataset.name = "cifar10";
  EXPECT_TRUE(retrained_on_experiment_data(r, e));
}

TEST_F(ReportTest, TopTableRanksByMetricWithRetrainedAccuracy) {
  const auto r = hand_report(4, 3);
  ASSERT_EQ(r.top.size(), 3u);
  EXPECT_EQ(r.top[0].id, 4);
  EXPECT_EQ(r.top[1].id, 1);
  EXPECT_EQ(r.top[2].id, 5);
  EXPECT_EQ(r.top[1].retrained_accuracy, 85.5);
  EXPECT_FALSE(r.top[0].retrained_accuracy);
  EXPECT_EQ(r.top[2].status, TrialStatus::kCulled);
  EXPECT_EQ(r.top[1].depths, (std::vector<int>{2, 2, 3, 4, 1}));
}

TEST_F(ReportTest, ParetoFrontKeepsOnlyUndominatedCompletedTrials) {
  // Culled trials 2 (40%, 0.20 ms) and 5 (72%, 0.25 ms) would dominate trial 0, but a partial
  // training's accuracy is not a finished one's: the front is of completed trials only.
  const auto r = hand_report();
  ASSERT_EQ(r.pareto.size(), 3u);
  EXPECT_EQ(r.pareto[0].id, 0);
  EXPECT_EQ(r.pareto[1].id, 1);
  EXPECT_EQ(r.pareto[2].id, 4);
  EXPECT_GT(r.pareto[2].params, 0);
  // Reference 10% and 1 ms: (60-10)(1-0.3) + (70-60)(1-0.4) + (75-70)(1-0.5) = 35 + 6 + 2.5.
  EXPECT_DOUBLE_EQ(front_hypervolume(r.pareto, 10.0, 1.0), 43.5);
  const std::string front = render_front_text(r);
  EXPECT_NE(front.find("Pareto front"), std::string::npos) << front;
  const auto j = front_to_json(r);
  EXPECT_EQ(j["front"].size(), 3u);
  EXPECT_EQ(j["front"][0]["id"], 0);
}

TEST_F(ReportTest, ParetoFrontBreaksLatencyTiesByAccuracy) {
  std::vector<TrialRecord> trials;
  for (auto [id, acc, lat] : {std::tuple{0, 50.0, 0.2}, {1, 60.0, 0.2}, {2, 60.0, 0.3}}) {
    TrialRecord t;
    t.id = id;
    t.status = TrialStatus::kCompleted;
    t.metric = acc;
    t.accuracy = acc;
    t.latency_ms = lat;
    trials.push_back(t);
  }
  const auto front = pareto_front(trials);
  ASSERT_EQ(front.size(), 1u);
  EXPECT_EQ(front[0].id, 1);
}

TEST_F(ReportTest, BestSoFarFollowsEndOrder) {
  const auto r = hand_report();
  ASSERT_EQ(r.best_so_far.size(), 5u);  // the first to finish (failed) has no metric
  EXPECT_EQ(r.best_so_far[0].trials, 2);
  EXPECT_EQ(r.best_so_far[0].id, 2);
  EXPECT_EQ(r.best_so_far[1].id, 1);
  EXPECT_EQ(r.best_so_far[3].id, 1);
  EXPECT_EQ(r.best_so_far[4].trials, 6);
  EXPECT_EQ(r.best_so_far[4].id, 4);
  EXPECT_DOUBLE_EQ(r.best_so_far[4].metric, 40.0);
  EXPECT_EQ(r.end_order, (std::vector<int>{3, 2, 1, 0, 5, 4}));
}

TEST_F(ReportTest, CorruptTrialIsReportedAndSkipped) {
  auto store = write_hand_fixture(root_, "hand");
  fs::create_directories(store.trial_dir(8));
  std::ofstream(store.trial_dir(8) + "/trial.json") << "{\"format\": \"nas-trial/1\", \"id\"";
  const auto r = build_report(store, {4, 3});
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_NE(r.problems[0].find(store.trial_dir(8)), std::string::npos) << r.problems[0];
  EXPECT_EQ(r.counts.total, 8);
  const std::string text = render_text(r);
  EXPECT_NE(text.find("skipped"), std::string::npos);
  EXPECT_NE(text.find("Top 3"), std::string::npos);
}

TEST_F(ReportTest, EmptyExperimentSaysSoEverywhere) {
  auto store = ExperimentStore::create(root_, experiment("empty", 3, 0.3));
  const auto r = build_report(store, {});
  EXPECT_EQ(r.counts.total, 0);
  EXPECT_FALSE(r.first.best_trial);
  EXPECT_NE(render_text(r).find("No trials yet"), std::string::npos);
  const auto j = nlohmann::json::parse(report_to_json(r).dump());
  EXPECT_TRUE(j["first"]["best_trial"].is_null());
  std::ostringstream csv;
  write_csv(r, csv);
  const std::string text = csv.str();
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1);
}

TEST_F(ReportTest, TextShowsTheOriginalsSummary) {
  const std::string text = render_text(hand_report(4, 3));
  for (const char* needle :
       {"Experiment hand: completed", "First 4 scored trials", "best trial   1 (metric 35.0000)",
        "7m 30s (earliest start to 4th end)", "All trials:    8m 40s",
        "Culling saved: 3 of 17 epochs", "85.50", "2-2-3-4-1", "Pareto front", "Best metric so far",
        "1 failed, 1 interrupted, 1 running"}) {
    EXPECT_NE(text.find(needle), std::string::npos) << needle << "\n" << text;
  }
}

TEST_F(ReportTest, ASearchThatEndedShortOfTheFirstNSaysWhatItScored) {
  auto store = write_hand_fixture(root_, "short");  // completed, 4 scored trials
  const std::string done = render_text(build_report(store, {250, 3}));
  EXPECT_NE(done.find("All 5 scored trials (the summary covers the first 250; this search has no "
                      "more):"),
            std::string::npos)
      << done;
  EXPECT_EQ(done.find("so far):"), std::string::npos) << done;
  // While it runs, more may come.
  ExperimentRecord e = store.read_experiment();
  e.status = ExperimentStatus::kRunning;
  store.write_experiment(e);
  const ExperimentLock held = store.lock();
  const std::string running = render_text(build_report(store, {250, 3}));
  EXPECT_NE(running.find("First 250 scored trials (5 so far):"), std::string::npos) << running;
}

TEST_F(ReportTest, JsonParsesBackWithTheFigures) {
  const auto j = nlohmann::json::parse(report_to_json(hand_report(4, 3)).dump(2));
  EXPECT_EQ(j["format"], "nas-report/1");
  EXPECT_EQ(j["experiment"]["id"], "hand");
  EXPECT_EQ(j["counts"]["culled"], 2);
  EXPECT_EQ(j["first"]["best_trial"], 1);
  EXPECT_DOUBLE_EQ(j["first"]["seconds"].get<double>(), 450.0);
  EXPECT_DOUBLE_EQ(j["all_seconds"].get<double>(), 520.0);
  EXPECT_EQ(j["culling"]["epochs_saved"], 3);
  EXPECT_EQ(j["top"][1]["retrained_accuracy"], 85.5);
  EXPECT_EQ(j["top"][1]["depths"], nlohmann::json({2, 2, 3, 4, 1}));
  EXPECT_EQ(j["pareto"].size(), 3u);
  EXPECT_EQ(j["best_so_far"].back()["id"], 4);
  EXPECT_TRUE(j["problems"].empty());
}

// Splits CSV text into rows of fields, honouring quotes.
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows(1);
  std::string field;
  bool quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      rows.back().push_back(field);
      field.clear();
    } else if (c == '\n') {
      rows.back().push_back(field);
      field.clear();
      rows.emplace_back();
    } else {
      field += c;
    }
  }
  rows.pop_back();  // after the final newline
  return rows;
}

TEST_F(ReportTest, CsvHasOneRowPerTrialWithArchitectureColumns) {
  auto store = write_hand_fixture(root_, "hand");
  auto t = make_trial(
      "hand", {9, TrialStatus::kFailed, 0, 10, std::nullopt, std::nullopt, std::nullopt, {}});
  t.error = "out of memory, \"CUDA\"\nline two";
  store.write_trial(t);
  std::ostringstream out;
  write_csv(build_report(store, {}), out);
  const auto rows = parse_csv(out.str());
  ASSERT_EQ(rows.size(), 10u);  // header + 9 trials
  const auto& header = rows[0];
  auto col = [&](const std::string& name) {
    return std::find(header.begin(), header.end(), name) - header.begin();
  };
  ASSERT_LT(col("metric"), static_cast<long>(header.size()));
  ASSERT_LT(col("depth_1"), static_cast<long>(header.size()));
  ASSERT_LT(col("se_21"), static_cast<long>(header.size()));
  for (const auto& row : rows) EXPECT_EQ(row.size(), header.size());
  EXPECT_EQ(rows[2][col("id")], "1");
  EXPECT_EQ(rows[2][col("metric")], "35");
  EXPECT_EQ(rows[2][col("retrained_accuracy")], "85.5");
  EXPECT_EQ(rows[2][col("retrained_partial")], "false");  // the text table's '*'
  EXPECT_EQ(rows[3][col("retrained_partial")], "");       // no retrain
  EXPECT_EQ(rows[2][col("depth_1")], "2");
  EXPECT_EQ(rows[2][col("se_21")], "");  // not in this tiny architecture
  EXPECT_EQ(rows[3][col("culled_at_epoch")], "1");
  EXPECT_EQ(rows[9][col("error")], "out of memory, \"CUDA\"\nline two");
}

TEST(ReportFormat, CountsTakeTheirNounInTheRightNumber) {
  EXPECT_EQ(counted(1, "trial"), "1 trial");
  EXPECT_EQ(counted(0, "epoch"), "0 epochs");
  EXPECT_EQ(counted(12, "finished trial"), "12 finished trials");
}

TEST(ReportFormat, DurationsReadLikeTheOriginalsTable) {
  EXPECT_EQ(format_duration(3 * 3600 + 6 * 60 + 10), "3h 06m");
  EXPECT_EQ(format_duration(3600 * 2 - 10), "2h 00m");
  EXPECT_EQ(format_duration(125), "2m 05s");
  EXPECT_EQ(format_duration(42), "42.0s");
}

// --- compare ---

class ReportCompareTest : public ReportTest {
 protected:
  void SetUp() override {
    ReportTest::SetUp();
    using S = TrialStatus;
    auto base = ExperimentStore::create(root_, experiment("e3c30", 3, 0.3));
    base.write_trial(make_trial("e3c30", {0, S::kCompleted, 0, 100, 30, 80, 0.50, {30}}));
    base.write_trial(make_trial("e3c30", {1, S::kCompleted, 0, 200, 20, 70, 0.20, {30}}));
    write_retrain(base, 0, 83.73, 0.40);
    auto one = ExperimentStore::create(root_, experiment("e1c0", 1, 0));
    one.write_trial(make_trial("e1c0", {0, S::kCompleted, 0, 50, 25, 78, 0.32, {50}}));
    auto slow = ExperimentStore::create(root_, experiment("e3c0", 3, 0));
    slow.write_trial(make_trial("e3c0", {0, S::kCompleted, 0, 3600, 28, 84, 0.80, {30}}));
    slow.write_trial(make_trial("e3c0", {1, S::kCompleted, 100, 7300, 27, 84, 0.80, {30}}));
  }
  const ReportOptions options_{2, 10};
};

TEST_F(ReportCompareTest, CellsUseRetrainedAccuracyAndLatencyWhenPresent) {
  const auto table = build_compare(root_, {"e1c0", "e3c0", "e3c30"}, "", options_);
  EXPECT_EQ(table.epochs, (std::vector<int>{1, 3}));
  EXPECT_EQ(table.cull_ratios, (std::vector<double>{0, 0.3}));
  EXPECT_EQ(table.baseline, "e3c30");
  const CompareCell* base = table.cell(3, 0.3);
  ASSERT_TRUE(base);
  EXPECT_TRUE(base->retrained);
  EXPECT_DOUBLE_EQ(*base->accuracy, 83.73);
  EXPECT_DOUBLE_EQ(*base->search_seconds, 200);
  EXPECT_DOUBLE_EQ(*base->speedup, 1.0);
  const CompareCell* one = table.cell(1, 0);
  ASSERT_TRUE(one);
  EXPECT_FALSE(one->retrained);
  EXPECT_DOUBLE_EQ(*one->accuracy, 78);
  // 1 of 2 trials: measured 50 s; at that rate 2 would take 100 s.
  EXPECT_DOUBLE_EQ(*one->search_seconds, 50);
  EXPECT_EQ(one->trials_counted, 1);
  EXPECT_DOUBLE_EQ(one->extrapolated_seconds.value_or(0), 100);
  EXPECT_FALSE(base->extrapolated_seconds);
  EXPECT_DOUBLE_EQ(*one->speedup, 0.40 / 0.32);
  EXPECT_DOUBLE_EQ(*table.cell(3, 0)->speedup, 0.5);
  EXPECT_DOUBLE_EQ(*table.cell(3, 0)->search_seconds, 7300);
  EXPECT_FALSE(table.cell(1, 0.3));
}

TEST_F(ReportCompareTest, TextAndMarkdownFollowTheOriginalsLayout) {
  const auto table = build_compare(root_, {"e1c0", "e3c0", "e3c30"}, "", options_);
  const std::string text = render_compare_text(table);
  for (const char* needle :
       {"0% cull", "30% cull", "1 epoch ", "3 epochs", "Accuracy", "Search time",
        "Inference speedup", "78.00*", "83.73", "50.0s (1 trial)", "2h 02m", "1.25", "0.50",
        "baseline e3c30", "(n trials): fewer than 2 trials ended with a metric"}) {
    EXPECT_NE(text.find(needle), std::string::npos) << needle << "\n" << text;
  }
  EXPECT_EQ(text.find("~"), std::string::npos) << "no extrapolation unless asked\n" << text;
  const std::string md = render_compare_markdown(table);
  EXPECT_EQ(md.rfind("|  |  | 0% cull | 30% cull |\n|---|---|---:|---:|\n", 0), 0u) << md;
  EXPECT_NE(md.find("| 1 epoch | Accuracy | 78.00\\* | - |"), std::string::npos) << md;
  EXPECT_NE(md.find("|  | Inference speedup | 0.50 | 1.00 |"), std::string::npos) << md;
}

TEST_F(ReportCompareTest, ExtrapolationIsShownOnlyWhenAskedAndMarked) {
  auto table = build_compare(root_, {"e1c0", "e3c30"}, "", options_);
  table.extrapolate = true;
  const std::string text = render_compare_text(table);
  EXPECT_NE(text.find("~1m 40s"), std::string::npos) << text;
  EXPECT_NE(text.find("~ extrapolated: fewer than 2 trials"), std::string::npos) << text;
  EXPECT_EQ(text.find("(1 trial)"), std::string::npos) << text;
}

TEST_F(ReportCompareTest, AnExperimentGivenTwiceIsOneCell) {
  const auto table = build_compare(root_, {"e3c30", "e3c30", "e1c0"}, "", options_);
  EXPECT_EQ(table.cells.size(), 2u);
  EXPECT_EQ(table.cells_at(3, 0.3).size(), 1u);
  const std::string text = render_compare_text(table);
  EXPECT_EQ(text.find("n=2"), std::string::npos) << text;
  EXPECT_NE(text.find("e3c30 was given more than once: counted once"), std::string::npos) << text;
}

TEST_F(ReportCompareTest, ExplicitBaselineMayBeOutsideTheTable) {
  const auto table = build_compare(root_, {"e3c30"}, "e1c0", options_);
  EXPECT_EQ(table.baseline, "e1c0");
  EXPECT_DOUBLE_EQ(*table.cell(3, 0.3)->speedup, 0.32 / 0.40);
}

TEST_F(ReportCompareTest, WithoutTheDefaultBaselineSpeedupsAreBlankWithANote) {
  const auto table = build_compare(root_, {"e1c0"}, "", options_);
  EXPECT_FALSE(table.baseline);
  EXPECT_FALSE(table.cell(1, 0)->speedup);
  ASSERT_EQ(table.notes.size(), 1u);
  EXPECT_NE(table.notes[0].find("--baseline"), std::string::npos);
}

TEST_F(ReportCompareTest, JsonParsesBack) {
  const auto j = nlohmann::json::parse(
      compare_to_json(build_compare(root_, {"e1c0", "e3c30"}, "", options_)).dump());
  EXPECT_EQ(j["format"], "nas-compare/1");
  EXPECT_EQ(j["baseline"], "e3c30");
  ASSERT_EQ(j["cells"].size(), 2u);
  EXPECT_EQ(j["cells"][0]["experiment"], "e1c0");
  EXPECT_EQ(j["cells"][0]["search_seconds"], 50.0);
  EXPECT_EQ(j["cells"][0]["extrapolated_seconds"], 100.0);
  EXPECT_TRUE(j["cells"][1]["extrapolated_seconds"].is_null());
}

TEST_F(ReportCompareTest, EveryExperimentIsKeptAndACellOfSeveralShowsMeanRangeAndCount) {
  using S = TrialStatus;
  // A second seed of the baseline, and a random-search run of the same cell.
  auto seed2 = ExperimentStore::create(root_, experiment("e3c30-seed2", 3, 0.3));
  seed2.write_trial(make_trial("e3c30-seed2", {0, S::kCompleted, 0, 300, 30, 76, 0.40, {30}}));
  seed2.write_trial(make_trial("e3c30-seed2", {1, S::kCompleted, 0, 400, 20, 70, 0.20, {30}}));
  write_retrain(seed2, 0, 81.73, 0.40);
  ExperimentRecord random = experiment("random", 3, 0.3);
  random.options.strategy = "random";
  auto r = ExperimentStore::create(root_, random);
  r.write_trial(make_trial("random", {0, S::kCompleted, 0, 100, 25, 70, 0.30, {30}}));
  const auto table = build_compare(root_, {"e3c30", "e3c30-seed2", "random", "e1c0"}, "", options_);
  EXPECT_EQ(table.cells.size(), 4u);  // nothing dropped
  EXPECT_EQ(table.cells_at(3, 0.3, "evolution").size(), 2u);
  EXPECT_TRUE(table.several_strategies);
  EXPECT_EQ(table.baseline, "e3c30+e3c30-seed2");
  const std::string text = render_compare_text(table);
  for (const char* needle : {"30% cull (evolution)", "30% cull (random)",
                             "82.73 (81.73-83.73, n=2)", "mean (min-max, n=count)"}) {
    EXPECT_NE(text.find(needle), std::string::npos) << needle << "\n" << text;
  }
}

TEST_F(ReportCompareTest, ExperimentsOnDifferentDataSetsAreRefused) {
  ExperimentRecord other = experiment("fmnist", 3, 0.3);
  other.dataset.name = "fashion-mnist";
  ExperimentStore::create(root_, other);
  try {
    build_compare(root_, {"e3c30", "fmnist"}, "", options_);
    FAIL() << "no UsageError";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("mixes data sets"), std::string::npos) << e.what();
  }
}

TEST_F(ReportCompareTest, UnknownIdListsThoseThatExist) {
  try {
    build_compare(root_, {"e1c0", "nope"}, "", options_);
    FAIL() << "no throw";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("e1c0 e3c0 e3c30"), std::string::npos) << e.what();
  }
  EXPECT_THROW(build_compare(root_, {}, "", options_), UsageError);
}

// Not a check: writes sample experiments for scripts/dashboard-screenshot.sh and the README when
// NAS_REPORT_FIXTURE_DIR is set.
TEST(ReportFixture, WriteWhenAsked) {
  const char* dir = std::getenv("NAS_REPORT_FIXTURE_DIR");
  if (!dir || !*dir) GTEST_SKIP() << "NAS_REPORT_FIXTURE_DIR not set";
  fs::remove_all(dir);
  write_hand_fixture(dir, "20261128-000000-0001");
  write_demo_fixture(dir, "20261128-010000-3e30", 3, 0.3, 1);
  write_demo_fixture(dir, "20261128-020000-3e00", 3, 0.0, 2);
  write_demo_fixture(dir, "20261128-030000-1e00", 1, 0.0, 3);
  write_demo_fixture(dir, "20261128-040000-5e30", 5, 0.3, 4);
  const auto demo = ExperimentStore::open(dir, "20261128-010000-3e30");
  write_retrain(demo, build_report(demo, {}).first.best_trial.value_or(0), 83.73, 0.21);
  fs::create_directories(demo.trial_dir(80));
  std::ofstream(demo.trial_dir(80) + "/trial.json") << "{\"format\": \"nas-trial/1\", \"id\": 8";
}

}  // namespace
}  // namespace nas

namespace nas {
namespace {

TEST_F(ReportTest, TheBestTrialsDeployCommandsRetrainItOrExportItsRetrain) {
  auto store = write_hand_fixture(root_, "hand");
  ExperimentReport r = build_report(store, {4, 3});
  ASSERT_TRUE(r.deploy);
  EXPECT_EQ(r.deploy->trial, 4);
  const std::string trial_dir = fs::absolute(store.trial_dir(4)).lexically_normal().string();
  EXPECT_EQ(r.deploy->trial_dir, trial_dir);
  EXPECT_FALSE(r.deploy->retrain_dir);
  EXPECT_EQ(deploy_commands(*r.deploy),
            (std::vector<std::string>{"nas-test-model " + trial_dir, "nas export " + trial_dir}));
  EXPECT_NE(render_text(r).find("Deploy the best trial (4): retrain it"), std::string::npos);

  write_retrain(store, 4, 90.0, 0.4);
  r = build_report(store, {4, 3});
  ASSERT_TRUE(r.deploy && r.deploy->retrain_dir);
  const std::string retrain = trial_dir + "/retrain/20261128-000000";
  EXPECT_EQ(*r.deploy->retrain_dir, retrain);
  EXPECT_NE(render_text(r).find("  nas export " + retrain + "\n"), std::string::npos);
  const nlohmann::json j = report_to_json(r);
  EXPECT_EQ(j.at("deploy").at("commands"), nlohmann::json::array({"nas export " + retrain}));
}

}  // namespace
}  // namespace nas
