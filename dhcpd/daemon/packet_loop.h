#pragma once
// The DHCP socket shell: waits for readability on each served interface's UDP socket,
// drains batches with recvmmsg, feeds the pipeline, and sends what is ready with sendmmsg
// (UDP) or the packet socket (link-layer unicast to clients without an address). All on the
// daemon's io_context thread; the journal thread only calls notifyDurable(). With packet
// workers (Kea's multi-threading, daemon/packet_worker.h) the loop is worker 0: it reads every
// socket and hands each datagram to the worker of its client (net/client_dispatch.h),
// keeping its own share.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include "dhcpd/common/logger.h"
#include "dhcpd/daemon/packet_worker.h"
#include "dhcpd/daemon/reply_sender.h"
#include "dhcpd/net/dhcp_pipeline.h"
#include "dhcpd/net/dhcp_socket.h"
#include "dhcpd/net/interface_table.h"
#include "dhcpd/net/packet_socket.h"

namespace tandem::daemon {

class PacketLoop {
 public:
  using NowFn = std::function<TimePoint()>;
  PacketLoop(boost::asio::io_context& io, net::DhcpPipeline& pipeline, Logger& log, NowFn now);
  ~PacketLoop();
  PacketLoop(const PacketLoop&) = delete;
  PacketLoop& operator=(const PacketLoop&) = delete;

  // (Re)opens one socket per interface on the server port; the previous sockets close.
  // Interfaces whose socket fails are logged and skipped; an error only when none opened.
  Result<void> open(const std::vector<net::ServedInterface>& interfaces, net::ReplyPorts ports);
  void close();
  std::size_t socketCount() const noexcept { return sockets_.size(); }

  // What the loop did, for tests and profiles: a busy server makes few calls per datagram.
  struct Counters {
    std::uint64_t wakeups = 0;       // readiness of a DHCP socket reported by the reactor
    std::uint64_t receiveCalls = 0;  // recvmmsg calls (each returns a batch)
    std::uint64_t received = 0;      // datagrams they returned
    std::uint64_t sendCalls = 0;     // DhcpSocket::send calls (one sendmmsg per 64 datagrams)
    std::uint64_t sent = 0;          // datagrams handed to them
    std::uint64_t durablePosts = 0;  // io_context posts for journal progress
    std::uint64_t handedOff = 0;     // datagrams handed to the other workers
  };
  const Counters& counters() const noexcept { return counters_; }

  // Thread-safe: the journal made progress; parked replies may now leave. Coalesced: one
  // post to the io_context per burst of notifications.
  void notifyDurable();
  // Also run (on the io_context thread) for each such post, after the replies left.
  void setDurableHook(std::function<void()> hook) { durableHook_ = std::move(hook); }
  // Sends every parked reply whose lease is durable now and drops the rest (shutdown, after
  // the final flush).
  void flushParked();

  // Several workers: `workers` are workers 1..n (the loop is worker 0); empty = the loop alone.
  // Set before open() (the workers send on dups of the loop's sockets).
  void setWorkers(std::vector<PacketWorker*> workers);
  // Off: the loop keeps every datagram (an HA relationship added by a reload: HA is served by
  // one worker); the workers finish what they hold.
  void setDispatch(bool on) noexcept { dispatch_ = on && !workers_.empty(); }
  bool dispatching() const noexcept { return dispatch_; }

 private:
  struct Socket {
    net::DhcpSocket udp;
    std::unique_ptr<boost::asio::posix::stream_descriptor> waiter;
  };
  void arm(Socket& s);
  void onReadable(Socket& s);
  void sendReady();
  // Hands the batch's datagrams of other workers' clients to them; the indexes of the loop's
  // own go to local_.
  void dispatch(const Socket& s, std::size_t n);

  boost::asio::io_context& io_;
  net::DhcpPipeline& pipeline_;
  Logger& log_;
  NowFn now_;
  net::ReplyPorts ports_;
  std::vector<std::unique_ptr<Socket>> sockets_;
  std::vector<SendSocket> sendSockets_;  // sockets_ as the sender sees them
  ReplySender sender_;
  net::RxBatch batch_;
  std::vector<net::Outgoing> ready_;
  std::vector<PacketWorker*> workers_;
  bool dispatch_ = false;
  std::shared_ptr<const SendTable> sendTable_;           // dups of sockets_ for the workers
  std::vector<std::vector<PacketWorker::Job>> handOff_;  // per worker, one batch's
  std::vector<std::uint8_t> local_;                      // batch indexes the loop keeps
  std::function<void()> durableHook_;
  Counters counters_;
  std::atomic<bool> durablePosted_{false};
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace tandem::daemon
