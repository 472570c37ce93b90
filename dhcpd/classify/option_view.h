#pragma once
// How Kea 2.2 sees the options an expression reads: the sub-options of the options it
// unpacks as containers (82, 43, 125), option 124's data tuples, and an option's .text.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "dhcpd/proto/packet4.h"

namespace tandem::classify {

using Bytes = std::span<const std::uint8_t>;

// The first sub-option `code` of a sub-option area (1-byte code and length; 0 and 255 are
// codes like any other there). Kea stops at a truncated sub-option and keeps the earlier
// ones. Returns false when absent.
bool findSubOption(Bytes area, std::uint8_t code, Bytes& out) noexcept;

// Whether a top-level dhcp4 option holds sub-options in Kea (it unpacks it as a container):
// 82 (dhcp-agent-options-space), 43 (vendor-encapsulated-options-space).
bool hasSubOptions(std::uint8_t code) noexcept;

// Option 125 (RFC 3925 VIVSO) / 124 (VIVCO): Kea's OptionVendor / OptionVendorClass keep the
// first enterprise-id; sub-options come from the first enterprise's data, tuples from every
// enterprise block. False on a malformed option (Kea fails to unpack it: no option).
bool vendorOption(Bytes data, std::uint32_t& enterprise, Bytes& subOptions) noexcept;
bool vendorClassOption(Bytes data, std::uint32_t& enterprise) noexcept;
bool vendorClassTuple(Bytes data, std::size_t index, Bytes& tuple) noexcept;

// Kea's Option::toString() for an option of the dhcp4 space (`space` 0) or of the relay
// agent sub-option space (`space` 82): the text itself for string options (trailing NULs
// dropped, as OptionString does), "type=NNN, len=NNN: a.b.c.d (ipv4-address)" for one
// address (OptionCustom), "... a.b.c.d a.b.c.d" for address lists (Option4AddrLst),
// "... 3600 (uint32)" for integers (OptionInt), "... 1(uint8) 3(uint8)" for integer arrays
// (OptionIntArray), and Option::toText's generic "type=NNN, len=NNN: 01:02:03" otherwise
// (the forms checked against kea-dhcp4 2.2 by tests/difftest/scenarios/classify.py).
// Appends to out.
void optionText(int space, std::uint8_t code, Bytes data, std::string& out);

// Whether Kea shows the option as a string (OptionString): .text and .hex are then both the
// data without trailing NULs.
bool isStringOption(int space, std::uint8_t code) noexcept;

// The payload Kea re-packs for .hex: string options without trailing NULs, else the data.
Bytes optionHex(int space, std::uint8_t code, Bytes data) noexcept;

}  // namespace tandem::classify
