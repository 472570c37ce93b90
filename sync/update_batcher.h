#pragma once
// Coalesces the lease updates for one tandemd peer into lease4-bulk-apply requests.
//
// Kea 2.2 sends one HTTP request per lease (reference/ha-protocol.md 4.3: "There is no
// lease4-bulk-apply in Kea"), so every DHCPACK of a pair costs an HTTP exchange, a TLS record
// each way, a JSON parse on both sides and an fdatasync wait on the partner. With a tandemd
// partner (announced in its heartbeat answer) the updates committed while earlier requests are
// on the wire travel together: at most `maxInFlight` requests at once, each with up to
// `maxBatch` changes. Under a light load a change leaves at once (no added latency); under a
// heavy one the batches grow by themselves, which is what keeps the pair's CPU per DORA low.
//
// Order: two changes of one address must reach the partner in commit order. A change whose
// address is in a request still on the wire waits for that request's answer; a batch never
// holds one address twice (the later change waits for the next batch).
//
// Pure: no I/O and no clock; the shell sends what next() returns and reports finished().
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <unordered_map>
#include <vector>

#include "dhcpd/lease/lease.h"
#include "ha/ha_machine.h"
#include "sync/address_set.h"

namespace tandem::sync {

class UpdateBatcher {
 public:
  using Outcome = ha::LeaseUpdateResult::Outcome;
  // Called once per change with its outcome, a text for the logs (the error, if any) and the
  // lease as it was sent (so a caller needs no copy of its own for the rare failure).
  using Callback = std::function<void(Outcome, const std::string& text, const Lease& lease)>;

  struct Item {
    Lease lease;
    bool upsert = true;  // false: lease4-del
    Callback done;
  };
  struct Batch {
    std::uint64_t id = 0;
    std::uint64_t generation = 0;  // detachInFlight() starts a new one
    std::vector<Item> items;
  };
  struct Options {
    std::size_t maxInFlight = 4;
    std::size_t maxBatch = 1000;
    // While a request is on the wire, another leaves only with at least this many changes
    // waiting; fewer wait for an answer (at most one round trip) and travel together. Each
    // request costs both peers a TLS record each way, an HTTP exchange and a wake-up, so
    // under load small batches made most of the partner's cost per update. The first
    // request of a quiet spell still leaves at once (nothing on the wire: no delay).
    // Measured (scripts/bench-ha.sh, load-balancing at 4,000 DORA/s, mutual TLS): with every
    // change free to leave (1) the requests carried 4.1 changes on average and the transport
    // (TLS, HTTP, sockets, wake-ups on both peers) cost ~200 us a request, about 48 us of
    // the pair's 132 us per DORA; with 64 one request is on the wire below ~64 changes per
    // round trip, carrying everything committed during the previous one.
    std::size_t minBatch = 64;
  };

  UpdateBatcher() = default;
  explicit UpdateBatcher(Options options);

  void add(Lease lease, bool upsert, Callback done);
  // The next request to send, if one may go now (fewer than maxInFlight on the wire, a
  // change whose address is free, and nothing on the wire or minBatch changes waiting). Its
  // items stay owned by the batch; finish it with finished().
  std::optional<Batch> next();
  // The batch's answer arrived (or failed): its addresses are free again.
  void finished(const Batch& batch);
  // The partner has just pulled our database: the requests on the wire carry nothing it lacks.
  // They may be stuck on connections a partition broke, each waiting out its timeout, and
  // later changes must not queue behind them (the hand-over waits for those, see
  // ha/service/ha_handover_drain.h): they stop counting against maxInFlight and their
  // addresses are free again. Should one still arrive after a later change of its address,
  // the partner keeps the newer lease (sync/lease_merge.h, partnerUpdateIsStale). Their
  // finished() is then a no-op.
  void detachInFlight() noexcept;
  // Every waiting change, removed (their callbacks are the caller's to run, e.g. on stop).
  std::vector<Item> takePending();

  std::size_t pending() const noexcept { return pending_.size(); }
  std::size_t inFlight() const noexcept { return inFlight_; }
  const Options& options() const noexcept { return options_; }

 private:
  Options options_;
  std::deque<Item> pending_;
  // Addresses in requests on the wire (and, while next() builds a batch, in that batch).
  AddressSet addressesOnWire_;
  // next()'s scratch: addresses of changes it had to leave waiting, so later changes of them
  // wait too; emptied before it returns. Members so a batch allocates nothing per change.
  AddressSet skipped_;
  std::vector<std::uint32_t> skippedList_;
  std::deque<Item> kept_;
  std::size_t inFlight_ = 0;
  std::uint64_t nextId_ = 1;
  std::uint64_t generation_ = 0;
};

}  // namespace tandem::sync
