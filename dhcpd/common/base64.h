#pragma once
// Base64 (RFC 4648 section 4, with padding): HTTP basic authentication (RFC 7617 section 2) on
// the control listeners, the HA peer client and tandemctl. One codec for all of them.
#include <optional>
#include <string>
#include <string_view>

namespace tandem {

// nullopt on malformed input: a length not a multiple of 4, a character outside the
// alphabet, or data after the padding.
std::optional<std::string> decodeBase64(std::string_view text);
std::string encodeBase64(std::string_view bytes);

}  // namespace tandem
