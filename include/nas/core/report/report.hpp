#pragma once
// What nas-report shows: figures computed from an experiment folder alone (experiment.json,
// trials/*/trial.json and retrain.json), so it works on running, interrupted and copied
// experiments. Computing (build_report, build_compare) is separate from rendering (text,
// Markdown, JSON, CSV, HTML) so tests can check the figures directly.
#include <cstdint>
#include <iosfwd>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "nas/core/experiment/records.hpp"

namespace nas {

class ExperimentStore;

struct ReportOptions {
  int first = 250;  // the original's summary covers the first N finished trials
  int top = 10;     // rows of the top-trials table
};

struct StatusCounts {
  int total = 0;
  int completed = 0;
  int culled = 0;
  int failed = 0;
  int interrupted = 0;
  int rejected = 0;  // over a limit, never trained
  int running = 0;
};

/// The original's summary over the first N trials to finish (completed, culled or failed), by end
/// time. `counted` is below `n` while the experiment has fewer finished trials.
struct FirstTrialsSummary {
  int n = 0;
  int counted = 0;
  std::optional<int> best_trial;  // best metric among them
  std::optional<double> best_metric;
  std::optional<double> seconds;  // earliest start to the counted-th end
};

/// Epochs that culled trials did not train, and what they would have cost at the mean seconds
/// per trained epoch.
struct CullSavings {
  int culled_trials = 0;
  std::int64_t epochs_saved = 0;
  std::int64_t epochs_trained = 0;  // over all trials
  std::optional<double> seconds_per_epoch;
  std::optional<double> seconds_saved;
};

struct TopRow {
  int id = 0;
  double metric = 0;
  std::optional<double> accuracy;
  std::optional<double> latency_ms;
  std::optional<std::int64_t> params;  // null: no network (a table cell)
  std::optional<std::int64_t> macs;
  std::vector<int> depths;  // depth_1..depth_5 (absent labels skipped)
  TrialStatus status = TrialStatus::kCompleted;
  std::optional<double> retrained_accuracy;
  bool retrained_partial = false;    // only a partial retrain has finished (see is_full_retrain)
  std::optional<Nb201Lookup> nb201;  // a NAS-Bench-201 trial's table row
};

struct ParetoPoint {
  int id = 0;
  double accuracy = 0;
  double latency_ms = 0;
  TrialStatus status = TrialStatus::kCompleted;
  std::optional<std::int64_t> params;  // null: no network (a table cell)
  std::optional<std::int64_t> macs;
  double metric = 0;
};

/// After `trials` trials had finished (by end time), the best metric so far came from `id`.
struct BestSoFarPoint {
  int trials = 0;
  int id = 0;
  double metric = 0;
};

/// How to deploy the best trial: export its retrained weights, or retrain it first.
struct DeployHint {
  int trial = 0;
  std::string trial_dir;                   // absolute
  std::optional<std::string> retrain_dir;  // the retrain the report uses, when it trained
};
/// The commands to print for it: `nas export <retrain>`, else `nas-test-model <trial>` (which
/// writes model.onnx when it ends) and `nas export <trial>` (untrained, to time on a target).
std::vector<std::string> deploy_commands(const DeployHint& hint);

struct ExperimentReport {
  std::string dir;
  ExperimentRecord experiment;
  bool in_use = false;  // a process holds the experiment's lock (a search is running on it)
  std::vector<std::string> problems;  // "<path>: <reason>" for files that were skipped
  std::vector<TrialRecord> trials;    // sorted by id
  /// Per trial, the retrain the report uses: the latest full one, else the latest completed
  /// partial one (a subset of the data, or stopped before its epochs).
  /// Only retrains on the experiment's data count (retrained_on_experiment_data).
  std::map<int, RetrainRecord> retrains;
  /// Completed retrains on other data (another data set, input shape or class count), by trial
  /// and start: listed apart, never shown as a trial's retrained accuracy.
  std::vector<RetrainRecord> other_data_retrains;
  StatusCounts counts;
  FirstTrialsSummary first;
  std::optional<double> all_seconds;  // earliest start to latest end over all trials
  CullSavings culling;
  std::vector<TopRow> top;
  std::vector<ParetoPoint> pareto;  // by latency, ascending
  std::vector<BestSoFarPoint> best_so_far;
  std::vector<int> end_order;  // ids of the finished trials (with a readable end), by end time
  std::optional<DeployHint> deploy;  // the best trial's; none for a table (no network)
};

/// Whether a retrain ran on the experiment's data: the same data set and, where both recorded
/// them, the same input shape and class count. (The split may differ: retrains score on the test
/// set.)
bool retrained_on_experiment_data(const RetrainRecord& r, const ExperimentRecord& e);

/// Reads the whole experiment and computes every figure. Corrupt trial files land in problems.
ExperimentReport build_report(const ExperimentStore& store, const ReportOptions& options);

/// The status to show: experiment.json's, except "stopped" for a search marked running that no
/// process holds (it crashed or was killed; resume it).
std::string shown_status(const ExperimentRecord& e, bool in_use);
/// The one-line explanation that goes with a status, e.g. "not running; resume with nas search
/// --resume <id>"; empty when there is nothing to add.
std::string status_hint(const ExperimentRecord& e, bool in_use);

/// One line of `nas-report` without an experiment: what is under the experiments folder.
struct ExperimentListing {
  std::string id;
  std::optional<std::string> name;
  std::string status;  // as shown_status
  int trials = 0;
  std::optional<double> best_metric;
  std::string created;
  std::optional<std::string> problem;  // why experiment.json could not be read
};
/// Every experiment under root, oldest first; unreadable ones are listed with their problem.
std::vector<ExperimentListing> list_experiments(const std::string& root);
std::string render_listing(const std::vector<ExperimentListing>& rows, const std::string& root);

/// Completed or culled with a metric: a trial the search ranked.
bool has_result(const TrialRecord& t);
/// The accuracy of a finished retrain, if the trial has one.
std::optional<double> retrained_accuracy(const ExperimentReport& report, int trial_id);
/// A retrain on the full training set that reached the epochs it was asked for.
bool is_full_retrain(const RetrainRecord& r);
/// Whether the retrain the report uses for the trial is a partial one.
bool retrain_is_partial(const ExperimentReport& report, int trial_id);

/// The front: the non-dominated completed trials (higher accuracy, lower latency; pareto.hpp's
/// definition), by latency ascending. Culled trials are left out: their accuracy is a partial
/// training's, not comparable with a finished one's.
std::vector<ParetoPoint> pareto_front(const std::vector<TrialRecord>& trials);
/// The front's hypervolume against `reference` (pareto.hpp).
double front_hypervolume(const std::vector<ParetoPoint>& front, double reference_accuracy,
                         double reference_latency_ms);
/// The front alone (nas-report --front): accuracy, latency, params, MACs, metric.
std::string render_front_text(const ExperimentReport& report);
nlohmann::json front_to_json(const ExperimentReport& report);

/// Aligned plain-text report for a terminal.
std::string render_text(const ExperimentReport& report);
/// One JSON document (shape in docs/FORMATS.md, "nas-report --json").
nlohmann::json report_to_json(const ExperimentReport& report);
/// One row per trial: every scalar field, then the architecture, one column per label.
void write_csv(const ExperimentReport& report, std::ostream& out);
/// One row per epoch record of every trial: trial, epoch, train_loss, accuracy, latency_ms,
/// metric, threshold, seconds.
void write_epochs_csv(const ExperimentReport& report, std::ostream& out);

// --- The original's results table across experiments (nas-report --compare) ---

struct CompareCell {
  std::string experiment;
  int epochs = 0;
  double cull_ratio = 0;
  std::string strategy;  // evolution | random: a column of its own when both are compared
  std::string dataset;
  std::optional<int> best_trial;
  std::optional<double> accuracy;  // retrained if `retrained`, else the search accuracy
  bool retrained = false;
  std::optional<double> latency_ms;      // retrained if `retrained`, else the search latency
  std::optional<double> search_seconds;  // measured, for the first N trials (or all it scored)
  int trials_counted = 0;                // trials in search_seconds: below N when it has fewer
  /// Below N trials: the time N would take at this rate, as the original's table showed its
  /// unfinished rows. Shown only with --extrapolate, and marked.
  std::optional<double> extrapolated_seconds;
  std::optional<double> speedup;             // baseline latency / this latency
  int front_size = 0;                        // completed trials on its Pareto front
  std::optional<double> hypervolume;         // of that front, against the table's reference point
  std::vector<ParetoPoint> front;            // the front itself (for the hypervolume)
  std::optional<double> slowest_latency_ms;  // of its completed trials
  int classes = 0;
};

/// A column of the table: a cull ratio, and the strategy when the experiments use several.
struct CompareColumn {
  double cull_ratio = 0;
  std::string strategy;
};

struct CompareTable {
  int first = 250;
  bool extrapolate = false;             // show extrapolated_seconds where a cell has them
  std::string dataset;                  // every experiment's (a table never mixes data sets)
  std::optional<std::string> baseline;  // the experiment(s) whose latency is 1.0x
  std::optional<double> baseline_latency_ms;
  std::vector<int> epochs;             // rows, ascending
  std::vector<double> cull_ratios;     // ascending
  std::vector<CompareColumn> columns;  // by cull ratio, then strategy
  bool several_strategies = false;
  std::vector<CompareCell> cells;  // every experiment given, none dropped
  /// The hypervolume's reference point, one per comparison: chance accuracy (100 / classes) and
  /// the slowest final latency of any completed trial of the experiments compared.
  std::optional<double> reference_accuracy;
  std::optional<double> reference_latency_ms;
  std::vector<std::string> notes;  // missing baseline, skipped files, ...

  /// The experiments of (epochs, cull ratio[, strategy]); empty when none.
  std::vector<const CompareCell*> cells_at(int epochs, double cull_ratio,
                                           const std::string& strategy = "") const;
  /// The first of them, or null.
  const CompareCell* cell(int epochs, double cull_ratio) const;
};

/// `baseline` empty: the experiment(s) with 3 epochs and cull ratio 0.3, as the original (their
/// mean latency when there are several). Every experiment is kept: several in one cell (seeds,
/// say) show their mean, range and count. Throws UsageError for an unknown id (listing those
/// present) and for experiments on different data sets.
CompareTable build_compare(const std::string& root, const std::vector<std::string>& ids,
                           const std::string& baseline, const ReportOptions& options);

std::string render_compare_text(const CompareTable& table);
std::string render_compare_markdown(const CompareTable& table);
nlohmann::json compare_to_json(const CompareTable& table);

/// "3h 06m", "12m 05s", "42.0s": the original's style for long searches.
std::string format_duration(double seconds);

}  // namespace nas
