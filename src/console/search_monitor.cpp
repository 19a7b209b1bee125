#include "nas/console/search_monitor.hpp"

#include <algorithm>
#include <cstdio>

namespace nas {

std::optional<double> estimate_eta(std::optional<double> mean, int not_started,
                                   const std::vector<double>& running_seconds, int slots) {
  if (!mean) return std::nullopt;
  double work = std::max(0, not_started) * *mean;
  for (double s : running_seconds) work += std::max(0.0, *mean - s);
  return work / std::max(1, slots);
}

std::optional<std::string> SearchMonitor::on_record(const TrialRecord& r) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (r.status != TrialStatus::kRunning) return std::nullopt;
  auto [it, fresh] = running_.try_emplace(r.id);
  Running& run = it->second;
  if (fresh) {
    run.started = Clock::now();
    run.view.id = r.id;
    run.view.epochs = epochs_;
    run.view.where = r.device + (show_hosts_ && r.host ? "@" + *r.host : "");
  }
  const int done = static_cast<int>(r.epochs.size());
  if (done <= run.view.epochs_done) return std::nullopt;
  run.view.epochs_done = done;
  run.view.batch = run.view.batches = 0;  // the next epoch's batches start afresh
  run.view.images_per_s.reset();
  const EpochRecord& e = r.epochs.back();
  run.view.accuracy = e.accuracy;
  // Short enough for an 80-column terminal with the log's time and level before it.
  char line[200];
  std::snprintf(line, sizeof line, "trial %d epoch %d/%d: accuracy %.2f%%, %.4f ms, metric %.4f",
                r.id, e.epoch, epochs_, e.accuracy, e.latency_ms, e.metric);
  std::string out = line;
  if (e.threshold) {
    std::snprintf(line, sizeof line, ", cull threshold %.4f", *e.threshold);
    out += line;
  }
  return out;
}

void SearchMonitor::on_batch(int trial, int epoch, std::int64_t batch, std::int64_t batches) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = running_.find(trial);
  if (it == running_.end()) return;  // its first record has not arrived yet
  Running& run = it->second;
  const auto now = Clock::now();
  if (epoch != run.epoch) {
    run.epoch = epoch;
    run.epoch_started = now;
  }
  run.view.batch = static_cast<long>(batch);
  run.view.batches = static_cast<long>(batches);
  const double seconds = std::chrono::duration<double>(now - run.epoch_started).count();
  // The first batch of an epoch has no interval to measure yet.
  if (batch_size_ > 0 && batch > 1 && seconds > 0)
    run.view.images_per_s = static_cast<double>((batch - 1) * batch_size_) / seconds;
}

void SearchMonitor::on_finished(const TrialRecord& r) {
  std::lock_guard<std::mutex> lock(mutex_);
  running_.erase(r.id);
  // Interrupted and failed-before-training trials say little about how long a trial takes.
  if ((r.status == TrialStatus::kCompleted || r.status == TrialStatus::kCulled) && r.seconds) {
    finished_seconds_ += *r.seconds;
    ++finished_count_;
  }
}

SearchProgressView SearchMonitor::view(const SearchProgress& p) const {
  std::lock_guard<std::mutex> lock(mutex_);
  SearchProgressView v;
  v.finished = p.finished;
  v.n_trials = p.n_trials;
  v.completed = p.completed;
  v.culled = p.culled;
  v.failed = p.failed;
  v.rejected = p.rejected;
  if (p.best) {
    v.best_id = p.best->id;
    v.best_metric = p.best->metric;
  }
  v.elapsed_seconds = p.elapsed_seconds;
  std::vector<double> running_seconds;
  const auto now = Clock::now();
  double projected = 0;  // whole-trial times projected from the epochs run so far
  int projecting = 0;
  for (const auto& [id, run] : running_) {
    RunningTrialView t = run.view;
    t.seconds = std::chrono::duration<double>(now - run.started).count();
    running_seconds.push_back(t.seconds);
    if (t.epochs_done > 0 && t.epochs > 0) {
      projected += t.seconds * t.epochs / t.epochs_done;
      ++projecting;
    }
    v.running.push_back(t);
  }
  // Finished trials say best how long one takes; before any has, a trial that ran an epoch
  // gives an estimate (pessimistic: it assumes no culling).
  std::optional<double> mean;
  if (finished_count_ > 0) {
    mean = finished_seconds_ / finished_count_;
  } else if (projecting > 0) {
    mean = projected / projecting;
  }
  const int not_started = p.n_trials - p.finished - static_cast<int>(v.running.size());
  v.eta_seconds = estimate_eta(mean, not_started, running_seconds, slots_);
  return v;
}

}  // namespace nas
