#pragma once
// The fixture of the tests that run the programs as a user does (cli_*_test.cpp): a fresh folder
// per test, the programs run with their output captured, and the usual inputs written there.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "e2e_helpers.hpp"
#include "nas/core/experiment/experiment_store.hpp"
#include "nas/core/search/mobilenetv3_space.hpp"

namespace nas {

namespace fs = std::filesystem;

inline const std::string kBin = NAS_BIN_DIR;

using e2e::quote;
using e2e::slurp;
using Result = e2e::Captured;

/// A fresh folder per test, removed at the end.
class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    dir_ = fs::temp_directory_path() /
           ("nas-cli-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  /// Runs `exe` of the build folder with `args` (shell words), its output captured in the test's
  /// folder (e2e::run_program).
  Result run(const std::string& exe, const std::string& args) const {
    return e2e::run_program(kBin + "/" + exe, args, dir_ / "output");
  }

  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(path(name)) << text;
    return path(name);
  }

  /// Every choice at its smallest candidate: the fastest network to run.
  std::string write_small_arch(const std::string& name = "small.json") const {
    MobileNetV3Space space;
    Architecture a;
    for (const auto& c : space.choices())
      a.set(c.label, *std::min_element(c.candidates.begin(), c.candidates.end()));
    return write(name, a.to_json().dump(2));
  }

  /// The original's parameter.cfg of the smallest network: NNI 2.7's 54 labels, SE as strings.
  std::string write_nni27_cfg(const std::string& dir, bool mixed = false) const {
    nlohmann::json mutation = nlohmann::json::object();
    const MobileNetV3Space space({}, LabelSet::kNni27);
    for (const auto& d : space.draws()) {
      const int v = *std::min_element(d.candidates.begin(), d.candidates.end());
      if (d.label.rfind("se_", 0) == 0) {
        mutation[d.label] = std::to_string(v);
      } else {
        mutation[d.label] = v;
      }
    }
    if (mixed) mutation["depth_3"] = 1;
    fs::create_directories(path(dir));
    return write(
        dir + "/parameter.cfg",
        nlohmann::json{{"parameter_id", 0}, {"parameters", {{"mutation", mutation}}}}.dump());
  }

  std::string experiments() const { return "--experiment-dir " + quote(path("experiments")); }

  /// Experiment `e` under experiments/ with one trial, 0: the smallest network, completed after
  /// one epoch on `threads`. Returns the trial's folder.
  std::string write_experiment_trial(ExperimentRecord e, int threads = 1) const {
    e.created = "2026-12-06T12:00:00.000Z";
    const auto store = ExperimentStore::create(path("experiments"), e);
    TrialRecord t;
    t.id = 0;
    t.experiment = store.id();
    t.arch = MobileNetV3Space().smallest();
    t.device = "cpu";
    t.threads = threads;
    t.status = TrialStatus::kCompleted;
    t.started = e.created;
    t.metric = 20.0;
    t.accuracy = 41.2;
    t.latency_ms = 0.1;
    t.epochs.push_back(EpochRecord{1, 1.0, 41.2, 0.1, 20.0, 1.0, std::nullopt});
    store.write_trial(t);
    return store.trial_dir(0);
  }

  fs::path dir_;
};

/// One line on stderr, starting with "<program>: error:", that contains `needle`.
inline void expect_one_line_error(const Result& r, const std::string& program,
                                  const std::string& needle) {
  ASSERT_FALSE(r.err.empty());
  EXPECT_EQ(r.err.rfind(program + ": error: ", 0), 0u) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_EQ(r.err.back(), '\n');
  EXPECT_NE(r.err.find(needle), std::string::npos)
      << "'" << r.err << "' does not mention " << needle;
}

}  // namespace nas
