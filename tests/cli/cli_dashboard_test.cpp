// The dashboard in a real browser: Debian's chromium (headless) loads the page that `nas search
// --serve` serves during a small search, then the one `nas-report --serve` serves after it, then
// the file `nas-report --html` writes. The page reports what it drew in #nas-selftest (rows,
// chart points, pixels painted, script errors); the test reads it from the DOM chromium dumps.
// Skipped where chromium is not installed (scripts/setup.sh --with-browser installs it).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "e2e_helpers.hpp"

namespace {

using namespace nas::e2e;

const std::string kReport = std::string(NAS_BIN_DIR) + "/nas-report";

std::string find_chromium() {
  for (const char* name : {"chromium", "chromium-browser"}) {
    const std::string probe = std::string("command -v ") + name + " >/dev/null 2>&1";
    if (std::system(probe.c_str()) == 0) return name;
  }
  return "";
}

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

bool answers(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

bool wait_until_answers(int port) {
  for (int i = 0; i < 200; ++i) {
    if (answers(port)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

class DashboardBrowser : public ::testing::Test {
 protected:
  void SetUp() override {
#if !NAS_WITH_WEB
    GTEST_SKIP() << "built without the dashboard";
#endif
    chromium_ = find_chromium();
    if (chromium_.empty()) GTEST_SKIP() << "chromium not installed (setup.sh --with-browser)";
    root_ = make_temp_root("nas_dashboard_");
    shots_ = fs::path(NAS_BIN_DIR) / "dashboard-screenshots";
    fs::create_directories(shots_);
  }
  void TearDown() override {
    if (!root_.empty()) fs::remove_all(root_);
  }

  /// Loads `url` in headless chromium, lets its scripts run (virtual time, so polls happen
  /// without waiting), and returns what the page wrote into #nas-selftest. With `screenshot`,
  /// also saves a picture of it under build/dashboard-screenshots/.
  json load(const std::string& url, const std::string& screenshot = "") {
    const std::string flags =
        " --headless --no-sandbox --disable-gpu --hide-scrollbars --virtual-time-budget=7000 ";
    const fs::path dom = fs::path(root_) / "dom.html";
    const std::string cmd = "timeout 90 " + chromium_ + flags + "--dump-dom '" + url + "' >'" +
                            dom.string() + "' 2>/dev/null";
    if (std::system(cmd.c_str()) != 0) return {{"load_failed", url}};
    if (!screenshot.empty()) {
      const std::string shot = "timeout 90 " + chromium_ + flags + "--window-size=1400,2600 " +
                               "--screenshot='" + (shots_ / screenshot).string() + "' '" + url +
                               "' >/dev/null 2>&1";
      EXPECT_EQ(std::system(shot.c_str()), 0) << "screenshot of " << url;
    }
    std::ifstream in(dom);
    const std::string page((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto open = page.find("<pre id=\"nas-selftest\"");
    const auto from = page.find('>', open);
    const auto to = page.find("</pre>", from);
    if (open == std::string::npos || to == std::string::npos) return {{"no_selftest", url}};
    std::string text = page.substr(from + 1, to - from - 1);
    // The DOM dump escapes text: undo the three escapes it uses.
    for (const auto& [from_s, to_s] : std::vector<std::pair<std::string, std::string>>{
             {"&lt;", "<"}, {"&gt;", ">"}, {"&amp;", "&"}}) {
      for (auto at = text.find(from_s); at != std::string::npos; at = text.find(from_s, at + 1))
        text.replace(at, from_s.size(), to_s);
    }
    return json::parse(text, nullptr, false);
  }

  /// Every chart of an experiment page holds data and has painted pixels.
  static void expect_charts_drawn(const json& s) {
    for (const char* chart : {"scatter", "curves", "best-trials", "best-time", "timeline"}) {
      ASSERT_TRUE(s["charts"].contains(chart)) << chart << " missing: " << s.dump();
      EXPECT_GT(s["charts"][chart]["points"].get<int>(), 0) << chart;
      EXPECT_GT(s["charts"][chart]["pixels"].get<int>(), 0) << chart;
    }
    EXPECT_TRUE(s["charts"].contains("choices"));
  }

  std::string chromium_, root_;
  fs::path shots_;
};

TEST_F(DashboardBrowser, WatchesASearchLiveAndShowsItAfter) {
  const int port = free_port();
  const std::string exp = root_ + "/exp";
  const pid_t search = spawn(
      with(tiny_search(exp, 10, 1), {"--seed", "3", "--serve", "--port", std::to_string(port)}));
  const std::string id = wait_for_finished_trials(exp, 1);
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(wait_until_answers(port));
  const std::string live_url = "http://127.0.0.1:" + std::to_string(port) + "/#/e/" + id;
  const json live = load(live_url, "live.png");
  ASSERT_TRUE(live.is_object()) << live.dump();
  EXPECT_TRUE(live["errors"].empty()) << live.dump();
  EXPECT_EQ(live["view"], "experiment:" + id) << live.dump();
  EXPECT_GE(live["rows"].get<int>(), 1) << live.dump();
  if (live["live"].get<bool>()) {
    EXPECT_EQ(live["status"], "running");
    EXPECT_GE(live["updates"].get<int>(), 2) << "a running search's page polls: " << live.dump();
  }
  expect_charts_drawn(live);

  int status = 0;
  ASSERT_EQ(waitpid(search, &status, 0), search);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);

  // After the search: nas-report serves it (and only it), and the page has stopped polling.
  const int port2 = free_port();
  const pid_t server =
      spawn({kReport, id, "--serve", "--experiment-dir", exp, "--port", std::to_string(port2)});
  ASSERT_TRUE(wait_until_answers(port2));
  const std::string base = "http://127.0.0.1:" + std::to_string(port2) + "/";
  const json done = load(base + "#/e/" + id + "/t/3", "finished.png");
  EXPECT_TRUE(done["errors"].empty()) << done.dump();
  EXPECT_EQ(done["status"], "completed");
  EXPECT_FALSE(done["live"].get<bool>());
  EXPECT_EQ(done["updates"], 1) << "a finished search's page does not poll";
  EXPECT_EQ(done["rows"], 10);
  EXPECT_EQ(done["detail"], 3) << "the trial in the address opens its detail";
  expect_charts_drawn(done);
  const json index = load(base);
  EXPECT_TRUE(index["errors"].empty()) << index.dump();
  EXPECT_EQ(index["view"], "index");
  EXPECT_EQ(index["experiments"], 1);
  status = interrupt_and_wait(server);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;

  // The same page as one file, opened without any server.
  const std::string html = root_ + "/dashboard.html";
  ASSERT_EQ(run({kReport, id, "--experiment-dir", exp, "--html", html}), 0);
  const json file = load("file://" + html + "#/e/" + id + "/t/2", "file.png");
  EXPECT_TRUE(file["errors"].empty()) << file.dump();
  EXPECT_EQ(file["rows"], 10);
  EXPECT_EQ(file["detail"], 2);
  expect_charts_drawn(file);
}

TEST_F(DashboardBrowser, ComparesExperiments) {
  const std::string exp = root_ + "/exp";
  for (const char* cull : {"0.3", "0"}) {
    ASSERT_EQ(run(with(tiny_search(exp, 4, 1), {"--seed", "5", "--cull-ratio", cull})), 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // ids are per second
  }
  std::vector<std::string> ids;
  for (const auto& e : fs::directory_iterator(exp)) ids.push_back(e.path().filename().string());
  ASSERT_EQ(ids.size(), 2u);
  const int port = free_port();
  const pid_t server =
      spawn({kReport, "--serve", "--experiment-dir", exp, "--port", std::to_string(port)});
  ASSERT_TRUE(wait_until_answers(port));
  const json page =
      load("http://127.0.0.1:" + std::to_string(port) + "/#/compare/" + ids[0] + "," + ids[1],
           "compare.png");
  EXPECT_TRUE(page["errors"].empty()) << page.dump();
  EXPECT_EQ(page["view"], "compare");
  ASSERT_TRUE(page["charts"].contains("compare")) << page.dump();
  EXPECT_GT(page["charts"]["compare"]["points"].get<int>(), 0);
  EXPECT_GT(page["charts"]["compare"]["pixels"].get<int>(), 0);
  interrupt_and_wait(server);
}

}  // namespace
