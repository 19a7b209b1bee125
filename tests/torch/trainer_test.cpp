// The trainer: learning on synthetic data, failures reported rather than thrown, the metric,
// early stop, cancellation and seeded reproducibility.
#include "nas/torch/trainer.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <thread>
#include <vector>

namespace nas {
namespace {

/// Every choice at its smallest candidate: about 190 k parameters, fast to train.
Architecture small_arch(const MobileNetV3Space& space) {
  Architecture a;
  for (const auto& c : space.choices())
    a.set(c.label, *std::min_element(c.candidates.begin(), c.candidates.end()));
  return a;
}

class TrainerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    at::set_num_threads(1);
    DataOptions o;
    o.name = "synthetic";
    o.eval_split = "validation";
    o.train_subset = 640;
    o.eval_subset = 200;
    o.seed = 1;
    data = load_data(o);
    options.epochs = 3;
    options.seed = 11;
    options.threads = 1;
    options.latency_batch = 16;
    options.latency_warmup = 1;
    options.latency_warmup_ms = 0;
    options.latency_repeats = 3;
  }

  MobileNetV3 model(std::uint64_t seed = 3) {
    return build_model(small_arch(space), data.shape, data.classes, seed, space);
  }

  MobileNetV3Space space;
  DataBundle data;
  TrainerOptions options;
  const torch::Device cpu{torch::kCPU};
};

TEST_F(TrainerTest, LossFallsOnSyntheticData) {
  // The smallest network needs a few epochs to get going on 640 images: 8 take about a second.
  options.epochs = 8;
  MobileNetV3 m = model();
  const TrainOutcome out = train_and_evaluate(m, data, cpu, options);
  ASSERT_FALSE(out.error) << *out.error;
  EXPECT_FALSE(out.stopped);
  EXPECT_FALSE(out.interrupted);
  ASSERT_EQ(out.epochs.size(), 8u);
  for (int e = 0; e < 8; ++e) {
    const EpochRecord& r = out.epochs[e];
    EXPECT_EQ(r.epoch, e + 1);
    EXPECT_TRUE(std::isfinite(r.train_loss));
    EXPECT_GE(r.accuracy, 0.0);
    EXPECT_LE(r.accuracy, 100.0);
    EXPECT_GT(r.latency_ms, 0.0);
    EXPECT_GT(r.seconds, 0.0);
    EXPECT_DOUBLE_EQ(r.metric,
                     compute_metric(r.accuracy, r.latency_ms, options.reward.latency_exponent));
  }
  const EpochRecord& first = out.epochs.front();
  const EpochRecord& last = out.epochs.back();
  EXPECT_LT(last.train_loss, first.train_loss - 0.3);
  EXPECT_LT(last.train_loss, std::log(10.0) - 0.3);  // well below chance level
  EXPECT_GT(last.accuracy, 30.0);                    // 10 classes: chance is 10 %
  EXPECT_GT(last.accuracy, first.accuracy);
}

TEST_F(TrainerTest, InjectedNanIsReportedNotThrown) {
  MobileNetV3 m = model();
  {
    torch::NoGradGuard no_grad;
    m->named_parameters()["stem.conv.weight"].fill_(std::numeric_limits<float>::quiet_NaN());
  }
  options.epochs = 2;
  TrainOutcome out;
  ASSERT_NO_THROW(out = train_and_evaluate(m, data, cpu, options));
  ASSERT_TRUE(out.error.has_value());
  EXPECT_NE(out.error->find("NaN"), std::string::npos) << *out.error;
  EXPECT_TRUE(out.epochs.empty());
  EXPECT_FALSE(out.interrupted);
}

TEST_F(TrainerTest, LibTorchErrorsAreReportedNotThrown) {
  // A model built for 1x28x28 fed 3x32x32 images: the stem convolution rejects them.
  MobileNetV3 m = build_model(small_arch(space), InputShape{1, 28, 28}, 10, 0, space);
  TrainOutcome out;
  ASSERT_NO_THROW(out = train_and_evaluate(m, data, cpu, options));
  ASSERT_TRUE(out.error.has_value());
  EXPECT_FALSE(out.error->empty());
  EXPECT_TRUE(out.epochs.empty());
}

TEST(RecordCurrentFailure, MapsEachKindOfExceptionToAnOutcome) {
  auto outcome_of = [](auto thrower) {
    TrainOutcome out;
    try {
      thrower();
    } catch (const std::exception&) {
      record_current_failure(out);
    }
    return out;
  };
  TrainOutcome oom = outcome_of(
      [] { C10_THROW_ERROR(OutOfMemoryError, "CUDA out of memory. Tried to allocate 2.00 GiB"); });
  EXPECT_EQ(oom.failure, FailureKind::kOutOfMemory);
  EXPECT_EQ(oom.error.value_or("").rfind("CUDA out of memory", 0), 0u) << *oom.error;
  TrainOutcome alloc = outcome_of([] { throw std::bad_alloc(); });
  EXPECT_EQ(alloc.failure, FailureKind::kOutOfMemory);
  EXPECT_EQ(alloc.error.value_or(""), "out of memory (std::bad_alloc)");
  TrainOutcome device = outcome_of(
      [] { TORCH_CHECK(false, "CUDA error: an illegal memory access was encountered"); });
  EXPECT_EQ(device.failure, FailureKind::kDeviceFatal);
  EXPECT_EQ(device.error->find("Exception raised from"), std::string::npos) << "no backtrace";
  TrainOutcome own = outcome_of([] { throw std::runtime_error("NaN loss"); });
  EXPECT_EQ(own.failure, FailureKind::kTrial);
  EXPECT_EQ(own.error.value_or(""), "NaN loss");
}

TEST(Metric, FollowsTheFbnetFormula) {
  // accuracy * (latency in microseconds)^(-0.07)
  EXPECT_DOUBLE_EQ(compute_metric(90.0, 0.5, 0.07), 90.0 * std::pow(500.0, -0.07));
  EXPECT_DOUBLE_EQ(compute_metric(83.73, 2.0, 0.07), 83.73 * std::pow(2000.0, -0.07));
  EXPECT_NEAR(compute_metric(90.0, 0.5, 0.07), 58.2525, 0.001);
  // Exponent 0: the accuracy alone.
  EXPECT_DOUBLE_EQ(compute_metric(77.5, 0.123, 0.0), 77.5);
  // Halving latency weighs like about +5 % accuracy.
  EXPECT_NEAR(compute_metric(50.0, 0.25, 0.07) / compute_metric(50.0, 0.5, 0.07),
              std::pow(2.0, 0.07), 1e-12);
  EXPECT_NEAR(std::pow(2.0, 0.07), 1.05, 0.001);
  // 1 microsecond per image: the metric equals the accuracy.
  EXPECT_DOUBLE_EQ(compute_metric(66.0, 0.001, 0.07), 66.0);
}

TEST_F(TrainerTest, CallbackStopEndsTheRunEarly) {
  MobileNetV3 m = model();
  std::vector<int> seen;
  TrainHooks hooks;
  hooks.on_epoch = [&](const EpochRecord& r) {
    seen.push_back(r.epoch);
    return r.epoch == 1 ? EpochAction::kStop : EpochAction::kContinue;
  };
  const TrainOutcome out = train_and_evaluate(m, data, cpu, options, hooks);
  EXPECT_FALSE(out.error);
  EXPECT_TRUE(out.stopped);
  EXPECT_FALSE(out.interrupted);
  ASSERT_EQ(out.epochs.size(), 1u);
  EXPECT_EQ(seen, (std::vector<int>{1}));
}

TEST_F(TrainerTest, StopAfterTheLastEpochIsNotAnEarlyStop) {
  MobileNetV3 m = model();
  options.epochs = 1;
  TrainHooks hooks;
  hooks.on_epoch = [](const EpochRecord&) { return EpochAction::kStop; };
  const TrainOutcome out = train_and_evaluate(m, data, cpu, options, hooks);
  EXPECT_FALSE(out.stopped);
  EXPECT_EQ(out.epochs.size(), 1u);
}

TEST_F(TrainerTest, CancelFlagInterrupts) {
  {
    MobileNetV3 m = model();
    std::atomic<bool> cancel{true};
    TrainHooks hooks;
    hooks.cancel = &cancel;
    const TrainOutcome out = train_and_evaluate(m, data, cpu, options, hooks);
    EXPECT_TRUE(out.interrupted);
    EXPECT_FALSE(out.error);
    EXPECT_TRUE(out.epochs.empty());
  }
  {
    // Raised during the second epoch: the first epoch's record stays.
    MobileNetV3 m = model();
    std::atomic<bool> cancel{false};
    std::int64_t batches_seen = 0;
    TrainHooks hooks;
    hooks.cancel = &cancel;
    hooks.on_batch = [&](int epoch, std::int64_t batch, std::int64_t batches) {
      ++batches_seen;
      EXPECT_LE(batch, batches);
      if (epoch == 1 && batch == 2) cancel = true;
    };
    const TrainOutcome out = train_and_evaluate(m, data, cpu, options, hooks);
    EXPECT_TRUE(out.interrupted);
    EXPECT_FALSE(out.stopped);
    EXPECT_FALSE(out.error);
    EXPECT_EQ(out.epochs.size(), 1u);
    EXPECT_EQ(batches_seen, 10 + 2);  // 640 images = 10 batches of 64, then 2 more
  }
}

TEST_F(TrainerTest, SameSeedGivesIdenticalEpochRecords) {
  options.epochs = 2;
  MobileNetV3 a = model(5), b = model(5);
  const TrainOutcome x = train_and_evaluate(a, data, cpu, options);
  const TrainOutcome y = train_and_evaluate(b, data, cpu, options);
  ASSERT_FALSE(x.error);
  ASSERT_FALSE(y.error);
  ASSERT_EQ(x.epochs.size(), 2u);
  ASSERT_EQ(y.epochs.size(), 2u);
  for (int e = 0; e < 2; ++e) {
    EXPECT_EQ(x.epochs[e].epoch, y.epochs[e].epoch);
    EXPECT_EQ(x.epochs[e].train_loss, y.epochs[e].train_loss) << "epoch " << e + 1;
    EXPECT_EQ(x.epochs[e].accuracy, y.epochs[e].accuracy) << "epoch " << e + 1;
  }
  // The trained weights agree too.
  auto pa = a->named_parameters(), pb = b->named_parameters();
  for (const auto& item : pa) EXPECT_TRUE(torch::equal(item.value(), pb[item.key()])) << item.key();

  // Another trainer seed (shuffle, augmentation, dropout) changes the run.
  options.seed = 12;
  MobileNetV3 c = model(5);
  const TrainOutcome z = train_and_evaluate(c, data, cpu, options);
  ASSERT_EQ(z.epochs.size(), 2u);
  EXPECT_NE(z.epochs[0].train_loss, x.epochs[0].train_loss);
}

TEST_F(TrainerTest, LatencyIsPositivePerImage) {
  MobileNetV3 m = model();
  const LatencyStats l = measure_latency(m, data.shape, cpu, 8, 1, 0, 5, true);
  ASSERT_EQ(l.samples_ms.size(), 5u);
  EXPECT_GT(l.min_ms, 0.0);
  EXPECT_LE(l.min_ms, l.median_ms);
  EXPECT_LE(l.median_ms, l.max_ms);
  EXPECT_LT(l.max_ms, 1000.0);
}

// The untimed passes go on until warmup_ms have passed, however few `warmup` asks for; without a
// duration, exactly `warmup` of them run. (The bound leaves room for a preemption before the first
// pass is recorded.)
TEST(TimeForward, WarmsUpForAtLeastTheGivenDurationBeforeTiming) {
  using Clock = std::chrono::steady_clock;
  const torch::Tensor x = torch::zeros({4, 1});
  std::vector<Clock::time_point> calls;
  const auto forward = [&](const torch::Tensor&) { calls.push_back(Clock::now()); };
  const LatencyStats warm = time_forward(forward, x, torch::kCPU, 1, 30, 2);
  ASSERT_EQ(warm.samples_ms.size(), 2u);
  ASSERT_GE(calls.size(), 3u);
  const Clock::time_point first_timed = calls[calls.size() - 2];
  EXPECT_GE(first_timed - calls.front(), std::chrono::milliseconds(20));
  calls.clear();
  time_forward(forward, x, torch::kCPU, 3, 0, 2);
  EXPECT_EQ(calls.size(), 5u);
}

/// Whether this thread's arithmetic flushes denormals: the volatile keeps the product at run time.
bool thread_flushes_denormals() {
  volatile float tiny = 1e-40f;  // below FLT_MIN: a denormal
  const float twice = tiny * 2;
  return twice == 0.0f;
}

/// Starts a test with denormals kept on this thread (the process's default) and leaves it so.
class DenormalsKept {
 public:
  DenormalsKept() { at::globalContext().setFlushDenormal(false); }
  ~DenormalsKept() { at::globalContext().setFlushDenormal(false); }
};

bool cpu_can_flush_denormals() {
  const bool can = at::globalContext().setFlushDenormal(true);
  at::globalContext().setFlushDenormal(false);
  return can;
}

// nas-test-model --epochs 0 times given (trained) weights, which can hold denormals: it must time
// them as training does, with denormals flushed to zero.
TEST_F(TrainerTest, EvaluatingGivenWeightsFlushesDenormalsAsTrainingDoes) {
  if (!cpu_can_flush_denormals()) GTEST_SKIP() << "this CPU cannot flush denormals";
  DenormalsKept kept;
  ASSERT_FALSE(thread_flushes_denormals());
  MobileNetV3 m = model();
  evaluate_model(m, data, cpu, options);
  EXPECT_TRUE(thread_flushes_denormals());
}

// nas and nas-test-model call use_trial_compute first in main and rely on every thread started
// after it (intra-op workers, trial threads) inheriting the flush; a thread started before it keeps
// denormals, which is why it must come first.
TEST(UseTrialCompute, ThreadsStartedAfterItInheritTheFlush) {
  if (!cpu_can_flush_denormals()) GTEST_SKIP() << "this CPU cannot flush denormals";
  DenormalsKept kept;
  std::atomic<bool> go{false}, earlier_flushes{true}, later_flushes{false};
  std::thread earlier([&] {
    while (!go.load()) std::this_thread::yield();
    earlier_flushes = thread_flushes_denormals();
  });
  use_trial_compute(0);
  std::thread later([&] { later_flushes = thread_flushes_denormals(); });
  later.join();
  go = true;
  earlier.join();
  EXPECT_TRUE(later_flushes.load());
  EXPECT_FALSE(earlier_flushes.load());
}

}  // namespace
}  // namespace nas

namespace nas {
namespace {

/// Every named parameter and buffer, cloned: what the model holds now.
std::map<std::string, torch::Tensor> snapshot(MobileNetV3& m) {
  std::map<std::string, torch::Tensor> out;
  for (const auto& p : m->named_parameters()) out[p.key()] = p.value().detach().clone();
  for (const auto& b : m->named_buffers()) out[b.key()] = b.value().detach().clone();
  return out;
}

bool is_batchnorm_statistic(const std::string& name) {
  for (const char* s : {"running_mean", "running_var", "num_batches_tracked"})
    if (name.size() >= std::strlen(s) &&
        name.compare(name.size() - std::strlen(s), std::string::npos, s) == 0)
      return true;
  return false;
}

TEST_F(TrainerTest, RecalibrationChangesOnlyBatchNormStatisticsAndRestoresTheMode) {
  MobileNetV3 m = model();
  BatchLoader loader(data, cpu, 5);
  loader.start_epoch(0);
  m->eval();
  const auto before = snapshot(m);
  recalibrate_batchnorm(m, loader, 4, 32, true);
  EXPECT_FALSE(m->is_training()) << "the mode it was in comes back";
  const auto after = snapshot(m);
  int changed_statistics = 0;
  for (const auto& [name, value] : before) {
    const bool same = torch::equal(value, after.at(name));
    if (is_batchnorm_statistic(name)) {
      changed_statistics += !same;
    } else {
      EXPECT_TRUE(same) << name << " is not a BatchNorm statistic and must not change";
    }
  }
  EXPECT_GT(changed_statistics, 0);
  // The momentum is the layers' own again: a training step still moves the statistics by 0.1.
  for (const auto& mod : m->modules(false)) {
    if (auto* bn = mod->as<torch::nn::BatchNorm2d>()) {
      ASSERT_TRUE(bn->options.momentum().has_value());
      EXPECT_DOUBLE_EQ(*bn->options.momentum(), 0.1);
    }
  }
  m->train();
  recalibrate_batchnorm(m, loader, 1, 32, true);
  EXPECT_TRUE(m->is_training());
}

TEST_F(TrainerTest, RecalibrationIsSeededAndZeroBatchesChangeNothing) {
  MobileNetV3 a = model(), b = model();
  BatchLoader la(data, cpu, 5), lb(data, cpu, 5);
  la.start_epoch(0);
  lb.start_epoch(0);
  recalibrate_batchnorm(a, la, 3, 32, true);
  recalibrate_batchnorm(b, lb, 3, 32, true);
  const auto sa = snapshot(a), sb = snapshot(b);
  for (const auto& [name, value] : sa) EXPECT_TRUE(torch::equal(value, sb.at(name))) << name;
  MobileNetV3 c = model();
  const auto before = snapshot(c);
  recalibrate_batchnorm(c, la, 0, 32, true);
  for (const auto& [name, value] : snapshot(c)) EXPECT_TRUE(torch::equal(value, before.at(name)));
}

TEST_F(TrainerTest, TrainingWithRecalibrationRecordsItsEvaluations) {
  options.epochs = 2;
  options.bn_recalibrate = 5;
  MobileNetV3 m = model();
  const TrainOutcome out = train_and_evaluate(m, data, cpu, options);
  ASSERT_FALSE(out.error) << *out.error;
  ASSERT_EQ(out.epochs.size(), 2u);
  // Seeded like everything else: the same run twice gives the same records.
  MobileNetV3 m2 = model();
  const TrainOutcome again = train_and_evaluate(m2, data, cpu, options);
  ASSERT_EQ(again.epochs.size(), 2u);
  EXPECT_DOUBLE_EQ(again.epochs[1].accuracy, out.epochs[1].accuracy);
  EXPECT_DOUBLE_EQ(again.epochs[1].train_loss, out.epochs[1].train_loss);
}

}  // namespace
}  // namespace nas
