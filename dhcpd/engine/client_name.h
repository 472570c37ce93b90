#pragma once
// The client's name in a reply and in its lease, as Kea 2.2 gives it: Dhcpv4Srv's
// processClientName / processClientFqdnOption / processHostnameOption and the name generation
// after allocation (postAllocateNameUpdate), with D2ClientMgr's analyzeFqdn, adjustFqdnFlags,
// adjustDomainName, qualifyName and generateFqdn. Kea applies all of it even with DNS updates
// off: option 81 (RFC 4702) is answered, names are sanitized, qualified and replaced.
// Pure: a packet and a subnet's settings in, the option and the lease columns out.
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <string_view>

#include "dhcpd/common/ipv4.h"
#include "dhcpd/config/dhcp4_config.h"
#include "dhcpd/proto/client_fqdn.h"
#include "dhcpd/proto/packet4.h"

namespace tandem::engine {

struct ClientName {
  // Option 81 or 12 for the OFFER/ACK; none when Kea sends neither.
  std::optional<proto::Option> option;
  // The lease's hostname, fqdn_fwd and fqdn_rev columns (Kea's ctx hostname_ and DNS flags).
  std::string hostname;
  bool fqdnFwd = false, fqdnRev = false;
};

// The rules of one scope (Kea's DdnsParams of a subnet), with hostname-char-set compiled once.
class ClientNameRules {
 public:
  ClientNameRules();
  // updatesEnabled: dhcp-ddns enable-updates (Kea's DdnsParams::getEnableUpdates also needs
  // the scope's ddns-send-updates).
  ClientNameRules(const config::DdnsSettings& settings, bool updatesEnabled);

  // The name for a reply that gives `address` to the client sending `query`, whose host
  // reservation in the reply's subnet is `host` (may be null). Option 81 wins over option 12.
  ClientName resolve(const proto::Packet4& query, const config::Reservation* host, Ipv4 address) const;

  // Kea's DdnsParams::getEnableUpdates: DNS updates on, and ddns-send-updates.
  bool updatesEnabled() const noexcept { return enabled_; }
  // D2ClientMgr::qualifyName (Kea 2.2): partial + "." (unless it ends with one) +
  // ddns-qualifying-suffix unless it already ends with the suffix, then the trailing dot
  // added or removed as asked.
  std::string qualifyName(std::string_view partial, bool trailingDot) const;
  // D2ClientMgr::generateFqdn: "<ddns-generated-prefix>-198-18-0-100", qualified.
  std::string generateFqdn(Ipv4 address, bool trailingDot) const;
  // hostname-char-set / hostname-char-replacement (Kea's StringSanitizer::scrub, a POSIX
  // extended regex_replace); the text unchanged when hostname-char-set is empty.
  std::string sanitize(std::string_view text) const;
  // RFC 4702 / D2ClientMgr::analyzeFqdn: the server's S and N flags for the client's.
  void analyzeFqdn(bool clientS, bool clientN, bool& serverS, bool& serverN) const noexcept;
  // The server's option 81 for the client's (processClientFqdnOption); none when Kea fails
  // building it (a name that is no valid domain name once sanitized or qualified).
  std::optional<proto::ClientFqdn> fqdnResponse(const proto::ClientFqdn& client, const config::Reservation* host) const;

 private:
  enum class Sanitizer : std::uint8_t { None, Default, Regex };
  config::DdnsSettings s_;
  bool enabled_ = false;
  Sanitizer sanitizer_ = Sanitizer::Default;
  std::shared_ptr<const std::regex> regex_;

  ClientName fromFqdn(const proto::Option& o, const config::Reservation* host, Ipv4 address) const;
  ClientName fromHostname(const proto::Packet4& query, const config::Reservation* host, Ipv4 address) const;
};

}  // namespace tandem::engine
