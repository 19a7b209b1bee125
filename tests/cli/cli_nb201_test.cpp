// `nas search --space nas-bench-201`: a search that looks trials up in the shipped table.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <tuple>

#include "e2e_helpers.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

using namespace nas::e2e;

class TableSearch : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = (fs::temp_directory_path() / ("nas_nb201_" + std::to_string(std::random_device{}())))
                .string();
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(root_); }

  std::vector<std::string> search(int n_trials, std::vector<std::string> more = {}) const {
    std::vector<std::string> args{kNas,
                                  "search",
                                  "--space",
                                  "nas-bench-201",
                                  "--n-trials",
                                  std::to_string(n_trials),
                                  "--concurrent-trials",
                                  "1",
                                  "--experiment-dir",
                                  root_,
                                  "--log-level",
                                  "warn"};
    return with(args, more);
  }
  std::string root_;
};

TEST_F(TableSearch, LooksEveryTrialUpAndRecordsTheCellAndBothColumns) {
  ASSERT_EQ(run(search(60, {"--seed", "4", "--nb201-dataset", "cifar100"})), 0);
  const std::string id = only_experiment(root_);
  const fs::path exp = fs::path(root_) / id;
  const json e = read(exp / "experiment.json");
  EXPECT_EQ(e["status"], "completed");
  EXPECT_EQ(e["metric"], "accuracy");
  EXPECT_EQ(e["options"]["cull_ratio"], 0.0);
  EXPECT_EQ(e["options"]["nb201_dataset"], "cifar100");
  EXPECT_EQ(e["dataset"]["name"], "nas-bench-201/cifar100");
  EXPECT_EQ(e["dataset"]["classes"], 100);
  const auto ts = trials(exp);
  ASSERT_EQ(ts.size(), 60u);
  std::set<std::string> cells;
  for (const auto& t : ts) {
    EXPECT_EQ(t["status"], "completed");
    EXPECT_TRUE(t["params"].is_null() && t["macs"].is_null() && t["latency_ms"].is_null());
    EXPECT_EQ(t["nb201"]["dataset"], "cifar100");
    EXPECT_EQ(t["metric"], t["nb201"]["val_accuracy"]);
    cells.insert(t["nb201"]["cell"].get<std::string>());
  }
  EXPECT_EQ(cells.size(), 60u);  // de-duplicated on the cell

  const std::string report = std::string(NAS_BIN_DIR) + "/nas-report";
  const fs::path log = root_ + ".log";
  auto [code, text] = run_captured({report, id, "--experiment-dir", root_}, log);
  EXPECT_EQ(code, 0) << text;
  EXPECT_NE(text.find("validation %"), std::string::npos) << text;
  EXPECT_NE(text.find("|"), std::string::npos) << text;  // the cells
  std::tie(code, text) = run_captured({report, id, "--experiment-dir", root_, "--json"}, log);
  ASSERT_EQ(code, 0) << text;
  EXPECT_TRUE(json::parse(text)["top"][0]["params"].is_null());
  std::tie(code, text) = run_captured({report, "--compare", id, "--experiment-dir", root_}, log);
  EXPECT_EQ(code, 0) << text;
  fs::remove(log);
}

TEST_F(TableSearch, TheSameSeedProposesTheSameCellsAndResumeExtendsIt) {
  ASSERT_EQ(run(search(40, {"--seed", "9", "--experiment-id", "a"})), 0);
  ASSERT_EQ(run(search(40, {"--seed", "9", "--experiment-id", "b"})), 0);
  auto cells_of = [&](const std::string& id) {
    std::map<int, std::string> out;
    for (const auto& t : trials(fs::path(root_) / id)) out[t["id"]] = t["nb201"]["cell"];
    return out;
  };
  EXPECT_EQ(cells_of("a"), cells_of("b"));
  const fs::path first = fs::path(root_) / "a" / "trials" / "0" / "trial.json";
  const std::string started = read(first)["started"];
  ASSERT_EQ(run(search(70, {"--experiment-id", "a"})), 0);
  EXPECT_EQ(read(first)["started"], started);  // kept, not run again
  const auto a = cells_of("a");
  EXPECT_EQ(a.size(), 70u);
  std::set<std::string> distinct;
  for (const auto& [id, cell] : a) distinct.insert(cell);
  EXPECT_EQ(distinct.size(), 70u);
  const fs::path log = root_ + ".log";
  const auto [code, text] = run_captured(search(70, {"--experiment-id", "a"}), log);
  fs::remove(log);
  EXPECT_EQ(code, 0) << text;
  EXPECT_NE(text.find("nothing to do"), std::string::npos) << text;
}

TEST_F(TableSearch, FlagsAboutANetworkOrABadTableExitTwoAndWriteNothing) {
  EXPECT_EQ(run(search(40, {"--cull-ratio", "0.3"})), 2);
  EXPECT_EQ(run(search(40, {"--max-latency", "1"})), 2);
  EXPECT_EQ(run(search(40, {"--target-latency", "1"})), 2);
  EXPECT_EQ(run(search(40, {"--objective", "pareto"})), 2);
  EXPECT_EQ(run(search(40, {"--nb201-dataset", "svhn"})), 2);
  const fs::path bad = root_ + ".csv";
  std::ofstream(bad) << "index,arch\n0,|none~0|\n";
  EXPECT_EQ(run(search(40, {"--nb201-table", bad.string()})), 2);
  EXPECT_EQ(run(search(40, {"--nb201-table", "/no/such/table.csv"})), 2);
  fs::remove(bad);
  EXPECT_TRUE(fs::is_empty(root_));
  EXPECT_EQ(run(search(40, {"--cull-ratio", "0"})), 0);  // an explicit 0 is what it does
}

TEST_F(TableSearch, AnInitialCellIsProposedFirst) {
  const std::string cell =
      "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_1x1~1|"
      "nor_conv_3x3~2|";
  ASSERT_EQ(run(search(40, {"--seed", "3", "--initial-arch", cell})), 0);
  const json first = read(fs::path(root_) / only_experiment(root_) / "trials" / "0" / "trial.json");
  EXPECT_EQ(first["origin"], "initial");
  EXPECT_EQ(first["nb201"]["cell"], cell);
  EXPECT_EQ(run(search(40, {"--initial-arch", "|nor_conv_3x3~0|"})), 2);
}

TEST_F(TableSearch, ArchPrintsACellAndOtherCommandsRefuseOne) {
  ASSERT_EQ(run(search(30, {"--seed", "2"})), 0);
  const fs::path trial = fs::path(root_) / only_experiment(root_) / "trials" / "0";
  const fs::path log = root_ + ".log";
  const std::string cell = read(trial / "trial.json")["nb201"]["cell"];
  auto [code, text] = run_captured({kNas, "arch", cell, "--json"}, log);
  ASSERT_EQ(code, 0) << text;
  EXPECT_EQ(json::parse(text)["cell"], cell);
  EXPECT_TRUE(json::parse(text)["params"].is_null());
  std::tie(code, text) = run_captured({kNas, "arch", trial.string()}, log);
  EXPECT_EQ(code, 0) << text;
  EXPECT_NE(text.find(cell), std::string::npos) << text;
  std::tie(code, text) = run_captured({kNas, "arch", "|nor_conv_3x3~0|+|"}, log);
  EXPECT_EQ(code, 2) << text;
  std::tie(code, text) =
      run_captured({std::string(NAS_BIN_DIR) + "/nas-test-model", trial.string()}, log);
  EXPECT_EQ(code, 2) << text;
  EXPECT_NE(text.find("NAS-Bench-201 cell"), std::string::npos) << text;
  fs::remove(log);
}

}  // namespace
