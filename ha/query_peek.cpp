#include "ha/query_peek.h"

#include <algorithm>

namespace tandem::ha {

namespace {
// RFC 2131 section 2: the fixed header is 236 octets, chaddr at 28, hlen at 2, then the magic
// cookie 99.130.83.99 (RFC 2131 3), then the options.
constexpr std::size_t kHlenOffset = 2;
constexpr std::size_t kChaddrOffset = 28;
constexpr std::size_t kChaddrSize = 16;
constexpr std::size_t kCookieOffset = 236;
constexpr std::size_t kOptionsOffset = 240;
constexpr std::uint8_t kCookie[4] = {99, 130, 83, 99};
// RFC 2132: pad 0, end 255, overload 52, message type 53, client identifier 61.
constexpr std::uint8_t kPad = 0;
constexpr std::uint8_t kEnd = 255;
constexpr std::uint8_t kOverload = 52;
constexpr std::uint8_t kMessageType = 53;
constexpr std::uint8_t kClientId = 61;
}  // namespace

std::optional<QueryView> peekQuery(std::span<const std::uint8_t> wire) noexcept {
  if (wire.size() < kOptionsOffset) return std::nullopt;
  const std::uint8_t* w = wire.data();
  if (!std::equal(kCookie, kCookie + 4, w + kCookieOffset)) return std::nullopt;
  QueryView v;
  // As the decoder: any hlen, chaddr holds 16 octets, so a larger one names those 16.
  v.hwAddr = wire.subspan(kChaddrOffset, std::min<std::size_t>(w[kHlenOffset], kChaddrSize));
  bool type = false, clientId = false;
  const std::size_t n = wire.size();
  std::size_t i = kOptionsOffset;
  while (i < n) {
    const std::uint8_t code = w[i];
    if (code == kPad) {
      ++i;
      continue;
    }
    if (code == kEnd || i + 1 >= n) break;
    const std::size_t len = w[i + 1];
    if (len > n - i - 2) break;  // truncated last option: the decoder ignores it too
    const std::span<const std::uint8_t> data = wire.subspan(i + 2, len);
    i += 2 + len;
    switch (code) {
      case kOverload: return std::nullopt;
      case kMessageType:
        if (type || data.empty()) return std::nullopt;
        type = true;
        v.messageType = data[0];  // Kea reads the first octet of a longer one
        break;
      case kClientId:
        if (clientId) return std::nullopt;
        clientId = true;
        v.clientId = data;
        break;
      default: break;
    }
  }
  if (!type) return std::nullopt;
  return v;
}

}  // namespace tandem::ha
