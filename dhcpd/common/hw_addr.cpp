#include "dhcpd/common/hw_addr.h"

#include <algorithm>

namespace tandem {
namespace {
int hexValue(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
constexpr char kHex[] = "0123456789abcdef";
}  // namespace

std::string toHexColon(std::span<const std::uint8_t> bytes) {
  std::string s;
  s.reserve(bytes.size() * 3);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i) s += ':';
    s += kHex[bytes[i] >> 4];
    s += kHex[bytes[i] & 0xf];
  }
  return s;
}

std::optional<ByteVec> parseHexBytes(std::string_view text) noexcept {
  ByteVec out;
  if (text.empty()) return out;
  bool separated = text.find_first_of(":- ") != std::string_view::npos;
  if (!separated) {
    if (text.size() % 2) return std::nullopt;
    for (std::size_t i = 0; i < text.size(); i += 2) {
      int hi = hexValue(text[i]), lo = hexValue(text[i + 1]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<std::uint8_t>(hi << 4 | lo));
    }
    return out;
  }
  std::size_t i = 0;
  while (i <= text.size()) {
    std::size_t j = text.find_first_of(":- ", i);
    if (j == std::string_view::npos) j = text.size();
    auto group = text.substr(i, j - i);
    if (group.empty() || group.size() > 2) return std::nullopt;
    int v = 0;
    for (char c : group) {
      int h = hexValue(c);
      if (h < 0) return std::nullopt;
      v = v * 16 + h;
    }
    out.push_back(static_cast<std::uint8_t>(v));
    if (j == text.size()) break;
    i = j + 1;
    if (i == text.size()) return std::nullopt;  // trailing separator
  }
  return out;
}

std::string HwAddr::toString() const { return toHexColon(view()); }

std::optional<HwAddr> HwAddr::parse(std::string_view text, std::uint8_t htype) noexcept {
  auto bytes = parseHexBytes(text);
  if (!bytes || bytes->size() > 16) return std::nullopt;
  return fromBytes(*bytes, htype);
}

HwAddr HwAddr::fromBytes(std::span<const std::uint8_t> b, std::uint8_t htype) noexcept {
  HwAddr h;
  h.htype = htype;
  h.length = static_cast<std::uint8_t>(std::min<std::size_t>(b.size(), 16));
  std::copy_n(b.begin(), h.length, h.bytes.begin());
  return h;
}

bool HwAddr::operator==(const HwAddr& o) const noexcept {
  return length == o.length && std::equal(bytes.begin(), bytes.begin() + length, o.bytes.begin());
}

}  // namespace tandem
