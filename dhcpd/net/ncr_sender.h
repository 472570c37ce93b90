#pragma once
// Sends NameChangeRequests to kea-dhcp-ddns over UDP, as Kea's NameChangeUDPSender does: one
// datagram per request (2-byte length + JSON), from sender-ip:sender-port to
// server-ip:server-port, one send in flight, a queue of at most max-queue-size requests.
// The packet path never waits for it: a request that finds the queue full is dropped,
// counted and logged (rate-limited). UDP says nothing about kea-dhcp-ddns being away, so
// requests sent then are lost as with Kea. Runs on the server's io_context thread.
#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>

#include "dhcpd/common/logger.h"
#include "dhcpd/common/result.h"
#include "dhcpd/config/dhcp4_config.h"
#include "dhcpd/ddns/name_change_request.h"

namespace tandem::net {

class NcrSender {
 public:
  struct Counters {
    std::uint64_t sent = 0;        // datagrams the socket took
    std::uint64_t queueFull = 0;   // dropped: max-queue-size requests were already waiting
    std::uint64_t sendErrors = 0;  // dropped: the socket refused the datagram
  };

  NcrSender(boost::asio::io_context& io, Logger& log);
  ~NcrSender();
  NcrSender(const NcrSender&) = delete;
  NcrSender& operator=(const NcrSender&) = delete;

  // Opens the socket for the configuration (bound to sender-ip:sender-port), or closes it when
  // updates are off; requests still queued are kept for the new socket (as Kea's assumeQueue).
  // Unchanged settings keep the socket. Fails when the socket cannot be opened.
  Result<void> configure(const config::DhcpDdnsConfig& cfg);
  // Queues one request; never blocks.
  void send(const ddns::NameChangeRequest& ncr);

  bool active() const noexcept { return socket_ != nullptr; }
  std::size_t queued() const noexcept { return queue_.size(); }
  const Counters& counters() const noexcept { return counters_; }
  // Where datagrams come from (the bound address; port chosen by the kernel when 0).
  boost::asio::ip::udp::endpoint localEndpoint() const;

 private:
  void sendNext();

  boost::asio::io_context& io_;
  Logger& log_;
  config::DhcpDdnsConfig cfg_;
  // Shared with the completion handler so that a reconfiguration (a new socket) or the
  // destructor never leaves it pointing at a closed one.
  std::shared_ptr<boost::asio::ip::udp::socket> socket_;
  std::shared_ptr<bool> alive_;
  boost::asio::ip::udp::endpoint server_;
  std::deque<std::vector<std::uint8_t>> queue_;
  bool inFlight_ = false;
  Counters counters_;
};

}  // namespace tandem::net
