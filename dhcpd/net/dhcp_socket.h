#pragma once
// One UDP socket per served interface, bound to the server port with SO_BINDTODEVICE.
// Broadcasts from clients without an address reach it like any datagram; IP_PKTINFO says
// where each one was sent, SO_RXQ_OVFL how many the kernel dropped because we were behind.
// Batches: recvmmsg/sendmmsg, so a busy server makes one system call per batch.
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include <sys/socket.h>
#include <netinet/in.h>

#include "dhcpd/common/ipv4.h"
#include "dhcpd/common/result.h"
#include "dhcpd/net/interface_table.h"

namespace tandem::net {

struct RxDatagram {
  std::span<const std::uint8_t> bytes;
  Ipv4 srcAddr;
  std::uint16_t srcPort = 0;
  Ipv4 dstAddr;  // IP header destination (255.255.255.255 for broadcasts)
  int ifIndex = 0;
  bool truncated = false;  // larger than the receive slot: not a valid DHCP message for us
};

// Reusable receive buffers for one recvmmsg call.
class RxBatch {
 public:
  static constexpr std::size_t kSlots = 64;
  static constexpr std::size_t kSlotSize = 4096;

  RxBatch();
  std::size_t size() const noexcept { return count_; }
  const RxDatagram& operator[](std::size_t i) const noexcept { return datagrams_[i]; }

 private:
  friend class DhcpSocket;
  static constexpr std::size_t kControlSize = 128;
  std::vector<std::uint8_t> buffers_;
  std::array<mmsghdr, kSlots> msgs_{};
  std::array<iovec, kSlots> iov_{};
  std::array<sockaddr_in, kSlots> names_{};
  std::array<std::array<std::uint8_t, kControlSize>, kSlots> control_{};
  std::array<RxDatagram, kSlots> datagrams_{};
  std::size_t count_ = 0;
};

struct UdpOut {
  Ipv4 addr;
  std::uint16_t port = 0;
  std::vector<std::uint8_t> bytes;
};

class DhcpSocket {
 public:
  DhcpSocket() = default;
  ~DhcpSocket();
  DhcpSocket(DhcpSocket&& o) noexcept;
  DhcpSocket& operator=(DhcpSocket&& o) noexcept;
  DhcpSocket(const DhcpSocket&) = delete;
  DhcpSocket& operator=(const DhcpSocket&) = delete;

  // Non-blocking UDP socket on 0.0.0.0:port bound to iface (SO_BINDTODEVICE needs
  // CAP_NET_RAW); iface.index == 0 means not bound to a device (tests on loopback).
  static Result<DhcpSocket> open(const ServedInterface& iface, std::uint16_t port, int receiveBufferBytes = 4 << 20);

  int fd() const noexcept { return fd_; }
  const ServedInterface& interface() const noexcept { return iface_; }

  // Fills the batch with what is queued (up to kSlots), without blocking. Returns the count
  // (0 when nothing is queued) or an error (the socket is unusable).
  Result<std::size_t> receive(RxBatch& batch) noexcept;
  // Kernel drops (socket buffer full) since the previous call.
  std::uint64_t takeKernelDrops() noexcept;
  // Sends with sendmmsg; returns how many datagrams the kernel accepted.
  std::size_t send(std::span<const UdpOut> out) noexcept { return sendOn(fd_, out); }
  // The same on any descriptor of such a socket (a packet worker's dup() of it: sendmmsg on
  // one socket from several threads is safe, and the dup keeps it open across a reopen).
  static std::size_t sendOn(int fd, std::span<const UdpOut> out) noexcept;

 private:
  int fd_ = -1;
  ServedInterface iface_;
  std::uint32_t overflowSeen_ = 0;  // last SO_RXQ_OVFL value (cumulative, wraps)
  std::uint64_t pendingDrops_ = 0;
};

}  // namespace tandem::net
