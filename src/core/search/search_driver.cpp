#include "nas/core/search/search_driver.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <deque>

#include "nas/core/common/error.hpp"
#include "nas/core/search/network_plan.hpp"
#include "nas/core/search/search_spaces.hpp"
#include "nas/core/search/trial_limits.hpp"

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
    case TrialStatus::kCompleted:
      ++p.completed;
      break;
    case TrialStatus::kCulled:
      ++p.culled;
      break;
    case TrialStatus::kFailed:
      ++p.failed;
      break;
    case TrialStatus::kInterrupted:
      ++p.interrupted;
      return;
    case TrialStatus::kRejected:
      ++p.rejected;
      return;
    case TrialStatus::kRunning:
      return;
  }
  ++p.finished;
  if ((r.status == TrialStatus::kCompleted || r.status == TrialStatus::kCulled) && r.metric &&
      (!p.best || *r.metric > *p.best->metric)) {
    p.best = r;
  }
}

/// Fills what a record built from an escaped exception lacks, so it reads like any other trial.
// What makes two failures the same: the first line of the error without its numbers (sizes,
// addresses and trial ids differ between otherwise identical failures).
std::string failure_signature(const std::string& error) {
  std::string out;
  for (char c : error.substr(0, error.find('\n'))) {
    if (!std::isdigit(static_cast<unsigned char>(c))) out += c;
  }
  return out;
}

/// A finished trial's final accuracy and latency, when it has both.
std::optional<Objectives> objectives_of(const TrialRecord& r) {
  if (!r.accuracy || !r.latency_ms || !std::isfinite(*r.accuracy) || !std::isfinite(*r.latency_ms))
    return std::nullopt;
  return Objectives{*r.accuracy, *r.latency_ms};
}

void complete_escaped_trial(TrialRecord& r, const ExperimentStore& store,
                            const ExperimentRecord& e) {
  r.experiment = store.id();
  r.seconds = 0.0;
  if (e.dataset.shape[0] <= 0) return;
  try {
    const NetworkPlan plan = plan_network(
        r.arch, {e.dataset.shape[0], e.dataset.shape[1], e.dataset.shape[2]}, e.dataset.classes);
    r.params = count_params(plan);
    r.macs = count_macs(plan);
  } catch (const Error&) {
    // An architecture that cannot be planned is what failed; the record still says why.
  }
}

}  // namespace

void ObservedTrialWriter::write_trial(const TrialRecord& record) const {
  inner_.write_trial(record);
  if (observer_.on_trial_written) observer_.on_trial_written(record);
}

TrialProposal proposal_of(const TrialRecord& r) {
  TrialProposal p;
  p.id = r.id;
  p.arch = r.arch;
  p.arch_nni27 = r.arch_nni27;
  p.arch_key = r.arch_key;
  p.origin = r.origin;
  p.parent = r.parent;
  return p;
}

std::vector<TrialRecord> resumable_trials(std::vector<TrialRecord> trials, const SearchSpace& space,
                                          int epochs, std::vector<std::string>& problems) {
  std::vector<TrialRecord> ok;
  const bool tabular = is_tabular_space(space.name());
  for (auto& t : trials) {
    std::string why;
    try {
      space.validate(t.arch);
    } catch (const InputError& e) {
      why = e.what();
    }
    const bool scored = t.status == TrialStatus::kCompleted || t.status == TrialStatus::kCulled;
    if (why.empty() && scored && (!t.metric || !std::isfinite(*t.metric)))
      why = "no finite final metric";
    // A table's trials have an accuracy and no latency; a trained network's have both.
    if (why.empty() && scored && tabular && !t.accuracy) why = "no final accuracy";
    if (why.empty() && scored && !tabular && !objectives_of(t))
      why = "no final accuracy and latency";
    if (why.empty() && static_cast<int>(t.epochs.size()) > epochs) {
      why = std::to_string(t.epochs.size()) + " epoch records for a " + std::to_string(epochs) +
            "-epoch search";
    }
    if (why.empty()) {
      ok.push_back(std::move(t));
    } else {
      problems.push_back("trial " + std::to_string(t.id) + ": " + why +
                         " (left out: another trial runs in its place)");
    }
  }
  return ok;
}

std::vector<TrialRecord> restore_search_state(const std::vector<TrialRecord>& trials, int epochs,
                                              Strategy& strategy, CullPolicy& cull) {
  std::vector<TrialRecord> finished, rerun;
  for (const auto& t : trials) {
    if (t.status == TrialStatus::kRejected) {
      // Never proposed again, never in the population.
      strategy.tell(proposal_of(t), TrialStatus::kRejected, std::nullopt);
      continue;
    }
    (is_finished(t.status) ? finished : rerun).push_back(t);
  }
  std::stable_sort(
      finished.begin(), finished.end(),
      [](const TrialRecord& a, const TrialRecord& b) { return end_time(a) < end_time(b); });
  for (const auto& t : finished) {
    if (t.status == TrialStatus::kFailed) {
      strategy.tell(proposal_of(t), TrialStatus::kFailed, std::nullopt);
      continue;
    }
    std::vector<EpochScore> scores;
    for (const auto& e : t.epochs) {
      if (static_cast<int>(scores.size()) < epochs)
        scores.push_back({e.metric, e.accuracy, e.latency_ms});
    }
    cull.restore(scores, t.status == TrialStatus::kCulled);
    strategy.tell(proposal_of(t), t.status, t.metric, objectives_of(t));
  }
  std::sort(rerun.begin(), rerun.end(),
            [](const TrialRecord& a, const TrialRecord& b) { return a.id < b.id; });
  return rerun;
}

SearchOutcome run_search(const ExperimentStore& store, ExperimentRecord& experiment,
                         Strategy& strategy, CullPolicy& cull, TrialExecutor& executor,
                         const std::vector<TrialRecord>& kept, const std::atomic<bool>& cancel,
                         const SearchObserver& observer, const SearchControl& control) {
  const auto t0 = Clock::now();
  const std::chrono::milliseconds poll = control.poll;
  const int n_trials = experiment.options.n_trials;
  SearchOutcome out;
  SearchProgress& p = out.progress;
  p.n_trials = n_trials;

  const TrialLimits limits = trial_limits(experiment.options);
  RejectionStreak streak(control.rejection_limit);
  int next_id = 0;
  for (const auto& t : kept) {
    next_id = std::max(next_id, t.id + 1);
    if (is_finished(t.status) || t.status == TrialStatus::kRejected) count(p, t);
  }
  std::deque<TrialProposal> reruns;
  for (const auto& t : restore_search_state(kept, experiment.options.epochs, strategy, cull)) {
    reruns.push_back(proposal_of(t));
  }

  const double earlier_seconds = experiment.search_seconds.value_or(0.0);
  experiment.sessions.push_back({now_iso8601(), std::nullopt});
  experiment.status = ExperimentStatus::kRunning;
  experiment.finished.reset();
  experiment.error.reset();  // a resumed failed search starts clean
  experiment.ended_by.reset();
  store.write_experiment(experiment);

  auto elapsed = [&] {
    if (control.elapsed_seconds) return control.elapsed_seconds();
    return std::chrono::duration<double>(Clock::now() - t0).count();
  };
  // The budget counts search time across sessions: a resumed search gets what is left.
  const std::optional<double> budget = experiment.options.time_budget_seconds;
  auto budget_spent = [&] { return budget && earlier_seconds + elapsed() >= *budget; };
  // The same failure in each of the first P trials of a session (P = the population) is not the
  // architectures' fault but the setup's (a batch that cannot be allocated, a broken device): stop
  // rather than fail every trial the same way.
  const int failure_limit = std::max(1, experiment.options.max_population);
  int same_failures = 0;
  bool any_success = false;
  std::string failure;
  bool systematic = false;
  // experiment.json's status has this one writer: running above, and one of the four final states
  // here, so the folder always says what became of the search.
  auto finish = [&](ExperimentStatus status, std::optional<std::string> error) {
    experiment.status = status;
    experiment.error = std::move(error);
    experiment.finished = now_iso8601();
    experiment.search_seconds = earlier_seconds + elapsed();
    experiment.sessions.back().ended = experiment.finished;
    store.write_experiment(experiment);
  };
  // Everything that follows a trial's end, whether it ran or was rejected by size.
  auto settle = [&](const TrialRecord& record) {
    count(p, record);
    strategy.tell(proposal_of(record), record.status, record.metric, objectives_of(record));
    streak.observe(record);
    if (record.status == TrialStatus::kCompleted || record.status == TrialStatus::kCulled) {
      any_success = true;
    } else if (record.status == TrialStatus::kFailed && !any_success) {
      const std::string error = record.error.value_or("unknown error");
      if (same_failures > 0 && failure_signature(error) == failure_signature(failure)) {
        ++same_failures;
      } else {
        same_failures = 1;
        failure = error;
      }
      // Only worth stopping while trials remain to be saved.
      systematic = same_failures >= failure_limit && p.finished < n_trials;
    }
    p.running = executor.running();
    p.elapsed_seconds = elapsed();
    // Kept current so a search killed with -9 still accounts for the time it ran.
    experiment.search_seconds = earlier_seconds + p.elapsed_seconds;
    experiment.sessions.back().ended = now_iso8601();
    store.write_experiment(experiment);
    if (observer.on_trial_finished) observer.on_trial_finished(record, p);
  };
  try {
    while (true) {
      if (!out.out_of_time && budget_spent()) {
        out.out_of_time = true;
        if (control.stop_trials) *control.stop_trials = true;
      }
      while (!(cancel.load() || systematic || out.out_of_time || streak.exhausted()) &&
             executor.running() < executor.capacity() &&
             p.finished + executor.running() < n_trials) {
        TrialProposal proposal;
        if (!reruns.empty()) {
          proposal = reruns.front();
          reruns.pop_front();
          strategy.note_running(proposal);
        } else {
          proposal = strategy.ask(next_id++);
          // Size is known from the architecture alone: no slot, no device for these.
          if (auto rejected = reject_by_size(proposal, limits, experiment.dataset, store.id())) {
            store.write_trial(*rejected);
            settle(*rejected);
            continue;
          }
        }
        if (observer.on_trial_started) observer.on_trial_started(proposal);
        executor.start(proposal);
      }
      p.running = executor.running();
      if (p.running == 0) break;
      p.elapsed_seconds = elapsed();
      auto finished = executor.wait_any(poll);
      if (!finished) {
        if (observer.on_tick) observer.on_tick(p);
        continue;
      }
      TrialRecord* record = &finished->record;
      // The runner wrote its trial.json; a trial whose run threw is written here so no trial is
      // lost.
      if (finished->escaped) {
        complete_escaped_trial(*record, store, experiment);
        store.write_trial(*record);
      }
      settle(*record);
    }
  } catch (const std::exception& e) {
    // A search that died (a device failure, a full disk, a worker lost) is marked failed, and can
    // still be resumed. The exception, not a failed write here, is what the user must see.
    try {
      finish(ExperimentStatus::kFailed, e.what());
    } catch (const std::exception&) {
    }
    throw;
  }

  // A ^C that came as the streak ran out is what the user asked for: an interruption.
  if (streak.exhausted() && !cancel.load()) {
    finish(ExperimentStatus::kFailed, streak.message(limits));
    throw UsageError(*experiment.error);
  }
  if (systematic) {
    finish(ExperimentStatus::kFailed,
           "the first " + std::to_string(same_failures) + " trials all failed with: " + failure);
    throw RuntimeFailure(*experiment.error + " (stopped: fix the cause, then nas search --resume " +
                         experiment.id + ")");
  }
  // A ^C that arrives after the last trial finished interrupts nothing; one that comes while
  // the budget's last trials stop still does (it is what the user asked for).
  out.interrupted = cancel.load() && p.finished < n_trials;
  if (out.interrupted) {
    out.out_of_time = false;
  } else {
    experiment.ended_by = p.finished >= n_trials || !out.out_of_time ? "n_trials" : "time_budget";
    out.out_of_time = *experiment.ended_by == "time_budget";
  }
  finish(out.interrupted ? ExperimentStatus::kInterrupted : ExperimentStatus::kCompleted,
         std::nullopt);
  return out;
}

}  // namespace nas
