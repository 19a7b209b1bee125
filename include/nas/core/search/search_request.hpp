#pragma once
// What `nas search` was asked for, turned into the experiment to run: a new one, or a stored one
// with the changes a resume may make. The rules live here, tensor-free and unit-tested, rather
// than in the command's flag parsing:
// - --experiment-id starts the experiment the first time and resumes it after (requeue-friendly);
// - on --resume every flag that defines the search must agree with experiment.json, --n-trials
//   may extend the search (as NNI, Optuna and W&B allow) but not shorten it, and where and how
//   fast it runs (--concurrent-trials, --threads, --device, --no-gpu) may change;
// - trials that cannot be trusted are left out, and a completed experiment has nothing to do;
// - --quick fills in the README's small budget wherever a flag was not given.
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "nas/core/experiment/experiment_store.hpp"
#include "nas/core/experiment/records.hpp"
#include "nas/core/search/search_options.hpp"

namespace nas {

struct SearchRequest {
  SearchOptions options;        // the flags' values over the defaults
  std::set<std::string> given;  // the flags given on the command line, e.g. "--epochs"
  std::uint64_t seed = 0;       // --seed's value, read when "--seed" is in `given`
  bool no_gpu = false;
  bool quick = false;
  std::string name;
  std::string resume;                      // an experiment id or folder; empty: a new experiment
  std::string experiment_id;               // --experiment-id: start or resume this one
  std::vector<std::string> initial_archs;  // --initial-arch paths (files or trial folders)
};

/// The experiment a request comes to, before any data is loaded.
struct PreparedSearch {
  ExperimentRecord experiment;
  /// The opened store, locked, on a resume; on a new experiment nothing is created yet (the
  /// caller creates it once the data has loaded), so a bad data set leaves no folder behind.
  std::optional<ExperimentStore> store;
  ExperimentLock lock;
  bool resumed = false;
  std::vector<TrialRecord> kept;      // the trusted trials of a resumed experiment
  std::vector<std::string> problems;  // one line for each trial left out
  std::vector<std::string> ignored;   // flags that a resume ignores, e.g. "--name"
  /// A resumed experiment that is completed with every trial finished: nothing to run.
  bool already_complete = false;
  int finished = 0;  // finished trials kept
  /// What --quick set ({"--n-trials", "12"}, ...); empty otherwise.
  std::vector<std::pair<std::string, std::string>> quick_set;
};

/// Applies the rules above. `root` holds the experiments. Throws UsageError for flags that
/// conflict (naming the flag, its value and the experiment's), InputError for an unreadable
/// experiment. Validates the resulting options (adding what --quick set to the message).
PreparedSearch prepare_search(SearchRequest request, const std::string& root);

/// Ids become folder names: letters, digits, '-', '_' and '.', not first, at most 128; throws
/// UsageError otherwise.
void check_experiment_id(const std::string& id);

}  // namespace nas
