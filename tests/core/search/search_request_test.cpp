#include "nas/core/search/search_request.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

#include "nas/core/common/error.hpp"
#include "nas/core/experiment/experiment_store.hpp"
#include "nas/core/search/mobilenetv3_space.hpp"
#include "report_fixtures.hpp"

namespace nas {
namespace {
namespace fs = std::filesystem;
using testing::fresh_test_dir;

class SearchRequestTest : public ::testing::Test {
 protected:
  void SetUp() override { root_ = fresh_test_dir("nas-request"); }
  void TearDown() override { fs::remove_all(root_); }

  /// A stored 4-trial experiment "e" (3 epochs, seed 7) with `finished` completed trials.
  void store_experiment(int finished, ExperimentStatus status = ExperimentStatus::kCompleted) {
    ExperimentRecord e = testing::experiment("e", 3, 0.3);
    e.options.n_trials = 4;
    e.options.max_population = 4;
    e.options.sample_size = 2;
    e.options.dataset = "synthetic";
    e.seed = 7;
    e.status = status;
    auto store = ExperimentStore::create(root_, e);
    const MobileNetV3Space space;
    for (int id = 0; id < finished; ++id) {
      TrialRecord t =
          testing::make_trial("e", {id, TrialStatus::kCompleted, 0, 10, 5.0, 50.0, 0.1, {1, 1, 1}});
      t.arch = space.smallest();
      store.write_trial(t);
    }
  }

  static SearchRequest resume(const std::string& id, std::set<std::string> given = {}) {
    SearchRequest r;
    r.resume = id;
    r.given = std::move(given);
    return r;
  }

  std::string root_;
};

TEST_F(SearchRequestTest, ANewSearchTakesTheFlagsAndCreatesNothingYet) {
  SearchRequest r;
  r.options.epochs = 2;
  r.seed = 11;
  r.given = {"--epochs", "--seed"};
  r.name = "first";
  const PreparedSearch p = prepare_search(r, root_);
  EXPECT_FALSE(p.resumed);
  EXPECT_FALSE(p.store.has_value());
  EXPECT_EQ(p.experiment.options.epochs, 2);
  EXPECT_EQ(p.experiment.seed, 11u);
  EXPECT_EQ(p.experiment.name, "first");
  EXPECT_FALSE(fs::exists(root_));
}

TEST_F(SearchRequestTest, WithoutSeedANewSearchDrawsOne) {
  SearchRequest r;
  r.seed = 11;  // not given: ignored
  const PreparedSearch a = prepare_search(r, root_);
  const PreparedSearch b = prepare_search(r, root_);
  EXPECT_NE(a.experiment.seed, b.experiment.seed);
}

TEST_F(SearchRequestTest, NoGpuRunsOnTheCpu) {
  SearchRequest r;
  r.options.device = "cuda:0";
  r.no_gpu = true;
  EXPECT_EQ(prepare_search(r, root_).experiment.options.device, "cpu");
}

TEST_F(SearchRequestTest, NoGpuWithAGpuDeviceIsAContradiction) {
  SearchRequest r;
  r.options.device = "cuda:0";
  r.no_gpu = true;
  r.given = {"--device", "--no-gpu"};
  EXPECT_THROW(prepare_search(r, root_), UsageError);
  r.options.device = "cpu";
  EXPECT_NO_THROW(prepare_search(r, root_));
}

TEST_F(SearchRequestTest, ATrainingSubsetSmallerThanABatchIsRefused) {
  SearchRequest r;
  r.options.train_subset = 5;
  try {
    prepare_search(r, root_);
    FAIL() << "expected a UsageError";
  } catch (const UsageError& e) {
    EXPECT_EQ(std::string(e.what()),
              "--train-subset 5 is smaller than one batch (--batch-size 64): give at least 64 "
              "images, or 0 for all");
  }
  r.options.train_subset = 64;
  EXPECT_NO_THROW(prepare_search(r, root_));
}

TEST_F(SearchRequestTest, ARewardNeedsItsTargetAndBetaItsReward) {
  SearchRequest r;
  r.options.reward = "hard";
  r.given = {"--reward"};
  EXPECT_THROW(prepare_search(r, root_), UsageError);
  r.options.target_latency_ms = 0.2;
  r.given.insert("--target-latency");
  EXPECT_NO_THROW(prepare_search(r, root_));
  r.options.beta = -0.5;
  r.given.insert("--beta");
  EXPECT_THROW(prepare_search(r, root_), UsageError);
  r.options.reward = "absolute";
  EXPECT_NO_THROW(prepare_search(r, root_));
}

TEST_F(SearchRequestTest, InitialArchitecturesAreReadFromFilesAndTrialFolders) {
  store_experiment(1, ExperimentStatus::kInterrupted);  // trial 0: the smallest network
  fs::create_directories(root_ + "/files");
  const std::string file = root_ + "/files/largest.json";
  std::ofstream(file) << MobileNetV3Space().largest().to_json().dump();
  SearchRequest r;
  r.initial_archs = {file, root_ + "/e/trials/0"};
  const PreparedSearch p = prepare_search(r, root_);
  ASSERT_EQ(p.experiment.options.initial_archs.size(), 2u);
  EXPECT_EQ(p.experiment.options.initial_archs[0], MobileNetV3Space().largest());
  EXPECT_EQ(p.experiment.options.initial_archs[1], MobileNetV3Space().smallest());
  r.initial_archs = {root_ + "/files/missing.json"};
  EXPECT_THROW(prepare_search(r, root_), InputError);
}

TEST_F(SearchRequestTest, QuickFillsOnlyWhatWasNotGiven) {
  SearchRequest r;
  r.quick = true;
  r.options.n_trials = 20;
  r.given = {"--n-trials"};
  const PreparedSearch p = prepare_search(r, root_);
  EXPECT_EQ(p.experiment.options.n_trials, 20);
  EXPECT_EQ(p.experiment.options.max_population, 6);
  EXPECT_EQ(p.experiment.options.train_subset, 2000);
  const auto has = [&](const std::string& flag, const std::string& value) {
    return std::count(p.quick_set.begin(), p.quick_set.end(), std::make_pair(flag, value)) == 1;
  };
  EXPECT_FALSE(has("--n-trials", "12"));
  EXPECT_TRUE(has("--max-population", "6"));
}

TEST_F(SearchRequestTest, AnErrorCausedByQuickSaysWhatQuickSet) {
  SearchRequest r;
  r.quick = true;
  r.options.sample_size = 10;  // above --quick's population of 6
  r.given = {"--sample-size"};
  try {
    prepare_search(r, root_);
    FAIL() << "expected a UsageError";
  } catch (const UsageError& e) {
    // Only the value the message speaks of.
    EXPECT_EQ(std::string(e.what()),
              "--sample-size 10 must be smaller than --max-population 6 (--quick set "
              "--max-population 6)");
  }
}

TEST_F(SearchRequestTest, ResumeKeepsTheExperimentsOptionsAndItsTrials) {
  store_experiment(2, ExperimentStatus::kInterrupted);
  const PreparedSearch p = prepare_search(resume("e"), root_);
  EXPECT_TRUE(p.resumed);
  ASSERT_TRUE(p.store.has_value());
  EXPECT_EQ(p.experiment.options.epochs, 3);
  EXPECT_EQ(p.experiment.seed, 7u);
  EXPECT_EQ(p.kept.size(), 2u);
  EXPECT_EQ(p.finished, 2);
  EXPECT_FALSE(p.already_complete);
  EXPECT_TRUE(p.problems.empty());
}

TEST_F(SearchRequestTest, ResumeRefusesAFlagThatDefinesTheSearchNamingBothValues) {
  store_experiment(1);
  SearchRequest r = resume("e", {"--epochs"});
  r.options.epochs = 5;
  try {
    prepare_search(r, root_);
    FAIL() << "expected a UsageError";
  } catch (const UsageError& e) {
    EXPECT_EQ(std::string(e.what()),
              "--epochs 5 conflicts with the experiment's 3 (--resume takes the options from "
              "experiment.json)");
  }
  SearchRequest seed = resume("e", {"--seed"});
  seed.seed = 8;
  EXPECT_THROW(prepare_search(seed, root_), UsageError);
}

TEST_F(SearchRequestTest, ResumeAcceptsADefiningFlagThatAgrees) {
  store_experiment(1);
  SearchRequest r = resume("e", {"--epochs", "--seed"});
  r.options.epochs = 3;
  r.seed = 7;
  EXPECT_NO_THROW(prepare_search(r, root_));
}

TEST_F(SearchRequestTest, ResumeExtendsTheTrialsButNeverShortensThem) {
  store_experiment(4);
  SearchRequest more = resume("e", {"--n-trials"});
  more.options.n_trials = 6;
  {
    const PreparedSearch p = prepare_search(more, root_);
    EXPECT_EQ(p.experiment.options.n_trials, 6);
    EXPECT_FALSE(p.already_complete);
  }  // releases the experiment's lock
  SearchRequest fewer = resume("e", {"--n-trials"});
  fewer.options.n_trials = 3;
  try {
    prepare_search(fewer, root_);
    FAIL() << "expected a UsageError";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("extended, not shortened"), std::string::npos);
  }
}

TEST_F(SearchRequestTest, ResumeMayChangeWhereAndHowFastItRuns) {
  store_experiment(1);
  SearchRequest r = resume("e", {"--concurrent-trials", "--threads", "--device"});
  r.options.concurrent_trials = 3;
  r.options.threads = 1;
  r.options.device = "cpu";
  {
    const PreparedSearch p = prepare_search(r, root_);
    EXPECT_EQ(p.experiment.options.concurrent_trials, 3);
    EXPECT_EQ(p.experiment.options.threads, 1);
    EXPECT_EQ(p.experiment.options.device, "cpu");
  }  // releases the experiment's lock
  SearchRequest no_gpu = resume("e");
  no_gpu.no_gpu = true;
  EXPECT_EQ(prepare_search(no_gpu, root_).experiment.options.device, "cpu");
}

TEST_F(SearchRequestTest, ResumeNamesTheFlagsItIgnores) {
  store_experiment(1);
  const PreparedSearch p = prepare_search(resume("e", {"--name", "--quick"}), root_);
  EXPECT_EQ(p.ignored, (std::vector<std::string>{"--name", "--quick"}));
}

TEST_F(SearchRequestTest, ACompletedExperimentWithEveryTrialFinishedHasNothingToDo) {
  store_experiment(4);
  const PreparedSearch p = prepare_search(resume("e"), root_);
  EXPECT_TRUE(p.already_complete);
  EXPECT_EQ(p.finished, 4);
}

TEST_F(SearchRequestTest, ASearchEndedByItsBudgetIsCompleteUntilGivenMoreTime) {
  store_experiment(2);  // completed, 2 of 4 trials
  {
    auto store = ExperimentStore::open(root_, "e");
    ExperimentRecord e = store.read_experiment();
    e.options.time_budget_seconds = 60;
    e.search_seconds = 61;
    e.ended_by = "time_budget";
    store.write_experiment(e);
  }
  {
    const PreparedSearch p = prepare_search(resume("e"), root_);
    EXPECT_TRUE(p.already_complete);
  }
  SearchRequest more = resume("e", {"--time-budget"});
  more.options.time_budget_seconds = 3600;
  const PreparedSearch p = prepare_search(more, root_);
  EXPECT_FALSE(p.already_complete);
  EXPECT_EQ(p.experiment.options.time_budget_seconds, 3600);
}

TEST_F(SearchRequestTest, ResumeLeavesOutTrialsItCannotTrust) {
  store_experiment(2, ExperimentStatus::kInterrupted);
  const fs::path bad = fs::path(root_) / "e" / "trials" / "2";
  fs::create_directories(bad);
  std::ofstream(bad / "trial.json") << "{ not json";
  const PreparedSearch p = prepare_search(resume("e"), root_);
  EXPECT_EQ(p.kept.size(), 2u);
  ASSERT_EQ(p.problems.size(), 1u);
  EXPECT_NE(p.problems[0].find("trial.json"), std::string::npos) << p.problems[0];
}

TEST_F(SearchRequestTest, AResumedExperimentIsLockedWhilePrepared) {
  store_experiment(1, ExperimentStatus::kInterrupted);
  const PreparedSearch p = prepare_search(resume("e"), root_);
  EXPECT_THROW(prepare_search(resume("e"), root_), UsageError);
}

TEST_F(SearchRequestTest, ExperimentIdStartsTheFirstTimeAndResumesAfter) {
  SearchRequest r;
  r.experiment_id = "e";
  const PreparedSearch first = prepare_search(r, root_);
  EXPECT_FALSE(first.resumed);
  EXPECT_EQ(first.experiment.id, "e");
  store_experiment(1, ExperimentStatus::kInterrupted);
  EXPECT_TRUE(prepare_search(r, root_).resumed);
}

TEST_F(SearchRequestTest, ExperimentIdAndResumeTogetherAreRefused) {
  SearchRequest r = resume("e");
  r.experiment_id = "e";
  EXPECT_THROW(prepare_search(r, root_), UsageError);
}

TEST_F(SearchRequestTest, ExperimentIdsAreFolderNames) {
  EXPECT_NO_THROW(check_experiment_id("run-1_a.b"));
  for (const std::string& bad :
       std::vector<std::string>{"", ".hidden", "a/b", "a b", std::string(129, 'a')})
    EXPECT_THROW(check_experiment_id(bad), UsageError) << bad;
}

}  // namespace
}  // namespace nas
