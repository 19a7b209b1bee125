// nas-report: reads an experiment folder (or several, with --compare) and prints what the search
// found. All figures come from nas/report.hpp; this file only wires flags to it.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "cli/cli_suggest.hpp"
#include "nas/console/build_info.hpp"
#include "nas/console/interrupt.hpp"
#include "nas/core/common/error.hpp"
#include "nas/core/common/json_fields.hpp"
#include "nas/core/experiment/experiment_store.hpp"
#include "nas/core/report/proxy_quality.hpp"
#include "nas/core/report/report.hpp"
#if NAS_WITH_WEB
#include "nas/web/dashboard_data.hpp"
#include "nas/web/dashboard_page.hpp"
#include "nas/web/dashboard_server.hpp"
#endif

namespace nas {
namespace {

struct ReportCliOptions {
  std::vector<std::string> experiments;  // one, except with --serve
  std::vector<std::string> compare;
  std::string root;
  ReportOptions report;
  bool json = false;
  std::string csv;
  std::string epochs_csv;
  std::string html;
  bool serve = false;
  std::string host = "127.0.0.1";
  int port = 8080;
  std::string baseline;
  bool markdown = false;
  bool extrapolate = false;
  bool proxy_quality = false;
  bool front = false;
  std::string reference;
  std::string log_level = "info";
};

void setup_report(CLI::App& app, ReportCliOptions& o) {
  app.add_option("experiment", o.experiments,
                 "experiment id (under --experiment-dir), latest, the start of an id, or a "
                 "folder; none: list the experiments (--serve: the experiments to show, "
                 "default all)")
      ->type_name("ID");
  app.add_option("--compare", o.compare,
                 "build the results table (epochs x cull ratio) from these experiments")
      ->expected(1, -1)
      ->type_name("ID");
  app.add_option("--experiment-dir", o.root,
                 "where experiments live (default $NAS_EXPERIMENT_DIR or ./nas-experiments)");
  app.add_option("--first", o.report.first, "summarize the first N finished trials")
      ->check(number_in_range(1, 100000000))
      ->capture_default_str();
  app.add_option("--top", o.report.top, "rows of the top-trials table")
      ->check(number_in_range(0, 100000000))
      ->capture_default_str();
  app.add_flag("--json", o.json, "print one JSON document instead of text");
  app.add_option("--csv", o.csv, "write one row per trial to this CSV file (- for stdout)")
      ->type_name("FILE");
  app.add_option("--epochs-csv", o.epochs_csv,
                 "write every epoch record (trial, epoch, loss, accuracy, latency, metric, "
                 "threshold, seconds) to this CSV file (- for stdout)")
      ->type_name("FILE");
  app.add_option("--html", o.html,
                 "write the dashboard of one experiment as one self-contained HTML file")
      ->type_name("FILE");
  app.add_flag("--serve", o.serve,
               "serve a live web dashboard of the experiments (NNI's web portal); ^C stops it");
  app.add_option("--port", o.port, "--serve: the port")
      ->check(number_in_range(1, 65535))
      ->capture_default_str();
  app.add_option("--host", o.host,
                 "--serve: the address to listen on (it has no authentication: the default "
                 "only answers this machine; reach it from elsewhere with ssh -L)")
      ->capture_default_str();
  app.add_option("--baseline", o.baseline,
                 "--compare: the experiment speedups are relative to (default: 3 epochs, cull 0.3)")
      ->type_name("ID");
  app.add_flag("--markdown", o.markdown, "--compare: print the table as Markdown");
  app.add_flag("--extrapolate", o.extrapolate,
               "--compare: where fewer than --first trials ended, show the time --first would "
               "take at their rate (marked ~), as the original's table did");
  app.add_flag("--front", o.front,
               "only the Pareto front: the non-dominated completed trials by latency, with "
               "accuracy, latency, params, MACs and metric (--json: as JSON)");
  app.add_flag("--proxy-quality", o.proxy_quality,
               "how well the search's per-epoch scores rank its architectures as their retrains "
               "(nas-test-model) do: Kendall's tau and Spearman's rho");
  app.add_option("--reference", o.reference,
                 "--proxy-quality: take the retrains from this experiment, matched by "
                 "architecture (default: the experiment's own)")
      ->type_name("ID");
  app.add_option("--log-level", o.log_level, "trace, debug, info, warn, error or off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}))
      ->capture_default_str();
}

void check_combinations(const ReportCliOptions& o) {
  const bool comparing = !o.compare.empty();
  if (o.serve && (comparing || o.json || !o.csv.empty() || !o.epochs_csv.empty() ||
                  !o.html.empty() || o.markdown)) {
    throw UsageError(
        "--serve shows experiments in a browser; it does not combine with "
        "--compare, --json, --csv, --epochs-csv, --html or --markdown");
  }
  if (!o.serve && o.experiments.size() > 1) {
    throw UsageError("give one experiment (several only with --serve or --compare)");
  }
  if (comparing && !o.experiments.empty()) {
    throw UsageError("give one experiment or --compare with several, not both");
  }
  if (!comparing && o.experiments.empty() &&
      (o.json || !o.csv.empty() || !o.epochs_csv.empty() || !o.html.empty())) {
    throw UsageError(
        "--json, --csv and --html describe one experiment: name it (id, latest or "
        "folder)");
  }
  if (comparing && (!o.csv.empty() || !o.epochs_csv.empty() || !o.html.empty())) {
    throw UsageError(
        "--csv and --html describe one experiment; they do not combine with --compare");
  }
  if (!comparing && (o.markdown || o.extrapolate || !o.baseline.empty())) {
    throw UsageError("--markdown, --extrapolate and --baseline only apply to --compare");
  }
  if (o.json && o.markdown) throw UsageError("choose --json or --markdown, not both");
  if (o.front && (o.serve || comparing || o.proxy_quality || !o.csv.empty() ||
                  !o.epochs_csv.empty() || !o.html.empty() || o.experiments.size() != 1)) {
    throw UsageError(
        "--front lists one experiment's front (name it); it combines only with --json");
  }
  if (!o.reference.empty() && !o.proxy_quality)
    throw UsageError("--reference only applies to --proxy-quality");
  if (o.proxy_quality && (o.serve || comparing || !o.csv.empty() || !o.epochs_csv.empty() ||
                          !o.html.empty() || o.experiments.size() != 1)) {
    throw UsageError(
        "--proxy-quality describes one experiment (name it); it does not combine with --serve, "
        "--compare, --csv, --epochs-csv or --html");
  }
  const int to_stdout = (o.csv == "-") + (o.epochs_csv == "-") + o.json;
  if (to_stdout > 1)
    throw UsageError("--json, --csv - and --epochs-csv - each write to stdout: choose one");
}

#if !NAS_WITH_WEB
constexpr const char* kNoDashboard =
    "this nas-report was built without the dashboard: install libcpp-httplib-dev and "
    "libjs-chart.js (scripts/setup.sh does) and rebuild";
#endif

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) throw RuntimeFailure(path + ": cannot write");
}

int run_proxy_quality(const ReportCliOptions& o, const ExperimentReport& report,
                      spdlog::logger& log) {
  std::optional<ExperimentReport> other;
  if (!o.reference.empty()) {
    other = build_report(ExperimentStore::open(o.root, o.reference), o.report);
    for (const auto& p : other->problems) log.warn("skipped corrupt trial file {}", p);
  }
  const ProxyQuality q = proxy_quality(report, other ? *other : report);
  if (o.json) {
    std::cout << dump_json(proxy_quality_to_json(q), 2) << "\n";
  } else {
    std::cout << render_proxy_quality(q);
  }
  return kExitOk;
}

int run_single(const ReportCliOptions& o, spdlog::logger& log) {
  const auto store = ExperimentStore::open(o.root, o.experiments.front());
  const ExperimentReport report = build_report(store, o.report);
  auto to_file = [](const std::string& path) { return !path.empty() && path != "-"; };
  // Writing a file says so in one line; the text report is printed only when nothing else was
  // asked for.
  const bool text = !o.json && !o.proxy_quality && !o.front && !to_file(o.csv) &&
                    !to_file(o.epochs_csv) && o.html.empty() && o.csv != "-" && o.epochs_csv != "-";
  // The text report lists skipped files itself; JSON holds them in "problems", but a reader of
  // the terminal should still hear about them.
  if (!text) {
    for (const auto& p : report.problems) log.warn("skipped corrupt trial file {}", p);
  }
  if (o.proxy_quality) return run_proxy_quality(o, report, log);
  if (o.front) {
    if (o.json) {
      std::cout << dump_json(front_to_json(report), 2) << "\n";
    } else {
      std::cout << render_front_text(report);
    }
    return kExitOk;
  }
  const auto write_html = [&] {
    if (o.html.empty()) return;
#if NAS_WITH_WEB
    write_file(o.html, dashboard_page_file(dashboard_experiment(report, true)));
    log.info("wrote {}", o.html);
#else
    throw UsageError(kNoDashboard);
#endif
  };
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
  write_html();
  if (o.csv == "-" || o.epochs_csv == "-") {
    (o.csv == "-" ? write_csv : write_epochs_csv)(report, std::cout);
    return kExitOk;
  }
  if (o.json) {
    std::cout << dump_json(report_to_json(report), 2) << "\n";
  } else if (text) {
    std::cout << render_text(report);
  }
  return kExitOk;
}

// Serves until ^C. The experiments named are resolved once (latest, a prefix, a folder); their
// folders must share one parent, which the server reads.
int run_serve(const ReportCliOptions& o, spdlog::logger& log) {
#if NAS_WITH_WEB
  DashboardSource source{o.root, {}, o.report};
  std::string parent;
  for (const auto& text : o.experiments) {
    const auto store = ExperimentStore::open(o.root, text);
    const std::string p = store.root();
    if (!parent.empty() && p != parent)
      throw UsageError("--serve shows experiments of one folder; " + text + " is in " + p);
    parent = p;
    source.ids.push_back(store.id());
  }
  if (!parent.empty()) source.root = parent;
  if (!std::filesystem::is_directory(source.root))
    throw InputError(source.root + ": no experiments folder here (set --experiment-dir)");
  const auto& interrupted = install_interrupt_handlers();
  const std::string open = source.ids.size() == 1 ? "#/e/" + source.ids.front() : std::string();
  auto server = start_dashboard(source, ServeOptions{o.host, o.port}, log, open);
  log.info("serving {}; ^C stops", source.root);
  while (!interrupted.load()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  server->stop();
  log.info("dashboard stopped");
  return kExitOk;  // ^C is how a server is meant to end
#else
  (void)o;
  (void)log;
  throw UsageError(kNoDashboard);
#endif
}

int run_compare(const ReportCliOptions& o) {
  CompareTable table = build_compare(o.root, o.compare, o.baseline, o.report);
  table.extrapolate = o.extrapolate;
  if (o.json) {
    std::cout << dump_json(compare_to_json(table), 2) << "\n";
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
  if (o.serve) return run_serve(o, *log);
  if (o.compare.empty() && o.experiments.empty()) {
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
  nas::refuse_empty_values(app);
  nas::plain_type_names(app);
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
