#include "dhcpd/daemon/packet_loop.h"

#include <boost/asio/post.hpp>

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
    log_.info("DHCP4_OPEN_SOCKET", "listening on {} ({}) port {}", iface.name, iface.address.toString(),
              ports.server);
    arm(*s);
    sockets_.push_back(std::move(s));
  }
  if (!l2_.isOpen()) {
    auto p = net::PacketSocket::open();
    if (p) {
      l2_ = std::move(*p);
    } else {
      log_.warn("DHCP4_PACKET_SOCKET_FAIL",
                "{}; replies to clients without an address fall back to broadcast", p.error().message);
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
    // Shed load before doing any work when parked replies pile up (the disk is behind):
    // answering more would only park more.
    if (pipeline_.congested()) {
      pipeline_.countReceiveDrops(*n);
    } else {
      for (std::size_t i = 0; i < *n; ++i) {
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
          continue;
        }
        pipeline_.process(d.bytes, meta, now, ready_);
      }
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

PacketLoop::Socket* PacketLoop::socketFor(int ifIndex) noexcept {
  for (auto& s : sockets_) {
    if (s->udp.interface().index == ifIndex) return s.get();
  }
  return sockets_.empty() ? nullptr : sockets_.front().get();
}

void PacketLoop::sendReady() {
  if (ready_.empty()) return;
  // Group by interface so each socket gets one sendmmsg; usually there is one interface.
  while (!ready_.empty()) {
    const int ifIndex = ready_.front().ifIndex;
    Socket* sock = socketFor(ifIndex);
    udpOut_.clear();
    frames_.clear();
    std::size_t keep = 0;
    for (std::size_t i = 0; i < ready_.size(); ++i) {
      net::Outgoing& o = ready_[i];
      if (o.ifIndex != ifIndex) {
        if (keep != i) ready_[keep] = std::move(o);
        ++keep;
        continue;
      }
      pipeline_.countSent(o.type);
      if (o.dest.kind == net::Destination::Kind::L2Unicast && l2_.isOpen() && ifIndex != 0) {
        net::PacketSocket::Frame f;
        f.ifIndex = ifIndex;
        f.mac = o.dest.mac;
        f.bytes.resize(net::kIpv4UdpHeaderSize + o.bytes.size());
        f.bytes.resize(net::buildIpv4Udp(f.bytes, o.srcAddr, ports_.server, o.dest.addr, o.dest.port, o.bytes));
        frames_.push_back(std::move(f));
      } else {
        net::UdpOut u;
        u.addr = o.dest.kind == net::Destination::Kind::L2Unicast ? Ipv4::broadcast() : o.dest.addr;
        u.port = o.dest.port;
        u.bytes = std::move(o.bytes);
        udpOut_.push_back(std::move(u));
      }
    }
    ready_.resize(keep);
    if (sock && !udpOut_.empty()) {
      sock->udp.send(udpOut_);
      ++counters_.sendCalls;
      counters_.sent += udpOut_.size();
    }
    if (!frames_.empty()) l2_.send(frames_);
  }
}

}  // namespace tandem::daemon
