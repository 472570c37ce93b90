#pragma once
// The communication-recovery backlog (reference/ha-protocol.md 6.3, Kea LeaseUpdateBacklog):
// a FIFO of lease updates for the partner while it is unreachable in load-balancing.
// When it holds delayed-updates-limit entries further pushes are dropped and the backlog is
// marked overflown; replaying is then pointless and a full resynchronisation follows.
#include <cstddef>
#include <deque>
#include <optional>

#include "dhcpd/lease/lease.h"

namespace tandem::sync {

class LeaseUpdateBacklog {
 public:
  enum class Op : std::uint8_t { Add, Delete };  // lease4-update / lease4-del
  struct Entry {
    Op op = Op::Add;
    Lease lease;
  };

  explicit LeaseUpdateBacklog(std::size_t limit) : limit_(limit) {}

  // False (and overflown() from now on) when the backlog is full; the entry is dropped.
  bool push(Op op, const Lease& lease);
  // Oldest first, as Kea replays them.
  std::optional<Entry> pop();
  const Entry* front() const noexcept { return entries_.empty() ? nullptr : &entries_.front(); }
  // Whether an entry for `address` is queued (linear: only used on the failure path).
  bool holds(Ipv4 address) const noexcept;
  // Clears entries and the overflow mark (on leaving communication-recovery).
  void clear() noexcept;

  bool overflown() const noexcept { return overflown_; }
  std::size_t size() const noexcept { return entries_.size(); }
  bool empty() const noexcept { return entries_.empty(); }
  std::size_t limit() const noexcept { return limit_; }

 private:
  std::size_t limit_;
  std::deque<Entry> entries_;
  bool overflown_ = false;
};

}  // namespace tandem::sync
