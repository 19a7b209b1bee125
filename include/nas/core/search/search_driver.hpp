#pragma once
// The search loop: asks the strategy for trials, hands them to the executor, tells the strategy
// how they ended, and keeps experiment.json up to date. It owns no threads (the executor does)
// and touches files only through the store. It ends when n_trials trials have finished
// (completed, culled or failed) and none is running, or when the cancel flag is raised.
#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <vector>

#include "nas/core/experiment/experiment_store.hpp"
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
  int running = 0;
  int n_trials = 0;
  std::optional<TrialRecord> best;  // highest final metric among completed and culled
  double elapsed_seconds = 0;       // this session
};

/// Hooks for the command line's progress display and log lines; every member may be empty.
struct SearchObserver {
  std::function<void(const TrialProposal&)> on_trial_started;
  std::function<void(const TrialRecord&, const SearchProgress&)> on_trial_finished;
  std::function<void(const SearchProgress&)> on_tick;  // about every poll interval
};

struct SearchOutcome {
  SearchProgress progress;
  bool interrupted = false;
};

/// Rebuilds the strategy and cull histories from the trials of an experiment being resumed:
/// completed and culled trials in completion (end time) order enter the population and the
/// histories; failed ones are told as failed. Returns the trials to run again (interrupted or
/// left running), oldest id first.
std::vector<TrialRecord> restore_search_state(const std::vector<TrialRecord>& trials, int epochs,
                                              Strategy& strategy, CullPolicy& cull);

/// Runs the search to its end. `kept` are the trials of a resumed experiment (empty for a new
/// one). Marks experiment.json completed or interrupted when it returns.
SearchOutcome run_search(const ExperimentStore& store, ExperimentRecord& experiment,
                         Strategy& strategy, CullPolicy& cull, TrialExecutor& executor,
                         const std::vector<TrialRecord>& kept, const std::atomic<bool>& cancel,
                         const SearchObserver& observer = {},
                         std::chrono::milliseconds poll = std::chrono::milliseconds(200));

/// The trials of a resumed experiment that can be trusted; each other one is described in
/// `problems` ("trial N: why") and left out (another trial runs in its place). A trial is left out
/// when its architecture is not in the space, when it is completed or culled without a finite
/// metric, or when it has more epoch records than the search's epochs.
std::vector<TrialRecord> resumable_trials(std::vector<TrialRecord> trials, const SearchSpace& space,
                                          int epochs, std::vector<std::string>& problems);

/// A proposal with the identity of a stored trial (for re-running or re-telling it).
TrialProposal proposal_of(const TrialRecord& r);

}  // namespace nas
