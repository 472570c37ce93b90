#pragma once
// The one path by which leases change while serving: DHCP decisions, reclamation and the
// control API all go through apply(), which updates the memory store first (the very next
// packet must see the change), then queues it on the journal (group commit), and keeps
// Kea's address statistics (subnet[N].assigned-addresses, declined-addresses...) current.
// Pure: no sockets; single-threaded (the packet loop's thread).
#include <cstdint>
#include <unordered_map>
#include <unordered_set>

#include "dhcpd/common/clock.h"
#include "dhcpd/common/result.h"
#include "dhcpd/common/stats.h"
#include "dhcpd/config/dhcp4_config.h"
#include "dhcpd/engine/engine.h"
#include "dhcpd/lease/lease_journal.h"
#include "dhcpd/lease/lease_store.h"

namespace tandem::net {

class LeaseWriter {
 public:
  // journal == nullptr: persistence off (lease-database persist=false); nothing waits.
  LeaseWriter(LeaseStore& store, LeaseJournal* journal, StatsRegistry& stats);

  // Applies one change; returns the journal sequence that must be durable before a reply
  // depending on it may leave (0 = nothing to wait for). `change.previous` must be what the
  // store held at that address (the engine reports it); putLease()/deleteLease() look it up.
  Result<std::uint64_t> apply(const engine::LeaseChange& change);
  Result<std::uint64_t> putLease(const Lease& lease);
  Result<std::uint64_t> deleteLease(Ipv4 address);

  // Sequence known durable now (everything when persistence is off).
  std::uint64_t durableSeq() const noexcept;
  bool persistent() const noexcept { return journal_ != nullptr; }
  LeaseJournal* journal() const noexcept { return journal_; }

  // Recounts every address statistic from the store and sets subnet[N].total-addresses from
  // the pools (start-up and reconfiguration).
  void recount(const config::Dhcp4Config& cfg, TimePoint now);
  // Publishes counters changed since the last call to the registry (called once per batch so
  // the per-packet cost is a hash-map increment, not a locked map update).
  void publish(TimePoint now);

 private:
  struct Counts {
    std::int64_t assigned = 0;
    std::int64_t declined = 0;
    std::int64_t cumulativeAssigned = 0;
  };
  void account(const Lease& lease, int sign, bool fresh);

  LeaseStore& store_;
  LeaseJournal* journal_;
  StatsRegistry& stats_;
  std::unordered_map<std::uint32_t, Counts> subnets_;
  Counts global_;
  std::unordered_set<std::uint32_t> dirty_;
  bool globalDirty_ = false;
};

// Kea counts a declined address as assigned too (it is unavailable to clients); reclaimed
// leases count as neither.
inline bool countsAsAssigned(const Lease& l) noexcept {
  return l.state == LeaseState::Default || l.state == LeaseState::Declined;
}

}  // namespace tandem::net
