#pragma once
// Searches without training, for tests and the distributed scale benchmark. A fake trial waits
// `epoch_time` per epoch, its metric is a learning curve towards a score of the architecture,
// and it asks the cull policy and writes its record after every epoch as run_trial does.
#include <atomic>
#include <chrono>
#include <thread>

#include "nas/core/experiment/trial_writer.hpp"
#include "nas/core/search/cull_policy.hpp"
#include "nas/core/search/executor.hpp"
#include "nas/core/search/search_driver.hpp"
#include "nas/core/search/strategy.hpp"

namespace nas::testing {

/// The driver's settings for tests: a short poll keeps them quick.
inline SearchControl fast_poll() {
  SearchControl c;
  c.poll = std::chrono::milliseconds(5);
  return c;
}

/// The experiment of the tests that run whole searches of fake trials (search_driver_test,
/// remote_executor_test): 3 epochs, cull ratio 0.5, population 6, sample 3, seed 11.
inline ExperimentRecord small_search_experiment(int n_trials) {
  ExperimentRecord e;
  e.options.n_trials = n_trials;
  e.options.max_population = 6;
  e.options.sample_size = 3;
  e.options.epochs = 3;
  e.options.cull_ratio = 0.5;
  e.options.concurrent_trials = 3;
  e.options.dataset = "synthetic";
  e.seed = 11;
  e.created = now_iso8601();
  return e;
}

/// Wider and deeper architectures score higher, with a spread.
inline double arch_score(const Architecture& a) {
  double s = 0;
  for (const auto& [label, v] : a.values()) s += (label.rfind("width", 0) == 0 ? v / 64.0 : v);
  return s;
}

inline TrialRecord curve_trial(const TrialProposal& p, const TrialSlot& slot, CullPolicy& cull,
                               const TrialWriter& writer, int epochs,
                               std::chrono::duration<double> epoch_time,
                               const std::atomic<bool>& stop) {
  const auto t0 = std::chrono::steady_clock::now();
  TrialRecord r = start_record(p, writer.id());
  r.device = slot.device;
  if (!slot.host.empty()) r.host = slot.host;
  writer.write_trial(r);
  r.status = TrialStatus::kCompleted;
  for (int e = 0; e < epochs; ++e) {
    std::this_thread::sleep_for(epoch_time);
    if (stop.load()) {
      r.status = TrialStatus::kInterrupted;
      break;
    }
    EpochRecord rec;
    rec.epoch = e + 1;
    rec.metric = arch_score(p.arch) * (e + 1) / epochs;
    rec.accuracy = rec.metric;
    rec.seconds = epoch_time.count();
    bool culled = false;
    if (e + 1 < epochs) {
      const CullDecision d = cull.report(e, {rec.metric, rec.accuracy, rec.latency_ms});
      rec.threshold = d.threshold;
      rec.cull_rank = d.rank;
      culled = d.cull;
    }
    r.epochs.push_back(rec);
    r.metric = rec.metric;
    r.accuracy = rec.accuracy;
    if (culled) {
      r.status = TrialStatus::kCulled;
      r.culled_at_epoch = e + 1;
      break;
    }
    if (e + 1 < epochs) writer.write_trial(r);
  }
  r.ended = now_iso8601();
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  writer.write_trial(r);
  return r;
}

}  // namespace nas::testing
