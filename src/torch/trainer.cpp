#include "nas/torch/trainer.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <optional>

#include "nas/core/common/random.hpp"
#include "nas/torch/adam.hpp"
#include "nas/torch/device.hpp"

namespace nas {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

torch::Tensor prepare(torch::Tensor x, bool channels_last) {
  return channels_last ? x.contiguous(torch::MemoryFormat::ChannelsLast) : x;
}

/// Interrupts the epoch loop from inside (cancel flag raised).
struct Cancelled {};

/// Checking the running loss sum every this many batches bounds the work wasted after a NaN
/// without forcing a device synchronisation every step.
constexpr std::int64_t kNanCheckEvery = 50;

}  // namespace

double compute_metric(double accuracy, double latency_ms, double exponent) {
  RewardOptions r;
  r.latency_exponent = exponent;
  return reward_of(accuracy, latency_ms, r);
}

double evaluate_accuracy(MobileNetV3& model, const BatchLoader& loader, int batch_size,
                         bool channels_last) {
  torch::NoGradGuard no_grad;
  model->eval();
  torch::Tensor correct;
  std::int64_t total = 0;
  for (std::int64_t i = 0, n = loader.eval_batch_count(batch_size); i < n; ++i) {
    auto [x, y] = loader.eval_batch(i, batch_size);
    auto hits = model->forward(prepare(x, channels_last)).argmax(1).eq(y).sum();
    correct = correct.defined() ? correct + hits : hits;
    total += y.size(0);
  }
  return total == 0 ? 0.0 : 100.0 * correct.item<double>() / static_cast<double>(total);
}

void recalibrate_batchnorm(MobileNetV3& model, BatchLoader& loader, int batches, int batch_size,
                           bool channels_last) {
  const std::int64_t n = std::min<std::int64_t>(batches, loader.train_batch_count(batch_size));
  if (n <= 0) return;
  std::vector<torch::nn::BatchNorm2dImpl*> norms;
  for (const auto& m : model->modules(/*include_self=*/false)) {
    if (auto* bn = m->as<torch::nn::BatchNorm2d>()) norms.push_back(bn);
  }
  // c10::optional in LibTorch 1.13, std::optional in 2.x: take whatever type the options use.
  std::vector<std::decay_t<decltype(norms.front()->options.momentum())>> momenta;
  for (auto* bn : norms) {
    momenta.push_back(bn->options.momentum());
    bn->options.momentum({});  // none: a cumulative average over the batches below
    bn->reset_running_stats();
  }
  const bool was_training = model->is_training();
  {
    torch::NoGradGuard no_grad;
    model->train();
    for (std::int64_t i = 0; i < n; ++i) {
      auto batch = loader.train_batch(i, batch_size);
      model->forward(prepare(batch.first, channels_last));
    }
  }
  for (std::size_t i = 0; i < norms.size(); ++i) norms[i]->options.momentum(momenta[i]);
  model->train(was_training);
}

LatencyStats measure_latency(MobileNetV3& model, const InputShape& shape,
                             const torch::Device& device, int batch, int warmup, double warmup_ms,
                             int repeats, bool channels_last) {
  torch::NoGradGuard no_grad;
  model->eval();
  auto gen = make_generator(device, 7);
  auto x = prepare(torch::randn({batch, shape.channels, shape.height, shape.width}, gen,
                                torch::TensorOptions().device(device)),
                   channels_last);
  return time_forward([&](const torch::Tensor& in) { model->forward(in); }, x, device, warmup,
                      warmup_ms, repeats);
}

LatencyStats time_forward(const std::function<void(const torch::Tensor&)>& forward,
                          const torch::Tensor& x, const torch::Device& device, int warmup,
                          double warmup_ms, int repeats) {
  torch::NoGradGuard no_grad;
  const auto batch = static_cast<double>(x.size(0));
  const auto warm_until = Clock::now() + std::chrono::duration<double, std::milli>(warmup_ms);
  for (int i = 0; i < warmup || Clock::now() < warm_until; ++i) {
    forward(x);
    synchronize(device);
  }
  LatencyStats stats;
  for (int i = 0; i < std::max(1, repeats); ++i) {
    const auto t0 = Clock::now();
    forward(x);
    synchronize(device);
    stats.samples_ms.push_back(seconds_since(t0) * 1000.0 / batch);
  }
  std::vector<double> sorted = stats.samples_ms;
  std::sort(sorted.begin(), sorted.end());
  stats.median_ms = sorted[sorted.size() / 2];
  stats.min_ms = sorted.front();
  stats.max_ms = sorted.back();
  return stats;
}

void use_trial_compute(int threads) {
  if (threads > 0) at::set_num_threads(threads);
  at::globalContext().setFlushDenormal(true);
}

double measure_untrained_latency(MobileNetV3& model, const InputShape& shape,
                                 const torch::Device& device, const TrainerOptions& o,
                                 DeviceGate* gate) {
  if (o.predicted_latency_ms) return *o.predicted_latency_ms;
  use_trial_compute(o.threads);
  {
    SharedGateHold hold(gate);
    model->to(device);
    if (o.channels_last) model->use_channels_last();
  }
  ExclusiveGateHold hold(gate);
  return measure_latency(model, shape, device, o.latency_batch, o.latency_warmup,
                         o.latency_warmup_ms, o.latency_repeats, o.channels_last)
      .median_ms;
}

EpochRecord evaluate_model(MobileNetV3& model, const DataBundle& data, const torch::Device& device,
                           const TrainerOptions& o) {
  use_trial_compute(o.threads);
  BatchLoader loader(data, device, mix_seed(o.seed, 0xba));
  if (o.bn_recalibrate > 0) {
    loader.start_epoch(0);
    recalibrate_batchnorm(model, loader, o.bn_recalibrate, o.batch_size, o.channels_last);
  }
  EpochRecord r;
  r.accuracy = evaluate_accuracy(model, loader, o.eval_batch_size, o.channels_last);
  r.latency_ms = o.predicted_latency_ms
                     ? *o.predicted_latency_ms
                     : measure_latency(model, data.shape, device, o.latency_batch, o.latency_warmup,
                                       o.latency_warmup_ms, o.latency_repeats, o.channels_last)
                           .median_ms;
  r.metric = reward_of(r.accuracy, r.latency_ms, o.reward);
  return r;
}

TrainOutcome train_and_evaluate(MobileNetV3& model, const DataBundle& data,
                                const torch::Device& device, const TrainerOptions& o,
                                const TrainHooks& hooks) {
  DeviceGate* gate = hooks.gate;
  const std::atomic<bool>* cancel = hooks.cancel;
  TrainOutcome outcome;
  try {
    use_trial_compute(o.threads);
    std::optional<BatchLoader> loader_holder;
    std::optional<Adam> optimizer_holder;
    {
      // Setup is work on the device too: not while another trial times its latency.
      SharedGateHold hold(gate);
      model->to(device);
      if (o.channels_last) model->use_channels_last();
      loader_holder.emplace(data, device, mix_seed(o.seed, 0xba));
      optimizer_holder.emplace(model->parameters(), AdamOptions{o.lr});
      if (hooks.on_optimizer) hooks.on_optimizer(*optimizer_holder);
    }
    BatchLoader& loader = *loader_holder;
    Adam& optimizer = *optimizer_holder;

    for (int epoch = std::max(0, o.start_epoch); epoch < o.epochs; ++epoch) {
      const auto t0 = Clock::now();
      model->train();
      torch::Tensor loss_sum;
      {
        SharedGateHold hold(gate);
        // A stream per epoch (like the shuffle's), so a run resumed at an epoch draws the same
        // dropout masks as one that never stopped.
        model->set_dropout_generator(make_generator(
            device, mix_seed(mix_seed(o.seed, 0xd0), static_cast<std::uint64_t>(epoch))));
        loader.start_epoch(epoch);
        loss_sum = torch::zeros({}, torch::TensorOptions().device(device));
      }
      const std::int64_t batches = loader.train_batch_count(o.batch_size);
      for (std::int64_t i = 0; i < batches; ++i) {
        if (cancel && cancel->load()) throw Cancelled{};
        SharedGateHold hold(gate);
        auto [x, y] = loader.train_batch(i, o.batch_size);
        optimizer.zero_grad();
        auto loss =
            torch::nn::functional::cross_entropy(model->forward(prepare(x, o.channels_last)), y);
        loss.backward();
        optimizer.step();
        loss_sum += loss.detach();
        if (hooks.on_batch) hooks.on_batch(epoch, i + 1, batches);
        if ((i + 1) % kNanCheckEvery == 0) {
          const double sum = loss_sum.item<double>();
          if (!std::isfinite(sum)) break;
          if (hooks.on_loss) hooks.on_loss(epoch, sum / static_cast<double>(i + 1));
        }
      }
      double train_loss = 0;
      {
        // Reading the sum waits for the device: not inside another trial's latency window.
        SharedGateHold hold(gate);
        train_loss =
            loss_sum.item<double>() / static_cast<double>(std::max<std::int64_t>(1, batches));
      }
      if (!std::isfinite(train_loss)) {
        outcome.error = "training loss is " +
                        std::string(std::isnan(train_loss) ? "NaN" : "infinite") + " in epoch " +
                        std::to_string(epoch + 1);
        return outcome;
      }
      EpochRecord r;
      r.epoch = epoch + 1;
      r.train_loss = train_loss;
      {
        SharedGateHold hold(gate);
        // The epoch's own first batches (its shuffle and augmentation streams), so a resumed run
        // recalibrates exactly as an uninterrupted one.
        if (o.bn_recalibrate > 0)
          recalibrate_batchnorm(model, loader, o.bn_recalibrate, o.batch_size, o.channels_last);
        r.accuracy = evaluate_accuracy(model, loader, o.eval_batch_size, o.channels_last);
      }
      if (cancel && cancel->load()) throw Cancelled{};
      if (o.predicted_latency_ms) {
        r.latency_ms = *o.predicted_latency_ms;
      } else {
        ExclusiveGateHold hold(gate);
        r.latency_ms = measure_latency(model, data.shape, device, o.latency_batch, o.latency_warmup,
                                       o.latency_warmup_ms, o.latency_repeats, o.channels_last)
                           .median_ms;
      }
      r.metric = reward_of(r.accuracy, r.latency_ms, o.reward);
      r.seconds = seconds_since(t0);
      outcome.epochs.push_back(r);
      const bool stop =
          hooks.on_epoch && hooks.on_epoch(outcome.epochs.back()) == EpochAction::kStop;
      // After the epoch's record: a crash between the two redoes the epoch from the previous
      // checkpoint (the same epoch again, from the same streams), never skips one.
      if (hooks.on_checkpoint) {
        SharedGateHold hold(gate);
        hooks.on_checkpoint(epoch + 1, model, optimizer);
      }
      if (stop) {
        outcome.stopped = epoch + 1 < o.epochs;
        return outcome;
      }
    }
  } catch (const Cancelled&) {
    outcome.interrupted = true;
  } catch (const std::exception&) {
    record_current_failure(outcome);
  }
  return outcome;
}

void record_current_failure(TrainOutcome& outcome) {
  try {
    throw;
  } catch (const c10::OutOfMemoryError& e) {
    outcome.error = e.what_without_backtrace();
    outcome.failure = FailureKind::kOutOfMemory;
  } catch (const c10::Error& e) {
    outcome.error = e.what_without_backtrace();
    outcome.failure = classify_failure(*outcome.error);
  } catch (const std::bad_alloc&) {
    outcome.error = "out of memory (std::bad_alloc)";
    outcome.failure = FailureKind::kOutOfMemory;
  } catch (const std::exception& e) {
    outcome.error = e.what();
    outcome.failure = classify_failure(*outcome.error);
  }
}

}  // namespace nas
