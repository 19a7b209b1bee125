#pragma once
// The search loop: asks the strategy for trials, hands them to the executor, tells the strategy
// how they ended, and keeps experiment.json up to date. It owns no threads (the executor does)
// and touches files only through the store. It ends when n_trials trials have finished
// (completed, culled or failed) and none is running, or when the cancel flag is raised.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "nas/core/experiment/experiment_store.hpp"
#include "nas/core/experiment/trial_writer.hpp"
#include "nas/core/search/cull_policy.hpp"
#include "nas/core/search/executor.hpp"
#include "nas/core/search/strategy.hpp"

namespace nas {

struct SearchProgress {
  int finished = 0;  // completed + culled + failed
  int completed = 0;
  int culled = 0;
  int failed = 0;
  int interrupted = 0;
  int rejected = 0;  // over a limit, never trained; not among the finished
  int running = 0;
  int n_trials = 0;
  std::optional<TrialRecord> best;  // highest final metric among completed and culled
  double elapsed_seconds = 0;       // this session
};

/// Everything a search tells whoever watches it (the command line's progress block and log
/// lines), through this one set of hooks, as ninja's Status; every member may be empty. Trial
/// threads call on_trial_written and on_batch (concurrently), the driver's thread the others.
struct SearchObserver {
  std::function<void(const TrialProposal&)> on_trial_started;
  /// A trial wrote its record (after every epoch and at its end), through ObservedTrialWriter.
  std::function<void(const TrialRecord&)> on_trial_written;
  /// A trial trained a batch, as TrainHooks::on_batch counts them.
  std::function<void(int trial, int epoch, std::int64_t batch, std::int64_t batches)> on_batch;
  std::function<void(const TrialRecord&, const SearchProgress&)> on_trial_finished;
  std::function<void(const SearchProgress&)> on_tick;  // about every poll interval
};

/// Writes through `inner`, then tells the observer: how trials' epochs reach the display without
/// the trial knowing of it.
class ObservedTrialWriter : public TrialWriter {
 public:
  ObservedTrialWriter(const TrialWriter& inner, const SearchObserver& observer)
      : inner_(inner), observer_(observer) {}
  const std::string& id() const override { return inner_.id(); }
  void write_trial(const TrialRecord& record) const override;

 private:
  const TrialWriter& inner_;
  const SearchObserver& observer_;
};

struct SearchOutcome {
  SearchProgress progress;
  bool interrupted = false;
  bool out_of_time = false;  // the time budget ended it (experiment.ended_by "time_budget")
};

/// What run_search needs besides the search itself; every member has a working default.
struct SearchControl {
  /// Raised when the search ends before its running trials (the time budget is spent): the
  /// trials poll it, as they do on ^C, and are recorded as interrupted.
  std::atomic<bool>* stop_trials = nullptr;
  /// Seconds since this session started; the steady clock when empty (tests pass a fake).
  std::function<double()> elapsed_seconds;
  std::chrono::milliseconds poll{200};
  /// Rejections in a row (proposals over --max-latency, --max-macs or --max-params) after which
  /// the search gives up: its limits are out of the space's reach.
  int rejection_limit = 200;
};

/// Rebuilds the strategy and cull histories from the trials of an experiment being resumed:
/// completed and culled trials in completion (end time) order enter the population and the
/// histories; failed and rejected ones are told as such. Returns the trials to run again
/// (interrupted or left running), oldest id first.
std::vector<TrialRecord> restore_search_state(const std::vector<TrialRecord>& trials, int epochs,
                                              Strategy& strategy, CullPolicy& cull);

/// Runs the search to its end. `kept` are the trials of a resumed experiment (empty for a new
/// one). The only writer of experiment.json's status: running while it runs, then completed or
/// interrupted when it returns, failed (with the error) when it throws. A proposal over a size
/// limit is written here as rejected, never started; one over the latency limit comes back from
/// its trial rejected. Rejected trials do not count towards n_trials; rejection_limit of them
/// in a row end the search as failed, with a UsageError.
SearchOutcome run_search(const ExperimentStore& store, ExperimentRecord& experiment,
                         Strategy& strategy, CullPolicy& cull, TrialExecutor& executor,
                         const std::vector<TrialRecord>& kept, const std::atomic<bool>& cancel,
                         const SearchObserver& observer = {}, const SearchControl& control = {});

/// The trials of a resumed experiment that can be trusted; each other one is described in
/// `problems` ("trial N: why") and left out (another trial runs in its place). A trial is left out
/// when its architecture is not in the space, when it is completed or culled without a finite
/// metric, or when it has more epoch records than the search's epochs.
std::vector<TrialRecord> resumable_trials(std::vector<TrialRecord> trials, const SearchSpace& space,
                                          int epochs, std::vector<std::string>& problems);

/// A proposal with the identity of a stored trial (for re-running or re-telling it).
TrialProposal proposal_of(const TrialRecord& r);

}  // namespace nas
