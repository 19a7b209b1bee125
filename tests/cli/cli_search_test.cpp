// End-to-end tests of `nas search`: tiny searches on synthetic data through the real executable.
#include <gtest/gtest.h>
#include <pty.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>
#include <thread>
#include <tuple>

#include "e2e_helpers.hpp"
#include "nas/core/common/random.hpp"
#include "nas/core/search/network_plan.hpp"
#include "nas/torch/gpu_runtime.hpp"

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

TEST_F(SearchE2E, RecalibratedBatchNormLiftsOneEpochScoresAboveChance) {
  // One epoch on 640 images: the running statistics still describe the first networks Adam
  // left behind, so eval-mode accuracy sits at chance (10 classes: 10 %) without recalibration.
  auto mean_accuracy = [&](int batches) {
    const std::string exp = root_ + "/bn" + std::to_string(batches);
    const std::vector<std::string> args = {kNas,
                                           "search",
                                           "--dataset",
                                           "synthetic",
                                           "--train-subset",
                                           "640",
                                           "--eval-subset",
                                           "200",
                                           "--epochs",
                                           "1",
                                           "--n-trials",
                                           "3",
                                           "--max-population",
                                           "2",
                                           "--sample-size",
                                           "1",
                                           "--cull-ratio",
                                           "0",
                                           "--latency-batch",
                                           "16",
                                           "--threads",
                                           "1",
                                           "--concurrent-trials",
                                           "1",
                                           "--device",
                                           "cpu",
                                           "--seed",
                                           "4",
                                           "--bn-recalibrate",
                                           std::to_string(batches),
                                           "--experiment-dir",
                                           exp,
                                           "--log-level",
                                           "warn"};
    EXPECT_EQ(run(args), 0);
    double sum = 0;
    const auto all = trials(fs::path(exp) / only_experiment(exp));
    for (const auto& t : all) sum += t["accuracy"].get<double>();
    EXPECT_EQ(all.size(), 3u);
    return all.empty() ? 0.0 : sum / all.size();
  };
  const double plain = mean_accuracy(0);
  const double recalibrated = mean_accuracy(10);
  EXPECT_LT(plain, 20.0);
  EXPECT_GT(recalibrated, 30.0);
  EXPECT_EQ(read(fs::path(root_) / "bn10" / only_experiment(root_ + "/bn10") /
                 "experiment.json")["options"]["bn_recalibrate"],
            10);
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
    for (const char* k :
         {"experiment", "started", "ended", "seconds", "latency_ms", "latency_before_ms"})
      t.erase(k);
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
  // Which LibTorch ran it: a CUDA build names its CUDA even when no GPU was there.
  EXPECT_EQ(env["libtorch_cuda"].is_string(), nas::built_with_cuda()) << env.dump();
  EXPECT_EQ(env["gpus_visible"], torch::cuda::device_count());
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

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

TEST_F(SearchE2E, SearchLogIsWrittenAsTheSearchGoesAndAResumeAppendsToIt) {
  const auto args = with(tiny_search(root_, 8), {"--concurrent-trials", "1", "--seed", "5"});
  const pid_t pid = spawn(args);
  const std::string id = wait_for_finished_trials(root_, 2);
  ASSERT_FALSE(id.empty());
  const fs::path log = fs::path(root_) / id / "search.log";
  // Written line by line while it runs (the console shows only warnings here).
  const std::string live = slurp(log);
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_NE(live.find("trial 0 epoch 1/3: accuracy"), std::string::npos) << live;
  EXPECT_NE(live.find("trial 0 completed"), std::string::npos) << live;
  ASSERT_EQ(run({kNas, "search", "--resume", id, "--experiment-dir", root_, "--log-level", "warn"}),
            0);
  const std::string after = slurp(log);
  EXPECT_EQ(after.rfind(live, 0), 0u) << "the first session's lines were replaced";
  const auto mark = after.find("==================== resumed ====================");
  ASSERT_NE(mark, std::string::npos) << after;
  EXPECT_NE(after.find("search finished", mark), std::string::npos) << after;
}

TEST_F(SearchE2E, ResumingACompleteSearchChangesNothingAndNTrialsCanOnlyGrow) {
  ASSERT_EQ(run(with(tiny_search(root_, 4), {"--seed", "6"})), 0);
  const std::string id = only_experiment(root_);
  const fs::path exp = fs::path(root_) / id;
  const std::string experiment = slurp(exp / "experiment.json");
  const std::string log = slurp(exp / "search.log");
  const std::string trial = slurp(exp / "trials" / "0" / "trial.json");
  EXPECT_EQ(run({kNas, "search", "--resume", id, "--experiment-dir", root_}), 0);
  EXPECT_EQ(slurp(exp / "experiment.json"), experiment);
  EXPECT_EQ(slurp(exp / "search.log"), log);
  EXPECT_EQ(slurp(exp / "trials" / "0" / "trial.json"), trial);
  // Shortening is refused; extending runs the extra trials after a pause that is no search time.
  EXPECT_EQ(run({kNas, "search", "--resume", id, "--experiment-dir", root_, "--n-trials", "3"}), 2);
  std::this_thread::sleep_for(std::chrono::seconds(2));
  ASSERT_EQ(run({kNas, "search", "--resume", id, "--experiment-dir", root_, "--n-trials", "6",
                 "--log-level", "warn"}),
            0);
  const json e = read(exp / "experiment.json");
  EXPECT_EQ(e["status"], "completed");
  EXPECT_EQ(e["options"]["n_trials"], 6);
  EXPECT_EQ(trials(exp).size(), 6u);
  ASSERT_EQ(e["sessions"].size(), 2u);
  // The report's times leave out the pause between the sessions.
  const std::string report = std::string(NAS_BIN_DIR) + "/nas-report " + id +
                             " --json --experiment-dir " + root_ + " 2>/dev/null";
  FILE* p = popen(report.c_str(), "r");
  std::string out;
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  const json r = json::parse(out);
  const double all = r["all_seconds"].get<double>();
  const double search = e["search_seconds"].get<double>();
  EXPECT_LE(all, search + 0.5);  // within the sessions, not across the pause
}

/// Runs argv on a pseudo-terminal `columns` wide and returns everything it drew.
std::string run_on_terminal(const std::vector<std::string>& args, int columns) {
  winsize size{};
  size.ws_col = static_cast<unsigned short>(columns);
  size.ws_row = 40;
  int master = -1;
  const pid_t pid = forkpty(&master, nullptr, nullptr, &size);
  if (pid == 0) {
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = read(master, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  int status = 0;
  waitpid(pid, &status, 0);
  close(master);
  return out;
}

TEST_F(SearchE2E, TheProgressBlockFitsANarrowTerminalAndStaysOutOfPipes) {
  const std::string drawn =
      run_on_terminal(with(tiny_search(root_ + "/tty", 6), {"--seed", "2"}), 60);
  EXPECT_NE(drawn.find("\033[J"), std::string::npos) << "no progress block was drawn";
  EXPECT_NE(drawn.find("6/6 trials"), std::string::npos);
  // Strip the escapes; no piece between line starts may be wider than the terminal.
  std::string plain;
  for (std::size_t i = 0; i < drawn.size(); ++i) {
    if (drawn[i] == '\033') {
      while (i < drawn.size() && !std::isalpha(static_cast<unsigned char>(drawn[i]))) ++i;
      plain += '\n';
      continue;
    }
    plain += drawn[i] == '\r' ? '\n' : drawn[i];
  }
  std::istringstream lines(plain);
  for (std::string line; std::getline(lines, line);) {
    // The log lines and the summary are the program's, and may be long; the block may not.
    if (line.find("trials,") != std::string::npos || line.rfind("  trial ", 0) == 0)
      EXPECT_LE(line.size(), 60u) << line;
  }
  // Into a pipe (or a file): no block, no escapes.
  const auto [code, out] = run_captured(with(tiny_search(root_ + "/pipe", 4), {"--seed", "2"}),
                                        fs::path(root_) / "pipe.log");
  ASSERT_EQ(code, 0) << out;
  EXPECT_EQ(out.find('\033'), std::string::npos) << out;
  EXPECT_NE(out.find("4/4 trials finished"), std::string::npos) << out;
  // The commands it suggests run when pasted: this nas was started by its path, not from PATH.
  const std::size_t next = out.find("next:\n  ");
  ASSERT_NE(next, std::string::npos) << out;
  std::istringstream suggested(out.substr(next + 6));
  int pasted = 0;
  for (std::string line; std::getline(suggested, line) && line.rfind("  ", 0) == 0; ++pasted) {
    EXPECT_EQ(line.rfind("  " + std::string(NAS_BIN_DIR) + "/nas-", 0), 0u) << line;
    if (line.find("nas-report") != std::string::npos)
      EXPECT_EQ(std::system((line + " >/dev/null 2>&1").c_str()), 0) << line;
  }
  EXPECT_EQ(pasted, 2) << out;  // the report and the best trial's retrain
}

TEST_F(SearchE2E, AHardRewardUnderAGenerousTargetScoresByAccuracyAlone) {
  ASSERT_EQ(run(with(tiny_search(root_, 4),
                     {"--seed", "3", "--target-latency", "1000", "--reward", "hard"})),
            0);
  const fs::path exp = fs::path(root_) / only_experiment(root_);
  const json options = read(exp / "experiment.json")["options"];
  EXPECT_EQ(options["reward"], "hard");
  EXPECT_EQ(options["target_latency_ms"], 1000.0);
  int scored = 0;
  for (const auto& t : trials(exp)) {
    if (t["metric"].is_null()) continue;
    EXPECT_DOUBLE_EQ(t["metric"].get<double>(), t["accuracy"].get<double>()) << t["id"];
    ++scored;
  }
  EXPECT_GT(scored, 0);
}

TEST_F(SearchE2E, AnInitialArchitectureIsTheFirstTrial) {
  const std::string min_arch = std::string(NAS_SOURCE_DIR) + "/data/arch/min.json";
  ASSERT_EQ(run(with(tiny_search(root_, 4), {"--seed", "4", "--initial-arch", min_arch})), 0);
  const fs::path exp = fs::path(root_) / only_experiment(root_);
  const auto all = trials(exp);
  ASSERT_FALSE(all.empty());
  EXPECT_EQ(all[0]["origin"], "initial");
  EXPECT_EQ(all[0]["arch"], read(min_arch));
  EXPECT_EQ(read(exp / "experiment.json")["options"]["initial_archs"].size(), 1u);
}

TEST_F(SearchE2E, AnInitialArchitectureOverALimitIsRejectedLikeAnyProposal) {
  // The largest network (37.3M params) against a 1M limit: never trained, the search goes on.
  const std::string max_arch = std::string(NAS_SOURCE_DIR) + "/data/arch/max.json";
  ASSERT_EQ(run(with(tiny_search(root_, 4),
                     {"--seed", "4", "--initial-arch", max_arch, "--max-params", "1000000"})),
            0);
  const fs::path exp = fs::path(root_) / only_experiment(root_);
  const auto all = trials(exp);
  ASSERT_FALSE(all.empty());
  EXPECT_EQ(all[0]["origin"], "initial");
  EXPECT_EQ(all[0]["status"], "rejected");
  EXPECT_EQ(all[0]["rejected_by"], "max_params");
  EXPECT_TRUE(all[0]["epochs"].empty());
  int trained = 0;
  for (const auto& t : all) trained += t["status"] != "rejected";
  EXPECT_EQ(trained, 4);  // --n-trials counts what ran, not what was refused
}

TEST_F(SearchE2E, LimitsRejectNetworksBeforeTrainingAndTheCountsReachTheReport) {
  // The median size of the space's networks on the synthetic data's 3x32x32: about half break it.
  nas::MobileNetV3Space space;
  std::vector<std::int64_t> sizes;
  for (int i = 0; i < 101; ++i) {
    nas::Rng rng = nas::rng_for(9, static_cast<std::uint64_t>(i));
    sizes.push_back(nas::count_params(nas::plan_network(space.sample(rng), {3, 32, 32}, 10)));
  }
  std::nth_element(sizes.begin(), sizes.begin() + 50, sizes.end());
  const std::int64_t limit = sizes[50];
  ASSERT_EQ(run(with(tiny_search(root_, 4), {"--seed", "8", "--max-params", std::to_string(limit),
                                             "--max-latency", "1000"})),
            0);
  const fs::path exp = fs::path(root_) / only_experiment(root_);
  EXPECT_EQ(read(exp / "experiment.json")["options"]["max_params"], limit);
  int rejected = 0, counted = 0;
  for (const auto& t : trials(exp)) {
    if (t["status"] == "rejected") {
      ++rejected;
      EXPECT_EQ(t["rejected_by"], "max_params");
      EXPECT_GT(t["params"].get<std::int64_t>(), limit);
      EXPECT_TRUE(t["metric"].is_null());
      EXPECT_TRUE(t["epochs"].empty());
      continue;
    }
    ++counted;
    EXPECT_LE(t["params"].get<std::int64_t>(), limit);
    // Measured before training, within the limit, as every trained trial's.
    ASSERT_TRUE(t["latency_before_ms"].is_number()) << t["id"];
    EXPECT_LE(t["latency_before_ms"].get<double>(), 1000.0);
  }
  EXPECT_EQ(counted, 4);
  ASSERT_GT(rejected, 0);
  const std::string id = only_experiment(root_);
  const std::string report = std::string(NAS_BIN_DIR) + "/nas-report";
  const fs::path log = root_ + ".log";
  const auto [code, text] = run_captured({report, id, "--experiment-dir", root_}, log);
  EXPECT_EQ(code, 0) << text;
  EXPECT_NE(text.find(std::to_string(rejected) + " rejected over the limits"), std::string::npos)
      << text;
  run_captured({report, id, "--experiment-dir", root_, "--json"}, log);
  EXPECT_EQ(read(log)["counts"]["rejected"], rejected);
  fs::remove(log);
}

TEST_F(SearchE2E, LimitsThatNoNetworkMeetsEndTheSearchWithExitTwo) {
  const fs::path log = root_ + ".log";
  const auto [code, out] = run_captured(with(tiny_search(root_, 4), {"--max-params", "1"}), log);
  fs::remove(log);
  EXPECT_EQ(code, 2) << out;
  EXPECT_NE(out.find("proposals all broke the limits (--max-params"), std::string::npos) << out;
  EXPECT_NE(out.find("the smallest of them had"), std::string::npos) << out;
  EXPECT_EQ(read(fs::path(root_) / only_experiment(root_) / "experiment.json")["status"], "failed");
}

TEST_F(SearchE2E, ZeroOrUnreadableLimitsAreUsageErrors) {
  EXPECT_EQ(run(with(tiny_search(root_, 2), {"--max-latency", "0"})), 2);
  EXPECT_EQ(run(with(tiny_search(root_, 2), {"--max-latency", "-1"})), 2);
  EXPECT_EQ(run(with(tiny_search(root_, 2), {"--max-macs", "3x"})), 2);
  EXPECT_EQ(run(with(tiny_search(root_, 2), {"--max-params", "0"})), 2);
  EXPECT_TRUE(fs::is_empty(root_));
}

TEST_F(SearchE2E, AParetoSearchRanksByFrontsAndTheReportListsItsFront) {
  ASSERT_EQ(run(with(tiny_search(root_, 8),
                     {"--seed", "5", "--objective", "pareto", "--cull-ratio", "0.5"})),
            0);
  const std::string id = only_experiment(root_);
  const fs::path exp = fs::path(root_) / id;
  EXPECT_EQ(read(exp / "experiment.json")["options"]["objective"], "pareto");
  std::vector<std::pair<double, double>> completed;  // accuracy, latency
  for (const auto& t : trials(exp)) {
    for (const auto& e : t["epochs"]) EXPECT_TRUE(e["threshold"].is_null()) << t["id"];
    if (t["status"] == "completed")
      completed.emplace_back(t["accuracy"].get<double>(), t["latency_ms"].get<double>());
  }
  ASSERT_FALSE(completed.empty());
  const std::string report = std::string(NAS_BIN_DIR) + "/nas-report";
  const fs::path log = root_ + ".log";
  auto [code, text] =
      run_captured({report, id, "--experiment-dir", root_, "--front", "--json"}, log);
  ASSERT_EQ(code, 0) << text;
  const json front = json::parse(text)["front"];
  ASSERT_FALSE(front.empty());
  double last_latency = 0;
  for (const auto& p : front) {
    EXPECT_GE(p["latency_ms"].get<double>(), last_latency);
    last_latency = p["latency_ms"].get<double>();
    // Nothing completed dominates a point of the front.
    for (const auto& [acc, lat] : completed) {
      const double a = p["accuracy"], l = p["latency_ms"];
      EXPECT_FALSE(acc >= a && lat <= l && (acc > a || lat < l)) << p;
    }
  }
  std::tie(code, text) =
      run_captured({report, "--compare", id, "--experiment-dir", root_, "--json"}, log);
  ASSERT_EQ(code, 0) << text;
  const json compare = json::parse(text);
  EXPECT_EQ(compare["cells"][0]["front_size"], front.size());
  EXPECT_DOUBLE_EQ(compare["reference_accuracy"].get<double>(), 10.0);  // 10 classes
  // The reference latency is the slowest completed trial's, so a front of one point (how many
  // trials complete depends on measured latencies) can have no area: recompute the staircase
  // from the front itself rather than expect a positive figure.
  const double ref_acc = 10.0, ref_lat = compare["reference_latency_ms"].get<double>();
  double area = 0, best_acc = ref_acc;
  for (const auto& p : front) {  // fastest first: each adds a strip of accuracy
    const double a = p["accuracy"], l = p["latency_ms"];
    if (a > best_acc && l < ref_lat) {
      area += (a - best_acc) * (ref_lat - l);
      best_acc = a;
    }
  }
  EXPECT_NEAR(compare["cells"][0]["hypervolume"].get<double>(), area, 1e-6);
  fs::remove(log);
}

TEST_F(SearchE2E, AnUnknownObjectiveIsAUsageError) {
  EXPECT_EQ(run(with(tiny_search(root_, 2), {"--objective", "best"})), 2);
  EXPECT_TRUE(fs::is_empty(root_));
}

TEST_F(SearchE2E, NegativeSeedIsAUsageError) {
  EXPECT_EQ(run(with(tiny_search(root_, 2), {"--seed", "-1"})), 2);
  EXPECT_TRUE(fs::is_empty(root_));
}

TEST_F(SearchE2E, TwoSignalsAtOnceAreOneInterruptThatTheLogRecords) {
  // `timeout -s INT` signals the process and its group: one interrupt, delivered twice.
  const pid_t pid = spawn(with(tiny_search(root_, 200), {"--seed", "1"}));
  const std::string id = wait_for_finished_trials(root_, 1);
  ASSERT_FALSE(id.empty());
  kill(pid, SIGINT);
  const int status = interrupt_and_wait(pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 130);
  const fs::path exp = fs::path(root_) / id;
  EXPECT_EQ(read(exp / "experiment.json")["status"], "interrupted");
  EXPECT_NE(slurp(exp / "search.log").find("interrupt: finishing up"), std::string::npos);
}

TEST_F(SearchE2E, SigintStopsWithinSecondsAndMarksTheExperimentInterrupted) {
  const pid_t pid =
      spawn(with(tiny_search(root_, 200), {"--concurrent-trials", "2", "--seed", "1"}));
  const std::string id = wait_for_finished_trials(root_, 1);
  ASSERT_FALSE(id.empty());
  const auto t0 = std::chrono::steady_clock::now();
  const int status = interrupt_and_wait(pid);
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
