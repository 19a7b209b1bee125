#pragma once
// What a search and a retrain write down: the persisted records, with their JSON forms
// (docs/FORMATS.md). Plain data; the ExperimentStore decides where they live.
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "nas/core/search/mobilenetv3_space.hpp"
#include "nas/core/search/search_options.hpp"

namespace nas {

/// kRejected: broke a --max-latency/--max-macs/--max-params limit and was never trained; final,
/// but not one of the trials --n-trials counts.
enum class TrialStatus { kRunning, kCompleted, kCulled, kFailed, kInterrupted, kRejected };

std::string to_string(TrialStatus s);
/// Throws InputError for an unknown name.
TrialStatus trial_status_from_string(const std::string& s);
/// Completed, culled and failed trials are final, never change again, and count towards
/// --n-trials. (Rejected trials are final too, but do not count.)
inline bool is_finished(TrialStatus s) {
  return s == TrialStatus::kCompleted || s == TrialStatus::kCulled || s == TrialStatus::kFailed;
}

struct EpochRecord {
  int epoch = 0;  // 1-based
  double train_loss = 0;
  double accuracy = 0;    // percent
  double latency_ms = 0;  // per image
  double metric = 0;
  double seconds = 0;
  std::optional<double> threshold;  // the cull threshold compared against, if one applied
  /// Under --objective pareto, once culling is active: the trial's non-dominated rank among the
  /// trials that reached this epoch (1 = on their front). The scalar threshold is null then.
  std::optional<int> cull_rank;
};

/// What a NAS-Bench-201 trial looked up: both of the table's columns for its data set, whichever
/// the search scored by (--eval-split), and the cell in NAS-Bench-201's own string form.
struct Nb201Lookup {
  std::string dataset;  // cifar10 | cifar100 | imagenet16-120
  std::string cell;     // |nor_conv_3x3~0|+|...|
  double val_accuracy = 0;
  double test_accuracy = 0;
};

struct TrialRecord {
  int id = 0;
  std::string experiment;
  Architecture arch;
  std::optional<Architecture> arch_nni27;  // the 54-label form, in the nni-2.7 space
  std::string arch_key;
  std::string origin = "random";  // random | mutation
  std::optional<int> parent;
  /// Null where the space builds no network (a NAS-Bench-201 table cell).
  std::optional<std::int64_t> params;
  std::optional<std::int64_t> macs;
  std::string device;
  std::optional<std::string> host;  // the machine it ran on (null in files of older versions)
  std::optional<int> threads;       // its CPU threads (null in files of older versions)
  TrialStatus status = TrialStatus::kRunning;
  std::string started;
  std::optional<std::string> ended;
  std::optional<double> seconds;
  std::vector<EpochRecord> epochs;
  std::optional<double> metric;
  std::optional<double> accuracy;
  std::optional<double> latency_ms;
  std::optional<int> culled_at_epoch;
  std::optional<std::string> error;
  /// Latency per image of the untrained network, measured before training as every epoch's is
  /// (null in files of older versions, and for trials rejected by size before any device work).
  std::optional<double> latency_before_ms;
  /// Which limit a rejected trial broke: "max_latency", "max_macs" or "max_params".
  std::optional<std::string> rejected_by;
  /// Where latency_ms and latency_before_ms came from: "measured" (null in files of older
  /// versions: measured) or "table" (--latency-table's prediction for latency_table_device).
  std::optional<std::string> latency_source;
  std::optional<std::string> latency_table_device;
  /// A trial of --space nas-bench-201: the table's row, instead of any training.
  std::optional<Nb201Lookup> nb201;
};

struct DatasetInfo {
  std::string name;
  std::optional<std::string> dir;
  std::string split = "validation";
  std::int64_t train_size = 0;
  std::int64_t eval_size = 0;
  int shape[3] = {0, 0, 0};  // C, H, W
  int classes = 0;
};

/// One device a run used: "cuda:0" with its GPU's name, memory and compute capability, or "cpu"
/// with the processor's model name.
struct DeviceInfo {
  std::string device;
  std::string name;
  std::optional<std::int64_t> memory_mib;
  std::optional<std::string> capability;
};

/// Where and how a run computed: latency depends on all of it. Written by the session that ran
/// (a resumed search records its latest session).
struct ComputeEnvironment {
  std::vector<DeviceInfo> devices;
  std::optional<std::string> libtorch_cuda;  // CUDA that LibTorch was built with; none: CPU-only
  int gpus_visible = 0;                      // CUDA devices the process could see
  std::optional<std::string> cuda_runtime;   // "12.8"
  std::optional<std::string> cuda_driver;    // the highest CUDA version the driver supports
  std::optional<std::string> cudnn;          // LibTorch's integer form, e.g. "90100"
  bool cudnn_benchmark = false;
  bool deterministic = false;
  bool tf32 = false;
};

/// One worker rank of a search spread over MPI ranks: where it ran and what it brought.
struct WorkerInfo {
  int rank = 0;
  std::string host;
  std::vector<std::string> devices;  // its devices, as its slots name them ("cuda:0")
  int slots = 0;                     // trials it runs at once
  int threads = 0;                   // its CPU thread budget (0 = every core)
};

/// One span during which a search ran (a first run, then each resume).
struct SearchSession {
  std::string started;
  std::optional<std::string> ended;  // null while it runs (or after a crash: see the trials)
};

enum class ExperimentStatus { kRunning, kCompleted, kInterrupted, kFailed };
std::string to_string(ExperimentStatus s);
ExperimentStatus experiment_status_from_string(const std::string& s);

struct ExperimentRecord {
  std::string id;
  std::optional<std::string> name;
  std::string created;
  std::optional<std::string> finished;
  ExperimentStatus status = ExperimentStatus::kRunning;
  std::optional<std::string> error;
  /// What ended a completed search: "n_trials" or "time_budget" (null before it ends, and in
  /// files of older versions).
  std::optional<std::string> ended_by;
  std::uint64_t seed = 0;
  SearchOptions options;
  DatasetInfo dataset;
  std::vector<std::string> devices;
  std::string nas_version;
  std::string libtorch_version;
  std::optional<double> search_seconds;
  std::optional<ComputeEnvironment> environment;  // absent in files of older versions
  std::vector<WorkerInfo> workers;  // the worker ranks of the latest session; empty: one process
  /// The spans the search ran, oldest first; times between them (a night's pause) are not
  /// search time. Empty in files of older versions.
  std::vector<SearchSession> sessions;
};

/// Seconds of [from, to] (epoch seconds) that fall inside the sessions; a session without an end
/// counts up to `to`. With no sessions recorded, to - from.
double active_seconds(double from, double to, const std::vector<SearchSession>& sessions);

/// What nas-test-model writes as retrain.json.
struct RetrainRecord {
  std::string source;  // the trial directory or architecture file retrained
  std::optional<std::string> experiment;
  std::optional<int> trial;
  Architecture arch;
  std::string arch_key;
  std::int64_t params = 0;
  std::int64_t macs = 0;
  DatasetInfo dataset;
  std::string device;
  std::optional<ComputeEnvironment> environment;
  // options
  int epochs_planned = 50;
  int batch_size = 64;
  double lr = 1e-3;
  std::uint64_t seed = 0;
  int latency_batch = 64;
  double latency_exponent = 0.07;
  std::optional<double> target_latency_ms;  // the reward its metric uses (as the search's)
  std::string reward = "soft";
  double beta = kTunasBeta;
  int bn_recalibrate = 0;
  int threads = 0;
  std::int64_t train_subset = 0;
  std::int64_t eval_subset = 0;
  std::optional<std::string> initial_weights;  // --weights: the model.pt it started from
  // outcome
  TrialStatus status = TrialStatus::kRunning;  // completed | failed | interrupted
  std::optional<std::string> error;
  std::vector<EpochRecord> epochs;
  std::optional<double> accuracy;
  std::optional<double> latency_ms;
  std::optional<double> metric;
  double seconds = 0;
  std::string started;
  std::optional<std::string> ended;
  /// The folder it was read from (ExperimentStore::load_retrains); not part of retrain.json.
  std::string dir;
};

nlohmann::json to_json(const EpochRecord& r);
nlohmann::json to_json(const TrialRecord& r);
nlohmann::json to_json(const DatasetInfo& r);
nlohmann::json to_json(const ComputeEnvironment& r);
nlohmann::json to_json(const WorkerInfo& r);
nlohmann::json to_json(const ExperimentRecord& r);
nlohmann::json to_json(const RetrainRecord& r);
/// Each throws InputError naming the field that is missing or of the wrong type.
EpochRecord epoch_record_from_json(const nlohmann::json& j);
TrialRecord trial_record_from_json(const nlohmann::json& j);
DatasetInfo dataset_info_from_json(const nlohmann::json& j);
ComputeEnvironment compute_environment_from_json(const nlohmann::json& j);
WorkerInfo worker_info_from_json(const nlohmann::json& j);
ExperimentRecord experiment_record_from_json(const nlohmann::json& j);
RetrainRecord retrain_record_from_json(const nlohmann::json& j);

/// ISO 8601 UTC time of now, e.g. 2026-11-28T06:55:00Z (with milliseconds: ...:00.123Z).
std::string now_iso8601();
/// Seconds since the epoch for a time written by now_iso8601; throws InputError if unreadable.
double parse_iso8601(const std::string& s);

}  // namespace nas
