#include "dhcpd/daemon/packet_loop.h"

#include <boost/asio/post.hpp>

#include "dhcpd/net/client_dispatch.h"

namespace tandem::daemon {

namespace asio = boost::asio;

namespace {
// Batches handled per wake-up before yielding to timers, the control socket and durable
// notifications (fairness), about 256 packets.
constexpr int kBatchesPerWake = 4;
}  // namespace

PacketLoop::PacketLoop(asio::io_context& io, net::DhcpPipeline& pipeline, Logger& log, NowFn now)
    : io_(io), pipeline_(pipeline), log_(log), now_(std::move(now)) {}

PacketLoop::~PacketLoop() {
  *alive_ = false;
  close();
}

void PacketLoop::close() {
  for (auto& s : sockets_) {
    if (s->waiter) {
      s->waiter->cancel();
      s->waiter->release();  // the DhcpSocket owns the descriptor
    }
  }
  sockets_.clear();
  sendSockets_.clear();
  sendTable_.reset();
}

void PacketLoop::setWorkers(std::vector<PacketWorker*> workers) {
  workers_ = std::move(workers);
  handOff_.assign(workers_.size(), {});
  dispatch_ = !workers_.empty();
}

Result<void> PacketLoop::open(const std::vector<net::ServedInterface>& interfaces, net::ReplyPorts ports) {
  close();
  ports_ = ports;
  pipeline_.setPorts(ports);
  for (const auto& iface : interfaces) {
    auto sock = net::DhcpSocket::open(iface, ports.server);
    if (!sock) {
      log_.error("DHCP4_OPEN_SOCKET_FAIL", "{}", sock.error().message);
      continue;
    }
    auto s = std::make_unique<Socket>();
    s->udp = std::move(*sock);
    s->waiter = std::make_unique<asio::posix::stream_descriptor>(io_, s->udp.fd());
    log_.info("DHCP4_OPEN_SOCKET", "listening on {} ({}) port {}", iface.name, iface.address.toString(), ports.server);
    arm(*s);
    sendSockets_.push_back(SendSocket{s->udp.interface().index, s->udp.fd()});
    sockets_.push_back(std::move(s));
  }
  if (!workers_.empty()) sendTable_ = std::make_shared<const SendTable>(sendSockets_);
  if (!sender_.hasPacketSocket()) {
    if (auto p = sender_.openPacketSocket(); !p) {
      log_.warn("DHCP4_PACKET_SOCKET_FAIL", "{}; replies to clients without an address fall back to broadcast",
                p.error().message);
    }
  }
  if (sockets_.empty() && !interfaces.empty()) return makeError("no DHCP socket could be opened");
  return {};
}

void PacketLoop::arm(Socket& s) {
  std::weak_ptr<bool> alive = alive_;
  Socket* sp = &s;
  s.waiter->async_wait(asio::posix::stream_descriptor::wait_read,
                       [this, alive, sp](const boost::system::error_code& ec) {
                         if (ec || alive.expired()) return;
                         onReadable(*sp);
                       });
}

void PacketLoop::onReadable(Socket& s) {
  ++counters_.wakeups;
  for (int round = 0; round < kBatchesPerWake; ++round) {
    auto n = s.udp.receive(batch_);
    ++counters_.receiveCalls;
    if (!n) {
      log_.limited(Severity::Error, "DHCP4_RECEIVE_FAIL", "{}: {}", s.udp.interface().name, n.error().message);
      break;
    }
    if (*n == 0) break;
    counters_.received += *n;
    const TimePoint now = now_();
    auto processOne = [&](std::size_t i) {
      const net::RxDatagram& d = batch_[i];
      engine::RecvMeta meta;
      meta.srcAddr = d.srcAddr;
      meta.srcPort = d.srcPort;
      meta.dstAddr = d.dstAddr;
      meta.ifName = s.udp.interface().name;
      meta.ifIndex = d.ifIndex ? d.ifIndex : s.udp.interface().index;
      meta.ifAddr = s.udp.interface().address;
      meta.ifMac = s.udp.interface().mac;
      if (d.truncated) {
        pipeline_.countReceiveDrops(1);
        return;
      }
      pipeline_.process(d.bytes, meta, now, ready_);
    };
    if (dispatch_) {
      // The other workers' clients first, so that they work while this thread does its share.
      dispatch(s, *n);
      if (pipeline_.congested()) {
        pipeline_.countReceiveDrops(local_.size());
      } else {
        for (std::uint8_t i : local_) processOne(i);
      }
    } else if (pipeline_.congested()) {
      // Shed load before doing any work when parked replies pile up (the disk is behind):
      // answering more would only park more.
      pipeline_.countReceiveDrops(*n);
    } else {
      for (std::size_t i = 0; i < *n; ++i) processOne(i);
    }
    pipeline_.countReceiveDrops(s.udp.takeKernelDrops());
    pipeline_.releaseDurable(ready_);
    sendReady();
    if (*n < net::RxBatch::kSlots) break;
  }
  // Statistics reach the registry from the server's housekeeping tick (every 250 ms):
  // publishing takes the registry's lock per counter, too dear for every wake-up.
  arm(s);
}

void PacketLoop::notifyDurable() {
  if (durablePosted_.exchange(true)) return;
  std::weak_ptr<bool> alive = alive_;
  asio::post(io_, [this, alive] {
    if (alive.expired()) return;
    durablePosted_ = false;
    ++counters_.durablePosts;
    pipeline_.releaseDurable(ready_);
    sendReady();
    if (durableHook_) durableHook_();
  });
}

void PacketLoop::flushParked() {
  pipeline_.releaseDurable(ready_);
  sendReady();
  pipeline_.drainParked();
  pipeline_.publish(now_());
}

void PacketLoop::dispatch(const Socket& s, std::size_t n) {
  local_.clear();
  const std::size_t workers = workers_.size() + 1;
  for (std::size_t i = 0; i < n; ++i) {
    const net::RxDatagram& d = batch_[i];
    const std::size_t w = d.truncated ? 0 : net::workerForDatagram(d.bytes, workers);
    if (w == 0) {
      local_.push_back(std::uint8_t(i));
      continue;
    }
    PacketWorker::Job job;
    job.bytes.assign(d.bytes.begin(), d.bytes.end());
    job.meta.srcAddr = d.srcAddr;
    job.meta.srcPort = d.srcPort;
    job.meta.dstAddr = d.dstAddr;
    job.meta.ifName = s.udp.interface().name;
    job.meta.ifIndex = d.ifIndex ? d.ifIndex : s.udp.interface().index;
    job.meta.ifAddr = s.udp.interface().address;
    job.meta.ifMac = s.udp.interface().mac;
    handOff_[w - 1].push_back(std::move(job));
  }
  for (std::size_t w = 0; w < workers_.size(); ++w) {
    if (handOff_[w].empty()) continue;
    counters_.handedOff += handOff_[w].size();
    workers_[w]->enqueue(handOff_[w], sendTable_);
  }
}

void PacketLoop::sendReady() {
  if (ready_.empty()) return;
  auto sent = sender_.send(ready_, sendSockets_, pipeline_, ports_.server);
  counters_.sendCalls += sent.calls;
  counters_.sent += sent.datagrams;
}

}  // namespace tandem::daemon
