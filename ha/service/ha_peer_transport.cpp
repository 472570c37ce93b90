#include "ha/service/ha_peer_transport.h"

#include <utility>

namespace tandem::daemon {

PeerClientTransport::PeerClientTransport(boost::asio::io_context& io, net::PeerClientConfig config, Logger& log)
    : config_(config), log_(log), client_(io, std::move(config), log) {}

void PeerClientTransport::send(nlohmann::json command, std::chrono::milliseconds timeout, Callback cb) {
  client_.send(std::move(command), std::move(cb), timeout);
}

void PeerClientTransport::sendRaw(nlohmann::json command, std::chrono::milliseconds timeout, RawCallback cb) {
  client_.sendRaw(std::move(command), std::move(cb), timeout);
}

void PeerClientTransport::sendText(std::string body, std::chrono::milliseconds timeout, Callback cb) {
  client_.sendText(std::move(body), std::move(cb), timeout);
}

}  // namespace tandem::daemon
