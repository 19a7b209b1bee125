#include "nas/core/report/report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "nas/core/common/error.hpp"
#include "nas/core/experiment/experiment_store.hpp"
#include "nas/core/search/pareto.hpp"
#include "nas/core/search/search_spaces.hpp"

namespace fs = std::filesystem;

namespace nas {
namespace {

std::optional<double> time_of(const std::optional<std::string>& s) {
  if (!s) return std::nullopt;
  try {
    return parse_iso8601(*s);
  } catch (const InputError&) {
    return std::nullopt;
  }
}

struct Finished {
  const TrialRecord* trial;
  double end;
};

// Trials that reached a final state, in the order they ended (ties by id, for stable output).
std::vector<Finished> finished_by_end(const std::vector<TrialRecord>& trials) {
  std::vector<Finished> out;
  for (const auto& t : trials) {
    if (!is_finished(t.status)) continue;
    if (auto end = time_of(t.ended)) out.push_back({&t, *end});
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const Finished& a, const Finished& b) { return a.end < b.end; });
  return out;
}

StatusCounts count_statuses(const std::vector<TrialRecord>& trials) {
  StatusCounts c;
  for (const auto& t : trials) {
    ++c.total;
    switch (t.status) {
      case TrialStatus::kCompleted:
        ++c.completed;
        break;
      case TrialStatus::kCulled:
        ++c.culled;
        break;
      case TrialStatus::kFailed:
        ++c.failed;
        break;
      case TrialStatus::kInterrupted:
        ++c.interrupted;
        break;
      case TrialStatus::kRejected:
        ++c.rejected;
        break;
      case TrialStatus::kRunning:
        ++c.running;
        break;
    }
  }
  return c;
}

std::optional<double> earliest_start(const std::vector<TrialRecord>& trials) {
  std::optional<double> best;
  for (const auto& t : trials) {
    auto s = time_of(t.started);
    if (s && (!best || *s < *best)) best = s;
  }
  return best;
}

FirstTrialsSummary summarize_first(const std::vector<TrialRecord>& trials, int n,
                                   const std::vector<SearchSession>& sessions) {
  FirstTrialsSummary s;
  s.n = n;
  // As read_trial_data.py: only trials that ended with a final metric take a place.
  std::vector<Finished> scored;
  for (const auto& f : finished_by_end(trials)) {
    if (has_result(*f.trial)) scored.push_back(f);
  }
  s.counted = static_cast<int>(std::min<std::size_t>(scored.size(), std::max(n, 0)));
  std::optional<double> start;
  for (int i = 0; i < s.counted; ++i) {
    const TrialRecord& t = *scored[static_cast<std::size_t>(i)].trial;
    if (!s.best_metric || *t.metric > *s.best_metric) {
      s.best_metric = t.metric;
      s.best_trial = t.id;
    }
    const auto begun = time_of(t.started);
    if (begun && (!start || *begun < *start)) start = begun;
  }
  // Only while the search ran: a night between a stop and a resume is no search time.
  if (s.counted > 0 && start)
    s.seconds =
        active_seconds(*start, scored[static_cast<std::size_t>(s.counted) - 1].end, sessions);
  return s;
}

std::optional<double> all_trials_seconds(const std::vector<TrialRecord>& trials,
                                         const std::vector<SearchSession>& sessions) {
  const auto start = earliest_start(trials);
  std::optional<double> last;
  for (const auto& t : trials) {
    auto e = time_of(t.ended);
    if (e && (!last || *e > *last)) last = e;
  }
  if (!start || !last) return std::nullopt;
  return active_seconds(*start, *last, sessions);
}

CullSavings cull_savings(const std::vector<TrialRecord>& trials, int planned_epochs) {
  CullSavings c;
  double epoch_seconds = 0;
  int timed_epochs = 0;
  for (const auto& t : trials) {
    c.epochs_trained += static_cast<std::int64_t>(t.epochs.size());
    for (const auto& e : t.epochs) {
      if (std::isfinite(e.seconds)) {
        epoch_seconds += e.seconds;
        ++timed_epochs;
      }
    }
    if (t.status != TrialStatus::kCulled) continue;
    ++c.culled_trials;
    // 64-bit: a hand-edited culled_at_epoch (INT_MIN, say) must not overflow the difference.
    const std::int64_t reached = t.culled_at_epoch.value_or(static_cast<int>(t.epochs.size()));
    c.epochs_saved += std::max<std::int64_t>(0, std::int64_t(planned_epochs) - reached);
  }
  if (timed_epochs > 0) {
    c.seconds_per_epoch = epoch_seconds / timed_epochs;
    c.seconds_saved = *c.seconds_per_epoch * c.epochs_saved;
  }
  return c;
}

std::vector<int> depths_of(const Architecture& arch) {
  std::vector<int> out;
  for (int stage = 1; stage <= 5; ++stage) {
    const std::string label = "depth_" + std::to_string(stage);
    if (arch.has(label)) out.push_back(arch.at(label));
  }
  return out;
}

std::vector<TopRow> top_trials(const ExperimentReport& r, int k) {
  std::vector<const TrialRecord*> ranked;
  for (const auto& t : r.trials) {
    if (has_result(t)) ranked.push_back(&t);
  }
  std::stable_sort(ranked.begin(), ranked.end(), [](const TrialRecord* a, const TrialRecord* b) {
    return *a->metric > *b->metric;
  });
  if (static_cast<int>(ranked.size()) > k) ranked.resize(std::max(k, 0));
  std::vector<TopRow> rows;
  for (const TrialRecord* t : ranked) {
    rows.push_back({t->id, *t->metric, t->accuracy, t->latency_ms, t->params, t->macs,
                    depths_of(t->arch), t->status, retrained_accuracy(r, t->id),
                    retrain_is_partial(r, t->id), t->nb201});
  }
  return rows;
}

std::vector<BestSoFarPoint> best_so_far(const std::vector<TrialRecord>& trials) {
  std::vector<BestSoFarPoint> out;
  const auto finished = finished_by_end(trials);
  std::optional<BestSoFarPoint> best;
  for (std::size_t i = 0; i < finished.size(); ++i) {
    const TrialRecord& t = *finished[i].trial;
    if (has_result(t) && (!best || *t.metric > best->metric)) best = {0, t.id, *t.metric};
    if (best) out.push_back({static_cast<int>(i) + 1, best->id, best->metric});
  }
  return out;
}

}  // namespace

bool has_result(const TrialRecord& t) {
  return (t.status == TrialStatus::kCompleted || t.status == TrialStatus::kCulled) && t.metric;
}

bool is_full_retrain(const RetrainRecord& r) {
  return r.status == TrialStatus::kCompleted && r.train_subset == 0 && r.epochs_planned > 0 &&
         static_cast<int>(r.epochs.size()) >= r.epochs_planned;
}

bool retrained_on_experiment_data(const RetrainRecord& r, const ExperimentRecord& e) {
  if (r.dataset.name != e.dataset.name) return false;
  const bool shapes_known = r.dataset.shape[0] > 0 && e.dataset.shape[0] > 0;
  return !shapes_known || (std::equal(std::begin(r.dataset.shape), std::end(r.dataset.shape),
                                      std::begin(e.dataset.shape)) &&
                           r.dataset.classes == e.dataset.classes);
}

bool retrain_is_partial(const ExperimentReport& report, int trial_id) {
  auto it = report.retrains.find(trial_id);
  return it != report.retrains.end() && !is_full_retrain(it->second);
}

std::optional<double> retrained_accuracy(const ExperimentReport& report, int trial_id) {
  auto it = report.retrains.find(trial_id);
  if (it == report.retrains.end() || it->second.status != TrialStatus::kCompleted) {
    return std::nullopt;
  }
  return it->second.accuracy;
}

std::vector<ParetoPoint> pareto_front(const std::vector<TrialRecord>& trials) {
  std::vector<ParetoPoint> points;
  std::vector<Objectives> objectives;
  for (const auto& t : trials) {
    if (t.status == TrialStatus::kCompleted && has_result(t) && t.accuracy && t.latency_ms &&
        std::isfinite(*t.accuracy) && std::isfinite(*t.latency_ms)) {
      points.push_back({t.id, *t.accuracy, *t.latency_ms, t.status, t.params, t.macs, *t.metric});
      objectives.push_back({*t.accuracy, *t.latency_ms});
    }
  }
  std::vector<ParetoPoint> front;
  for (std::size_t i : front_indices(objectives)) front.push_back(points[i]);
  return front;
}

double front_hypervolume(const std::vector<ParetoPoint>& front, double reference_accuracy,
                         double reference_latency_ms) {
  std::vector<Objectives> points;
  for (const auto& p : front) points.push_back({p.accuracy, p.latency_ms});
  return hypervolume(points, {reference_accuracy, reference_latency_ms});
}

std::string shown_status(const ExperimentRecord& e, bool in_use) {
  if (e.status == ExperimentStatus::kRunning && !in_use) return "stopped";
  return to_string(e.status);
}

std::string status_hint(const ExperimentRecord& e, bool in_use) {
  if (e.status == ExperimentStatus::kRunning && !in_use)
    return "not running; resume with nas search --resume " + e.id;
  if (e.status == ExperimentStatus::kInterrupted || e.status == ExperimentStatus::kFailed)
    return "resume with nas search --resume " + e.id;
  return "";
}

std::vector<ExperimentListing> list_experiments(const std::string& root) {
  std::vector<ExperimentListing> rows;
  for (const auto& id : ExperimentStore::list(root)) {
    ExperimentListing row;
    row.id = id;
    try {
      const ExperimentStore store = ExperimentStore::open(root, id);
      const ExperimentRecord e = store.read_experiment();
      row.name = e.name;
      row.status = shown_status(e, store.in_use());
      row.created = e.created;
      const auto trials = store.load_trials().trials;
      // What --n-trials counts: rejected trials were never trained.
      row.trials = static_cast<int>(std::count_if(trials.begin(), trials.end(), [](const auto& t) {
        return t.status != TrialStatus::kRejected;
      }));
      for (const auto& t : trials) {
        if (has_result(t) && (!row.best_metric || *t.metric > *row.best_metric))
          row.best_metric = t.metric;
      }
    } catch (const Error& e) {
      row.status = "unreadable";
      row.problem = e.what();
    }
    rows.push_back(std::move(row));
  }
  std::stable_sort(
      rows.begin(), rows.end(),
      [](const ExperimentListing& a, const ExperimentListing& b) { return a.created < b.created; });
  return rows;
}

ExperimentReport build_report(const ExperimentStore& store, const ReportOptions& options) {
  ExperimentReport r;
  r.dir = store.dir();
  r.experiment = store.read_experiment();
  r.in_use = store.in_use();
  auto loaded = store.load_trials();
  r.trials = std::move(loaded.trials);
  r.problems = std::move(loaded.problems);
  for (const auto& t : r.trials) {
    // The latest full retrain wins; without one, the latest completed partial one.
    std::optional<RetrainRecord> chosen;
    for (auto& retrain : store.load_retrains(t.id, &r.problems)) {
      if (retrain.status != TrialStatus::kCompleted) continue;
      if (!retrained_on_experiment_data(retrain, r.experiment)) {
        r.other_data_retrains.push_back(std::move(retrain));
        continue;
      }
      if (is_full_retrain(retrain) || !chosen || !is_full_retrain(*chosen)) chosen = retrain;
    }
    if (chosen) r.retrains.emplace(t.id, std::move(*chosen));
  }
  r.counts = count_statuses(r.trials);
  r.first = summarize_first(r.trials, options.first, r.experiment.sessions);
  r.all_seconds = all_trials_seconds(r.trials, r.experiment.sessions);
  r.culling = cull_savings(r.trials, r.experiment.options.epochs);
  r.top = top_trials(r, options.top);
  r.pareto = pareto_front(r.trials);
  r.best_so_far = best_so_far(r.trials);
  for (const auto& f : finished_by_end(r.trials)) r.end_order.push_back(f.trial->id);
  if (!r.top.empty() && !is_tabular_space(r.experiment.options.space)) {
    DeployHint d;
    d.trial = r.top.front().id;
    d.trial_dir = fs::absolute(store.trial_dir(d.trial)).lexically_normal().string();
    const auto retrain = r.retrains.find(d.trial);
    if (retrain != r.retrains.end() && !retrain->second.epochs.empty() &&
        !retrain->second.dir.empty())
      d.retrain_dir = fs::absolute(retrain->second.dir).lexically_normal().string();
    r.deploy = d;
  }
  return r;
}

std::vector<std::string> deploy_commands(const DeployHint& d) {
  if (d.retrain_dir) return {"nas export " + *d.retrain_dir};
  return {"nas-test-model " + d.trial_dir, "nas export " + d.trial_dir};
}

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds)) return "-";
  char buf[48];
  const long total = std::lround(seconds);
  if (seconds >= 3600) {
    const long minutes = std::lround(seconds / 60);
    std::snprintf(buf, sizeof buf, "%ldh %02ldm", minutes / 60, minutes % 60);
  } else if (seconds >= 60) {
    std::snprintf(buf, sizeof buf, "%ldm %02lds", total / 60, total % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%.1fs", seconds);
  }
  return buf;
}

}  // namespace nas
