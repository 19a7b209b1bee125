// The original's results table: one cell per (search epochs, cull ratio) experiment.
#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "nas/error.hpp"
#include "nas/experiment_store.hpp"
#include "nas/json_fields.hpp"
#include "nas/report.hpp"
#include "nas/text_table.hpp"

namespace nas {
namespace {

constexpr int kDefaultBaselineEpochs = 3;
constexpr double kDefaultBaselineCull = 0.3;

bool same_cull(double a, double b) { return std::fabs(a - b) < 1e-9; }

CompareCell cell_for(const ExperimentStore& store, const ReportOptions& options,
                     std::vector<std::string>& notes) {
  const ExperimentReport r = build_report(store, options);
  CompareCell c;
  c.experiment = store.id();
  c.epochs = r.experiment.options.epochs;
  c.cull_ratio = r.experiment.options.cull_ratio;
  c.best_trial = r.first.best_trial;
  c.search_seconds = r.first.seconds;
  c.trials_counted = r.first.counted;
  if (c.search_seconds && c.trials_counted > 0 && c.trials_counted < r.first.n) {
    // As the original did for its 10-epoch rows: the time N trials would take at this rate.
    c.search_seconds = *c.search_seconds * r.first.n / c.trials_counted;
    c.extrapolated = true;
  }
  if (!r.problems.empty()) {
    notes.push_back(c.experiment + ": " + std::to_string(r.problems.size()) +
                    " corrupt trial file(s) skipped");
  }
  if (!c.best_trial) return c;
  const auto it = std::find_if(r.trials.begin(), r.trials.end(),
                               [&](const TrialRecord& t) { return t.id == *c.best_trial; });
  c.accuracy = it->accuracy;
  c.latency_ms = it->latency_ms;
  const auto retrain = r.retrains.find(*c.best_trial);
  if (retrain != r.retrains.end() && retrain->second.status == TrialStatus::kCompleted &&
      retrain->second.accuracy) {
    c.retrained = true;
    c.accuracy = retrain->second.accuracy;
    if (retrain->second.latency_ms) c.latency_ms = retrain->second.latency_ms;
  }
  return c;
}

void place(CompareTable& table, CompareCell cell) {
  for (auto& existing : table.cells) {
    if (existing.epochs == cell.epochs && same_cull(existing.cull_ratio, cell.cull_ratio)) {
      table.notes.push_back(cell.experiment + " replaces " + existing.experiment + " (both " +
                            std::to_string(cell.epochs) + " epochs, cull ratio " +
                            shortest(cell.cull_ratio) + ")");
      existing = std::move(cell);
      return;
    }
  }
  table.cells.push_back(std::move(cell));
}

void set_axes(CompareTable& table) {
  for (const auto& c : table.cells) {
    if (std::find(table.epochs.begin(), table.epochs.end(), c.epochs) == table.epochs.end()) {
      table.epochs.push_back(c.epochs);
    }
    if (std::none_of(table.cull_ratios.begin(), table.cull_ratios.end(),
                     [&](double v) { return same_cull(v, c.cull_ratio); })) {
      table.cull_ratios.push_back(c.cull_ratio);
    }
  }
  std::sort(table.epochs.begin(), table.epochs.end());
  std::sort(table.cull_ratios.begin(), table.cull_ratios.end());
}

void set_baseline(CompareTable& table, const std::string& root, const std::string& baseline,
                  const ReportOptions& options) {
  std::optional<CompareCell> base;
  if (!baseline.empty()) {
    const auto store = ExperimentStore::open(root, baseline);
    for (const auto& c : table.cells) {
      if (c.experiment == store.id()) base = c;
    }
    if (!base) base = cell_for(store, options, table.notes);
  } else if (const CompareCell* c = table.cell(kDefaultBaselineEpochs, kDefaultBaselineCull)) {
    base = *c;
  } else {
    table.notes.push_back(
        "no speedups: no experiment has 3 epochs and cull ratio 0.3 (the original's baseline); "
        "name one with --baseline");
    return;
  }
  table.baseline = base->experiment;
  table.baseline_latency_ms = base->latency_ms;
  if (!base->latency_ms || *base->latency_ms <= 0) {
    table.notes.push_back("no speedups: baseline " + base->experiment + " has no latency yet");
    return;
  }
  for (auto& c : table.cells) {
    if (c.latency_ms && *c.latency_ms > 0) c.speedup = *base->latency_ms / *c.latency_ms;
  }
}

std::string epochs_label(int epochs) {
  return std::to_string(epochs) + (epochs == 1 ? " epoch" : " epochs");
}

std::string cull_label(double cull) { return shortest(std::round(cull * 1e6) / 1e4) + "% cull"; }

struct CellTexts {
  std::string accuracy, time, speedup;
};

CellTexts texts(const CompareCell* c, const std::string& unretrained_mark) {
  if (!c) return {"-", "-", "-"};
  CellTexts t;
  t.accuracy = fixed(c->accuracy, 2);
  if (c->accuracy && !c->retrained) t.accuracy += unretrained_mark;
  t.time = c->search_seconds ? format_duration(*c->search_seconds) : "-";
  if (c->extrapolated) t.time = "~" + t.time;
  t.speedup = fixed(c->speedup, 2);
  return t;
}

std::vector<std::vector<std::string>> grid(const CompareTable& table, const std::string& mark) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> header = {"", ""};
  for (double cull : table.cull_ratios) header.push_back(cull_label(cull));
  rows.push_back(header);
  for (int epochs : table.epochs) {
    std::vector<std::string> acc = {epochs_label(epochs), "Accuracy"};
    std::vector<std::string> time = {"", "Search time"};
    std::vector<std::string> speed = {"", "Inference speedup"};
    for (double cull : table.cull_ratios) {
      const CellTexts t = texts(table.cell(epochs, cull), mark);
      acc.push_back(t.accuracy);
      time.push_back(t.time);
      speed.push_back(t.speedup);
    }
    rows.push_back(acc);
    rows.push_back(time);
    rows.push_back(speed);
  }
  return rows;
}

// In Markdown each note is a list item (plain lines would run into one paragraph) and the
// leading '*' is escaped so it is not read as a bullet.
std::string footnotes(const CompareTable& table, bool markdown) {
  const std::string item = markdown ? "- " : "";
  const std::string star = markdown ? "\\*" : "*";
  std::string out;
  const bool any_search = std::any_of(table.cells.begin(), table.cells.end(),
                                      [](const auto& c) { return c.accuracy && !c.retrained; });
  const bool any_extrapolated = std::any_of(table.cells.begin(), table.cells.end(),
                                            [](const auto& c) { return c.extrapolated; });
  if (any_search)
    out += item + star + " search accuracy: the best trial has no finished retrain.json\n";
  if (any_extrapolated) {
    out += item + "~ fewer than " + std::to_string(table.first) +
           " trials finished: time extrapolated to " + std::to_string(table.first) + "\n";
  }
  out += item + "Search time: from the earliest start to the end of the first " +
         std::to_string(table.first) + " trials that ended with a metric.\n";
  if (table.baseline) {
    out += item + "Inference speedup: baseline " + *table.baseline + " latency (" +
           fixed(table.baseline_latency_ms, 4) + " ms) / the cell's latency.\n";
  }
  out += item + "Experiments:";
  for (const auto& c : table.cells) {
    out +=
        " " + c.experiment + " (" + std::to_string(c.epochs) + "/" + shortest(c.cull_ratio) + ")";
  }
  out += "\n";
  for (const auto& n : table.notes) out += item + "Note: " + n + "\n";
  return out;
}

}  // namespace

const CompareCell* CompareTable::cell(int e, double cull) const {
  for (const auto& c : cells) {
    if (c.epochs == e && same_cull(c.cull_ratio, cull)) return &c;
  }
  return nullptr;
}

CompareTable build_compare(const std::string& root, const std::vector<std::string>& ids,
                           const std::string& baseline, const ReportOptions& options) {
  if (ids.empty()) throw UsageError("--compare needs at least one experiment id");
  CompareTable table;
  table.first = options.first;
  for (const auto& id : ids) {
    place(table, cell_for(ExperimentStore::open(root, id), options, table.notes));
  }
  set_axes(table);
  set_baseline(table, root, baseline, options);
  return table;
}

std::string render_compare_text(const CompareTable& table) {
  TextTable t({TextTable::Align::kLeft, TextTable::Align::kLeft});
  for (auto& row : grid(table, "*")) t.add_row(std::move(row));
  return t.render("", true) + "\n" + footnotes(table, false);
}

std::string render_compare_markdown(const CompareTable& table) {
  const auto rows = grid(table, "\\*");
  std::string out;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    out += "|";
    for (const auto& c : rows[r]) out += " " + c + " |";
    out += "\n";
    if (r == 0) {
      out += "|";
      for (std::size_t c = 0; c < rows[r].size(); ++c) out += c < 2 ? "---|" : "---:|";
      out += "\n";
    }
  }
  return out + "\n" + footnotes(table, true);
}

nlohmann::json compare_to_json(const CompareTable& table) {
  nlohmann::json cells = nlohmann::json::array();
  for (const auto& c : table.cells) {
    cells.push_back({{"experiment", c.experiment},
                     {"epochs", c.epochs},
                     {"cull_ratio", c.cull_ratio},
                     {"best_trial", json_or_null(c.best_trial)},
                     {"accuracy", json_or_null(c.accuracy)},
                     {"retrained", c.retrained},
                     {"latency_ms", json_or_null(c.latency_ms)},
                     {"search_seconds", json_or_null(c.search_seconds)},
                     {"trials_counted", c.trials_counted},
                     {"extrapolated", c.extrapolated},
                     {"speedup", json_or_null(c.speedup)}});
  }
  return {{"format", "nas-compare/1"},
          {"first", table.first},
          {"baseline", json_or_null(table.baseline)},
          {"baseline_latency_ms", json_or_null(table.baseline_latency_ms)},
          {"epochs", table.epochs},
          {"cull_ratios", table.cull_ratios},
          {"cells", cells},
          {"notes", table.notes}};
}

}  // namespace nas
