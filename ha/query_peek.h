#pragma once
// What the scope filter needs from a DHCPv4 query, read straight from its bytes: the message
// type (option 53), the client identifier (option 61) and chaddr, as views into the datagram,
// without decoding it (no Packet4, no option list, no allocation).
//
// Why: in load-balancing both peers receive every broadcast DISCOVER and REQUEST (the relay or
// the link delivers them to both) and each drops the half that hashes to its partner's scope
// (RFC 3074, reference/ha-protocol.md 5). Kea 2.2 unpacks such a query in its buffer4_receive
// callout before it hashes it; the peer that drops it needs no more than the hash key, so
// tandemd reads only that and leaves the decoding to the partner, which serves the client.
//
// Conservative: anything the full decoder (proto::decode) would read differently gives
// nullopt, and the caller then takes the ordinary path (decode, ScopeFilter::classify): no
// magic cookie, no or empty option 53, option 53 or 61 more than once (RFC 3396 would join
// the instances), option overload (52: more options in sname/file), a datagram shorter than
// the fixed header. The option framing follows the decoder's (pad, end, a truncated last
// option ends the area); the contents of the other options are not checked, so a partner's
// client whose query carries a malformed option is counted as not for us rather than as a
// parse failure: both are a pkt4-receive-drop.
//
// Pure: no I/O, no clock.
#include <cstdint>
#include <optional>
#include <span>

#include "ha/scope_filter.h"

namespace tandem::ha {

std::optional<QueryView> peekQuery(std::span<const std::uint8_t> wire) noexcept;

}  // namespace tandem::ha
