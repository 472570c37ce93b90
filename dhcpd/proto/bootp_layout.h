#pragma once
// The fixed BOOTP/DHCP header (RFC 2131 section 2, figure 1) and the magic cookie (section 3):
// one place for the offsets the decoder, the encoder and the HA query peek read at.

#include <cstddef>
#include <cstdint>

namespace tandem::proto::layout {

inline constexpr std::size_t kHlenOffset = 2;
inline constexpr std::size_t kChaddrOffset = 28;
inline constexpr std::size_t kChaddrSize = 16;
inline constexpr std::size_t kSnameOffset = 44;
inline constexpr std::size_t kFileOffset = 108;
inline constexpr std::size_t kFixedLen = 236;  // the cookie follows at this offset
inline constexpr std::size_t kOptionsOffset = 240;
inline constexpr std::uint8_t kCookie[4] = {99, 130, 83, 99};

}  // namespace tandem::proto::layout
