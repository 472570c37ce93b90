#pragma once
// Replies that may not leave yet: the one parking lot of the packet path (issue 11).
// A DHCPACK binds a lease, so it waits until its lease is on disk (the journal's durable
// sequence reaches the row's) and, in an HA pair, until the partner acknowledged the lease
// update (reference/ha-protocol.md 6.2; Kea parks the packet the same way). Each parked reply
// leaves exactly once, by one of these ways:
//   release()             every condition met: the reply is sent
//   acknowledge(t, false) the partner refused the update or it failed (Kea drops the reply;
//                         a partner that goes down fails the updates in flight this way, and
//                         failAcks() fails them all at once when HA is detached)
//   expire()              a condition still unmet at the deadline (AckTimedOut, NotDurable)
//   drain()               shutdown: whatever is still waiting
// Deadlines are on the steady clock: a wall-clock step neither drops nor keeps replies.
// Pure: no clock reads, no I/O; single-threaded (the packet loop's thread).
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <utility>
#include <vector>

namespace tandem::net {

template <class T>
class ReplyParking {
 public:
  using Steady = std::chrono::steady_clock::time_point;
  using Ticket = std::uint64_t;  // grows with every park(): older tickets were parked earlier

  // Why a reply left unsent.
  enum class Exit : std::uint8_t {
    AckFailed,    // the partner's acknowledgement came back negative (or the update failed)
    AckTimedOut,  // no acknowledgement by the deadline
    NotDurable,   // its lease was not on disk by the deadline
    Shutdown,     // still parked when the server stopped
  };
  struct Dropped {
    T item;
    Exit why;
  };
  // What acknowledge() found: when the ticket was parked (the update's round trip).
  struct Acked {
    Steady parkedAt;
  };

  ReplyParking(std::size_t capacity, std::chrono::nanoseconds timeout) : capacity_(capacity), timeout_(timeout) {}

  // Parks `item` until the journal is durable up to `seq` (0: nothing to write) and, with
  // `awaitAck`, until acknowledge(ticket, true); at most `timeout` from `now`. nullopt (and
  // nothing kept) when full: the caller drops the reply, which the client retransmits.
  // `firstSeq` (0: `seq`) is the first of the reply's writes: one decision's writes have
  // consecutive sequences, and drop() finds the reply by any of them.
  std::optional<Ticket> park(T item, std::uint64_t seq, bool awaitAck, Steady now, std::uint64_t firstSeq = 0) {
    if (size() >= capacity_) return std::nullopt;
    const Ticket t = ++lastTicket_;
    Entry e{seq, firstSeq && firstSeq <= seq ? firstSeq : seq, now, now + timeout_, std::move(item)};
    if (awaitAck) {
      awaiting_.emplace_hint(awaiting_.end(), t, std::move(e));
    } else {
      toDisk(std::move(e));
    }
    return t;
  }

  // The partner answered for `ticket`. nullopt when it is not waiting for an answer (it left
  // already: timed out, failed, drained). ok=false: the reply leaves unsent (AckFailed).
  std::optional<Acked> acknowledge(Ticket ticket, bool ok) {
    auto it = awaiting_.find(ticket);
    if (it == awaiting_.end()) return std::nullopt;
    Entry e = std::move(it->second);
    awaiting_.erase(it);
    const Acked a{e.parkedAt};
    if (ok) toDisk(std::move(e));
    return a;
  }

  // Every reply acknowledged (or not waiting for it) whose lease is durable with the journal
  // durable up to `durableSeq`, in journal order.
  std::vector<T> release(std::uint64_t durableSeq) {
    std::vector<T> out;
    while (!disk_.empty() && disk_.front().seq <= durableSeq) {
      out.push_back(std::move(disk_.front().item));
      disk_.pop_front();
    }
    return out;
  }
  // Whether release(durableSeq) would hand out anything (cheap: skips work on most wake-ups).
  bool releasable(std::uint64_t durableSeq) const noexcept { return !disk_.empty() && disk_.front().seq <= durableSeq; }

  // Removes the reply that one of whose writes was `seq` (a write the database refused),
  // wherever it waits; true if there was one.
  bool drop(std::uint64_t seq) {
    bool found = false;
    for (auto it = awaiting_.begin(); it != awaiting_.end();) {
      if (it->second.covers(seq)) {
        it = awaiting_.erase(it);
        found = true;
      } else {
        ++it;
      }
    }
    // disk_ is sorted by last sequence: a reply covering `seq` ends at `seq` or later.
    auto it =
        std::lower_bound(disk_.begin(), disk_.end(), seq, [](const Entry& x, std::uint64_t s) { return x.seq < s; });
    while (it != disk_.end() && it->firstSeq <= seq) {
      if (it->covers(seq)) {
        it = disk_.erase(it);
        found = true;
      } else {
        ++it;
      }
    }
    return found;
  }

  // Removes the replies whose deadline is <= now, each with the condition it still lacked.
  std::vector<Dropped> expire(Steady now) {
    std::vector<Dropped> out;
    for (auto it = awaiting_.begin(); it != awaiting_.end();) {
      if (it->second.deadline <= now) {
        out.push_back(Dropped{std::move(it->second.item), Exit::AckTimedOut});
        it = awaiting_.erase(it);
      } else {
        ++it;
      }
    }
    auto keep = disk_.begin();
    for (auto it = disk_.begin(); it != disk_.end(); ++it) {
      if (it->deadline <= now) {
        out.push_back(Dropped{std::move(it->item), Exit::NotDurable});
      } else {
        if (keep != it) *keep = std::move(*it);
        ++keep;
      }
    }
    disk_.erase(keep, disk_.end());
    return out;
  }

  // Fails every reply still waiting for an acknowledgement (AckFailed): the HA service that
  // would have answered is gone (reconfiguration, shutdown). The disk-only ones stay.
  std::vector<Dropped> failAcks() {
    std::vector<Dropped> out;
    for (auto& [ticket, e] : awaiting_) out.push_back(Dropped{std::move(e.item), Exit::AckFailed});
    awaiting_.clear();
    return out;
  }

  // Shutdown, after the final flush and release(): everything still parked (Shutdown).
  std::vector<Dropped> drain() {
    std::vector<Dropped> out;
    for (auto& [ticket, e] : awaiting_) out.push_back(Dropped{std::move(e.item), Exit::Shutdown});
    for (auto& e : disk_) out.push_back(Dropped{std::move(e.item), Exit::Shutdown});
    awaiting_.clear();
    disk_.clear();
    return out;
  }

  std::size_t size() const noexcept { return awaiting_.size() + disk_.size(); }
  bool empty() const noexcept { return size() == 0; }
  std::size_t capacity() const noexcept { return capacity_; }
  // Replies waiting for the partner's acknowledgement, and when the oldest of them was parked.
  std::size_t awaitingAck() const noexcept { return awaiting_.size(); }
  std::optional<Steady> oldestAwaitingAck() const noexcept {
    if (awaiting_.empty()) return std::nullopt;
    return awaiting_.begin()->second.parkedAt;
  }

 private:
  struct Entry {
    std::uint64_t seq = 0;       // the last of its writes: it leaves once this is durable
    std::uint64_t firstSeq = 0;  // the first of them
    Steady parkedAt{};
    Steady deadline{};
    T item;
    bool covers(std::uint64_t s) const noexcept { return firstSeq <= s && s <= seq; }
  };

  // Kept sorted by journal sequence. Sequences arrive in order from the packet path, so this is
  // an append in practice; acknowledgements come back out of order and are inserted.
  void toDisk(Entry e) {
    if (disk_.empty() || disk_.back().seq <= e.seq) {
      disk_.push_back(std::move(e));
      return;
    }
    auto pos =
        std::upper_bound(disk_.begin(), disk_.end(), e.seq, [](std::uint64_t s, const Entry& x) { return s < x.seq; });
    disk_.insert(pos, std::move(e));
  }

  std::size_t capacity_;
  std::chrono::nanoseconds timeout_;
  Ticket lastTicket_ = 0;
  std::map<Ticket, Entry> awaiting_;  // waiting for the partner; by ticket, so oldest first
  std::deque<Entry> disk_;            // waiting for the journal only; by sequence
};

}  // namespace tandem::net
