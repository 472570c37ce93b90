#pragma once
// Replies that may not leave yet. A DHCPACK binds a lease, and the lease must be on disk
// (journal durable sequence) before the client hears about it; later HA parks the same way
// until the partner acknowledges its lease4-update. Pure: no clock reads, no I/O.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <utility>
#include <vector>

#include "dhcpd/common/clock.h"

namespace tandem::net {

template <class T>
class ReplyParking {
 public:
  explicit ReplyParking(std::size_t capacity) : capacity_(capacity) {}

  // Parks `item` until release(seq' >= seq) or until `deadline` passes. Returns false (and
  // keeps nothing) when full: the caller drops the reply, which the client retransmits.
  bool park(std::uint64_t seq, T item, TimePoint deadline) {
    if (entries_.size() >= capacity_) return false;
    Entry e{seq, deadline, std::move(item)};
    // Journal sequences arrive in order, so this is an append in practice; other keys
    // (HA acknowledgements) may come out of order and are kept sorted.
    if (entries_.empty() || entries_.back().seq <= seq) {
      entries_.push_back(std::move(e));
    } else {
      auto pos = std::upper_bound(entries_.begin(), entries_.end(), seq,
                                  [](std::uint64_t s, const Entry& x) { return s < x.seq; });
      entries_.insert(pos, std::move(e));
    }
    return true;
  }

  // Everything parked with seq <= upTo, in seq order.
  std::vector<T> release(std::uint64_t upTo) {
    std::vector<T> out;
    while (!entries_.empty() && entries_.front().seq <= upTo) {
      out.push_back(std::move(entries_.front().item));
      entries_.pop_front();
    }
    return out;
  }

  // Removes and returns entries whose deadline is <= now (never released: dropped).
  std::vector<T> expire(TimePoint now) {
    std::vector<T> out;
    auto keep = entries_.begin();
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (it->deadline <= now) {
        out.push_back(std::move(it->item));
      } else {
        if (keep != it) *keep = std::move(*it);
        ++keep;
      }
    }
    entries_.erase(keep, entries_.end());
    return out;
  }

  std::size_t size() const noexcept { return entries_.size(); }
  bool empty() const noexcept { return entries_.empty(); }
  std::size_t capacity() const noexcept { return capacity_; }
  // Smallest parked sequence, 0 when empty (lets the caller skip work).
  std::uint64_t lowestSeq() const noexcept { return entries_.empty() ? 0 : entries_.front().seq; }

 private:
  struct Entry {
    std::uint64_t seq = 0;
    TimePoint deadline{};
    T item;
  };
  std::deque<Entry> entries_;
  std::size_t capacity_;
};

}  // namespace tandem::net
