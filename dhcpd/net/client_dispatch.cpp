#include "dhcpd/net/client_dispatch.h"

#include <algorithm>

namespace tandem::net {

namespace {
constexpr std::size_t kHlenOffset = 2;     // RFC 2131 2: op, htype, hlen, hops, ...
constexpr std::size_t kChaddrOffset = 28;  // after op..giaddr
constexpr std::size_t kChaddrSize = 16;
}  // namespace

std::size_t workerForDatagram(std::span<const std::uint8_t> dhcp, std::size_t workers) noexcept {
  if (workers <= 1 || dhcp.size() < kChaddrOffset + kChaddrSize) return 0;
  const std::size_t hlen = std::min<std::size_t>(dhcp[kHlenOffset], kChaddrSize);
  // FNV-1a over the address, then MurmurHash3's finalizer: consecutive MACs (a test bench, one
  // vendor's range) differ in their last octet only and must still spread evenly.
  std::uint32_t h = 2166136261u;
  for (std::size_t i = 0; i < hlen; ++i) {
    h ^= dhcp[kChaddrOffset + i];
    h *= 16777619u;
  }
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return h % workers;
}

}  // namespace tandem::net
