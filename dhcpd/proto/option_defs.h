#pragma once
// Option definitions and Kea 2.2's option-data text forms. A definition says how the text of
// an option-data entry ("routers": "198.18.0.1, 198.18.0.2") becomes the option payload; the
// standard ones are Kea 2.2's (kea-dhcp4 2.2.0, checked code by code with `kea-dhcp4 -t`),
// custom ones come from "option-def" (config/option_def_parser.cpp, proto/option_def_set.h).
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dhcpd/common/result.h"

namespace tandem::proto {

// Kea's option data types (the "type" and "record-types" values of option-def).
enum class OptionType : std::uint8_t {
  Empty,    // no payload of its own (a container of sub-options, or a flag)
  Binary,   // hex digits
  Boolean,  // one byte 0/1
  Int8,
  Int16,
  Int32,
  Uint8,
  Uint16,
  Uint32,
  Ipv4Address,
  Ipv6Address,
  Ipv6Prefix,  // prefix length byte, then the significant bytes of the prefix
  Psid,        // RFC 7597 PSID: length byte, then the 16-bit PSID left-aligned
  Record,      // a sequence of the definition's record fields
  String,      // text
  Tuple,       // one length byte, then text (RFC 3925 style)
  Fqdn,        // RFC 1035 section 3.1 labels, not compressed
};

struct OptionDef {
  std::uint8_t code = 0;
  std::string name;  // Kea's name, e.g. "domain-name-servers"
  std::string space = "dhcp4";
  OptionType type = OptionType::Binary;
  bool array = false;
  // For Record: the field types in wire order. With array=true the last field repeats, as in
  // Kea (option-6rd's border relays, slp-directory-agent's addresses).
  std::vector<OptionType> recordFields;
  std::string encapsulate;  // option space carried after the option's own data, "" = none
};

// The standard space names of Kea 2.2 used for DHCPv4.
inline constexpr std::string_view kDhcp4Space = "dhcp4";
inline constexpr std::string_view kVendorEncapsulatedSpace = "vendor-encapsulated-options-space";
inline constexpr std::string_view kAgentSpace = "dhcp-agent-options-space";
inline constexpr std::uint32_t kCableLabsEnterprise = 4491;  // DOCSIS ("vendor-4491")

// Kea's standard definitions of a space: "dhcp4" (in code order), the relay agent sub-options
// (RFC 3046 and later) of "dhcp-agent-options-space", and DOCSIS 3's "vendor-4491"; empty
// for any other space. vendor-encapsulated-options (43) is not among them: Kea keeps it as a
// last-resort definition (see findOptionDef) that an option-def may replace.
std::span<const OptionDef> standardOptionDefs(std::string_view space = kDhcp4Space);

// Lookup among the standard definitions of a space (dhcp4 by default); option 43 by name or
// code finds its last-resort definition (empty, encapsulating
// "vendor-encapsulated-options-space"). nullptr when unknown.
const OptionDef* findOptionDef(std::string_view name) noexcept;
const OptionDef* findOptionDef(std::uint8_t code) noexcept;
const OptionDef* findStandardOptionDef(std::string_view space, std::string_view name) noexcept;
const OptionDef* findStandardOptionDef(std::string_view space, std::uint8_t code) noexcept;
// True when an option-def may not redefine this code/name of the space (Kea: "unable to
// override definition of option ... in standard option space"): a standard dhcp4 option,
// not option 43.
bool isStandardOption(std::string_view space, std::uint8_t code) noexcept;
bool isStandardOption(std::string_view space, std::string_view name) noexcept;

std::string_view toString(OptionType t) noexcept;  // Kea's names ("ipv4-address", ...)
std::optional<OptionType> parseOptionType(std::string_view name) noexcept;

// Kea's rules for option and space names: letters, digits, '-', '_' (and '.' inside a name);
// a name may not start or end with '-' or '_'... exactly as isc::dhcp::OptionSpace and
// OptionDefinition validate them.
bool isValidOptionName(std::string_view name) noexcept;
bool isValidSpaceName(std::string_view name) noexcept;
// "vendor-4491" -> 4491; nullopt for any other space name.
std::optional<std::uint32_t> vendorSpaceId(std::string_view space) noexcept;

// Converts the text of an option-data entry into the option's own payload (without the
// sub-options of an encapsulated space, which config adds per scope).
// csvFormat=true: Kea's comma separated values for the definition (values split on commas
// not escaped as "\,", blanks trimmed, empty values dropped; a single-valued type takes the
// first value; a record takes its fields in order and, if an array, repeats its last field).
// csvFormat=false: hex data (decodeHexData). Error messages are Kea's (the caller adds the
// "option data does not match option definition (...)" prefix and the JSON path).
[[nodiscard]] Result<std::vector<std::uint8_t>> encodeOptionData(const OptionDef* def, std::string_view data,
                                                                 bool csvFormat);

// Kea's csv-format false forms: "0a0b0c", "0x0a0b0c", "0a:0b:c", "0a 0b 0c"; an odd number of
// digits without separators gets a leading zero nibble. Error: "option data is not a valid
// string of hexadecimal digits: <data>".
[[nodiscard]] Result<std::vector<std::uint8_t>> decodeHexData(std::string_view data);

// RFC 1035 section 3.1 label encoding of one name ("example.com" -> 7example3com0), case kept.
[[nodiscard]] Result<std::vector<std::uint8_t>> encodeDomainName(std::string_view name);

}  // namespace tandem::proto
