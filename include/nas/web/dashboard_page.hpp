#pragma once
// The dashboard's one HTML page. Its script draws whatever it is given: in a served page it
// fetches the JSON endpoints (and polls them while a search runs); in a file written by
// nas-report --html the experiment's data and every script are inline, so the file opens
// anywhere without a network.
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace nas {

/// The page a server sends: styles and scripts by URL under /static/, data from /api/.
std::string dashboard_page_served();

/// One self-contained file: styles, Chart.js, the page's script and `experiment` (a
/// dashboard_experiment() document with details) inline.
std::string dashboard_page_file(const nlohmann::json& experiment);

/// A file the served page refers to (/static/<name>).
struct StaticAsset {
  std::string_view content_type;
  std::string_view body;
};
/// "dashboard.css", "dashboard.js" or "chart.js"; nothing for any other name.
std::optional<StaticAsset> dashboard_asset(const std::string& name);

}  // namespace nas
