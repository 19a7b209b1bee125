#include "nas/torch/search_worker.hpp"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "nas/core/common/error.hpp"
#include "nas/dist/dist_protocol.hpp"
#include "nas/dist/worker_loop.hpp"
#include "nas/torch/compute_settings.hpp"
#include "nas/torch/device.hpp"
#include "nas/torch/gpu_runtime.hpp"
#include "nas/torch/trial_runner.hpp"

namespace nas {
namespace {

/// The next message with one of `tags`; Shutdown always ends the wait (its exit code is
/// returned in `shutdown`).
std::optional<Message> wait_for(MessageChannel& channel, int tag, std::optional<int>& shutdown) {
  while (true) {
    auto m = channel.receive(std::chrono::milliseconds(50));
    if (!m) continue;
    if (m->tag == kTagShutdown) {
      shutdown = decode_field(m->body, "exit_code").get<int>();
      return std::nullopt;
    }
    if (m->tag == tag) return m;
    throw RuntimeFailure("worker rank " + std::to_string(channel.rank()) + ": expected " +
                         tag_name(tag) + ", got " + tag_name(m->tag));
  }
}

}  // namespace

bool report_worker_failure(MessageChannel& channel, const std::exception& e,
                           std::chrono::seconds wait) {
  channel.send(0, kTagWorkerFailed,
               nlohmann::json{{"error", e.what()}, {"exit_code", exit_code_for(e)}}.dump());
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (std::chrono::steady_clock::now() < deadline) {
    auto m = channel.receive(std::chrono::milliseconds(50));
    if (m && m->tag == kTagShutdown) return true;
  }
  return false;
}

int run_search_worker(MessageChannel& channel, const WorkerFlags& flags,
                      const std::atomic<bool>& interrupted) {
  std::optional<int> shutdown;
  auto setup_message = wait_for(channel, kTagSetup, shutdown);
  if (!setup_message) return *shutdown;
  const SetupMessage setup = decode_setup(setup_message->body);
  SearchOptions s = setup.options;
  // Where and how fast this rank runs is its own command line's say; what it searches is not.
  if (flags.device_given) s.device = flags.device;
  if (flags.no_gpu) s.device = "cpu";
  if (flags.concurrent_trials_given) s.concurrent_trials = flags.concurrent_trials;
  if (flags.threads_given) s.threads = flags.threads;
  if (flags.data_dir_given) s.data_dir = flags.data_dir;

  std::optional<SharedData> shared_data;
  std::vector<torch::Device> devices;
  ReadyMessage ready;
  try {
    devices = resolve_devices(s.device, false);
    const ComputeSettings compute = compute_settings_for(s);
    apply_compute_settings(compute);
    shared_data.emplace(load_data(data_options_for(s, setup.seed)), devices);
    ready.data = fingerprint(shared_data->host());
    ready.dataset = shared_data->host().info;
    ready.environment = describe_environment(devices);
    ready.environment->deterministic = compute.deterministic;
    ready.environment->tf32 = compute.tf32;
  } catch (const c10::Error& e) {
    throw RuntimeFailure(e.what_without_backtrace());
  }

  std::vector<std::string> device_names;
  for (const auto& d : devices) device_names.push_back(device_name(d));
  std::atomic<bool> stop_trials{false};
  WorkerLink link;
  RemoteCullPolicy cull(link);
  std::optional<RemoteTrialWriter> writer;
  std::optional<TrialContext> ctx;
  ThreadExecutor executor(
      with_decision_stats(link, [&ctx](const TrialProposal& p,
                                       const TrialSlot& slot) { return run_trial(p, slot, *ctx); }),
      device_names, s.concurrent_trials, s.threads);
  std::vector<torch::Device> slot_devices;
  std::set<std::string> used;
  for (const auto& slot : executor.slots()) {
    slot_devices.push_back(parse_device(slot.device));
    used.insert(slot.device);
  }
  const SlotStreams streams(slot_devices);

  ready.worker.rank = channel.rank();
  ready.worker.host = host_name();
  ready.worker.devices.assign(used.begin(), used.end());
  ready.worker.slots = executor.capacity();
  ready.worker.threads = s.threads;
  channel.send(0, kTagReady, encode(ready));

  auto go = wait_for(channel, kTagGo, shutdown);
  if (!go) return *shutdown;
  writer.emplace(link, decode_field(go->body, "experiment").get<std::string>());

  // A worker reads the table from the path the driver recorded, and refuses another file.
  std::shared_ptr<const LatencyTable> latency_table;
  if (!s.latency_table.empty())
    latency_table = std::make_shared<const LatencyTable>(
        load_search_latency_table(s.latency_table, s.latency_table_checksum));
  ctx.emplace(TrialContext{*shared_data, *writer, cull, trainer_options_for(s, setup.seed), streams,
                           &stop_trials, nullptr, trial_limits(s), latency_table});
  spdlog::debug("worker rank {} on {}: {} slots on {}", channel.rank(), ready.worker.host,
                executor.capacity(), s.device.empty() ? "default devices" : s.device);
  return run_worker_loop(channel, link, executor, stop_trials, interrupted);
}

}  // namespace nas
