#include "dhcpd/daemon/reply_sender.h"

namespace tandem::daemon {

Result<void> ReplySender::openPacketSocket() {
  if (l2_.isOpen()) return {};
  auto p = net::PacketSocket::open();
  if (!p) return p.error();
  l2_ = std::move(*p);
  return {};
}

ReplySender::Sent ReplySender::send(std::vector<net::Outgoing>& ready, std::span<const SendSocket> sockets,
                                    net::DhcpPipeline& pipeline, std::uint16_t serverPort) {
  Sent sent;
  // Group by interface so each socket gets one sendmmsg; usually there is one interface.
  while (!ready.empty()) {
    const int ifIndex = ready.front().ifIndex;
    int fd = sockets.empty() ? -1 : sockets.front().fd;
    for (const auto& s : sockets) {
      if (s.ifIndex == ifIndex) {
        fd = s.fd;
        break;
      }
    }
    udpOut_.clear();
    frames_.clear();
    std::size_t keep = 0;
    for (std::size_t i = 0; i < ready.size(); ++i) {
      net::Outgoing& o = ready[i];
      if (o.ifIndex != ifIndex) {
        if (keep != i) ready[keep] = std::move(o);
        ++keep;
        continue;
      }
      pipeline.countSent(o.type);
      if (o.dest.kind == net::Destination::Kind::L2Unicast && l2_.isOpen() && ifIndex != 0) {
        net::PacketSocket::Frame f;
        f.ifIndex = ifIndex;
        f.mac = o.dest.mac;
        f.bytes.resize(net::kIpv4UdpHeaderSize + o.bytes.size());
        f.bytes.resize(net::buildIpv4Udp(f.bytes, o.srcAddr, serverPort, o.dest.addr, o.dest.port, o.bytes));
        frames_.push_back(std::move(f));
      } else {
        net::UdpOut u;
        u.addr = o.dest.kind == net::Destination::Kind::L2Unicast ? Ipv4::broadcast() : o.dest.addr;
        u.port = o.dest.port;
        u.bytes = std::move(o.bytes);
        udpOut_.push_back(std::move(u));
      }
    }
    ready.resize(keep);
    if (fd >= 0 && !udpOut_.empty()) {
      net::DhcpSocket::sendOn(fd, udpOut_);
      ++sent.calls;
      sent.datagrams += udpOut_.size();
    }
    if (!frames_.empty()) l2_.send(frames_);
  }
  return sent;
}

}  // namespace tandem::daemon
