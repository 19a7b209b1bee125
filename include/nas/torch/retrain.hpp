#pragma once
// nas-test-model: retrain one architecture for many epochs with full statistics.
#include <torch/torch.h>

#include <atomic>
#include <functional>
#include <optional>
#include <string>

#include "nas/core/experiment/records.hpp"
#include "nas/torch/data.hpp"
#include "nas/torch/trainer.hpp"

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
RetrainSource resolve_retrain_source(const std::string& path, const MobileNetV3Space& space);

struct RetrainProgress {
  std::function<void(const EpochRecord&, int epochs)> on_epoch;
  std::function<void(int epoch, std::int64_t batch, std::int64_t batches)> on_batch;
  std::function<void(int epoch, double mean_loss)> on_loss;
};

/// A folder of its own for a new retrain of a trial: <dir>/retrain/<YYYYMMDD-HHMMSS>[-N], so no
/// retrain ever replaces another.
std::string new_retrain_dir(const std::string& dir);

/// Where a retrain writes, and where it starts from.
struct RetrainRun {
  std::string out_dir;  // retrain.json, checkpoint.pt, model.pt, model_state_dict.pt
  /// Weights to start from (model.pt of an earlier retrain); with 0 epochs the run only
  /// evaluates them.
  std::string initial_weights;
  /// The interrupted retrain in out_dir to continue from its last completed epoch (the record
  /// and the options come from its retrain.json, the weights and optimizer from checkpoint.pt).
  std::optional<RetrainRecord> resume;
};

/// Trains and evaluates on the test split for options.epochs; writes retrain.json and a
/// checkpoint (weights and optimizer state) after every epoch, and at the end model.pt (LibTorch's
/// format, for nas-test-model --weights) and model_state_dict.pt (a dict of named tensors that
/// Python's torch.load reads). Every file is written to a temporary name and renamed. A save that
/// fails marks the record failed with the reason and throws RuntimeFailure. `environment` is
/// recorded as it is. Returns the final record (completed, failed or interrupted).
RetrainRecord retrain(const RetrainSource& source, const DataOptions& data_options,
                      const TrainerOptions& options, const torch::Device& device,
                      const ComputeEnvironment& environment, const RetrainRun& run,
                      const RetrainProgress& progress = {},
                      const std::atomic<bool>* cancel = nullptr);

/// The source, data and training options a retrain was started with, from its retrain.json (for
/// --resume). The seed and subsets are those recorded.
struct RetrainSettings {
  RetrainSource source;
  DataOptions data;
  TrainerOptions train;
};
RetrainSettings settings_of(const RetrainRecord& record);

}  // namespace nas
