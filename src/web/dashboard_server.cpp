#include "nas/web/dashboard_server.hpp"

#include <httplib.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "nas/core/common/error.hpp"

namespace nas {

bool is_loopback_host(const std::string& host) {
  return host == "127.0.0.1" || host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

struct DashboardServer::Impl {
  DashboardApi api;
  std::string host;
  int port = 0;
  httplib::Server server;
  std::thread thread;

  explicit Impl(DashboardSource source) : api(std::move(source)) {}
};

DashboardServer::DashboardServer(DashboardSource source, const ServeOptions& options)
    : impl_(std::make_unique<Impl>(std::move(source))) {
  Impl& s = *impl_;
  s.host = options.host;
  // A few pages and their polls; more threads would only hold idle keep-alive connections.
  s.server.new_task_queue = [] { return new httplib::ThreadPool(4); };
  s.server.set_payload_max_length(64 * 1024);
  s.server.set_keep_alive_max_count(100);
  s.server.set_read_timeout(5, 0);
  // httplib's default adds SO_REUSEPORT, which lets a second server share a port in use (and
  // take half its requests); keep SO_REUSEADDR only, so a restart binds at once.
  s.server.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, reinterpret_cast<const void*>(&yes), sizeof(yes));
  });
  s.server.set_write_timeout(10, 0);
  s.server.Get(".*", [this](const httplib::Request& req, httplib::Response& res) {
    const DashboardResponse r = impl_->api.get(req.path, req.params);
    res.status = r.status;
    res.set_header("Cache-Control", "no-store");
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_header("Content-Security-Policy",
                   "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                   "img-src 'self' data:; connect-src 'self'; base-uri 'none'; "
                   "frame-ancestors 'none'");
    res.set_content(r.body, r.content_type.c_str());
  });
  // Everything but GET is refused: the dashboard only reads.
  const auto refuse = [](const httplib::Request&, httplib::Response& res) {
    res.status = 405;
    res.set_header("Allow", "GET");
    res.set_content("{\"error\":\"the dashboard only answers GET\"}", "application/json");
  };
  s.server.Post(".*", refuse);
  s.server.Put(".*", refuse);
  s.server.Patch(".*", refuse);
  s.server.Delete(".*", refuse);
  s.server.Options(".*", refuse);
  if (options.port == 0) {
    s.port = s.server.bind_to_any_port(options.host);
  } else if (s.server.bind_to_port(options.host, options.port)) {
    s.port = options.port;
  } else {
    s.port = -1;
  }
  if (s.port <= 0) {
    throw RuntimeFailure("cannot serve on " + options.host + ":" + std::to_string(options.port) +
                         " (in use, or not an address of this machine): choose another --port");
  }
  s.thread = std::thread([&s] { s.server.listen_after_bind(); });
  // stop() before the loop runs would not reach it (and join would wait forever).
  for (int i = 0; i < 5000 && !s.server.is_running(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

DashboardServer::~DashboardServer() { stop(); }

int DashboardServer::port() const { return impl_->port; }

std::string DashboardServer::url() const {
  std::string host = impl_->host;
  if (host == "0.0.0.0" || host == "::" || host.empty()) {
    char name[256] = {0};
    host = gethostname(name, sizeof(name) - 1) == 0 ? name : "localhost";
  }
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return "http://" + host + ":" + std::to_string(impl_->port) + "/";
}

void DashboardServer::stop() {
  if (!impl_) return;
  impl_->server.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

std::unique_ptr<DashboardServer> start_dashboard(DashboardSource source,
                                                 const ServeOptions& options, spdlog::logger& log,
                                                 const std::string& open_path) {
  auto server = std::make_unique<DashboardServer>(std::move(source), options);
  if (!is_loopback_host(options.host)) {
    log.warn(
        "the dashboard listens on {}: anyone who can reach this machine can read these "
        "experiments (it has no authentication)",
        options.host);
  }
  log.info("dashboard: {}{}", server->url(), open_path);
  return server;
}

}  // namespace nas
