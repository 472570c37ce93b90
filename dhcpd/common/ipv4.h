#pragma once
#include <compare>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace tandem {

// An IPv4 address in host byte order, so ranges and comparisons are plain integer math.
struct Ipv4 {
  std::uint32_t value = 0;

  constexpr Ipv4() = default;
  constexpr explicit Ipv4(std::uint32_t v) : value(v) {}
  constexpr Ipv4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d)
      : value((std::uint32_t(a) << 24) | (std::uint32_t(b) << 16) | (std::uint32_t(c) << 8) | d) {}

  constexpr bool isZero() const noexcept { return value == 0; }
  constexpr auto operator<=>(const Ipv4&) const = default;

  std::string toString() const;
  // Strict dotted-quad parse ("198.18.0.1"); nullopt on anything else.
  static std::optional<Ipv4> parse(std::string_view text) noexcept;
  static constexpr Ipv4 broadcast() { return Ipv4(0xffffffffu); }
};

// A prefix such as 198.18.0.0/15.
struct Prefix4 {
  Ipv4 network;
  std::uint8_t length = 0;
  constexpr std::uint32_t mask() const noexcept { return length == 0 ? 0u : (0xffffffffu << (32 - length)); }
  constexpr bool contains(Ipv4 a) const noexcept { return (a.value & mask()) == (network.value & mask()); }
  std::string toString() const;
  static std::optional<Prefix4> parse(std::string_view text) noexcept;
};

}  // namespace tandem

template <>
struct std::hash<tandem::Ipv4> {
  std::size_t operator()(const tandem::Ipv4& a) const noexcept { return std::hash<std::uint32_t>{}(a.value); }
};
