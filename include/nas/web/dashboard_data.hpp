#pragma once
// What the web dashboard shows, as JSON documents computed from experiment folders alone
// (read-only, no LibTorch), so a dashboard can run beside a search, on a copy of its folder on
// another machine, or after the search ended. Shapes in docs/FORMATS.md ("Dashboard data").
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "nas/core/report/report.hpp"

namespace nas {

/// Lanes of the trial timeline. Per device (and host, when trials ran on several), each trial
/// takes the lowest lane that is free when it starts, so a lane reads as one executor slot's
/// queue of trials. Trials without a readable start get no lane.
struct TimelineLanes {
  std::map<int, int> lane_of;       // trial id -> lane index
  std::vector<std::string> labels;  // per lane: "cpu #1", "cuda:0 #2", "node3 cuda:1 #1"
};
TimelineLanes timeline_lanes(const std::vector<TrialRecord>& trials);

/// Which choices the good trials share: per label and candidate, how many scored trials took it,
/// how many of the best quarter (by metric) did, and their mean metric. Labels come sorted by how
/// far the best quarter's distribution is from everyone's (most telling first). Trials searched
/// in NNI 2.7's labels are summarised in those labels.
nlohmann::json choice_summary(const std::vector<TrialRecord>& trials);

/// The experiments under root (only those in `ids` when it is not empty): running ones first,
/// then the newest.
nlohmann::json dashboard_index(const std::string& root, const std::vector<std::string>& ids);

/// Everything an experiment page draws: the report's figures (report_to_json), every trial with
/// its epochs and timeline lane, best-so-far against time, and the choice summary.
/// `with_details` adds dashboard_trial() of every trial (for a self-contained page).
nlohmann::json dashboard_experiment(const ExperimentReport& report, bool with_details = false);

/// One trial in full: its record, its retrain, and its network as a stage table (as `nas arch`
/// prints it), in the experiment's input shape. Throws InputError for an unknown trial.
nlohmann::json dashboard_trial(const ExperimentReport& report, int id);

/// The --compare table of several experiments plus each one's best-so-far curve.
nlohmann::json dashboard_compare(const std::string& root, const std::vector<std::string>& ids,
                                 const ReportOptions& options);

}  // namespace nas
