#pragma once
// The tandemd-to-tandemd bulk sync that keeps the partner serving (issue 4, "Keep serving
// while syncing", "Large databases"). Kea's syncing peer disables its partner's DHCP service
// for the whole pull so the pages cannot go stale; we let the partner serve on and make up
// for it with a change log:
//
//  - The partner (the side being pulled from) opens a PullSession for each puller. From then
//    on every lease change it commits is recorded in the session's ChangeLog (the latest
//    change per address: the new lease, or the deleted one).
//  - Each page answer carries the page (leases with address > from, ascending, a snapshot
//    taken at that instant) AND the changes recorded since the previous answer, taken at the
//    same instant (the daemon is single-threaded, so page and log are consistent).
//  - The puller applies a page, then the changes handed over with it. A change committed
//    before a page's snapshot is either reflected in that page or superseded by a later
//    change handed over later, so applying the log after each page can never let an older
//    page copy overwrite a newer change or resurrect a lease deleted meanwhile.
//  - The final "done" request takes the rest of the log atomically with the partner's
//    ha-sync-complete-notify handling (a partner in partner-down stops serving until its
//    next heartbeat sees the puller ready, reference 4.6 step 6), so no change falls between
//    the last log and the lease updates that follow in the normal state.
//
// The puller also records the lease4-update / lease4-del commands it receives during a pull
// (from the partner in load-balancing, or from the other active for a backup) and re-applies
// them after the last page with the same rules, which covers a Kea active too (no change
// log there).
//
// Rules for a change applied after page data (mergeChange / shouldErase): an upsert wins
// unless our copy is strictly newer by cltt (a reclaim changes the state, not the cltt, so a
// tie goes to the change); a deletion removes our copy only if it is not newer than the
// deleted lease (a client that got the address again later keeps it).
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "dhcpd/common/steady_time.h"
#include "dhcpd/lease/lease.h"
#include "sync/lease_merge.h"

namespace tandem::sync {

// The latest change per address since the last take().
class ChangeLog {
 public:
  explicit ChangeLog(std::size_t maxEntries = kDefaultMaxEntries) : max_(maxEntries) {}
  // Beyond this many distinct addresses the log gives up (overflowed): the pull fails and is
  // retried with back-off, rather than holding unbounded memory for a puller that went away.
  static constexpr std::size_t kDefaultMaxEntries = 1'000'000;

  void upsert(const Lease& lease);
  void erase(const Lease& deleted);
  bool overflowed() const noexcept { return overflowed_; }
  std::size_t size() const noexcept { return entries_.size(); }

  struct Changes {
    std::vector<Lease> upserts;
    std::vector<Lease> deletes;  // the deleted leases (their cltt decides against our copy)
    std::size_t size() const noexcept { return upserts.size() + deletes.size(); }
  };
  // Hands over everything recorded and starts empty (order between addresses is irrelevant:
  // only the latest change of each address matters).
  Changes take();

 private:
  struct Entry {
    bool deleted = false;
    Lease lease;
  };
  void record(const Lease& lease, bool deleted);
  std::size_t max_;
  bool overflowed_ = false;
  std::unordered_map<std::uint32_t, Entry> entries_;
};

// Partner side: one session per puller (a new open by the same puller replaces its old one),
// dropped when idle longer than `idleTimeout` (a puller that died must not leave a log
// growing forever). Idle time is steady time: a step of the wall clock (NTP, `date -s`) in
// the middle of a pull neither drops a live session (a step forward made the next page's
// request "unknown or expired", and the pull started over) nor keeps a dead one's log
// growing (a step back), as for the other HA deadlines (dhcpd/common/steady_time.h).
class PullSessions {
 public:
  explicit PullSessions(std::chrono::milliseconds idleTimeout, std::size_t maxEntries = ChangeLog::kDefaultMaxEntries)
      : idle_(idleTimeout), maxEntries_(maxEntries) {}

  // Returns the new session's id.
  std::string open(const std::string& puller, SteadyTime now);
  // The session's log, refreshed as active; nullptr when unknown or expired.
  ChangeLog* find(const std::string& id, SteadyTime now);
  // Takes the remaining changes and forgets the session; nullopt when unknown or expired.
  std::optional<ChangeLog::Changes> close(const std::string& id, SteadyTime now);
  // A committed change, recorded in every open session.
  void recordUpsert(const Lease& lease, SteadyTime now);
  void recordDelete(const Lease& lease, SteadyTime now);
  std::size_t size() const noexcept { return sessions_.size(); }
  bool empty() const noexcept { return sessions_.empty(); }

 private:
  struct Session {
    std::string puller;
    SteadyTime lastUsed;
    ChangeLog log;
  };
  void expire(SteadyTime now);
  std::chrono::milliseconds idle_;
  std::size_t maxEntries_;
  std::uint64_t nextId_ = 1;
  std::unordered_map<std::string, Session> sessions_;
};

// Puller side: the rules for a change applied after page data (see above).
MergeAction mergeChange(const std::optional<Lease>& local, const Lease& changed) noexcept;
bool shouldErase(const std::optional<Lease>& local, const Lease& deleted) noexcept;

}  // namespace tandem::sync
