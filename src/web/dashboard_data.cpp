#include "nas/web/dashboard_data.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <optional>
#include <set>

#include "nas/core/common/error.hpp"
#include "nas/core/experiment/experiment_store.hpp"
#include "nas/core/search/network_plan.hpp"

namespace nas {
namespace {

constexpr const char* kIndexFormat = "nas-dashboard-index/1";
constexpr const char* kExperimentFormat = "nas-dashboard-experiment/1";
constexpr const char* kTrialFormat = "nas-dashboard-trial/1";
constexpr const char* kCompareFormat = "nas-dashboard-compare/1";

std::optional<double> seconds_of(const std::optional<std::string>& s) {
  if (!s || s->empty()) return std::nullopt;
  try {
    return parse_iso8601(*s);
  } catch (const InputError&) {
    return std::nullopt;
  }
}

double now_seconds() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

template <typename T>
nlohmann::json or_null(const std::optional<T>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

// A running trial's bar reaches to now; a finished one without an end has no bar.
std::optional<double> end_of(const TrialRecord& t, double now) {
  if (t.status == TrialStatus::kRunning) return now;
  return seconds_of(t.ended);
}

nlohmann::json epochs_json(const std::vector<EpochRecord>& epochs) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& e : epochs) {
    out.push_back({{"epoch", e.epoch},
                   {"train_loss", e.train_loss},
                   {"accuracy", e.accuracy},
                   {"latency_ms", e.latency_ms},
                   {"metric", e.metric},
                   {"threshold", or_null(e.threshold)},
                   {"cull_rank", or_null(e.cull_rank)},
                   {"seconds", e.seconds}});
  }
  return out;
}

// The stage table of `nas arch`, as rows a page can lay out.
nlohmann::json plan_json(const Architecture& arch, const DatasetInfo& dataset) {
  InputShape input;
  int classes = 10;
  if (dataset.shape[0] > 0) {
    input = InputShape{dataset.shape[0], dataset.shape[1], dataset.shape[2]};
    classes = dataset.classes > 0 ? dataset.classes : classes;
  }
  const NetworkPlan plan = plan_network(arch, input, classes);
  nlohmann::json blocks = nlohmann::json::array();
  for (const auto& b : plan.blocks) {
    blocks.push_back({{"stage", b.stage},
                      {"layer", b.layer},
                      {"in", b.in_channels},
                      {"expand", arch.at("exp_" + std::to_string(b.layer))},
                      {"hidden", b.hidden},
                      {"out", b.out_channels},
                      {"kernel", b.kernel},
                      {"stride", b.stride},
                      {"se", b.se},
                      {"residual", b.residual},
                      {"activation", b.activation == Activation::kReLU ? "relu" : "h-swish"},
                      {"out_size", {b.out_size[0], b.out_size[1]}}});
  }
  return {{"input", {plan.input.channels, plan.input.height, plan.input.width}},
          {"classes", plan.classes},
          {"stem_channels", plan.stem_channels},
          {"stem_kernel", plan.stem_kernel},
          {"blocks", blocks},
          {"head_channels", plan.head_channels},
          {"final_channels", plan.final_channels},
          {"dropout", plan.dropout},
          {"params", count_params(plan)},
          {"macs", count_macs(plan)}};
}

const TrialRecord* find_trial(const ExperimentReport& r, int id) {
  for (const auto& t : r.trials)
    if (t.id == id) return &t;
  return nullptr;
}

}  // namespace

TimelineLanes timeline_lanes(const std::vector<TrialRecord>& trials) {
  const double now = now_seconds();
  struct Span {
    int id;
    double start, end;
    std::string group;
  };
  // A trial rejected by size never reached a slot: it has no lane.
  auto in_a_slot = [](const TrialRecord& t) {
    return !(t.status == TrialStatus::kRejected && t.device.empty());
  };
  std::set<std::string> hosts;
  for (const auto& t : trials) {
    if (in_a_slot(t)) hosts.insert(t.host.value_or(""));
  }
  const bool several_hosts = hosts.size() > 1;
  std::map<std::string, std::vector<Span>> groups;
  for (const auto& t : trials) {
    if (!in_a_slot(t)) continue;
    const auto start = seconds_of(t.started);
    if (!start) continue;
    const double end = std::max(*start, end_of(t, now).value_or(*start));
    std::string group = t.device.empty() ? "?" : t.device;
    if (several_hosts) group = t.host.value_or("?") + " " + group;
    groups[group].push_back({t.id, *start, end, group});
  }
  TimelineLanes out;
  for (auto& [group, spans] : groups) {
    std::stable_sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) {
      return a.start != b.start ? a.start < b.start : a.id < b.id;
    });
    std::vector<double> free_at;  // per lane of this group: when its last trial ended
    std::vector<int> global;      // per lane of this group: its index in out.labels
    for (const auto& s : spans) {
      std::size_t lane = 0;
      while (lane < free_at.size() && free_at[lane] > s.start) ++lane;
      if (lane == free_at.size()) {
        free_at.push_back(0);
        global.push_back(static_cast<int>(out.labels.size()));
        out.labels.push_back(group + " #" + std::to_string(lane + 1));
      }
      free_at[lane] = s.end;
      out.lane_of[s.id] = global[lane];
    }
  }
  return out;
}

nlohmann::json choice_summary(const std::vector<TrialRecord>& trials) {
  std::vector<const TrialRecord*> ranked;
  for (const auto& t : trials)
    if (has_result(t)) ranked.push_back(&t);
  std::stable_sort(ranked.begin(), ranked.end(), [](const TrialRecord* a, const TrialRecord* b) {
    return *a->metric > *b->metric;
  });
  const std::size_t best_n = (ranked.size() + 3) / 4;
  struct Tally {
    int trials = 0;
    int best = 0;
    double metric_sum = 0;
  };
  std::map<std::string, std::map<int, Tally>> tallies;
  for (std::size_t i = 0; i < ranked.size(); ++i) {
    const TrialRecord& t = *ranked[i];
    const Architecture& arch = t.arch_nni27 ? *t.arch_nni27 : t.arch;
    for (const auto& [label, value] : arch.values()) {
      Tally& c = tallies[label][value];
      ++c.trials;
      c.best += i < best_n;
      c.metric_sum += *t.metric;
    }
  }
  struct Row {
    double distance;
    nlohmann::json json;
  };
  std::vector<Row> rows;
  for (const auto& [label, values] : tallies) {
    nlohmann::json candidates = nlohmann::json::array();
    double distance = 0;  // total variation between the best quarter and everyone
    for (const auto& [value, c] : values) {
      const double all_share = ranked.empty() ? 0 : double(c.trials) / ranked.size();
      const double best_share = best_n == 0 ? 0 : double(c.best) / best_n;
      distance += std::abs(all_share - best_share) / 2;
      candidates.push_back({{"value", value},
                            {"trials", c.trials},
                            {"best_quarter", c.best},
                            {"mean_metric", c.metric_sum / c.trials}});
    }
    rows.push_back(
        {distance, {{"label", label}, {"distance", distance}, {"candidates", candidates}}});
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const Row& a, const Row& b) { return a.distance > b.distance; });
  nlohmann::json out = {{"scored_trials", ranked.size()},
                        {"best_quarter", best_n},
                        {"labels", nlohmann::json::array()}};
  for (auto& r : rows) out["labels"].push_back(std::move(r.json));
  return out;
}

nlohmann::json dashboard_index(const std::string& root, const std::vector<std::string>& ids) {
  auto rows = list_experiments(root);
  if (!ids.empty()) {
    rows.erase(std::remove_if(rows.begin(), rows.end(),
                              [&](const ExperimentListing& r) {
                                return std::find(ids.begin(), ids.end(), r.id) == ids.end();
                              }),
               rows.end());
  }
  // Running first, then newest first: what a user opening the page most likely wants.
  std::stable_sort(rows.begin(), rows.end(),
                   [](const ExperimentListing& a, const ExperimentListing& b) {
                     const bool ra = a.status == "running", rb = b.status == "running";
                     if (ra != rb) return ra;
                     return a.created > b.created;
                   });
  nlohmann::json list = nlohmann::json::array();
  for (const auto& r : rows) {
    list.push_back({{"id", r.id},
                    {"name", or_null(r.name)},
                    {"status", r.status},
                    {"trials", r.trials},
                    {"best_metric", or_null(r.best_metric)},
                    {"created", r.created},
                    {"problem", or_null(r.problem)}});
  }
  return {{"format", kIndexFormat}, {"root", root}, {"experiments", list}};
}

nlohmann::json dashboard_experiment(const ExperimentReport& report, bool with_details) {
  const double now = now_seconds();
  const TimelineLanes lanes = timeline_lanes(report.trials);
  std::optional<double> origin;
  for (const auto& t : report.trials) {
    if (auto s = seconds_of(t.started); s && (!origin || *s < *origin)) origin = s;
  }
  nlohmann::json trials = nlohmann::json::array();
  for (const auto& t : report.trials) {
    const auto start = seconds_of(t.started);
    const auto end = end_of(t, now);
    const auto lane = lanes.lane_of.find(t.id);
    trials.push_back(
        {{"id", t.id},
         {"status", to_string(t.status)},
         {"metric", or_null(t.metric)},
         {"accuracy", or_null(t.accuracy)},
         {"latency_ms", or_null(t.latency_ms)},
         {"params", or_null(t.params)},
         {"macs", or_null(t.macs)},
         {"epochs_trained", t.epochs.size()},
         {"epochs", epochs_json(t.epochs)},
         {"origin", t.origin},
         {"parent", or_null(t.parent)},
         {"device", t.device},
         {"host", or_null(t.host)},
         {"started", t.started},
         {"ended", or_null(t.ended)},
         {"seconds", or_null(t.seconds)},
         {"start_s", start && origin ? nlohmann::json(*start - *origin) : nullptr},
         {"end_s", end && origin ? nlohmann::json(*end - *origin) : nullptr},
         {"lane", lane != lanes.lane_of.end() ? nlohmann::json(lane->second) : nullptr},
         {"culled_at_epoch", or_null(t.culled_at_epoch)},
         {"error", or_null(t.error)},
         {"retrained_accuracy", or_null(retrained_accuracy(report, t.id))},
         {"retrained_partial", retrain_is_partial(report, t.id)},
         {"arch", t.arch.to_json()}});
  }
  // Best so far against time since the first trial started, at each finished trial's end.
  nlohmann::json best_time = nlohmann::json::array();
  if (origin) {
    std::optional<double> best;
    int best_id = 0;
    for (int id : report.end_order) {
      const TrialRecord* t = find_trial(report, id);
      const auto end = t ? seconds_of(t->ended) : std::nullopt;
      if (!t || !end) continue;
      if (has_result(*t) && (!best || *t->metric > *best)) {
        best = t->metric;
        best_id = t->id;
      }
      if (best)
        best_time.push_back({{"seconds", *end - *origin}, {"id", best_id}, {"metric", *best}});
    }
  }
  const std::string status = shown_status(report.experiment, report.in_use);
  nlohmann::json out = {{"format", kExperimentFormat},
                        {"id", report.experiment.id},
                        {"status", status},
                        {"live", status == "running"},
                        {"hint", status_hint(report.experiment, report.in_use)},
                        {"now_s", origin ? nlohmann::json(now - *origin) : nullptr},
                        {"report", report_to_json(report)},
                        {"trials", trials},
                        {"lanes", lanes.labels},
                        {"best_so_far_time", best_time},
                        {"choices", choice_summary(report.trials)}};
  if (with_details) {
    nlohmann::json details = nlohmann::json::object();
    for (const auto& t : report.trials)
      details[std::to_string(t.id)] = dashboard_trial(report, t.id);
    out["details"] = details;
  }
  return out;
}

nlohmann::json dashboard_trial(const ExperimentReport& report, int id) {
  const TrialRecord* t = find_trial(report, id);
  if (!t)
    throw InputError("experiment " + report.experiment.id + " has no trial " + std::to_string(id));
  nlohmann::json plan = nullptr;
  std::string plan_error;
  try {
    if (!t->nb201) plan = plan_json(t->arch, report.experiment.dataset);  // a cell builds none
  } catch (const Error& e) {
    plan_error = e.what();  // a hand-edited trial.json: show the rest of the trial anyway
  }
  const auto retrain = report.retrains.find(id);
  return {{"format", kTrialFormat},
          {"experiment", report.experiment.id},
          {"trial", to_json(*t)},
          {"plan", plan},
          {"plan_error", plan_error.empty() ? nlohmann::json(nullptr) : nlohmann::json(plan_error)},
          {"retrain",
           retrain != report.retrains.end() ? to_json(retrain->second) : nlohmann::json(nullptr)},
          {"retrained_partial", retrain_is_partial(report, id)}};
}

nlohmann::json dashboard_compare(const std::string& root, const std::vector<std::string>& ids,
                                 const ReportOptions& options) {
  const CompareTable table = build_compare(root, ids, "", options);
  nlohmann::json curves = nlohmann::json::array();
  for (const auto& id : ids) {
    const ExperimentReport r = build_report(ExperimentStore::open(root, id), options);
    nlohmann::json points = nlohmann::json::array();
    for (const auto& p : r.best_so_far)
      points.push_back({{"trials", p.trials}, {"id", p.id}, {"metric", p.metric}});
    curves.push_back({{"experiment", r.experiment.id},
                      {"epochs", r.experiment.options.epochs},
                      {"cull_ratio", r.experiment.options.cull_ratio},
                      {"strategy", r.experiment.options.strategy},
                      {"points", points}});
  }
  return {{"format", kCompareFormat}, {"table", compare_to_json(table)}, {"curves", curves}};
}

}  // namespace nas
