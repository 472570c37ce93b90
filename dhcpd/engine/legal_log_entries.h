#pragma once
// The lines of Kea's forensic logging hook (libdhcp_legal_log.so, genLease4Entry): one per
// lease a query assigned (or renewed), released or declined, in Kea's default format, or the
// operator's request-/response-parser-format expressions. Pure: the daemon stamps and queues
// them for net::LegalLogWriter.
//
// When Kea writes a line (its callouts): an ACKed REQUEST logs each lease of leases4_committed
// as "assigned" and the client's old lease at another address as "released" (pkt4_send); a
// RELEASE logs the released lease, a DECLINE the declined one, both as "released"
// (lease4_release, lease4_decline). A NAK, a DISCOVER, an INFORM log nothing.
//
//   Address: 192.2.1.100 has been assigned for 1 hrs 52 mins 15 secs to a device with hardware
//   address: hwtype=1 08:00:2b:02:3f:4e, client-id: 17:34:e2:ff:09:92:54 connected via relay at
//   address: 192.2.16.33, identified by circuit-id: 68:6f:77:64:79 (howdy) and remote-id: 87:f6:79:77:ef
#include <string>
#include <unordered_set>
#include <vector>

#include "dhcpd/classify/evaluator.h"
#include "dhcpd/config/dhcp4_config.h"
#include "dhcpd/config/legal_log_config.h"
#include "dhcpd/engine/engine.h"
#include "dhcpd/proto/packet4.h"

namespace tandem::engine {

class LegalLogEntries {
 public:
  explicit LegalLogEntries(config::LegalLogConfig cfg, std::unordered_set<std::uint32_t> silentSubnets = {});
  // Subnets whose "user-context" has "legal-logging": false (Kea's isLoggingDisabled).
  static std::unordered_set<std::uint32_t> silentSubnets(const config::Dhcp4Config& cfg);

  // Subnets whose leases are not logged.
  const std::unordered_set<std::uint32_t>& silent() const { return silent_; }

  // Appends the entries of one processed query (after its lease changes were stored). An
  // entry may hold several lines (a custom format with 0x0a); each gets the timestamp.
  void forQuery(const proto::Packet4& query, const RecvMeta& meta, const Decision& d, std::vector<std::string>& out);

  // Kea's default entry for one lease.
  enum class Action : std::uint8_t { Assign, Release };
  static std::string defaultEntry(const proto::Packet4& query, const Lease& lease, Action action);
  // "1 days 2 hrs 3 mins 4 secs" (days only when there are some), "infinite duration".
  static std::string duration(std::uint32_t seconds);

 private:
  void entry(const proto::Packet4& query, const proto::Packet4* response, const RecvMeta& meta, const Lease& lease,
             Action action, std::vector<std::string>& out);

  config::LegalLogConfig cfg_;
  std::unordered_set<std::uint32_t> silent_;
  classify::Evaluator eval_;
};

}  // namespace tandem::engine
