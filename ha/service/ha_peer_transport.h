#pragma once
// What HaService needs to talk to one HA peer, as a small interface so the service's unit
// tests inject a fake peer instead of running HTTP listeners (design.md: fakes over mocks).
// Production: PeerClientTransport, over net::PeerClient (persistent HTTP(S) connections,
// mutual TLS, basic auth, a deadline on every request).
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "dhcpd/common/logger.h"
#include "dhcpd/common/result.h"
#include "ha/net/peer_client.h"

namespace tandem::daemon {

class PeerTransport {
 public:
  // The answer map (the first element of Kea's one-element answer list), or a transport
  // error (connect, TLS, timeout, HTTP status, unparsable body).
  using Callback = std::function<void(Result<nlohmann::json>)>;

  virtual ~PeerTransport() = default;
  // Asynchronous: `cb` runs later on the daemon thread, never inside send().
  virtual void send(nlohmann::json command, std::chrono::milliseconds timeout, Callback cb) = 0;
  // The same, with the answer's body text (the whole answer list) instead of its parsed map:
  // for the big answers of the bulk sync, read by sync/sync_answer_reader.h without a JSON
  // tree. The text is valid until `cb` returns (PeerClient reuses its buffer). The default
  // (fakes) serialises what send() answers.
  using RawCallback = std::function<void(Result<std::string_view>)>;
  virtual void sendRaw(nlohmann::json command, std::chrono::milliseconds timeout, RawCallback cb) {
    send(std::move(command), timeout, [cb = std::move(cb)](Result<nlohmann::json> r) {
      if (!r) return cb(r.error());
      const std::string text =
          nlohmann::json::array({*r}).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      cb(std::string_view(text));
    });
  }
  // A lease update given as its finished request text (no JSON tree on the sender's path).
  // The default (fakes) parses it and calls send().
  virtual void sendText(std::string body, std::chrono::milliseconds timeout, Callback cb) {
    auto command = nlohmann::json::parse(body, nullptr, false);
    if (command.is_discarded()) return cb(makeError("request text is not JSON"));
    send(std::move(command), timeout, std::move(cb));
  }
  // Fails every pending request (their callbacks run with an error).
  virtual void cancelAll() = 0;
};

class PeerClientTransport final : public PeerTransport {
 public:
  // Throws std::invalid_argument on a bad URL or unreadable TLS material (start-up error).
  PeerClientTransport(boost::asio::io_context& io, net::PeerClientConfig config, Logger& log);

  void send(nlohmann::json command, std::chrono::milliseconds timeout, Callback cb) override;
  void sendRaw(nlohmann::json command, std::chrono::milliseconds timeout, RawCallback cb) override;
  void sendText(std::string body, std::chrono::milliseconds timeout, Callback cb) override;
  void cancelAll() override { client_.cancelAll(); }

 private:
  net::PeerClientConfig config_;
  Logger& log_;
  net::PeerClient client_;
};

}  // namespace tandem::daemon
