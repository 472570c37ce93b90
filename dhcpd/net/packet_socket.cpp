#include "dhcpd/net/packet_socket.h"

#include <cerrno>
#include <cstring>

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dhcpd/net/mmsg_send.h"

namespace tandem::net {
namespace {

void put16(std::uint8_t* p, std::uint16_t v) noexcept {
  p[0] = std::uint8_t(v >> 8);
  p[1] = std::uint8_t(v);
}
void put32(std::uint8_t* p, std::uint32_t v) noexcept {
  p[0] = std::uint8_t(v >> 24);
  p[1] = std::uint8_t(v >> 16);
  p[2] = std::uint8_t(v >> 8);
  p[3] = std::uint8_t(v);
}

std::uint32_t sum16(std::span<const std::uint8_t> data, std::uint32_t acc) noexcept {
  std::size_t i = 0;
  for (; i + 1 < data.size(); i += 2) acc += (std::uint32_t(data[i]) << 8) | data[i + 1];
  if (i < data.size()) acc += std::uint32_t(data[i]) << 8;  // odd length: pad with zero
  return acc;
}

std::uint16_t fold(std::uint32_t acc) noexcept {
  while (acc >> 16) acc = (acc & 0xffff) + (acc >> 16);
  return std::uint16_t(~acc);
}

}  // namespace

std::uint16_t internetChecksum(std::span<const std::uint8_t> data, std::uint32_t initial) noexcept {
  return fold(sum16(data, initial));
}

std::size_t buildIpv4Udp(std::span<std::uint8_t> out, Ipv4 src, std::uint16_t srcPort, Ipv4 dst, std::uint16_t dstPort,
                         std::span<const std::uint8_t> payload) noexcept {
  const std::size_t total = kIpv4UdpHeaderSize + payload.size();
  if (total > 0xffff || out.size() < total) return 0;
  std::uint8_t* ip = out.data();
  std::uint8_t* udp = ip + 20;
  ip[0] = 0x45;  // version 4, IHL 5
  ip[1] = 0x10;  // DSCP/ECN: low delay, as dhcpd and Kea send
  put16(ip + 2, std::uint16_t(total));
  put16(ip + 4, 0);  // identification: unfragmented datagram
  put16(ip + 6, 0);  // flags/fragment offset
  ip[8] = 64;        // TTL
  ip[9] = 17;        // UDP
  put16(ip + 10, 0);
  put32(ip + 12, src.value);
  put32(ip + 16, dst.value);
  put16(ip + 10, internetChecksum({ip, 20}));

  const std::uint16_t udpLen = std::uint16_t(8 + payload.size());
  put16(udp, srcPort);
  put16(udp + 2, dstPort);
  put16(udp + 4, udpLen);
  put16(udp + 6, 0);
  std::memcpy(udp + 8, payload.data(), payload.size());
  // RFC 768 pseudo-header: src, dst, zero, protocol, UDP length.
  std::uint32_t acc =
      (src.value >> 16) + (src.value & 0xffff) + (dst.value >> 16) + (dst.value & 0xffff) + 17u + udpLen;
  std::uint16_t ck = fold(sum16({udp, udpLen}, acc));
  if (ck == 0) ck = 0xffff;  // 0 means "no checksum" in UDP over IPv4
  put16(udp + 6, ck);
  return total;
}

PacketSocket::~PacketSocket() {
  if (fd_ >= 0) ::close(fd_);
}

PacketSocket::PacketSocket(PacketSocket&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }

PacketSocket& PacketSocket::operator=(PacketSocket&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.fd_;
    o.fd_ = -1;
  }
  return *this;
}

Result<PacketSocket> PacketSocket::open() {
  int fd = ::socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return makeError(std::string("packet socket: ") + std::strerror(errno), errno);
  PacketSocket s;
  s.fd_ = fd;
  return s;
}

std::size_t PacketSocket::send(std::span<const Frame> frames) noexcept {
  return sendmmsgBatches<sockaddr_ll>(fd_, frames, 0, [](const Frame& f, sockaddr_ll& a) {
    a.sll_family = AF_PACKET;
    a.sll_protocol = htons(ETH_P_IP);
    a.sll_ifindex = f.ifIndex;
    a.sll_halen = 6;
    std::memcpy(a.sll_addr, f.mac.bytes.data(), 6);
  });
}

}  // namespace tandem::net
