#include "dhcpd/net/dhcp_socket.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <arpa/inet.h>
#include <net/if.h>
#include <unistd.h>

#include "dhcpd/net/mmsg_send.h"

namespace tandem::net {

RxBatch::RxBatch() : buffers_(kSlots * kSlotSize) {
  for (std::size_t i = 0; i < kSlots; ++i) {
    iov_[i].iov_base = buffers_.data() + i * kSlotSize;
    iov_[i].iov_len = kSlotSize;
  }
}

DhcpSocket::~DhcpSocket() {
  if (fd_ >= 0) ::close(fd_);
}

DhcpSocket::DhcpSocket(DhcpSocket&& o) noexcept
    : fd_(o.fd_), iface_(std::move(o.iface_)), overflowSeen_(o.overflowSeen_), pendingDrops_(o.pendingDrops_) {
  o.fd_ = -1;
}

DhcpSocket& DhcpSocket::operator=(DhcpSocket&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.fd_;
    iface_ = std::move(o.iface_);
    overflowSeen_ = o.overflowSeen_;
    pendingDrops_ = o.pendingDrops_;
    o.fd_ = -1;
  }
  return *this;
}

Result<DhcpSocket> DhcpSocket::open(const ServedInterface& iface, std::uint16_t port, int receiveBufferBytes) {
  auto fail = [&](const char* what, int fd) -> Error {
    int e = errno;
    if (fd >= 0) ::close(fd);
    return makeError(std::string("socket on ") + (iface.name.empty() ? "any" : iface.name) + " port " +
                         std::to_string(port) + ": " + what + ": " + std::strerror(e),
                     e);
  };
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail("socket", fd);
  int one = 1;
  if (::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0) return fail("SO_REUSEADDR", fd);
  if (::setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof one) < 0) return fail("SO_BROADCAST", fd);
  if (::setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof one) < 0) return fail("IP_PKTINFO", fd);
  // Best effort: without it only the overload statistics lose the kernel's share.
  (void)::setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof one);
  // A bounded but roomy queue absorbs bursts; beyond it the kernel drops early and cheaply.
  if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &receiveBufferBytes, sizeof receiveBufferBytes) < 0) {
    (void)::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receiveBufferBytes, sizeof receiveBufferBytes);
  }
  if (iface.index != 0) {
    if (::setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, iface.name.c_str(), socklen_t(iface.name.size())) < 0) {
      return fail("SO_BINDTODEVICE", fd);
    }
  }
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(port);
  sin.sin_addr.s_addr = htonl(INADDR_ANY);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&sin), sizeof sin) < 0) return fail("bind", fd);
  DhcpSocket s;
  s.fd_ = fd;
  s.iface_ = iface;
  return s;
}

Result<std::size_t> DhcpSocket::receive(RxBatch& b) noexcept {
  b.count_ = 0;
  for (std::size_t i = 0; i < RxBatch::kSlots; ++i) {
    auto& h = b.msgs_[i].msg_hdr;
    h.msg_name = &b.names_[i];
    h.msg_namelen = sizeof(sockaddr_in);
    h.msg_iov = &b.iov_[i];
    h.msg_iovlen = 1;
    h.msg_control = b.control_[i].data();
    h.msg_controllen = RxBatch::kControlSize;
    h.msg_flags = 0;
  }
  int n = ::recvmmsg(fd_, b.msgs_.data(), RxBatch::kSlots, MSG_DONTWAIT, nullptr);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return std::size_t(0);
    return makeError(std::string("recvmmsg: ") + std::strerror(errno), errno);
  }
  for (int i = 0; i < n; ++i) {
    auto& h = b.msgs_[i].msg_hdr;
    RxDatagram& d = b.datagrams_[i];
    d = RxDatagram{};
    d.bytes = {static_cast<const std::uint8_t*>(b.iov_[i].iov_base),
               std::min<std::size_t>(b.msgs_[i].msg_len, RxBatch::kSlotSize)};
    d.truncated = h.msg_flags & MSG_TRUNC;
    d.srcAddr = Ipv4(ntohl(b.names_[i].sin_addr.s_addr));
    d.srcPort = ntohs(b.names_[i].sin_port);
    d.ifIndex = iface_.index;
    for (cmsghdr* c = CMSG_FIRSTHDR(&h); c; c = CMSG_NXTHDR(&h, c)) {
      if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
        in_pktinfo pi;
        std::memcpy(&pi, CMSG_DATA(c), sizeof pi);
        d.dstAddr = Ipv4(ntohl(pi.ipi_addr.s_addr));
        d.ifIndex = pi.ipi_ifindex;
      } else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL) {
        std::uint32_t total;
        std::memcpy(&total, CMSG_DATA(c), sizeof total);
        pendingDrops_ += std::uint32_t(total - overflowSeen_);
        overflowSeen_ = total;
      }
    }
  }
  b.count_ = std::size_t(n);
  return std::size_t(n);
}

std::uint64_t DhcpSocket::takeKernelDrops() noexcept {
  auto d = pendingDrops_;
  pendingDrops_ = 0;
  return d;
}

std::size_t DhcpSocket::sendOn(int fd, std::span<const UdpOut> out) noexcept {
  return sendmmsgBatches<sockaddr_in>(fd, out, MSG_DONTWAIT, [](const UdpOut& o, sockaddr_in& a) {
    a.sin_family = AF_INET;
    a.sin_port = htons(o.port);
    a.sin_addr.s_addr = htonl(o.addr.value);
  });
}

}  // namespace tandem::net
