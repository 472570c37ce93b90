#pragma once
// Where a server reply goes (RFC 2131 section 4.1, "Constructing and sending DHCP messages").
// Pure: the query and the reply in, a destination out; the socket layer carries it out.
#include <cstdint>
#include <string_view>

#include "dhcpd/common/hw_addr.h"
#include "dhcpd/common/ipv4.h"
#include "dhcpd/proto/packet4.h"

namespace tandem::net {

struct Destination {
  enum class Kind : std::uint8_t {
    Udp,        // ordinary unicast datagram (relay, or a client that has an address)
    Broadcast,  // 255.255.255.255 on the receiving interface
    L2Unicast,  // IP unicast to yiaddr framed for chaddr: the client has no address yet,
                // so nobody may ARP for it (RFC 2131 4.1); needs a packet socket
  };
  Kind kind = Kind::Udp;
  Ipv4 addr;
  std::uint16_t port = 0;
  HwAddr mac;  // L2Unicast only

  bool operator==(const Destination&) const = default;
};
std::string_view toString(Destination::Kind k) noexcept;

struct ReplyPorts {
  std::uint16_t server = 67;  // relays listen on the server port (RFC 2131 4.1)
  std::uint16_t client = 68;
};

// The rules (Kea 2.2's Dhcpv4Srv::adjustRemoteAddr), first match wins:
//  DHCPINFORM: ciaddr != 0: unicast to ciaddr, client port (even when relayed; the engine
//     clears giaddr then); giaddr != 0: the relay, server port; else the query's source
//     address (querySource), client port.
//  1. giaddr != 0: unicast to the relay at giaddr, server port (NAKs too: the relay
//     broadcasts them on the client's segment, RFC 2131 4.3.2).
//  2. ciaddr != 0: unicast to ciaddr (RENEWING/REBINDING, and a NAK to such a client).
//  3. DHCPNAK: broadcast to the client port.
//  4. broadcast flag set by the client: broadcast.
//  5. otherwise unicast to yiaddr at chaddr; when that cannot be framed (no yiaddr, or a
//     hardware address that is not 6-byte Ethernet) broadcast instead, which every
//     client accepts.
// A client address of 255.255.255.255 (ciaddr or source) is a broadcast.
[[nodiscard]] Destination replyDestination(const proto::Packet4& query, const proto::Packet4& reply,
                                           ReplyPorts ports = {}, Ipv4 querySource = {}) noexcept;

}  // namespace tandem::net
