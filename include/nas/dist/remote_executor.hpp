#pragma once
// The driver's side of a search spread over MPI ranks: a TrialExecutor whose slots are the
// worker ranks' slots. It sends each trial to a worker with a free slot and, while it waits,
// answers the workers' per-epoch cull questions from the one CullPolicy and writes the records
// they send through the store, so the strategy, the policy and the store work exactly as in one
// process. Used from the driver's one thread (the search loop), like the channel.
#include <atomic>
#include <chrono>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "nas/core/experiment/trial_writer.hpp"
#include "nas/core/search/cull_policy.hpp"
#include "nas/core/search/executor.hpp"
#include "nas/dist/dist_protocol.hpp"
#include "nas/dist/message_channel.hpp"

namespace nas {

/// Sends Setup to every worker and waits for each one's Ready (they load their data meanwhile).
/// Throws Interrupted (after telling the workers to exit 130) when `cancel` rises first, and
/// RuntimeFailure when a worker reports a device failure or sends something unexpected.
std::vector<ReadyMessage> gather_workers(MessageChannel& channel, const SetupMessage& setup,
                                         const std::atomic<bool>& cancel);

/// Throws InputError naming the first worker whose data differ from the first worker's, and
/// how ("rank 3 (node-b) holds other data than rank 1 (node-a): training images: 2000 vs 60000").
void check_same_data(const std::vector<ReadyMessage>& workers);

/// Tells every worker which experiment its trials belong to; they start taking trials.
void send_go(MessageChannel& channel, const std::string& experiment_id);
/// Tells every worker to exit with `exit_code` (best effort: never throws).
void shutdown_workers(MessageChannel& channel, int exit_code) noexcept;

class RemoteExecutor : public TrialExecutor {
 public:
  /// `stop` (may be null) is polled: when it rises, every worker is told to interrupt its
  /// running trials, and those trials are recorded as interrupted at once (from their latest
  /// records) and returned without waiting for the workers: Open MPI's mpirun kills every rank
  /// about a second after it passes on a ^C, so the driver must not depend on the workers then.
  RemoteExecutor(MessageChannel& channel, const std::vector<WorkerInfo>& workers,
                 const TrialWriter& store, CullPolicy& cull,
                 const std::atomic<bool>* stop = nullptr);

  int capacity() const override { return capacity_; }
  /// Trials out on workers, plus those a stop recorded as interrupted that wait_any has not
  /// returned yet.
  int running() const override { return running_ + static_cast<int>(abandoned_.size()); }
  /// Sends the trial to the worker with the most free slots (the lowest rank among equals).
  void start(const TrialProposal& proposal) override;
  std::optional<FinishedTrial> wait_any(std::chrono::milliseconds timeout) override;

  struct Stats {
    long decisions = 0;                      // cull decisions answered
    double decision_round_trip_seconds = 0;  // summed over them, as the workers saw them
    long messages = 0;                       // received
    long trials = 0;                         // finished trials received
  };
  const Stats& stats() const { return stats_; }

 private:
  /// Handles one message; returns the record of a finished trial.
  std::optional<FinishedTrial> handle(const Message& m);
  std::string describe(int rank) const;

  MessageChannel& channel_;
  const TrialWriter& store_;
  CullPolicy& cull_;
  const std::atomic<bool>* stop_;
  bool stop_sent_ = false;
  std::map<int, WorkerInfo> workers_;  // by rank
  std::map<int, int> busy_;            // rank -> trials running there
  std::map<int, int> trial_rank_;      // trial id -> rank
  std::map<int, TrialRecord> latest_;  // trial id -> its latest record, while it runs
  std::deque<TrialRecord> abandoned_;  // interrupted by the stop flag, not yet returned
  int capacity_ = 0;
  int running_ = 0;
  Stats stats_;
};

}  // namespace nas
