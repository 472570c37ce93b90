#pragma once
// Which packet worker handles a DHCP datagram (issue 12, several cores).
//
// By the client's hardware address (chaddr), so that all of one client's packets go to one
// worker and are handled in the order they came (its DISCOVER before its REQUEST, a
// retransmission after the original). Not by the UDP 4-tuple, which SO_REUSEPORT hashes:
// every client on a link sends from 0.0.0.0:68 and every relayed packet from giaddr:67, so
// the 4-tuple would put a whole link or relay on one worker. Not by client-id (option 61)
// either: finding it means walking the options before the worker decodes them, and the
// answer's correctness does not depend on it (the workers allocate under one lock); a
// client changing chaddr under one client-id is rare and only loses the ordering.
#include <cstddef>
#include <cstdint>
#include <span>

namespace tandem::net {

// 0 .. workers-1. A datagram too short to carry chaddr (it fails decoding anyway) goes to 0;
// hlen beyond 16 counts as 16 (RFC 2131 2: chaddr is 16 octets).
std::size_t workerForDatagram(std::span<const std::uint8_t> dhcp, std::size_t workers) noexcept;

}  // namespace tandem::net
