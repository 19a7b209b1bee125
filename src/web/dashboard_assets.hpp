#pragma once
// The dashboard's files, compiled into the programs (cmake/embed_assets.cmake writes their
// definitions at build time from src/web/assets/ and Debian's Chart.js), so a dashboard needs no
// files installed beside the binary and --html can inline them.
#include <string_view>

namespace nas::dashboard_assets {

extern const std::string_view page_html;  // src/web/assets/dashboard.html (a template)
extern const std::string_view page_css;   // src/web/assets/dashboard.css
extern const std::string_view page_js;    // src/web/assets/dashboard.js
extern const std::string_view chart_js;   // Chart.js (libjs-chart.js), minified
extern const std::string_view chart_js_version;

}  // namespace nas::dashboard_assets
