#pragma once
// Kea's lease4 memfile CSV format (Kea 2.2's CSVLeaseFile4), read and written without
// iostreams so that millions of lines load in seconds.
//
// Facts checked against the real kea-dhcp4 2.2 (tests/integration/kea_leasefile_test.sh):
// - header: address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,
//   hostname,state,user_context   (newer Kea appends pool_id; Kea 2.2 reads and drops it)
// - expire = cltt + valid_lifetime; booleans 1/0; hwaddr lower-case colon hex without htype;
//   an absent client-id is an empty field; an absent user context is an empty field.
// - hostname and user_context escape ',' as "&#x2c" and '&' as "&#x26"; reading decodes
//   every "&#x" followed by two hex digits.
// - a row with valid_lifetime 0 is Kea's deletion record for that address.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "dhcpd/common/result.h"
#include "dhcpd/lease/lease.h"

namespace tandem {

inline constexpr std::string_view kKea22Lease4Header =
    "address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,user_context";

// Column positions of one file, taken from its header line.
class LeaseCsvHeader {
 public:
  enum Column : std::uint8_t {
    kAddress,
    kHwAddr,
    kClientId,
    kValidLifetime,
    kExpire,
    kSubnetId,
    kFqdnFwd,
    kFqdnRev,
    kHostname,
    kState,
    kUserContext,
    kPoolId,
    kColumnCount
  };
  static constexpr int kAbsent = -1;

  // Accepts any order; address..hostname are required (Kea's minimum valid columns), state,
  // user_context and pool_id default when absent, unknown extra columns are ignored (Kea 2.2
  // tolerates a newer file's extra columns the same way).
  static Result<LeaseCsvHeader> parse(std::string_view line);
  static LeaseCsvHeader kea22();

  int index(Column c) const noexcept { return index_[c]; }
  std::size_t fieldCount() const noexcept { return fieldCount_; }

 private:
  std::array<int, kColumnCount> index_{};
  std::size_t fieldCount_ = 0;
};

// Parses one data line (no trailing newline) into `out`, reusing its buffers. The error text
// names the problem ("bad address 'x'"); the caller adds file:line.
Result<void> parseLeaseCsvLine(std::string_view line, const LeaseCsvHeader& header, Lease& out);

// Appends one Kea 2.2 row plus '\n'.
void appendLeaseCsvLine(std::string& out, const Lease& lease);
inline std::string formatLeaseCsvLine(const Lease& lease) {
  std::string s;
  appendLeaseCsvLine(s, lease);
  return s;
}

// Kea's CSVRow escaping for hostname and user_context. Beyond Kea we also escape '\n' and
// '\r' (as "&#x0a"/"&#x0d", which Kea decodes): Kea writes them raw and breaks its own file.
void appendCsvEscaped(std::string& out, std::string_view text);
std::string csvUnescape(std::string_view text);

}  // namespace tandem
