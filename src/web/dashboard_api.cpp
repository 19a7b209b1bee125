#include "nas/web/dashboard_api.hpp"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <optional>

#include "nas/core/common/error.hpp"
#include "nas/core/common/json_fields.hpp"
#include "nas/core/experiment/experiment_store.hpp"
#include "nas/web/dashboard_data.hpp"
#include "nas/web/dashboard_page.hpp"

namespace nas {
namespace {

constexpr std::size_t kMaxCompared = 32;
constexpr std::size_t kMaxQuery = 4096;

DashboardResponse error_response(int status, const std::string& message) {
  return {status, "application/json", dump_json(nlohmann::json{{"error", message}})};
}

DashboardResponse json_response(const nlohmann::json& j) {
  return {200, "application/json", dump_json(j)};
}

std::vector<std::string> split(const std::string& path, char sep) {
  std::vector<std::string> parts;
  std::size_t from = 0;
  while (from <= path.size()) {
    const auto to = path.find(sep, from);
    parts.push_back(path.substr(from, to == std::string::npos ? std::string::npos : to - from));
    if (to == std::string::npos) break;
    from = to + 1;
  }
  return parts;
}

// Ids are folder names that nas search writes (and --experiment-id accepts).
bool well_formed_id(const std::string& id) {
  if (id.empty() || id.size() > 200 || id == "." || id == "..") return false;
  return std::all_of(id.begin(), id.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '_' || c == '.';
  });
}

}  // namespace

DashboardApi::DashboardApi(DashboardSource source) : source_(std::move(source)) {}

std::optional<DashboardResponse> DashboardApi::check_id(const std::string& id) const {
  if (!well_formed_id(id)) return error_response(400, "malformed experiment id");
  if (!source_.ids.empty() &&
      std::find(source_.ids.begin(), source_.ids.end(), id) == source_.ids.end())
    return error_response(404, "no experiment " + id + " on this dashboard");
  const auto all = ExperimentStore::list(source_.root);
  if (std::find(all.begin(), all.end(), id) == all.end())
    return error_response(404, "no experiment " + id);
  return std::nullopt;
}

DashboardResponse DashboardApi::experiment(const std::string& id) const {
  if (auto bad = check_id(id)) return *bad;
  return json_response(
      dashboard_experiment(build_report(ExperimentStore::open(source_.root, id), source_.report)));
}

DashboardResponse DashboardApi::trial(const std::string& id, const std::string& n) const {
  if (auto bad = check_id(id)) return *bad;
  if (n.empty() || n.size() > 9 ||
      !std::all_of(n.begin(), n.end(), [](unsigned char c) { return std::isdigit(c) != 0; }))
    return error_response(400, "malformed trial number");
  const ExperimentReport r = build_report(ExperimentStore::open(source_.root, id), source_.report);
  try {
    return json_response(dashboard_trial(r, std::stoi(n)));
  } catch (const InputError& e) {
    return error_response(404, e.what());
  }
}

DashboardResponse DashboardApi::compare(
    const std::multimap<std::string, std::string>& query) const {
  std::vector<std::string> ids;
  for (auto [it, end] = query.equal_range("ids"); it != end; ++it) {
    for (auto& id : split(it->second, ',')) {
      if (!id.empty()) ids.push_back(id);
    }
  }
  if (ids.empty()) return error_response(400, "compare needs ids=<id>,<id>,...");
  if (ids.size() > kMaxCompared)
    return error_response(400,
                          "compare takes at most " + std::to_string(kMaxCompared) + " experiments");
  for (const auto& id : ids) {
    if (auto bad = check_id(id)) return *bad;
  }
  try {
    return json_response(dashboard_compare(source_.root, ids, source_.report));
  } catch (const UsageError& e) {
    return error_response(400, e.what());  // different data sets, say
  }
}

DashboardResponse DashboardApi::get(const std::string& path,
                                    const std::multimap<std::string, std::string>& query) const {
  try {
    std::size_t query_size = 0;
    for (const auto& [k, v] : query) query_size += k.size() + v.size() + 2;
    if (query_size > kMaxQuery) return error_response(400, "query too long");
    if (path.empty() || path.front() != '/' || path.find('\0') != std::string::npos ||
        path.find('\\') != std::string::npos)
      return error_response(400, "malformed path");
    const auto parts = split(path.substr(1), '/');
    for (const auto& p : parts) {
      if (p == "..") return error_response(400, "malformed path");
    }
    if (path == "/" || path == "/index.html")
      return {200, "text/html; charset=utf-8", dashboard_page_served()};
    if (parts.size() == 2 && parts[0] == "static") {
      if (auto asset = dashboard_asset(parts[1]))
        return {200, std::string(asset->content_type), std::string(asset->body)};
      return error_response(404, "no such file");
    }
    if (parts.size() >= 2 && parts[0] == "api") {
      if (parts.size() == 2 && parts[1] == "experiments")
        return json_response(dashboard_index(source_.root, source_.ids));
      if (parts.size() == 3 && parts[1] == "experiments") return experiment(parts[2]);
      if (parts.size() == 5 && parts[1] == "experiments" && parts[3] == "trials")
        return trial(parts[2], parts[4]);
      if (parts.size() == 2 && parts[1] == "compare") return compare(query);
    }
    return error_response(404, "not found");
  } catch (const UsageError& e) {
    return error_response(404, e.what());
  } catch (const std::exception& e) {
    // An experiment.json that cannot be read, a folder removed while reading: the page says so.
    return error_response(500, e.what());
  }
}

}  // namespace nas
