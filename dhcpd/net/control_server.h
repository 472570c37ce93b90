#pragma once
// The control channel of tandemd: Kea-compatible JSON commands over UNIX stream sockets
// and HTTP/HTTPS, all feeding one api::CommandRegistry.
//
// Wiring (dhcpd/main.cpp), after the registry is filled:
//
//   api::CommandRegistry registry;
//   api::registerDaemonCommands(registry, control);
//   api::registerLeaseCommands(registry, control);
//   api::registerReservationCommands(registry, control);
//   api::registerStatCommands(registry, control);
//   net::ControlServer server(ioContext, registry, logger);
//   server.listen(cfg.controlSockets);     // throws std::runtime_error on bind/TLS errors
//
// After config-set / config-reload call server.listen(newCfg.controlSockets) again: sockets
// whose settings did not change keep running (with their open connections), others are
// closed or opened. server.stop() closes all listeners (on shutdown).
//
// Threading: listeners and connections live on `io` (a strand each). Commands run on
// `commandExecutor` (default: io's executor); handlers are not thread-safe, so when `io`
// is run by several threads pass a strand here.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>

#include "dhcpd/api/command_registry.h"
#include "dhcpd/common/logger.h"
#include "dhcpd/common/result.h"
#include "dhcpd/config/dhcp4_config.h"

namespace tandem::net {

// What a GET route answers (the metrics endpoint, the dashboard's pages).
struct HttpGetReply {
  int status = 200;
  std::string contentType = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra fields (Cache-Control...)
};
// Called with the request target's path (no query string) and the query string (may be
// empty); runs on the command executor like a command, so it may read server state.
using HttpGetHandler = std::function<HttpGetReply(std::string_view path, std::string_view query)>;

struct ControlServerOptions {
  // Largest request accepted (HTTP 413 / UNIX error answer beyond it). config-set documents
  // with thousands of reservations stay far below it.
  std::size_t maxRequestBytes = 16u << 20;
  // A client must deliver a whole request within this time after connecting (or after its
  // previous answer on a kept-alive HTTP connection), so slow clients cannot pin sockets.
  std::chrono::milliseconds requestTimeout{10'000};
  // Idle keep-alive HTTP connections are closed after this.
  std::chrono::milliseconds idleTimeout{30'000};
  std::chrono::milliseconds writeTimeout{10'000};
  std::size_t maxConnections = 256;  // per listener; further clients are closed at accept
  // Per client address, so one host holding connections open (slow clients that never send a
  // byte until requestTimeout) cannot take every slot.
  std::size_t maxConnectionsPerAddress = 32;
  // Addresses exempt from both caps: the HA peers, whose heartbeats and lease updates must get
  // in whatever else is connected (a partner refused at accept would soon declare us down).
  std::function<bool(std::string_view address)> reservedAddress;

  // Group commit for commands that write leases. An HA partner sends one lease4-update per
  // DHCPACK and waits for the answer (reference/ha-protocol.md 6.2); if each handler waited for
  // its own fdatasync it would also stall the daemon's only thread for it. When both hooks are
  // set, every command runs between deferWrites(true) and deferWrites(false): the server then
  // journals the command's writes without waiting for the disk, and the answer leaves only
  // when whenDurable() reports those writes on disk (an error there replaces the answer with a
  // result-1 one). Concurrent requests thus share one fdatasync. Both empty: answers leave as
  // soon as the handler returns (handlers wait for the disk themselves).
  std::function<void(bool on)> deferWrites;
  // Calls `done` (possibly before returning) once every write of the command that just ran
  // inside deferWrites is durable, or with the error when it cannot become durable.
  std::function<void(std::function<void(Result<void>)> done)> whenDurable;

  // GET (and HEAD) routes served by HTTP(S) listeners beside the POSTed commands, behind the
  // same basic auth and TLS. Key: an exact path ("/metrics"), or a prefix ending in '/'
  // ("/dashboard/") that matches every path under it; the longest match wins. A GET of a
  // path with no route answers 405, as Kea's Control Agent answers every GET.
  std::map<std::string, HttpGetHandler> getRoutes;
};

class ControlListener;

class ControlServer {
 public:
  ControlServer(boost::asio::io_context& io, const api::CommandRegistry& registry, Logger& logger,
                ControlServerOptions options = {});
  ControlServer(boost::asio::io_context& io, const api::CommandRegistry& registry, Logger& logger,
                ControlServerOptions options, boost::asio::any_io_executor commandExecutor);
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  // Opens every socket in `sockets` (closing ones no longer listed). Throws
  // std::runtime_error naming the socket when a bind or TLS setup fails; sockets opened
  // before the failure stay open.
  void listen(const std::vector<config::ControlSocket>& sockets);
  void stop();

  // Bound TCP ports in listen() order of http(s) sockets (port 0 in the config picks a free
  // port; tests use this).
  std::vector<std::uint16_t> boundPorts() const;

 private:
  boost::asio::io_context& io_;
  const api::CommandRegistry& registry_;
  Logger& logger_;
  ControlServerOptions options_;
  boost::asio::any_io_executor commandExecutor_;
  std::map<std::string, std::shared_ptr<ControlListener>> listeners_;  // key: socket settings
  std::vector<std::string> order_;
};

}  // namespace tandem::net
