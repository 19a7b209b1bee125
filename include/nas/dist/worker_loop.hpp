#pragma once
// The worker's side of a search spread over MPI ranks. A worker runs trials on its own
// ThreadExecutor exactly as one process does; the trial runner's two links to the driver are
// stand-ins: RemoteCullPolicy ("report this epoch, give me the decision") and RemoteTrialWriter
// ("persist this record"). Trial threads never touch the channel: they hand messages to a
// WorkerLink, and the worker's main thread (run_worker_loop) moves them.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "nas/core/experiment/trial_writer.hpp"
#include "nas/core/search/cull_policy.hpp"
#include "nas/core/search/executor.hpp"
#include "nas/dist/message_channel.hpp"

namespace nas {

/// Between trial threads and the worker's main thread. Thread-safe.
class WorkerLink {
 public:
  /// Queues a message for the driver.
  void post(int tag, std::string body);
  /// Sends the epoch's metric and blocks until the driver's decision arrives; once the link is
  /// closed (shutdown) it answers "continue" at once, so no trial thread waits forever.
  CullDecision ask(int epoch, const EpochScore& score);
  /// The decision for `request`, from the main thread.
  void deliver(std::uint64_t request, const CullDecision& decision);
  void close();
  /// Everything queued so far, oldest first.
  std::vector<std::pair<int, std::string>> take_outbox();
  /// Waits up to `timeout` for something to be queued (returns at once if something is).
  void wait_for_post(std::chrono::microseconds timeout);
  /// Files the decisions the calling (trial) thread waited for, and their round-trip time, under
  /// `trial_id`, and resets the thread's count.
  void file_thread_stats(int trial_id);
  /// What file_thread_stats filed for the trial (0, 0 if nothing), removing it.
  std::pair<int, double> take_trial_stats(int trial_id);
  /// Decision requests waiting for an answer.
  int pending() const;

 private:
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::pair<int, std::string>> outbox_;
  std::map<std::uint64_t, std::optional<CullDecision>> waiting_;
  std::map<int, std::pair<int, double>> trial_stats_;
  std::uint64_t next_request_ = 1;
  bool closed_ = false;
};

class RemoteCullPolicy : public CullPolicy {
 public:
  explicit RemoteCullPolicy(WorkerLink& link) : link_(link) {}
  using CullPolicy::report;
  using CullPolicy::restore;
  CullDecision report(int epoch, const EpochScore& score) override {
    return link_.ask(epoch, score);
  }
  /// Histories live on the driver: restoring one here is a programming error.
  void restore(const std::vector<EpochScore>& epochs, bool culled) override;

 private:
  WorkerLink& link_;
};

class RemoteTrialWriter : public TrialWriter {
 public:
  RemoteTrialWriter(WorkerLink& link, std::string experiment_id)
      : link_(link), id_(std::move(experiment_id)) {}
  const std::string& id() const override { return id_; }
  void write_trial(const TrialRecord& record) const override;

 private:
  WorkerLink& link_;
  std::string id_;
};

/// `run` with the decision statistics of each trial filed in `link`, for the Done message.
TrialFunction with_decision_stats(WorkerLink& link, TrialFunction run);

/// Runs the trials the driver sends on `executor` until the driver says Shutdown, and returns the
/// exit code it sent. `stop_trials` is the flag the trials poll: raised on the driver's Stop, on
/// `interrupted` (this process's ^C), and at shutdown. A DeviceFailure of a local trial is
/// reported to the driver, which ends the search.
int run_worker_loop(MessageChannel& channel, WorkerLink& link, TrialExecutor& executor,
                    std::atomic<bool>& stop_trials, const std::atomic<bool>& interrupted);

}  // namespace nas
