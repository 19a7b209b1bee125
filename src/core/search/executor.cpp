#include "nas/core/search/executor.hpp"

#include <unistd.h>

#include <algorithm>
#include <map>

#include "nas/core/common/error.hpp"

namespace nas {

std::string host_name() {
  char name[256] = {0};
  if (gethostname(name, sizeof name - 1) != 0 || name[0] == 0) return "localhost";
  return name;
}

TrialRecord failed_trial(const TrialProposal& p, const std::string& device,
                         const std::string& error) {
  TrialRecord r = start_record(p, "");
  r.device = device;
  r.status = TrialStatus::kFailed;
  r.ended = r.started;
  r.error = error;
  return r;
}

int slot_threads(const std::string& device, int total_threads, int concurrency) {
  if (total_threads <= 0)
    total_threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  // Every trial's host work runs on the same cores: split them evenly between the slots.
  const int share = std::max(1, total_threads / std::max(1, concurrency));
  // A GPU trial needs a thread or two for its host work, not a whole CPU share.
  return device == "cpu" ? share : std::min(2, share);
}

ThreadExecutor::ThreadExecutor(TrialFunction run, std::vector<std::string> devices, int concurrency,
                               int total_threads)
    : run_(std::move(run)) {
  if (devices.empty()) throw UsageError("executor: no device");
  if (concurrency < 1)
    throw UsageError("--concurrent-trials must be at least 1, got " + std::to_string(concurrency));
  std::map<std::string, DeviceGate*> gate_of;
  for (const auto& d : devices) {
    if (!gate_of.count(d)) {
      gates_.push_back(std::make_unique<DeviceGate>());
      gate_of[d] = gates_.back().get();
    }
  }
  for (int i = 0; i < concurrency; ++i) {
    TrialSlot s;
    s.index = i;
    s.device = devices[static_cast<std::size_t>(i) % devices.size()];
    s.threads = slot_threads(s.device, total_threads, concurrency);
    s.gate = gate_of[s.device];
    s.host = host_name();
    slots_.push_back(s);
  }
  busy_.assign(slots_.size(), false);
  threads_.resize(slots_.size());
}

ThreadExecutor::~ThreadExecutor() {
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

int ThreadExecutor::running() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return static_cast<int>(std::count(busy_.begin(), busy_.end(), true));
}

void ThreadExecutor::start(const TrialProposal& proposal) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto free = std::find(busy_.begin(), busy_.end(), false);
  if (free == busy_.end())
    throw RuntimeFailure("executor: no free slot for trial " + std::to_string(proposal.id));
  const auto slot = static_cast<std::size_t>(free - busy_.begin());
  if (threads_[slot].joinable()) threads_[slot].join();  // finished; its result is already queued
  busy_[slot] = true;
  threads_[slot] = std::thread([this, proposal, slot] {
    FinishedTrial finished;
    try {
      finished.record = run_(proposal, slots_[slot]);
    } catch (const DeviceFailure&) {
      // Not a result: the search must stop. The slot stays busy; nothing more runs on it.
      std::lock_guard<std::mutex> lock(mutex_);
      if (!device_failure_) device_failure_ = std::current_exception();
      cv_.notify_all();
      return;
    } catch (const std::exception& e) {
      finished = {failed_trial(proposal, slots_[slot].device, e.what()), true};
    } catch (...) {
      finished = {failed_trial(proposal, slots_[slot].device, "unknown error"), true};
    }
    std::lock_guard<std::mutex> lock(mutex_);
    done_.emplace_back(static_cast<int>(slot), std::move(finished));
    cv_.notify_all();
  });
}

std::optional<FinishedTrial> ThreadExecutor::wait_any(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (!cv_.wait_for(lock, timeout, [this] { return !done_.empty() || device_failure_; }))
    return std::nullopt;
  if (device_failure_) std::rethrow_exception(device_failure_);
  auto [slot, finished] = std::move(done_.front());
  done_.pop_front();
  busy_[static_cast<std::size_t>(slot)] = false;
  return finished;
}

}  // namespace nas
