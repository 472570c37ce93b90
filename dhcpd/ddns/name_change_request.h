#pragma once
// Kea's NameChangeRequest (src/lib/dhcp_ddns/ncr_msg.h): what kea-dhcp4 asks kea-dhcp-ddns to
// do in DNS, in Kea's JSON format, and the DHCID of RFC 4701 that ties a name to a client.
// Pure: no sockets (dhcpd/net/ncr_sender sends them).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dhcpd/common/ipv4.h"
#include "dhcpd/lease/lease.h"

namespace tandem::ddns {

enum class ChangeType : std::uint8_t { Add = 0, Remove = 1 };  // Kea's CHG_ADD, CHG_REMOVE

struct NameChangeRequest {
  ChangeType type = ChangeType::Add;
  bool forward = false, reverse = false;
  std::string fqdn;  // absolute, Kea's dns::Name text form ("host.example.org.")
  Ipv4 address;
  std::vector<std::uint8_t> dhcid;    // RFC 4701 3.3: identifier type, digest type, digest
  std::int64_t leaseExpiresOn = 0;    // epoch seconds: cltt + TTL
  std::uint32_t leaseLength = 0;      // the DNS TTL
  bool useConflictResolution = true;  // ddns-use-conflict-resolution of the lease's subnet

  // Kea's NameChangeRequest::toJSON, byte for byte: {"change-type":0,"forward-change":true,...}
  std::string toJson() const;
  // Kea's toFormat(FMT_JSON): a 2-byte big-endian length, then the JSON (one UDP datagram).
  std::vector<std::uint8_t> toWire() const;
};

// RFC 4701 section 3.3 with SHA-256 (digest type 1): identifier type 1 and the client
// identifier (option 61, as sent) when the lease has one, else type 0 and htype + chaddr;
// the digest is over the identifier and the name in lower-case canonical wire form.
// nullopt when the name is no valid domain name (Kea then sends nothing).
std::optional<std::vector<std::uint8_t>> dhcidFor(const Lease& lease, const std::string& fqdn);

// Kea 2.2's calculateDdnsTtl (RFC 4702 section 5): a third of the lease time, 10 minutes at least.
std::uint32_t ddnsTtl(std::uint32_t validLifetime) noexcept;

// Kea's queueNCR for a lease: none when the lease has no host name or neither direction
// to update, or the name is no valid domain name.
std::optional<NameChangeRequest> requestFor(ChangeType type, const Lease& lease, bool useConflictResolution);

// "YYYYMMDDHHMMSS" in UTC (Kea's timeToText64 as used for lease-expires-on).
std::string ncrTimeText(std::int64_t epochSeconds);

}  // namespace tandem::ddns
