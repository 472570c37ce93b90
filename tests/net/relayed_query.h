#pragma once
// The query the pipeline, packet loop and packet worker tests send: a BOOTREQUEST relayed
// through `giaddr` (hops 1, as perfdhcp and a relay agent send it; RFC 2131 4.1: the server
// answers the relay), from chaddr 02:00:00:00:<chaddr4>:<macLast>, with xid xidBase + macLast.
#include <cstdint>

#include "dhcpd/common/ipv4.h"
#include "dhcpd/proto/packet4.h"

namespace tandem::net::testing {

inline proto::Packet4 relayedQuery(proto::MessageType t, std::uint8_t macLast, Ipv4 giaddr, std::uint32_t xidBase,
                                   std::uint8_t chaddr4 = 0) {
  proto::Packet4 q;
  q.op = proto::Packet4::kBootRequest;
  q.xid = xidBase + macLast;
  q.chaddr = {0x02, 0, 0, 0, chaddr4, macLast};
  q.giaddr = giaddr;
  q.hops = 1;
  q.set(proto::opt::kMessageType, {std::uint8_t(t)});
  return q;
}

}  // namespace tandem::net::testing
