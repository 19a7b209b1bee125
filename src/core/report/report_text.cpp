// The terminal form of a single-experiment report.
#include <sstream>
#include <vector>

#include "nas/core/common/text_table.hpp"
#include "nas/core/report/report.hpp"
#include "nas/core/search/search_spaces.hpp"

namespace nas {
namespace {

using Align = TextTable::Align;

std::string ordinal(int n) {
  const int tens = n % 100;
  const char* suffix = "th";
  if (tens < 11 || tens > 13) {
    if (n % 10 == 1) suffix = "st";
    if (n % 10 == 2) suffix = "nd";
    if (n % 10 == 3) suffix = "rd";
  }
  return std::to_string(n) + suffix;
}

std::string join_depths(const std::vector<int>& depths) {
  std::string out;
  for (std::size_t i = 0; i < depths.size(); ++i) out += (i ? "-" : "") + std::to_string(depths[i]);
  return out.empty() ? "-" : out;
}

std::string options_line(const SearchOptions& o) {
  std::ostringstream out;
  if (is_tabular_space(o.space)) {
    out << o.strategy << " over the " << o.space << " table (" << o.nb201_dataset
        << "), looked up, not trained, population " << o.max_population << ", sample "
        << o.sample_size << ", " << counted(o.n_trials, "trial") << ", " << o.concurrent_trials
        << " concurrent, mutation " << shortest(o.mutation_prob);
    return out.str();
  }
  out << o.strategy << ", " << counted(o.epochs, "epoch") << ", cull ratio "
      << shortest(o.cull_ratio) << ", population " << o.max_population << ", sample "
      << o.sample_size << ", " << counted(o.n_trials, "trial") << ", " << o.concurrent_trials
      << " concurrent, mutation " << shortest(o.mutation_prob) << ", batch " << o.batch_size
      << ", lr " << shortest(o.lr) << ", latency exponent " << shortest(o.latency_exponent);
  if (o.target_latency_ms) {
    out << ", " << o.reward << " reward at " << shortest(*o.target_latency_ms) << " ms";
    if (o.reward == "absolute") out << " (beta " << shortest(o.beta) << ")";
  }
  if (o.objective != "scalar") out << ", objective " << o.objective;
  return out.str();
}

/// The hard limits, or "" when there are none.
std::string limits_line(const SearchOptions& o) {
  std::vector<std::string> parts;
  if (o.max_latency_ms) parts.push_back("latency " + shortest(*o.max_latency_ms) + " ms");
  if (o.max_macs) parts.push_back(human_count(*o.max_macs) + " MACs");
  if (o.max_params) parts.push_back(human_count(*o.max_params) + " params");
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "at most " : ", ") + p;
  return out;
}

std::string dataset_line(const DatasetInfo& d, bool tabular) {
  std::ostringstream out;
  if (tabular) {  // no images: a table's columns
    out << d.name << " (the table's " << d.split << " column, " << d.classes << " classes)";
    return out.str();
  }
  out << d.name << " (" << d.split << " split, " << d.train_size << " train / " << d.eval_size
      << " eval, " << d.shape[0] << "x" << d.shape[1] << "x" << d.shape[2] << ", " << d.classes
      << " classes)";
  return out.str();
}

std::string header_section(const ExperimentReport& r) {
  const ExperimentRecord& e = r.experiment;
  TextTable t({Align::kLeft, Align::kLeft});
  t.add_row({"folder", r.dir});
  t.add_row({"created", e.created + (e.finished ? ", finished " + *e.finished : "")});
  if (e.error) t.add_row({"error", *e.error});
  t.add_row({"seed", std::to_string(e.seed)});
  t.add_row({"options", options_line(e.options)});
  if (const std::string limits = limits_line(e.options); !limits.empty())
    t.add_row({"limits", limits});
  t.add_row({"dataset", dataset_line(e.dataset, is_tabular_space(e.options.space))});
  std::string devices;
  for (const auto& d : e.devices) devices += (devices.empty() ? "" : ", ") + d;
  t.add_row({"devices", devices.empty() ? "-" : devices});
  if (!e.options.latency_table.empty()) {
    // The devices above trained; the latencies are another device's.
    t.add_row({"latencies", "predicted for " + e.options.latency_table_device + " by the table " +
                                e.options.latency_table + ", not measured"});
  }
  t.add_row({"versions", "nas " + e.nas_version + ", libtorch " + e.libtorch_version});
  if (e.search_seconds) t.add_row({"search time", format_duration(*e.search_seconds)});
  if (e.options.time_budget_seconds)
    t.add_row({"time budget", format_duration(*e.options.time_budget_seconds)});
  if (e.ended_by) {
    t.add_row({"ended by", *e.ended_by == "time_budget" ? "its time budget" : "its trial count"});
  }
  std::string title = "Experiment " + e.id;
  if (e.name) title += " \"" + *e.name + "\"";
  const std::string hint = status_hint(e, r.in_use);
  return title + ": " + shown_status(e, r.in_use) + (hint.empty() ? "" : " (" + hint + ")") + "\n" +
         t.render("  ", false);
}

std::string counts_line(const StatusCounts& c) {
  std::ostringstream out;
  out << "Trials: " << c.total << " (" << c.completed << " completed, " << c.culled << " culled, "
      << c.failed << " failed, " << c.interrupted << " interrupted, ";
  if (c.rejected > 0) out << c.rejected << " rejected over the limits, ";
  out << c.running << " running)\n";
  return out.str();
}

std::string summary_section(const ExperimentReport& r) {
  std::ostringstream out;
  const FirstTrialsSummary& f = r.first;
  if (f.counted >= f.n) {
    out << "First " << f.n << " scored trials:\n";
  } else if (shown_status(r.experiment, r.in_use) == "running") {
    out << "First " << f.n << " scored trials (" << f.counted << " so far):\n";
  } else {
    // A search that ended short of N: its figures are over what it scored, not over N.
    out << "All " << f.counted << " scored " << (f.counted == 1 ? "trial" : "trials")
        << " (the summary covers the first " << f.n << "; this search has no more):\n";
  }
  if (f.best_trial) {
    out << "  best trial   " << *f.best_trial << " (metric " << fixed(f.best_metric, 4) << ")\n";
  } else {
    out << "  best trial   - (no trial has a metric yet)\n";
  }
  out << "  time         " << (f.seconds ? format_duration(*f.seconds) : "-");
  if (f.counted > 0) out << " (earliest start to " << ordinal(f.counted) << " end)";
  out << "\nAll trials:    " << (r.all_seconds ? format_duration(*r.all_seconds) : "-") << "\n";
  const CullSavings& c = r.culling;
  out << "Culling saved: " << c.epochs_saved << " of "
      << counted(c.epochs_saved + c.epochs_trained, "epoch") << " ("
      << counted(c.culled_trials, "trial") << " culled)";
  if (c.seconds_saved) {
    out << ", about " << format_duration(*c.seconds_saved) << " at "
        << format_duration(*c.seconds_per_epoch) << " per trained epoch";
  }
  out << "\n";
  return out.str();
}

// NAS-Bench-201 trials: both of the table's columns and the cell, where a network's size would be.
std::string top_section_of_cells(const ExperimentReport& r) {
  TextTable t({Align::kRight, Align::kRight, Align::kRight, Align::kRight, Align::kLeft});
  t.add_row({"id", "metric", "validation %", "test %", "cell"});
  for (const auto& row : r.top) {
    t.add_row({std::to_string(row.id), fixed(row.metric, 4),
               row.nb201 ? fixed(row.nb201->val_accuracy, 2) : "-",
               row.nb201 ? fixed(row.nb201->test_accuracy, 2) : "-",
               row.nb201 ? row.nb201->cell : "-"});
  }
  return "Top " + counted(static_cast<std::int64_t>(r.top.size()), "trial") + " by metric:\n" +
         t.render("  ");
}

std::string top_section(const ExperimentReport& r) {
  if (is_tabular_space(r.experiment.options.space)) return top_section_of_cells(r);
  TextTable t({Align::kRight, Align::kRight, Align::kRight, Align::kRight, Align::kRight,
               Align::kRight, Align::kLeft, Align::kLeft, Align::kRight});
  t.add_row({"id", "metric", "accuracy %", "latency ms", "params", "MACs", "depths", "status",
             "retrained %"});
  for (const auto& row : r.top) {
    t.add_row({std::to_string(row.id), fixed(row.metric, 4), fixed(row.accuracy, 2),
               fixed(row.latency_ms, 4), human_count(row.params), human_count(row.macs),
               join_depths(row.depths), to_string(row.status),
               fixed(row.retrained_accuracy, 2) + (row.retrained_partial ? "*" : "")});
  }
  bool partial = false;
  for (const auto& row : r.top) partial = partial || row.retrained_partial;
  return "Top " + counted(static_cast<std::int64_t>(r.top.size()), "trial") + " by metric:\n" +
         t.render("  ") +
         (partial ? "  * a partial retrain (a subset of the data, or fewer epochs than asked)\n"
                  : "");
}

std::string data_text(const DatasetInfo& d) {
  std::string s = d.name.empty() ? "?" : d.name;
  if (d.shape[0] > 0) {
    s += " " + std::to_string(d.shape[0]) + "x" + std::to_string(d.shape[1]) + "x" +
         std::to_string(d.shape[2]) + ", " + std::to_string(d.classes) + " classes";
  }
  return s;
}

// Retrains that cannot stand for the trial's accuracy on the experiment's data, shown so that
// nobody wonders where they went.
std::string other_data_section(const ExperimentReport& r) {
  TextTable t({Align::kRight, Align::kLeft, Align::kRight, Align::kRight, Align::kLeft});
  t.add_row({"trial", "data", "accuracy %", "epochs", "started"});
  for (const auto& x : r.other_data_retrains) {
    t.add_row({x.trial ? std::to_string(*x.trial) : "-", data_text(x.dataset), fixed(x.accuracy, 2),
               std::to_string(x.epochs.size()), x.started});
  }
  return "Retrains on other data than the experiment's (" + data_text(r.experiment.dataset) +
         "), not used above:\n" + t.render("  ");
}

std::string pareto_section(const ExperimentReport& r) {
  TextTable t(
      {Align::kRight, Align::kRight, Align::kRight, Align::kRight, Align::kRight, Align::kRight});
  t.add_row({"id", "accuracy %", "latency ms", "params", "MACs", "metric"});
  for (const auto& p : r.pareto) {
    t.add_row({std::to_string(p.id), fixed(p.accuracy, 2), fixed(p.latency_ms, 4),
               human_count(p.params), human_count(p.macs), fixed(p.metric, 4)});
  }
  return "Pareto front, accuracy vs latency, of the completed trials (" +
         counted(static_cast<std::int64_t>(r.pareto.size()), "trial") + "):\n" + t.render("  ");
}

// Only the points where the best changed, so the table stays short for long searches.
std::string best_so_far_section(const ExperimentReport& r) {
  TextTable t({Align::kRight, Align::kRight, Align::kRight});
  t.add_row({"after trials", "best metric", "trial"});
  std::optional<int> previous;
  for (const auto& p : r.best_so_far) {
    if (previous && *previous == p.id) continue;
    previous = p.id;
    t.add_row({std::to_string(p.trials), fixed(p.metric, 4), std::to_string(p.id)});
  }
  const int total = r.best_so_far.empty() ? 0 : r.best_so_far.back().trials;
  return "Best metric so far (improvements, over " + counted(total, "finished trial") + "):\n" +
         t.render("  ");
}

}  // namespace

std::string deploy_section(const DeployHint& d) {
  std::string out = "Deploy the best trial (" + std::to_string(d.trial) + "): ";
  out += d.retrain_dir ? "its retrained weights as model.onnx (nas-test-model wrote one already; "
                         "--batch and --opset write another)\n"
                       : "retrain it (model.onnx is written when the retrain ends), or export "
                         "it untrained to time it on a target\n";
  for (const auto& c : deploy_commands(d)) out += "  " + c + "\n";
  return out;
}

std::string render_front_text(const ExperimentReport& r) {
  if (is_tabular_space(r.experiment.options.space))
    return "No front: the " + r.experiment.options.space + " table has no latency.\n";
  if (r.pareto.empty()) return "No completed trial yet: the front is empty.\n";
  return pareto_section(r);
}

std::string render_text(const ExperimentReport& r) {
  std::string out = header_section(r) + "\n" + counts_line(r.counts);
  if (!r.problems.empty()) {
    for (const auto& p : r.problems) out += "warning: skipped corrupt trial file " + p + "\n";
  }
  if (r.trials.empty()) {
    return out + "\nNo trials yet: nothing to summarize.\n";
  }
  out += "\n" + summary_section(r);
  if (!r.top.empty()) out += "\n" + top_section(r);
  if (!r.other_data_retrains.empty()) out += "\n" + other_data_section(r);
  if (!r.pareto.empty()) out += "\n" + pareto_section(r);
  if (!r.best_so_far.empty()) out += "\n" + best_so_far_section(r);
  if (r.deploy) out += "\n" + deploy_section(*r.deploy);
  return out;
}

std::string render_listing(const std::vector<ExperimentListing>& rows, const std::string& root) {
  if (rows.empty()) return "no experiments under " + root + "\n";
  TextTable t(
      {Align::kLeft, Align::kLeft, Align::kLeft, Align::kRight, Align::kRight, Align::kLeft});
  t.add_row({"id", "name", "status", "trials", "best metric", "created"});
  for (const auto& r : rows) {
    t.add_row({r.id, r.name.value_or("-"), r.status, std::to_string(r.trials),
               r.best_metric ? fixed(r.best_metric, 4) : "-", r.created.empty() ? "-" : r.created});
  }
  std::string out = "Experiments under " + root + ":\n" + t.render("  ");
  for (const auto& r : rows) {
    if (r.problem) out += "  " + r.id + ": " + *r.problem + "\n";
  }
  return out + "Details: nas-report <id> (or latest, or the start of an id)\n";
}

}  // namespace nas
