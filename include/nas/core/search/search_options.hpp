#pragma once
// Every option of a search, with the original's defaults. Stored whole in experiment.json so a
// search can be resumed and reported without its command line.
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "nas/core/search/mobilenetv3_space.hpp"
#include "nas/core/search/reward.hpp"

namespace nas {

struct SearchOptions {
  std::string strategy = "evolution";  // evolution | random
  /// scalar: rank by the metric (the original); pareto: by accuracy and latency at once, the
  /// tournament and culling by non-dominated rank (pareto.hpp). Random search proposes as ever
  /// under pareto; its culling ranks by the front.
  std::string objective = "scalar";
  /// mobilenetv3 (66 choices) | nni-2.7 (the original's 54) | nas-bench-201 (a table, no
  /// training: search_spaces.hpp)
  std::string space = "mobilenetv3";
  /// The table's data set under --space nas-bench-201: cifar10 | cifar100 | imagenet16-120.
  std::string nb201_dataset = "cifar10";
  /// The table's file under --space nas-bench-201; empty: the one nas ships.
  std::string nb201_table;
  /// --latency-table: latencies predicted from this table (its absolute path), measured for
  /// latency_table_device, instead of measured; empty: measured. The checksum (FNV-1a of the
  /// file) lets a resume refuse a table that changed.
  std::string latency_table;
  std::string latency_table_device;
  std::string latency_table_checksum;
  int concurrent_trials = 4;
  int epochs = 3;
  double cull_ratio = 0.3;  // 0 = no early termination
  int max_population = 30;
  int sample_size = 7;
  int n_trials = 1000;
  /// Search time (across resumes) after which no trial starts and running ones stop; none by
  /// default. Whichever of n_trials and the budget comes first ends the search.
  std::optional<double> time_budget_seconds;
  double mutation_prob = 0.05;
  /// Hard limits (trial_limits.hpp): a network over one is rejected, never trained. None by
  /// default.
  std::optional<double> max_latency_ms;
  std::optional<std::int64_t> max_macs;
  std::optional<std::int64_t> max_params;
  std::vector<Architecture> initial_archs;  // --initial-arch: tried first, in order
  std::optional<std::uint64_t> seed;        // drawn and recorded when not given

  std::string dataset = "fashion-mnist";
  std::string data_dir;                   // empty: the data set's default
  std::string eval_split = "validation";  // validation | test
  std::int64_t train_subset = 0;          // 0 = all
  std::int64_t eval_subset = 0;           // 0 = all

  int batch_size = 64;
  double lr = 1e-3;
  int latency_batch = 64;
  double latency_exponent = 0.07;  // metric = accuracy * t_us^(-latency_exponent)
  /// With a target, the metric is a reward that aims at it (reward.hpp); none: the original's.
  std::optional<double> target_latency_ms;
  std::string reward = "soft";  // soft | hard | absolute
  double beta = kTunasBeta;     // absolute only
  int bn_recalibrate = 0;       // BatchNorm statistics re-estimated on N batches before evaluating
  int threads = 0;              // CPU threads in all; 0 = all cores
  std::string device;           // empty: CUDA when available, else cpu; "cpu"; "cuda:0,cuda:1"
  bool deterministic = false;   // deterministic algorithms where they exist (ComputeSettings)
  bool tf32 = false;            // TF32 matmuls and convolutions on GPUs that have it
};

/// Throws UsageError naming the bad setting (cull ratio outside [0, 1), sample size above the
/// population, population above the trial count, zero epochs, unknown strategy or split, ...).
/// The training recipe's numbers as every command takes them (search, test-model, bench):
/// finite positive --lr, finite non-negative --latency-exponent, --batch-size of at least 2
/// (BatchNorm cannot train on one image), --latency-batch at least 1, and --threads from 0 to
/// max_useful_threads(). Throws UsageError naming the flag.
void validate_recipe(double lr, double latency_exponent, int batch_size, int latency_batch,
                     int threads);
/// --train-subset 0 (all), or at least one batch: fewer images than --batch-size train on one
/// short batch an epoch, too few to learn or to hold every class. Throws UsageError.
void validate_train_subset(std::int64_t train_subset, int batch_size);
/// The most threads (or concurrent trials) a flag may ask for: 4x this machine's hardware
/// threads. More only queue, and thousands of them exhaust memory before any trial starts.
int max_useful_threads();

void validate(const SearchOptions& o);

/// The reward the search's trials are scored by.
RewardOptions reward_options(const SearchOptions& o);

/// A duration as users write one: "90m", "8h", "1d", "1h30m", "45s" or plain seconds ("3600").
/// Throws UsageError naming `flag` for text that does not parse, or a duration that is not
/// positive.
double parse_duration(const std::string& text, const std::string& flag);

/// A count as users write one: "300000000", "300M", "2.5M", "800k", "1G". Throws UsageError naming
/// `flag` for text that does not parse, or a count that is not positive.
std::int64_t parse_count(const std::string& text, const std::string& flag);

nlohmann::json to_json(const SearchOptions& o);
/// Missing fields keep their defaults (older files); wrong types are InputError.
SearchOptions search_options_from_json(const nlohmann::json& j);

}  // namespace nas
