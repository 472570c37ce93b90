#include "dhcpd/daemon/ha_peer_transport.h"

#include <optional>
#include <utility>

namespace tandem::daemon {

PeerClientTransport::PeerClientTransport(boost::asio::io_context& io, net::PeerClientConfig config, Logger& log)
    : config_(config), log_(log), client_(io, std::move(config), log) {}

void PeerClientTransport::send(nlohmann::json command, std::chrono::milliseconds timeout, Callback cb) {
  client_.send(std::move(command), std::move(cb), timeout);
}

Result<nlohmann::json> PeerClientTransport::sendBlocking(nlohmann::json command, std::chrono::milliseconds timeout) {
  // A private io_context and client: running the daemon's own io_context from inside a
  // command handler would re-enter handlers. One connection, closed afterwards.
  boost::asio::io_context io;
  net::PeerClientConfig cfg = config_;
  cfg.connections = 1;
  auto client = net::PeerClient::create(io, cfg, log_);
  if (!client) return client.error();
  std::optional<Result<nlohmann::json>> answer;
  (*client)->send(std::move(command), [&answer](Result<nlohmann::json> r) { answer.emplace(std::move(r)); }, timeout);
  io.run();
  if (!answer) return makeError("no answer from " + config_.url);
  return std::move(*answer);
}

}  // namespace tandem::daemon
