#include "nas/core/experiment/experiment_store.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>
#include <tuple>

#include "nas/core/common/error.hpp"

namespace nas {
namespace {
namespace fs = std::filesystem;

// A fresh folder per test under the system temp dir, removed afterwards.
class ExperimentStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    root_ = (fs::temp_directory_path() /
             ("nas-store-" + std::string(info->name()) + "-" + std::to_string(::getpid())))
                .string();
    fs::remove_all(root_);
  }
  void TearDown() override { fs::remove_all(root_); }

  static ExperimentRecord record(const std::string& id = "") {
    ExperimentRecord r;
    r.id = id;
    r.created = "2026-11-28T06:55:00.000Z";
    r.dataset.name = "fashion-mnist";
    r.nas_version = "0.1.0";
    r.libtorch_version = "1.13.1";
    return r;
  }

  static TrialRecord trial(int id) {
    TrialRecord t;
    t.id = id;
    t.experiment = "e";
    t.arch = Architecture({{"width_0", 16}});
    t.started = "2026-11-28T06:55:00.000Z";
    t.status = TrialStatus::kCompleted;
    t.metric = 10.0 + id;
    return t;
  }

  static void write_text(const fs::path& p, const std::string& text) {
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
  }

  std::string root_;
};

TEST_F(ExperimentStoreTest, CreateMakesATimestampedIdAndTheLayout) {
  auto store = ExperimentStore::create(root_, record());
  EXPECT_TRUE(std::regex_match(store.id(), std::regex("\\d{8}-\\d{6}-[0-9a-f]{4}"))) << store.id();
  EXPECT_TRUE(fs::is_regular_file(fs::path(store.dir()) / "experiment.json"));
  EXPECT_TRUE(fs::is_directory(fs::path(store.dir()) / "trials"));
  EXPECT_EQ(store.read_experiment().id, store.id());
  EXPECT_EQ(store.log_path(), (fs::path(store.dir()) / "search.log").string());
  EXPECT_EQ(store.trial_dir(12), (fs::path(store.dir()) / "trials" / "12").string());
}

TEST_F(ExperimentStoreTest, ATrialFolderKnowsItsExperimentAndAStoreItsRoot) {
  auto store = ExperimentStore::create(root_, record("e"));
  store.write_trial(trial(3));
  for (const std::string& dir : {store.trial_dir(3), store.trial_dir(3) + "/"}) {
    const auto e = ExperimentStore::read_containing(dir);
    ASSERT_TRUE(e.has_value()) << dir;
    EXPECT_EQ(e->id, "e");
  }
  EXPECT_EQ(store.root(), fs::absolute(root_).lexically_normal().string());
  EXPECT_EQ(ExperimentStore::open(root_, store.dir() + "/").root(), store.root());
  // A trial folder copied out of its experiment has none.
  const fs::path copy = fs::path(root_) / "copy" / "3";
  fs::create_directories(copy);
  EXPECT_FALSE(ExperimentStore::read_containing(copy.string()).has_value());
  // One that is there but broken is named.
  write_text(fs::path(root_) / "broken" / "experiment.json", "{ nope");
  fs::create_directories(fs::path(root_) / "broken" / "trials" / "0");
  try {
    ExperimentStore::read_containing((fs::path(root_) / "broken" / "trials" / "0").string());
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("broken/experiment.json"), std::string::npos) << e.what();
  }
}

TEST_F(ExperimentStoreTest, EveryKindOfBadJsonSkipsTheTrialNamingItsFile) {
  auto store = ExperimentStore::create(root_, record("e"));
  store.write_trial(trial(0));
  const fs::path trials = fs::path(store.dir()) / "trials";
  write_text(trials / "1" / "trial.json", R"({"format": "nas-trial/1", "id": 1e999})");
  write_text(trials / "2" / "trial.json",
             "{\"format\": \"nas-trial/1\", \"id\": 2, \"x\": \"\xff\"}");
  write_text(trials / "3" / "trial.json", R"({"format": "nas-trial/1"} trailing)");
  write_text(trials / "4" / "trial.json", R"({"format": "nas-trial/1", "id": 4, "epochs": [1]})");
  fs::create_directories(trials / "5" / "trial.json");
  const auto loaded = store.load_trials();
  ASSERT_EQ(loaded.trials.size(), 1u);
  ASSERT_EQ(loaded.problems.size(), 5u);
  for (int i = 1; i <= 5; ++i) {
    const std::string path = (trials / std::to_string(i) / "trial.json").string();
    EXPECT_EQ(loaded.problems[i - 1].rfind(path, 0), 0u) << loaded.problems[i - 1];
  }
}

TEST_F(ExperimentStoreTest, ATrialsFolderThatCannotBeListedIsAProblemNotZeroTrials) {
  auto store = ExperimentStore::create(root_, record("e"));
  const fs::path trials = fs::path(store.dir()) / "trials";
  fs::remove_all(trials);
  write_text(trials, "not a folder");
  const auto loaded = store.load_trials();
  EXPECT_TRUE(loaded.trials.empty());
  ASSERT_EQ(loaded.problems.size(), 1u);
  EXPECT_NE(loaded.problems[0].find(trials.string() + ": cannot list"), std::string::npos)
      << loaded.problems[0];
}

TEST_F(ExperimentStoreTest, ABadExperimentJsonIsAnInputErrorNamingIt) {
  auto store = ExperimentStore::create(root_, record("e"));
  const std::string path = (fs::path(store.dir()) / "experiment.json").string();
  for (const std::string text : {std::string(R"({"format": "nas-experiment/1", "seed": 1e999})"),
                                 std::string("{\"name\": \"\xfe\"}"), std::string("{} {}")}) {
    write_text(path, text);
    try {
      store.read_experiment();
      ADD_FAILURE() << "accepted " << text;
    } catch (const InputError& e) {
      EXPECT_EQ(std::string(e.what()).rfind(path, 0), 0u) << e.what();
    }
  }
}

TEST_F(ExperimentStoreTest, BytesThatAreNotUtf8AreWrittenReplacedNotRefused) {
  auto r = record("e");
  r.name = std::string("caf\xe9");  // Latin-1
  auto store = ExperimentStore::create(root_, r);
  const auto back = store.read_experiment();
  ASSERT_TRUE(back.name);
  EXPECT_EQ(*back.name, "caf\xef\xbf\xbd");  // U+FFFD
  EXPECT_TRUE(fs::exists(fs::path(store.dir()) / "experiment.json"));
}

TEST_F(ExperimentStoreTest, CreateRefusesAnExistingFolder) {
  ExperimentStore::create(root_, record("mine"));
  EXPECT_THROW(ExperimentStore::create(root_, record("mine")), UsageError);
}

TEST_F(ExperimentStoreTest, OpensByIdAndByPath) {
  auto created = ExperimentStore::create(root_, record("exp-a"));
  EXPECT_EQ(ExperimentStore::open(root_, "exp-a").dir(), created.dir());
  auto by_path = ExperimentStore::open("/nonexistent-root", created.dir());
  EXPECT_EQ(by_path.id(), "exp-a");
  EXPECT_EQ(ExperimentStore::open("/nonexistent-root", created.dir() + "/").id(), "exp-a");
}

TEST_F(ExperimentStoreTest, UnknownIdListsTheExperimentsPresent) {
  ExperimentStore::create(root_, record("exp-b"));
  ExperimentStore::create(root_, record("exp-a"));
  fs::create_directories(fs::path(root_) / "not-an-experiment");
  EXPECT_EQ(ExperimentStore::list(root_), (std::vector<std::string>{"exp-a", "exp-b"}));
  try {
    ExperimentStore::open(root_, "exp-c");
    FAIL() << "no throw";
  } catch (const UsageError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("exp-c"), std::string::npos) << m;
    EXPECT_NE(m.find("exp-a exp-b"), std::string::npos) << m;
  }
}

TEST_F(ExperimentStoreTest, UnknownIdUnderAnEmptyRootSaysNoneExist) {
  try {
    ExperimentStore::open(root_, "x");
    FAIL() << "no throw";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("no experiments exist"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(ExperimentStore::list(root_).empty());
}

TEST_F(ExperimentStoreTest, AFolderWithoutExperimentJsonIsRefused) {
  fs::create_directories(fs::path(root_) / "plain");
  EXPECT_THROW(ExperimentStore::open(root_, (fs::path(root_) / "plain").string()), UsageError);
}

TEST_F(ExperimentStoreTest, TrialsRoundTripSortedById) {
  auto store = ExperimentStore::create(root_, record("e"));
  for (int id : {10, 2, 0}) store.write_trial(trial(id));
  const auto loaded = store.load_trials();
  EXPECT_TRUE(loaded.problems.empty());
  ASSERT_EQ(loaded.trials.size(), 3u);
  EXPECT_EQ(loaded.trials[0].id, 0);
  EXPECT_EQ(loaded.trials[1].id, 2);
  EXPECT_EQ(loaded.trials[2].id, 10);
  EXPECT_EQ(loaded.trials[2].metric, 20.0);
}

TEST_F(ExperimentStoreTest, RewritingATrialReplacesIt) {
  auto store = ExperimentStore::create(root_, record("e"));
  auto t = trial(1);
  t.status = TrialStatus::kRunning;
  store.write_trial(t);
  t.status = TrialStatus::kCulled;
  store.write_trial(t);
  EXPECT_EQ(store.load_trials().trials.at(0).status, TrialStatus::kCulled);
  // No temporary files are left behind.
  int files = 0;
  for (const auto& e : fs::directory_iterator(store.trial_dir(1))) {
    (void)e;
    ++files;
  }
  EXPECT_EQ(files, 1);
}

TEST_F(ExperimentStoreTest, CorruptTrialFilesAreReportedWithTheirPathAndSkipped) {
  auto store = ExperimentStore::create(root_, record("e"));
  store.write_trial(trial(0));
  const fs::path half = fs::path(store.trial_dir(1)) / "trial.json";
  write_text(half, "{\"format\": \"nas-trial/1\", \"id\": 1, \"arch");
  const fs::path empty = fs::path(store.trial_dir(2)) / "trial.json";
  write_text(empty, "");
  auto wrong = to_json(trial(3));
  wrong.erase("status");
  write_text(fs::path(store.trial_dir(3)) / "trial.json", wrong.dump());
  fs::create_directories(fs::path(store.dir()) / "trials" / "notes");

  const auto loaded = store.load_trials();
  ASSERT_EQ(loaded.trials.size(), 1u);
  ASSERT_EQ(loaded.problems.size(), 3u);
  EXPECT_EQ(loaded.problems[0].rfind(half.string() + ": ", 0), 0u) << loaded.problems[0];
  EXPECT_NE(loaded.problems[1].find("empty"), std::string::npos) << loaded.problems[1];
  EXPECT_NE(loaded.problems[2].find("status"), std::string::npos) << loaded.problems[2];
}

TEST_F(ExperimentStoreTest, TrialInTheWrongFolderIsAProblem) {
  auto store = ExperimentStore::create(root_, record("e"));
  write_text(fs::path(store.trial_dir(4)) / "trial.json", to_json(trial(5)).dump());
  const auto loaded = store.load_trials();
  EXPECT_TRUE(loaded.trials.empty());
  ASSERT_EQ(loaded.problems.size(), 1u);
}

TEST_F(ExperimentStoreTest, ThreadsWritingDifferentTrialsAtOnce) {
  auto store = ExperimentStore::create(root_, record("e"));
  constexpr int kThreads = 8;
  constexpr int kRewrites = 25;
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&store, i] {
      auto t = trial(i);
      for (int k = 0; k < kRewrites; ++k) {
        t.epochs.push_back({k + 1, 1.0, 50.0, 0.1, 25.0, 1.0, std::nullopt});
        store.write_trial(t);
      }
    });
  }
  // A reader running alongside must never see a half-written file.
  for (int k = 0; k < 20; ++k) EXPECT_TRUE(store.load_trials().problems.empty());
  for (auto& th : threads) th.join();
  const auto loaded = store.load_trials();
  EXPECT_TRUE(loaded.problems.empty());
  ASSERT_EQ(loaded.trials.size(), static_cast<std::size_t>(kThreads));
  for (const auto& t : loaded.trials)
    EXPECT_EQ(t.epochs.size(), static_cast<std::size_t>(kRewrites));
}

TEST_F(ExperimentStoreTest, EveryRetrainOfATrialIsLoadedOldestFirst) {
  auto store = ExperimentStore::create(root_, record("e"));
  store.write_trial(trial(0));
  store.write_trial(trial(1));
  EXPECT_TRUE(store.load_retrains(0).empty());
  RetrainRecord r;
  r.source = store.trial_dir(0);
  r.trial = 0;
  r.status = TrialStatus::kCompleted;
  r.accuracy = 91.5;
  r.started = "2026-11-28T06:55:00Z";
  // An older layout's file beside the trial, and two runs in their own folders.
  write_json_atomic(store.trial_dir(0) + "/retrain.json", to_json(r));
  for (const auto& [run, started, accuracy] :
       {std::tuple{"20261128-090000", "2026-11-28T09:00:00Z", 93.0},
        std::tuple{"20261128-080000", "2026-11-28T08:00:00Z", 92.0}}) {
    fs::create_directories(fs::path(store.trial_dir(0)) / "retrain" / run);
    r.started = started;
    r.accuracy = accuracy;
    write_json_atomic(store.trial_dir(0) + "/retrain/" + run + "/retrain.json", to_json(r));
  }
  write_text(fs::path(store.trial_dir(1)) / "retrain.json", "{");
  const auto runs = store.load_retrains(0);
  ASSERT_EQ(runs.size(), 3u);
  EXPECT_EQ(runs[0].accuracy, 91.5);
  EXPECT_EQ(runs[1].accuracy, 92.0);
  EXPECT_EQ(runs[2].accuracy, 93.0);
  std::vector<std::string> problems;
  EXPECT_TRUE(store.load_retrains(1, &problems).empty());
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("retrain.json"), std::string::npos);
}

TEST_F(ExperimentStoreTest, ReadJsonFileNamesThePath) {
  const fs::path p = fs::path(root_) / "bad.json";
  write_text(p, "[1,");
  try {
    read_json_file(p.string());
    FAIL() << "no throw";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()).rfind(p.string(), 0), 0u) << e.what();
  }
  EXPECT_THROW(read_json_file((fs::path(root_) / "missing.json").string()), InputError);
}

TEST_F(ExperimentStoreTest, WriteIntoAMissingFolderIsARuntimeFailure) {
  EXPECT_THROW(write_json_atomic(root_ + "/no/such/dir/x.json", nlohmann::json::object()),
               RuntimeFailure);
}

TEST_F(ExperimentStoreTest, CorruptExperimentJsonNamesThePath) {
  auto store = ExperimentStore::create(root_, record("e"));
  write_text(fs::path(store.dir()) / "experiment.json", "{\"format\": \"nas-experiment/1\"}");
  try {
    store.read_experiment();
    FAIL() << "no throw";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("experiment.json"), std::string::npos) << e.what();
  }
}

TEST(ExperimentStore, DefaultRootFollowsTheEnvironment) {
  const char* old = std::getenv("NAS_EXPERIMENT_DIR");
  const std::string saved = old ? old : "";
  ::setenv("NAS_EXPERIMENT_DIR", "/tmp/elsewhere", 1);
  EXPECT_EQ(default_experiment_root(), "/tmp/elsewhere");
  ::unsetenv("NAS_EXPERIMENT_DIR");
  EXPECT_EQ(default_experiment_root(), "./nas-experiments");
  if (old) ::setenv("NAS_EXPERIMENT_DIR", saved.c_str(), 1);
}

}  // namespace
}  // namespace nas
