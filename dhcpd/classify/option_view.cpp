#include "dhcpd/classify/option_view.h"

#include <cstdio>

#include "dhcpd/proto/option_defs.h"

namespace tandem::classify {
namespace {

enum class Kind : std::uint8_t { Binary, String, Address };

// Kea's definitions that change .text / .hex: string and single-address options. Everything
// else Kea shows with the generic form.
Kind kindOf(int space, std::uint8_t code) noexcept {
  if (space == 82) {
    // dhcp-agent-options-space: link-selection (RFC 3527), subscriber-id (RFC 3993),
    // server-id-override (RFC 5107).
    if (code == 6) return Kind::String;
    if (code == 5 || code == 11) return Kind::Address;
    return Kind::Binary;
  }
  const proto::OptionDef* def = proto::findOptionDef(code);
  if (!def || def->array) return Kind::Binary;
  if (def->type == proto::OptionType::String) return Kind::String;
  if (def->type == proto::OptionType::Ipv4Address) return Kind::Address;
  return Kind::Binary;
}

Bytes trimNuls(Bytes b) noexcept {
  std::size_t n = b.size();
  while (n > 0 && b[n - 1] == 0) --n;
  return b.first(n);
}

std::uint32_t be32(const std::uint8_t* p) noexcept {
  return std::uint32_t(p[0]) << 24 | std::uint32_t(p[1]) << 16 | std::uint32_t(p[2]) << 8 | p[3];
}

}  // namespace

bool findSubOption(Bytes area, std::uint8_t code, Bytes& out) noexcept {
  std::size_t i = 0;
  while (i + 2 <= area.size()) {
    const std::uint8_t c = area[i];
    const std::size_t len = area[i + 1];
    if (i + 2 + len > area.size()) return false;  // truncated: Kea keeps what came before
    if (c == code) {
      out = area.subspan(i + 2, len);
      return true;
    }
    i += 2 + len;
  }
  return false;
}

bool hasSubOptions(std::uint8_t code) noexcept { return code == 82 || code == 43; }

bool vendorOption(Bytes data, std::uint32_t& enterprise, Bytes& subOptions) noexcept {
  if (data.size() < 5) return false;
  const std::size_t len = data[4];
  if (5 + len > data.size()) return false;
  enterprise = be32(data.data());
  subOptions = data.subspan(5, len);
  return true;
}

bool vendorClassOption(Bytes data, std::uint32_t& enterprise) noexcept {
  Bytes unused;
  if (data.size() < 4) return false;
  // Every tuple must be whole, else Kea fails to unpack the option.
  std::size_t i = 4;
  while (i < data.size()) {
    const std::size_t len = data[i];
    if (i + 1 + len > data.size()) return false;
    i += 1 + len;
    if (i != data.size()) i += 4;  // the next block's enterprise-id
  }
  if (i != data.size()) return false;
  enterprise = be32(data.data());
  return true;
}

bool vendorClassTuple(Bytes data, std::size_t index, Bytes& tuple) noexcept {
  std::size_t i = 4, n = 0;
  while (i < data.size()) {
    const std::size_t len = data[i];
    if (i + 1 + len > data.size()) return false;
    if (n++ == index) {
      tuple = data.subspan(i + 1, len);
      return true;
    }
    i += 1 + len;
    if (i != data.size()) i += 4;
  }
  return false;
}

void optionText(int space, std::uint8_t code, Bytes data, std::string& out) {
  const Kind k = kindOf(space, code);
  if (k == Kind::String) {
    const Bytes t = trimNuls(data);
    out.append(reinterpret_cast<const char*>(t.data()), t.size());
    return;
  }
  char head[32];
  std::snprintf(head, sizeof head, "type=%03u, len=%03zu:", unsigned(code), data.size());
  out += head;
  if (k == Kind::Address && data.size() == 4) {
    char addr[20];
    std::snprintf(addr, sizeof addr, " %u.%u.%u.%u", data[0], data[1], data[2], data[3]);
    out += addr;
    return;
  }
  out += ' ';
  static constexpr char kDigits[] = "0123456789abcdef";
  for (std::size_t i = 0; i < data.size(); ++i) {
    if (i) out += ':';
    out += kDigits[data[i] >> 4];
    out += kDigits[data[i] & 15];
  }
}

Bytes optionHex(int space, std::uint8_t code, Bytes data) noexcept {
  return kindOf(space, code) == Kind::String ? trimNuls(data) : data;
}

}  // namespace tandem::classify
