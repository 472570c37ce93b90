#pragma once
// DHCPv4 message (RFC 2131 section 2, RFC 2132 options). Pure data + codec, no I/O.
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "dhcpd/common/hw_addr.h"
#include "dhcpd/common/ipv4.h"
#include "dhcpd/common/result.h"

namespace tandem::proto {

enum class MessageType : std::uint8_t {
  Discover = 1,
  Offer = 2,
  Request = 3,
  Decline = 4,
  Ack = 5,
  Nak = 6,
  Release = 7,
  Inform = 8,
};
std::string_view toString(MessageType t) noexcept;

// Option codes used by name in the code (RFC 2132 unless noted).
namespace opt {
inline constexpr std::uint8_t kPad = 0, kSubnetMask = 1, kRouters = 3, kDomainNameServers = 6, kHostName = 12,
                              kDomainName = 15, kBroadcastAddress = 28, kRequestedAddress = 50, kLeaseTime = 51,
                              kOverload = 52, kMessageType = 53, kServerId = 54, kParameterRequestList = 55,
                              kMessage = 56, kMaxMessageSize = 57, kRenewalTime = 58, kRebindingTime = 59,
                              kVendorClassId = 60, kClientId = 61, kClientFqdn = 81 /* RFC 4702 */,
                              kRelayAgentInfo = 82 /* RFC 3046 */, kDomainSearch = 119 /* RFC 3397 */, kEnd = 255;
}

enum class CodecError : int {
  Truncated = 1,    // shorter than the 236-byte fixed header + cookie
  BadMagicCookie,   // not 99.130.83.99 (RFC 2131 section 3)
  BadOptionLength,  // an option's length does not fit its standard definition (Kea 2.2)
  NoMessageType,    // no option 53 (RFC 2132 9.6): not DHCP (BOOTP only)
  BadClientFqdn,    // option 81 Kea cannot parse (RFC 4702: truncated, N and S set, bad name)
};
std::string_view toString(CodecError e) noexcept;

struct Option {
  std::uint8_t code = 0;
  std::vector<std::uint8_t> data;
};

struct Packet4 {
  static constexpr std::uint8_t kBootRequest = 1, kBootReply = 2;
  static constexpr std::uint16_t kBroadcastFlag = 0x8000;

  std::uint8_t op = kBootRequest;
  std::uint8_t htype = 1;
  std::uint8_t hlen = 6;
  std::uint8_t hops = 0;
  std::uint32_t xid = 0;
  std::uint16_t secs = 0;
  std::uint16_t flags = 0;
  Ipv4 ciaddr, yiaddr, siaddr, giaddr;
  std::array<std::uint8_t, 16> chaddr{};
  std::array<std::uint8_t, 64> sname{};
  std::array<std::uint8_t, 128> file{};
  // Options in wire order; options split into several instances (RFC 3396) are concatenated
  // into one entry by decode(). Pad and End are never stored.
  std::vector<Option> options;

  const Option* find(std::uint8_t code) const noexcept;
  Option* find(std::uint8_t code) noexcept;
  // Adds or replaces the option's data.
  void set(std::uint8_t code, std::vector<std::uint8_t> data);
  void remove(std::uint8_t code);

  std::optional<MessageType> messageType() const noexcept;
  HwAddr hwAddr() const noexcept;                                // htype + chaddr[0..hlen)
  std::optional<Ipv4> requestedAddress() const noexcept;         // option 50
  std::optional<Ipv4> serverId() const noexcept;                 // option 54
  std::optional<std::vector<std::uint8_t>> clientId() const;     // option 61 bytes
  std::optional<std::uint16_t> maxMessageSize() const noexcept;  // option 57
  std::vector<std::uint8_t> parameterRequestList() const;        // option 55
  bool broadcastFlag() const noexcept { return flags & kBroadcastFlag; }
};

// Decodes a BOOTP/DHCP message. Never throws; every malformed input is a CodecError.
// Options in sname/file are honoured when option 52 (overload) asks for it.
// What is kept and what fails follows Kea 2.2 (Pkt4::unpack, LibDHCP::unpackOptions4), so that
// tandemd serves and drops the same queries:
//  - tolerated: any op (the message type decides), any hlen (above 16 read as 16); no End
//    when the last option ends exactly at the end of its area; an option whose header or data
//    runs past the end of its area (it and the rest of the area are ignored); bytes after End;
//    an empty host name (12, skipped); longer fixed-size options (the first octets are read:
//    option 53 of 2 octets, option 54 of 5); option 52 with a value outside 1..3 or found in
//    sname/file (ignored, RFC 2131 4.1 says it must be in options);
//  - rejected: an option too short or of the wrong length for its standard definition
//    (BadOptionLength: a 3-octet option 50 or 51, an empty 55, an odd 93; see checkOption in
//    packet4.cpp), a bad cookie, no option 53.
// Overloaded areas are consumed: option 52 is not stored and sname/file are zeroed, so the
// decoded packet re-encodes (without overload) to the same options.
[[nodiscard]] Result<Packet4> decode(std::span<const std::uint8_t> wire) noexcept;

// Encodes without option overload: options go in the options field only, in the order
// stored, with option 53 first and End last, padded to the 300-byte BOOTP minimum
// (RFC 1542 section 3.3 / RFC 2131). Options longer than 255 bytes are split (RFC 3396).
// If the result would exceed maxSize (RFC 2132 9.10, at least 576), options are dropped
// from the end (never 53, 54, 1, 51) until it fits; dropped codes are reported.
// maxSize is the IP datagram size as ISC dhcpd and the RFC 2131 section 2 arithmetic
// (576 - 20 IP - 8 UDP = 236 + 4 + 312) read it, so the DHCP payload stays within
// max(maxSize, 576) - 28 bytes. Option 52 and stored Pad/End codes are never written.
struct EncodeResult {
  std::vector<std::uint8_t> bytes;
  std::vector<std::uint8_t> droppedOptions;
};
EncodeResult encode(const Packet4& p, std::size_t maxSize = 1500);

// One line for logs: "DHCPDISCOVER xid=0x1234abcd hw=aa:bb:.. ciaddr=.. giaddr=..".
std::string summary(const Packet4& p);

// Helpers to build option payloads.
std::vector<std::uint8_t> u32Bytes(std::uint32_t v);
std::vector<std::uint8_t> ipBytes(Ipv4 a);
std::vector<std::uint8_t> ipListBytes(std::span<const Ipv4> list);

}  // namespace tandem::proto
