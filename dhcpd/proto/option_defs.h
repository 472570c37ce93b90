#pragma once
// Option definitions (RFC 2132 and later) so option-data can be given by name or code with
// text data, as in Kea's config ("routers": "198.18.0.1, 198.18.0.2").
#include <cstdint>
#include <span>
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
  // Added by the codec (only as record fields or for the options that need them):
  Int8, Int16,
  Ipv6Address,      // e.g. the 6rd prefix in option-6rd (RFC 5969)
  ClasslessRoutes,  // RFC 3442: "198.18.0.0/15 - 198.18.0.1, 0.0.0.0/0 - 198.18.0.1"
};

struct OptionDef {
  std::uint8_t code = 0;
  std::string_view name;        // Kea's name, e.g. "domain-name-servers"
  OptionType type = OptionType::Binary;
  bool array = false;
  // For Record: the field types in wire order; with array=true the last field repeats
  // (Kea's record-array semantics, e.g. option-6rd's border relays).
  std::span<const OptionType> recordFields{};
};

// Every standard definition, in code order (for listing / documentation).
std::span<const OptionDef> standardOptionDefs() noexcept;
std::string_view toString(OptionType t) noexcept;  // Kea's type names ("ipv4-address", ...)

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

// A list of names, appended to `out`. With compress=true repeated suffixes become RFC 1035
// section 4.1.4 pointers, offsets counted from the start of `out` as RFC 3397 section 2
// requires (the option data after RFC 3396 concatenation).
[[nodiscard]] Result<void> encodeDomainList(std::span<const std::string_view> names, bool compress,
                                            std::vector<std::uint8_t>& out);

}  // namespace tandem::proto
