#pragma once
// Experiments written by hand for the report and dashboard tests: a small one with every trial
// status (write_hand_fixture) and a larger plausible-looking search (write_demo_fixture).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <ctime>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "nas/core/common/random.hpp"
#include "nas/core/experiment/experiment_store.hpp"
#include "nas/core/experiment/records.hpp"
#include "nas/core/search/mobilenetv3_space.hpp"

namespace nas::testing {

namespace fs = std::filesystem;

/// An empty folder for the running test, named after it: "<prefix>-<pid>-<test name>".
inline std::string fresh_test_dir(const std::string& prefix) {
  const fs::path p =
      fs::temp_directory_path() / (prefix + "-" + std::to_string(::getpid()) + "-" +
                                   ::testing::UnitTest::GetInstance()->current_test_info()->name());
  fs::remove_all(p);
  return p.string();
}

constexpr double kT0 = 1795824000;  // 2026-11-28T00:00:00Z

inline std::string at(double offset_s) {
  const std::time_t t = static_cast<std::time_t>(kT0 + offset_s);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

inline ExperimentRecord experiment(const std::string& id, int epochs, double cull) {
  ExperimentRecord e;
  e.id = id;
  e.created = at(0);
  e.status = ExperimentStatus::kCompleted;
  e.seed = 42;
  e.options.epochs = epochs;
  e.options.cull_ratio = cull;
  e.options.n_trials = 250;
  e.dataset.name = "cifar10";
  e.dataset.train_size = 45000;
  e.dataset.eval_size = 5000;
  e.dataset.shape[0] = 3;
  e.dataset.shape[1] = 32;
  e.dataset.shape[2] = 32;
  e.dataset.classes = 10;
  e.devices = {"cuda:0"};
  e.nas_version = "0.1.0";
  e.libtorch_version = "1.13.1";
  return e;
}

struct TrialSpec {
  int id;
  TrialStatus status;
  double start, end;  // end < 0: none yet
  std::optional<double> metric, accuracy, latency;
  std::vector<double> epoch_seconds;
  std::optional<int> culled_at = std::nullopt;
};

inline TrialRecord make_trial(const std::string& exp, const TrialSpec& s) {
  TrialRecord t;
  t.id = s.id;
  t.experiment = exp;
  t.arch = Architecture({{"width_0", 16},
                         {"ks_0", 3},
                         {"depth_1", 1 + s.id % 4},
                         {"depth_2", 2},
                         {"depth_3", 3},
                         {"depth_4", 4},
                         {"depth_5", 1}});
  t.arch_key = "key" + std::to_string(s.id);
  t.params = 1000000 + s.id;
  t.macs = 50000000 + s.id;
  t.device = "cuda:0";
  t.status = s.status;
  t.started = at(s.start);
  if (s.end >= 0) {
    t.ended = at(s.end);
    t.seconds = s.end - s.start;
  }
  for (std::size_t i = 0; i < s.epoch_seconds.size(); ++i) {
    t.epochs.push_back({static_cast<int>(i) + 1, 1.0, s.accuracy.value_or(10),
                        s.latency.value_or(0.1), s.metric.value_or(5), s.epoch_seconds[i],
                        std::nullopt});
  }
  t.metric = s.metric;
  t.accuracy = s.accuracy;
  t.latency_ms = s.latency;
  t.culled_at_epoch = s.culled_at;
  if (s.status == TrialStatus::kFailed) t.error = "NaN loss";
  return t;
}

/// A full retrain (every epoch it asked for, the whole training set), or a partial one.
inline void write_retrain(const ExperimentStore& store, int trial, double accuracy, double latency,
                          bool full = true, const std::string& run = "20261128-000000") {
  RetrainRecord r;
  r.source = store.trial_dir(trial);
  r.experiment = store.id();
  r.dataset = store.read_experiment().dataset;  // a retrain on the experiment's data
  r.trial = trial;
  r.status = TrialStatus::kCompleted;
  r.epochs_planned = 2;
  r.epochs.resize(full ? 2 : 1);
  r.accuracy = accuracy;
  r.latency_ms = latency;
  r.started = at(run == "20261128-000000" ? 0 : 10);
  r.ended = at(1000);
  const fs::path dir = fs::path(store.trial_dir(trial)) / "retrain" / run;
  fs::create_directories(dir);
  write_json_atomic((dir / "retrain.json").string(), to_json(r));
}

// The hand-computed experiment (figures in the tests below): 3 epochs, cull 0.3.
inline ExperimentStore write_hand_fixture(const std::string& root, const std::string& id) {
  auto store = ExperimentStore::create(root, experiment(id, 3, 0.3));
  using S = TrialStatus;
  const std::vector<TrialSpec> specs = {
      {0, S::kCompleted, 0, 300, 30, 60, 0.30, {100, 100, 100}},
      {1, S::kCompleted, 0, 200, 35, 70, 0.40, {60, 60, 60}},
      {2, S::kCulled, 10, 100, 20, 40, 0.20, {90}, 1},
      {3, S::kFailed, 20, 50, std::nullopt, std::nullopt, std::nullopt, {}},
      {4, S::kCompleted, 200, 500, 40, 75, 0.50, {100, 100, 100}},
      {5, S::kCulled, 300, 450, 33, 72, 0.25, {75, 75}, 2},
      {6, S::kRunning, 500, -1, std::nullopt, std::nullopt, std::nullopt, {50}},
      {7, S::kInterrupted, 450, 520, std::nullopt, std::nullopt, std::nullopt, {40}},
  };
  for (const auto& s : specs) store.write_trial(make_trial(id, s));
  write_retrain(store, 1, 85.5, 0.38);
  return store;
}

// A larger, plausible-looking search for the HTML screenshot and the README sample.
inline void write_demo_fixture(const std::string& root, const std::string& id, int epochs,
                               double cull, unsigned seed) {
  auto store = ExperimentStore::create(root, experiment(id, epochs, cull));
  std::mt19937 rng(seed);
  std::normal_distribution<double> noise(0, 1);
  double clock = 0;
  for (int i = 0; i < 80; ++i) {
    const double latency = 0.12 + 0.25 * std::fabs(noise(rng)) + 0.1 * (i % 3);
    const double skill = std::min(1.0, i / 60.0);
    const double accuracy = 55 + 10 * skill + 3 * noise(rng) + 20 * std::min(latency, 0.5);
    // Culled trials stopped early, so their (partial) accuracy is lower.
    const bool culled = cull > 0 && noise(rng) < -0.6;
    const int trained = culled ? 1 : epochs;
    const double acc = culled ? accuracy - 12 : accuracy;
    const double metric = acc * std::pow(latency * 1000, -0.07);
    TrialSpec s{
        i,       culled ? TrialStatus::kCulled : TrialStatus::kCompleted, clock, 0, metric, acc,
        latency, std::vector<double>(trained, 40 + 60 * latency)};
    if (culled) s.culled_at = 1;
    s.end = clock + trained * (40 + 60 * latency);
    clock += 15 + 5 * std::fabs(noise(rng));
    TrialRecord t = make_trial(id, s);
    Rng arch_rng = rng_for(seed, i);
    t.arch = MobileNetV3Space().sample(arch_rng);
    t.params = static_cast<std::int64_t>(1.5e6 + 6e6 * latency);
    t.macs = static_cast<std::int64_t>(2e7 + 1.5e8 * latency);
    store.write_trial(t);
  }
  auto record = store.read_experiment();
  record.search_seconds = clock + 200;
  record.finished = at(clock + 200);
  store.write_experiment(record);
}

}  // namespace nas::testing
