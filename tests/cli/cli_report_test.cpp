// nas-report as a user runs it: exit codes, messages and outputs on folders the test writes.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "e2e_helpers.hpp"
#include "nas/core/experiment/experiment_store.hpp"

namespace fs = std::filesystem;

namespace nas {
namespace {

const std::string kReport = std::string(NAS_BIN_DIR) + "/nas-report";

using Result = e2e::Captured;

int lines(const std::string& s) { return static_cast<int>(std::count(s.begin(), s.end(), '\n')); }

class ReportCli : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ =
        (fs::temp_directory_path() / ("nas_report_cli_" + std::to_string(std::random_device{}())))
            .string();
    fs::create_directories(root_);
    ExperimentRecord e;
    e.id = "exp-a";
    e.created = "2026-11-28T00:00:00.000Z";
    e.options.n_trials = 3;
    auto store = ExperimentStore::create(root_, e);
    MobileNetV3Space space;
    Rng rng(1);
    for (int i = 0; i < 3; ++i) {
      TrialRecord t;
      t.id = i;
      t.experiment = "exp-a";
      t.arch = space.sample(rng);
      t.arch_key = space.canonical_key(t.arch);
      t.status = i == 2 ? TrialStatus::kCulled : TrialStatus::kCompleted;
      t.started = "2026-11-28T00:00:0" + std::to_string(i) + ".000Z";
      t.ended = "2026-11-28T00:01:0" + std::to_string(i) + ".000Z";
      t.epochs.push_back(EpochRecord{1, 1.0, 50.0 + i, 0.2, 40.0 + i, 10.0, std::nullopt});
      t.metric = 40.0 + i;
      t.accuracy = 50.0 + i;
      t.latency_ms = 0.2;
      if (i == 2) t.culled_at_epoch = 1;
      store.write_trial(t);
    }
  }
  void TearDown() override {
    fs::remove_all(root_);
    fs::remove_all(root_ + "-output");
  }

  /// stdout, then stderr.
  Result run(const std::string& args) const {
    Result r = e2e::run_program(kReport, args, root_ + "-output");
    r.out += r.err;
    return r;
  }
  /// stdout alone: what a pipe would get.
  Result run_stdout(const std::string& args) const {
    return e2e::run_program(kReport, args, root_ + "-output");
  }

  std::string root_;
};

TEST_F(ReportCli, SummarizesAnExperimentById) {
  const Result r = run("exp-a --experiment-dir " + root_);
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("exp-a"), std::string::npos);
  EXPECT_NE(r.out.find("Pareto"), std::string::npos);
}

TEST_F(ReportCli, UnknownIdListsTheExperimentsAndExitsTwo) {
  const Result r = run("nope --experiment-dir " + root_);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("exp-a"), std::string::npos) << r.out;
}

TEST_F(ReportCli, JsonParsesAndHtmlIsTheSelfContainedDashboard) {
  const Result j = run("exp-a --json --experiment-dir " + root_);
  ASSERT_EQ(j.code, 0) << j.out;
  EXPECT_NO_THROW(nlohmann::json::parse(j.out));
  const std::string html = root_ + "/r.html";
  const Result written = run("exp-a --html " + html + " --experiment-dir " + root_);
  ASSERT_EQ(written.code, 0);
  EXPECT_EQ(written.out, "nas-report: info: wrote " + html + "\n");  // and no text report
  std::ifstream in(html);
  const std::string page((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(page.find("id=\"nas-data\""), std::string::npos);
  EXPECT_NE(page.find("Chart.js v"), std::string::npos);
  EXPECT_EQ(page.find("src=\""), std::string::npos);  // nothing fetched
}

TEST_F(ReportCli, ServeRefusesWhatItCannotShow) {
  EXPECT_EQ(run("--serve --json --experiment-dir " + root_).code, 2);
  EXPECT_EQ(run("--serve --compare exp-a --experiment-dir " + root_).code, 2);
  EXPECT_EQ(run("--serve nope --experiment-dir " + root_).code, 2);
  EXPECT_EQ(run("--serve --port 0 --experiment-dir " + root_).code, 2);
  EXPECT_EQ(run("exp-a exp-a --experiment-dir " + root_).code, 2);
}

TEST_F(ReportCli, ACorruptTrialFileIsNamedAndSkipped) {
  const fs::path bad = fs::path(root_) / "exp-a" / "trials" / "9";
  fs::create_directories(bad);
  std::ofstream(bad / "trial.json") << "{\"format\": \"nas-trial/1\", \"id\": 9, ";
  const Result r = run("exp-a --experiment-dir " + root_);
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find((bad / "trial.json").string()), std::string::npos) << r.out;
}

TEST_F(ReportCli, ProxyQualityRanksTheScoresAgainstRetrains) {
  const auto trials = ExperimentStore::open(root_, "exp-a").load_trials().trials;
  for (int i = 0; i < 3; ++i) {
    const TrialRecord& t = trials.at(i);
    RetrainRecord r;
    r.arch = t.arch;
    r.arch_key = t.arch_key;
    r.status = TrialStatus::kCompleted;
    r.epochs_planned = 1;
    r.epochs.push_back(EpochRecord{1, 1.0, 80.0 + i, 0.2, 60.0 + i, 10.0, std::nullopt});
    r.accuracy = 80.0 + i;
    r.metric = 60.0 + i;
    r.started = "2026-11-28T01:00:00.000Z";
    const fs::path dir = fs::path(root_) / "exp-a" / "trials" / std::to_string(i) / "retrain" / "r";
    fs::create_directories(dir);
    write_json_atomic((dir / "retrain.json").string(), to_json(r));
  }
  const Result text = run("exp-a --proxy-quality --experiment-dir " + root_);
  ASSERT_EQ(text.code, 0) << text.out;
  EXPECT_NE(text.out.find("3 of 3 scored architectures have a reference"), std::string::npos)
      << text.out;
  const Result j =
      run_stdout("exp-a --proxy-quality --json --reference exp-a --experiment-dir " + root_);
  ASSERT_EQ(j.code, 0) << j.out;
  const auto doc = nlohmann::json::parse(j.out);
  EXPECT_EQ(doc["format"], "nas-proxy-quality/1");
  EXPECT_DOUBLE_EQ(doc["rows"][0]["tau_accuracy"].get<double>(), 1.0);  // same order
  // What it does not combine with, and a --reference without it.
  EXPECT_EQ(run("exp-a --reference exp-a --experiment-dir " + root_).code, 2);
  EXPECT_EQ(run("exp-a --proxy-quality --csv - --experiment-dir " + root_).code, 2);
  EXPECT_EQ(run("--proxy-quality --experiment-dir " + root_).code, 2);
  EXPECT_EQ(run("exp-a --proxy-quality --reference nope --experiment-dir " + root_).code, 2);
}

TEST_F(ReportCli, ACorruptRetrainFileIsNamed) {
  const fs::path bad = fs::path(root_) / "exp-a" / "trials" / "1" / "retrain.json";
  std::ofstream(bad) << "{\"format\": \"nas-retrain/1\"";
  const Result r = run("exp-a --experiment-dir " + root_);
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find(bad.string()), std::string::npos) << r.out;
}

TEST_F(ReportCli, WithoutAnIdListsTheExperiments) {
  ExperimentRecord b;
  b.id = "exp-b";
  b.name = "second";
  b.created = "2026-11-28T02:00:00.000Z";
  b.status = ExperimentStatus::kCompleted;
  ExperimentStore::create(root_, b);
  const Result r = run("--experiment-dir " + root_);
  ASSERT_EQ(r.code, 0) << r.out;
  for (const char* needle :
       {"exp-a", "exp-b", "second", "completed", "2026-11-28T02:00:00", "42.0000"}) {
    EXPECT_NE(r.out.find(needle), std::string::npos) << needle << "\n" << r.out;
  }
  // exp-a says running, but no process holds it: it stopped.
  EXPECT_NE(r.out.find("stopped"), std::string::npos) << r.out;
  EXPECT_LT(r.out.find("exp-a"), r.out.find("exp-b"));  // oldest first
}

TEST_F(ReportCli, LatestAndTheStartOfAnIdSelectAnExperiment) {
  ExperimentRecord b;
  b.id = "exp-b";
  b.created = "2026-11-28T02:00:00.000Z";
  ExperimentStore::create(root_, b);
  Result r = run("latest --json --experiment-dir " + root_);
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(nlohmann::json::parse(r.out)["experiment"]["id"], "exp-b");
  r = run("exp-a --json --experiment-dir " + root_);
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(nlohmann::json::parse(r.out)["experiment"]["id"], "exp-a");
  r = run("exp --experiment-dir " + root_);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("ambiguous"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("exp-a exp-b"), std::string::npos) << r.out;
}

TEST_F(ReportCli, ARunningExperimentThatNobodyRunsShowsAsStopped) {
  const Result r = run("exp-a --experiment-dir " + root_);
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("Experiment exp-a: stopped (not running; resume with nas search --resume "
                       "exp-a)"),
            std::string::npos)
      << r.out;
  // While a process holds the lock, it is running.
  const auto store = ExperimentStore::open(root_, "exp-a");
  const ExperimentLock held = store.lock();
  EXPECT_NE(run("exp-a --experiment-dir " + root_).out.find("Experiment exp-a: running"),
            std::string::npos);
}

TEST_F(ReportCli, CsvAndEpochCsvToStdoutAreTheDataAlone) {
  Result r = run_stdout("exp-a --csv - --experiment-dir " + root_);
  ASSERT_EQ(r.code, 0);
  EXPECT_EQ(r.out.rfind("id,status,origin,", 0), 0u) << r.out;
  EXPECT_EQ(lines(r.out), 4);
  r = run_stdout("exp-a --epochs-csv - --experiment-dir " + root_);
  ASSERT_EQ(r.code, 0);
  EXPECT_EQ(r.out.rfind("trial,epoch,train_loss,accuracy,latency_ms,metric,threshold,seconds\n", 0),
            0u)
      << r.out;
  EXPECT_EQ(lines(r.out), 4);  // one epoch record per trial
  EXPECT_NE(r.out.find("\n1,1,1,51,0.2,41,,10\n"), std::string::npos) << r.out;
  // Into a file: one line says so, and the text report is not printed after it.
  for (const char* flag : {"--epochs-csv", "--csv"}) {
    const std::string file = root_ + "-output/out.csv";
    const Result written =
        run(std::string("exp-a ") + flag + " " + file + " --experiment-dir " + root_);
    ASSERT_EQ(written.code, 0) << flag;
    EXPECT_TRUE(fs::exists(file)) << flag;
    EXPECT_EQ(written.out, "nas-report: info: wrote " + file + "\n") << flag;
  }
  EXPECT_EQ(run("exp-a --csv - --json --experiment-dir " + root_).code, 2);
}

TEST_F(ReportCli, BadFlagIsAUsageError) {
  EXPECT_EQ(run("exp-a --top banana --experiment-dir " + root_).code, 2);
}

}  // namespace
}  // namespace nas
