#include "ha/query_peek.h"

#include <algorithm>

#include "dhcpd/proto/bootp_layout.h"
#include "dhcpd/proto/packet4.h"

namespace tandem::ha {

namespace {
// RFC 2131 section 2: the fixed header, chaddr and hlen in it, then the magic cookie (section 3)
// and the options; RFC 2132 option codes: one definition with the decoder.
using proto::layout::kChaddrOffset;
using proto::layout::kChaddrSize;
using proto::layout::kCookie;
using proto::layout::kFixedLen;
using proto::layout::kHlenOffset;
using proto::layout::kOptionsOffset;
using proto::opt::kClientId;
using proto::opt::kEnd;
using proto::opt::kMessageType;
using proto::opt::kOverload;
using proto::opt::kPad;
}  // namespace

std::optional<QueryView> peekQuery(std::span<const std::uint8_t> wire) noexcept {
  if (wire.size() < kOptionsOffset) return std::nullopt;
  const std::uint8_t* w = wire.data();
  if (!std::equal(kCookie, kCookie + 4, w + kFixedLen)) return std::nullopt;
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
