#include "nas/core/experiment/architecture_source.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "nas/core/common/error.hpp"
#include "nas/core/experiment/experiment_store.hpp"
#include "report_fixtures.hpp"

namespace nas {
namespace {
namespace fs = std::filesystem;

class ArchitectureSourceTest : public ::testing::Test {
 protected:
  void SetUp() override { root_ = testing::fresh_test_dir("nas-archsource"); }
  void TearDown() override { fs::remove_all(root_); }

  /// Trial 3 of experiment "e" (cifar10 3x32x32): its folder.
  std::string trial_in_experiment() const {
    auto store = ExperimentStore::create(root_, testing::experiment("e", 3, 0.3));
    TrialRecord t = testing::make_trial("e", {3, TrialStatus::kCompleted, 0, 10, 5, 50, 0.1, {1}});
    t.arch = space_.smallest();
    store.write_trial(t);
    return store.trial_dir(3);
  }

  void write(const fs::path& p, const std::string& text) const {
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
  }

  std::string root_;
  MobileNetV3Space space_;
};

TEST_F(ArchitectureSourceTest, ATrialFolderOrItsTrialJsonBringsTheTrialAndItsExperiment) {
  const std::string dir = trial_in_experiment();
  for (const std::string& path : {dir, dir + "/", dir + "/trial.json"}) {
    const ArchitectureSource s = read_architecture_source(path, space_);
    ASSERT_TRUE(s.trial) << path;
    EXPECT_EQ(s.trial->id, 3);
    EXPECT_EQ(s.arch, space_.smallest());
    ASSERT_TRUE(s.experiment) << path;
    EXPECT_EQ(s.experiment->dataset.shape[0], 3);
    EXPECT_EQ(fs::path(s.file).filename(), "trial.json");
  }
}

TEST_F(ArchitectureSourceTest, APlainArchitectureFileOrNniFolderHasNoTrial) {
  const fs::path file = fs::path(root_) / "arch.json";
  write(file, space_.smallest().to_json().dump());
  const ArchitectureSource plain = read_architecture_source(file.string(), space_);
  EXPECT_FALSE(plain.trial);
  EXPECT_FALSE(plain.experiment);
  EXPECT_EQ(plain.arch, space_.smallest());
  write(fs::path(root_) / "nni" / "parameter.cfg",
        nlohmann::json{{"parameters", {{"mutation", space_.smallest().to_json()}}}}.dump());
  const ArchitectureSource nni = read_architecture_source(root_ + "/nni", space_);
  EXPECT_EQ(fs::path(nni.file).filename(), "parameter.cfg");
  EXPECT_FALSE(nni.trial);
}

TEST_F(ArchitectureSourceTest, WhatCannotBeReadIsAnInputErrorNamingThePath) {
  auto message = [&](const std::string& path) {
    try {
      read_architecture_source(path, space_);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message(root_ + "/missing").find(root_ + "/missing: no such"), std::string::npos);
  fs::create_directories(fs::path(root_) / "empty");
  EXPECT_NE(message(root_ + "/empty").find("neither trial.json"), std::string::npos);
  write(fs::path(root_) / "bad" / "trial.json", "{ nope");
  EXPECT_NE(message(root_ + "/bad").find(root_ + "/bad/trial.json"), std::string::npos);
}

}  // namespace
}  // namespace nas
