#include "nas/web/dashboard_page.hpp"

#include <nlohmann/json.hpp>

#include "nas/core/common/json_fields.hpp"
#include "web/dashboard_assets.hpp"

namespace nas {
namespace {

// The template marks where styles and scripts go with these comments.
constexpr std::string_view kStyleSlot = "<!--nas:style-->";
constexpr std::string_view kScriptSlot = "<!--nas:scripts-->";

std::string fill(const std::string& style, const std::string& scripts) {
  std::string page(dashboard_assets::page_html);
  const auto s = page.find(kStyleSlot);
  if (s != std::string::npos) page.replace(s, kStyleSlot.size(), style);
  const auto j = page.find(kScriptSlot);
  if (j != std::string::npos) page.replace(j, kScriptSlot.size(), scripts);
  return page;
}

// Text inside <script> ends at the first "</script": keep "</" out of it. In JSON, "<\/" is
// the same string; in the scripts we embed, "</" only occurs inside string literals and
// regular expressions, where "<\/" also means the same.
std::string script_safe(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '<' && i + 1 < text.size() && text[i + 1] == '/') {
      out += "<\\/";
      ++i;
    } else {
      out += text[i];
    }
  }
  return out;
}

}  // namespace

std::string dashboard_page_served() {
  return fill("<link rel=\"stylesheet\" href=\"static/dashboard.css\">",
              "<script src=\"static/chart.js\"></script>\n"
              "<script src=\"static/dashboard.js\"></script>");
}

std::string dashboard_page_file(const nlohmann::json& experiment) {
  const nlohmann::json doc = {{"mode", "file"}, {"experiment", experiment}};
  return fill("<style>\n" + std::string(dashboard_assets::page_css) + "</style>",
              "<script id=\"nas-data\" type=\"application/json\">" + script_safe(dump_json(doc)) +
                  "</script>\n<script>" + script_safe(dashboard_assets::chart_js) +
                  "</script>\n<script>" + script_safe(dashboard_assets::page_js) + "</script>");
}

std::optional<StaticAsset> dashboard_asset(const std::string& name) {
  if (name == "dashboard.css")
    return StaticAsset{"text/css; charset=utf-8", dashboard_assets::page_css};
  if (name == "dashboard.js")
    return StaticAsset{"text/javascript; charset=utf-8", dashboard_assets::page_js};
  if (name == "chart.js")
    return StaticAsset{"text/javascript; charset=utf-8", dashboard_assets::chart_js};
  return std::nullopt;
}

}  // namespace nas
