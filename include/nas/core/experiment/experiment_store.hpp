#pragma once
// The experiment store owns experiment.json and the trials' trial.json files (layout in
// docs/FORMATS.md); the folder's other files have one owner each: search.log the search's log
// sink, a trial's retrain/ folder nas-test-model's retrain. Writes are atomic (temporary file +
// rename), so a crash leaves either the old or the new file. Thread-safe: trials on several threads
// may write their own trial.json at once.
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "nas/core/experiment/records.hpp"
#include "nas/core/experiment/trial_writer.hpp"

namespace nas {

/// $NAS_EXPERIMENT_DIR if set, else ./nas-experiments.
std::string default_experiment_root();

/// Writes `bytes` to `path` through a temporary file in the same folder and a rename, so a
/// reader never sees half a file. Throws RuntimeFailure naming the path on any I/O error.
void write_file_atomic(const std::string& path, const std::string& bytes);
/// write_file_atomic of `j`, indented.
void write_json_atomic(const std::string& path, const nlohmann::json& j);
/// Reads and parses a JSON file; throws InputError naming the path when it is missing or invalid.
nlohmann::json read_json_file(const std::string& path);

/// An exclusive hold on an experiment folder (flock on <dir>/.lock), released when destroyed or
/// when the process dies (kill -9 included), so a crashed search can always be resumed.
class ExperimentLock {
 public:
  ExperimentLock() = default;
  explicit ExperimentLock(int fd) : fd_(fd) {}
  ExperimentLock(ExperimentLock&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  ExperimentLock& operator=(ExperimentLock&& o) noexcept;
  ExperimentLock(const ExperimentLock&) = delete;
  ExperimentLock& operator=(const ExperimentLock&) = delete;
  ~ExperimentLock();

 private:
  int fd_ = -1;
};

class ExperimentStore : public TrialWriter {
 public:
  /// Creates <root>/<record.id>/ (an id YYYYMMDD-HHMMSS-xxxx is made when record.id is empty)
  /// with its trials/ folder, and writes experiment.json.
  static ExperimentStore create(const std::string& root, ExperimentRecord record);
  /// Opens an experiment by id (a folder under root; see resolve_id) or by a path to its folder.
  /// An unknown id throws UsageError whose message lists the experiments present under root.
  static ExperimentStore open(const std::string& root, const std::string& id_or_path);
  /// The id `text` names under root: an exact id, "latest" (the most recently created), or the
  /// start of exactly one id. Throws UsageError listing the experiments, or the ids it could mean.
  static std::string resolve_id(const std::string& root, const std::string& text);
  /// Ids of the experiments under root (folders holding an experiment.json), sorted.
  static std::vector<std::string> list(const std::string& root);
  /// The experiment holding a trial folder (<root>/<id>/trials/<n>), read from its
  /// experiment.json; nullopt when the folder is not inside an experiment (a copied trial).
  /// Throws InputError naming the file when it is there but unreadable.
  static std::optional<ExperimentRecord> read_containing(const std::string& trial_dir);

  const std::string& dir() const { return dir_; }
  /// The folder holding this experiment's folder, absolute: the root its commands name.
  std::string root() const;
  const std::string& id() const override { return id_; }
  std::string trial_dir(int trial_id) const;
  std::string log_path() const;  // <dir>/search.log

  /// Takes the folder for this process; throws UsageError when another process (a search or a
  /// resume still running) holds it.
  ExperimentLock lock() const;
  /// Whether some process holds the folder's lock now: a search whose experiment.json says
  /// "running" but that nobody holds has stopped (a crash, kill -9, a lost node).
  bool in_use() const;

  ExperimentRecord read_experiment() const;
  void write_experiment(const ExperimentRecord& record) const;
  void write_trial(const TrialRecord& record) const override;

  struct LoadedTrials {
    std::vector<TrialRecord> trials;    // sorted by id
    std::vector<std::string> problems;  // "<path>: <reason>" for each corrupt or half-written file
  };
  /// Every trials/<n>/trial.json; corrupt ones are reported in `problems` and skipped.
  LoadedTrials load_trials() const;
  /// Every retrain of a trial (trials/<n>/retrain/<run>/retrain.json, and the older
  /// trials/<n>/retrain.json), oldest first; a corrupt one is described in `problems`
  /// ("<path>: <reason>") when given.
  std::vector<RetrainRecord> load_retrains(int trial_id,
                                           std::vector<std::string>* problems = nullptr) const;

 private:
  ExperimentStore(std::string dir, std::string id) : dir_(std::move(dir)), id_(std::move(id)) {}
  std::string dir_;
  std::string id_;
};

}  // namespace nas
