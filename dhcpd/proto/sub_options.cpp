#include "dhcpd/proto/sub_options.h"

#include <algorithm>

namespace tandem::proto {

std::vector<Option> unpackSubOptions(std::span<const std::uint8_t> data) {
  std::vector<Option> out;
  std::size_t i = 0;
  while (i + 2 <= data.size()) {
    const std::uint8_t code = data[i], len = data[i + 1];
    if (i + 2 + len > data.size()) break;
    out.push_back(Option{code, std::vector<std::uint8_t>(data.begin() + i + 2, data.begin() + i + 2 + len)});
    i += 2 + len;
  }
  return out;
}

void packSubOptions(std::vector<Option> subs, std::vector<std::uint8_t>& out) {
  std::stable_sort(subs.begin(), subs.end(), [](const Option& a, const Option& b) { return a.code < b.code; });
  for (const auto& o : subs) {
    out.push_back(o.code);
    out.push_back(static_cast<std::uint8_t>(o.data.size()));
    out.insert(out.end(), o.data.begin(), o.data.end());
  }
}

std::optional<VendorBlock> parseVendorBlock(std::span<const std::uint8_t> payload) {
  if (payload.size() < 5) return std::nullopt;
  VendorBlock b;
  b.enterprise = std::uint32_t(payload[0]) << 24 | std::uint32_t(payload[1]) << 16 | std::uint32_t(payload[2]) << 8 |
                 payload[3];
  const std::size_t len = payload[4];
  if (5 + len > payload.size()) return std::nullopt;
  std::size_t i = 5;
  const std::size_t end = 5 + len;
  while (i < end) {
    if (i + 2 > end) return std::nullopt;
    const std::uint8_t code = payload[i], n = payload[i + 1];
    if (i + 2 + n > end) return std::nullopt;
    b.subs.push_back(Option{code, std::vector<std::uint8_t>(payload.begin() + i + 2, payload.begin() + i + 2 + n)});
    i += 2 + n;
  }
  return b;
}

std::vector<std::uint8_t> packVendorBlock(const VendorBlock& block) {
  std::vector<std::uint8_t> out = {std::uint8_t(block.enterprise >> 24), std::uint8_t(block.enterprise >> 16),
                                   std::uint8_t(block.enterprise >> 8), std::uint8_t(block.enterprise), 0};
  packSubOptions(block.subs, out);
  out[4] = static_cast<std::uint8_t>(out.size() - 5);
  return out;
}

}  // namespace tandem::proto
