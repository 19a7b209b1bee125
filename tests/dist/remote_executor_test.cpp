// The distributed search without MPI: the driver's RemoteExecutor and workers running the real
// worker loop on threads, connected by LocalChannels, with fake trials (no torch).
#include "nas/dist/remote_executor.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <thread>

#include "fake_trial.hpp"
#include "nas/core/common/error.hpp"
#include "nas/core/experiment/experiment_store.hpp"
#include "nas/core/search/regularized_evolution.hpp"
#include "nas/core/search/search_driver.hpp"
#include "nas/dist/worker_loop.hpp"

namespace fs = std::filesystem;

namespace nas {
namespace {

using namespace std::chrono_literals;
using testing::fast_poll;

/// A trial as a worker runs it (fake_trial.hpp), with the test's epoch time.
TrialRecord fake_trial(const TrialProposal& p, const TrialSlot& slot, CullPolicy& cull,
                       const TrialWriter& writer, int epochs, const std::atomic<bool>& stop,
                       std::chrono::milliseconds epoch_time) {
  return testing::curve_trial(p, slot, cull, writer, epochs, epoch_time, stop);
}

struct WorkerSetup {
  int slots = 2;
  std::string train_hash = "aaaa";
  int fail_trial = -1;  // a trial whose device fails
  std::chrono::milliseconds epoch_time{2};
};

/// One worker rank on a thread: the handshake, then the real worker loop.
void run_fake_worker(MessageChannel& channel, WorkerSetup w, int* exit_code) {
  auto setup = channel.receive(10s);
  ASSERT_TRUE(setup);
  if (setup->tag == kTagShutdown) return;
  ASSERT_EQ(setup->tag, kTagSetup);
  const SetupMessage s = decode_setup(setup->body);
  ReadyMessage ready;
  ready.worker.host = "node" + std::to_string(channel.rank());
  ready.worker.devices = {"cpu"};
  ready.worker.slots = w.slots;
  ready.data.dataset = s.options.dataset;
  ready.data.train_images = w.train_hash;
  ready.dataset.name = s.options.dataset;
  channel.send(0, kTagReady, encode(ready));
  auto go = channel.receive(10s);
  ASSERT_TRUE(go);
  if (go->tag == kTagShutdown) {
    *exit_code = decode_field(go->body, "exit_code").get<int>();
    return;
  }
  ASSERT_EQ(go->tag, kTagGo);
  WorkerLink link;
  RemoteCullPolicy cull(link);
  RemoteTrialWriter writer(link, decode_field(go->body, "experiment").get<std::string>());
  std::atomic<bool> stop{false}, interrupted{false};
  const int epochs = s.options.epochs;
  ThreadExecutor executor(
      with_decision_stats(link,
                          [&, host = ready.worker.host](const TrialProposal& p, TrialSlot slot) {
                            if (p.id == w.fail_trial)
                              throw DeviceFailure("cpu failed in trial " + std::to_string(p.id));
                            slot.host = host;
                            return fake_trial(p, slot, cull, writer, epochs, stop, w.epoch_time);
                          }),
      {"cpu"}, w.slots, w.slots);
  *exit_code = run_worker_loop(channel, link, executor, stop, interrupted);
}

class DistributedSearch : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = (fs::temp_directory_path() / ("nas_dist_" + std::to_string(std::random_device{}())))
                .string();
    fs::create_directories(root_);
  }
  void TearDown() override {
    for (auto& t : workers_)
      if (t.joinable()) t.join();
    fs::remove_all(root_);
  }

  void start_workers(LocalChannels& ch, std::vector<WorkerSetup> setups) {
    codes_.assign(setups.size() + 1, -1);
    for (std::size_t i = 0; i < setups.size(); ++i) {
      const int rank = static_cast<int>(i) + 1;
      workers_.emplace_back(run_fake_worker, std::ref(ch.endpoint(rank)), setups[i],
                            &codes_[static_cast<std::size_t>(rank)]);
    }
  }

  static ExperimentRecord experiment(int n_trials) {
    return testing::small_search_experiment(n_trials);
  }

  /// The driver's side: handshake, store, search, shutdown.
  SearchOutcome drive(MessageChannel& ch, ExperimentRecord& e, std::atomic<bool>& cancel,
                      const SearchObserver& observer = {}) {
    SetupMessage setup;
    setup.options = e.options;
    setup.seed = e.seed;
    const auto ready = gather_workers(ch, setup, cancel);
    check_same_data(ready);
    for (const auto& r : ready) e.workers.push_back(r.worker);
    e.created = now_iso8601();
    store_.emplace(ExperimentStore::create(root_, e));
    e = store_->read_experiment();
    send_go(ch, e.id);
    MobileNetV3Space space;
    RegularizedEvolution strategy(space, EvolutionOptions{6, 3, 0.05, e.seed, 50});
    cull_ = make_cull_policy(3, 6, 0.5);
    executor_.emplace(ch, e.workers, *store_, *cull_, &cancel);
    try {
      const SearchOutcome out =
          run_search(*store_, e, strategy, *cull_, *executor_, {}, cancel, observer, fast_poll());
      shutdown_workers(ch, out.interrupted ? kExitInterrupted : kExitOk);
      return out;
    } catch (...) {
      shutdown_workers(ch, kExitFailure);
      throw;
    }
  }

  std::string root_;
  std::vector<std::thread> workers_;
  std::vector<int> codes_;
  std::optional<ExperimentStore> store_;
  std::unique_ptr<CullPolicy> cull_;
  std::optional<RemoteExecutor> executor_;
};

TEST_F(DistributedSearch, RunsEveryTrialAcrossWorkersWithCullingFromTheDriver) {
  LocalChannels ch(4);
  start_workers(ch, {{2}, {2}, {1}});
  ExperimentRecord e = experiment(30);
  std::atomic<bool> cancel{false};
  const SearchOutcome out = drive(ch.endpoint(0), e, cancel);
  for (auto& t : workers_) t.join();
  EXPECT_FALSE(out.interrupted);
  EXPECT_EQ(out.progress.finished, 30);
  EXPECT_EQ(executor_->capacity(), 5);
  EXPECT_EQ(store_->read_experiment().status, ExperimentStatus::kCompleted);
  const auto trials = store_->load_trials().trials;
  ASSERT_EQ(trials.size(), 30u);
  std::set<int> ids;
  std::set<std::string> hosts;
  int culled = 0;
  for (const auto& t : trials) {
    ids.insert(t.id);
    ASSERT_TRUE(t.host);
    hosts.insert(*t.host);
    EXPECT_TRUE(is_finished(t.status)) << t.id;
    culled += t.status == TrialStatus::kCulled;
  }
  EXPECT_EQ(ids.size(), 30u);
  EXPECT_EQ(hosts, (std::set<std::string>{"node1", "node2", "node3"}));
  EXPECT_GT(culled, 0);
  EXPECT_GT(executor_->stats().decisions, 0);
  EXPECT_EQ(executor_->stats().trials, 30);
  for (int r = 1; r <= 3; ++r) EXPECT_EQ(codes_[static_cast<std::size_t>(r)], kExitOk);
}

TEST_F(DistributedSearch, OneWorkerWithOneSlotMatchesOneProcess) {
  // Distributed: one worker, one slot.
  LocalChannels ch(2);
  start_workers(ch, {{1}});
  ExperimentRecord e = experiment(14);
  std::atomic<bool> cancel{false};
  drive(ch.endpoint(0), e, cancel);
  for (auto& t : workers_) t.join();
  const auto remote = store_->load_trials().trials;

  // One process: the same trials on a ThreadExecutor with one slot.
  ExperimentRecord local_e = experiment(14);
  local_e.created = now_iso8601();
  const ExperimentStore local = ExperimentStore::create(root_, local_e);
  local_e = local.read_experiment();
  MobileNetV3Space space;
  RegularizedEvolution strategy(space, EvolutionOptions{6, 3, 0.05, local_e.seed, 50});
  auto cull = make_cull_policy(3, 6, 0.5);
  std::atomic<bool> stop{false};
  ThreadExecutor ex(
      [&](const TrialProposal& p, const TrialSlot& s) {
        return fake_trial(p, s, *cull, local, 3, stop, 0ms);
      },
      {"cpu"}, 1, 1);
  run_search(local, local_e, strategy, *cull, ex, {}, cancel, {}, fast_poll());
  const auto here = local.load_trials().trials;

  ASSERT_EQ(remote.size(), here.size());
  for (std::size_t i = 0; i < here.size(); ++i) {
    EXPECT_EQ(remote[i].arch_key, here[i].arch_key) << i;
    EXPECT_EQ(remote[i].status, here[i].status) << i;
    EXPECT_EQ(remote[i].metric, here[i].metric) << i;
    EXPECT_EQ(remote[i].parent, here[i].parent) << i;
    ASSERT_EQ(remote[i].epochs.size(), here[i].epochs.size()) << i;
    for (std::size_t k = 0; k < here[i].epochs.size(); ++k)
      EXPECT_EQ(remote[i].epochs[k].threshold, here[i].epochs[k].threshold) << i << "/" << k;
  }
}

TEST_F(DistributedSearch, WorkersWithOtherDataAreRefusedByRankAndDifference) {
  LocalChannels ch(3);
  start_workers(ch, {{1, "aaaa"}, {1, "bbbb"}});
  ExperimentRecord e = experiment(4);
  std::atomic<bool> cancel{false};
  SetupMessage setup;
  setup.options = e.options;
  const auto ready = gather_workers(ch.endpoint(0), setup, cancel);
  try {
    check_same_data(ready);
    FAIL() << "no InputError";
  } catch (const InputError& err) {
    const std::string m = err.what();
    EXPECT_NE(m.find("rank 2 (node2)"), std::string::npos) << m;
    EXPECT_NE(m.find("rank 1 (node1)"), std::string::npos) << m;
    EXPECT_NE(m.find("'bbbb' vs 'aaaa'"), std::string::npos) << m;
  }
  shutdown_workers(ch.endpoint(0), kExitUsage);
  for (auto& t : workers_) t.join();
  EXPECT_EQ(codes_[1], kExitUsage);
}

TEST_F(DistributedSearch, AStopRecordsRunningTrialsInterruptedAtOnce) {
  LocalChannels ch(3);
  WorkerSetup slow{2, "aaaa", -1, 300ms};
  start_workers(ch, {slow, slow});
  ExperimentRecord e = experiment(40);
  std::atomic<bool> cancel{false};
  SearchObserver observer;
  observer.on_tick = [&](const SearchProgress& p) {
    if (p.running == 4) cancel = true;  // all four slots busy: ^C
  };
  const auto t0 = std::chrono::steady_clock::now();
  const SearchOutcome out = drive(ch.endpoint(0), e, cancel, observer);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  for (auto& t : workers_) t.join();
  EXPECT_TRUE(out.interrupted);
  EXPECT_EQ(out.progress.interrupted, 4);
  EXPECT_LT(seconds, 0.9);  // not a whole 3 x 300 ms trial
  EXPECT_EQ(store_->read_experiment().status, ExperimentStatus::kInterrupted);
  for (const auto& t : store_->load_trials().trials)
    EXPECT_EQ(t.status, TrialStatus::kInterrupted) << t.id;
  for (int r = 1; r <= 2; ++r) EXPECT_EQ(codes_[static_cast<std::size_t>(r)], kExitInterrupted);
}

TEST_F(DistributedSearch, AWorkersDeviceFailureEndsTheSearch) {
  LocalChannels ch(3);
  // Trial 5 fails its device on whichever worker it lands.
  start_workers(ch, {{1, "aaaa", 5}, {1, "aaaa", 5}});
  ExperimentRecord e = experiment(20);
  std::atomic<bool> cancel{false};
  try {
    drive(ch.endpoint(0), e, cancel);
    FAIL() << "no DeviceFailure";
  } catch (const DeviceFailure& err) {
    const std::string m = err.what();
    EXPECT_NE(m.find(" (node"), std::string::npos) << m;  // names the rank and its host
    EXPECT_NE(m.find("trial 5"), std::string::npos) << m;
  }
  for (auto& t : workers_) t.join();
  EXPECT_EQ(codes_[1], kExitFailure);
  EXPECT_EQ(codes_[2], kExitFailure);
}

TEST_F(DistributedSearch, GatherReportsAWorkerThatCannotStart) {
  LocalChannels ch(2);
  std::thread worker([&] {
    auto setup = ch.endpoint(1).receive(10s);
    ASSERT_TRUE(setup);
    ch.endpoint(1).send(0, kTagWorkerFailed,
                        R"({"error": "/data: data directory not found", "exit_code": 2})");
    auto bye = ch.endpoint(1).receive(10s);
    ASSERT_TRUE(bye);
    EXPECT_EQ(bye->tag, kTagShutdown);
  });
  std::atomic<bool> cancel{false};
  try {
    gather_workers(ch.endpoint(0), SetupMessage{}, cancel);
    FAIL() << "no InputError";
  } catch (const InputError& err) {
    EXPECT_NE(std::string(err.what()).find("rank 1 could not start: /data"), std::string::npos);
  }
  worker.join();
}

TEST_F(DistributedSearch, GatherStopsOnTheCancelFlag) {
  LocalChannels ch(2);  // a worker that never answers
  std::atomic<bool> cancel{true};
  EXPECT_THROW(gather_workers(ch.endpoint(0), SetupMessage{}, cancel), Interrupted);
  // It told the worker to go.
  auto m = ch.endpoint(1).receive(0ms);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->tag, kTagSetup);
  m = ch.endpoint(1).receive(0ms);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->tag, kTagShutdown);
}

}  // namespace
}  // namespace nas
