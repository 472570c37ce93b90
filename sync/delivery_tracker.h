#pragma once
// Up to which change (sync/change_history.h numbering) a partner is known to hold every
// lease change this server made: the point a delta resync starts from. Known only once the
// partner has pulled our database since we started (before that, we cannot tell what it
// holds); afterwards every change is either acknowledged by the partner (its lease update
// was stored there: a tandemd or Kea peer acknowledges only what it committed) or missed
// (not sent because of the state, failed, refused, queued for a replay). The watermark stops
// below the first missed change and below every update still in flight, so a delta from it
// can only fetch too much, never too little. Pure; one per partner.
#include <cstdint>
#include <optional>
#include <deque>

namespace tandem::sync {

class DeliveryTracker {
 public:
  // The update carrying change `seq` is on its way to the partner.
  void sent(std::uint64_t seq);
  // The partner stored it.
  void acknowledged(std::uint64_t seq);
  // The partner may lack change `seq`: not sent, failed, refused.
  void missed(std::uint64_t seq);
  // The partner has just pulled our database: it holds everything up to `last`, the latest
  // change recorded (this instant's; nothing after it has been reported yet).
  void synchronised(std::uint64_t last);
  // The partner is known to hold every change up to `seq`, an earlier instant than now (our
  // own pull from it showed it had all our leases as of its start): reports since then stand.
  void heldUpTo(std::uint64_t seq);
  // Nothing known any more (the partner lost its leases, or we cannot tell).
  void forget();

  // Every change numbered up to the answer is held by the partner; nullopt when unknown.
  // `last`: the latest change recorded.
  std::optional<std::uint64_t> watermark(std::uint64_t last) const;
  std::size_t inFlight() const noexcept { return inFlight_; }
  // Whether the partner's last pull from us carried change `seq` (it was made before): an
  // update of it that fails tells nothing about what the partner holds now.
  bool coveredByPull(std::uint64_t seq) const noexcept { return floor_ && seq <= *floor_; }
  // The newest change still in flight, nullopt when none is.
  std::optional<std::uint64_t> newestInFlight() const noexcept;
  // Whether every update carrying a change numbered up to `seq` has been answered (stored or
  // missed) or is covered by the partner's last pull.
  bool answeredUpTo(std::uint64_t seq) const noexcept { return seqs_.empty() || seqs_.front() > seq; }

 private:
  // Drops the answered entries at the front, so the front is the oldest one in flight.
  void trim() noexcept;

  std::optional<std::uint64_t> floor_;        // synchronised up to here
  std::optional<std::uint64_t> firstMissed_;  // above floor_
  // The changes in flight (above floor_), ascending: sent() numbers only grow, so they are
  // appended, and an answer marks its entry (binary search) instead of erasing a tree node;
  // answered entries leave from the front. A std::set allocated a node per lease change.
  std::deque<std::uint64_t> seqs_;
  std::deque<bool> answered_;
  std::size_t inFlight_ = 0;
};

}  // namespace tandem::sync
