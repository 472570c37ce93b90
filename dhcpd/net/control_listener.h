#pragma once
// Internal pieces shared by the UNIX and HTTP(S) control listeners.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>

#include "dhcpd/api/command_registry.h"
#include "dhcpd/common/logger.h"
#include "dhcpd/net/control_server.h"

namespace tandem::net {

// What every connection needs; owned by its listener and kept alive by its sessions.
struct ControlEnv {
  const api::CommandRegistry& registry;
  Logger& logger;
  ControlServerOptions options;
  boost::asio::any_io_executor commandExecutor;
  std::atomic<std::size_t> connections{0};

  // Connections per client address (options.maxConnectionsPerAddress). admit() counts one in
  // when the address is below its cap; release() gives it back when the session ends.
  bool admit(const std::string& address);
  void release(const std::string& address);
  std::size_t openFrom(const std::string& address);

  // Runs one request body on the command executor, then hands the answer text to `done`
  // on `replyExecutor` (the connection's strand).
  // Runs the GET route for `target` (path and query) on the command executor and hands the
  // reply to `done` on `replyExecutor`; nullopt-like 404 reply when no route matches.
  static void dispatchGet(std::shared_ptr<ControlEnv> env, std::string target,
                          boost::asio::any_io_executor replyExecutor, std::function<void(HttpGetReply)> done);
  // True when some GET route would answer `target`'s path.
  bool hasGetRoute(std::string_view target) const;

  std::mutex perAddressMutex;
  std::unordered_map<std::string, std::size_t> perAddress;

  static void dispatch(std::shared_ptr<ControlEnv> env, std::string body, api::CommandContext ctx,
                       boost::asio::any_io_executor replyExecutor, std::function<void(std::string)> done);
};

class ControlListener {
 public:
  virtual ~ControlListener() = default;
  virtual void close() = 0;
  virtual std::uint16_t port() const { return 0; }
};

std::shared_ptr<ControlListener> makeUnixListener(boost::asio::io_context& io, std::shared_ptr<ControlEnv> env,
                                                  const config::ControlSocket& socket);
std::shared_ptr<ControlListener> makeHttpListener(boost::asio::io_context& io, std::shared_ptr<ControlEnv> env,
                                                  const config::ControlSocket& socket);

}  // namespace tandem::net
