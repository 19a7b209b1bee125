#include "nas/core/search/search_driver.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "fake_trial.hpp"
#include "nas/core/common/error.hpp"
#include "nas/core/search/network_plan.hpp"
#include "nas/core/search/regularized_evolution.hpp"
#include "nas/core/search/trial_limits.hpp"

namespace fs = std::filesystem;

namespace nas {
namespace {

using namespace std::chrono_literals;
using testing::fast_poll;

/// A fake objective: a deterministic learning curve from the architecture, no torch.
class FakeTrials {
 public:
  FakeTrials(const ExperimentStore& store, CullPolicy& cull, int epochs)
      : store_(store), cull_(cull), epochs_(epochs) {}

  TrialRecord operator()(const TrialProposal& p, const TrialSlot& slot) {
    TrialRecord r = start_record(p, store_.id());
    r.device = slot.device;
    if (fail_ids.count(p.id)) {
      r.status = TrialStatus::kFailed;
      r.error = "injected";
    } else {
      r.status = TrialStatus::kCompleted;
      const double final_metric = testing::arch_score(p.arch);
      for (int e = 1; e <= epochs_; ++e) {
        EpochRecord rec;
        rec.epoch = e;
        rec.metric = final_metric * e / epochs_;
        rec.accuracy = rec.metric;
        if (e < epochs_) {
          const CullDecision d = cull_.report(e - 1, rec.metric);
          rec.threshold = d.threshold;
          r.epochs.push_back(rec);
          if (d.cull) {
            r.status = TrialStatus::kCulled;
            r.culled_at_epoch = e;
            break;
          }
        } else {
          r.epochs.push_back(rec);
        }
      }
      r.metric = r.epochs.back().metric;
      r.accuracy = r.metric;
    }
    r.ended = now_iso8601();
    r.seconds = 0.001;
    store_.write_trial(r);
    return r;
  }

  std::set<int> fail_ids;

 private:
  const ExperimentStore& store_;
  CullPolicy& cull_;
  int epochs_;
};

class SearchDriverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = (fs::temp_directory_path() / ("nas_driver_" + std::to_string(std::random_device{}())))
                .string();
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(root_); }

  static ExperimentRecord experiment(int n_trials) {
    return testing::small_search_experiment(n_trials);
  }

  std::string root_;
};

TEST_F(SearchDriverTest, ATimeBudgetEndsTheSearchAndStopsTheRunningTrials) {
  ExperimentRecord e = experiment(20);
  e.options.time_budget_seconds = 100;
  e.search_seconds = 40;  // an earlier session used 40 s of it
  auto store = ExperimentStore::create(root_, e);
  e = store.read_experiment();
  MobileNetV3Space space;
  RegularizedEvolution strategy(space, EvolutionOptions{6, 3, 0.05, 11, 50});
  auto cull = make_cull_policy(3, 6, 0.5);
  FakeTrials fake(store, *cull, 3);
  std::atomic<bool> stop_trials{false};
  std::atomic<double> clock{0};  // this session's seconds, moved by the trials
  // Trial 0 takes 70 s of the 60 left; trial 1, started beside it, runs until it is stopped.
  ThreadExecutor ex(
      [&](const TrialProposal& p, const TrialSlot& s) {
        if (p.id == 0) {
          clock = 70;
          return fake(p, s);
        }
        while (!stop_trials.load()) std::this_thread::sleep_for(1ms);
        TrialRecord r = start_record(p, store.id());
        r.status = TrialStatus::kInterrupted;
        store.write_trial(r);
        return r;
      },
      {"cpu"}, 2, 2);
  std::atomic<bool> cancel{false};
  SearchControl control = fast_poll();
  control.stop_trials = &stop_trials;
  control.elapsed_seconds = [&] { return clock.load(); };
  const SearchOutcome out = run_search(store, e, strategy, *cull, ex, {}, cancel, {}, control);
  EXPECT_TRUE(out.out_of_time);
  EXPECT_FALSE(out.interrupted);
  EXPECT_TRUE(stop_trials.load());
  EXPECT_EQ(out.progress.finished, 1);
  EXPECT_EQ(out.progress.interrupted, 1);
  const ExperimentRecord saved = store.read_experiment();
  EXPECT_EQ(saved.status, ExperimentStatus::kCompleted);
  EXPECT_EQ(saved.ended_by, "time_budget");
  EXPECT_DOUBLE_EQ(saved.search_seconds.value_or(0), 110);
  EXPECT_EQ(store.load_trials().trials.size(), 2u) << "no trial started after the budget";
}

TEST_F(SearchDriverTest, ASearchThatRunsAllItsTrialsEndsByItsTrialCount) {
  ExperimentRecord e = experiment(3);
  e.options.max_population = 3;
  e.options.sample_size = 2;
  e.options.time_budget_seconds = 1e6;
  auto store = ExperimentStore::create(root_, e);
  e = store.read_experiment();
  MobileNetV3Space space;
  RegularizedEvolution strategy(space, EvolutionOptions{3, 2, 0.05, 11, 50});
  NoCull cull;
  FakeTrials fake(store, cull, 3);
  ThreadExecutor ex([&](const TrialProposal& p, const TrialSlot& s) { return fake(p, s); }, {"cpu"},
                    1, 1);
  std::atomic<bool> cancel{false};
  const SearchOutcome out = run_search(store, e, strategy, cull, ex, {}, cancel, {}, fast_poll());
  EXPECT_FALSE(out.out_of_time);
  EXPECT_EQ(store.read_experiment().ended_by, "n_trials");
}

TEST_F(SearchDriverTest, RunsExactlyNTrialsAndCompletes) {
  ExperimentRecord e = experiment(20);
  auto store = ExperimentStore::create(root_, e);
  e = store.read_experiment();
  MobileNetV3Space space;
  EvolutionOptions evo{6, 3, 0.05, 11, 50};
  RegularizedEvolution strategy(space, evo);
  auto cull = make_cull_policy(3, 6, 0.5);
  FakeTrials fake(store, *cull, 3);
  fake.fail_ids = {4, 9};
  ThreadExecutor ex([&](const TrialProposal& p, const TrialSlot& s) { return fake(p, s); }, {"cpu"},
                    3, 3);
  std::atomic<bool> cancel{false};
  int finished_events = 0;
  SearchObserver obs;
  obs.on_trial_finished = [&](const TrialRecord&, const SearchProgress&) { ++finished_events; };
  const SearchOutcome out = run_search(store, e, strategy, *cull, ex, {}, cancel, obs, fast_poll());

  EXPECT_FALSE(out.interrupted);
  EXPECT_EQ(out.progress.finished, 20);
  EXPECT_EQ(out.progress.failed, 2);
  EXPECT_EQ(out.progress.completed + out.progress.culled, 18);
  EXPECT_GT(out.progress.culled, 0);
  EXPECT_EQ(finished_events, 20);
  auto loaded = store.load_trials();
  ASSERT_EQ(loaded.trials.size(), 20u);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(loaded.trials[i].id, i);
  const ExperimentRecord saved = store.read_experiment();
  EXPECT_EQ(saved.status, ExperimentStatus::kCompleted);
  EXPECT_TRUE(saved.finished.has_value());
  ASSERT_TRUE(out.progress.best.has_value());
}

TEST_F(SearchDriverTest, CancelMarksTheExperimentInterruptedAndStartsNothingMore) {
  ExperimentRecord e = experiment(50);
  auto store = ExperimentStore::create(root_, e);
  e = store.read_experiment();
  MobileNetV3Space space;
  RegularizedEvolution strategy(space, EvolutionOptions{6, 3, 0.05, 11, 50});
  NoCull cull;
  std::atomic<bool> cancel{false};
  std::atomic<int> started{0};
  ThreadExecutor ex(
      [&](const TrialProposal& p, const TrialSlot& s) {
        TrialRecord r;
        r.id = p.id;
        r.arch = p.arch;
        r.arch_key = p.arch_key;
        r.device = s.device;
        r.seconds = 0.0;
        if (++started >= 5) cancel = true;
        r.status = cancel ? TrialStatus::kInterrupted : TrialStatus::kCompleted;
        if (r.status == TrialStatus::kCompleted) r.metric = 1.0;
        store.write_trial(r);
        return r;
      },
      {"cpu"}, 2, 2);
  const SearchOutcome out = run_search(store, e, strategy, cull, ex, {}, cancel, {}, fast_poll());
  EXPECT_TRUE(out.interrupted);
  EXPECT_LT(started.load(), 8);
  EXPECT_EQ(store.read_experiment().status, ExperimentStatus::kInterrupted);
}

TEST_F(SearchDriverTest, ResumeKeepsFinishedTrialsAndRerunsInterruptedOnesUnderTheirIds) {
  ExperimentRecord e = experiment(12);
  auto store = ExperimentStore::create(root_, e);
  e = store.read_experiment();
  MobileNetV3Space space;
  // A first session: 6 trials finished, trial 6 and 7 interrupted.
  std::vector<TrialRecord> kept;
  Rng rng(1);
  for (int i = 0; i < 8; ++i) {
    TrialRecord r;
    r.id = i;
    r.arch = space.sample(rng);
    r.arch_key = space.canonical_key(r.arch);
    r.started = now_iso8601();
    r.ended = now_iso8601();
    if (i < 6) {
      r.status = TrialStatus::kCompleted;
      r.metric = i;
      for (int ep = 1; ep <= 3; ++ep)
        r.epochs.push_back(EpochRecord{ep, 0, 0, 0, i * ep / 3.0, 0, {}});
    } else {
      r.status = TrialStatus::kInterrupted;
    }
    kept.push_back(r);
  }
  RegularizedEvolution strategy(space, EvolutionOptions{6, 3, 0.05, 11, 50});
  auto cull = make_cull_policy(3, 6, 0.5);
  FakeTrials fake(store, *cull, 3);
  std::mutex m;
  std::vector<TrialProposal> ran;
  ThreadExecutor ex(
      [&](const TrialProposal& p, const TrialSlot& s) {
        {
          std::lock_guard<std::mutex> lock(m);
          ran.push_back(p);
        }
        return fake(p, s);
      },
      {"cpu"}, 1, 1);
  std::atomic<bool> cancel{false};
  const SearchOutcome out =
      run_search(store, e, strategy, *cull, ex, kept, cancel, {}, fast_poll());
  EXPECT_EQ(out.progress.finished, 12);
  ASSERT_EQ(ran.size(), 6u);
  EXPECT_EQ(ran[0].id, 6);
  EXPECT_EQ(ran[0].arch, kept[6].arch);
  EXPECT_EQ(ran[1].id, 7);
  EXPECT_EQ(ran[1].arch, kept[7].arch);
  std::set<int> ids;
  for (const auto& p : ran) ids.insert(p.id);
  EXPECT_EQ(ids, (std::set<int>{6, 7, 8, 9, 10, 11}));
  EXPECT_EQ(strategy.population().size(), 6u);
}

TEST(RestoreSearchState, TellsFinishedTrialsInCompletionOrder) {
  MobileNetV3Space space;
  Rng rng(2);
  std::vector<TrialRecord> trials;
  const char* ends[] = {"2026-01-01T00:00:03.000Z", "2026-01-01T00:00:01.000Z",
                        "2026-01-01T00:00:02.000Z"};
  for (int i = 0; i < 3; ++i) {
    TrialRecord r;
    r.id = i;
    r.arch = space.sample(rng);
    r.arch_key = space.canonical_key(r.arch);
    r.status = TrialStatus::kCompleted;
    r.metric = 10.0 + i;
    r.ended = ends[i];
    trials.push_back(r);
  }
  RegularizedEvolution strategy(space, EvolutionOptions{2, 1, 0.05, 1, 50});
  NoCull cull;
  auto rerun = restore_search_state(trials, 3, strategy, cull);
  EXPECT_TRUE(rerun.empty());
  // Population 2 keeps the two newest by completion: trial 2 (t=2) then trial 0 (t=3).
  ASSERT_EQ(strategy.population().size(), 2u);
  EXPECT_EQ(strategy.population()[0].id, 2);
  EXPECT_EQ(strategy.population()[1].id, 0);
}

TEST_F(SearchDriverTest, ResumingAFailedSearchClearsItsErrorAndKeepsTimeCurrent) {
  ExperimentRecord e = experiment(4);
  e.status = ExperimentStatus::kFailed;
  e.error = "disk full";
  e.search_seconds = 100.0;
  auto store = ExperimentStore::create(root_, e);
  e = store.read_experiment();
  MobileNetV3Space space;
  RegularizedEvolution strategy(space, EvolutionOptions{6, 3, 0.05, 11, 50});
  NoCull cull;
  FakeTrials fake(store, cull, 3);
  ThreadExecutor ex([&](const TrialProposal& p, const TrialSlot& s) { return fake(p, s); }, {"cpu"},
                    1, 1);
  std::atomic<bool> cancel{false};
  run_search(store, e, strategy, cull, ex, {}, cancel, {}, fast_poll());
  const ExperimentRecord saved = store.read_experiment();
  EXPECT_EQ(saved.status, ExperimentStatus::kCompleted);
  EXPECT_FALSE(saved.error.has_value());
  EXPECT_GE(saved.search_seconds.value_or(0), 100.0);
}

TEST_F(SearchDriverTest, ACancelAfterTheLastTrialIsNotAnInterruption) {
  ExperimentRecord e = experiment(2);
  auto store = ExperimentStore::create(root_, e);
  e = store.read_experiment();
  MobileNetV3Space space;
  RegularizedEvolution strategy(space, EvolutionOptions{6, 3, 0.05, 11, 50});
  NoCull cull;
  FakeTrials fake(store, cull, 3);
  std::atomic<bool> cancel{false};
  ThreadExecutor ex([&](const TrialProposal& p, const TrialSlot& s) { return fake(p, s); }, {"cpu"},
                    1, 1);
  SearchObserver obs;
  obs.on_trial_finished = [&](const TrialRecord&, const SearchProgress& p) {
    if (p.finished == 2) cancel = true;
  };
  const SearchOutcome out = run_search(store, e, strategy, cull, ex, {}, cancel, obs, fast_poll());
  EXPECT_FALSE(out.interrupted);
  EXPECT_EQ(store.read_experiment().status, ExperimentStatus::kCompleted);
}

TEST_F(SearchDriverTest, TheSameFailureInTheFirstPTrialsStopsTheSearch) {
  ExperimentRecord e = experiment(20);  // population 6
  auto store = ExperimentStore::create(root_, e);
  e = store.read_experiment();
  MobileNetV3Space space;
  RegularizedEvolution strategy(space, EvolutionOptions{6, 3, 0.05, 11, 50});
  NoCull cull;
  int n = 0;
  ThreadExecutor ex(
      [&](const TrialProposal& p, const TrialSlot&) -> TrialRecord {
        TrialRecord r = start_record(p, store.id());
        r.status = TrialStatus::kFailed;
        // The same failure, with numbers that differ between trials.
        r.error = "CUDA out of memory. Tried to allocate " + std::to_string(100 + p.id) + " MiB";
        r.ended = now_iso8601();
        r.seconds = 0.001;
        store.write_trial(r);
        ++n;
        return r;
      },
      {"cpu"}, 1, 1);
  std::atomic<bool> cancel{false};
  try {
    run_search(store, e, strategy, cull, ex, {}, cancel, {}, fast_poll());
    FAIL() << "a search whose every trial fails the same way ran to its end";
  } catch (const RuntimeFailure& err) {
    EXPECT_NE(
        std::string(err.what()).find("the first 6 trials all failed with: CUDA out of memory"),
        std::string::npos)
        << err.what();
  }
  EXPECT_EQ(n, 6);
  const auto back = store.read_experiment();
  EXPECT_EQ(back.status, ExperimentStatus::kFailed);
  EXPECT_NE(back.error.value_or("").find("CUDA out of memory"), std::string::npos);
}

TEST_F(SearchDriverTest, DifferentFailuresOrOneSuccessKeepTheSearchGoing) {
  ExperimentRecord e = experiment(12);
  auto store = ExperimentStore::create(root_, e);
  e = store.read_experiment();
  MobileNetV3Space space;
  RegularizedEvolution strategy(space, EvolutionOptions{6, 3, 0.05, 11, 50});
  auto cull = make_cull_policy(3, 6, 0.5);
  FakeTrials fake(store, *cull, 3);
  fake.fail_ids = {0, 1, 2, 3, 4, 6, 7, 8, 9, 10};  // trial 5 succeeds
  ThreadExecutor ex([&](const TrialProposal& p, const TrialSlot& s) { return fake(p, s); }, {"cpu"},
                    1, 1);
  std::atomic<bool> cancel{false};
  const SearchOutcome out = run_search(store, e, strategy, *cull, ex, {}, cancel, {}, fast_poll());
  EXPECT_EQ(out.progress.finished, 12);
  EXPECT_EQ(store.read_experiment().status, ExperimentStatus::kCompleted);
}

TEST_F(SearchDriverTest, ATrialThatThrowsIsStoredAsAFailedTrialOfTheExperiment) {
  ExperimentRecord e = experiment(2);
  e.dataset.shape[0] = 3;
  e.dataset.shape[1] = 32;
  e.dataset.shape[2] = 32;
  e.dataset.classes = 10;
  auto store = ExperimentStore::create(root_, e);
  e = store.read_experiment();
  MobileNetV3Space space;
  RegularizedEvolution strategy(space, EvolutionOptions{6, 3, 0.05, 11, 50});
  NoCull cull;
  ThreadExecutor ex([](const TrialProposal&,
                       const TrialSlot&) -> TrialRecord { throw std::runtime_error("boom"); },
                    {"cpu"}, 1, 1);
  std::atomic<bool> cancel{false};
  const SearchOutcome out = run_search(store, e, strategy, cull, ex, {}, cancel, {}, fast_poll());
  EXPECT_EQ(out.progress.failed, 2);
  const auto loaded = store.load_trials();
  ASSERT_EQ(loaded.trials.size(), 2u);
  EXPECT_EQ(loaded.trials[0].experiment, store.id());
  EXPECT_GT(loaded.trials[0].params, 0);
  EXPECT_EQ(loaded.trials[0].error.value_or(""), "boom");
}

TEST_F(SearchDriverTest, TheObserverHearsEveryRecordATrialWritesThroughTheObservedWriter) {
  ExperimentRecord e = experiment(1);
  auto store = ExperimentStore::create(root_, e);
  std::vector<TrialStatus> heard;
  SearchObserver observer;
  observer.on_trial_written = [&](const TrialRecord& r) { heard.push_back(r.status); };
  const ObservedTrialWriter writer(store, observer);
  EXPECT_EQ(writer.id(), store.id());
  TrialRecord r;
  r.id = 0;
  r.status = TrialStatus::kRunning;
  writer.write_trial(r);
  r.status = TrialStatus::kCompleted;
  writer.write_trial(r);
  EXPECT_EQ(heard, (std::vector<TrialStatus>{TrialStatus::kRunning, TrialStatus::kCompleted}));
  EXPECT_EQ(store.load_trials().trials.at(0).status, TrialStatus::kCompleted);
}

TEST_F(SearchDriverTest, ADeviceFailureEndsTheSearchAndResumeRerunsTheTrialItHit) {
  ExperimentRecord e = experiment(8);
  e.options.concurrent_trials = 1;
  auto store = ExperimentStore::create(root_, e);
  e = store.read_experiment();
  MobileNetV3Space space;
  EvolutionOptions evo{6, 3, 0.05, 11, 50};
  {
    RegularizedEvolution strategy(space, evo);
    auto cull = make_cull_policy(3, 6, 0.5);
    FakeTrials fake(store, *cull, 3);
    ThreadExecutor ex(
        [&](const TrialProposal& p, const TrialSlot& s) {
          if (p.id == 3) {
            // What the trial runner does: record the trial as interrupted, then throw.
            TrialRecord r = start_record(p, store.id());
            r.status = TrialStatus::kInterrupted;
            store.write_trial(r);
            throw DeviceFailure("cuda:0 failed in trial 3: CUDA error: an illegal memory access");
          }
          return fake(p, s);
        },
        {"cpu"}, 1, 1);
    std::atomic<bool> cancel{false};
    EXPECT_THROW(run_search(store, e, strategy, *cull, ex, {}, cancel, {}, fast_poll()),
                 DeviceFailure);
  }
  // The search says so itself: failed, with the error, and resumable.
  const ExperimentRecord failed = store.read_experiment();
  EXPECT_EQ(failed.status, ExperimentStatus::kFailed);
  EXPECT_NE(failed.error.value_or("").find("illegal memory access"), std::string::npos);
  EXPECT_TRUE(failed.finished.has_value());
  EXPECT_TRUE(failed.sessions.back().ended.has_value());
  // Trials 0-2 are finished; trial 3 is to run again, under its id, and nothing else is lost.
  auto loaded = store.load_trials();
  ASSERT_EQ(loaded.trials.size(), 4u);
  {
    RegularizedEvolution probe(space, evo);
    NoCull no_cull;
    const auto rerun = restore_search_state(loaded.trials, 3, probe, no_cull);
    ASSERT_EQ(rerun.size(), 1u);
    EXPECT_EQ(rerun[0].id, 3);
  }
  RegularizedEvolution strategy(space, evo);
  auto cull = make_cull_policy(3, 6, 0.5);
  FakeTrials fake(store, *cull, 3);
  ThreadExecutor ex([&](const TrialProposal& p, const TrialSlot& s) { return fake(p, s); }, {"cpu"},
                    1, 1);
  std::atomic<bool> cancel{false};
  const SearchOutcome out =
      run_search(store, e, strategy, *cull, ex, loaded.trials, cancel, {}, fast_poll());
  EXPECT_FALSE(out.interrupted);
  EXPECT_EQ(out.progress.finished, 8);
  EXPECT_EQ(store.read_experiment().status, ExperimentStatus::kCompleted);
  for (const auto& t : store.load_trials().trials) EXPECT_TRUE(is_finished(t.status)) << t.id;
}

TEST(ResumableTrials, LeavesOutTrialsThatCannotBeTrusted) {
  MobileNetV3Space space;
  Rng rng(3);
  std::vector<TrialRecord> trials(4);
  for (int i = 0; i < 4; ++i) {
    trials[i].id = i;
    trials[i].arch = space.sample(rng);
    trials[i].status = TrialStatus::kCompleted;
    trials[i].metric = 1.0;
    trials[i].accuracy = 50.0;
    trials[i].latency_ms = 0.2;
  }
  trials.push_back(trials[0]);
  trials[4].id = 4;
  trials[4].latency_ms.reset();       // a Pareto search could not rank it
  trials[1].arch.set("width_0", 12);  // not a candidate
  trials[2].metric.reset();
  trials[3].epochs.resize(5);
  std::vector<std::string> problems;
  const auto ok = resumable_trials(trials, space, 3, problems);
  ASSERT_EQ(ok.size(), 1u);
  EXPECT_EQ(ok[0].id, 0);
  ASSERT_EQ(problems.size(), 4u);
  EXPECT_NE(problems[0].find("trial 1"), std::string::npos);
  EXPECT_NE(problems[1].find("no finite final metric"), std::string::npos);
  EXPECT_NE(problems[3].find("no final accuracy and latency"), std::string::npos);
}

TEST_F(SearchDriverTest, AnExperimentCanBeLockedByOneHolderOnly) {
  auto store = ExperimentStore::create(root_, experiment(1));
  {
    const ExperimentLock held = store.lock();
    EXPECT_THROW(store.lock(), UsageError);
  }
  EXPECT_NO_THROW(store.lock());
}

}  // namespace
}  // namespace nas

namespace nas {
namespace {

using testing::fast_poll;

/// The latency a fake trial "measures" before training: a property of the architecture.
double fake_latency(const Architecture& a) { return testing::arch_score(a); }

/// The median fake latency over many random architectures: a limit about half of them break.
double median_fake_latency() {
  MobileNetV3Space space;
  std::vector<double> v;
  for (int i = 0; i < 201; ++i) {
    Rng rng = rng_for(99, static_cast<std::uint64_t>(i));
    v.push_back(fake_latency(space.sample(rng)));
  }
  std::nth_element(v.begin(), v.begin() + 100, v.end());
  return v[100];
}

class LimitsTest : public SearchDriverTest {
 protected:
  /// A fake trial that measures its latency first and is rejected over `limit`, as run_trial.
  TrialFunction latency_checked(const ExperimentStore& store, FakeTrials& fake, double limit) {
    return [&store, &fake, limit, this](const TrialProposal& p, const TrialSlot& s) {
      {
        std::lock_guard<std::mutex> lock(mutex_);
        started_.insert(p.id);
      }
      const double latency = fake_latency(p.arch);
      TrialLimits limits;
      limits.max_latency_ms = limit;
      if (latency_rejected(limits, latency)) {
        TrialRecord r = start_record(p, store.id());
        r.latency_before_ms = latency;
        mark_rejected(r, "max_latency");
        store.write_trial(r);
        return r;
      }
      {
        std::lock_guard<std::mutex> lock(mutex_);
        trained_.insert(p.id);
      }
      TrialRecord r = fake(p, s);
      r.latency_before_ms = latency;
      store.write_trial(r);
      return r;
    };
  }

  std::mutex mutex_;
  std::set<int> started_, trained_;
};

TEST_F(LimitsTest, ALatencyLimitRejectsWithoutTrainingAndRejectedTrialsDoNotCount) {
  ExperimentRecord e = testing::small_search_experiment(16);
  const double limit = median_fake_latency();
  e.options.max_latency_ms = limit;
  auto store = ExperimentStore::create(root_, e);
  e = store.read_experiment();
  MobileNetV3Space space;
  RegularizedEvolution strategy(space, EvolutionOptions{6, 3, 0.05, 11, 50});
  auto cull = make_cull_policy(3, 6, 0.5);
  FakeTrials fake(store, *cull, 3);
  ThreadExecutor ex(latency_checked(store, fake, limit), {"cpu"}, 2, 2);
  std::atomic<bool> cancel{false};
  const SearchOutcome out = run_search(store, e, strategy, *cull, ex, {}, cancel, {}, fast_poll());

  EXPECT_EQ(out.progress.finished, 16);
  EXPECT_GT(out.progress.rejected, 0);
  const auto trials = store.load_trials().trials;
  EXPECT_EQ(static_cast<int>(trials.size()), 16 + out.progress.rejected);
  std::set<int> rejected;
  std::set<std::string> keys;
  for (const auto& t : trials) {
    ASSERT_TRUE(t.latency_before_ms.has_value()) << t.id;
    EXPECT_TRUE(keys.insert(t.arch_key).second) << "proposed twice: trial " << t.id;
    if (t.status == TrialStatus::kRejected) {
      rejected.insert(t.id);
      EXPECT_GT(*t.latency_before_ms, limit);
      EXPECT_EQ(t.rejected_by, "max_latency");
      EXPECT_FALSE(t.metric.has_value());
      EXPECT_EQ(trained_.count(t.id), 0u) << "rejected trial " << t.id << " was trained";
    } else {
      // The hard limit holds for every trial that trained.
      EXPECT_LE(*t.latency_before_ms, limit) << t.id;
    }
  }
  EXPECT_EQ(static_cast<int>(rejected.size()), out.progress.rejected);
  for (const auto& m : strategy.population()) EXPECT_EQ(rejected.count(m.id), 0u) << m.id;
  EXPECT_EQ(store.read_experiment().status, ExperimentStatus::kCompleted);
}

TEST_F(LimitsTest, ASizeLimitRejectsBeforeAnyTrialRuns) {
  ExperimentRecord e = testing::small_search_experiment(10);
  e.dataset.shape[0] = 1;
  e.dataset.shape[1] = 28;
  e.dataset.shape[2] = 28;
  e.dataset.classes = 10;
  // The median size of the space's networks: about half are over it.
  MobileNetV3Space space;
  std::vector<std::int64_t> sizes;
  for (int i = 0; i < 101; ++i) {
    Rng rng = rng_for(7, static_cast<std::uint64_t>(i));
    sizes.push_back(count_params(plan_network(space.sample(rng), {1, 28, 28}, 10)));
  }
  std::nth_element(sizes.begin(), sizes.begin() + 50, sizes.end());
  e.options.max_params = sizes[50];
  auto store = ExperimentStore::create(root_, e);
  e = store.read_experiment();
  RegularizedEvolution strategy(space, EvolutionOptions{6, 3, 0.05, 11, 50});
  auto cull = make_cull_policy(3, 6, 0.5);
  FakeTrials fake(store, *cull, 3);
  ThreadExecutor ex(latency_checked(store, fake, 1e9), {"cpu"}, 2, 2);
  std::atomic<bool> cancel{false};
  int rejected_events = 0;
  SearchObserver obs;
  obs.on_trial_finished = [&](const TrialRecord& r, const SearchProgress&) {
    rejected_events += r.status == TrialStatus::kRejected;
  };
  const SearchOutcome out = run_search(store, e, strategy, *cull, ex, {}, cancel, obs, fast_poll());
  EXPECT_EQ(out.progress.finished, 10);
  EXPECT_GT(out.progress.rejected, 0);
  EXPECT_EQ(rejected_events, out.progress.rejected);
  for (const auto& t : store.load_trials().trials) {
    if (t.status != TrialStatus::kRejected) {
      EXPECT_LE(t.params, *e.options.max_params);
      continue;
    }
    EXPECT_GT(t.params, *e.options.max_params);
    EXPECT_EQ(t.rejected_by, "max_params");
    EXPECT_EQ(started_.count(t.id), 0u) << "trial " << t.id << " reached a slot";
  }
}

TEST_F(LimitsTest, LimitsNoNetworkMeetsEndTheSearchAsFailedNamingTheClosest) {
  ExperimentRecord e = testing::small_search_experiment(10);
  e.options.max_latency_ms = 1e-6;
  auto store = ExperimentStore::create(root_, e);
  e = store.read_experiment();
  MobileNetV3Space space;
  RegularizedEvolution strategy(space, EvolutionOptions{6, 3, 0.05, 11, 50});
  auto cull = make_cull_policy(3, 6, 0.5);
  FakeTrials fake(store, *cull, 3);
  ThreadExecutor ex(latency_checked(store, fake, 1e-6), {"cpu"}, 2, 2);
  std::atomic<bool> cancel{false};
  SearchControl control = fast_poll();
  control.rejection_limit = 25;
  try {
    run_search(store, e, strategy, *cull, ex, {}, cancel, {}, control);
    FAIL() << "a search whose limit no network meets ran to its end";
  } catch (const UsageError& err) {
    const std::string m = err.what();
    // 25, or one more: the trial still running when the 25th came back is counted too.
    EXPECT_NE(m.find("the last 2"), std::string::npos) << m;
    EXPECT_NE(m.find(" proposals all broke the limits"), std::string::npos) << m;
    EXPECT_NE(m.find("--max-latency 1e-06 ms"), std::string::npos) << m;
    EXPECT_NE(m.find("the fastest of them took"), std::string::npos) << m;
  }
  EXPECT_TRUE(trained_.empty());
  const auto back = store.read_experiment();
  EXPECT_EQ(back.status, ExperimentStatus::kFailed);
  EXPECT_NE(back.error.value_or("").find("--max-latency"), std::string::npos);
}

TEST_F(LimitsTest, ResumeKeepsRejectedTrialsCountsThemAndNeverProposesThemAgain) {
  ExperimentRecord e = testing::small_search_experiment(6);
  const double limit = median_fake_latency();
  e.options.max_latency_ms = limit;
  auto store = ExperimentStore::create(root_, e);
  e = store.read_experiment();
  MobileNetV3Space space;
  std::vector<TrialRecord> kept;
  std::set<std::string> rejected_keys;
  for (int i = 0; kept.size() < 4; ++i) {
    Rng rng = rng_for(3, static_cast<std::uint64_t>(i));
    TrialRecord r;
    r.id = static_cast<int>(kept.size());
    r.arch = space.sample(rng);
    if (fake_latency(r.arch) <= limit) continue;
    r.arch_key = space.canonical_key(r.arch);
    r.started = now_iso8601();
    r.latency_before_ms = fake_latency(r.arch);
    mark_rejected(r, "max_latency");
    rejected_keys.insert(r.arch_key);
    kept.push_back(r);
  }
  RegularizedEvolution strategy(space, EvolutionOptions{3, 2, 0.05, 11, 50});
  auto cull = make_cull_policy(3, 3, 0.5);
  FakeTrials fake(store, *cull, 3);
  ThreadExecutor ex(latency_checked(store, fake, limit), {"cpu"}, 1, 1);
  std::atomic<bool> cancel{false};
  const SearchOutcome out =
      run_search(store, e, strategy, *cull, ex, kept, cancel, {}, fast_poll());
  EXPECT_EQ(out.progress.finished, 6);
  EXPECT_GE(out.progress.rejected, 4);
  for (int id : started_) EXPECT_GE(id, 4) << "a rejected trial ran again";
  for (const auto& t : store.load_trials().trials) {
    if (t.id >= 4) EXPECT_EQ(rejected_keys.count(t.arch_key), 0u) << "proposed again: " << t.id;
  }
}

}  // namespace
}  // namespace nas
