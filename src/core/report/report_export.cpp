// Machine-readable forms of a single-experiment report: JSON and CSV.
#include <cmath>
#include <memory>
#include <nlohmann/json.hpp>
#include <ostream>
#include <set>

#include "nas/core/common/error.hpp"
#include "nas/core/common/json_fields.hpp"
#include "nas/core/common/text_table.hpp"
#include "nas/core/report/report.hpp"
#include "nas/core/search/search_spaces.hpp"

namespace nas {
namespace {

constexpr const char* kReportFormat = "nas-report/1";

nlohmann::json counts_json(const StatusCounts& c) {
  return {{"total", c.total},    {"completed", c.completed},     {"culled", c.culled},
          {"failed", c.failed},  {"interrupted", c.interrupted}, {"rejected", c.rejected},
          {"running", c.running}};
}

nlohmann::json first_json(const FirstTrialsSummary& f) {
  return {{"n", f.n},
          {"counted", f.counted},
          {"best_trial", json_or_null(f.best_trial)},
          {"best_metric", json_or_null(f.best_metric)},
          {"seconds", json_or_null(f.seconds)}};
}

nlohmann::json culling_json(const CullSavings& c) {
  return {{"culled_trials", c.culled_trials},
          {"epochs_saved", c.epochs_saved},
          {"epochs_trained", c.epochs_trained},
          {"seconds_per_epoch", json_or_null(c.seconds_per_epoch)},
          {"seconds_saved", json_or_null(c.seconds_saved)}};
}

nlohmann::json top_json(const std::vector<TopRow>& rows) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& r : rows) {
    out.push_back({{"id", r.id},
                   {"metric", r.metric},
                   {"accuracy", json_or_null(r.accuracy)},
                   {"latency_ms", json_or_null(r.latency_ms)},
                   {"params", json_or_null(r.params)},
                   {"macs", json_or_null(r.macs)},
                   {"depths", r.depths},
                   {"status", to_string(r.status)},
                   {"retrained_accuracy", json_or_null(r.retrained_accuracy)},
                   {"retrained_partial", r.retrained_partial},
                   {"nb201_cell", r.nb201 ? nlohmann::json(r.nb201->cell) : nlohmann::json()}});
  }
  return out;
}

nlohmann::json other_data_retrains_json(const std::vector<RetrainRecord>& retrains) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& x : retrains) {
    out.push_back({{"trial", json_or_null(x.trial)},
                   {"dataset", to_json(x.dataset)},
                   {"accuracy", json_or_null(x.accuracy)},
                   {"latency_ms", json_or_null(x.latency_ms)},
                   {"epochs", x.epochs.size()},
                   {"started", x.started}});
  }
  return out;
}

nlohmann::json pareto_json(const std::vector<ParetoPoint>& points) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& p : points) {
    out.push_back({{"id", p.id},
                   {"accuracy", p.accuracy},
                   {"latency_ms", p.latency_ms},
                   {"status", to_string(p.status)},
                   {"params", json_or_null(p.params)},
                   {"macs", json_or_null(p.macs)},
                   {"metric", p.metric}});
  }
  return out;
}

nlohmann::json best_so_far_json(const std::vector<BestSoFarPoint>& points) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& p : points) {
    out.push_back({{"trials", p.trials}, {"id", p.id}, {"metric", p.metric}});
  }
  return out;
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string csv_number(std::optional<double> v) {
  if (!v || !std::isfinite(*v)) return "";
  return shortest(*v);
}

// The space's canonical order first, then any labels it does not know (older or custom spaces).
std::vector<std::string> arch_columns(const std::vector<TrialRecord>& trials,
                                      const std::string& space_name) {
  std::vector<std::string> columns;
  std::set<std::string> seen;
  std::unique_ptr<SearchSpace> space;
  try {
    space = make_search_space(space_name);
  } catch (const UsageError&) {
    space = make_search_space("mobilenetv3");  // a space this version does not know
  }
  for (const auto& c : space->choices()) {
    columns.push_back(c.label);
    seen.insert(c.label);
  }
  std::set<std::string> extra;
  for (const auto& t : trials) {
    for (const auto& [label, value] : t.arch.values()) {
      if (!seen.count(label)) extra.insert(label);
    }
  }
  columns.insert(columns.end(), extra.begin(), extra.end());
  return columns;
}

std::vector<std::string> scalar_columns() {
  return {"id",
          "status",
          "origin",
          "parent",
          "device",
          "started",
          "ended",
          "seconds",
          "epochs",
          "metric",
          "accuracy",
          "latency_ms",
          "params",
          "macs",
          "culled_at_epoch",
          "arch_key",
          "error",
          "retrained_accuracy",
          "retrained_partial",
          "latency_before_ms",
          "rejected_by"};
}

std::vector<std::string> scalar_cells(const ExperimentReport& r, const TrialRecord& t) {
  return {std::to_string(t.id),
          to_string(t.status),
          t.origin,
          t.parent ? std::to_string(*t.parent) : "",
          t.device,
          t.started,
          t.ended.value_or(""),
          csv_number(t.seconds),
          std::to_string(t.epochs.size()),
          csv_number(t.metric),
          csv_number(t.accuracy),
          csv_number(t.latency_ms),
          t.params ? std::to_string(*t.params) : "",
          t.macs ? std::to_string(*t.macs) : "",
          t.culled_at_epoch ? std::to_string(*t.culled_at_epoch) : "",
          t.arch_key,
          t.error.value_or(""),
          csv_number(retrained_accuracy(r, t.id)),
          retrained_accuracy(r, t.id) ? (retrain_is_partial(r, t.id) ? "true" : "false") : "",
          csv_number(t.latency_before_ms),
          t.rejected_by.value_or("")};
}

void write_csv_row(std::ostream& out, const std::vector<std::string>& cells) {
  for (std::size_t i = 0; i < cells.size(); ++i) out << (i ? "," : "") << csv_field(cells[i]);
  out << "\n";
}

}  // namespace

nlohmann::json front_to_json(const ExperimentReport& r) {
  return {{"format", "nas-front/1"},
          {"experiment", r.experiment.id},
          {"objective", r.experiment.options.objective},
          {"front", pareto_json(r.pareto)}};
}

nlohmann::json report_to_json(const ExperimentReport& r) {
  nlohmann::json j;
  j["format"] = kReportFormat;
  j["dir"] = r.dir;
  j["experiment"] = to_json(r.experiment);
  j["problems"] = r.problems;
  j["counts"] = counts_json(r.counts);
  j["first"] = first_json(r.first);
  j["all_seconds"] = json_or_null(r.all_seconds);
  j["culling"] = culling_json(r.culling);
  j["top"] = top_json(r.top);
  j["other_data_retrains"] = other_data_retrains_json(r.other_data_retrains);
  j["pareto"] = pareto_json(r.pareto);
  j["best_so_far"] = best_so_far_json(r.best_so_far);
  j["deploy"] = nullptr;
  if (r.deploy) {
    j["deploy"] = {{"trial", r.deploy->trial},
                   {"trial_dir", r.deploy->trial_dir},
                   {"retrain_dir", json_or_null(r.deploy->retrain_dir)},
                   {"commands", deploy_commands(*r.deploy)}};
  }
  return j;
}

void write_csv(const ExperimentReport& r, std::ostream& out) {
  const auto arch = arch_columns(r.trials, r.experiment.options.space);
  std::vector<std::string> header = scalar_columns();
  header.insert(header.end(), arch.begin(), arch.end());
  write_csv_row(out, header);
  for (const auto& t : r.trials) {
    auto cells = scalar_cells(r, t);
    for (const auto& label : arch) {
      cells.push_back(t.arch.has(label) ? std::to_string(t.arch.at(label)) : "");
    }
    write_csv_row(out, cells);
  }
}

void write_epochs_csv(const ExperimentReport& r, std::ostream& out) {
  write_csv_row(out, {"trial", "epoch", "train_loss", "accuracy", "latency_ms", "metric",
                      "threshold", "seconds"});
  for (const auto& t : r.trials) {
    for (const auto& e : t.epochs) {
      write_csv_row(out, {std::to_string(t.id), std::to_string(e.epoch), csv_number(e.train_loss),
                          csv_number(e.accuracy), csv_number(e.latency_ms), csv_number(e.metric),
                          csv_number(e.threshold), csv_number(e.seconds)});
    }
  }
}

}  // namespace nas
