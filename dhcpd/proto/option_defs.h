#pragma once
// Option definitions (RFC 2132 and later) so option-data can be given by name or code with
// text data, as in Kea's config ("routers": "198.18.0.1, 198.18.0.2").
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dhcpd/common/result.h"

namespace tandem::proto {

enum class OptionType : std::uint8_t {
  Empty,       // flag option, no payload
  Binary,      // hex string
  String,      // text
  Fqdn,        // one domain name, wire form as RFC 1035 labels
  FqdnList,    // RFC 3397 domain search list (labels, compression allowed but not required)
  Ipv4Address, // one address
  Ipv4List,    // comma separated addresses
  Ipv4Pairs,   // e.g. policy-filter, static-routes: list of address pairs
  Uint8, Uint16, Uint32, Int32, Boolean,
  Uint8List, Uint16List,
  Record,      // fixed sequence of fields (recordFields)
};

struct OptionDef {
  std::uint8_t code = 0;
  std::string_view name;        // Kea's name, e.g. "domain-name-servers"
  OptionType type = OptionType::Binary;
  bool array = false;
};

// Lookup in the standard "dhcp4" space; nullptr when unknown.
const OptionDef* findOptionDef(std::string_view name) noexcept;
const OptionDef* findOptionDef(std::uint8_t code) noexcept;

// Converts Kea option-data text into the option payload.
// csvFormat=true: `data` is the comma separated text form for the definition's type;
// csvFormat=false: `data` is hex (with or without colons/spaces, optional 0x prefix).
// An unknown code with csvFormat=true is an error; with csvFormat=false it is binary.
[[nodiscard]] Result<std::vector<std::uint8_t>> encodeOptionData(const OptionDef* def, std::string_view data,
                                                                 bool csvFormat);

// RFC 1035 section 3.1 label encoding of one name ("example.com" -> 7example3com0).
[[nodiscard]] Result<std::vector<std::uint8_t>> encodeDomainName(std::string_view name);

}  // namespace tandem::proto
