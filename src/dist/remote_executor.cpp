#include "nas/dist/remote_executor.hpp"

#include <nlohmann/json.hpp>

#include "nas/core/common/error.hpp"

namespace nas {
namespace {

using Clock = std::chrono::steady_clock;

std::string where(const WorkerInfo& w) {
  return "rank " + std::to_string(w.rank) + " (" + w.host + ")";
}

}  // namespace

std::vector<ReadyMessage> gather_workers(MessageChannel& channel, const SetupMessage& setup,
                                         const std::atomic<bool>& cancel) {
  const std::string body = encode(setup);
  for (int r = 1; r < channel.size(); ++r) channel.send(r, kTagSetup, body);
  std::map<int, ReadyMessage> ready;
  while (static_cast<int>(ready.size()) < channel.size() - 1) {
    if (cancel.load()) {
      shutdown_workers(channel, kExitInterrupted);
      throw Interrupted("interrupted while the workers loaded their data");
    }
    auto m = channel.receive(std::chrono::milliseconds(50));
    if (!m) continue;
    if (m->tag == kTagReady) {
      ReadyMessage r = decode_ready(m->body);
      r.worker.rank = m->peer;
      ready[m->peer] = std::move(r);
    } else if (m->tag == kTagWorkerFailed) {
      const std::string error = decode_field(m->body, "error").get<std::string>();
      const int code = decode_field(m->body, "exit_code").get<int>();
      shutdown_workers(channel, code);
      const std::string what = "rank " + std::to_string(m->peer) + " could not start: " + error;
      if (code == kExitUsage) throw InputError(what);
      throw RuntimeFailure(what);
    } else {
      shutdown_workers(channel, kExitFailure);
      throw RuntimeFailure("rank " + std::to_string(m->peer) + " sent " + tag_name(m->tag) +
                           " before it was ready");
    }
  }
  std::vector<ReadyMessage> out;
  for (auto& [rank, r] : ready) out.push_back(std::move(r));
  return out;
}

void check_same_data(const std::vector<ReadyMessage>& workers) {
  for (std::size_t i = 1; i < workers.size(); ++i) {
    if (auto diff = describe_difference(workers[i].data, workers[0].data)) {
      throw InputError(where(workers[i].worker) + " holds other data than " +
                       where(workers[0].worker) + ": " + *diff +
                       "; every rank must load the same data set, files and subsets");
    }
  }
}

void send_go(MessageChannel& channel, const std::string& experiment_id) {
  const std::string body = encode_field("experiment", experiment_id);
  for (int r = 1; r < channel.size(); ++r) channel.send(r, kTagGo, body);
}

void shutdown_workers(MessageChannel& channel, int exit_code) noexcept {
  try {
    const std::string body = encode_field("exit_code", exit_code);
    for (int r = 1; r < channel.size(); ++r) channel.send(r, kTagShutdown, body);
  } catch (...) {
    // The job is ending anyway; the launcher reaps what does not hear this.
  }
}

RemoteExecutor::RemoteExecutor(MessageChannel& channel, const std::vector<WorkerInfo>& workers,
                               const TrialWriter& store, CullPolicy& cull,
                               const std::atomic<bool>* stop)
    : channel_(channel), store_(store), cull_(cull), stop_(stop) {
  for (const auto& w : workers) {
    if (w.slots < 1) throw UsageError(where(w) + " has no trial slots");
    workers_[w.rank] = w;
    busy_[w.rank] = 0;
    capacity_ += w.slots;
  }
  if (workers_.empty()) throw UsageError("a distributed search needs at least one worker rank");
}

std::string RemoteExecutor::describe(int rank) const {
  auto it = workers_.find(rank);
  return it == workers_.end() ? "rank " + std::to_string(rank) : where(it->second);
}

void RemoteExecutor::start(const TrialProposal& proposal) {
  int best = -1, best_free = 0;
  for (const auto& [rank, w] : workers_) {
    const int free = w.slots - busy_[rank];
    if (free > best_free) {
      best = rank;
      best_free = free;
    }
  }
  if (best < 0)
    throw RuntimeFailure("executor: no free slot for trial " + std::to_string(proposal.id));
  channel_.send(best, kTagStart, encode(proposal));
  ++busy_[best];
  ++running_;
  trial_rank_[proposal.id] = best;
  // Until the worker's first record arrives, what the driver knows of the trial.
  TrialRecord r = start_record(proposal, store_.id());
  r.host = workers_[best].host;
  latest_[proposal.id] = std::move(r);
}

std::optional<FinishedTrial> RemoteExecutor::wait_any(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (true) {
    if (stop_ && stop_->load() && !stop_sent_) {
      for (const auto& [rank, w] : workers_) channel_.send(rank, kTagStop, "{}");
      stop_sent_ = true;
      for (auto& [id, r] : latest_) {
        r.status = TrialStatus::kInterrupted;
        r.ended = now_iso8601();
        store_.write_trial(r);
        abandoned_.push_back(std::move(r));
      }
      latest_.clear();
      trial_rank_.clear();
      for (auto& [rank, n] : busy_) n = 0;
      running_ = 0;
    }
    if (!abandoned_.empty()) {
      FinishedTrial f{std::move(abandoned_.front()), false};
      abandoned_.pop_front();
      return f;
    }
    const auto left =
        std::chrono::duration_cast<std::chrono::microseconds>(deadline - Clock::now());
    // Wake at least every 50 ms to notice the stop flag.
    auto m = channel_.receive(
        std::max(std::chrono::microseconds(0), std::min(left, std::chrono::microseconds(50000))));
    if (m) {
      ++stats_.messages;
      if (auto record = handle(*m)) return record;
      continue;  // keep serving messages that are already here
    }
    if (Clock::now() >= deadline) return std::nullopt;
  }
}

std::optional<FinishedTrial> RemoteExecutor::handle(const Message& m) {
  switch (m.tag) {
    case kTagEpoch: {
      const EpochMessage e = decode_epoch(m.body);
      DecisionMessage d;
      d.request = e.request;
      // After a stop the trial is recorded as interrupted: its epochs enter no history.
      if (!stop_sent_) d.decision = cull_.report(e.epoch, e.score);
      channel_.send(m.peer, kTagDecision, encode(d));
      ++stats_.decisions;
      return std::nullopt;
    }
    case kTagUpdate: {
      TrialRecord r = decode_record(m.body);
      // A trial already recorded as interrupted (stop flag) stays so.
      if (!trial_rank_.count(r.id)) return std::nullopt;
      store_.write_trial(r);
      latest_[r.id] = std::move(r);
      return std::nullopt;
    }
    case kTagDone: {
      DoneMessage done = decode_done(m.body);
      auto it = trial_rank_.find(done.record.id);
      if (it == trial_rank_.end()) {
        if (stop_sent_) return std::nullopt;  // recorded as interrupted already
        throw RuntimeFailure(describe(m.peer) + " finished trial " +
                             std::to_string(done.record.id) + ", which it was not running");
      }
      --busy_[it->second];
      --running_;
      trial_rank_.erase(it);
      latest_.erase(done.record.id);
      ++stats_.trials;
      stats_.decision_round_trip_seconds += done.decision_seconds;
      return FinishedTrial{std::move(done.record), done.escaped};
    }
    case kTagDeviceFailed:
      throw DeviceFailure(describe(m.peer) + ": " +
                          decode_field(m.body, "error").get<std::string>());
    case kTagWorkerFailed:
      throw RuntimeFailure(describe(m.peer) +
                           " failed: " + decode_field(m.body, "error").get<std::string>());
    default:
      throw RuntimeFailure(describe(m.peer) + " sent an unexpected " + tag_name(m.tag) +
                           " message");
  }
}

}  // namespace nas
