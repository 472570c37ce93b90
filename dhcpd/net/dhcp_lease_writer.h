#pragma once
// The one path by which leases change while serving: DHCP decisions, reclamation and the
// control API all go through it, which updates the memory store first (the very next
// packet must see the change), then queues it on the journal (group commit), and keeps
// Kea's address statistics current as Kea 2.2 moves them: subnet[N].assigned-addresses,
// declined-addresses, cumulative-assigned-addresses, reclaimed-leases,
// reclaimed-declined-addresses, their global forms where Kea has one, and the per-pool
// subnet[N].pool[M].* statistics of later Kea versions. Each change adds its net delta to
// the statistic at once (one sample per change, as Kea's StatsMgr::addValue).
// Pure: no sockets; single-threaded (the packet loop's thread).
#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

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
  using NowFn = std::function<TimePoint()>;
  // journal == nullptr: persistence off (lease-database persist=false); nothing waits.
  // `now` stamps the statistics' samples.
  LeaseWriter(LeaseStore& store, LeaseJournal* journal, StatsRegistry& stats, NowFn now);

  // Applies one change decided by the engine; returns the journal sequence that must be
  // durable before a reply depending on it may leave (0 = nothing to wait for).
  // `change.previous` must be what the store held at that address (the engine reports it).
  // A new assignment counts in cumulative-assigned-addresses (Kea's allocation engine).
  Result<std::uint64_t> apply(const engine::LeaseChange& change);
  // Reclamation of an expired lease (the change the engine's reclaimExpired() made):
  // also counts reclaimed-leases and, for a declined address, reclaimed-declined-addresses.
  Result<std::uint64_t> reclaim(const engine::LeaseChange& change);
  // Lease commands and HA updates (Kea's lease_cmds): assigned/declined move, cumulative
  // does not. putLease()/deleteLease() look the previous lease up.
  Result<std::uint64_t> putLease(const Lease& lease);
  Result<std::uint64_t> deleteLease(Ipv4 address);
  // A lease synchronisation's page: putLease() of each lease in turn, except that each
  // statistic moves once by the page's net change (one sample per page, not per lease) and
  // the rows reach the journal in one step. Stops at the first lease the store refuses; the
  // leases before it stay stored and journaled. Returns the last row's sequence (0: none).
  Result<std::uint64_t> putLeases(std::span<const Lease> leases);

  // A shared database refused a write (LeaseJournal::takeLost): the store takes the
  // database's view of the address (`current`, nullopt = no lease), statistics follow, nothing
  // is journaled.
  void adopt(Ipv4 address, const std::optional<Lease>& current);
  // A client's row read from a shared database (ClientLeaseLookup) goes into the store the
  // same way, unless the store holds a lease at that address lasting at least as long (one
  // of this server's writes, perhaps not committed yet: the database's guard decides it).
  // Returns whether it was taken.
  bool adoptFound(const Lease& found);

  // Refused writes for every packet pipeline sharing this writer. Each packet worker parks its
  // own replies, so each must learn of every refused write, not only of those it happened to
  // take from the journal itself. With several workers, called with the shared state held.
  std::size_t addRefusalReader();
  void removeRefusalReader(std::size_t reader);
  struct Refused {
    std::vector<std::uint64_t> seqs;  // refused since `reader` last asked, each once
    std::vector<Ipv4> adopted;        // addresses adopted by this call (the caller logs them)
  };
  // Takes the journal's refused writes, adopts the database's rows for them, hands each to
  // every reader, and returns `reader`'s. Read durableSeq() BEFORE this call: every write
  // refused at or below what was read is then among what this call returns
  // (LeaseJournal::takeLost).
  Refused takeRefused(std::size_t reader);

  // Sequence known durable now (everything when persistence is off).
  std::uint64_t durableSeq() const noexcept;
  bool persistent() const noexcept { return journal_ != nullptr; }
  LeaseJournal* journal() const noexcept { return journal_; }

  // Start-up and reconfiguration, as Kea's SrvConfig::updateStatistics and
  // LeaseMgr::recountLeaseStats4: the per-subnet statistics of the previous configuration
  // are removed, total-addresses set from the pools, and the address statistics recounted
  // from the store (0, then the count of each lease state in one step).
  void recount(const config::Dhcp4Config& cfg, TimePoint now);
  // "198.18.0.0/24" for a configured subnet id (Kea's DHCP4_SUBNET_DATA), "" otherwise.
  std::string subnetText(std::uint32_t id) const;

 private:
  using Handle = StatsRegistry::Handle;
  struct Scope {  // one subnet, or one pool of it
    Handle total, assigned, cumulative, declined, reclaimedDeclined, reclaimed;
  };
  struct PoolScope {
    Ipv4 first, last;
    Scope stats;
  };
  struct SubnetScope {
    std::string text;
    Scope stats;
    Handle reservationConflicts;
    std::vector<PoolScope> pools;
  };
  enum class Kind { Allocation, Command, Reclaim };

  Result<std::uint64_t> applyAs(const engine::LeaseChange& change, Kind kind);
  // `previous`: what the store held at the address (nullptr: nothing).
  Result<std::uint64_t> applyTo(const Lease& lease, bool remove, const Lease* previous, Kind kind);
  void account(const engine::LeaseChange& change, Kind kind);
  void account(const Lease* before, const Lease* after, Kind kind);
  // The scopes a lease counts in: its subnet's and its pool's (each may be absent).
  struct Scopes {
    std::array<Scope*, 2> at{};
    std::size_t n = 0;
    void push(Scope* s) noexcept { at[n++] = s; }
    Scope* const* begin() const noexcept { return at.data(); }
    Scope* const* end() const noexcept { return at.data() + n; }
  };
  Scopes scopesOf(const Lease& l);
  Scope makeScope(const std::string& prefix);
  void forgetScopes(TimePoint now);

  LeaseStore& store_;
  LeaseJournal* journal_;
  StatsRegistry& stats_;
  NowFn now_;
  std::unordered_map<std::uint32_t, SubnetScope> subnets_;
  std::vector<std::optional<std::vector<std::uint64_t>>> refusalReaders_;  // nullopt: slot free
  Handle cumulative_, declined_, reclaimed_, reclaimedDeclined_;           // Kea's global forms
  Lease previous_;  // putLease()/deleteLease(): the replaced lease, its buffers reused
  struct PageDelta {
    std::int64_t assigned = 0, declined = 0;
  };
  std::unordered_map<Scope*, PageDelta> pageDeltas_;  // putLeases(): net change per scope
};

// Kea counts a declined address as assigned too (it is unavailable to clients); reclaimed
// leases count as neither.
inline bool countsAsAssigned(const Lease& l) noexcept {
  return l.state == LeaseState::Default || l.state == LeaseState::Declined;
}

}  // namespace tandem::net
