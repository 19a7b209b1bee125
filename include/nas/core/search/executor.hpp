#pragma once
// The executor owns threads and devices: it runs trials the driver hands it and reports them back
// as they finish. The interface is narrow (how many can run, start one, wait for any) so that a
// multi-node executor can replace the thread pool without touching the strategy, the cull
// policy or the store.
#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "nas/core/experiment/records.hpp"
#include "nas/core/search/device_gate.hpp"
#include "nas/core/search/strategy.hpp"

namespace nas {

/// Where a trial runs: a device, a CPU thread budget, and the device's gate (held exclusively
/// while a trial times latency, so no other trial disturbs the measurement).
struct TrialSlot {
  int index = 0;
  std::string device = "cpu";
  std::string host;  // this machine's name, recorded with each trial
  int threads = 1;
  DeviceGate* gate = nullptr;
};

/// Runs one trial to its end and returns its final record. May throw: the executor turns an
/// escaped exception into a failed record, except DeviceFailure, which ends the search.
using TrialFunction = std::function<TrialRecord(const TrialProposal&, const TrialSlot&)>;

/// A trial handed back by an executor.
struct FinishedTrial {
  TrialRecord record;
  /// The trial's run threw: `record` is the executor's failed_trial (the proposal, its device and
  /// the error), never written to the store. The driver completes it (complete_escaped_trial).
  bool escaped = false;
};

class TrialExecutor {
 public:
  virtual ~TrialExecutor() = default;
  /// How many trials can run at once.
  virtual int capacity() const = 0;
  virtual int running() const = 0;
  /// Starts a trial; only when running() < capacity().
  virtual void start(const TrialProposal& proposal) = 0;
  /// The next finished trial, or nullopt when none finished within `timeout`. Throws
  /// DeviceFailure when a device failed under a trial: the search cannot go on there.
  virtual std::optional<FinishedTrial> wait_any(std::chrono::milliseconds timeout) = 0;
};

/// Trials on threads of this process, spread over devices round-robin by slot. On CPU the thread
/// budget is split between slots so cores are not oversubscribed.
class ThreadExecutor : public TrialExecutor {
 public:
  /// `devices` non-empty; `total_threads` is the CPU thread budget (0 = hardware concurrency).
  ThreadExecutor(TrialFunction run, std::vector<std::string> devices, int concurrency,
                 int total_threads);
  /// Joins every thread (trials should have been told to stop through their cancel flag).
  ~ThreadExecutor() override;

  int capacity() const override { return static_cast<int>(slots_.size()); }
  int running() const override;
  void start(const TrialProposal& proposal) override;
  std::optional<FinishedTrial> wait_any(std::chrono::milliseconds timeout) override;
  const std::vector<TrialSlot>& slots() const { return slots_; }

 private:
  TrialFunction run_;
  std::vector<TrialSlot> slots_;
  std::vector<std::unique_ptr<DeviceGate>> gates_;  // one per distinct device
  std::vector<bool> busy_;
  std::vector<std::thread> threads_;  // by slot
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::pair<int, FinishedTrial>> done_;  // by slot
  std::exception_ptr device_failure_;               // the first DeviceFailure a trial threw
};

/// The CPU threads of each of `concurrency` slots on `device`, out of `total_threads` (0: this
/// machine's hardware threads): an even share on CPU; on a GPU a thread or two for host work.
int slot_threads(const std::string& device, int total_threads, int concurrency);

/// This machine's host name ("localhost" if it has none).
std::string host_name();

/// A failed record for a trial whose run threw.
TrialRecord failed_trial(const TrialProposal& proposal, const std::string& device,
                         const std::string& error);

}  // namespace nas
