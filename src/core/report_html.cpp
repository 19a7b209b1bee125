// The HTML form of a single-experiment report: one self-contained page, charts as inline SVG.
#include <algorithm>
#include <cstdio>
#include <limits>
#include <map>
#include <sstream>

#include "nas/report.hpp"
#include "nas/svg_plot.hpp"
#include "nas/text_table.hpp"

namespace nas {
namespace {

constexpr int kChartWidth = 900;
constexpr int kChartHeight = 480;

const char* kStyle = R"(body{font-family:sans-serif;margin:24px;color:#222;max-width:1100px}
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:1.6em}
table{border-collapse:collapse;margin:.4em 0}
td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}
th{background:#f0f0f0}td.l,th.l{text-align:left}
.warn{color:#a40}
svg{display:block;margin:.6em 0;background:#fff}
.frame{fill:none;stroke:#444}.grid{stroke:#e4e4e4}
.tick{font-size:11px;fill:#444}.axis-label,.legend{font-size:13px;fill:#222}
.chart-title{font-size:15px;font-weight:bold;fill:#222}
.completed{fill:#3b73b9;fill-opacity:.75}.culled{stroke:#e07b00;stroke-width:2}
.front{fill:none;stroke:#c0392b;stroke-width:2}.front-point{fill:none;stroke:#c0392b;stroke-width:2}
.trial-metric{fill:#999;fill-opacity:.6}.best-line{fill:none;stroke:#3b73b9;stroke-width:2.5}
)";

std::string n1(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string cell(const std::string& text, bool left = false) {
  return std::string(left ? "<td class=\"l\">" : "<td>") + xml_escape(text) + "</td>";
}

std::string header_row(const std::vector<std::string>& names) {
  std::string out = "<tr>";
  for (const auto& n : names) out += "<th>" + xml_escape(n) + "</th>";
  return out + "</tr>\n";
}

std::string circle_mark() { return "<circle class=\"completed\" cx=\"0\" cy=\"0\" r=\"4\"/>"; }
std::string cross_mark(double x, double y) {
  const std::string a = n1(x - 4), b = n1(x + 4), c = n1(y - 4), d = n1(y + 4);
  return "<path class=\"culled\" d=\"M" + a + " " + c + "L" + b + " " + d + "M" + a + " " + d +
         "L" + b + " " + c + "\"/>";
}

struct Bounds {
  double lo = std::numeric_limits<double>::infinity();
  double hi = -std::numeric_limits<double>::infinity();
  void add(double v) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
};

std::string scatter_chart(const ExperimentReport& r) {
  Bounds x, y;
  for (const auto& t : r.trials) {
    if (t.accuracy && t.latency_ms &&
        (t.status == TrialStatus::kCompleted || t.status == TrialStatus::kCulled)) {
      x.add(*t.latency_ms);
      y.add(*t.accuracy);
    }
  }
  if (x.lo > x.hi) return "<p>No trial has both an accuracy and a latency yet.</p>\n";
  const SvgPlot plot(kChartWidth, kChartHeight, {x.lo, x.hi}, {y.lo, y.hi},
                     "latency (ms per image)", "accuracy (%)");
  std::ostringstream o;
  o << plot.begin("Accuracy vs latency", "chart-scatter");
  for (const auto& t : r.trials) {
    if (!t.accuracy || !t.latency_ms) continue;
    const double cx = plot.px(*t.latency_ms), cy = plot.py(*t.accuracy);
    const std::string tip = "trial " + std::to_string(t.id) + " (" + to_string(t.status) +
                            "): " + fixed(t.accuracy, 2) + " %, " + fixed(t.latency_ms, 4) + " ms";
    if (t.status == TrialStatus::kCompleted) {
      o << "<circle class=\"completed\" cx=\"" << n1(cx) << "\" cy=\"" << n1(cy)
        << "\" r=\"4\"><title>" << xml_escape(tip) << "</title></circle>\n";
    } else if (t.status == TrialStatus::kCulled) {
      o << "<g>" << cross_mark(cx, cy) << "<title>" << xml_escape(tip) << "</title></g>\n";
    }
  }
  std::string points;
  for (const auto& p : r.pareto) {
    points +=
        (points.empty() ? "" : " ") + n1(plot.px(p.latency_ms)) + "," + n1(plot.py(p.accuracy));
  }
  o << "<polyline class=\"front\" points=\"" << points << "\"/>\n";
  for (const auto& p : r.pareto) {
    o << "<circle class=\"front-point\" cx=\"" << n1(plot.px(p.latency_ms)) << "\" cy=\""
      << n1(plot.py(p.accuracy)) << "\" r=\"7\"/>\n";
  }
  o << plot.legend(0, circle_mark(), "completed");
  o << plot.legend(1, cross_mark(0, 0), "culled");
  o << plot.legend(2, "<path class=\"front\" d=\"M-8 0L8 0\"/>", "Pareto front");
  return o.str() + plot.end();
}

std::string best_so_far_chart(const ExperimentReport& r) {
  if (r.best_so_far.empty()) return "<p>No finished trial has a metric yet.</p>\n";
  // Each finished trial's own metric, at its place in end order, shows what the best rose from.
  std::vector<std::pair<int, double>> own;
  Bounds y;
  for (const auto& p : r.best_so_far) y.add(p.metric);
  std::map<int, const TrialRecord*> by_id;
  for (const auto& t : r.trials) by_id[t.id] = &t;
  for (std::size_t i = 0; i < r.end_order.size(); ++i) {
    const TrialRecord* t = by_id.at(r.end_order[i]);
    if (t->metric) {
      own.push_back({static_cast<int>(i) + 1, *t->metric});
      y.add(*t->metric);
    }
  }
  const SvgPlot plot(kChartWidth, kChartHeight,
                     {1.0, static_cast<double>(r.best_so_far.back().trials)}, {y.lo, y.hi},
                     "finished trials (by end time)", "metric");
  std::ostringstream o;
  o << plot.begin("Best metric so far", "chart-best");
  for (const auto& [n, m] : own) {
    o << "<circle class=\"trial-metric\" cx=\"" << n1(plot.px(n)) << "\" cy=\"" << n1(plot.py(m))
      << "\" r=\"2.5\"/>\n";
  }
  std::string path;
  for (const auto& p : r.best_so_far) {
    const std::string x = n1(plot.px(p.trials)), yv = n1(plot.py(p.metric));
    path += path.empty() ? "M" + x + " " + yv : "H" + x + "V" + yv;
  }
  o << "<path class=\"best-line\" d=\"" << path << "\"/>\n";
  o << plot.legend(0, "<path class=\"best-line\" d=\"M-8 0L8 0\"/>", "best so far");
  o << plot.legend(1, "<circle class=\"trial-metric\" cx=\"0\" cy=\"0\" r=\"3\"/>", "each trial");
  return o.str() + plot.end();
}

std::string summary_table(const ExperimentReport& r) {
  const ExperimentRecord& e = r.experiment;
  const SearchOptions& o = e.options;
  std::vector<std::pair<std::string, std::string>> rows = {
      {"status", shown_status(e, r.in_use)},
      {"created", e.created},
      {"finished", e.finished.value_or("-")},
      {"folder", r.dir},
      {"seed", std::to_string(e.seed)},
      {"strategy", o.strategy},
      {"epochs", std::to_string(o.epochs)},
      {"cull ratio", shortest(o.cull_ratio)},
      {"population / sample",
       std::to_string(o.max_population) + " / " + std::to_string(o.sample_size)},
      {"trials planned", std::to_string(o.n_trials)},
      {"dataset", e.dataset.name + " (" + e.dataset.split + ")"},
      {"trials", std::to_string(r.counts.total) + ": " + std::to_string(r.counts.completed) +
                     " completed, " + std::to_string(r.counts.culled) + " culled, " +
                     std::to_string(r.counts.failed) + " failed, " +
                     std::to_string(r.counts.interrupted) + " interrupted, " +
                     std::to_string(r.counts.running) + " running"},
      {"best of first " + std::to_string(r.first.n) + " (" + std::to_string(r.first.counted) +
           " counted)",
       r.first.best_trial ? "trial " + std::to_string(*r.first.best_trial) + ", metric " +
                                fixed(r.first.best_metric, 4)
                          : "-"},
      {"time for first " + std::to_string(r.first.counted),
       r.first.seconds ? format_duration(*r.first.seconds) : "-"},
      {"time for all trials", r.all_seconds ? format_duration(*r.all_seconds) : "-"},
      {"culling saved",
       std::to_string(r.culling.epochs_saved) + " epochs" +
           (r.culling.seconds_saved ? ", about " + format_duration(*r.culling.seconds_saved) : "")},
  };
  if (e.error) rows.push_back({"error", *e.error});
  std::string out = "<table class=\"summary\">\n";
  for (const auto& [k, v] : rows) {
    out += "<tr><th class=\"l\">" + xml_escape(k) + "</th>" + cell(v, true) + "</tr>\n";
  }
  return out + "</table>\n";
}

std::string top_table(const ExperimentReport& r) {
  std::string out =
      "<table class=\"top\">\n" + header_row({"id", "metric", "accuracy %", "latency ms", "params",
                                              "MACs", "depths", "status", "retrained %"});
  for (const auto& row : r.top) {
    std::string depths;
    for (int d : row.depths) depths += (depths.empty() ? "" : "-") + std::to_string(d);
    out += "<tr>" + cell(std::to_string(row.id)) + cell(fixed(row.metric, 4)) +
           cell(fixed(row.accuracy, 2)) + cell(fixed(row.latency_ms, 4)) +
           cell(human_count(row.params)) + cell(human_count(row.macs)) + cell(depths, true) +
           cell(to_string(row.status), true) + cell(fixed(row.retrained_accuracy, 2)) + "</tr>\n";
  }
  return out + "</table>\n";
}

std::string pareto_table(const ExperimentReport& r) {
  std::string out =
      "<table class=\"pareto\">\n" + header_row({"id", "accuracy %", "latency ms", "status"});
  for (const auto& p : r.pareto) {
    out += "<tr>" + cell(std::to_string(p.id)) + cell(fixed(p.accuracy, 2)) +
           cell(fixed(p.latency_ms, 4)) + cell(to_string(p.status), true) + "</tr>\n";
  }
  return out + "</table>\n";
}

std::string problems_list(const ExperimentReport& r) {
  if (r.problems.empty()) return "";
  std::string out = "<h2 class=\"warn\">Skipped trial files</h2>\n<ul class=\"warn\">\n";
  for (const auto& p : r.problems) out += "<li>" + xml_escape(p) + "</li>\n";
  return out + "</ul>\n";
}

}  // namespace

std::string render_html(const ExperimentReport& r) {
  const std::string title = "nas experiment " + r.experiment.id +
                            (r.experiment.name ? " (" + *r.experiment.name + ")" : "");
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n";
  out += "<title>" + xml_escape(title) + "</title>\n<style>\n" + kStyle + "</style>\n</head>\n";
  out += "<body>\n<h1>" + xml_escape(title) + "</h1>\n" + summary_table(r) + problems_list(r);
  if (r.trials.empty()) return out + "<p>No trials yet.</p>\n</body>\n</html>\n";
  out += "<h2>Accuracy vs latency</h2>\n" + scatter_chart(r);
  out += "<h2>Best metric so far</h2>\n" + best_so_far_chart(r);
  out += "<h2>Top " + std::to_string(r.top.size()) + " trials by metric</h2>\n" + top_table(r);
  out +=
      "<h2>Pareto front (" + std::to_string(r.pareto.size()) + " trials)</h2>\n" + pareto_table(r);
  return out + "</body>\n</html>\n";
}

}  // namespace nas
