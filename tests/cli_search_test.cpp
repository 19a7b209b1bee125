// End-to-end tests of `nas search`: tiny searches on synthetic data through the real executable.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <thread>

#include "e2e_helpers.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

using namespace nas::e2e;

class SearchE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = (fs::temp_directory_path() / ("nas_e2e_" + std::to_string(std::random_device{}())))
                .string();
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(root_); }
  std::string root_;
};

TEST_F(SearchE2E, ConcurrentSearchWithCullingWritesValidTrialFiles) {
  ASSERT_EQ(run(with(tiny_search(root_, 14),
                     {"--concurrent-trials", "2", "--cull-ratio", "0.9", "--seed", "3"})),
            0);
  const fs::path exp = fs::path(root_) / only_experiment(root_);
  const json e = read(exp / "experiment.json");
  EXPECT_EQ(e["status"], "completed");
  EXPECT_EQ(e["seed"], 3);
  EXPECT_EQ(e["options"]["n_trials"], 14);
  EXPECT_EQ(e["dataset"]["name"], "synthetic");
  EXPECT_TRUE(fs::exists(exp / "search.log"));
  const auto ts = trials(exp);
  ASSERT_EQ(ts.size(), 14u);
  int culled = 0;
  for (std::size_t i = 0; i < ts.size(); ++i) {
    const json& t = ts[i];
    EXPECT_EQ(t["id"], static_cast<int>(i));
    EXPECT_EQ(t["arch"].size(), 66u);
    EXPECT_EQ(t["arch_key"].get<std::string>().size(), 16u);
    EXPECT_GT(t["params"].get<long>(), 0);
    const std::string status = t["status"];
    ASSERT_TRUE(status == "completed" || status == "culled") << status << " " << t.dump();
    EXPECT_FALSE(t["ended"].is_null());
    if (status == "culled") {
      ++culled;
      EXPECT_LT(t["epochs"].size(), 3u);
      EXPECT_EQ(t["culled_at_epoch"], t["epochs"].size());
      EXPECT_LT(t["metric"].get<double>(), t["epochs"].back()["threshold"].get<double>());
    } else {
      EXPECT_EQ(t["epochs"].size(), 3u);
    }
    for (const auto& ep : t["epochs"]) {
      EXPECT_GE(ep["accuracy"].get<double>(), 0.0);
      EXPECT_GT(ep["latency_ms"].get<double>(), 0.0);
    }
    if (i < 4) {
      EXPECT_EQ(t["origin"], "random");
    }
  }
  EXPECT_GT(culled, 0);
}

TEST_F(SearchE2E, SameSeedGivesIdenticalTrialsApartFromTimesCullingIncluded) {
  const auto args =
      with(tiny_search(root_, 6, /*threads=*/1), {"--concurrent-trials", "1", "--latency-exponent",
                                                  "0", "--seed", "42", "--cull-ratio", "0.5"});
  ASSERT_EQ(run(with(args, {"--name", "a"})), 0);
  ASSERT_EQ(run(with(args, {"--name", "b"})), 0);
  std::vector<fs::path> exps;
  for (const auto& e : fs::directory_iterator(root_)) exps.push_back(e.path());
  ASSERT_EQ(exps.size(), 2u);
  auto strip = [](json t) {
    for (const char* k : {"experiment", "started", "ended", "seconds", "latency_ms"}) t.erase(k);
    for (auto& ep : t["epochs"]) {
      ep.erase("seconds");
      ep.erase("latency_ms");
    }
    return t;
  };
  const auto a = trials(exps[0]), b = trials(exps[1]);
  ASSERT_EQ(a.size(), 6u);
  ASSERT_EQ(b.size(), 6u);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(strip(a[i]), strip(b[i])) << "trial " << i;
}

TEST_F(SearchE2E, ResumesAfterKillNineToTheSameTrialCount) {
  const auto args = with(tiny_search(root_, 10), {"--concurrent-trials", "2", "--seed", "9"});
  const pid_t pid = spawn(args);
  // Kill it hard once a few trials are done.
  const std::string id = wait_for_finished_trials(root_, 3);
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_FALSE(id.empty());
  const fs::path exp = fs::path(root_) / id;
  const int before = count_finished(exp);
  ASSERT_GE(before, 3);
  ASSERT_LT(before, 10) << "the search finished before it could be killed";
  EXPECT_EQ(read(exp / "experiment.json")["status"], "running");

  // Conflicting options are refused; the stored ones are used.
  EXPECT_EQ(run({kNas, "search", "--resume", id, "--experiment-dir", root_, "--epochs", "5"}), 2);
  ASSERT_EQ(run({kNas, "search", "--resume", id, "--experiment-dir", root_, "--log-level", "warn"}),
            0);
  const auto ts = trials(exp);
  ASSERT_EQ(ts.size(), 10u);
  std::set<int> ids;
  for (const auto& t : ts) {
    ids.insert(t["id"].get<int>());
    const std::string s = t["status"];
    EXPECT_TRUE(s == "completed" || s == "culled" || s == "failed") << s;
  }
  EXPECT_EQ(ids.size(), 10u);
  EXPECT_EQ(*ids.rbegin(), 9);
  EXPECT_EQ(read(exp / "experiment.json")["status"], "completed");
}

TEST_F(SearchE2E, ComputeSettingsAndTheEnvironmentAreRecordedAndKeptOnResume) {
  ASSERT_EQ(run(with(tiny_search(root_, 4), {"--deterministic", "--seed", "4"})), 0);
  const std::string id = only_experiment(root_);
  const fs::path exp = fs::path(root_) / id;
  const json e = read(exp / "experiment.json");
  EXPECT_EQ(e["options"]["deterministic"], true);
  EXPECT_EQ(e["options"]["tf32"], false);
  const json& env = e["environment"];
  ASSERT_TRUE(env.is_object()) << e.dump();
  EXPECT_EQ(env["cudnn_benchmark"], false);
  EXPECT_EQ(env["deterministic"], true);
  EXPECT_EQ(env["tf32"], false);
  ASSERT_EQ(env["devices"].size(), 1u);
  EXPECT_EQ(env["devices"][0]["device"], "cpu");
  EXPECT_FALSE(env["devices"][0]["name"].get<std::string>().empty());
  EXPECT_TRUE(env["cuda_runtime"].is_null());
  // TF32 changes the numbers: a resume may not switch it.
  EXPECT_EQ(run({kNas, "search", "--resume", id, "--experiment-dir", root_, "--tf32"}), 2);
}

TEST_F(SearchE2E, TheNni27SpaceSearchesTiedChoicesAndRecordsBothForms) {
  ASSERT_EQ(run(with(tiny_search(root_, 6),
                     {"--space", "nni-2.7", "--seed", "8", "--mutation-prob", "0.3"})),
            0);
  const std::string id = only_experiment(root_);
  const fs::path exp = fs::path(root_) / id;
  EXPECT_EQ(read(exp / "experiment.json")["options"]["space"], "nni-2.7");
  for (const auto& t : trials(exp)) {
    ASSERT_TRUE(t.contains("arch_nni27")) << t.dump();
    const json& a54 = t["arch_nni27"];
    EXPECT_EQ(a54.size(), 54u);
    const json& a = t["arch"];
    EXPECT_EQ(a.size(), 66u);
    for (const char* d : {"depth_3", "depth_4", "depth_5"}) EXPECT_EQ(a[d], a54["depth_1"]);
    EXPECT_EQ(a["se_9"], a54["se_10"]);
    EXPECT_EQ(a["se_21"], a54["se_22"]);
  }
  // The space is what is searched: a resume keeps it and refuses another.
  EXPECT_EQ(
      run({kNas, "search", "--resume", id, "--experiment-dir", root_, "--space", "mobilenetv3"}),
      2);
}

TEST_F(SearchE2E, NegativeSeedIsAUsageError) {
  EXPECT_EQ(run(with(tiny_search(root_, 2), {"--seed", "-1"})), 2);
  EXPECT_TRUE(fs::is_empty(root_));
}

TEST_F(SearchE2E, SigintStopsWithinSecondsAndMarksTheExperimentInterrupted) {
  const pid_t pid =
      spawn(with(tiny_search(root_, 200), {"--concurrent-trials", "2", "--seed", "1"}));
  const std::string id = wait_for_finished_trials(root_, 1);
  ASSERT_FALSE(id.empty());
  const auto t0 = std::chrono::steady_clock::now();
  kill(pid, SIGINT);
  int status = 0;
  waitpid(pid, &status, 0);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 130);
  EXPECT_LT(seconds, 30.0);
  const fs::path exp = fs::path(root_) / id;
  EXPECT_EQ(read(exp / "experiment.json")["status"], "interrupted");
  for (const auto& t : trials(exp)) EXPECT_NE(t["status"], "running");
}

}  // namespace
