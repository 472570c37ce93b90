#pragma once
#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tandem {

// Client hardware address (chaddr, RFC 2131 section 2): htype + up to 16 bytes.
struct HwAddr {
  std::uint8_t htype = 1;  // 1 = Ethernet
  std::uint8_t length = 0;
  std::array<std::uint8_t, 16> bytes{};

  std::span<const std::uint8_t> view() const noexcept { return {bytes.data(), length}; }
  bool empty() const noexcept { return length == 0; }
  // "aa:bb:cc:dd:ee:ff" (Kea's text form; htype is not printed).
  std::string toString() const;
  // Accepts "aa:bb:cc:dd:ee:ff", also '-' separators and single-digit groups as Kea does.
  static std::optional<HwAddr> parse(std::string_view text, std::uint8_t htype = 1) noexcept;
  static HwAddr fromBytes(std::span<const std::uint8_t> b, std::uint8_t htype = 1) noexcept;
  bool operator==(const HwAddr& o) const noexcept;
};

using ByteVec = std::vector<std::uint8_t>;

// "01:aa:bb" text for arbitrary bytes (client-id in Kea's CSV and JSON).
std::string toHexColon(std::span<const std::uint8_t> bytes);
// Parses "01:aa:bb" or "01aabb"; nullopt on bad input.
std::optional<ByteVec> parseHexBytes(std::string_view text) noexcept;

}  // namespace tandem

template <>
struct std::hash<tandem::HwAddr> {
  std::size_t operator()(const tandem::HwAddr& h) const noexcept {
    std::size_t x = 1469598103934665603ull;
    for (std::uint8_t i = 0; i < h.length; ++i) x = (x ^ h.bytes[i]) * 1099511628211ull;
    return x;
  }
};
