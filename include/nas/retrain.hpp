#pragma once
// nas-test-model: retrain one architecture for many epochs with full statistics.
#include <torch/torch.h>

#include <atomic>
#include <functional>
#include <optional>
#include <string>

#include "nas/data.hpp"
#include "nas/records.hpp"
#include "nas/trainer.hpp"

namespace nas {

/// What to retrain, worked out from a trial directory of `nas search` (trial.json, with its
/// experiment two folders up), an NNI trial directory (parameter.cfg) or an architecture file.
struct RetrainSource {
  std::string path;
  Architecture arch;
  std::optional<ExperimentRecord> experiment;  // for a trial of nas search: its defaults
  std::optional<int> trial;
  std::string default_out_dir;  // the trial directory, or the architecture file's folder
  bool nni27 = false;           // the file held NNI 2.7's 54 labels; `arch` is their expansion
};

/// Throws InputError naming the path when nothing usable is there.
RetrainSource resolve_retrain_source(const std::string& path, const SearchSpace& space);

struct RetrainProgress {
  std::function<void(const EpochRecord&, int epochs)> on_epoch;
  std::function<void(int epoch, std::int64_t batch, std::int64_t batches)> on_batch;
  std::function<void(int epoch, double mean_loss)> on_loss;
};

/// Trains and evaluates on the test split for options.epochs; writes retrain.json after every
/// epoch and model.pt at the end into out_dir. `environment` (the device and compute settings
/// the caller applied) is recorded as it is. Returns the final record (status completed, failed
/// or interrupted).
RetrainRecord retrain(const RetrainSource& source, const DataOptions& data_options,
                      const TrainerOptions& options, const torch::Device& device,
                      const ComputeEnvironment& environment, const std::string& out_dir,
                      const RetrainProgress& progress = {},
                      const std::atomic<bool>* cancel = nullptr);

}  // namespace nas
