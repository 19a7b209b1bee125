// One search trial on CPU: its record, and what each kind of failure does to the search.
#include "nas/torch/trial_runner.hpp"

#include <c10/util/Exception.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <random>

#include "nas/core/common/error.hpp"
#include "nas/core/experiment/experiment_store.hpp"

namespace fs = std::filesystem;

namespace nas {
namespace {

class TrialRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    at::set_num_threads(1);
    root_ = (fs::temp_directory_path() / ("nas_trial_" + std::to_string(std::random_device{}())))
                .string();
    DataOptions o;
    o.name = "synthetic";
    o.train_subset = 128;
    o.eval_subset = 64;
    o.seed = 1;
    data_.emplace(load_data(o), std::vector<torch::Device>{cpu_});
    ExperimentRecord e;
    e.options.epochs = 2;
    e.created = now_iso8601();
    store_.emplace(ExperimentStore::create(root_, e));
    cull_ = make_cull_policy(2, 30, 0.0);
    train_.epochs = 2;
    train_.latency_batch = 16;
    train_.latency_warmup = 1;
    train_.latency_warmup_ms = 0;
    train_.latency_repeats = 2;
  }
  void TearDown() override { fs::remove_all(root_); }

  TrialProposal proposal(int id) {
    TrialProposal p;
    p.id = id;
    p.arch = space_.smallest();
    p.arch_key = space_.canonical_key(p.arch);
    return p;
  }
  TrialContext context() { return TrialContext{*data_, *store_, *cull_, train_, streams_}; }
  TrialRecord stored(int id) {
    const auto loaded = store_->load_trials();
    auto it = std::find_if(loaded.trials.begin(), loaded.trials.end(),
                           [id](const TrialRecord& t) { return t.id == id; });
    EXPECT_NE(it, loaded.trials.end());
    return it == loaded.trials.end() ? TrialRecord{} : *it;
  }

  const torch::Device cpu_{torch::kCPU};
  MobileNetV3Space space_;
  std::string root_;
  std::optional<SharedData> data_;
  std::optional<ExperimentStore> store_;
  std::unique_ptr<CullPolicy> cull_;
  TrainerOptions train_;
  SlotStreams streams_{{torch::Device(torch::kCPU), torch::Device(torch::kCPU)}};
  DeviceGate gate_;
  TrialSlot slot_{1, "cpu", "", 1, &gate_};
};

TEST_F(TrialRunnerTest, ACompletedTrialIsStoredWithEveryEpoch) {
  const TrialRecord r = run_trial(proposal(0), slot_, context());
  EXPECT_EQ(r.status, TrialStatus::kCompleted) << r.error.value_or("");
  EXPECT_EQ(r.epochs.size(), 2u);
  EXPECT_EQ(r.device, "cpu");
  EXPECT_EQ(stored(0).status, TrialStatus::kCompleted);
}

TEST_F(TrialRunnerTest, LatencyIsMeasuredBeforeTrainingAndALimitRejectsWithoutTraining) {
  const TrialRecord trained = run_trial(proposal(0), slot_, context());
  ASSERT_TRUE(trained.latency_before_ms.has_value());
  EXPECT_GT(*trained.latency_before_ms, 0.0);
  EXPECT_EQ(stored(0).latency_before_ms, trained.latency_before_ms);

  TrialContext ctx = context();
  ctx.limits.max_latency_ms = *trained.latency_before_ms / 1000;
  int batches = 0;
  SearchObserver observer;
  observer.on_batch = [&](int, int, std::int64_t, std::int64_t) { ++batches; };
  ctx.observer = &observer;
  const TrialRecord r = run_trial(proposal(1), slot_, ctx);
  EXPECT_EQ(r.status, TrialStatus::kRejected);
  EXPECT_EQ(r.rejected_by, "max_latency");
  EXPECT_EQ(batches, 0);  // not one training step
  EXPECT_TRUE(r.epochs.empty());
  EXPECT_FALSE(r.metric.has_value());
  ASSERT_TRUE(r.latency_before_ms.has_value());
  EXPECT_GT(*r.latency_before_ms, *ctx.limits.max_latency_ms);
  EXPECT_GT(r.params, 0);
  const TrialRecord back = stored(1);
  EXPECT_EQ(back.status, TrialStatus::kRejected);
  EXPECT_TRUE(back.ended.has_value());
}

TEST_F(TrialRunnerTest, OutOfMemoryFailsTheTrialAndTheNextOneRuns) {
  // A latency batch of 2^32 images cannot be allocated anywhere.
  train_.latency_batch = 1 << 30;
  const TrialRecord oom = run_trial(proposal(0), slot_, context());
  EXPECT_EQ(oom.status, TrialStatus::kFailed);
  ASSERT_TRUE(oom.error);
  EXPECT_EQ(classify_failure(*oom.error), FailureKind::kOutOfMemory) << *oom.error;
  train_.latency_batch = 16;
  EXPECT_EQ(run_trial(proposal(1), slot_, context()).status, TrialStatus::kCompleted);
}

TEST_F(TrialRunnerTest, ADeviceFailureEndsTheSearchAndLeavesTheTrialToRunAgain) {
  TrialContext ctx = context();
  SearchObserver observer;
  ctx.observer = &observer;
  observer.on_batch = [](int, int epoch, std::int64_t batch, std::int64_t) {
    if (epoch == 1 && batch == 1)
      TORCH_CHECK(false, "CUDA error: an illegal memory access was encountered");
  };
  try {
    run_trial(proposal(3), slot_, ctx);
    FAIL() << "no DeviceFailure";
  } catch (const DeviceFailure& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("trial 3"), std::string::npos) << m;
    EXPECT_NE(m.find("illegal memory access"), std::string::npos) << m;
  }
  const TrialRecord r = stored(3);
  EXPECT_EQ(r.status, TrialStatus::kInterrupted);  // resume runs it again
  ASSERT_TRUE(r.error);
  EXPECT_NE(r.error->find("device failure"), std::string::npos);
  EXPECT_EQ(r.epochs.size(), 1u);
}

TEST_F(TrialRunnerTest, OtherLibTorchErrorsStayTheTrialsOwn) {
  TrialContext ctx = context();
  SearchObserver observer;
  ctx.observer = &observer;
  observer.on_batch = [](int, int, std::int64_t, std::int64_t) {
    TORCH_CHECK(false, "Expected more than 1 value per channel when training");
  };
  const TrialRecord r = run_trial(proposal(4), slot_, ctx);
  EXPECT_EQ(r.status, TrialStatus::kFailed);
  EXPECT_EQ(stored(4).status, TrialStatus::kFailed);
}

TEST_F(TrialRunnerTest, ProgressNamesTheTrial) {
  TrialContext ctx = context();
  SearchObserver observer;
  ctx.observer = &observer;
  int calls = 0;
  observer.on_batch = [&](int trial, int epoch, std::int64_t batch, std::int64_t batches) {
    EXPECT_EQ(trial, 5);
    EXPECT_GE(epoch, 0);
    EXPECT_LE(batch, batches);
    ++calls;
  };
  run_trial(proposal(5), slot_, ctx);
  EXPECT_EQ(calls, 4);  // 128 images in batches of 64, two epochs
}

}  // namespace
}  // namespace nas
