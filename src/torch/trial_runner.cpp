#include "nas/torch/trial_runner.hpp"

#include <c10/core/StreamGuard.h>
#include <spdlog/spdlog.h>

#include <chrono>

#include "nas/core/common/error.hpp"
#include "nas/core/common/random.hpp"
#include "nas/torch/gpu_runtime.hpp"
#include "nas/torch/model.hpp"

namespace nas {

TrainerOptions trainer_options_for(const SearchOptions& s, std::uint64_t seed) {
  TrainerOptions train;
  train.epochs = s.epochs;
  train.batch_size = s.batch_size;
  train.lr = s.lr;
  train.latency_batch = s.latency_batch;
  train.reward = reward_options(s);
  train.bn_recalibrate = s.bn_recalibrate;
  train.seed = seed;
  return train;
}

DataOptions data_options_for(const SearchOptions& s, std::uint64_t seed) {
  DataOptions d;
  d.name = s.dataset;
  d.dir = s.data_dir;
  d.eval_split = s.eval_split;
  d.train_subset = s.train_subset;
  d.eval_subset = s.eval_subset;
  d.seed = seed;
  return d;
}

TrialRecord run_trial(const TrialProposal& proposal, const TrialSlot& slot,
                      const TrialContext& ctx) {
  const auto t0 = std::chrono::steady_clock::now();
  const torch::Device device(slot.device);
  // All of this trial's device work goes to its slot's stream (restored when the trial ends): on
  // one shared default stream, concurrent trials on a GPU would run one after another.
  const c10::StreamGuard stream_guard(ctx.streams.of(slot.index));
  MobileNetV3Space space;
  const DataBundle& data = ctx.data.on(device);
  TrialRecord r = start_record(proposal, ctx.store.id());
  const NetworkPlan plan = plan_network(proposal.arch, data.shape, data.classes, space);
  r.params = count_params(plan);
  r.macs = count_macs(plan);
  r.device = slot.device;
  if (!slot.host.empty()) r.host = slot.host;
  r.threads = slot.threads;
  ctx.store.write_trial(r);
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };

  TrainerOptions train = ctx.train;
  train.threads = slot.threads;
  // Trial n's weights, shuffles, crops and dropout come from (seed, n): independent of timing.
  train.seed = mix_seed(ctx.train.seed, static_cast<std::uint64_t>(proposal.id));
  r.latency_source = ctx.latency_table ? "table" : "measured";
  if (ctx.latency_table) {
    r.latency_table_device = ctx.latency_table->device;
    train.predicted_latency_ms =
        predict_latency_ms(*ctx.latency_table, plan, ctx.latency_table->file);
  }
  const int last_epoch = train.epochs;

  TrainHooks hooks;
  hooks.gate = slot.gate;
  hooks.cancel = ctx.cancel;
  if (ctx.observer && ctx.observer->on_batch) {
    hooks.on_batch = [&ctx, id = r.id](int epoch, std::int64_t batch, std::int64_t batches) {
      ctx.observer->on_batch(id, epoch, batch, batches);
    };
  }
  hooks.on_epoch = [&](const EpochRecord& e) {
    EpochRecord rec = e;
    EpochAction action = EpochAction::kContinue;
    if (e.epoch < last_epoch) {
      const CullDecision d = ctx.cull.report(e.epoch - 1, {e.metric, e.accuracy, e.latency_ms});
      rec.threshold = d.threshold;
      rec.cull_rank = d.rank;
      if (d.cull) {
        action = EpochAction::kStop;
        r.culled_at_epoch = e.epoch;
      }
    }
    r.epochs.push_back(rec);
    r.metric = rec.metric;
    r.accuracy = rec.accuracy;
    r.latency_ms = rec.latency_ms;
    r.seconds = elapsed();
    ctx.store.write_trial(r);
    spdlog::debug("trial {}: epoch {} accuracy {:.2f} latency {:.4f} ms metric {:.3f}{}", r.id,
                  e.epoch, e.accuracy, e.latency_ms, e.metric,
                  action == EpochAction::kStop ? " (culled)" : "");
    return action;
  };

  TrainOutcome outcome;
  bool rejected = false;
  try {
    std::optional<MobileNetV3> model;
    {
      // Initialising up to 37 M weights is work on the device's cores: not while another trial
      // times its latency.
      SharedGateHold hold(slot.gate);
      model.emplace(build_model(proposal.arch, data.shape, data.classes, train.seed, space));
    }
    r.latency_before_ms = measure_untrained_latency(*model, data.shape, device, train, slot.gate);
    rejected = latency_rejected(ctx.limits, *r.latency_before_ms);
    if (!rejected) {
      ctx.store.write_trial(r);
      outcome = train_and_evaluate(*model, data, device, train, hooks);
    }
  } catch (const c10::Error&) {
    // Other exceptions (an architecture that cannot be built) escape to the executor.
    record_current_failure(outcome);
  } catch (const std::bad_alloc&) {
    record_current_failure(outcome);
  }
  // The model and the trial's tensors are gone by now: their blocks can go back to the device.
  if (outcome.error && outcome.failure == FailureKind::kOutOfMemory) {
    SharedGateHold hold(slot.gate);
    release_cached_memory(device);
  }
  if (outcome.error && outcome.failure == FailureKind::kDeviceFatal) {
    // Not this architecture's failure: run it again when the search resumes.
    r.status = TrialStatus::kInterrupted;
    r.error = "device failure: " + *outcome.error;
    r.ended = now_iso8601();
    r.seconds = elapsed();
    ctx.store.write_trial(r);
    throw DeviceFailure(slot.device + " failed in trial " + std::to_string(r.id) + ": " +
                        *outcome.error);
  }
  if (rejected) {
    mark_rejected(r, "max_latency");
    r.seconds = elapsed();
    ctx.store.write_trial(r);
    return r;
  }
  if (outcome.error) {
    r.status = TrialStatus::kFailed;
    r.error = outcome.error;
  } else if (outcome.interrupted) {
    r.status = TrialStatus::kInterrupted;
  } else {
    r.status = r.culled_at_epoch ? TrialStatus::kCulled : TrialStatus::kCompleted;
  }
  r.ended = now_iso8601();
  r.seconds = elapsed();
  ctx.store.write_trial(r);
  return r;
}

}  // namespace nas
