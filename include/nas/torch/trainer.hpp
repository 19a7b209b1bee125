#pragma once
// Trains one network with the original's recipe (Adam, cross-entropy, batch 64) and, after every
// epoch, measures accuracy, latency and the metric. The early-termination decision is not made
// here: each epoch's record goes to a callback that answers continue or stop.
#include <torch/torch.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "nas/core/experiment/records.hpp"
#include "nas/core/search/device_gate.hpp"
#include "nas/core/search/failure_kind.hpp"
#include "nas/core/search/reward.hpp"
#include "nas/torch/adam.hpp"
#include "nas/torch/batch_loader.hpp"
#include "nas/torch/model.hpp"

namespace nas {

struct TrainerOptions {
  int epochs = 3;
  int batch_size = 64;
  double lr = 1e-3;
  int eval_batch_size = 256;
  int latency_batch = 64;
  int latency_warmup = 3;
  /// Untimed passes go on for at least this long: an untrained network (the --max-latency check)
  /// or a latency table's block is not warm after 3 passes (whole networks timed so were 13 %
  /// slower at 1 thread and 39 % at 2 than after their training).
  double latency_warmup_ms = 50;
  int latency_repeats = 10;
  /// A latency table's prediction for this network (--latency-table): used wherever the latency
  /// would be measured, and nothing is measured.
  std::optional<double> predicted_latency_ms;
  /// The metric: the original's (latency_exponent), or the reward aiming at a target.
  RewardOptions reward;
  std::uint64_t seed = 0;     // augmentation, shuffling and dropout streams
  int threads = 0;            // intra-op CPU threads for this run's thread; 0 leaves the default
  bool channels_last = true;  // about 2x faster on CPU (docs/PERFORMANCE.md)
  /// Epochs already trained (a resumed retrain): training continues with epoch start_epoch + 1,
  /// with that epoch's shuffle, augmentation and dropout streams, so the result is the one an
  /// uninterrupted run gives.
  int start_epoch = 0;
  /// Before every evaluation and latency measurement, re-estimate BatchNorm's running statistics
  /// on this many training batches (recalibrate_batchnorm). 0: keep the statistics training left,
  /// as the original does.
  int bn_recalibrate = 0;
};

enum class EpochAction { kContinue, kStop };
using EpochCallback = std::function<EpochAction(const EpochRecord&)>;

struct TrainOutcome {
  std::vector<EpochRecord> epochs;
  bool stopped = false;                       // the callback asked to stop (culled)
  bool interrupted = false;                   // the cancel flag was raised
  std::optional<std::string> error;           // NaN loss, out of memory, any LibTorch error
  FailureKind failure = FailureKind::kTrial;  // what `error` means for the device
};

/// Sets `outcome`'s error and failure kind from the exception being handled; call it only inside
/// a catch block. LibTorch's out-of-memory error and std::bad_alloc are out of memory; other
/// messages are classified by their text (a device that is gone, or the trial's own failure).
void record_current_failure(TrainOutcome& outcome);

/// Re-estimates every BatchNorm layer's running mean and variance from `batches` training
/// batches of the loader's current epoch, as a cumulative average, forward only and without
/// gradients; weights and every other buffer stay as they are, and the model's train/eval mode
/// is restored. Training leaves an exponential average over networks that Adam has since moved
/// far from; on short budgets that makes eval-mode accuracy near chance (issue 13).
void recalibrate_batchnorm(MobileNetV3& model, BatchLoader& loader, int batches, int batch_size,
                           bool channels_last);

/// metric = accuracy * (latency in microseconds per image)^(-exponent).
double compute_metric(double accuracy, double latency_ms, double exponent);

/// What the caller hears during a run, and how it can steer it. Every member may be empty.
struct TrainHooks {
  EpochCallback on_epoch;  // answers continue or stop (culling) after each epoch
  std::function<void(int epoch, std::int64_t batch, std::int64_t batches)> on_batch;  // progress
  /// The epoch's mean training loss so far, every few dozen batches (when the trainer reads it
  /// anyway to catch a diverging loss; reading it every batch would stall a GPU).
  std::function<void(int epoch, double mean_loss)> on_loss;
  /// Called once the optimizer exists, before the first step (a resume loads its state here).
  std::function<void(Adam&)> on_optimizer;
  /// After each epoch's record: the model and optimizer, for a checkpoint.
  std::function<void(int epochs_done, MobileNetV3&, const Adam&)> on_checkpoint;
  DeviceGate* gate = nullptr;  // held shared while working, exclusively while timing latency
  const std::atomic<bool>* cancel = nullptr;  // polled every batch
};

/// Runs the whole training. Never throws for training failures: they land in outcome.error.
TrainOutcome train_and_evaluate(MobileNetV3& model, const DataBundle& data,
                                const torch::Device& device, const TrainerOptions& options,
                                const TrainHooks& hooks = {});

/// What the calling thread computes under while a trial trains and times: `threads` intra-op
/// threads (0 leaves LibTorch's choice) and denormal floats flushed to zero, which on x86 run many
/// times slower, so latency stays a property of the architecture rather than of how training
/// drifted the weights. `nas bench` and latency tables call it too, so their figures are a trial's.
/// The flush is a per-thread flag that a thread copies from its creator when it starts, so
/// threads started earlier (LibTorch's intra-op workers, once data loading has run) keep theirs:
/// nas and nas-test-model call this first in main, before any thread exists.
void use_trial_compute(int threads);

/// One evaluation of the model as it is (no training): accuracy on the evaluation set, latency
/// and metric, as an epoch record numbered 0. The model must already be on `device`.
EpochRecord evaluate_model(MobileNetV3& model, const DataBundle& data, const torch::Device& device,
                           const TrainerOptions& options);

/// Accuracy in percent on the evaluation set.
double evaluate_accuracy(MobileNetV3& model, const BatchLoader& loader, int batch_size,
                         bool channels_last);

/// The untrained network's latency per image (the median), measured as every epoch's is: the
/// model goes to the device (channels-last when the options say so) and is timed while `gate`
/// is held exclusively. A search measures it before training, to reject a network over
/// --max-latency for the price of one measurement.
double measure_untrained_latency(MobileNetV3& model, const InputShape& shape,
                                 const torch::Device& device, const TrainerOptions& options,
                                 DeviceGate* gate);

/// Inference time per image over repeated timed runs, in milliseconds.
struct LatencyStats {
  double median_ms = 0;  // what the metric uses
  double min_ms = 0;
  double max_ms = 0;
  std::vector<double> samples_ms;  // in the order measured
};

/// Inference time per image: eval mode, no grad, a random batch already on the device, `warmup`
/// untimed runs (and more until `warmup_ms` have passed), then `repeats` timed runs, each ended by
/// a device-wide synchronisation. The caller holds the device exclusively, so other trials' queued
/// work has drained before timing.
LatencyStats measure_latency(MobileNetV3& model, const InputShape& shape,
                             const torch::Device& device, int batch, int warmup, double warmup_ms,
                             int repeats, bool channels_last);
/// The timing loop of measure_latency for any forward pass (a block of a latency table): `input`
/// on the device, its first dimension the batch; no grad.
LatencyStats time_forward(const std::function<void(const torch::Tensor&)>& forward,
                          const torch::Tensor& input, const torch::Device& device, int warmup,
                          double warmup_ms, int repeats);

}  // namespace nas
