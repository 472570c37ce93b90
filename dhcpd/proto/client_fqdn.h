#pragma once
// Domain names as Kea 2.2 handles them in client names (its isc::dns::Name), and the DHCPv4
// Client FQDN option (RFC 4702, option 81) as Kea's Option4ClientFqdn parses and writes it.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dhcpd/common/result.h"

namespace tandem::proto {

// An absolute domain name: its labels without the root label (RFC 1035 3.1). Kea's Name
// always holds an absolute name; whether a client meant it as partial is kept beside it
// (ClientFqdn::partial).
class DnsName {
 public:
  static constexpr std::size_t kMaxWire = 255;  // RFC 1035 2.3.4
  static constexpr std::size_t kMaxLabel = 63;

  DnsName() = default;  // the root name "."

  // Kea's Name(text, downcase): labels split at unescaped dots, "\X" and "\DDD" escapes
  // (RFC 1035 5.1), "." and "@" alone are the root. Fails (as Kea throws) on an empty
  // label, a label over 63 bytes, a name over 255 bytes in wire form, a bad or incomplete
  // escape, or an empty text.
  [[nodiscard]] static Result<DnsName> fromText(std::string_view text, bool downcase);
  // Kea's Name(buffer, downcase) over the bytes of an option: labels up to the first root
  // label; fails on a truncated name, a compression pointer, an extended label type or over
  // 255 bytes.
  [[nodiscard]] static Result<DnsName> fromWire(std::span<const std::uint8_t> wire, bool downcase);

  // Kea's getLabelCount(): the root label counts, so "host" has 2.
  std::size_t labelCount() const noexcept { return labels_.size() + 1; }
  const std::vector<std::string>& labels() const noexcept { return labels_; }
  // Kea's toText(omit_final_dot): special characters escaped ("\.", "\DDD"); the root is ".".
  std::string toText(bool omitFinalDot) const;
  // Kea's toRawText(omit_final_dot): the same without escaping anything.
  std::string toRawText(bool omitFinalDot) const;
  // Wire form with the root label.
  std::vector<std::uint8_t> toWire() const;
  bool operator==(const DnsName&) const = default;

 private:
  std::vector<std::string> labels_;
};

// The Client FQDN option (RFC 4702 section 2): flags, RCODE1, RCODE2, domain name.
struct ClientFqdn {
  static constexpr std::uint8_t kFlagS = 0x01, kFlagO = 0x02, kFlagE = 0x04, kFlagN = 0x08;
  std::uint8_t flags = 0;
  std::uint8_t rcode1 = 0, rcode2 = 0;
  std::optional<DnsName> name;  // none: no domain name
  bool partial = false;         // RFC 4702 2.3.1: the client sent only a leftmost part

  // Kea's Option4ClientFqdn::unpack: at least 3 bytes; the name in canonical wire form when
  // E is set (partial when it lacks the terminating root label), else ASCII (partial unless
  // it ends with a dot), lower-cased either way; N and S both set is invalid. Kea 2.2 drops
  // the whole packet when this fails.
  [[nodiscard]] static Result<ClientFqdn> parse(std::span<const std::uint8_t> data);
  // Kea's Option4ClientFqdn::pack: the name in the encoding E selects, a partial name
  // without its root label in wire form; ASCII always ends with a dot (Kea writes toText()).
  std::vector<std::uint8_t> encode() const;
  // Kea's getDomainName(): the text without the final dot for a partial name, "" for none.
  std::string domainName() const;
  bool flag(std::uint8_t f) const noexcept { return (flags & f) != 0; }
};

}  // namespace tandem::proto
