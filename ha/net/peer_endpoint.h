#pragma once
// Where an HA peer listens, parsed from its configured URL. Kea accepts only IP literals in
// HA peer URLs (no DNS), so the address is usable for connect() and for the certificate's
// IP SAN check (RFC 5280 section 4.2.1.6) without a resolver.
#include <cstdint>
#include <string>
#include <string_view>

#include <boost/asio/ip/address.hpp>

#include "dhcpd/common/result.h"

namespace tandem::net {

struct PeerEndpoint {
  bool tls = false;  // "https://"
  boost::asio::ip::address address;
  std::uint16_t port = 0;  // the scheme default (80/443) when the URL has none
  // The Host header value: the address as written in the URL, without the port, exactly as
  // Kea 2.2 sends it (IPv6 in brackets, RFC 7230 section 5.4).
  std::string hostHeader;
};

// "http://198.18.0.2:8001/" -> {tls=false, 198.18.0.2, 8001, "198.18.0.2"}.
// Accepts a path (Kea always posts to "/", so it is ignored); refuses what parseHttpUrl
// refuses (user-info, ports outside 1..65535) and DNS names.
Result<PeerEndpoint> parsePeerEndpoint(std::string_view url);

}  // namespace tandem::net
