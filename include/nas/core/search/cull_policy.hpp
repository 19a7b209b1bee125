#pragma once
// Early termination ("cull ratio"), the original's rule, kept apart from the strategy and the
// trainer: the search driver owns one policy and the trainer's per-epoch callback asks it.
//
// With E epochs, population P and ratio c, a history per epoch e = 0..E-2 keeps the metrics
// trials reported at that epoch. At epoch e a trial is culled when its metric is below
// threshold_e, which is active once the epoch-e history, cut to its newest P values, holds at
// least max(P, E - e) values (so with P < E - e epoch e never culls, as in the original):
// sort those values ascending, r = int(c * P * (e + 1) / (E - 1)) clamped to [1, P - 1],
// threshold_e = mean of the values at positions r - 1 and r. The last epoch never culls. A
// culled trial's metric at epoch e also goes into the histories of epochs e+1..E-2, which it
// will never reach (the original meant to, but wrote the copies under epoch e). Thresholds are
// computed when the decision is made, from the history as it stands then.
//
// Under --objective pareto the histories hold (accuracy, latency) points instead, with the same
// activation, cut and schedule r: a trial is culled when fewer than r of the history's points
// have its non-dominated rank or a worse one, ranks computed over the history and the trial
// together (so ties count in its favour, as a metric equal to the threshold is kept).
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "nas/core/search/pareto.hpp"

namespace nas {

/// What a trial reports after an epoch: the scalar metric and the two objectives behind it.
struct EpochScore {
  double metric = 0;
  double accuracy = 0;
  double latency_ms = 0;
};

struct CullDecision {
  bool cull = false;
  std::optional<double> threshold;  // the threshold compared against, when one was active
  /// Under --objective pareto, when the rule was active: the trial's non-dominated rank among
  /// the epoch's history and itself (1 = on the front).
  std::optional<int> rank;
};

class CullPolicy {
 public:
  virtual ~CullPolicy() = default;
  /// A trial finished epoch `epoch` (0-based) with `metric`: decide against the history as it
  /// stands now, then record the metric (and, when culled, copies into the histories of the
  /// later epochs it skips). A non-finite metric is neither culled nor recorded (the trial
  /// fails anyway). Thread-safe. Throws RuntimeFailure for an epoch outside [0, E).
  virtual CullDecision report(int epoch, const EpochScore& score) = 0;
  /// A scalar report (tests, and policies that read only the metric).
  CullDecision report(int epoch, double metric) { return report(epoch, EpochScore{metric, 0, 0}); }
  /// Rebuilds history on resume from a finished trial's per-epoch scores (0-based order) and
  /// whether its last epoch culled it; records exactly what report() recorded for that trial.
  /// Throws InputError when there are more scores than epochs.
  virtual void restore(const std::vector<EpochScore>& epochs, bool culled) = 0;
  void restore(const std::vector<double>& epoch_metrics, bool culled);
};

/// Never culls (cull ratio 0, or a single epoch), so callers never check for "no policy".
class NoCull : public CullPolicy {
 public:
  using CullPolicy::report;
  using CullPolicy::restore;
  CullDecision report(int /*epoch*/, const EpochScore& /*score*/) override { return {}; }
  void restore(const std::vector<EpochScore>& /*epochs*/, bool /*culled*/) override {}
};

class RatioCullPolicy : public CullPolicy {
 public:
  /// Throws UsageError quoting the bad value: epochs < 2, max_population < 1, cull_ratio
  /// outside (0, 1).
  RatioCullPolicy(int epochs, int max_population, double cull_ratio,
                  Objective objective = Objective::kScalar);

  using CullPolicy::report;
  using CullPolicy::restore;
  CullDecision report(int epoch, const EpochScore& score) override;
  void restore(const std::vector<EpochScore>& epochs, bool culled) override;

  /// A copy of the metrics kept for `epoch` (0..E-2), oldest first: the newest max(P, E) of
  /// them, which is all the rule ever looks at.
  std::vector<double> history(int epoch) const;

 private:
  /// Appends under the lock the caller holds.
  void record_locked(int epoch, const EpochScore& score, bool culled);
  std::vector<EpochScore> kept_locked(int epoch) const;

  const int epochs_;
  const int max_population_;
  const double cull_ratio_;
  const Objective objective_;
  mutable std::mutex mutex_;
  std::vector<std::vector<EpochScore>> history_;  // [epoch][i], oldest first
};

/// NoCull when cull_ratio == 0 or epochs == 1, else RatioCullPolicy. Throws UsageError quoting
/// the bad value: epochs < 1, max_population < 1, cull_ratio outside [0, 1).
std::unique_ptr<CullPolicy> make_cull_policy(int epochs, int max_population, double cull_ratio,
                                             Objective objective = Objective::kScalar);

/// The Pareto rule for `point` at epoch `epoch` against that epoch's history (oldest first; the
/// newest max_population points are used): its rank and whether it is culled, or nullopt when
/// the rule is not active (the last epoch, or too few points yet). Pure, for tests.
struct ParetoCull {
  int rank = 1;
  bool cull = false;
};
std::optional<ParetoCull> pareto_cull(std::vector<Objectives> history, const Objectives& point,
                                      int epoch, int epochs, int max_population, double cull_ratio);

/// The threshold for epoch `epoch` from that epoch's history (oldest first; the newest
/// max_population values are used), or nullopt when none applies: the last epoch, or too few
/// values yet. Pure, so tests can check the rule directly.
std::optional<double> cull_threshold(std::vector<double> history, int epoch, int epochs,
                                     int max_population, double cull_ratio);

}  // namespace nas
