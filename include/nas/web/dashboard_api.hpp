#pragma once
// What the dashboard server answers, without the server: a GET path and its query in, status,
// type and body out. Tests call it directly; dashboard_server.cpp only moves bytes.
//
//   /                                  the page
//   /static/<dashboard.css|dashboard.js|chart.js>
//   /api/experiments                   dashboard_index
//   /api/experiments/<id>              dashboard_experiment
//   /api/experiments/<id>/trials/<n>   dashboard_trial
//   /api/compare?ids=<id>,<id>,...     dashboard_compare
//
// Experiment ids are checked against the folders under the root (and the ids the server was
// started for), so no request reads outside the experiments folder.
#include <map>
#include <string>
#include <vector>

#include "nas/core/report/report.hpp"

namespace nas {

struct DashboardSource {
  std::string root;              // the experiments folder
  std::vector<std::string> ids;  // the experiments shown; empty: every one under root
  ReportOptions report;
};

struct DashboardResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
};

class DashboardApi {
 public:
  explicit DashboardApi(DashboardSource source);

  /// Answers a GET of `path` (already percent-decoded) with `query` (decoded). Never throws:
  /// unknown paths and experiments are 404, malformed ones 400, an unreadable experiment 500, each
  /// with a JSON body {"error": "..."}.
  DashboardResponse get(const std::string& path,
                        const std::multimap<std::string, std::string>& query) const;

 private:
  DashboardResponse experiment(const std::string& id) const;
  DashboardResponse trial(const std::string& id, const std::string& n) const;
  DashboardResponse compare(const std::multimap<std::string, std::string>& query) const;
  /// Empty when `id` names an experiment this server shows; else the response to send.
  std::optional<DashboardResponse> check_id(const std::string& id) const;

  DashboardSource source_;
};

}  // namespace nas
