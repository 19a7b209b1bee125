#include "nas/core/search/cull_policy.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <string>

#include "nas/core/common/error.hpp"

namespace nas {
std::optional<double> cull_threshold(std::vector<double> history, int epoch, int epochs,
                                     int max_population, double cull_ratio) {
  if (epoch < 0 || epoch >= epochs - 1 || max_population < 1) return std::nullopt;
  // As the original: cut to the newest P values first, then ask for max(P, E - e) of them, so
  // with P < E - e this epoch never culls.
  if (history.size() > static_cast<std::size_t>(max_population))
    history.erase(history.begin(), history.end() - max_population);
  const std::size_t needed = static_cast<std::size_t>(std::max(max_population, epochs - epoch));
  if (history.size() < needed) return std::nullopt;
  std::sort(history.begin(), history.end());
  const int n = static_cast<int>(history.size());
  if (n == 1) return history[0];  // P = 1: both positions collapse onto the one value
  // Same operation order as the original, so the truncation lands on the same rank.
  int r = static_cast<int>(cull_ratio * max_population * (epoch + 1) / (epochs - 1));
  // The original indexed position -1 (the largest value) when r was 0; the lowest pair is meant.
  r = std::clamp(r, 1, n - 1);
  return (history[r - 1] + history[r]) / 2.0;
}

RatioCullPolicy::RatioCullPolicy(int epochs, int max_population, double cull_ratio)
    : epochs_(epochs), max_population_(max_population), cull_ratio_(cull_ratio) {
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

void RatioCullPolicy::record_locked(int epoch, double metric, bool culled) {
  const std::size_t keep = static_cast<std::size_t>(std::max(max_population_, epochs_));
  const int last = culled ? epochs_ - 2 : epoch;
  for (int e = epoch; e <= last && e <= epochs_ - 2; ++e) {
    auto& h = history_[static_cast<std::size_t>(e)];
    h.push_back(metric);
    // Older values can never be among the newest P again, nor matter for activation (which
    // needs at most max(P, E) values).
    if (h.size() > 2 * keep) h.erase(h.begin(), h.end() - static_cast<std::ptrdiff_t>(keep));
  }
}

CullDecision RatioCullPolicy::report(int epoch, double metric) {
  if (epoch < 0 || epoch >= epochs_) {
    throw RuntimeFailure("cull policy: epoch " + std::to_string(epoch) + " is outside 0.." +
                         std::to_string(epochs_ - 1));
  }
  // Sorting NaN is undefined behaviour, and such a trial is failed by the trainer anyway.
  if (!std::isfinite(metric) || epoch == epochs_ - 1) return {};
  std::lock_guard<std::mutex> lock(mutex_);
  CullDecision d;
  d.threshold = cull_threshold(history_[static_cast<std::size_t>(epoch)], epoch, epochs_,
                               max_population_, cull_ratio_);
  d.cull = d.threshold && metric < *d.threshold;
  record_locked(epoch, metric, d.cull);
  return d;
}

void RatioCullPolicy::restore(const std::vector<double>& epoch_metrics, bool culled) {
  if (epoch_metrics.size() > static_cast<std::size_t>(epochs_)) {
    throw InputError("cull policy: a trial has " + std::to_string(epoch_metrics.size()) +
                     " epoch metrics but the search has " + std::to_string(epochs_) + " epochs");
  }
  std::lock_guard<std::mutex> lock(mutex_);
  const int n = static_cast<int>(epoch_metrics.size());
  for (int e = 0; e < n && e <= epochs_ - 2; ++e) {
    const double m = epoch_metrics[static_cast<std::size_t>(e)];
    if (!std::isfinite(m)) continue;
    record_locked(e, m, culled && e == n - 1);
  }
}

std::vector<double> RatioCullPolicy::history(int epoch) const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (epoch < 0 || epoch > epochs_ - 2) return {};
  const auto& h = history_[static_cast<std::size_t>(epoch)];
  const std::size_t keep = static_cast<std::size_t>(std::max(max_population_, epochs_));
  return std::vector<double>(
      h.size() > keep ? h.end() - static_cast<std::ptrdiff_t>(keep) : h.begin(), h.end());
}

std::unique_ptr<CullPolicy> make_cull_policy(int epochs, int max_population, double cull_ratio) {
  if (epochs < 1) throw UsageError("epochs must be at least 1, got " + std::to_string(epochs));
  if (max_population < 1) {
    throw UsageError("max population must be at least 1, got " + std::to_string(max_population));
  }
  if (!(cull_ratio >= 0.0 && cull_ratio < 1.0)) {
    throw UsageError("cull ratio must be in [0, 1), got " + quote_number(cull_ratio));
  }
  if (cull_ratio == 0.0 || epochs == 1) return std::make_unique<NoCull>();
  return std::make_unique<RatioCullPolicy>(epochs, max_population, cull_ratio);
}

}  // namespace nas
