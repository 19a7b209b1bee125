// nas-report: reads an experiment folder (or several, with --compare) and prints what the search
// found. All figures come from nas/report.hpp; this file only wires flags to it.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "nas/build_info.hpp"
#include "nas/cli_suggest.hpp"
#include "nas/error.hpp"
#include "nas/experiment_store.hpp"
#include "nas/report.hpp"

namespace nas {
namespace {

struct ReportCliOptions {
  std::string experiment;
  std::vector<std::string> compare;
  std::string root;
  ReportOptions report;
  bool json = false;
  std::string csv;
  std::string epochs_csv;
  std::string html;
  std::string baseline;
  bool markdown = false;
  std::string log_level = "info";
};

void setup_report(CLI::App& app, ReportCliOptions& o) {
  app.add_option("experiment", o.experiment,
                 "experiment id (under --experiment-dir), latest, the start of an id, or a "
                 "folder; none: list the experiments");
  app.add_option("--compare", o.compare,
                 "build the results table (epochs x cull ratio) from these experiments")
      ->expected(1, -1);
  app.add_option("--experiment-dir", o.root,
                 "where experiments live (default $NAS_EXPERIMENT_DIR or ./nas-experiments)");
  app.add_option("--first", o.report.first, "summarize the first N finished trials")
      ->check(CLI::Range(1, 100000000))
      ->capture_default_str();
  app.add_option("--top", o.report.top, "rows of the top-trials table")
      ->check(CLI::Range(0, 100000000))
      ->capture_default_str();
  app.add_flag("--json", o.json, "print one JSON document instead of text");
  app.add_option("--csv", o.csv, "write one row per trial to this CSV file (- for stdout)");
  app.add_option("--epochs-csv", o.epochs_csv,
                 "write every epoch record (trial, epoch, loss, accuracy, latency, metric, "
                 "threshold, seconds) to this CSV file (- for stdout)");
  app.add_option("--html", o.html, "write a self-contained HTML page with charts to this file");
  app.add_option(
      "--baseline", o.baseline,
      "--compare: the experiment speedups are relative to (default: 3 epochs, cull 0.3)");
  app.add_flag("--markdown", o.markdown, "--compare: print the table as Markdown");
  app.add_option("--log-level", o.log_level, "trace, debug, info, warn, error or off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}))
      ->capture_default_str();
}

void check_combinations(const ReportCliOptions& o) {
  const bool comparing = !o.compare.empty();
  if (comparing && !o.experiment.empty()) {
    throw UsageError("give one experiment or --compare with several, not both");
  }
  if (!comparing && o.experiment.empty() &&
      (o.json || !o.csv.empty() || !o.epochs_csv.empty() || !o.html.empty())) {
    throw UsageError(
        "--json, --csv and --html describe one experiment: name it (id, latest or "
        "folder)");
  }
  if (comparing && (!o.csv.empty() || !o.epochs_csv.empty() || !o.html.empty())) {
    throw UsageError(
        "--csv and --html describe one experiment; they do not combine with --compare");
  }
  if (!comparing && (o.markdown || !o.baseline.empty())) {
    throw UsageError("--markdown and --baseline only apply to --compare");
  }
  if (o.json && o.markdown) throw UsageError("choose --json or --markdown, not both");
  const int to_stdout = (o.csv == "-") + (o.epochs_csv == "-") + o.json;
  if (to_stdout > 1)
    throw UsageError("--json, --csv - and --epochs-csv - each write to stdout: choose one");
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) throw RuntimeFailure(path + ": cannot write");
}

int run_single(const ReportCliOptions& o, spdlog::logger& log) {
  const auto store = ExperimentStore::open(o.root, o.experiment);
  const ExperimentReport report = build_report(store, o.report);
  // The text report lists skipped files itself; JSON holds them in "problems", but a reader of
  // the terminal should still hear about them.
  if (o.json) {
    for (const auto& p : report.problems) log.warn("skipped corrupt trial file {}", p);
  }
  // "-": the data alone on stdout, so it can be piped; messages go to stderr.
  auto export_csv = [&](const std::string& path,
                        void (*write)(const ExperimentReport&, std::ostream&)) {
    if (path.empty() || path == "-") return;
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    write(report, out);
    out.close();
    if (!out) throw RuntimeFailure(path + ": cannot write");
    log.info("wrote {}", path);
  };
  export_csv(o.csv, write_csv);
  export_csv(o.epochs_csv, write_epochs_csv);
  if (o.csv == "-" || o.epochs_csv == "-") {
    if (!o.html.empty()) {
      write_file(o.html, render_html(report));
      log.info("wrote {}", o.html);
    }
    (o.csv == "-" ? write_csv : write_epochs_csv)(report, std::cout);
    return kExitOk;
  }
  if (!o.html.empty()) {
    write_file(o.html, render_html(report));
    log.info("wrote {}", o.html);
  }
  if (o.json) {
    std::cout << report_to_json(report).dump(2) << "\n";
  } else {
    std::cout << render_text(report);
  }
  return kExitOk;
}

int run_compare(const ReportCliOptions& o) {
  const CompareTable table = build_compare(o.root, o.compare, o.baseline, o.report);
  if (o.json) {
    std::cout << compare_to_json(table).dump(2) << "\n";
  } else if (o.markdown) {
    std::cout << render_compare_markdown(table);
  } else {
    std::cout << render_compare_text(table);
  }
  return kExitOk;
}

int run_report(ReportCliOptions o) {
  auto log = spdlog::stderr_color_st("nas-report");
  log->set_pattern("nas-report: %l: %v");
  log->set_level(spdlog::level::from_str(o.log_level));
  if (o.root.empty()) o.root = default_experiment_root();
  check_combinations(o);
  if (o.compare.empty() && o.experiment.empty()) {
    std::cout << render_listing(list_experiments(o.root), o.root);
    return kExitOk;
  }
  return o.compare.empty() ? run_single(o, *log) : run_compare(o);
}

}  // namespace
}  // namespace nas

int main(int argc, char** argv) {
  CLI::App app{"nas-report: summaries, tables and charts of nas experiments", "nas-report"};
  app.set_version_flag("--version", nas::build_summary("nas-report"));
  nas::ReportCliOptions options;
  nas::setup_report(app, options);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    std::cerr << "nas-report: error: " << nas::with_suggestion(app, e) << "\n";
    return nas::kExitUsage;
  }
  try {
    return nas::run_report(options);
  } catch (const std::exception& e) {
    std::cerr << "nas-report: error: " << e.what() << "\n";
    return nas::exit_code_for(e);
  }
}
