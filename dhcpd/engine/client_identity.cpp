#include "dhcpd/engine/client_identity.h"

#include <algorithm>

namespace tandem::engine {

bool ClientIdentity::owns(const HwAddr& hw, std::span<const std::uint8_t> id) const noexcept {
  if (usesClientId() && !id.empty()) {
    return std::equal(clientId.begin(), clientId.end(), id.begin(), id.end());
  }
  return !hwAddr.empty() && hwAddr == hw;
}

std::string ClientIdentity::key() const {
  std::string k;
  if (usesClientId()) {
    k.reserve(clientId.size() + 1);
    k.push_back('c');
    k.append(clientId.begin(), clientId.end());
  } else {
    k.reserve(hwAddr.length + 1);
    k.push_back('h');
    k.append(hwAddr.bytes.begin(), hwAddr.bytes.begin() + hwAddr.length);
  }
  return k;
}

}  // namespace tandem::engine
