#pragma once
// Options inside options: the sub-options of an encapsulated space (RFC 2132 section 8.4
// option 43, custom "encapsulate" spaces) and the vendor blocks of option 125 (RFC 3925
// section 4), packed and parsed as Kea 2.2 does.
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "dhcpd/proto/packet4.h"

namespace tandem::proto {

// Code/length/data triples up to the end of the buffer. As Kea's unpackOptions4 for a space
// other than dhcp4, parsing stops silently at the first truncated sub-option.
std::vector<Option> unpackSubOptions(std::span<const std::uint8_t> data);

// Appends the sub-options in ascending code order (Kea keeps them in a map by code), each
// as code, length, data; repeated codes keep their relative order.
void packSubOptions(std::vector<Option> subs, std::vector<std::uint8_t>& out);

// One enterprise block of option 125: enterprise number, then data-len and sub-options.
struct VendorBlock {
  std::uint32_t enterprise = 0;
  std::vector<Option> subs;
};

// The first block of an option 125 payload, as Kea's unpackVendorOptions4 reads it: the
// enterprise number, the data-len byte, sub-options that must fit within data-len exactly.
// Bytes after the first block are ignored; a truncated block or sub-option makes the whole
// option unusable (nullopt), as Kea then skips it.
std::optional<VendorBlock> parseVendorBlock(std::span<const std::uint8_t> payload);

// enterprise number, data-len, sub-options in code order.
std::vector<std::uint8_t> packVendorBlock(const VendorBlock& block);

}  // namespace tandem::proto
