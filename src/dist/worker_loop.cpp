#include "nas/dist/worker_loop.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <tuple>

#include "nas/core/common/error.hpp"
#include "nas/dist/dist_protocol.hpp"

namespace nas {
namespace {

using Clock = std::chrono::steady_clock;

/// Per trial thread: the cull decisions it waited for since its trial started.
thread_local int t_decisions = 0;
thread_local double t_decision_seconds = 0;

}  // namespace

void WorkerLink::post(int tag, std::string body) {
  std::lock_guard<std::mutex> lock(mutex_);
  outbox_.emplace_back(tag, std::move(body));
  cv_.notify_all();
}

void WorkerLink::wait_for_post(std::chrono::microseconds timeout) {
  std::unique_lock<std::mutex> lock(mutex_);
  cv_.wait_for(lock, timeout, [&] { return !outbox_.empty() || closed_; });
}

CullDecision WorkerLink::ask(int epoch, const EpochScore& score) {
  const auto t0 = Clock::now();
  std::unique_lock<std::mutex> lock(mutex_);
  if (closed_) return {};
  const std::uint64_t request = next_request_++;
  waiting_[request];
  EpochMessage m;
  m.request = request;
  m.epoch = epoch;
  m.score = score;
  outbox_.emplace_back(kTagEpoch, encode(m));
  cv_.notify_all();
  cv_.wait(lock, [&] { return closed_ || waiting_[request].has_value(); });
  const CullDecision d = waiting_[request].value_or(CullDecision{});
  waiting_.erase(request);
  ++t_decisions;
  t_decision_seconds += std::chrono::duration<double>(Clock::now() - t0).count();
  return d;
}

void WorkerLink::deliver(std::uint64_t request, const CullDecision& decision) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = waiting_.find(request);
  if (it == waiting_.end()) return;  // answered after a shutdown released the trial
  it->second = decision;
  cv_.notify_all();
}

void WorkerLink::close() {
  std::lock_guard<std::mutex> lock(mutex_);
  closed_ = true;
  cv_.notify_all();
}

std::vector<std::pair<int, std::string>> WorkerLink::take_outbox() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::pair<int, std::string>> out;
  out.swap(outbox_);
  return out;
}

void WorkerLink::file_thread_stats(int trial_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  trial_stats_[trial_id] = {t_decisions, t_decision_seconds};
  t_decisions = 0;
  t_decision_seconds = 0;
}

std::pair<int, double> WorkerLink::take_trial_stats(int trial_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = trial_stats_.find(trial_id);
  if (it == trial_stats_.end()) return {0, 0.0};
  auto out = it->second;
  trial_stats_.erase(it);
  return out;
}

TrialFunction with_decision_stats(WorkerLink& link, TrialFunction run) {
  return [&link, run = std::move(run)](const TrialProposal& p, const TrialSlot& slot) {
    struct File {
      WorkerLink& link;
      int id;
      ~File() { link.file_thread_stats(id); }
    } file{link, p.id};
    return run(p, slot);
  };
}

int WorkerLink::pending() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return static_cast<int>(waiting_.size());
}

void RemoteCullPolicy::restore(const std::vector<EpochScore>&, bool) {
  throw RuntimeFailure("cull histories live on the driver; a worker cannot restore them");
}

void RemoteTrialWriter::write_trial(const TrialRecord& record) const {
  link_.post(kTagUpdate, encode(record));
}

int run_worker_loop(MessageChannel& channel, WorkerLink& link, TrialExecutor& executor,
                    std::atomic<bool>& stop_trials, const std::atomic<bool>& interrupted) {
  bool device_failed = false;
  auto flush = [&] {
    auto out = link.take_outbox();
    for (auto& [tag, body] : out) channel.send(0, tag, body);
    return !out.empty();
  };
  // Finished local trials, sent after every message their threads queued before they ended.
  // Returns whether anything was sent.
  auto collect = [&] {
    std::vector<FinishedTrial> done;
    try {
      while (auto r = executor.wait_any(std::chrono::milliseconds(0))) done.push_back(*r);
    } catch (const DeviceFailure& e) {
      if (!device_failed)
        channel.send(0, kTagDeviceFailed, encode_field("error", std::string(e.what())));
      device_failed = true;
    }
    const bool sent = flush();
    for (auto& f : done) {
      DoneMessage m;
      std::tie(m.decisions, m.decision_seconds) = link.take_trial_stats(f.record.id);
      m.record = std::move(f.record);
      m.escaped = f.escaped;
      channel.send(0, kTagDone, encode(m));
    }
    return sent || !done.empty();
  };
  // The loop sleeps on the link, so a trial's message wakes it at once; the driver's messages
  // are polled, often while a trial waits for a decision and rarely when nothing is pending.
  // Dozens of oversubscribed ranks on a few cores then cost little CPU.
  constexpr auto kFirstNap = std::chrono::microseconds(100);
  auto nap = kFirstNap;
  while (true) {
    if (interrupted.load()) stop_trials = true;
    if (collect()) nap = kFirstNap;
    auto m = channel.receive(std::chrono::microseconds(0));
    if (!m) {
      const auto longest =
          link.pending() > 0 ? std::chrono::microseconds(1000) : std::chrono::microseconds(20000);
      link.wait_for_post(std::min(nap, longest));
      nap = std::min(nap * 2, longest);
      continue;
    }
    nap = kFirstNap;
    switch (m->tag) {
      case kTagStart:
        executor.start(decode_proposal(m->body));
        break;
      case kTagDecision: {
        const DecisionMessage d = decode_decision(m->body);
        link.deliver(d.request, d.decision);
        break;
      }
      case kTagStop:
        stop_trials = true;
        break;
      case kTagShutdown: {
        // The driver waited for every trial it started, except when the search failed; whatever
        // still runs here is cut short, and the executor's owner joins its threads.
        const int code = decode_field(m->body, "exit_code").get<int>();
        stop_trials = true;
        link.close();
        return code;
      }
      default:
        throw RuntimeFailure("worker rank " + std::to_string(channel.rank()) + ": unexpected " +
                             tag_name(m->tag) + " message from rank " + std::to_string(m->peer));
    }
  }
}

}  // namespace nas
