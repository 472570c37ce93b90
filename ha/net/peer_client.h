#pragma once
// HTTP(S) client that carries HA commands to one partner, Kea 2.2 or tandemd
// (reference/ha-protocol.md section 4.1): POST / with a JSON command, answer = a one-element
// JSON list. Lease updates go out for every DHCPACK and the ACK waits for the answer, so the
// client keeps a small pool of persistent connections, each doing one request/response at a
// time (Kea's listener does not support HTTP pipelining), and queues the rest.
//
// Threading: callback style; every call and every callback runs on the io_context's single
// thread (the daemon's). Callbacks are never invoked from inside send().
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "dhcpd/common/logger.h"
#include "dhcpd/common/result.h"

namespace tandem::net {

// Error::code values of a failed send(). Every one of them is a "communication failure" in
// Kea's terms (the partner becomes unavailable); the answer's own "result" is the caller's.
enum class PeerError : int {
  Connect = 1,  // TCP connect failed (refused, unreachable)
  Tls,          // handshake or TLS record failure, certificate rejected either way
  Timeout,      // no complete answer before the request's deadline
  Transport,    // connection lost mid-exchange
  HttpStatus,   // HTTP status other than 200 (401 bad credentials, 403 restricted command)
  BadBody,      // not JSON, not an object or non-empty list of objects, or too large
  BadRequest,   // the command given to send() is not a JSON object with a "command"
  Cancelled,    // cancelAll() or shutdown
  QueueFull,    // more than maxPending requests waiting
};
std::string_view toString(PeerError e) noexcept;

struct PeerClientConfig {
  std::string url;  // "http://198.18.0.2:8001/" or "https://..." (IP literal, as Kea)
  // Empty user = no Authorization header, as in Kea.
  std::string basicAuthUser;
  std::string basicAuthPassword;
  // https only. trustAnchor: CA file or (c_rehash'ed) directory; empty = system defaults.
  // certFile + keyFile: our certificate for mutual TLS; both or neither.
  std::string trustAnchor;
  std::string certFile;
  std::string keyFile;
  // Lease updates in flight at once (one per connection: no pipelining). Each DHCPACK waits
  // for its update, and an update's answer waits for the partner's group-committed fdatasync
  // (5-15 ms on a busy VM disk), so 4,000 updates/s need ~60 on the wire (scripts/bench-ha.sh:
  // 32 capped a load-balancing pair near 4,000 DORA/s; 128 cost more in TLS handshakes than it
  // gained). Opened only as the load needs them: a quiet pair keeps one.
  std::size_t connections = 64;
  // Kea's HA client uses a fixed 10 s for heartbeats and lease updates (section 3.1).
  std::chrono::milliseconds requestTimeout{10000};
  std::size_t maxResponseBytes = 64 * 1024 * 1024;  // a lease4-get-page of 10,000 leases is ~3 MB
  std::size_t maxPending = 65536;                   // queued + in flight
};

class PeerClient {
 public:
  using Callback = std::function<void(Result<nlohmann::json>)>;
  // The answer's HTTP body as received (status 200 only), for answers whose reader skips the
  // JSON tree (sync/sync_answer_reader.h). The view is valid until the callback returns: the
  // client then keeps the buffer for the next raw answer (no fresh memory per sync page).
  using RawCallback = std::function<void(Result<std::string_view>)>;

  // Validates the URL and loads the TLS material; the error names the problem.
  static Result<std::unique_ptr<PeerClient>> create(boost::asio::io_context& io, PeerClientConfig config,
                                                    Logger& logger);
  // Same, for start-up code: throws std::invalid_argument on a bad URL or bad TLS files.
  PeerClient(boost::asio::io_context& io, PeerClientConfig config, Logger& logger);
  // Pending callbacks are dropped without being called.
  ~PeerClient();
  PeerClient(const PeerClient&) = delete;
  PeerClient& operator=(const PeerClient&) = delete;

  // `command` is {"command": ..., "arguments": ...}; "service": ["dhcp4"] is added when
  // absent (Kea 2.2 sends it with every peer command). `cb` gets the first element of the
  // answer list (a bare object is accepted too) or an Error with a PeerError code.
  void send(nlohmann::json command, Callback cb);
  // With its own deadline, e.g. sync-timeout for lease4-get-page.
  void send(nlohmann::json command, Callback cb, std::chrono::milliseconds timeout);
  // The same, handing over the body text unparsed (errors as send()'s, but the body's JSON
  // is the caller's to check).
  void sendRaw(nlohmann::json command, RawCallback cb, std::chrono::milliseconds timeout);
  // A lease update whose request text the caller wrote itself (the batched updates,
  // sync/bulk_apply_json.h: no JSON tree and no dump per request). `body` must be a whole
  // command with "service"; it is queued as a lease update, without a per-address order key
  // (the caller keeps the order). Answers as send().
  void sendText(std::string body, Callback cb, std::chrono::milliseconds timeout);

  // Requests queued or on the wire.
  std::size_t inFlight() const noexcept;
  // Connections currently open (for status and tests).
  std::size_t openConnections() const noexcept;
  // Fails every pending request with PeerError::Cancelled (callbacks run before this
  // returns) and closes the connections. The client stays usable: the next send reconnects.
  void cancelAll();

  const std::string& url() const noexcept;

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace tandem::net
