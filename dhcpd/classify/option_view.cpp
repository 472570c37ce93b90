#include "dhcpd/classify/option_view.h"

#include <charconv>
#include <cstdio>

#include "dhcpd/proto/option_defs.h"

namespace tandem::classify {
namespace {

std::uint32_t be32(const std::uint8_t* p) noexcept {
  return std::uint32_t(p[0]) << 24 | std::uint32_t(p[1]) << 16 | std::uint32_t(p[2]) << 8 | p[3];
}

enum class Kind : std::uint8_t {
  Binary,
  String,
  Address,
  Uint8,
  Uint16,
  Uint32,
  Int8,
  Int16,
  Int32,
  Boolean,
  AddressList,
  Uint8List,
  Uint16List
};

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
  if (!def) return Kind::Binary;
  if (def->type == proto::OptionType::Ipv4Address && def->array) {
    return Kind::AddressList;
  }
  if (def->type == proto::OptionType::Uint8 && def->array) {
    return Kind::Uint8List;
  }
  if (def->type == proto::OptionType::Uint16 && def->array) {
    return Kind::Uint16List;
  }
  if (def->array) return Kind::Binary;
  if (def->type == proto::OptionType::String) return Kind::String;
  switch (def->type) {
    case proto::OptionType::Ipv4Address: return Kind::Address;
    case proto::OptionType::Uint8: return Kind::Uint8;
    case proto::OptionType::Uint16: return Kind::Uint16;
    case proto::OptionType::Uint32: return Kind::Uint32;
    case proto::OptionType::Int8: return Kind::Int8;
    case proto::OptionType::Int16: return Kind::Int16;
    case proto::OptionType::Int32: return Kind::Int32;
    case proto::OptionType::Boolean: return Kind::Boolean;
    default: return Kind::Binary;
  }
}

// OptionInt<T>::toText's value and type name, when the payload has the integer's size.
bool intText(Kind k, Bytes d, std::string& out) {
  std::int64_t v = 0;
  const char* name = nullptr;
  switch (k) {
    case Kind::Uint8:
      if (d.size() != 1) return false;
      v = d[0];
      name = "uint8";
      break;
    case Kind::Int8:
      if (d.size() != 1) return false;
      v = std::int8_t(d[0]);
      name = "int8";
      break;
    case Kind::Uint16:
      if (d.size() != 2) return false;
      v = std::uint16_t(d[0] << 8 | d[1]);
      name = "uint16";
      break;
    case Kind::Int16:
      if (d.size() != 2) return false;
      v = std::int16_t(d[0] << 8 | d[1]);
      name = "int16";
      break;
    case Kind::Uint32:
      if (d.size() != 4) return false;
      v = be32(d.data());
      name = "uint32";
      break;
    case Kind::Int32:
      if (d.size() != 4) return false;
      v = std::int32_t(be32(d.data()));
      name = "int32";
      break;
    default: return false;
  }
  char buf[48];
  std::snprintf(buf, sizeof buf, " %lld (%s)", static_cast<long long>(v), name);
  out += buf;
  return true;
}

// printf's %03u: at least three digits, zero-padded.
void appendPadded3(std::string& out, std::size_t v) {
  char buf[24];
  char* end = std::to_chars(buf, buf + sizeof buf, v).ptr;
  for (std::ptrdiff_t n = end - buf; n < 3; ++n) out += '0';
  out.append(buf, end);
}

Bytes trimNuls(Bytes b) noexcept {
  std::size_t n = b.size();
  while (n > 0 && b[n - 1] == 0) --n;
  return b.first(n);
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
  // "type=%03u, len=%03zu:" without printf (this runs per packet for such tests).
  out += "type=";
  appendPadded3(out, code);
  out += ", len=";
  appendPadded3(out, data.size());
  out += ':';
  if (k == Kind::Address && data.size() == 4) {
    // OptionCustom::toText: each field after a space, with its type (checked against
    // kea-dhcp4 2.2: "type=050, len=004: 198.18.0.150 (ipv4-address)").
    char addr[40];
    std::snprintf(addr, sizeof addr, " %u.%u.%u.%u (ipv4-address)", data[0], data[1], data[2], data[3]);
    out += addr;
    return;
  }
  if ((k == Kind::Uint8List) || (k == Kind::Uint16List && data.size() % 2 == 0)) {
    // OptionIntArray::toText: "1(uint8) 3(uint8)" (checked against kea-dhcp4 2.2).
    const std::size_t step = k == Kind::Uint8List ? 1 : 2;
    for (std::size_t i = 0; i < data.size(); i += step) {
      char v[32];
      const unsigned x = step == 1 ? data[i] : unsigned(data[i] << 8 | data[i + 1]);
      std::snprintf(v, sizeof v, " %u(%s)", x, step == 1 ? "uint8" : "uint16");
      out += v;
    }
    return;
  }
  if (k == Kind::AddressList && data.size() % 4 == 0) {
    // Option4AddrLst::toText.
    for (std::size_t i = 0; i < data.size(); i += 4) {
      char addr[20];
      std::snprintf(addr, sizeof addr, " %u.%u.%u.%u", data[i], data[i + 1], data[i + 2], data[i + 3]);
      out += addr;
    }
    return;
  }
  if (k == Kind::Boolean && data.size() == 1) {
    out += data[0] ? " true (boolean)" : " false (boolean)";
    return;
  }
  if (intText(k, data, out)) return;
  static constexpr char kDigits[] = "0123456789abcdef";
  const std::size_t at = out.size();
  out.resize(at + 1 + (data.empty() ? 0 : data.size() * 3 - 1));
  char* o = out.data() + at;
  *o++ = ' ';
  for (std::size_t i = 0; i < data.size(); ++i) {
    if (i) *o++ = ':';
    *o++ = kDigits[data[i] >> 4];
    *o++ = kDigits[data[i] & 15];
  }
}

bool isStringOption(int space, std::uint8_t code) noexcept { return kindOf(space, code) == Kind::String; }

Bytes optionHex(int space, std::uint8_t code, Bytes data) noexcept {
  return kindOf(space, code) == Kind::String ? trimNuls(data) : data;
}

}  // namespace tandem::classify
