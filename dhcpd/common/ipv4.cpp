#include "dhcpd/common/ipv4.h"

#include <charconv>

namespace tandem {

std::string Ipv4::toString() const {
  std::string s;
  s.reserve(15);
  for (int shift = 24; shift >= 0; shift -= 8) {
    s += std::to_string((value >> shift) & 0xff);
    if (shift) s += '.';
  }
  return s;
}

std::optional<Ipv4> Ipv4::parse(std::string_view text) noexcept {
  std::uint32_t v = 0;
  const char* p = text.data();
  const char* end = text.data() + text.size();
  for (int i = 0; i < 4; ++i) {
    if (p == end || *p < '0' || *p > '9') return std::nullopt;
    unsigned octet = 0;
    const char* start = p;
    auto [q, ec] = std::from_chars(p, end, octet);
    if (ec != std::errc() || octet > 255 || q - start > 3) return std::nullopt;
    if (q - start > 1 && *start == '0') return std::nullopt;  // no octal-looking octets
    v = (v << 8) | octet;
    p = q;
    if (i < 3) {
      if (p == end || *p != '.') return std::nullopt;
      ++p;
    }
  }
  if (p != end) return std::nullopt;
  return Ipv4(v);
}

std::string Prefix4::toString() const { return network.toString() + "/" + std::to_string(length); }

std::optional<Prefix4> Prefix4::parse(std::string_view text) noexcept {
  auto slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto addr = Ipv4::parse(text.substr(0, slash));
  if (!addr) return std::nullopt;
  auto lenText = text.substr(slash + 1);
  unsigned len = 0;
  auto [q, ec] = std::from_chars(lenText.data(), lenText.data() + lenText.size(), len);
  if (ec != std::errc() || q != lenText.data() + lenText.size() || len > 32 || lenText.empty()) return std::nullopt;
  return Prefix4{*addr, static_cast<std::uint8_t>(len)};
}

}  // namespace tandem
