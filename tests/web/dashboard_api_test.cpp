#include "nas/web/dashboard_api.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "nas/core/experiment/experiment_store.hpp"
#include "report_fixtures.hpp"

namespace nas {
namespace {
namespace fs = std::filesystem;
using namespace nas::testing;
using Query = std::multimap<std::string, std::string>;

class DashboardApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fresh_test_dir("nas-dashboard-api");
    root_ = base_ + "/experiments";
    write_hand_fixture(root_, "hand");
    write_demo_fixture(root_, "demo", 3, 0.3, 1);
    // Beside the experiments folder: what a traversal would try to reach.
    std::ofstream(base_ + "/secret.json") << "{\"secret\": true}";
    fs::create_directories(base_ + "/outside");
    std::ofstream(base_ + "/outside/experiment.json") << "{\"secret\": true}";
  }
  void TearDown() override { fs::remove_all(base_); }

  DashboardResponse get(const std::string& path, const Query& q = {},
                        std::vector<std::string> ids = {}) const {
    return DashboardApi({root_, std::move(ids), {}}).get(path, q);
  }
  static nlohmann::json body(const DashboardResponse& r) { return nlohmann::json::parse(r.body); }

  std::string base_, root_;
};

TEST_F(DashboardApiTest, ThePageAndItsFiles) {
  const auto page = get("/");
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
  EXPECT_NE(page.body.find("static/dashboard.js"), std::string::npos);
  EXPECT_EQ(get("/index.html").body, page.body);
  const auto chart = get("/static/chart.js");
  EXPECT_EQ(chart.status, 200);
  EXPECT_EQ(chart.content_type, "text/javascript; charset=utf-8");
  EXPECT_NE(chart.body.find("Chart.js v"), std::string::npos);
  EXPECT_EQ(get("/static/dashboard.css").status, 200);
  EXPECT_EQ(get("/static/nope.js").status, 404);
  EXPECT_EQ(get("/static/").status, 404);
}

TEST_F(DashboardApiTest, TheExperimentEndpoints) {
  const auto index = get("/api/experiments");
  ASSERT_EQ(index.status, 200);
  EXPECT_EQ(index.content_type, "application/json");
  EXPECT_EQ(body(index)["experiments"].size(), 2u);
  const auto hand = get("/api/experiments/hand");
  ASSERT_EQ(hand.status, 200) << hand.body;
  EXPECT_EQ(body(hand)["trials"].size(), 8u);
  const auto trial = get("/api/experiments/demo/trials/3");
  ASSERT_EQ(trial.status, 200) << trial.body;
  EXPECT_EQ(body(trial)["trial"]["id"], 3);
  const auto compare = get("/api/compare", {{"ids", "hand,demo"}});
  ASSERT_EQ(compare.status, 200) << compare.body;
  EXPECT_EQ(body(compare)["curves"].size(), 2u);
  // ids may also come as repeated parameters.
  EXPECT_EQ(get("/api/compare", {{"ids", "hand"}, {"ids", "demo"}}).status, 200);
}

TEST_F(DashboardApiTest, UnknownThingsAre404WithAJsonReason) {
  for (const std::string path :
       {"/nope", "/api", "/api/experiments/nope", "/api/experiments/hand/trials/99",
        "/api/experiments/hand/nope/1", "/api/experiments/a/b", "/api/experiments/outside"}) {
    const auto r = get(path);
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_TRUE(body(r).contains("error")) << path;
  }
  EXPECT_EQ(get("/api/compare", {{"ids", "hand,nope"}}).status, 404);
}

TEST_F(DashboardApiTest, MalformedRequestsAre400) {
  EXPECT_EQ(get("/api/experiments/hand/trials/abc").status, 400);
  EXPECT_EQ(get("/api/experiments/hand/trials/99999999999").status, 400);
  EXPECT_EQ(get("/api/experiments/hand/trials/-1").status, 400);
  EXPECT_EQ(get("/api/experiments/h%20and").status, 400);
  EXPECT_EQ(get("/api/compare").status, 400);
  EXPECT_EQ(get("/api/compare", {{"ids", ","}}).status, 400);
  std::string many;
  for (int i = 0; i < 40; ++i) many += "hand,";
  EXPECT_EQ(get("/api/compare", {{"ids", many}}).status, 400);
  EXPECT_EQ(get("/api/experiments", {{"x", std::string(10000, 'a')}}).status, 400);
  EXPECT_EQ(get("").status, 400);
  EXPECT_EQ(get("relative").status, 400);
  EXPECT_EQ(get(std::string("/api/experiments/ha\0nd", 21)).status, 400);
}

TEST_F(DashboardApiTest, NothingOutsideTheExperimentsFolderIsRead) {
  for (const std::string path :
       {"/../secret.json", "/static/../../secret.json", "/api/experiments/..",
        "/api/experiments/../outside", "/api/experiments/..%2Foutside", "/..", "/static/..",
        "/api/experiments/hand/../../outside", "/api/experiments/.", "/etc/passwd",
        "/../../../../etc/passwd", "/static/..\\..\\secret.json"}) {
    const auto r = get(path);
    EXPECT_GE(r.status, 400) << path;
    EXPECT_LT(r.status, 500) << path;
    EXPECT_EQ(r.body.find("secret"), std::string::npos) << path;
    EXPECT_EQ(r.body.find("root:"), std::string::npos) << path;
  }
  EXPECT_GE(get("/api/compare", {{"ids", "hand,../outside"}}).status, 400);
}

TEST_F(DashboardApiTest, AServerForSomeExperimentsShowsOnlyThose) {
  const std::vector<std::string> only{"demo"};
  const auto index = get("/api/experiments", {}, only);
  ASSERT_EQ(body(index)["experiments"].size(), 1u);
  EXPECT_EQ(body(index)["experiments"][0]["id"], "demo");
  EXPECT_EQ(get("/api/experiments/demo", {}, only).status, 200);
  EXPECT_EQ(get("/api/experiments/hand", {}, only).status, 404);
  EXPECT_EQ(get("/api/compare", {{"ids", "demo,hand"}}, only).status, 404);
}

TEST_F(DashboardApiTest, ACorruptExperimentIsAnErrorOnItsPageAndAWarningInTheIndex) {
  std::ofstream(root_ + "/hand/experiment.json") << "{\"format\": ";
  const auto r = get("/api/experiments/hand");
  EXPECT_EQ(r.status, 500);
  EXPECT_NE(body(r)["error"].get<std::string>().find("experiment.json"), std::string::npos);
  const auto index = body(get("/api/experiments"));
  bool listed = false;
  for (const auto& e : index["experiments"]) {
    if (e["id"] == "hand") {
      listed = true;
      EXPECT_EQ(e["status"], "unreadable");
      EXPECT_TRUE(e["problem"].is_string());
    }
  }
  EXPECT_TRUE(listed);
}

TEST_F(DashboardApiTest, ExperimentsOnDifferentDataSetsAreNotCompared) {
  auto store = ExperimentStore::open(root_, "hand");
  auto e = store.read_experiment();
  e.dataset.name = "fashion-mnist";
  store.write_experiment(e);
  const auto r = get("/api/compare", {{"ids", "hand,demo"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_TRUE(body(r).contains("error"));
}

}  // namespace
}  // namespace nas
