// `nas bench` as a user runs it: its JSON, latency under background training, bad input.
#include <gtest/gtest.h>

#include <string>

#include "cli_fixture.hpp"

namespace nas {
namespace {

TEST_F(CliTest, BenchJsonOnATinyArchitecture) {
  // The architecture as the argument, like nas arch (--arch works too, below).
  const Result r = run("nas", "bench " + quote(write_small_arch()) +
                                  " --batches 2 --batch-size 8 --threads 1 --json");
  ASSERT_EQ(r.code, 0) << r.err;
  nlohmann::json j;
  ASSERT_NO_THROW(j = nlohmann::json::parse(r.out)) << r.out;
  for (const char* key : {"train_images_per_s", "eval_images_per_s", "latency_ms"}) {
    ASSERT_TRUE(j.contains(key)) << key;
    EXPECT_GT(j[key].get<double>(), 0.0) << key;
  }
  EXPECT_EQ(j["latency"]["samples"].size(), 10u);
  EXPECT_LE(j["latency"]["min"].get<double>(), j["latency"]["max"].get<double>());
  EXPECT_TRUE(j["latency_loaded"].is_null());
  EXPECT_TRUE(j["peak_memory_mib"].is_null());  // CPU
}

TEST_F(CliTest, BenchTimesLatencyAgainUnderBackgroundTraining) {
  const Result r = run("nas", "bench --arch " + quote(write_small_arch()) +
                                  " --batches 2 --batch-size 8 --latency-batch 8 --threads 1 "
                                  "--background 2 --deterministic --json");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["background"], 2);
  ASSERT_TRUE(j["latency_loaded"].is_object()) << r.out;
  EXPECT_EQ(j["latency_loaded"]["samples"].size(), 10u);
  EXPECT_GT(j["latency_loaded"]["median"].get<double>(), 0.0);
}

TEST_F(CliTest, BenchOnATrialMeasuresWithItsThreadsBatchesAndInputAndSaysSo) {
  ExperimentRecord e;
  e.id = "c10";
  e.options.dataset = "cifar10";
  e.options.batch_size = 16;
  e.options.latency_batch = 4;
  e.dataset.name = "cifar10";
  e.dataset.shape[0] = 3;
  e.dataset.shape[1] = e.dataset.shape[2] = 32;
  e.dataset.classes = 10;
  const std::string trial = write_experiment_trial(e, /*threads=*/2);
  // The folder (as nas arch takes it) and its trial.json alike.
  for (const std::string& target : {trial, trial + "/trial.json"}) {
    const Result r = run("nas", "bench " + quote(target) + " --batches 2 --json");
    ASSERT_EQ(r.code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["threads"], 2);
    EXPECT_EQ(j["batch_size"], 16);
    EXPECT_EQ(j["latency_batch"], 4);
    EXPECT_EQ(j["input"], nlohmann::json({3, 32, 32}));
    EXPECT_EQ(j["from_trial"], 0);
  }
  // A flag given wins, and the text says what was used.
  const Result r = run("nas", "bench " + quote(trial) + " --batches 2 --threads 1");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("(threads 1)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("3x32x32, 10 classes; batch 16"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("the search: batch, latency batch and input of trial 0"), std::string::npos)
      << r.out;
}

TEST_F(CliTest, BenchOnAFolderWithoutATrialIsABadInputNotACrash) {
  fs::create_directories(path("empty"));
  const Result r = run("nas", "bench " + quote(path("empty")) + " --batches 1");
  EXPECT_EQ(r.code, 2);
  expect_one_line_error(r, "nas", "neither trial.json");
}

TEST_F(CliTest, BenchBadInputExits2) {
  Result r = run("nas", "bench --batches 2");  // the architecture is required
  EXPECT_EQ(r.code, 2);
  expect_one_line_error(r, "nas", "architecture file is required");
  r = run("nas", "bench --arch " + quote(write_small_arch()) + " --batches 0");
  EXPECT_EQ(r.code, 2);
  expect_one_line_error(r, "nas", "--batches");
  r = run("nas", "bench --arch " + quote(path("missing.json")));
  EXPECT_EQ(r.code, 2);
  expect_one_line_error(r, "nas", "missing.json");
  r = run("nas", "bench --arch " + quote(write_small_arch()) + " --dataset nope");
  EXPECT_EQ(r.code, 2);
  expect_one_line_error(r, "nas", "nope");
}

}  // namespace
}  // namespace nas
