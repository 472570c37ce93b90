#include "dhcpd/common/http_url.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <string>

#include <fmt/format.h>

#include "dhcpd/common/ipv4.h"

namespace tandem {

std::string HttpUrl::hostPort() const {
  return ipv6 ? fmt::format("[{}]:{}", host, effectivePort()) : fmt::format("{}:{}", host, effectivePort());
}

std::string HttpUrl::addressText() const {
  return fmt::format("{}://{}{}", https ? "https" : "http", hostPort(), path);
}

namespace {
// Letters, digits and hyphens in dot-separated labels of 1..63 characters, not starting or
// ending with a hyphen, 253 characters at most (RFC 1123 2.1); the last label is not all
// digits (RFC 3696 2), so a mistyped address such as 198.18.0.256 is no name.
bool isDnsName(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  if (name.back() == '.') name.remove_suffix(1);
  const std::string_view last = name.substr(name.rfind('.') == std::string_view::npos ? 0 : name.rfind('.') + 1);
  if (std::all_of(last.begin(), last.end(), [](char c) { return c >= '0' && c <= '9'; })) return false;
  std::size_t start = 0;
  while (start <= name.size()) {
    std::size_t dot = name.find('.', start);
    if (dot == std::string_view::npos) dot = name.size();
    const std::string_view label = name.substr(start, dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    for (char c : label) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
    }
    start = dot + 1;
  }
  return true;
}
}  // namespace

Result<HttpUrl> parseHttpUrl(std::string_view text) {
  HttpUrl u;
  u.text = std::string(text);
  auto bad = [&](std::string_view why) { return makeError(fmt::format("bad url '{}': {}", text, why)); };
  const auto sep = text.find("://");
  if (sep == std::string_view::npos || sep == 0) return bad("missing http:// or https:// scheme");
  std::string scheme(text.substr(0, sep));
  std::transform(scheme.begin(), scheme.end(), scheme.begin(), [](unsigned char c) { return std::tolower(c); });
  if (scheme == "https") {
    u.https = true;
  } else if (scheme != "http") {
    return bad(fmt::format("unsupported scheme '{}', must be http or https", scheme));
  }
  std::string_view rest = text.substr(sep + 3);
  std::string_view hostPart;
  if (!rest.empty() && rest.front() == '[') {
    const auto close = rest.find(']');
    if (close == std::string_view::npos) return bad("unterminated IPv6 address");
    hostPart = rest.substr(1, close - 1);
    rest = rest.substr(close + 1);
    u.ipv6 = true;
  } else {
    const auto end = rest.find_first_of(":/");
    hostPart = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
  }
  if (hostPart.empty()) return bad("hostname is empty");
  u.host = std::string(hostPart);
  // Kea 2.2 wants an address literal; tandemd also accepts a DNS name (RFC 1123 2.1 syntax),
  // resolved by the daemon at start-up.
  if (u.ipv6) {
    in6_addr a6{};
    if (inet_pton(AF_INET6, u.host.c_str(), &a6) != 1) {
      return bad(fmt::format("'{}' is not an IPv6 address", u.host));
    }
  } else if (!Ipv4::parse(u.host)) {
    if (!isDnsName(u.host)) return bad(fmt::format("host '{}' is neither an IP address nor a DNS name", u.host));
    u.hostname = u.host;
  }
  if (!rest.empty() && rest.front() == ':') {
    rest.remove_prefix(1);
    const auto end = rest.find('/');
    const std::string_view digits = rest.substr(0, end);
    if (digits.empty() || digits.size() > 5 ||
        !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return bad("invalid port number");
    }
    const unsigned long port = std::stoul(std::string(digits));
    if (port == 0 || port > 65535) return bad("invalid port number");
    u.port = static_cast<std::uint16_t>(port);
    rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
  }
  if (!rest.empty()) {
    if (rest.front() != '/') return bad("unexpected text after the host");
    u.path = std::string(rest);
  }
  return u;
}

}  // namespace tandem
