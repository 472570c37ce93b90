#include "ha/net/peer_endpoint.h"

#include <charconv>

#include <fmt/format.h>

namespace tandem::net {

Result<PeerEndpoint> parsePeerEndpoint(std::string_view url) {
  auto bad = [&](std::string_view why) { return makeError(fmt::format("bad peer url '{}': {}", url, why)); };
  PeerEndpoint ep;
  std::string_view rest;
  if (url.starts_with("http://")) {
    rest = url.substr(7);
  } else if (url.starts_with("https://")) {
    ep.tls = true;
    rest = url.substr(8);
  } else {
    return bad("must start with http:// or https://");
  }
  const auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (authority.empty()) return bad("no host");
  if (authority.find('@') != std::string_view::npos) return bad("user-info is not supported");

  std::string_view host;
  std::string_view portText;
  if (authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return bad("unterminated IPv6 literal");
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad("garbage after IPv6 literal");
      portText = after.substr(1);
    }
  } else {
    const auto colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) portText = authority.substr(colon + 1);
  }

  boost::system::error_code ec;
  ep.address = boost::asio::ip::make_address(std::string(host), ec);
  if (ec) return bad("host must be an IP address literal");
  if (ep.address.is_v6() && authority.front() != '[') return bad("IPv6 literal must be in brackets");

  if (portText.empty()) {
    if (authority.back() == ':') return bad("empty port");
    ep.port = ep.tls ? 443 : 80;
  } else {
    unsigned value = 0;
    auto [end, err] = std::from_chars(portText.data(), portText.data() + portText.size(), value);
    if (err != std::errc{} || end != portText.data() + portText.size() || value == 0 || value > 65535) {
      return bad("port must be 1..65535");
    }
    ep.port = static_cast<std::uint16_t>(value);
  }
  ep.hostHeader = ep.address.is_v6() ? fmt::format("[{}]", host) : std::string(host);
  return ep;
}

}  // namespace tandem::net
