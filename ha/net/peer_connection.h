#pragma once
// One physical HTTP(S) connection to an HA peer, used by PeerClient's pool. It carries one
// request/response exchange at a time (no pipelining: Kea's listener does not support it)
// and is never reused once closed: a new connection object replaces it, because an
// ssl::stream cannot be re-handshaken after an error.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/system/error_code.hpp>

namespace tandem::net {

// What every connection of one client sends with each request.
struct PeerTarget {
  boost::asio::ip::tcp::endpoint endpoint;
  std::string hostHeader;     // Kea sends the bare address, no port
  std::string authorization;  // "Basic ..." or empty (no header)
  std::size_t maxResponseBytes = 0;
};

struct PeerExchange {
  enum class Stage : std::uint8_t { Connect, Handshake, Write, Read, Done };
  Stage stage = Stage::Connect;  // where it stopped (Done = a full response was read)
  boost::system::error_code ec;
  std::string detail;             // e.g. the certificate verification failure reason
  bool reusedConnection = false;  // the connection had completed an exchange before
  bool gotResponseBytes = false;  // some of the response was parsed before the error
  unsigned status = 0;
  bool keepAlive = false;
  std::string body;
};

class PeerConnection {
 public:
  using Done = std::function<void(PeerExchange)>;
  using Clock = std::chrono::steady_clock;

  virtual ~PeerConnection() = default;
  // Connects first when needed. Every step runs against `deadline` (design.md: a timeout
  // before every operation). `done` runs exactly once unless close() is called first.
  // `responseBuffer`: the response body is read into it (cleared first, its capacity kept),
  // so a caller that hands back the previous answer's buffer gets a multi-megabyte body
  // without fresh memory (issue 11: on this VM the page faults of a fresh 4 MB string per
  // sync page were a quarter of the puller's CPU).
  virtual void exchange(std::string body, Clock::time_point deadline, Done done, std::string responseBuffer = {}) = 0;
  // Drops the socket; a pending exchange's `done` is never called.
  virtual void close() noexcept = 0;
  // Connected and idle-reusable (the peer did not ask to close, no error seen).
  virtual bool reusable() const noexcept = 0;
};

// `tls` null = plain HTTP. The context must already verify the peer (PeerClient sets it up).
std::shared_ptr<PeerConnection> makePeerConnection(boost::asio::io_context& io,
                                                   std::shared_ptr<const PeerTarget> target,
                                                   std::shared_ptr<boost::asio::ssl::context> tls);

}  // namespace tandem::net
