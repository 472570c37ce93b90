#include "dhcpd/net/reply_route.h"

#include <span>

namespace tandem::net {

std::string_view toString(Destination::Kind k) noexcept {
  switch (k) {
    case Destination::Kind::Udp: return "udp";
    case Destination::Kind::Broadcast: return "broadcast";
    case Destination::Kind::L2Unicast: return "l2-unicast";
  }
  return "?";
}

Destination replyDestination(const proto::Packet4& query, const proto::Packet4& reply, ReplyPorts ports,
                             Ipv4 querySource) noexcept {
  const Destination broadcast{Destination::Kind::Broadcast, Ipv4::broadcast(), ports.client, {}};
  // A client address of 255.255.255.255 can only be reached by broadcast.
  auto toClient = [&](Ipv4 a) {
    return a == Ipv4::broadcast() ? broadcast : Destination{Destination::Kind::Udp, a, ports.client, {}};
  };
  if (query.messageType() == proto::MessageType::Inform) {
    // Kea 2.2 (Dhcpv4Srv::adjustRemoteAddr): an INFORM is answered at ciaddr even when it
    // came through a relay; without ciaddr through the relay, else to its source address.
    if (!query.ciaddr.isZero()) return toClient(query.ciaddr);
    if (!query.giaddr.isZero()) return Destination{Destination::Kind::Udp, query.giaddr, ports.server, {}};
    return querySource.isZero() ? broadcast : toClient(querySource);
  }
  if (!query.giaddr.isZero()) {
    return Destination{Destination::Kind::Udp, query.giaddr, ports.server, {}};
  }
  // Kea 2.2 answers a client that gave its address there, a NAK included.
  if (!query.ciaddr.isZero()) return toClient(query.ciaddr);
  if (reply.messageType() == proto::MessageType::Nak) return broadcast;
  if (query.broadcastFlag()) return broadcast;
  // Ethernet framing needs a 6-byte MAC; anything else (htype != 1, hlen != 6) falls back
  // to broadcast rather than guessing a link-layer address.
  if (reply.yiaddr.isZero() || query.htype != 1 || query.hlen != 6) return broadcast;
  return Destination{Destination::Kind::L2Unicast, reply.yiaddr, ports.client,
                     HwAddr::fromBytes(std::span<const std::uint8_t>(query.chaddr.data(), 6))};
}

}  // namespace tandem::net
