#include "nas/web/dashboard_page.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "web/dashboard_assets.hpp"

namespace nas {
namespace {

std::size_t count_of(const std::string& s, const std::string& needle) {
  std::size_t n = 0;
  for (auto i = s.find(needle); i != std::string::npos; i = s.find(needle, i + 1)) ++n;
  return n;
}

TEST(DashboardPage, TheServedPageLoadsItsFilesFromTheServer) {
  const std::string page = dashboard_page_served();
  EXPECT_NE(page.find("<script src=\"static/chart.js\"></script>"), std::string::npos);
  EXPECT_NE(page.find("<script src=\"static/dashboard.js\"></script>"), std::string::npos);
  EXPECT_NE(page.find("href=\"static/dashboard.css\""), std::string::npos);
  EXPECT_EQ(page.find("nas-data"), std::string::npos);
  EXPECT_EQ(page.find("<!--nas:"), std::string::npos);
}

TEST(DashboardPage, AFileHoldsEverythingInlineAndNeedsNoNetwork) {
  const nlohmann::json data = {{"id", "x"}, {"trials", nlohmann::json::array()}};
  const std::string page = dashboard_page_file(data);
  EXPECT_NE(page.find("id=\"nas-data\""), std::string::npos);
  EXPECT_NE(page.find("Chart.js v"), std::string::npos);
  EXPECT_EQ(page.find("src=\""), std::string::npos);  // no script or image by URL
  EXPECT_EQ(page.find("href=\"static"), std::string::npos);
  EXPECT_EQ(page.find("<!--nas:"), std::string::npos);
  // Exactly the three scripts: the data, Chart.js, the page's.
  EXPECT_EQ(count_of(page, "<script"), 3u);
  EXPECT_EQ(count_of(page, "</script>"), 3u);
}

TEST(DashboardPage, DataCannotEndItsScriptEarly) {
  const nlohmann::json data = {{"name", "</script><script>alert(1)</script><!--"}};
  const std::string page = dashboard_page_file(data);
  EXPECT_EQ(count_of(page, "</script>"), 3u);
  const auto from = page.find('>', page.find("id=\"nas-data\"")) + 1;
  const auto to = page.find("</script>", from);
  const auto doc = nlohmann::json::parse(page.substr(from, to - from));
  EXPECT_EQ(doc["mode"], "file");
  EXPECT_EQ(doc["experiment"]["name"], data["name"]);
}

TEST(DashboardPage, OnlyItsOwnFilesAreServed) {
  EXPECT_TRUE(dashboard_asset("chart.js"));
  EXPECT_TRUE(dashboard_asset("dashboard.js"));
  EXPECT_TRUE(dashboard_asset("dashboard.css"));
  EXPECT_FALSE(dashboard_asset("dashboard.html"));
  EXPECT_FALSE(dashboard_asset("../dashboard.js"));
  EXPECT_FALSE(dashboard_asset(""));
  EXPECT_FALSE(dashboard_assets::chart_js_version.empty());
}

}  // namespace
}  // namespace nas
