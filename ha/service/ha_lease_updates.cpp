#include "ha/service/ha_lease_updates.h"

#include <memory>
#include <utility>

#include "heartbeat/client_key.h"
#include "sync/bulk_apply_json.h"

namespace tandem::daemon {

namespace {

using nlohmann::json;

// Kea's form of one lease change: lease4-update (upsert) or lease4-del (reference 6.1).
json singleUpdateCommand(const Lease& lease, bool upsert) {
  return sync::makeCommand(upsert ? "lease4-update" : "lease4-del",
                           upsert ? sync::leaseUpdateArgs(lease) : sync::leaseDelArgs(lease));
}

// Sends one change as Kea does; `done` gets its outcome.
void sendSingleUpdate(PeerTransport& t, const Lease& lease, bool upsert, sync::UpdateBatcher::Callback done) {
  t.send(singleUpdateCommand(lease, upsert), kPeerRequestTimeout, [done = std::move(done), lease](Result<json> r) {
    auto answer = toPeerAnswer(r);
    done(sync::classifyLeaseUpdateAnswer(answer), answer ? answer->text : answer.error().message, lease);
  });
}

heartbeat::ClientKey keyOf(const Lease& l) { return heartbeat::ClientKey::of(l.hwAddr.view(), l.clientId); }

}  // namespace

HaLeaseUpdates::HaLeaseUpdates(HaServiceLinks links, ha::HaMachine& machine,
                               std::map<std::string, sync::DeliveryTracker>& delivered,
                               std::map<std::string, bool>& bulkApplyPeers, CapabilityFn recordCapability)
    : links_(std::move(links)),
      machine_(machine),
      delivered_(delivered),
      bulkApplyPeers_(bulkApplyPeers),
      recordCapability_(std::move(recordCapability)),
      backlog_(links_.cfg.delayedUpdatesLimit) {}

void HaLeaseUpdates::send(const std::vector<engine::LeaseChange>& changes, const std::vector<std::uint64_t>& seqs,
                          Done done) {
  struct Pending {
    std::size_t outstanding = 1;  // this call's own reference, released at the end
    bool ok = true;
    Done done;
  };
  auto pending = std::make_shared<Pending>();
  pending->done = std::move(done);
  auto release = [](const std::shared_ptr<Pending>& p, bool ok) {
    if (!ok) p->ok = false;
    if (--p->outstanding == 0 && p->done) {
      Done d = std::move(p->done);
      d(p->ok);
    }
  };

  bool skipped = false, overflow = false;
  if (!changes.empty()) {
    for (const ha::PeerConfig* peer : links_.cfg.otherPeers()) {
      const ha::UpdatePolicy policy = machine_.updatePolicy(*peer);
      // Backups catch up in full at start and never ask for a delta.
      sync::DeliveryTracker* track = peer->role != ha::Role::Backup ? &delivered_[peer->name] : nullptr;
      auto missAll = [&] {
        if (track)
          for (std::uint64_t seq : seqs) track->missed(seq);
      };
      switch (policy) {
        case ha::UpdatePolicy::Skip: missAll(); continue;
        case ha::UpdatePolicy::SkipCounted:
          skipped = true;
          missAll();
          continue;
        case ha::UpdatePolicy::Queue:
          // The replay may deliver them, but a delta must not count on it.
          missAll();
          for (const auto& c : changes) {
            const auto op = c.kind == engine::LeaseChange::Kind::Upsert ? sync::LeaseUpdateBacklog::Op::Add
                                                                        : sync::LeaseUpdateBacklog::Op::Delete;
            if (!backlog_.push(op, c.lease)) overflow = true;
          }
          continue;
        case ha::UpdatePolicy::SendAndWait:
        case ha::UpdatePolicy::SendNoWait: break;
      }
      PeerTransport* t = links_.transport(peer->name);
      const bool wait = policy == ha::UpdatePolicy::SendAndWait;
      if (!t) {
        if (wait) pending->ok = false;
        missAll();
        continue;
      }
      const bool partner = peer->role != ha::Role::Backup;
      const bool bulk = peerHasBulkApply(peer->name);
      // Backups get no heartbeats (Kea sends none), so ask them now and then what they take.
      if (!bulk && !partner) probeCapability(peer->name);
      for (std::size_t i = 0; i < changes.size(); ++i) {
        const auto& c = changes[i];
        const bool upsert = c.kind == engine::LeaseChange::Kind::Upsert;
        if (wait) ++pending->outstanding;
        if (track) track->sent(seqs[i]);
        std::weak_ptr<bool> guard = links_.alive;
        // Small capture (one heap block per change, no copy of the changes): the peer's config
        // and tracker are the service's (they live as long as `guard` does), the lease comes
        // back with the outcome, and the client key is derived only when the state machine
        // needs it.
        sync::UpdateBatcher::Callback onOutcome = [this, guard, pending, wait, release, upsert, seq = seqs[i], track,
                                                   peer](ha::LeaseUpdateResult::Outcome outcome,
                                                         const std::string& text, const Lease& lease) {
          using O = ha::LeaseUpdateResult::Outcome;
          // A backup's results never change our state (reference 6.2: the machine ignores
          // them), so only the partner's (track set) are looked at.
          if (auto g = guard.lock(); g && *g && track) {
            if (outcome == O::Ok) {
              track->acknowledged(seq);
            } else {
              track->missed(seq);
            }
            // A failure of an update sent before the partner's last pull from us (e.g. stuck
            // on a connection a partition broke, then timed out) is old news: the partner
            // holds the lease through that pull and has answered since.
            const bool moot = outcome != O::Ok && track->coveredByPull(seq);
            // An acknowledged update only clears the client's rejected-update record:
            // with none recorded the machine has nothing to do (HaMachine::on).
            if (!moot && (outcome != O::Ok || machine_.hasRejectedUpdates())) {
              ha::LeaseUpdateResult ev;
              ev.peer = peer->name;
              ev.outcome = outcome;
              ev.client = keyOf(lease);
              ev.text = text;
              links_.dispatch(ev);
            }
            if (outcome == O::Failed && !moot) {
              engine::LeaseChange failed;
              failed.kind = upsert ? engine::LeaseChange::Kind::Upsert : engine::LeaseChange::Kind::Delete;
              failed.lease = lease;
              queueFailedUpdate(peer->name, failed);
            }
            if (partnerAnswered_) partnerAnswered_();
          }
          // Kea drops the reply on any failed required update, conflicts included.
          if (wait) release(pending, outcome == ha::LeaseUpdateResult::Outcome::Ok);
        };
        if (bulk) {
          batcher(peer->name).add(c.lease, upsert, std::move(onOutcome));
          continue;
        }
        sendSingleUpdate(*t, c.lease, upsert, std::move(onOutcome));
      }
      if (bulk) flushBatches(peer->name);
    }
  }
  if (skipped) machine_.noteSkippedUpdate();
  if (overflow) links_.dispatch(ha::BacklogOverflowed{});
  release(pending, true);
}

void HaLeaseUpdates::partnerSynchronised(const std::string& peer) {
  auto it = batchers_.find(peer);
  if (it == batchers_.end() || it->second.inFlight() == 0) return;
  it->second.detachInFlight();
  flushBatches(peer);
}

void HaLeaseUpdates::queueFailedUpdate(const std::string& peer, const engine::LeaseChange& change) {
  // Kea forgets an update whose sending failed: the reply is dropped, but the lease stays
  // committed here, and when communication-recovery ends with a successful backlog replay the
  // pair returns to load-balancing WITHOUT a resync, so the partner would never learn it
  // (seen with a Kea 2.2 partner: each side missed its first lease after a partition). The
  // failure just moved the machine to communication-recovery, so the change joins the backlog.
  // Only if nothing newer for the address is queued already (a late failure must not replay
  // an older lease over a newer one), and only while the machine queues (if it went anywhere
  // else, the partner resynchronises from us before serving again).
  const ha::PeerConfig* p = links_.cfg.find(peer);
  if (!p || machine_.updatePolicy(*p) != ha::UpdatePolicy::Queue || backlog_.holds(change.lease.address)) return;
  const auto op = change.kind == engine::LeaseChange::Kind::Upsert ? sync::LeaseUpdateBacklog::Op::Add
                                                                   : sync::LeaseUpdateBacklog::Op::Delete;
  if (!backlog_.push(op, change.lease)) links_.dispatch(ha::BacklogOverflowed{});
}

// ---- the communication-recovery backlog ------------------------------------------------------

void HaLeaseUpdates::replayBacklog(const std::string& peer) {
  links_.log.info("HA_LEASES_BACKLOG_START", "sending {} queued lease update(s) to {}", backlog_.size(), peer);
  replayNext(peer);
}

void HaLeaseUpdates::replayNext(const std::string& peer) {
  // In order, one at a time, stopping at the first failure (reference 6.3).
  PeerTransport* t = links_.transport(peer);
  const sync::LeaseUpdateBacklog::Entry* e = backlog_.front();
  if (!e || !t) {
    links_.dispatch(ha::BacklogReplayFinished{t != nullptr, t ? "" : "no transport"});
    return;
  }
  const bool add = e->op == sync::LeaseUpdateBacklog::Op::Add;
  std::weak_ptr<bool> guard = links_.alive;
  t->send(singleUpdateCommand(e->lease, add), kPeerRequestTimeout, [this, guard, peer](Result<json> r) {
    if (auto g = guard.lock(); !g || !*g) return;
    const auto outcome = sync::classifyLeaseUpdateAnswer(toPeerAnswer(r));
    if (outcome != ha::LeaseUpdateResult::Outcome::Ok) {
      links_.dispatch(ha::BacklogReplayFinished{false, r ? r->dump() : r.error().message});
      return;
    }
    (void)backlog_.pop();
    replayNext(peer);
  });
}

// ---- batched lease updates (tandemd peers) ------------------------------------------------

bool HaLeaseUpdates::peerHasBulkApply(const std::string& peer) const {
  auto it = bulkApplyPeers_.find(peer);
  return it != bulkApplyPeers_.end() && it->second;
}

void HaLeaseUpdates::probeCapability(const std::string& peer) {
  // A tandemd backup announces tandem-lease4-bulk-apply in its ha-heartbeat answer; a Kea
  // backup's answer (or error) carries no tandem key, so it keeps getting single updates.
  // One probe at a time per backup, at most one per kCapabilityProbeInterval, so a backup
  // that starts after the active is found.
  const SteadyTime now = links_.control.steadyNow();
  CapabilityProbe& p = probes_[peer];
  if (p.inFlight || (p.last && now - *p.last < kCapabilityProbeInterval)) return;
  PeerTransport* t = links_.transport(peer);
  if (!t) return;
  p.inFlight = true;
  p.last = now;
  std::weak_ptr<bool> guard = links_.alive;
  t->send(sync::makeCommand("ha-heartbeat", sync::heartbeatArgs(links_.cfg.thisServerName)), kPeerRequestTimeout,
          [this, guard, peer](Result<json> r) {
            if (auto g = guard.lock(); !g || !*g) return;
            probes_[peer].inFlight = false;
            auto answer = toPeerAnswer(r);
            if (answer && answer->result == sync::kResultSuccess) recordCapability_(peer, answer->arguments);
          });
}

sync::UpdateBatcher& HaLeaseUpdates::batcher(const std::string& peer) {
  auto it = batchers_.find(peer);
  if (it == batchers_.end()) it = batchers_.emplace(peer, sync::UpdateBatcher(batchOptions_)).first;
  return it->second;
}

void HaLeaseUpdates::flushBatches(const std::string& peer) {
  PeerTransport* t = links_.transport(peer);
  sync::UpdateBatcher& b = batcher(peer);
  while (auto next = b.next()) {
    auto batch = std::make_shared<sync::UpdateBatcher::Batch>(std::move(*next));
    ++bulkRequests_;
    bulkLeases_ += batch->items.size();
    if (!t) {
      finishBatch(peer, batch, Result<json>(makeError("no transport to " + peer)));
      continue;
    }
    std::weak_ptr<bool> guard = links_.alive;
    t->sendText(sync::bulkApplyBody(links_.cfg.thisServerName, batch->items), kPeerRequestTimeout,
                [this, guard, peer, batch](Result<json> r) {
                  // Runs for cancelled requests too (stop()): the items' waiters must hear.
                  finishBatch(peer, batch, r);
                  if (auto g = guard.lock(); g && *g) flushBatches(peer);
                });
  }
}

void HaLeaseUpdates::finishBatch(const std::string& peer, const std::shared_ptr<sync::UpdateBatcher::Batch>& batch,
                                 const Result<json>& r) {
  batcher(peer).finished(*batch);
  auto answer = toPeerAnswer(r);
  if (answer && answer->result == sync::kResultUnsupported) {
    // A partner that stopped knowing the command (downgraded to Kea or an older tandemd since
    // its last heartbeat): send these one by one, and everything after them too.
    links_.log.warn("HA_BULK_APPLY_UNSUPPORTED", "{} does not support {}: sending lease updates one by one", peer,
                    sync::kBulkApplyCommand);
    bulkApplyPeers_[peer] = false;
    PeerTransport* t = links_.transport(peer);
    std::vector<sync::UpdateBatcher::Item> items = std::move(batch->items);
    for (auto& p : batcher(peer).takePending()) items.push_back(std::move(p));
    for (auto& item : items) {
      if (!t) {
        item.done(ha::LeaseUpdateResult::Outcome::Failed, "no transport to " + peer, item.lease);
        continue;
      }
      sendSingleUpdate(*t, item.lease, item.upsert, std::move(item.done));
    }
    return;
  }
  const auto outcomes = sync::bulkApplyOutcomes(answer, batch->items);
  for (std::size_t i = 0; i < batch->items.size(); ++i) {
    if (batch->items[i].done) batch->items[i].done(outcomes[i].outcome, outcomes[i].text, batch->items[i].lease);
  }
  if (!r) {
    // The partner is unreachable: what waits behind this request fails with it (the state
    // machine has just been told, and queues or resyncs as the reference says) instead of
    // waiting for its own timeout.
    for (auto& item : batcher(peer).takePending()) {
      if (item.done) item.done(ha::LeaseUpdateResult::Outcome::Failed, r.error().message, item.lease);
    }
  }
}

void HaLeaseUpdates::stop() {
  probes_.clear();
  // Batched changes not sent yet: their parked replies are released (and dropped).
  for (auto& [name, b] : batchers_) {
    for (auto& item : b.takePending()) {
      if (item.done) item.done(ha::LeaseUpdateResult::Outcome::Failed, "HA service stopped", item.lease);
    }
  }
}

}  // namespace tandem::daemon
