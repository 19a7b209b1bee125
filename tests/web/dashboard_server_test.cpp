#include "nas/web/dashboard_server.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "nas/core/common/error.hpp"
#include "report_fixtures.hpp"

namespace nas {
namespace {
namespace fs = std::filesystem;
using namespace nas::testing;

/// Sends `request` as raw bytes (what a browser would never send) and returns the raw answer.
std::string raw_exchange(int port, const std::string& request) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return "";
  }
  ::send(fd, request.data(), request.size(), 0);
  std::string answer;
  char buf[4096];
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  // The status line and headers are enough (httplib may keep the connection open after errors).
  for (ssize_t n;
       answer.find("\r\n\r\n") == std::string::npos && (n = ::recv(fd, buf, sizeof buf, 0)) > 0;)
    answer.append(buf, n);
  ::close(fd);
  return answer;
}

class DashboardServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fresh_test_dir("nas-dashboard-server");
    write_hand_fixture(base_ + "/experiments", "hand");
    server_ = std::make_unique<DashboardServer>(DashboardSource{base_ + "/experiments", {}, {}},
                                                ServeOptions{"127.0.0.1", 0});
  }
  void TearDown() override {
    server_.reset();
    fs::remove_all(base_);
  }
  std::string base_;
  std::unique_ptr<DashboardServer> server_;
};

TEST_F(DashboardServerTest, AnswersThePageAndTheDataOverHttp) {
  ASSERT_GT(server_->port(), 0);
  EXPECT_EQ(server_->url(), "http://127.0.0.1:" + std::to_string(server_->port()) + "/");
  httplib::Client client("127.0.0.1", server_->port());
  auto page = client.Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_EQ(page->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(page->get_header_value("Content-Security-Policy").find("default-src 'none'"),
            std::string::npos);
  EXPECT_EQ(page->get_header_value("X-Content-Type-Options"), "nosniff");
  auto data = client.Get("/api/experiments/hand");
  ASSERT_TRUE(data);
  EXPECT_EQ(data->status, 200);
  EXPECT_EQ(data->get_header_value("Cache-Control"), "no-store");
  EXPECT_EQ(nlohmann::json::parse(data->body)["trials"].size(), 8u);
  auto compare = client.Get("/api/compare?ids=hand");
  ASSERT_TRUE(compare);
  EXPECT_EQ(compare->status, 200);
}

TEST_F(DashboardServerTest, OnlyReads) {
  httplib::Client client("127.0.0.1", server_->port());
  auto post = client.Post("/api/experiments/hand", "{}", "application/json");
  auto put = client.Put("/api/experiments/hand", "{}", "application/json");
  auto del = client.Delete("/api/experiments/hand");
  for (const httplib::Result* r : {&post, &put, &del}) {
    ASSERT_TRUE(*r);
    EXPECT_EQ((*r)->status, 405);
  }
  EXPECT_TRUE(fs::exists(base_ + "/experiments/hand/experiment.json"));
}

TEST_F(DashboardServerTest, HostileRequestsGetAnErrorAndNothingElse) {
  for (const std::string target :
       {"/../../etc/passwd", "/static/../../../etc/passwd", "/api/experiments/..%2F..%2Fetc",
        "/%2e%2e/%2e%2e/etc/passwd", "/api/experiments/%00", "/static/%2e%2e%2fchart.js"}) {
    const std::string answer = raw_exchange(
        server_->port(), "GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    ASSERT_FALSE(answer.empty()) << target;
    EXPECT_TRUE(answer.rfind("HTTP/1.1 4", 0) == 0) << target << "\n" << answer.substr(0, 200);
    EXPECT_EQ(answer.find("root:"), std::string::npos) << target;
  }
  // A huge target, a malformed request line, a body where none belongs: refused, server lives.
  EXPECT_EQ(raw_exchange(server_->port(), "GET /" + std::string(20000, 'a') +
                                              " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .rfind("HTTP/1.1 4", 0),
            0u);
  EXPECT_EQ(raw_exchange(server_->port(), "NONSENSE\r\n\r\n").rfind("HTTP/1.1 4", 0), 0u);
  httplib::Client client("127.0.0.1", server_->port());
  auto after = client.Get("/api/experiments");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 200);
}

TEST_F(DashboardServerTest, ATakenPortIsARuntimeFailureNamingIt) {
  try {
    DashboardServer second(DashboardSource{base_ + "/experiments", {}, {}},
                           ServeOptions{"127.0.0.1", server_->port()});
    FAIL() << "bound a port in use";
  } catch (const RuntimeFailure& e) {
    EXPECT_NE(std::string(e.what()).find(std::to_string(server_->port())), std::string::npos);
  }
}

TEST_F(DashboardServerTest, StopsOnceAndAtOnce) {
  const int port = server_->port();
  server_->stop();
  server_->stop();
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(1, 0);
  EXPECT_FALSE(client.Get("/"));
}

TEST(LoopbackHost, OnlyThisMachinesAddressesCount) {
  EXPECT_TRUE(is_loopback_host("127.0.0.1"));
  EXPECT_TRUE(is_loopback_host("localhost"));
  EXPECT_TRUE(is_loopback_host("::1"));
  EXPECT_FALSE(is_loopback_host("0.0.0.0"));
  EXPECT_FALSE(is_loopback_host("::"));
  EXPECT_FALSE(is_loopback_host("10.0.0.5"));
}

}  // namespace
}  // namespace nas
