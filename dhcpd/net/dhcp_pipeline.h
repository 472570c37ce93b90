#pragma once
// The DHCP packet path without sockets: bytes in -> decode -> engine -> lease changes
// applied (store + journal) -> reply routed (RFC 2131 4.1) -> sent now, or parked until its
// lease is durable (group commit: the ACK never leaves before its lease is on disk) and, in
// an HA pair, acknowledged by the partner (one parking lot, net/reply_parking.h).
// Counts everything with Kea's statistic names; logs bad input rate-limited.
// One pipeline per packet worker, each called from its own thread only; the workers share the
// engine, lease writer and store through setSharedState() (daemon/packet_worker.h).
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <unordered_map>
#include <vector>

#include "dhcpd/common/clock.h"
#include "dhcpd/common/latency_histogram.h"
#include "dhcpd/common/logger.h"
#include "dhcpd/common/stats.h"
#include "dhcpd/engine/engine.h"
#include "dhcpd/lease/client_lease_lookup.h"
#include "dhcpd/net/dhcp_lease_writer.h"
#include "dhcpd/net/reply_parking.h"
#include "dhcpd/net/reply_route.h"
#include "dhcpd/proto/packet4.h"

namespace tandem::net {

struct Outgoing {
  Destination dest;
  int ifIndex = 0;  // interface the query came in on (and the reply leaves by)
  Ipv4 srcAddr;     // our address there (IP source for link-layer unicast)
  proto::MessageType type = proto::MessageType::Ack;
  std::vector<std::uint8_t> bytes;  // encoded DHCP message (UDP payload)
};

class DhcpPipeline {
 public:
  struct Options {
    ReplyPorts ports;
    // A reply not durable (or not acknowledged by the partner) by then is dropped; on the
    // steady clock (`monotonic`).
    std::chrono::milliseconds parkTimeout{5000};
    std::size_t parkCapacity = 32768;
    // HA back-pressure: while the oldest DHCPACK waiting for the partner's acknowledgement has
    // waited longer than this, DISCOVERs of this server's scope are dropped (counted in
    // pkt4-ha-backpressure-drop) so that no new exchange starts that could not finish in time.
    // Without it an overloaded pair keeps offering more than it can replicate, the ACK queue
    // grows to seconds and nearly every exchange is lost (Kea 2.2's collapse). 0 = off.
    // Only with at least haBackpressureMinParked replies waiting: a few updates stuck on a
    // connection that just died are a failure for the state machine to detect (the next
    // update fails fast on a new connection), not an overload, and shedding the DISCOVERs
    // would also shed the exchanges whose updates reveal it.
    std::chrono::milliseconds haBackpressure{250};
    std::size_t haBackpressureMinParked = 128;
    // Monotonic clock of the parking deadlines, the HA back-pressure and the latency
    // histograms (tests inject a fake one).
    std::chrono::steady_clock::time_point (*monotonic)() noexcept = &std::chrono::steady_clock::now;
    // Shared SQL database: queries parked while their client's lease is looked up
    // (setClientLookup); beyond this many new ones are dropped and counted
    // (pkt4-lease-db-lookup-backpressure-drop), so a slow database cannot grow the lot.
    std::size_t lookupCapacity = 4096;
    // Once the oldest parked query has waited longer than this for its lookup, a DISCOVER
    // that needs one is dropped (pkt4-lease-db-lookup-backpressure-drop) while REQUESTs of
    // clients already offered are still looked up: as with the journal's and the partner's
    // back-pressure, no new exchange starts that could not finish before its client gives up.
    // Without it an overloaded database answered every lookup seconds late and most exchanges
    // were lost (MariaDB at perfdhcp's unlimited rate: 949 DORA/s completed of 14,328 leases
    // written). 0 = off.
    std::chrono::milliseconds lookupBackpressure{250};
  };

  // Bucket bounds of the latency histograms on /metrics (fixed, so observing never allocates).
  static constexpr std::array<std::chrono::nanoseconds, 14> kProcessingBuckets{
      std::chrono::microseconds(10),  std::chrono::microseconds(25),   std::chrono::microseconds(50),
      std::chrono::microseconds(100), std::chrono::microseconds(250),  std::chrono::microseconds(500),
      std::chrono::milliseconds(1),   std::chrono::microseconds(2500), std::chrono::milliseconds(5),
      std::chrono::milliseconds(10),  std::chrono::milliseconds(25),   std::chrono::milliseconds(50),
      std::chrono::milliseconds(100), std::chrono::milliseconds(250)};
  static constexpr std::array<std::chrono::nanoseconds, 14> kHaUpdateBuckets{
      std::chrono::microseconds(250),  std::chrono::microseconds(500), std::chrono::milliseconds(1),
      std::chrono::microseconds(2500), std::chrono::milliseconds(5),   std::chrono::milliseconds(10),
      std::chrono::milliseconds(25),   std::chrono::milliseconds(50),  std::chrono::milliseconds(100),
      std::chrono::milliseconds(250),  std::chrono::milliseconds(500), std::chrono::seconds(1),
      std::chrono::milliseconds(2500), std::chrono::seconds(5)};

  // High availability (issue 5), attached only when the HA hook is configured: the scope
  // filter runs before the engine, committed lease changes go to the HA peers, and a DHCPACK
  // waits for BOTH the journal (durable) and the partner's acknowledgement (reference/
  // ha-protocol.md 6.2). A failed acknowledgement drops the reply. Detaching the hooks (no
  // leasesCommitted) fails the replies still waiting for the old hooks' acknowledgements.
  struct HaHooks {
    std::function<bool(const proto::Packet4&, engine::RecvMeta&)> shouldServe;
    // Must call `done` exactly once, possibly before returning.
    std::function<void(const std::vector<engine::LeaseChange>&, std::function<void(bool ok)> done)> leasesCommitted;
    // An acknowledgement arrived outside process(): ask the loop to call releaseDurable().
    std::function<void()> wake;
    // Optional, before the query is decoded: the message type (1..8) of a query the partner
    // serves and this server drops, else 0 (decode, then shouldServe). Both peers receive
    // every broadcast; the one that drops it need not decode it. Counted as shouldServe's
    // drop is: pkt4-received, the type's pkt4-*-received, pkt4-not-for-us, pkt4-receive-drop.
    std::function<std::uint8_t(std::span<const std::uint8_t>)> partnerQuery;
  };

  // Several pipelines may share one writer (packet workers): construct them all before any
  // of them runs (each registers with the writer for refused writes).
  DhcpPipeline(engine::Engine& engine, LeaseWriter& writer, StatsRegistry& stats, Logger& log, Options opts);
  ~DhcpPipeline();
  DhcpPipeline(const DhcpPipeline&) = delete;
  DhcpPipeline& operator=(const DhcpPipeline&) = delete;
  void setHaHooks(HaHooks hooks);
  // Called with a query's lease changes once the store took them all (DDNS: the server
  // turns them into NameChangeRequests, dhcpd/ddns/ncr_planner.h).
  using LeaseObserver = std::function<void(const std::vector<engine::LeaseChange>&)>;
  void setLeaseObserver(LeaseObserver f) { observer_ = std::move(f); }
  // Called with every query the engine decided on, once its lease changes are stored (the
  // run_script and forensic log hooks: they need the query too). Must not block.
  using QueryObserver = std::function<void(const proto::Packet4&, const engine::RecvMeta&, const engine::Decision&)>;
  void setQueryObserver(QueryObserver f) { queryObserver_ = std::move(f); }
  // Several servers on one SQL database (dhcpd/lease/client_lease_lookup.h): a DISCOVER or
  // REQUEST from a client the engine knows nothing of (Engine::leaseLookup) is parked while
  // `lookup` reads the client's lease from the database; the rows found go into the store and
  // the query is decided from releaseDurable(), on this pipeline's thread. `wake` (any
  // thread) must make this pipeline's thread call releaseDurable() soon: the packet loop's or
  // worker's notifyDurable(). Null: no lookups (memfile). Set before the first packet; the
  // lookup must stop calling back before this pipeline goes.
  void setClientLookup(ClientLeaseLookup* lookup, std::function<void()> wake);
  // Queries waiting for their client's lease from the database.
  std::size_t awaitingLookup() const noexcept { return awaiting_.size(); }

  // One datagram. Replies that may leave now are appended to `ready`.
  void process(std::span<const std::uint8_t> bytes, const engine::RecvMeta& meta, TimePoint now,
               std::vector<Outgoing>& ready);
  // Journal progress (or an acknowledgement): moves the parked replies whose conditions all
  // hold now to `ready`.
  void releaseDurable(std::vector<Outgoing>& ready);
  // Drops parked replies older than parkTimeout (journal failing, partner silent); returns
  // how many.
  std::size_t expireParked();
  // Shutdown, after the final flush and releaseDurable(): drops (and logs) what still waits.
  std::size_t drainParked();

  // Packets dropped before they reached the pipeline (kernel queue full, overload shedding).
  void countReceiveDrops(std::uint64_t n) noexcept { counts_[kReceiveDrop] += n; }
  // Packets that left (the loop calls this after the socket accepted them).
  void countSent(proto::MessageType t) noexcept;
  // Adds the counters accumulated since the last call to the registry.
  void publish(TimePoint now);

  // dhcp-disable / dhcp-enable, from the control thread while a worker may be reading it.
  void setEnabled(bool on) noexcept { enabled_.store(on, std::memory_order_relaxed); }
  bool enabled() const noexcept { return enabled_.load(std::memory_order_relaxed); }
  // Several packet workers: the engine, the lease writer (store, journal append, address
  // statistics) and the observers are used only with this lock held, which the daemon's
  // control thread also holds while it touches them. Null (one worker, the default): no lock.
  void setSharedState(std::mutex* lock) noexcept { shared_ = lock; }
  void setPorts(ReplyPorts p) noexcept { opts_.ports = p; }
  std::size_t parked() const noexcept { return parking_.size(); }
  // DHCPACKs waiting for the HA partner's acknowledgement of their lease updates.
  std::size_t haInFlight() const noexcept { return parking_.awaitingAck(); }
  // Time process() spent on each datagram (decode, engine, lease store and journal append,
  // encode; not the wait for the disk or the partner).
  const LatencyHistogram& processingLatency() const noexcept { return processing_; }
  // From a DHCPACK's lease commit to the partner's acknowledgement of its lease update
  // (successful updates only): the HA update round trip as the client experiences it.
  const LatencyHistogram& haUpdateLatency() const noexcept { return haUpdate_; }
  // Past this many parked replies, new queries are shed before any work is done on them.
  bool congested() const noexcept { return parked() >= opts_.parkCapacity * 3 / 4; }

 private:
  enum Counter : std::size_t {
    kReceived,
    kParseFailed,
    kReceiveDrop,
    kDiscover,
    kRequest,
    kRelease,
    kDecline,
    kInform,
    kOfferRecv,
    kAckRecv,
    kNakRecv,
    kUnknownRecv,
    kOfferSent,
    kAckSent,
    kNakSent,
    kSent,
    kAckNotDurable,
    kNotForUs,
    kHaUpdateFailed,
    kLeaseFileFailDrop,
    kHaBackpressureDrop,
    kLeaseConflictDrop,
    kLeaseBackpressureDrop,
    kLeaseLookup,
    kLeaseLookupFound,
    kLeaseLookupBackpressureDrop,
    kLeaseLookupFailDrop,
    kCount
  };
  static constexpr std::array<const char*, kCount> kNames = {"pkt4-received",
                                                             "pkt4-parse-failed",
                                                             "pkt4-receive-drop",
                                                             "pkt4-discover-received",
                                                             "pkt4-request-received",
                                                             "pkt4-release-received",
                                                             "pkt4-decline-received",
                                                             "pkt4-inform-received",
                                                             "pkt4-offer-received",
                                                             "pkt4-ack-received",
                                                             "pkt4-nak-received",
                                                             "pkt4-unknown-received",
                                                             "pkt4-offer-sent",
                                                             "pkt4-ack-sent",
                                                             "pkt4-nak-sent",
                                                             "pkt4-sent",
                                                             "pkt4-ack-not-durable-drop",
                                                             "pkt4-not-for-us",
                                                             "pkt4-ha-update-failed-drop",
                                                             "pkt4-lease-file-fail-drop",
                                                             "pkt4-ha-backpressure-drop",
                                                             "pkt4-lease-db-conflict-drop",
                                                             "pkt4-lease-backpressure-drop",
                                                             "pkt4-lease-db-lookup",
                                                             "pkt4-lease-db-lookup-found",
                                                             "pkt4-lease-db-lookup-backpressure-drop",
                                                             "pkt4-lease-db-lookup-fail-drop"};
  // Kea 2.2 creates these (at 0) when it starts; the rest are tandemd's own drop counters,
  // which appear with their first count, as statistics of a hook library would.
  static constexpr std::size_t kFirstExtension = kAckNotDurable;

  void countAllocationFailure(std::uint32_t subnetId, TimePoint now);
  // Kea's messages about what was decided for a query (subnet, lease, NAK, reply).
  void logDecision(const proto::Packet4& query, const engine::RecvMeta& meta, const engine::Decision& d,
                   const std::function<const std::string&()>& label);
  void logReply(const proto::Packet4& query, const proto::Packet4& reply, const engine::RecvMeta& meta,
                const Outgoing& out, const std::function<const std::string&()>& label);
  void countReceived(const proto::Packet4& p) noexcept;
  void countReceived(std::optional<proto::MessageType> t) noexcept;
  using Label = std::function<const std::string&()>;
  // From the engine's decision to the reply (sent, parked or dropped). `m` is what the engine
  // sees (the HA scope filter's classes), `meta` how the query arrived; `shared` is held or
  // taken here (packet workers) and released before the reply is encoded.
  void decide(const proto::Packet4& query, const engine::RecvMeta& meta, const engine::RecvMeta& m, TimePoint now,
              std::vector<Outgoing>& ready, std::chrono::steady_clock::time_point start,
              std::unique_lock<std::mutex>& shared, const Label& labelOf);
  // A query waiting for its client's lease (setClientLookup).
  struct AwaitingLookup {
    std::vector<std::uint8_t> bytes;
    engine::RecvMeta meta;
    engine::RecvMeta engineMeta;
    TimePoint now;
    std::chrono::steady_clock::time_point parkedAt;
  };
  // Answers handed over by the lookup's thread. Shared with its callbacks, so that one
  // arriving after this pipeline is gone finds `closed`.
  struct LookupInbox {
    std::mutex mu;
    std::vector<std::pair<std::uint64_t, ClientLeaseAnswer>> answers;
    std::function<void()> wake;
    bool closed = false;
  };
  // Parks the query (its bytes copied) and submits the lookup; counts a drop when full.
  void parkForLookup(std::span<const std::uint8_t> bytes, const engine::RecvMeta& meta, const engine::RecvMeta& m,
                     TimePoint now, std::chrono::steady_clock::time_point start, ClientLeaseQuery key);
  // Decides the queries whose lookups answered (from releaseDurable()).
  void resumeLookups(std::vector<Outgoing>& ready);
  void parkForHa(std::uint64_t firstSeq, std::uint64_t seq, Outgoing out,
                 const std::vector<engine::LeaseChange>& changes);
  void onHaAck(ReplyParking<Outgoing>::Ticket ticket, bool ok);
  // Counts and logs replies that left the parking lot unsent.
  void countDropped(const std::vector<ReplyParking<Outgoing>::Dropped>& dropped);

  engine::Engine& engine_;
  LeaseWriter& writer_;
  StatsRegistry& stats_;
  Logger& log_;
  Options opts_;
  ReplyParking<Outgoing> parking_;
  std::size_t refusalReader_;  // LeaseWriter::takeRefused
  std::array<std::uint64_t, kCount> counts_{};
  std::array<StatsRegistry::Handle, 3> allocFail_;  // countAllocationFailure()
  std::unordered_map<std::uint32_t, std::array<StatsRegistry::Handle, 3>> subnetAllocFail_;
  bool published_ = false;
  std::atomic<bool> enabled_{true};
  std::mutex* shared_ = nullptr;
  HaHooks ha_;
  LeaseObserver observer_;
  QueryObserver queryObserver_;
  ClientLeaseLookup* lookup_ = nullptr;
  std::shared_ptr<LookupInbox> inbox_;
  // By ticket; tickets grow with time, so the first is the one parked longest.
  std::map<std::uint64_t, AwaitingLookup> awaiting_;
  std::uint64_t nextTicket_ = 0;
  bool resuming_ = false;
  LatencyHistogram processing_{kProcessingBuckets};
  LatencyHistogram haUpdate_{kHaUpdateBuckets};
};

}  // namespace tandem::net
