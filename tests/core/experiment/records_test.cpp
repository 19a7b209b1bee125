#include "nas/core/experiment/records.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "nas/core/common/error.hpp"
#include "report_fixtures.hpp"

namespace nas {
namespace {

TrialRecord sample_trial() {
  TrialRecord t;
  t.id = 7;
  t.experiment = "20261128-065500-ab12";
  t.arch = Architecture({{"width_0", 16}, {"ks_0", 3}, {"depth_1", 2}});
  t.arch_key = "0123456789abcdef";
  t.origin = "mutation";
  t.parent = 3;
  t.params = 1234567;
  t.macs = 89012345;
  t.device = "cuda:0";
  t.status = TrialStatus::kCulled;
  t.started = "2026-11-28T06:55:00.000Z";
  t.ended = "2026-11-28T06:56:40.500Z";
  t.seconds = 100.5;
  t.epochs = {{1, 1.5, 60.0, 0.2, 30.0, 50.0, std::nullopt}, {2, 1.2, 65.0, 0.2, 32.0, 50.5, 33.0}};
  t.metric = 32.0;
  t.accuracy = 65.0;
  t.latency_ms = 0.2;
  t.culled_at_epoch = 2;
  return t;
}

/// The report fixtures' experiment (cifar10, 45000/5000, 3x32x32), made unlike the defaults in
/// every field a round trip could lose.
ExperimentRecord sample_experiment() {
  ExperimentRecord e = testing::experiment("20261128-065500-ab12", 5, 0.15);
  e.name = "baseline";
  e.created = "2026-11-28T06:55:00.000Z";
  e.status = ExperimentStatus::kInterrupted;
  e.seed = 18446744073709551615ull;
  e.dataset.split = "validation";
  e.devices = {"cuda:0", "cuda:1"};
  return e;
}

TEST(Records, TrialStatusNamesRoundTrip) {
  for (auto s : {TrialStatus::kRunning, TrialStatus::kCompleted, TrialStatus::kCulled,
                 TrialStatus::kFailed, TrialStatus::kInterrupted}) {
    EXPECT_EQ(trial_status_from_string(to_string(s)), s);
  }
  EXPECT_EQ(to_string(TrialStatus::kCulled), "culled");
  EXPECT_THROW(trial_status_from_string("done"), InputError);
}

TEST(Records, ExperimentStatusNamesRoundTrip) {
  for (auto s : {ExperimentStatus::kRunning, ExperimentStatus::kCompleted,
                 ExperimentStatus::kInterrupted, ExperimentStatus::kFailed}) {
    EXPECT_EQ(experiment_status_from_string(to_string(s)), s);
  }
  EXPECT_THROW(experiment_status_from_string("culled"), InputError);
}

TEST(Records, TrialJsonHasTheDocumentedFields) {
  const auto j = to_json(sample_trial());
  EXPECT_EQ(j["format"], "nas-trial/1");
  EXPECT_EQ(j["status"], "culled");
  EXPECT_EQ(j["parent"], 3);
  EXPECT_EQ(j["arch"]["width_0"], 16);
  EXPECT_TRUE(j["error"].is_null());
  EXPECT_TRUE(j["epochs"][0]["threshold"].is_null());
  EXPECT_EQ(j["epochs"][1]["threshold"], 33.0);
  EXPECT_EQ(j["culled_at_epoch"], 2);
}

TEST(Records, TrialRoundTripsThroughText) {
  const TrialRecord t = sample_trial();
  const auto back = trial_record_from_json(nlohmann::json::parse(to_json(t).dump()));
  EXPECT_EQ(back.id, t.id);
  EXPECT_EQ(back.arch, t.arch);
  EXPECT_EQ(back.parent, t.parent);
  EXPECT_EQ(back.status, t.status);
  EXPECT_EQ(back.ended, t.ended);
  ASSERT_EQ(back.epochs.size(), 2u);
  EXPECT_FALSE(back.epochs[0].threshold);
  EXPECT_EQ(back.epochs[1].threshold, 33.0);
  EXPECT_EQ(back.epochs[1].seconds, 50.5);
  EXPECT_EQ(back.metric, 32.0);
  EXPECT_EQ(back.culled_at_epoch, 2);
  EXPECT_FALSE(back.error);
}

TEST(Records, RunningTrialWritesNullsForWhatDoesNotExistYet) {
  TrialRecord t;
  t.started = "2026-11-28T06:55:00Z";
  const auto j = to_json(t);
  for (const char* k : {"parent", "ended", "seconds", "metric", "accuracy", "latency_ms",
                        "culled_at_epoch", "error"}) {
    EXPECT_TRUE(j[k].is_null()) << k;
  }
  EXPECT_EQ(j["status"], "running");
  EXPECT_NO_THROW(trial_record_from_json(j));
}

TEST(Records, NanLossIsWrittenAsNullAndReadBackAsNan) {
  EpochRecord e{1, std::nan(""), 10, 0.1, 5, 1, std::nullopt};
  const auto j = to_json(e);
  EXPECT_TRUE(j["train_loss"].is_null());
  EXPECT_TRUE(std::isnan(epoch_record_from_json(j).train_loss));
}

TEST(Records, MissingFieldIsNamed) {
  auto j = to_json(sample_trial());
  j.erase("arch_key");
  try {
    trial_record_from_json(j);
    FAIL() << "no throw";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("arch_key"), std::string::npos) << e.what();
  }
}

TEST(Records, MistypedFieldIsNamedWithItsValue) {
  auto j = to_json(sample_trial());
  j["params"] = "many";
  try {
    trial_record_from_json(j);
    FAIL() << "no throw";
  } catch (const InputError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("params"), std::string::npos) << m;
    EXPECT_NE(m.find("many"), std::string::npos) << m;
  }
}

TEST(Records, BadEpochNamesItsIndex) {
  auto j = to_json(sample_trial());
  j["epochs"][1]["accuracy"] = "x";
  try {
    trial_record_from_json(j);
    FAIL() << "no throw";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("epochs[1]"), std::string::npos) << e.what();
  }
}

TEST(Records, WrongFormatTagIsRejected) {
  auto j = to_json(sample_trial());
  j["format"] = "nas-trial/2";
  EXPECT_THROW(trial_record_from_json(j), InputError);
  EXPECT_THROW(trial_record_from_json(nlohmann::json::array()), InputError);
  EXPECT_THROW(experiment_record_from_json(to_json(sample_trial())), InputError);
}

TEST(Records, ExperimentRoundTrips) {
  const ExperimentRecord e = sample_experiment();
  const auto j = to_json(e);
  EXPECT_EQ(j["format"], "nas-experiment/1");
  EXPECT_EQ(j["versions"]["nas"], "0.1.0");
  EXPECT_EQ(j["versions"]["libtorch"], "1.13.1");
  EXPECT_TRUE(j["finished"].is_null());
  EXPECT_EQ(j["dataset"]["shape"], nlohmann::json({3, 32, 32}));
  EXPECT_TRUE(j["dataset"]["dir"].is_null());
  const auto back = experiment_record_from_json(nlohmann::json::parse(j.dump()));
  EXPECT_EQ(back.id, e.id);
  EXPECT_EQ(back.name, e.name);
  EXPECT_EQ(back.seed, e.seed);
  EXPECT_EQ(back.status, e.status);
  EXPECT_EQ(back.options.epochs, 5);
  EXPECT_DOUBLE_EQ(back.options.cull_ratio, 0.15);
  EXPECT_EQ(back.dataset.shape[1], 32);
  EXPECT_EQ(back.devices, e.devices);
  EXPECT_EQ(back.libtorch_version, "1.13.1");
  EXPECT_FALSE(back.search_seconds);
}

TEST(Records, ExperimentEnvironmentRoundTripsAndMayBeAbsent) {
  ExperimentRecord e = sample_experiment();
  EXPECT_TRUE(to_json(e)["environment"].is_null());
  ComputeEnvironment env;
  env.devices = {{"cuda:0", "NVIDIA H200", 143771, "9.0"}, {"cpu", "AMD EPYC", {}, {}}};
  env.libtorch_cuda = "13.2";
  env.gpus_visible = 2;
  env.cuda_runtime = "12.8";
  env.cuda_driver = "13.0";
  env.cudnn = "91002";
  env.tf32 = true;
  e.environment = env;
  const auto j = to_json(e);
  EXPECT_EQ(j["environment"]["libtorch_cuda"], "13.2");
  EXPECT_EQ(j["environment"]["gpus_visible"], 2);
  EXPECT_EQ(j["environment"]["devices"][0]["name"], "NVIDIA H200");
  EXPECT_EQ(j["environment"]["devices"][0]["memory_mib"], 143771);
  EXPECT_TRUE(j["environment"]["devices"][1]["memory_mib"].is_null());
  EXPECT_EQ(j["environment"]["cudnn_benchmark"], false);
  EXPECT_EQ(j["environment"]["tf32"], true);
  const auto back = experiment_record_from_json(nlohmann::json::parse(j.dump()));
  ASSERT_TRUE(back.environment);
  ASSERT_EQ(back.environment->devices.size(), 2u);
  EXPECT_EQ(back.environment->devices[0].capability, "9.0");
  EXPECT_EQ(back.environment->devices[1].name, "AMD EPYC");
  EXPECT_EQ(back.environment->cuda_driver, "13.0");
  EXPECT_EQ(back.environment->libtorch_cuda, "13.2");
  EXPECT_EQ(back.environment->gpus_visible, 2);
  EXPECT_TRUE(back.environment->tf32);
  EXPECT_FALSE(back.environment->deterministic);
  // Files written before the field existed have none.
  auto old = to_json(sample_experiment());
  // Environments written before LibTorch's CUDA was recorded read as a CPU-only LibTorch.
  auto older = j;
  older["environment"].erase("libtorch_cuda");
  older["environment"].erase("gpus_visible");
  const auto older_back = experiment_record_from_json(older);
  ASSERT_TRUE(older_back.environment);
  EXPECT_FALSE(older_back.environment->libtorch_cuda);
  EXPECT_EQ(older_back.environment->gpus_visible, 0);
  old.erase("environment");
  EXPECT_FALSE(experiment_record_from_json(old).environment);
  auto bad = j;
  bad["environment"]["tf32"] = "yes";
  EXPECT_THROW(experiment_record_from_json(bad), InputError);
}

TEST(Records, ExperimentWithBadOptionNamesIt) {
  auto j = to_json(sample_experiment());
  j["options"]["epochs"] = "three";
  try {
    experiment_record_from_json(j);
    FAIL() << "no throw";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("epochs"), std::string::npos) << e.what();
  }
}

TEST(Records, RetrainRoundTripsWithOptionsObjectAndNoThreshold) {
  RetrainRecord r;
  r.source = "exp/trials/3";
  r.experiment = "exp";
  r.trial = 3;
  r.arch = Architecture({{"width_0", 24}});
  r.arch_key = "k";
  r.epochs_planned = 50;
  r.seed = 9;
  r.status = TrialStatus::kCompleted;
  r.epochs = {{1, 1.0, 80.0, 0.3, 40.0, 20.0, 12.0}};
  r.accuracy = 80.0;
  r.seconds = 20;
  r.started = "2026-11-28T06:55:00Z";
  r.ended = "2026-11-28T06:55:20Z";
  const auto j = to_json(r);
  EXPECT_EQ(j["format"], "nas-retrain/1");
  EXPECT_EQ(j["options"]["epochs"], 50);
  EXPECT_EQ(j["options"]["seed"], 9);
  EXPECT_FALSE(j["epochs"][0].contains("threshold"));
  const auto back = retrain_record_from_json(nlohmann::json::parse(j.dump()));
  EXPECT_EQ(back.trial, 3);
  EXPECT_EQ(back.epochs_planned, 50);
  EXPECT_EQ(back.accuracy, 80.0);
  EXPECT_FALSE(back.epochs[0].threshold);
  EXPECT_EQ(back.ended, r.ended);
}

TEST(Records, NowIsUtcWithMillisecondsAndParsesBack) {
  const std::string now = now_iso8601();
  ASSERT_EQ(now.size(), 24u) << now;
  EXPECT_EQ(now[10], 'T');
  EXPECT_EQ(now[19], '.');
  EXPECT_EQ(now.back(), 'Z');
  const double t = parse_iso8601(now);
  EXPECT_NEAR(t, static_cast<double>(std::time(nullptr)), 5.0);
}

TEST(Records, ParsesKnownTimes) {
  EXPECT_DOUBLE_EQ(parse_iso8601("1970-01-01T00:00:00Z"), 0.0);
  EXPECT_DOUBLE_EQ(parse_iso8601("1970-01-02T00:00:01.250Z"), 86401.25);
  EXPECT_DOUBLE_EQ(parse_iso8601("2026-11-28T06:55:00Z") - parse_iso8601("2026-11-28T06:50:00Z"),
                   300.0);
  EXPECT_THROW(parse_iso8601("yesterday"), InputError);
  EXPECT_THROW(parse_iso8601("2026-11-28 06:55:00"), InputError);
  EXPECT_THROW(parse_iso8601("2026-11-28T06:55:00+02:00"), InputError);
}

}  // namespace
}  // namespace nas
