#pragma once
// Kea's QueryFilter (reference/ha-protocol.md section 5): which active server's scope a
// DHCPv4 query belongs to, the `HA_<scope>` class it is tagged with, and which scopes this
// server serves right now.
//
// Thread-safety: classify()/amServing() may run on DHCP worker threads while the HA strand
// changes the served scopes; each scope flag is an atomic, so a reader sees every flag
// either before or after a change (a momentary mix during ha-scopes is harmless: the query
// is answered or dropped, both of which the client survives by retransmitting).
#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dhcpd/common/result.h"
#include "ha/ha_config.h"

namespace tandem::ha {

// RFC 3074 section 6 mixing table (Kea: loadb_mx_tbl, ISC DHCP: failover.c).
extern const std::array<std::uint8_t, 256> kRfc3074MixTable;

// RFC 3074 section 6 "loadb_p_hash": h = key length (mod 256), then for the key's bytes
// from LAST to FIRST h = table[h ^ byte]. Bit-exact with Kea's QueryFilter::loadBalanceHash.
std::uint8_t loadBalanceHash(std::span<const std::uint8_t> key) noexcept;

// What the filter needs from a query (kept free of the packet codec so the daemon can call
// it with whatever it decoded).
struct QueryView {
  std::uint8_t messageType = 0;            // option 53 value, 0 when absent
  std::span<const std::uint8_t> clientId;  // option 61 payload, empty when absent
  std::span<const std::uint8_t> hwAddr;    // chaddr[0..hlen)
};

struct ScopeDecision {
  bool inScope = false;    // this server should process the query now
  std::string scope;       // the server whose scope the query belongs to ("" = none)
  std::string scopeClass;  // "HA_<scope>", or "" when the query had no key to hash
  int hash = -1;           // RFC 3074 hash, -1 when not hashed
};

class ScopeFilter {
 public:
  explicit ScopeFilter(const HaConfig& cfg);
  ScopeFilter(const ScopeFilter&) = delete;
  ScopeFilter& operator=(const ScopeFilter&) = delete;

  // DHCPDISCOVER, DHCPREQUEST, DHCPDECLINE, DHCPRELEASE, DHCPINFORM are balanced; any other
  // type is processed by every server and tagged with the primary's class.
  static bool isHaType(std::uint8_t messageType) noexcept;

  ScopeDecision classify(const QueryView& q) const;
  // Whether the query belongs to another peer's scope that this server does not serve now:
  // the queries a load-balancing peer drops because its partner answers them (and, in
  // hot-standby, all of a standby's or a backup's). False for this server's own scope (even
  // while it serves none: that drop is the ordinary path's), for a query without a hash key,
  // for the types every server processes, and whenever this server serves that scope
  // (partner-down, ha-scopes). The same decision as classify(), without building its strings.
  bool isPartnerQuery(const QueryView& q) const noexcept;
  // The scope a lease belongs to (client-id first, else hw-address), for reclamation in
  // `terminated`; "" when the lease has neither.
  std::string scopeOf(std::span<const std::uint8_t> clientId, std::span<const std::uint8_t> hwAddr) const;

  void serveDefaultScopes();   // primary/secondary: own scope; standby/backup: none
  void serveFailoverScopes();  // primary's and (load-balancing) secondary's
  void serveNoScopes();
  // ha-scopes: every name must be a configured peer's, else nothing changes.
  Result<void> serveScopes(const std::vector<std::string>& scopes);

  bool amServing(std::string_view scope) const noexcept;
  // Sorted by name, as Kea reports them (its scopes live in a std::map).
  std::vector<std::string> servedScopes() const;

 private:
  int indexOf(std::string_view name) const noexcept;
  void set(int index, bool on) noexcept {
    serving_[static_cast<std::size_t>(index)].store(on, std::memory_order_relaxed);
  }

  HaMode mode_;
  Role myRole_;
  std::string myName_;
  std::vector<std::string> active_;  // Kea QueryFilter order: primary, then secondary/standby
  std::vector<std::string> names_;   // every peer, config order; index for serving_
  std::vector<int> activeIndex_;     // active_[i]'s index in names_
  int myIndex_ = -1;                 // this server's index in names_
  std::unique_ptr<std::atomic<bool>[]> serving_;
};

}  // namespace tandem::ha
