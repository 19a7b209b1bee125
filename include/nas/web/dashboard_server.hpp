#pragma once
// The dashboard over HTTP (cpp-httplib): DashboardApi's answers, GET only, on a background
// thread. Local by default; it has no authentication, so binding elsewhere is the caller's
// explicit choice (the programs warn).
#include <memory>
#include <string>

#include "nas/web/dashboard_api.hpp"

namespace spdlog {
class logger;
}

namespace nas {

struct ServeOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: any free port (tests)
};

/// Whether `host` is only reachable from this machine.
bool is_loopback_host(const std::string& host);

class DashboardServer {
 public:
  /// Binds at once; throws RuntimeFailure when the address cannot be bound (port in use, say).
  DashboardServer(DashboardSource source, const ServeOptions& options);
  ~DashboardServer();  // stops and joins
  DashboardServer(const DashboardServer&) = delete;
  DashboardServer& operator=(const DashboardServer&) = delete;

  int port() const;
  /// http://host:port/ (a wildcard host shows as this machine's name).
  std::string url() const;
  /// Stops accepting and answering; idempotent.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Starts a server and tells the user where: the URL at info level (to open `open_path`, e.g.
/// "#/e/<id>"), and a warning when it is reachable from other machines.
std::unique_ptr<DashboardServer> start_dashboard(DashboardSource source,
                                                 const ServeOptions& options, spdlog::logger& log,
                                                 const std::string& open_path = "");

}  // namespace nas
