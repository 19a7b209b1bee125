// The original's results table: one cell per (search epochs, cull ratio) experiment.
#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "nas/core/common/error.hpp"
#include "nas/core/common/json_fields.hpp"
#include "nas/core/common/text_table.hpp"
#include "nas/core/experiment/experiment_store.hpp"
#include "nas/core/report/report.hpp"

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
  c.strategy = r.experiment.options.strategy;
  c.dataset =
      r.experiment.dataset.name.empty() ? r.experiment.options.dataset : r.experiment.dataset.name;
  c.best_trial = r.first.best_trial;
  c.search_seconds = r.first.seconds;
  c.trials_counted = r.first.counted;
  if (c.search_seconds && c.trials_counted > 0 && c.trials_counted < r.first.n) {
    // As the original did for its 10-epoch rows: the time N trials would take at this rate.
    c.extrapolated_seconds = *c.search_seconds * r.first.n / c.trials_counted;
  }
  c.front = r.pareto;
  c.front_size = static_cast<int>(r.pareto.size());
  c.classes = r.experiment.dataset.classes;
  for (const auto& t : r.trials) {
    if (t.status == TrialStatus::kCompleted && t.latency_ms && std::isfinite(*t.latency_ms))
      c.slowest_latency_ms = std::max(c.slowest_latency_ms.value_or(0.0), *t.latency_ms);
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
  // The results table is about 50-epoch retrains: a partial one does not stand in for it.
  if (retrain != r.retrains.end() && is_full_retrain(retrain->second) && retrain->second.accuracy) {
    c.retrained = true;
    c.accuracy = retrain->second.accuracy;
    if (retrain->second.latency_ms) c.latency_ms = retrain->second.latency_ms;
  }
  return c;
}

// One reference point for the whole comparison, so the hypervolumes can be compared: chance
// accuracy and the slowest completed trial of any experiment.
void set_hypervolumes(CompareTable& table) {
  for (const auto& c : table.cells) {
    if (c.classes > 0 && !table.reference_accuracy) table.reference_accuracy = 100.0 / c.classes;
    if (c.slowest_latency_ms) {
      table.reference_latency_ms =
          std::max(table.reference_latency_ms.value_or(0.0), *c.slowest_latency_ms);
    }
  }
  if (!table.reference_accuracy || !table.reference_latency_ms) return;
  for (auto& c : table.cells) {
    c.hypervolume =
        front_hypervolume(c.front, *table.reference_accuracy, *table.reference_latency_ms);
  }
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
    if (std::none_of(table.columns.begin(), table.columns.end(), [&](const CompareColumn& col) {
          return same_cull(col.cull_ratio, c.cull_ratio) && col.strategy == c.strategy;
        })) {
      table.columns.push_back({c.cull_ratio, c.strategy});
    }
    table.several_strategies = table.several_strategies || c.strategy != table.cells[0].strategy;
  }
  std::sort(table.epochs.begin(), table.epochs.end());
  std::sort(table.cull_ratios.begin(), table.cull_ratios.end());
  std::sort(table.columns.begin(), table.columns.end(),
            [](const CompareColumn& a, const CompareColumn& b) {
              return same_cull(a.cull_ratio, b.cull_ratio) ? a.strategy < b.strategy
                                                           : a.cull_ratio < b.cull_ratio;
            });
}

void set_baseline(CompareTable& table, const std::string& root, const std::string& baseline,
                  const ReportOptions& options) {
  std::vector<CompareCell> base;
  if (!baseline.empty()) {
    const auto store = ExperimentStore::open(root, baseline);
    for (const auto& c : table.cells) {
      if (c.experiment == store.id()) base.push_back(c);
    }
    if (base.empty()) base.push_back(cell_for(store, options, table.notes));
    if (base.front().dataset != table.dataset) {
      table.notes.push_back("no speedups: baseline " + base.front().experiment + " is on " +
                            base.front().dataset + ", the table on " + table.dataset);
      return;
    }
  } else {
    // The original's baseline is an evolution search; other strategies only stand in for it.
    auto cells = table.cells_at(kDefaultBaselineEpochs, kDefaultBaselineCull, "evolution");
    if (cells.empty()) cells = table.cells_at(kDefaultBaselineEpochs, kDefaultBaselineCull);
    for (const CompareCell* c : cells) base.push_back(*c);
    if (base.empty()) {
      table.notes.push_back(
          "no speedups: no experiment has 3 epochs and cull ratio 0.3 (the original's "
          "baseline); name one with --baseline");
      return;
    }
  }
  std::string names;
  double sum = 0;
  int n = 0;
  for (const auto& b : base) {
    names += (names.empty() ? "" : "+") + b.experiment;
    if (b.latency_ms && *b.latency_ms > 0) {
      sum += *b.latency_ms;
      ++n;
    }
  }
  table.baseline = names;
  if (n == 0) {
    table.notes.push_back("no speedups: baseline " + names + " has no latency yet");
    return;
  }
  table.baseline_latency_ms = sum / n;
  for (auto& c : table.cells) {
    if (c.latency_ms && *c.latency_ms > 0) c.speedup = *table.baseline_latency_ms / *c.latency_ms;
  }
}

std::string epochs_label(int epochs) {
  return std::to_string(epochs) + (epochs == 1 ? " epoch" : " epochs");
}

std::string cull_label(double cull) { return shortest(std::round(cull * 1e6) / 1e4) + "% cull"; }

struct CellTexts {
  std::string accuracy, time, speedup;
};

/// One value, or the mean with its range and count: "83.73 (82.10-85.02, n=3)".
std::string summary(const std::vector<double>& values, int decimals,
                    std::string (*format)(double, int)) {
  if (values.empty()) return "-";
  if (values.size() == 1) return format(values[0], decimals);
  double sum = 0;
  for (double v : values) sum += v;
  const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
  return format(sum / static_cast<double>(values.size()), decimals) + " (" + format(*lo, decimals) +
         "-" + format(*hi, decimals) + ", n=" + std::to_string(values.size()) + ")";
}

std::string number(double v, int decimals) { return fixed(v, decimals); }
std::string duration(double v, int) { return format_duration(v); }

CellTexts texts(const CompareTable& table, const std::vector<const CompareCell*>& cells,
                const std::string& unretrained_mark) {
  if (cells.empty()) return {"-", "-", "-"};
  std::vector<double> accuracy, time, speedup;
  bool unretrained = false, extrapolated = false;
  int fewest = table.first, most = 0;
  for (const CompareCell* c : cells) {
    if (c->accuracy) accuracy.push_back(*c->accuracy);
    unretrained = unretrained || (c->accuracy && !c->retrained);
    if (table.extrapolate && c->extrapolated_seconds) {
      time.push_back(*c->extrapolated_seconds);
      extrapolated = true;
    } else if (c->search_seconds) {
      time.push_back(*c->search_seconds);
    }
    fewest = std::min(fewest, c->trials_counted);
    most = std::max(most, c->trials_counted);
    if (c->speedup) speedup.push_back(*c->speedup);
  }
  CellTexts t;
  t.accuracy =
      summary(accuracy, 2, number) + (unretrained && !accuracy.empty() ? unretrained_mark : "");
  t.time = summary(time, 0, duration);
  if (!time.empty() && extrapolated) {
    t.time = "~" + t.time;
  } else if (!time.empty() && fewest < table.first) {
    // Measured over fewer trials than the other cells may hold: say over how many.
    t.time += " (" + std::to_string(fewest) +
              (most > fewest ? "-" + std::to_string(most) : std::string()) +
              (most == 1 ? " trial)" : " trials)");
  }
  t.speedup = summary(speedup, 2, number);
  return t;
}

std::string column_label(const CompareTable& table, const CompareColumn& col) {
  std::string label = cull_label(col.cull_ratio);
  if (table.several_strategies) label += " (" + col.strategy + ")";
  return label;
}

std::vector<std::vector<std::string>> grid(const CompareTable& table, const std::string& mark) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> header = {"", ""};
  for (const auto& col : table.columns) header.push_back(column_label(table, col));
  rows.push_back(header);
  for (int epochs : table.epochs) {
    std::vector<std::string> acc = {epochs_label(epochs), "Accuracy"};
    std::vector<std::string> time = {"", "Search time"};
    std::vector<std::string> speed = {"", "Inference speedup"};
    for (const auto& col : table.columns) {
      const CellTexts t = texts(table, table.cells_at(epochs, col.cull_ratio, col.strategy), mark);
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
  const bool any_short = std::any_of(table.cells.begin(), table.cells.end(),
                                     [](const auto& c) { return c.extrapolated_seconds; });
  if (any_search) out += item + star + " search accuracy: the best trial has no full retrain\n";
  if (any_short && table.extrapolate) {
    out += item + "~ extrapolated: fewer than " + std::to_string(table.first) +
           " trials ended with a metric, so the time is what " + std::to_string(table.first) +
           " would take at their rate (measured times: without --extrapolate)\n";
  } else if (any_short) {
    out += item + "(n trials): fewer than " + std::to_string(table.first) +
           " trials ended with a metric; the time is theirs (--extrapolate scales it to " +
           std::to_string(table.first) + ", as the original's table did)\n";
  }
  const bool several = std::any_of(table.cells.begin(), table.cells.end(), [&](const auto& c) {
    return table.cells_at(c.epochs, c.cull_ratio, c.strategy).size() > 1;
  });
  if (several) {
    out += item + "Cells with several experiments show their mean (min-max, n=count).\n";
  }
  out += item + "Search time: from the earliest start to the end of the first " +
         std::to_string(table.first) + " trials that ended with a metric.\n";
  if (table.baseline) {
    out += item + "Inference speedup: baseline " + *table.baseline + " latency (" +
           fixed(table.baseline_latency_ms, 4) + " ms) / the cell's latency.\n";
  }
  out += item + "Experiments (" + table.dataset + "):";
  for (const auto& c : table.cells) {
    out += " " + c.experiment + " (" + std::to_string(c.epochs) + "/" + shortest(c.cull_ratio) +
           (table.several_strategies ? "/" + c.strategy : "") + ")";
  }
  out += "\n";
  if (table.reference_accuracy && table.reference_latency_ms) {
    out += item + "Pareto fronts (completed trials; hypervolume in accuracy points x ms against " +
           fixed(table.reference_accuracy, 2) + "% and " + fixed(table.reference_latency_ms, 4) +
           " ms):";
    for (const auto& c : table.cells) {
      out += " " + c.experiment + " " + std::to_string(c.front_size) + " on the front, " +
             fixed(c.hypervolume, 3) + (&c == &table.cells.back() ? "" : ";");
    }
    out += "\n";
  }
  for (const auto& n : table.notes) out += item + "Note: " + n + "\n";
  return out;
}

}  // namespace

std::vector<const CompareCell*> CompareTable::cells_at(int e, double cull,
                                                       const std::string& strategy) const {
  std::vector<const CompareCell*> out;
  for (const auto& c : cells) {
    if (c.epochs == e && same_cull(c.cull_ratio, cull) &&
        (strategy.empty() || c.strategy == strategy))
      out.push_back(&c);
  }
  return out;
}

const CompareCell* CompareTable::cell(int e, double cull) const {
  const auto all = cells_at(e, cull);
  return all.empty() ? nullptr : all.front();
}

CompareTable build_compare(const std::string& root, const std::vector<std::string>& ids,
                           const std::string& baseline, const ReportOptions& options) {
  if (ids.empty()) throw UsageError("--compare needs at least one experiment id");
  CompareTable table;
  table.first = options.first;
  for (const auto& id : ids) {
    const ExperimentStore store = ExperimentStore::open(root, id);
    // One experiment named twice (or by id and by path) is one cell, not a mean of n=2.
    if (std::any_of(table.cells.begin(), table.cells.end(),
                    [&](const CompareCell& c) { return c.experiment == store.id(); })) {
      table.notes.push_back(store.id() + " was given more than once: counted once");
      continue;
    }
    table.cells.push_back(cell_for(store, options, table.notes));
  }
  // Accuracies on different data sets are not one table.
  table.dataset = table.cells.front().dataset;
  for (const auto& c : table.cells) {
    if (c.dataset != table.dataset) {
      throw UsageError("--compare mixes data sets: " + table.cells.front().experiment + " is on " +
                       table.dataset + ", " + c.experiment + " on " + c.dataset +
                       "; compare each data set's experiments separately");
    }
  }
  set_axes(table);
  set_baseline(table, root, baseline, options);
  set_hypervolumes(table);
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
                     {"strategy", c.strategy},
                     {"dataset", c.dataset},
                     {"best_trial", json_or_null(c.best_trial)},
                     {"accuracy", json_or_null(c.accuracy)},
                     {"retrained", c.retrained},
                     {"latency_ms", json_or_null(c.latency_ms)},
                     {"search_seconds", json_or_null(c.search_seconds)},
                     {"trials_counted", c.trials_counted},
                     {"extrapolated_seconds", json_or_null(c.extrapolated_seconds)},
                     {"speedup", json_or_null(c.speedup)},
                     {"front_size", c.front_size},
                     {"hypervolume", json_or_null(c.hypervolume)}});
  }
  return {{"format", "nas-compare/1"},
          {"first", table.first},
          {"dataset", table.dataset},
          {"baseline", json_or_null(table.baseline)},
          {"baseline_latency_ms", json_or_null(table.baseline_latency_ms)},
          {"epochs", table.epochs},
          {"cull_ratios", table.cull_ratios},
          {"cells", cells},
          {"reference_accuracy", json_or_null(table.reference_accuracy)},
          {"reference_latency_ms", json_or_null(table.reference_latency_ms)},
          {"notes", table.notes}};
}

}  // namespace nas
