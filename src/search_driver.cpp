#include "nas/search_driver.hpp"

#include <algorithm>
#include <deque>

#include <spdlog/spdlog.h>

#include "nas/error.hpp"

namespace nas {
namespace {

using Clock = std::chrono::steady_clock;

double end_time(const TrialRecord& r) {
  try {
    return r.ended ? parse_iso8601(*r.ended) : 0.0;
  } catch (const InputError&) {
    return 0.0;
  }
}

void count(SearchProgress& p, const TrialRecord& r) {
  switch (r.status) {
    case TrialStatus::kCompleted: ++p.completed; break;
    case TrialStatus::kCulled: ++p.culled; break;
    case TrialStatus::kFailed: ++p.failed; break;
    case TrialStatus::kInterrupted: ++p.interrupted; return;
    case TrialStatus::kRunning: return;
  }
  ++p.finished;
  if ((r.status == TrialStatus::kCompleted || r.status == TrialStatus::kCulled) && r.metric &&
      (!p.best || *r.metric > *p.best->metric)) {
    p.best = r;
  }
}

}  // namespace

TrialProposal proposal_of(const TrialRecord& r) {
  TrialProposal p;
  p.id = r.id;
  p.arch = r.arch;
  p.arch_key = r.arch_key;
  p.origin = r.origin;
  p.parent = r.parent;
  return p;
}

std::vector<TrialRecord> restore_search_state(const std::vector<TrialRecord>& trials, int epochs,
                                              Strategy& strategy, CullPolicy& cull) {
  std::vector<TrialRecord> finished, rerun;
  for (const auto& t : trials) (is_finished(t.status) ? finished : rerun).push_back(t);
  std::stable_sort(finished.begin(), finished.end(),
                   [](const TrialRecord& a, const TrialRecord& b) { return end_time(a) < end_time(b); });
  for (const auto& t : finished) {
    if (t.status == TrialStatus::kFailed) {
      strategy.tell(proposal_of(t), TrialStatus::kFailed, std::nullopt);
      continue;
    }
    std::vector<double> metrics;
    for (const auto& e : t.epochs) {
      if (static_cast<int>(metrics.size()) < epochs) metrics.push_back(e.metric);
    }
    cull.restore(metrics, t.status == TrialStatus::kCulled);
    strategy.tell(proposal_of(t), t.status, t.metric);
  }
  std::sort(rerun.begin(), rerun.end(), [](const TrialRecord& a, const TrialRecord& b) { return a.id < b.id; });
  return rerun;
}

SearchOutcome run_search(const ExperimentStore& store, ExperimentRecord& experiment,
                         Strategy& strategy, CullPolicy& cull, TrialExecutor& executor,
                         const std::vector<TrialRecord>& kept, const std::atomic<bool>& cancel,
                         const SearchObserver& observer, std::chrono::milliseconds poll) {
  const auto t0 = Clock::now();
  const int n_trials = experiment.options.n_trials;
  SearchOutcome out;
  SearchProgress& p = out.progress;
  p.n_trials = n_trials;

  int next_id = 0;
  for (const auto& t : kept) {
    next_id = std::max(next_id, t.id + 1);
    if (is_finished(t.status)) count(p, t);
  }
  std::deque<TrialProposal> reruns;
  for (const auto& t : restore_search_state(kept, experiment.options.epochs, strategy, cull)) {
    reruns.push_back(proposal_of(t));
  }

  const double earlier_seconds = experiment.search_seconds.value_or(0.0);
  experiment.status = ExperimentStatus::kRunning;
  experiment.finished.reset();
  store.write_experiment(experiment);

  auto elapsed = [&] { return std::chrono::duration<double>(Clock::now() - t0).count(); };
  while (true) {
    const bool stopping = cancel.load();
    while (!stopping && executor.running() < executor.capacity() &&
           p.finished + executor.running() < n_trials) {
      TrialProposal proposal;
      if (!reruns.empty()) {
        proposal = reruns.front();
        reruns.pop_front();
        strategy.note_running(proposal);
      } else {
        proposal = strategy.ask(next_id++);
      }
      if (observer.on_trial_started) observer.on_trial_started(proposal);
      executor.start(proposal);
    }
    p.running = executor.running();
    if (p.running == 0) break;
    p.elapsed_seconds = elapsed();
    auto record = executor.wait_any(poll);
    if (!record) {
      if (observer.on_tick) observer.on_tick(p);
      continue;
    }
    // The runner wrote its trial.json; a record it could not finish (an escaped exception) is
    // written here so no trial is lost.
    if (record->status == TrialStatus::kFailed && !record->seconds) store.write_trial(*record);
    count(p, *record);
    strategy.tell(proposal_of(*record), record->status, record->metric);
    p.running = executor.running();
    p.elapsed_seconds = elapsed();
    if (observer.on_trial_finished) observer.on_trial_finished(*record, p);
  }

  out.interrupted = cancel.load();
  experiment.status = out.interrupted ? ExperimentStatus::kInterrupted : ExperimentStatus::kCompleted;
  experiment.finished = now_iso8601();
  experiment.search_seconds = earlier_seconds + elapsed();
  store.write_experiment(experiment);
  return out;
}

}  // namespace nas
