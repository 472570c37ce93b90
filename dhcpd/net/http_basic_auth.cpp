#include "dhcpd/net/http_basic_auth.h"

#include "dhcpd/common/base64.h"

#include <cstdint>

namespace tandem::net {
namespace {

bool equalConstantTime(std::string_view a, std::string_view b) {
  unsigned diff = a.size() == b.size() ? 0u : 1u;
  for (std::size_t i = 0; i < a.size(); ++i)
    diff |= static_cast<unsigned char>(a[i]) ^ static_cast<unsigned char>(i < b.size() ? b[i] : 0);
  return diff == 0;
}

}  // namespace

std::optional<std::string> checkBasicAuth(std::string_view authorization,
                                          const std::vector<config::ControlSocket::User>& users) {
  // RFC 7617 section 2: the scheme name is case-insensitive.
  constexpr std::string_view kScheme = "basic ";
  if (authorization.size() <= kScheme.size()) return std::nullopt;
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    char c = authorization[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != kScheme[i]) return std::nullopt;
  }
  auto token = authorization.substr(kScheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  auto decoded = decodeBase64(token);
  if (!decoded) return std::nullopt;
  auto colon = decoded->find(':');
  if (colon == std::string::npos) return std::nullopt;
  std::string_view user = std::string_view(*decoded).substr(0, colon);
  std::string_view password = std::string_view(*decoded).substr(colon + 1);
  std::optional<std::string> match;
  for (const auto& u : users) {
    // Every entry is compared, so the time taken does not depend on which one matched.
    bool ok = equalConstantTime(user, u.user) & equalConstantTime(password, u.password);
    if (ok && !match) match = u.user;
  }
  return match;
}

}  // namespace tandem::net
