#include "dhcpd/engine/client_name.h"

#include <algorithm>

namespace tandem::engine {

namespace {

using proto::ClientFqdn;
using proto::DnsName;

// Kea 2.2's default hostname-char-set: scrubbed without a regex when the replacement holds
// no format sequence ("$&", ...), with the result std::regex_replace would give.
constexpr std::string_view kDefaultCharSet = "[^A-Za-z0-9.-]";

bool defaultKeeps(unsigned char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
}

void toLower(std::string& s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
  }
}

// isc::util::str::trim: the blanks at both ends.
std::string_view trim(std::string_view s) noexcept {
  constexpr std::string_view kBlanks = " \t\n";
  const auto first = s.find_first_not_of(kBlanks);
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(kBlanks);
  return s.substr(first, last - first + 1);
}

// Option4ClientFqdn::setDomainName(text, FULL): trimmed, parsed lower-cased; Kea throws
// (and the whole option is left out) when that fails or the text is empty.
std::optional<DnsName> fullName(std::string_view text) {
  const std::string_view t = trim(text);
  if (t.empty()) return std::nullopt;
  auto n = DnsName::fromText(t, true);
  if (!n) return std::nullopt;
  return std::move(*n);
}

std::string ipText(Ipv4 a) { return a.toString(); }

}  // namespace

ClientNameRules::ClientNameRules() : ClientNameRules(config::DdnsSettings{}, false) {}

ClientNameRules::ClientNameRules(const config::DdnsSettings& settings, bool updatesEnabled)
    : s_(settings), enabled_(updatesEnabled && settings.sendUpdates) {
  if (s_.hostnameCharSet.empty()) {
    sanitizer_ = Sanitizer::None;
  } else if (s_.hostnameCharSet == kDefaultCharSet && s_.hostnameCharReplacement.find('$') == std::string::npos) {
    sanitizer_ = Sanitizer::Default;
  } else {
    sanitizer_ = Sanitizer::Regex;
    try {
      regex_ = std::make_shared<const std::regex>(s_.hostnameCharSet, std::regex::extended);
    } catch (const std::regex_error&) {
      // The parser refuses invalid expressions; a configuration built in code falls back to
      // no sanitizing rather than failing every query.
      sanitizer_ = Sanitizer::None;
    }
  }
}

std::string ClientNameRules::sanitize(std::string_view text) const {
  switch (sanitizer_) {
    case Sanitizer::None: return std::string(text);
    case Sanitizer::Default: {
      std::string out;
      out.reserve(text.size());
      for (char c : text) {
        if (defaultKeeps(static_cast<unsigned char>(c))) out.push_back(c);
        else out += s_.hostnameCharReplacement;
      }
      return out;
    }
    case Sanitizer::Regex: break;
  }
  return std::regex_replace(std::string(text), *regex_, s_.hostnameCharReplacement);
}

std::string ClientNameRules::qualifyName(std::string_view partial, bool trailingDot) const {
  std::string name(partial);
  const std::string& suffix = s_.qualifyingSuffix;
  if (!suffix.empty()) {
    // Kea 2.2 leaves a name that already ends with the suffix, as whole labels and
    // case-sensitively, a trailing dot on either side aside ("foo.barexample.com" does not end
    // with "example.com"; "host." does not end with "example.org" and becomes
    // "host.example.org").
    std::string_view bare = suffix;
    if (bare.back() == '.') bare.remove_suffix(1);
    std::string_view n = name;
    if (!n.empty() && n.back() == '.') n.remove_suffix(1);
    const bool present = n.ends_with(bare) && (n.size() == bare.size() || n[n.size() - bare.size() - 1] == '.');
    if (!present) {
      if (!name.empty() && name.back() != '.') name.push_back('.');
      name += suffix;
    }
  }
  if (trailingDot) {
    if (!name.empty() && name.back() != '.') name.push_back('.');
  } else if (!name.empty() && name.back() == '.') {
    name.pop_back();
  }
  return name;
}

std::string ClientNameRules::generateFqdn(Ipv4 address, bool trailingDot) const {
  std::string host = ipText(address);
  std::replace(host.begin(), host.end(), '.', '-');
  return qualifyName(s_.generatedPrefix + "-" + host, trailingDot);
}

void ClientNameRules::analyzeFqdn(bool clientS, bool clientN, bool& serverS, bool& serverN) const noexcept {
  // RFC 4702 section 3 (the client's N/S choose who updates), with Kea's overrides.
  if (!clientN && !clientS) {
    // The client wants to update its A record itself (RFC 4702 3.2).
    serverS = enabled_ && s_.overrideClientUpdate;
    serverN = !enabled_;
  } else if (clientS) {
    // The client asks the server to update (3.3).
    serverS = enabled_;
    serverN = !serverS;
  } else {
    // The client asks that nobody updates (3.4).
    serverS = enabled_ && s_.overrideNoUpdate;
    serverN = !serverS;
  }
}

std::optional<ClientFqdn> ClientNameRules::fqdnResponse(const ClientFqdn& client,
                                                        const config::Reservation* host) const {
  // The reply's option starts as a copy of the client's (RCODE1/2 come back as sent); flags
  // are rebuilt: S, N, O (server S differs from the client's) and the client's E.
  ClientFqdn resp = client;
  bool s = false, n = false;
  analyzeFqdn(client.flag(ClientFqdn::kFlagS), client.flag(ClientFqdn::kFlagN), s, n);
  resp.flags = std::uint8_t((s ? ClientFqdn::kFlagS : 0) | (n ? ClientFqdn::kFlagN : 0) |
                            (client.flag(ClientFqdn::kFlagS) != s ? ClientFqdn::kFlagO : 0) |
                            (client.flags & ClientFqdn::kFlagE));
  if (host && !host->hostname.empty()) {
    // A reserved host name wins over everything (processClientFqdnOption).
    auto name = fullName(qualifyName(host->hostname, true));
    if (!name) return std::nullopt;
    resp.name = std::move(*name);
    resp.partial = false;
    return resp;
  }
  // D2ClientMgr::adjustDomainName.
  const std::string clientName = client.domainName();
  const auto mode = s_.replaceClientName;
  if (mode == config::ReplaceClientName::Always || mode == config::ReplaceClientName::WhenPresent ||
      clientName.empty()) {
    // Empty: a name is generated from the address once it is known.
    resp.name.reset();
    resp.partial = true;
    return resp;
  }
  std::string text = clientName;
  if (sanitizer_ != Sanitizer::None) {
    // Label by label, on the unescaped text with its final dot, so that a character set
    // that does not keep dots cannot merge labels ("\." in a label becomes a separator
    // here, as in Kea; "___" becomes "." and so the root name).
    auto parsed = DnsName::fromText(clientName, false);
    if (!parsed) return std::nullopt;
    const std::string raw = parsed->toRawText(false);
    std::string out;
    std::size_t start = 0;
    while (true) {
      const std::size_t dot = raw.find('.', start);
      out += sanitize(std::string_view(raw).substr(start, dot == std::string::npos ? std::string::npos : dot - start));
      if (dot == std::string::npos) break;
      out.push_back('.');
      start = dot + 1;
    }
    text = std::move(out);
  }
  auto name = fullName(client.partial ? qualifyName(text, true) : text);
  if (!name) return std::nullopt;
  resp.name = std::move(*name);
  resp.partial = false;
  return resp;
}

ClientName ClientNameRules::fromFqdn(const proto::Option& o, const config::Reservation* host, Ipv4 address) const {
  ClientName out;
  auto client = ClientFqdn::parse(o.data);
  if (!client) return out;  // the codec drops such packets, as Kea does
  auto resp = fqdnResponse(*client, host);
  if (!resp) return out;
  out.hostname = resp->domainName();
  // D2ClientMgr::getUpdateDirections: forward when S, reverse unless N.
  out.fqdnFwd = resp->flag(ClientFqdn::kFlagS);
  out.fqdnRev = !resp->flag(ClientFqdn::kFlagN);
  if (out.hostname.empty()) {
    // postAllocateNameUpdate: a name from the address, with the trailing dot for option 81.
    out.hostname = generateFqdn(address, true);
    if (auto name = fullName(out.hostname)) {
      resp->name = std::move(*name);
      resp->partial = false;
    }
  }
  out.option = proto::Option{proto::opt::kClientFqdn, resp->encode()};
  return out;
}

ClientName ClientNameRules::fromHostname(const proto::Packet4& query, const config::Reservation* host,
                                         Ipv4 address) const {
  ClientName out;
  // The reply's option 12 value; "." stands for "generate one from the address".
  std::string value;
  if (host && !host->hostname.empty()) {
    value = qualifyName(host->hostname, false);
    toLower(value);
  } else {
    const proto::Option* o = query.find(proto::opt::kHostName);
    // Kea's OptionString drops trailing NULs, and an option left empty is skipped.
    std::string_view sent;
    if (o) {
      sent = std::string_view(reinterpret_cast<const char*>(o->data.data()), o->data.size());
      while (!sent.empty() && sent.back() == '\0') sent.remove_suffix(1);
    }
    const auto mode = s_.replaceClientName;
    if (sent.empty()) {
      if (mode != config::ReplaceClientName::Always && mode != config::ReplaceClientName::WhenNotPresent) return out;
      value = ".";
    } else {
      std::string name(trim(sent));
      std::size_t labels = 0;
      if (!name.empty()) {
        auto parsed = DnsName::fromText(name, false);
        if (!parsed) return out;  // malformed: ignored (DHCP4_CLIENT_HOSTNAME_MALFORMED)
        labels = parsed->labelCount();
      }
      if (labels == 0) return out;  // RFC 2132 3.14: at least one octet
      if (mode == config::ReplaceClientName::Always || mode == config::ReplaceClientName::WhenPresent || labels < 2) {
        value = ".";
      } else {
        value = sanitize(name);
        toLower(value);
        // One label: an unqualified name, qualified without a trailing dot (some clients do
        // not take one in option 12).
        if (labels == 2) value = qualifyName(value, false);
      }
    }
  }
  // Kea's option 12 cannot be empty: building it fails and the name is left out.
  if (value.empty()) return out;
  out.hostname = value == "." ? std::string() : value;
  // Kea updates both directions for a client that sent option 12 (when updates are on).
  out.fqdnFwd = out.fqdnRev = enabled_;
  if (out.hostname.empty()) out.hostname = generateFqdn(address, false);
  out.option =
      proto::Option{proto::opt::kHostName, std::vector<std::uint8_t>(out.hostname.begin(), out.hostname.end())};
  return out;
}

ClientName ClientNameRules::resolve(const proto::Packet4& query, const config::Reservation* host, Ipv4 address) const {
  if (const proto::Option* fqdn = query.find(proto::opt::kClientFqdn)) return fromFqdn(*fqdn, host, address);
  return fromHostname(query, host, address);
}

}  // namespace tandem::engine
