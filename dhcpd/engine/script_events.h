#pragma once
// The calls Kea 2.2's run_script hook library makes (run_script_callouts.cc): for each hook
// point it implements, the script's argument (the hook point's name) and its environment,
// built from the query, the lease(s) and the subnet with Kea's variable names, order and text
// forms (RunScriptImpl::extract*). Pure: the daemon hands the calls to net::ScriptRunner.
//
// Hook points and when Kea 2.2 reaches them (measured against kea-dhcp4 with the real library,
// tests/difftest/scenarios/run_script.py):
//   lease4_renew       a REQUEST extends the client's lease on the same address
//   leases4_committed  every answered REQUEST (ACK: the lease, and the client's old lease at
//                      another address as deleted; NAK: both lists empty), a RELEASE (the
//                      lease as deleted), a DECLINE (the declined lease)
//   lease4_release     a RELEASE that frees the client's lease (the lease before)
//   lease4_decline     a DECLINE of the client's lease (the lease before)
//   lease4_expire      reclamation of an expired lease (REMOVE_LEASE: deleted, not kept)
//   lease4_recover     the end of a declined address's probation
#include <cstdint>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "dhcpd/common/ipv4.h"
#include "dhcpd/config/dhcp4_config.h"
#include "dhcpd/engine/engine.h"
#include "dhcpd/proto/packet4.h"

namespace tandem::engine {

struct ScriptCall {
  std::string hook;              // the script's only argument
  std::vector<std::string> env;  // "NAME=value", the whole environment, in Kea's order
  std::string program;           // set: run this instead of the runner's program (legal log's prerotate)
};

class ScriptEvents {
 public:
  explicit ScriptEvents(const config::Dhcp4Config& cfg);

  // The calls for one processed query (after its lease changes were stored).
  void forQuery(const proto::Packet4& query, const RecvMeta& meta, std::uint16_t localPort, const Decision& d,
                std::vector<ScriptCall>& out) const;
  // The calls for one reclaimed lease (c as Engine::reclaimExpired returns it): lease4_expire,
  // and lease4_recover after it for a declined address (Kea calls both); none for a flush of
  // a lease that was already reclaimed. `removeMode` is Kea's remove_lease argument
  // (REMOVE_LEASE): leases-reclaim with "remove", or the flush timer off.
  void forReclaim(const LeaseChange& c, bool removeMode, std::vector<ScriptCall>& out) const;

 private:
  struct SubnetText {
    std::string name, prefix;
    unsigned length = 0;
  };
  void query4(const proto::Packet4& q, const RecvMeta& meta, std::uint16_t localPort,
              std::vector<std::string>& env) const;
  void subnet4(std::uint32_t id, std::vector<std::string>& env) const;

  std::unordered_map<std::uint32_t, SubnetText> subnets_;
};

// Kea's text forms, exposed for the forensic log and tests.
std::string_view keaMessageName(const proto::Packet4& q);   // "DHCPREQUEST", Pkt4::getName
std::string_view keaLeaseState(LeaseState s);               // "default", Lease::statesToText
std::string keaHexString(std::span<const std::uint8_t> b);  // "0x0A0B", Option::toHexString

}  // namespace tandem::engine
