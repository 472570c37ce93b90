#pragma once
// An http:// or https:// URL: scheme://host[:port][/path], host an IPv4 address, an IPv6
// address in brackets (RFC 3986 section 3.2.2) or a DNS name (RFC 1123 section 2.1). The one
// parser for HA peer URLs (the configuration and the peer client) and tandemctl's --url;
// pure code resolves nothing.
#include <cstdint>
#include <string>
#include <string_view>

#include "dhcpd/common/result.h"

namespace tandem {

struct HttpUrl {
  bool https = false;
  std::string host;  // IPv4 dotted quad, or IPv6 without the brackets (once resolved)
  bool ipv6 = false;
  // The DNS name as written when the URL has one ("" for an address literal). Until the
  // daemon resolves it, host holds the name too.
  std::string hostname;
  std::uint16_t port = 0;  // as written; effectivePort() applies the scheme default
  std::string path = "/";
  std::string text;  // the URL as configured

  bool operator==(const HttpUrl&) const = default;

  std::uint16_t effectivePort() const noexcept { return port != 0 ? port : (https ? 443 : 80); }
  bool resolved() const noexcept { return hostname.empty() || host != hostname; }
  // The URL with the host replaced by its address ("http://198.18.0.2:8001/").
  std::string addressText() const;
  // "198.18.0.1:8001" / "[2001:db8::1]:8001" for Host headers and bind addresses.
  std::string hostPort() const;
};
// Strict parse; the error text is Kea-like ("bad url '...': ...").
Result<HttpUrl> parseHttpUrl(std::string_view text);

}  // namespace tandem
