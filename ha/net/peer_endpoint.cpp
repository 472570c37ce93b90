#include "ha/net/peer_endpoint.h"

#include <fmt/format.h>

#include "dhcpd/common/http_url.h"

namespace tandem::net {

// The URL is the configured one after the daemon resolved any DNS name (PeerUrl::addressText),
// parsed by the one URL parser; what is left here is what a connection needs beyond it.
Result<PeerEndpoint> parsePeerEndpoint(std::string_view url) {
  auto parsed = parseHttpUrl(url);
  if (!parsed) return parsed.error();
  PeerEndpoint ep;
  ep.tls = parsed->https;
  boost::system::error_code ec;
  // A DNS name left unresolved, or a host that is no address: a connection needs an address.
  if (parsed->hostname.empty()) ep.address = boost::asio::ip::make_address(parsed->host, ec);
  if (!parsed->hostname.empty() || ec) {
    return makeError(fmt::format("bad url '{}': host must be an IP address literal", url));
  }
  ep.port = parsed->effectivePort();
  ep.hostHeader = parsed->ipv6 ? fmt::format("[{}]", parsed->host) : parsed->host;
  return ep;
}

}  // namespace tandem::net
