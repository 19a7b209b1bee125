#pragma once
// The ask/tell interface between a search loop and the strategy that proposes architectures.
// A strategy owns no threads and touches no files: the driver asks for trial n, runs it wherever
// it likes, and tells the outcome. Higher metrics are better. A resumed search rebuilds a
// strategy by telling it the finished trials it kept, in completion order, and by noting the
// interrupted ones it re-runs; so tell() and note_running() accept trials the strategy never
// proposed. Not thread-safe: the driver calls it from one thread (or under its own lock).
#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "nas/core/common/random.hpp"
#include "nas/core/experiment/records.hpp"
#include "nas/core/search/pareto.hpp"
#include "nas/core/search/search_space.hpp"

namespace nas {

struct EvolutionOptions;  // nas/regularized_evolution.hpp

struct TrialProposal {
  int id = 0;
  Architecture arch;
  std::string arch_key;           // MobileNetV3Space::canonical_key(arch)
  std::string origin = "random";  // random | mutation | initial (--initial-arch)
  std::optional<int> parent;      // the tournament winner, for mutations
  /// In the nni-2.7 space, the same architecture under NNI 2.7's 54 labels (what the original's
  /// parameter.cfg held); absent otherwise.
  std::optional<Architecture> arch_nni27;
};

/// The record of trial `p` as it starts: its identity and architecture, status running, started
/// now; the runner fills in the rest.
TrialRecord start_record(const TrialProposal& p, const std::string& experiment_id);

/// Fills p.arch_nni27 when `space` draws NNI 2.7's labels.
void add_nni27_form(TrialProposal& p, const SearchSpace& space);

class Strategy {
 public:
  virtual ~Strategy() = default;
  /// Proposes trial `trial_id` (>= 0, not running nor finished). All randomness for it comes
  /// from rng_for(seed, trial_id), so trial n's draws do not depend on timing or on the order of
  /// ask/tell calls between other trials (only de-duplication looks at the other trials).
  /// Throws RuntimeFailure for an id that is running or finished.
  virtual TrialProposal ask(int trial_id) = 0;
  /// A trial finished. kCompleted and kCulled enter the population with `metric` (required and
  /// finite); kFailed is dropped, but its key stays evaluated for de-duplication; kInterrupted
  /// only stops counting as running (its id may be asked again). The key is recomputed from
  /// trial.arch. Throws RuntimeFailure for kRunning, a missing metric, or a second final tell.
  /// `objectives` are the trial's final accuracy and latency: a Pareto search ranks by them and
  /// needs them for kCompleted and kCulled; a scalar search ignores them.
  virtual void tell(const TrialProposal& trial, TrialStatus status, std::optional<double> metric,
                    std::optional<Objectives> objectives = std::nullopt) = 0;
  /// A trial the strategy did not ask for is running (a resumed search re-running an
  /// interrupted trial): its key counts as running for de-duplication until it is told.
  virtual void note_running(const TrialProposal& trial) = 0;
  virtual std::string name() const = 0;
};

/// "evolution" (RegularizedEvolution) or "random" (RandomSearch, which uses only o.seed and
/// o.max_dedup_retries). Throws UsageError for any other name or invalid options.
std::unique_ptr<Strategy> make_strategy(const std::string& name, const SearchSpace& space,
                                        const EvolutionOptions& o);

/// The de-duplication bookkeeping the strategies share: which canonical keys were evaluated
/// (completed, culled or failed) and which are running (asked or noted, not yet told).
class KeyLedger {
 public:
  bool taken(const std::string& key) const {
    return evaluated_.count(key) > 0 || running_keys_.count(key) > 0;
  }
  /// Throws RuntimeFailure when `trial_id` is already running or finished.
  void start(int trial_id, const std::string& key);
  /// Records the outcome of `trial_id`, running or not (resume tells trials it never started).
  /// Throws RuntimeFailure for kRunning, a trial already finished, or kCompleted/kCulled
  /// without a finite metric; nothing is recorded then.
  void finish(int trial_id, const std::string& key, TrialStatus status,
              const std::optional<double>& metric);
  std::size_t running() const { return running_.size(); }
  std::size_t evaluated() const { return evaluated_.size(); }

 private:
  std::set<std::string> evaluated_;
  std::set<int> finished_ids_;
  std::map<int, std::string> running_;       // trial id -> key
  std::map<std::string, int> running_keys_;  // key -> running trials with it
};

/// A uniform random proposal whose key is not taken: up to 1 + `retries` samples from `rng`,
/// keeping the last one when all are taken (a nearly exhausted space repeats rather than stalls).
TrialProposal propose_random(int trial_id, const SearchSpace& space, Rng& rng,
                             const KeyLedger& ledger, int retries);

/// The first of `initial` (the user's --initial-arch, in order) not yet proposed, as Optuna's
/// enqueue_trial: known architectures before random ones. None when all have been. Which ones
/// have been is read from the ledger, so a resumed search goes on where it was.
std::optional<TrialProposal> propose_initial(int trial_id, const std::vector<Architecture>& initial,
                                             const SearchSpace& space, const KeyLedger& ledger);

}  // namespace nas
