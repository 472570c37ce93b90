#pragma once
// The lease-update sender of one HA relationship (reference 6.1-6.3): after a query's lease
// changes are committed, lease4-update / lease4-del to the partner and the backups as the
// state machine's update policy says (send and wait, send, queue, skip), batched
// (tandem-lease4-bulk-apply) to tandemd peers that announced it; the reply is parked until
// every required acknowledgement arrived. While communication-recovery queues the updates it
// keeps the backlog and replays it when the machine asks. Outcomes go back to the machine
// (ha::LeaseUpdateResult) and to the per-partner delivery record of the delta resync.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "dhcpd/common/result.h"
#include "dhcpd/common/steady_time.h"
#include "dhcpd/engine/engine.h"
#include "ha/ha_machine.h"
#include "ha/service/ha_service_links.h"
#include "sync/delivery_tracker.h"
#include "sync/lease_update_backlog.h"
#include "sync/update_batcher.h"

namespace tandem::daemon {

class HaLeaseUpdates {
 public:
  using Done = std::function<void(bool ok)>;
  using CapabilityFn = std::function<void(const std::string& peer, const nlohmann::json& heartbeatArgs)>;

  // `delivered`: per partner, which of our numbered changes it holds (HaService's, also read
  // by the serving side of the delta resync). `bulkApplyPeers`: whether each peer announced
  // tandem-lease4-bulk-apply in its last heartbeat answer (HaService's capability record,
  // written by `recordCapability`; set to false here when a peer refuses the command).
  HaLeaseUpdates(HaServiceLinks links, ha::HaMachine& machine, std::map<std::string, sync::DeliveryTracker>& delivered,
                 std::map<std::string, bool>& bulkApplyPeers, CapabilityFn recordCapability);

  // Sends `changes` (numbered `seqs` in the change history, one each) as the state requires.
  // `done(true)` once every required acknowledgement arrived, or at once (inside this call)
  // when nothing must be waited for; `done(false)` when a required update failed: the reply
  // must be dropped (Kea).
  void send(const std::vector<engine::LeaseChange>& changes, const std::vector<std::uint64_t>& seqs, Done done);

  // The queued updates to `peer`, in order, one at a time (ha::ReplayBacklog); the machine
  // gets ha::BacklogReplayFinished.
  void replayBacklog(const std::string& peer);
  void clearBacklog() noexcept { backlog_.clear(); }
  std::size_t backlogSize() const noexcept { return backlog_.size(); }

  // `peer` has just pulled our database (HaService::serveDone): the batched updates on the
  // wire to it no longer hold back later ones (sync::UpdateBatcher::detachInFlight).
  void partnerSynchronised(const std::string& peer);
  // Called after each answer (or failure) of an update to the partner, once its delivery
  // record has been updated (the hand-over's drain, ha_handover_drain.h, waits on it).
  void onPartnerAnswered(std::function<void()> fn) { partnerAnswered_ = std::move(fn); }

  // Batching limits (tests use small ones); applies to batchers created afterwards.
  void setBatchOptions(sync::UpdateBatcher::Options o) noexcept { batchOptions_ = o; }
  // Batched requests sent and the lease changes they carried (status, benchmarks).
  std::uint64_t bulkRequests() const noexcept { return bulkRequests_; }
  std::uint64_t bulkLeases() const noexcept { return bulkLeases_; }

  // After the transports cancelled their requests (HaService::stop): forgets the capability
  // probes and fails the batched changes not sent yet (their parked replies are dropped).
  void stop();

 private:
  bool peerHasBulkApply(const std::string& peer) const;
  void replayNext(const std::string& peer);
  // A lease update to the active partner failed: keep it for the communication-recovery replay.
  void queueFailedUpdate(const std::string& peer, const engine::LeaseChange& change);
  // Asks a backup (by ha-heartbeat) whether it takes batched updates.
  void probeCapability(const std::string& peer);
  sync::UpdateBatcher& batcher(const std::string& peer);
  void flushBatches(const std::string& peer);
  void finishBatch(const std::string& peer, const std::shared_ptr<sync::UpdateBatcher::Batch>& batch,
                   const Result<nlohmann::json>& answer);

  HaServiceLinks links_;
  std::function<void()> partnerAnswered_;
  ha::HaMachine& machine_;
  std::map<std::string, sync::DeliveryTracker>& delivered_;
  std::map<std::string, bool>& bulkApplyPeers_;
  CapabilityFn recordCapability_;
  sync::LeaseUpdateBacklog backlog_;
  std::map<std::string, sync::UpdateBatcher> batchers_;
  sync::UpdateBatcher::Options batchOptions_;
  struct CapabilityProbe {
    bool inFlight = false;
    std::optional<SteadyTime> last;
  };
  std::map<std::string, CapabilityProbe> probes_;  // backups, by name
  static constexpr std::chrono::seconds kCapabilityProbeInterval{30};
  std::uint64_t bulkRequests_ = 0;
  std::uint64_t bulkLeases_ = 0;
};

}  // namespace tandem::daemon
