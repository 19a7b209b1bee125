#include "nas/core/search/cull_policy.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <string>

#include "nas/core/common/error.hpp"

namespace nas {
namespace {

/// Cuts `history` to its newest P values and says whether the rule is active at `epoch`: as the
/// original, cut first, then ask for max(P, E - e) of them, so with P < E - e it never culls.
template <typename T>
bool cut_and_active(std::vector<T>& history, int epoch, int epochs, int max_population) {
  if (epoch < 0 || epoch >= epochs - 1 || max_population < 1) return false;
  if (history.size() > static_cast<std::size_t>(max_population))
    history.erase(history.begin(), history.end() - max_population);
  const std::size_t needed = static_cast<std::size_t>(std::max(max_population, epochs - epoch));
  return history.size() >= needed;
}

/// How many of the n kept values the schedule culls below at `epoch`.
int cull_count(int n, int epoch, int epochs, int max_population, double cull_ratio) {
  if (n == 1) return 1;  // P = 1: both positions collapse onto the one value
  // Same operation order as the original, so the truncation lands on the same rank.
  const int r = static_cast<int>(cull_ratio * max_population * (epoch + 1) / (epochs - 1));
  // The original indexed position -1 (the largest value) when r was 0; the lowest pair is meant.
  return std::clamp(r, 1, n - 1);
}

}  // namespace

std::optional<double> cull_threshold(std::vector<double> history, int epoch, int epochs,
                                     int max_population, double cull_ratio) {
  if (!cut_and_active(history, epoch, epochs, max_population)) return std::nullopt;
  std::sort(history.begin(), history.end());
  const int n = static_cast<int>(history.size());
  if (n == 1) return history[0];
  const int r = cull_count(n, epoch, epochs, max_population, cull_ratio);
  return (history[r - 1] + history[r]) / 2.0;
}

std::optional<ParetoCull> pareto_cull(std::vector<Objectives> history, const Objectives& point,
                                      int epoch, int epochs, int max_population,
                                      double cull_ratio) {
  if (!cut_and_active(history, epoch, epochs, max_population)) return std::nullopt;
  const int n = static_cast<int>(history.size());
  const int r = cull_count(n, epoch, epochs, max_population, cull_ratio);
  history.push_back(point);
  const std::vector<int> ranks = nondominated_ranks(history);
  ParetoCull out;
  out.rank = ranks.back();
  // As the scalar rule keeps a metric equal to the threshold, points of the trial's own rank
  // count with the worse ones.
  int not_better = 0;
  for (int i = 0; i < n; ++i) not_better += ranks[static_cast<std::size_t>(i)] >= out.rank;
  out.cull = not_better < r;
  return out;
}

void CullPolicy::restore(const std::vector<double>& epoch_metrics, bool culled) {
  std::vector<EpochScore> scores;
  for (double m : epoch_metrics) scores.push_back({m, 0, 0});
  restore(scores, culled);
}

RatioCullPolicy::RatioCullPolicy(int epochs, int max_population, double cull_ratio,
                                 Objective objective)
    : epochs_(epochs),
      max_population_(max_population),
      cull_ratio_(cull_ratio),
      objective_(objective) {
  if (epochs_ < 2) {
    throw UsageError("culling needs at least 2 epochs, got " + std::to_string(epochs_));
  }
  if (max_population_ < 1) {
    throw UsageError("max population must be at least 1, got " + std::to_string(max_population_));
  }
  if (!(cull_ratio_ > 0.0 && cull_ratio_ < 1.0)) {  // also rejects NaN
    throw UsageError("cull ratio must be in (0, 1) for a culling policy, got " +
                     quote_number(cull_ratio_));
  }
  history_.resize(static_cast<std::size_t>(epochs_ - 1));
}

void RatioCullPolicy::record_locked(int epoch, const EpochScore& score, bool culled) {
  const std::size_t keep = static_cast<std::size_t>(std::max(max_population_, epochs_));
  const int last = culled ? epochs_ - 2 : epoch;
  for (int e = epoch; e <= last && e <= epochs_ - 2; ++e) {
    auto& h = history_[static_cast<std::size_t>(e)];
    h.push_back(score);
    // Older values can never be among the newest P again, nor matter for activation (which
    // needs at most max(P, E) values).
    if (h.size() > 2 * keep) h.erase(h.begin(), h.end() - static_cast<std::ptrdiff_t>(keep));
  }
}

std::vector<EpochScore> RatioCullPolicy::kept_locked(int epoch) const {
  const auto& h = history_[static_cast<std::size_t>(epoch)];
  const std::size_t keep = static_cast<std::size_t>(std::max(max_population_, epochs_));
  return std::vector<EpochScore>(
      h.size() > keep ? h.end() - static_cast<std::ptrdiff_t>(keep) : h.begin(), h.end());
}

CullDecision RatioCullPolicy::report(int epoch, const EpochScore& score) {
  if (epoch < 0 || epoch >= epochs_) {
    throw RuntimeFailure("cull policy: epoch " + std::to_string(epoch) + " is outside 0.." +
                         std::to_string(epochs_ - 1));
  }
  // Sorting NaN is undefined behaviour, and such a trial is failed by the trainer anyway.
  const bool finite = objective_ == Objective::kPareto
                          ? std::isfinite(score.accuracy) && std::isfinite(score.latency_ms)
                          : std::isfinite(score.metric);
  if (!finite || epoch == epochs_ - 1) return {};
  std::lock_guard<std::mutex> lock(mutex_);
  CullDecision d;
  const std::vector<EpochScore> kept = kept_locked(epoch);
  if (objective_ == Objective::kPareto) {
    std::vector<Objectives> points;
    for (const auto& s : kept) points.push_back({s.accuracy, s.latency_ms});
    if (auto p = pareto_cull(points, {score.accuracy, score.latency_ms}, epoch, epochs_,
                             max_population_, cull_ratio_)) {
      d.rank = p->rank;
      d.cull = p->cull;
    }
  } else {
    std::vector<double> metrics;
    for (const auto& s : kept) metrics.push_back(s.metric);
    d.threshold = cull_threshold(metrics, epoch, epochs_, max_population_, cull_ratio_);
    d.cull = d.threshold && score.metric < *d.threshold;
  }
  record_locked(epoch, score, d.cull);
  return d;
}

void RatioCullPolicy::restore(const std::vector<EpochScore>& epochs, bool culled) {
  if (epochs.size() > static_cast<std::size_t>(epochs_)) {
    throw InputError("cull policy: a trial has " + std::to_string(epochs.size()) +
                     " epoch metrics but the search has " + std::to_string(epochs_) + " epochs");
  }
  std::lock_guard<std::mutex> lock(mutex_);
  const int n = static_cast<int>(epochs.size());
  for (int e = 0; e < n && e <= epochs_ - 2; ++e) {
    const EpochScore& s = epochs[static_cast<std::size_t>(e)];
    // What report() would have left out, by the same test.
    const bool finite = objective_ == Objective::kPareto
                            ? std::isfinite(s.accuracy) && std::isfinite(s.latency_ms)
                            : std::isfinite(s.metric);
    if (!finite) continue;
    record_locked(e, s, culled && e == n - 1);
  }
}

std::vector<double> RatioCullPolicy::history(int epoch) const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (epoch < 0 || epoch > epochs_ - 2) return {};
  std::vector<double> out;
  for (const auto& s : kept_locked(epoch)) out.push_back(s.metric);
  return out;
}

std::unique_ptr<CullPolicy> make_cull_policy(int epochs, int max_population, double cull_ratio,
                                             Objective objective) {
  if (epochs < 1) throw UsageError("epochs must be at least 1, got " + std::to_string(epochs));
  if (max_population < 1) {
    throw UsageError("max population must be at least 1, got " + std::to_string(max_population));
  }
  if (!(cull_ratio >= 0.0 && cull_ratio < 1.0)) {
    throw UsageError("cull ratio must be in [0, 1), got " + quote_number(cull_ratio));
  }
  if (cull_ratio == 0.0 || epochs == 1) return std::make_unique<NoCull>();
  return std::make_unique<RatioCullPolicy>(epochs, max_population, cull_ratio, objective);
}

}  // namespace nas
