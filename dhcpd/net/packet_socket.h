#pragma once
// Link-layer unicast for clients that have no IP address yet (RFC 2131 4.1: the reply goes
// to yiaddr at chaddr, and the server must not rely on ARP). An AF_PACKET/SOCK_DGRAM
// socket lets the kernel add the Ethernet header for the destination MAC we give it; we
// build the IPv4 and UDP headers ourselves.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "dhcpd/common/hw_addr.h"
#include "dhcpd/common/ipv4.h"
#include "dhcpd/common/result.h"

namespace tandem::net {

inline constexpr std::size_t kIpv4UdpHeaderSize = 20 + 8;

// Writes an IPv4 header (RFC 791, no options, DF clear, TTL 64) and a UDP header (RFC 768,
// checksum over the pseudo-header) followed by payload into `out`. Returns the frame size,
// or 0 when `out` is too small or the payload too large for one datagram.
std::size_t buildIpv4Udp(std::span<std::uint8_t> out, Ipv4 src, std::uint16_t srcPort, Ipv4 dst, std::uint16_t dstPort,
                         std::span<const std::uint8_t> payload) noexcept;

// RFC 1071 Internet checksum of `data` folded with `initial` (a partial sum).
std::uint16_t internetChecksum(std::span<const std::uint8_t> data, std::uint32_t initial = 0) noexcept;

class PacketSocket {
 public:
  struct Frame {
    int ifIndex = 0;
    HwAddr mac;
    std::vector<std::uint8_t> bytes;  // IPv4 packet (buildIpv4Udp output)
  };

  PacketSocket() = default;
  ~PacketSocket();
  PacketSocket(PacketSocket&& o) noexcept;
  PacketSocket& operator=(PacketSocket&& o) noexcept;
  PacketSocket(const PacketSocket&) = delete;
  PacketSocket& operator=(const PacketSocket&) = delete;

  // Send-only socket (protocol 0: the kernel delivers nothing to it). Needs CAP_NET_RAW.
  static Result<PacketSocket> open();
  bool isOpen() const noexcept { return fd_ >= 0; }

  // Sends frames with sendmmsg; returns how many the kernel accepted.
  std::size_t send(std::span<const Frame> frames) noexcept;

 private:
  int fd_ = -1;
};

}  // namespace tandem::net
