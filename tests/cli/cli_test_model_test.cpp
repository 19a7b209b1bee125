// `nas-test-model` as a user runs it: retrains of trial folders and NNI trial folders, their
// records and weights, ^C and resume, bad input.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <string>
#include <thread>

#include "cli_fixture.hpp"

namespace nas {
namespace {

TEST_F(CliTest, TestModelRetrainsAnNniTrialDirectoryOfTheOriginal) {
  write_nni27_cfg("nni-trial");
  const Result r = run("nas-test-model", quote(path("nni-trial")) +
                                             " --dataset synthetic --train-subset 64 "
                                             "--eval-subset 32 --epochs 1 --threads 1 --seed 1 "
                                             "--latency-batch 8 --log-level warn");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("NNI 2.7 54-label architecture, expanded"), std::string::npos) << r.out;
  // Each retrain gets a folder of its own under the trial's retrain/.
  ASSERT_TRUE(fs::is_directory(path("nni-trial/retrain")));
  const fs::path run = fs::directory_iterator(path("nni-trial/retrain"))->path();
  const nlohmann::json j = nlohmann::json::parse(slurp(run / "retrain.json"));
  EXPECT_EQ(j.at("params"), 188490);
  EXPECT_EQ(j.at("arch").size(), 66u);
  EXPECT_NE(r.out.find("writing to " + run.string()), std::string::npos) << r.out;
}

TEST_F(CliTest, TestModelMissingPathExits2) {
  const std::string missing = path("no-such-trial");
  const Result r = run("nas-test-model", quote(missing));
  EXPECT_EQ(r.code, 2);
  expect_one_line_error(r, "nas-test-model", missing);
}

TEST_F(CliTest, TestModelDirectoryWithoutArchitectureExits2) {
  fs::create_directories(path("empty-trial"));
  const Result r = run("nas-test-model", quote(path("empty-trial")));
  EXPECT_EQ(r.code, 2);
  expect_one_line_error(r, "nas-test-model", "empty-trial");
}

// NNI 2.7 tied stage 3's depth to stage 1's: a network with them apart has no 54-label form, so
// no fixed_arch.json is written (its state dict still is).

TEST_F(CliTest, TestModelWritesNoFixedArchWhenNni27CannotBuildTheNetwork) {
  MobileNetV3Space space;
  Architecture a;
  for (const auto& c : space.choices())
    a.set(c.label, *std::min_element(c.candidates.begin(), c.candidates.end()));
  a.set("depth_3", 2);
  const std::string out = path("untied");
  const Result r = run("nas-test-model", quote(write("untied.json", a.to_json().dump())) +
                                             " --dataset synthetic --train-subset 200 "
                                             "--eval-subset 50 --epochs 1 --threads 1 --seed 1 "
                                             "--latency-batch 8 --log-level warn --out " +
                                             quote(out));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(fs::exists(out + "/model_state_dict.pt"));
  EXPECT_FALSE(fs::exists(out + "/fixed_arch.json"));
  EXPECT_NE(r.out.find("no fixed_arch.json: choices NNI 2.7 ties differ"), std::string::npos)
      << r.out;
}

TEST_F(CliTest, TestModelOnOtherDataSaysSoAndTheReportKeepsItApart) {
  // A trial of a Fashion-MNIST search, retrained on synthetic data.
  ExperimentRecord e;
  e.id = "fm";
  e.options.dataset = "fashion-mnist";
  e.dataset.name = "fashion-mnist";
  e.dataset.shape[0] = 1;
  e.dataset.shape[1] = e.dataset.shape[2] = 28;
  e.dataset.classes = 10;
  const std::string trial = write_experiment_trial(e);
  const Result r = run("nas-test-model", quote(trial) +
                                             " --dataset synthetic --train-subset 200 "
                                             "--eval-subset 50 --epochs 1 --threads 1 --seed 1 "
                                             "--latency-batch 8 --log-level warn");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("retraining on synthetic, not on the experiment's data (fashion-mnist)"),
            std::string::npos)
      << r.out;  // the log's warning
  const Result report = run("nas-report", "fm --json " + experiments());
  ASSERT_EQ(report.code, 0) << report.err;
  const auto j = nlohmann::json::parse(report.out);
  EXPECT_TRUE(j["top"][0]["retrained_accuracy"].is_null()) << j["top"].dump();
  ASSERT_EQ(j["other_data_retrains"].size(), 1u);
  EXPECT_EQ(j["other_data_retrains"][0]["dataset"]["name"], "synthetic");
}

TEST_F(CliTest, TestModelTrainsAndWritesRetrainJsonAndWeights) {
  const std::string out = path("out");
  const Result r =
      run("nas-test-model", quote(write_small_arch()) +
                                " --dataset synthetic --train-subset 200 --eval-subset 50"
                                " --epochs 1 --threads 1 --seed 1 --latency-batch 8"
                                " --log-level warn --out " +
                                quote(out));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("epoch"), std::string::npos) << r.out;
  ASSERT_TRUE(fs::exists(out + "/retrain.json"));
  EXPECT_TRUE(fs::exists(out + "/model.pt"));
  EXPECT_GT(fs::file_size(out + "/model.pt"), 0u);
  // The state dict for Python is a zip archive, as torch.save writes.
  ASSERT_TRUE(fs::exists(out + "/model_state_dict.pt"));
  const std::string state_dict = slurp(out + "/model_state_dict.pt");
  EXPECT_EQ(state_dict.substr(0, 2), "PK");
  // Under the original network's names (NNI 2.7), which the archive's pickle holds as text.
  EXPECT_NE(state_dict.find("blocks.0.0.weight"), std::string::npos);
  EXPECT_NE(state_dict.find("classifier.1.bias"), std::string::npos);
  EXPECT_EQ(state_dict.find("stem.conv.weight"), std::string::npos);
  // And the 54-label dict that builds that network under NNI 2.7's fixed_arch.
  const std::string fixed_arch = slurp(out + "/fixed_arch.json");
  EXPECT_NE(fixed_arch.find("\"se_10\""), std::string::npos) << fixed_arch;
  EXPECT_EQ(fixed_arch.find("\"depth_3\""), std::string::npos) << fixed_arch;
  EXPECT_TRUE(fs::exists(out + "/checkpoint.pt"));
  EXPECT_NE(r.out.find("wrote " + out + "/retrain.json"), std::string::npos) << r.out;
  // A second retrain into the same --out is refused: nothing is replaced.
  const Result again = run("nas-test-model", quote(write_small_arch()) +
                                                 " --dataset synthetic --train-subset 200 "
                                                 "--epochs 1 --threads 1 --out " +
                                                 quote(out));
  EXPECT_EQ(again.code, 2);
  expect_one_line_error(again, "nas-test-model", "already holds a retrain");
  const nlohmann::json j = nlohmann::json::parse(slurp(out + "/retrain.json"));
  EXPECT_EQ(j.at("status"), "completed");
  ASSERT_TRUE(j.at("epochs").is_array());
  EXPECT_EQ(j.at("epochs").size(), 1u);
  EXPECT_EQ(j.at("params"), 188490);
  EXPECT_TRUE(j.at("accuracy").is_number());
}

TEST_F(CliTest, TestModelKeepsEveryRetrainAndEvaluatesSavedWeights) {
  const std::string arch = write_small_arch();
  const std::string flags =
      " --dataset synthetic --train-subset 128 --eval-subset 64 --epochs 1 --threads 1 --seed 3 "
      "--latency-batch 8 --log-level warn";
  ASSERT_EQ(run("nas-test-model", quote(arch) + flags).code, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // another second, another name
  ASSERT_EQ(run("nas-test-model", quote(arch) + flags).code, 0);
  std::vector<fs::path> runs;
  for (const auto& d : fs::directory_iterator(path("retrain"))) runs.push_back(d.path());
  ASSERT_EQ(runs.size(), 2u);
  std::sort(runs.begin(), runs.end());
  const nlohmann::json first = nlohmann::json::parse(slurp(runs[0] / "retrain.json"));
  // --epochs 0 --weights: the saved model evaluated again, the same accuracy.
  const Result eval =
      run("nas-test-model", quote(arch) +
                                " --dataset synthetic --train-subset 128 --eval-subset 64 "
                                "--epochs 0 --threads 1 --seed 3 --latency-batch 8 "
                                "--log-level warn --weights " +
                                quote((runs[0] / "model.pt").string()) + " --out " +
                                quote(path("eval")));
  ASSERT_EQ(eval.code, 0) << eval.err;
  const nlohmann::json e = nlohmann::json::parse(slurp(path("eval") + "/retrain.json"));
  EXPECT_EQ(e.at("status"), "completed");
  EXPECT_EQ(e.at("accuracy"), first.at("accuracy"));
  EXPECT_TRUE(e.at("latency_ms").is_number());
  EXPECT_EQ(e.at("options").at("weights"), (runs[0] / "model.pt").string());
}

TEST_F(CliTest, TestModelInterruptedThenResumedEqualsAnUninterruptedRun) {
  const std::string arch = write_small_arch();
  const std::string flags =
      " --dataset synthetic --train-subset 512 --eval-subset 64 --epochs 4 --threads 1 --seed 4 "
      "--latency-batch 8 --log-level warn --out ";
  ASSERT_EQ(run("nas-test-model", quote(arch) + flags + quote(path("whole"))).code, 0);
  const std::string cut = path("cut");
  const std::string cmd = "exec " + quote(kBin + "/nas-test-model") + " " + quote(arch) + flags +
                          quote(cut) + " >/dev/null 2>&1";
  const pid_t pid = fork();
  if (pid == 0) {
    execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  // Once an epoch is recorded, ^C.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    try {
      if (nlohmann::json::parse(slurp(cut + "/retrain.json")).at("epochs").size() >= 1) break;
    } catch (const std::exception&) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const int status = e2e::interrupt_and_wait(pid);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 130);
  nlohmann::json j = nlohmann::json::parse(slurp(cut + "/retrain.json"));
  EXPECT_EQ(j.at("status"), "interrupted");
  ASSERT_LT(j.at("epochs").size(), 4u) << "finished before the interrupt";
  const Result resumed = run("nas-test-model", "--resume " + quote(cut) + " --log-level warn");
  ASSERT_EQ(resumed.code, 0) << resumed.err;
  EXPECT_NE(resumed.out.find("resuming"), std::string::npos) << resumed.out;
  j = nlohmann::json::parse(slurp(cut + "/retrain.json"));
  const nlohmann::json whole = nlohmann::json::parse(slurp(path("whole") + "/retrain.json"));
  EXPECT_EQ(j.at("status"), "completed");
  ASSERT_EQ(j.at("epochs").size(), 4u);
  for (int e = 0; e < 4; ++e) {
    EXPECT_EQ(j["epochs"][e]["train_loss"], whole["epochs"][e]["train_loss"]) << e;
    EXPECT_EQ(j["epochs"][e]["accuracy"], whole["epochs"][e]["accuracy"]) << e;
  }
  // A completed retrain has nothing to resume.
  EXPECT_EQ(run("nas-test-model", "--resume " + quote(cut)).code, 2);
}

TEST_F(CliTest, TestModelBadFlagsExit2) {
  Result r = run("nas-test-model", quote(write_small_arch()) + " --epochs 0");
  EXPECT_EQ(r.code, 2);
  expect_one_line_error(r, "nas-test-model", "--weights");
  r = run("nas-test-model", "");
  EXPECT_EQ(r.code, 2);
  r = run("nas-test-model",
          quote(write_small_arch()) + " --dataset nope --out " + quote(path("o")));
  EXPECT_EQ(r.code, 2);
  expect_one_line_error(r, "nas-test-model", "nope");
  r = run("nas-test-model", quote(write_small_arch()) + " --dataset synthetic --train-subset 5");
  EXPECT_EQ(r.code, 2);
  expect_one_line_error(r, "nas-test-model", "--train-subset 5 is smaller than one batch");
  r = run("nas-test-model", quote(write_small_arch()) + " --no-gpu --device cuda:0");
  EXPECT_EQ(r.code, 2);
  expect_one_line_error(r, "nas-test-model", "contradict");
  EXPECT_FALSE(fs::exists(path("retrain"))) << "nothing written for a refused command";
}

}  // namespace
}  // namespace nas
