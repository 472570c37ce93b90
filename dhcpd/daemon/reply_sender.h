#pragma once
// Sends a batch of ready replies: one sendmmsg per interface, and link-layer unicast frames
// through the packet socket for clients without an address yet (RFC 2131 4.1). The packet
// loop and each packet worker have their own (scratch buffers, packet socket), so that
// workers send in parallel on the same UDP sockets (sendmmsg on one socket from several
// threads is safe).
#include <cstdint>
#include <span>
#include <vector>

#include "dhcpd/common/result.h"
#include "dhcpd/net/dhcp_pipeline.h"
#include "dhcpd/net/dhcp_socket.h"
#include "dhcpd/net/packet_socket.h"

namespace tandem::daemon {

// A UDP socket serving one interface, as the sender sees it.
struct SendSocket {
  int ifIndex = 0;
  int fd = -1;
};

class ReplySender {
 public:
  // Needs CAP_NET_RAW; without it link-layer unicasts fall back to broadcast.
  Result<void> openPacketSocket();
  bool hasPacketSocket() const noexcept { return l2_.isOpen(); }

  struct Sent {
    std::uint64_t calls = 0;      // sendmmsg batches
    std::uint64_t datagrams = 0;  // UDP datagrams handed to them
  };
  // Sends and empties `ready`, counting each reply in the pipeline's statistics. A reply
  // leaves by the socket of the interface its query came in on (the first one if that is gone).
  Sent send(std::vector<net::Outgoing>& ready, std::span<const SendSocket> sockets, net::DhcpPipeline& pipeline,
            std::uint16_t serverPort);

 private:
  net::PacketSocket l2_;
  std::vector<net::UdpOut> udpOut_;
  std::vector<net::PacketSocket::Frame> frames_;
};

}  // namespace tandem::daemon
