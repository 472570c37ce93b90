// HaService's lease synchronisation (reference/ha-protocol.md 4.6; sync/pull_session.h for
// the tandemd-to-tandemd stream). Two protocols, chosen per pull from what the partner
// announced in its last heartbeat answer:
//  - kea-paged: dhcp-disable (max-period) before every lease4-get-page, then
//    ha-sync-complete-notify; unchanged from Kea so a Kea 2.2 partner works both ways;
//  - tandem-stream: big CSV pages plus the partner's change log; the partner keeps serving.
// Both also replay, after the last page, the lease commands this server received during the
// pull (a Kea active's updates to a backup, the partner's updates in load-balancing).
#include "ha/service/ha_sync_run.h"

#include <algorithm>

#include <fmt/format.h>

#include "sync/lease_merge.h"
#include "sync/page_merge.h"
#include "sync/sync_answer_reader.h"
#include "sync/bulk_apply_json.h"
#include "sync/tandem_sync_json.h"

namespace tandem::daemon {

namespace {

using nlohmann::json;

constexpr std::chrono::milliseconds kRequestTimeout{10000};
// A partner's "total" beyond this only sizes the store for this many (each index entry is 8
// bytes: a bigger claim must not make us allocate gigabytes up front; the store still grows).
constexpr std::uint64_t kMaxExpectedLeases = 16'000'000;

Result<sync::PeerAnswer> peerAnswerOf(const Result<json>& r) {
  if (!r) return r.error();
  return sync::parsePeerAnswer(json::array({*r}));
}

}  // namespace

bool HaService::peerHasTandemSync(const std::string& peer) const {
  auto it = tandemSyncPeers_.find(peer);
  return it != tandemSyncPeers_.end() && it->second;
}

void HaService::recordCapability(const std::string& peer, const json& heartbeatArgs) {
  tandemSyncPeers_[peer] = sync::tandemSyncVersion(heartbeatArgs) >= sync::kTandemSyncVersion;
  bulkApplyPeers_[peer] = sync::bulkApplyVersion(heartbeatArgs) >= sync::kBulkApplyVersion;
}

// ---- applying data ---------------------------------------------------------------------------

Result<std::size_t> HaService::mergePage(std::vector<Lease>& leases) {
  // A hub imports only the leases of the relationship's own subnets (Kea's LeaseSyncFilter).
  if (syncFilter_) std::erase_if(leases, [this](const Lease& l) { return !syncFilter_(l); });
  // Leaves only the leases to write (the page is ours: they are moved, not copied).
  sync::keepSyncWinners(control_.leases(), leases, run_ ? &run_->coverage : nullptr);
  applyingSync_ = true;
  // Stored without waiting for the disk: the journal writes while the next page comes, and
  // the pull ends only once everything is durable (finishRun). Waiting here for every page
  // held the thread for a write and fdatasync of each page's 5 MB.
  auto r = control_.storeLeases(leases, Origin::Partner);
  applyingSync_ = false;
  if (!r) return r.error();
  return leases.size();
}

Result<std::size_t> HaService::applyChanges(sync::ChangeLog::Changes& changes) {
  if (syncFilter_) {
    std::erase_if(changes.upserts, [this](const Lease& l) { return !syncFilter_(l); });
    std::erase_if(changes.deletes, [this](const Lease& l) { return !syncFilter_(l); });
  }
  sync::keepChangeWinners(control_.leases(), changes.upserts);
  applyingSync_ = true;
  auto r = control_.storeLeases(changes.upserts, Origin::Partner);
  std::size_t n = changes.upserts.size();
  for (const Lease& d : changes.deletes) {
    if (!r) break;
    if (!sync::shouldErase(control_.leases().byAddress(d.address), d)) continue;
    r = control_.deleteLease(d.address, Origin::Partner);
    ++n;
  }
  applyingSync_ = false;
  if (!r) return r.error();
  return n;
}

// ---- pulling ---------------------------------------------------------------------------------

void HaService::startSync(const std::string& peer, SyncOptions options, SyncDone done) {
  auto run = std::make_shared<SyncRun>();
  run->options = std::move(options);
  run->done = std::move(done);
  run->progress.peer = peer;
  run->progress.why = run->options.why;
  run->progress.startedAt = control_.steadyNow();
  run->progress.mode = peerHasTandemSync(peer) ? sync::SyncMode::TandemStream : sync::SyncMode::KeaPaged;
  // Taken away until this pull succeeds: the partner marks us as holding all its leases when
  // it answers our done request, so a pull that fails after that (the answer lost or timed
  // out, its changes not stored) would leave the next delta without them. The next pull
  // after a failure is a full one.
  run->deltaAllowed = deltaSources_.erase(peer) > 0;
  run->heldAtStart = control_.leases().size();
  run->historyAtStart = changeHistory_.last();
  run_ = run;
  incoming_.emplace();
  log_.info("HA_SYNC_START", "{}: fetching the lease database of {} ({}{}), because: {}", cfg_.thisServerName, peer,
            sync::toString(run->progress.mode),
            run->progress.mode == sync::SyncMode::KeaPaged && run->options.disablePartner
                ? fmt::format(", partner's DHCP service disabled for up to {} s per page",
                              run->options.maxPeriod.count())
                : std::string(", partner keeps serving"),
            run->options.why);
  if (run->progress.mode == sync::SyncMode::TandemStream) {
    streamStep(std::move(run));
  } else {
    keaStep(std::move(run));
  }
}

void HaService::keaStep(std::shared_ptr<SyncRun> run) {
  PeerTransport* t = transport(run->progress.peer);
  if (!t) {
    keaFinish(run, false, "no transport to " + run->progress.peer);
    return;
  }
  if (!run->options.disablePartner) {
    keaPage(std::move(run));
    return;
  }
  std::weak_ptr<bool> guard = alive_;
  // dhcp-disable before every page re-arms the partner's max-period timer (reference 4.6).
  t->send(sync::makeCommand("dhcp-disable",
                            sync::dhcpDisableArgs(cfg_.remoteOrigin(),
                                                  static_cast<std::uint32_t>(run->options.maxPeriod.count()))),
          kRequestTimeout, [this, guard, run](Result<json> r) {
            if (auto g = guard.lock(); !g || !*g || run_ != run) return;
            auto answer = peerAnswerOf(r);
            if (!answer || answer->result != sync::kResultSuccess) {
              keaFinish(run, false, "dhcp-disable: " + (answer ? answer->text : answer.error().message));
              return;
            }
            keaPage(run);
          });
}

void HaService::keaPage(std::shared_ptr<SyncRun> run) {
  PeerTransport* t = transport(run->progress.peer);
  std::weak_ptr<bool> guard = alive_;
  t->send(sync::makeCommand("lease4-get-page", sync::pageRequestArgs(run->after, cfg_.syncPageLimit)), cfg_.syncTimeout,
          [this, guard, run](Result<json> r) {
            if (auto g = guard.lock(); !g || !*g || run_ != run) return;
            auto answer = peerAnswerOf(r);
            if (!answer) {
              keaFinish(run, false, "lease4-get-page: " + answer.error().message);
              return;
            }
            auto page = sync::parsePageAnswer(*answer, cfg_.syncPageLimit);
            if (!page) {
              keaFinish(run, false, "lease4-get-page: " + page.error().message);
              return;
            }
            for (const auto& e : page->errors) log_.warn("HA_LEASE_SYNC_BAD_LEASE", "{}", e);
            const std::size_t received = page->leases.size();
            auto written = mergePage(page->leases);
            if (!written) {
              keaFinish(run, false, "storing leases: " + written.error().message);
              return;
            }
            ++run->progress.pages;
            run->progress.received += received;
            run->progress.written += *written;
            log_.debug("HA_LEASES_SYNC_LEASE_PAGE_RECEIVED", "received {} lease(s) from {} ({} so far)", received,
                       run->progress.peer, run->progress.received);
            if (page->last) {
              keaFinish(run, true, "");
              return;
            }
            run->after = page->next;
            keaStep(run);
          });
}

void HaService::keaFinish(std::shared_ptr<SyncRun> run, bool ok, std::string text) {
  PeerTransport* t = transport(run->progress.peer);
  std::weak_ptr<bool> guard = alive_;
  auto finished = [this, guard, run, ok, text] {
    if (auto g = guard.lock(); g && *g && run_ == run) finishRun(run, ok, text);
  };
  if (!t || !run->options.disablePartner) {
    finished();
    return;
  }
  if (!ok) {
    // Give the partner its service back now instead of after max-period.
    t->send(sync::makeCommand("dhcp-enable", sync::dhcpEnableArgs(cfg_.remoteOrigin())), kRequestTimeout,
            [finished](Result<json>) { finished(); });
    return;
  }
  if (!run->options.notifyPartner) {
    t->send(sync::makeCommand("dhcp-enable", sync::dhcpEnableArgs(cfg_.remoteOrigin())), kRequestTimeout,
            [finished](Result<json>) { finished(); });
    return;
  }
  t->send(sync::makeCommand("ha-sync-complete-notify",
                            sync::syncCompleteNotifyArgs(cfg_.thisServerName, cfg_.remoteOrigin())),
          kRequestTimeout, [this, guard, t, finished](Result<json> r) {
            if (auto g = guard.lock(); !g || !*g) return;
            auto answer = peerAnswerOf(r);
            if (answer && answer->result == sync::kResultUnsupported) {
              // An older peer: re-enable it the old way (reference 4.6 step 5).
              t->send(sync::makeCommand("dhcp-enable", sync::dhcpEnableArgs(cfg_.remoteOrigin())), kRequestTimeout,
                      [finished](Result<json>) { finished(); });
              return;
            }
            finished();
          });
}

void HaService::streamStep(std::shared_ptr<SyncRun> run) {
  PeerTransport* t = transport(run->progress.peer);
  if (!t) {
    finishRun(run, false, "no transport to " + run->progress.peer);
    return;
  }
  sync::SyncPageRequest req;
  req.serverName = cfg_.thisServerName;
  if (!run->session.empty()) req.session = run->session;
  req.after = run->after;
  req.limit = streamPageLimit_;
  // Only the first request may ask for a delta, and only from a partner our last pull from
  // succeeded (since we started): our store then holds everything it sent us, so its delivery
  // record is true.
  req.delta = run->options.allowDelta && run->deltaAllowed && run->session.empty() && !run->after;
  std::weak_ptr<bool> guard = alive_;
  // The answer is read from its body text (sync/sync_answer_reader.h): no JSON tree of the
  // page's megabytes.
  t->sendRaw(sync::makeCommand(sync::kSyncPageCommand, sync::syncPageRequestArgs(req)), cfg_.syncTimeout,
             [this, guard, run](Result<std::string_view> body) {
               if (auto g = guard.lock(); !g || !*g || run_ != run) return;
               if (!body) {
                 finishRun(run, false, std::string(sync::kSyncPageCommand) + ": " + body.error().message);
                 return;
               }
               // Into the run's one page (its leases and buffers reused from the previous one),
               // taken out while this page is applied.
               sync::SyncPage page = std::move(run->page);
               auto read = sync::readSyncPageAnswer(*body, page, run->scratch, run->rows);
               if (!read && read.error().code == sync::kResultUnsupported) {
                 // Not (or no longer) a tandemd that streams: the retry uses Kea's protocol.
                 tandemSyncPeers_[run->progress.peer] = false;
               }
               if (!read) {
                 finishRun(run, false, std::string(sync::kSyncPageCommand) + ": " + read.error().message);
                 return;
               }
               run->session = page.session;
               if (page.delta) run->progress.mode = sync::SyncMode::TandemDelta;
               // Indexes sized once for the partner's leases instead of doubling (and rehashing
               // every lease) several times during the pull.
               if (page.total)
                 control_.expectLeases(
                     static_cast<std::size_t>(std::min<std::uint64_t>(page.total, kMaxExpectedLeases)));
               const std::size_t received = page.leases.size();
               const std::size_t changes = page.changes.size();
               const bool more = !page.last && !page.leases.empty();
               if (more) {
                 // Ask for the next page now and apply this one while the partner builds it: the
                 // answer's callback runs on this thread after this one returns, so pages and
                 // their change logs are still applied in the order the partner took them
                 // (sync/pull_session.h); the partner's work and the wire overlap ours.
                 run->after = page.leases.back().address;
                 streamStep(run);
                 if (run_ != run) return;  // no transport: the run already ended
               }
               // The page first, then what changed at the partner up to the page's snapshot.
               auto written = mergePage(page.leases);
               auto changed = written ? applyChanges(page.changes) : Result<std::size_t>(written.error());
               if (!changed) {
                 // The next page's answer, if one is on the way, finds the run gone.
                 finishRun(run, false, "storing leases: " + changed.error().message);
                 return;
               }
               ++run->progress.pages;
               run->progress.received += received;
               run->progress.written += *written;
               run->progress.changes += changes;
               log_.debug("HA_LEASES_SYNC_LEASE_PAGE_RECEIVED",
                          "received {} lease(s) and {} change(s) from {} ({} so far)", received, changes,
                          run->progress.peer, run->progress.received);
               run->page = std::move(page);
               if (!more) streamDone(run);
             });
}

void HaService::streamDone(std::shared_ptr<SyncRun> run) {
  PeerTransport* t = transport(run->progress.peer);
  std::weak_ptr<bool> guard = alive_;
  t->sendRaw(sync::makeCommand(sync::kSyncDoneCommand, sync::syncDoneRequestArgs(cfg_.thisServerName, run->session)),
             kRequestTimeout, [this, guard, run](Result<std::string_view> body) {
               if (auto g = guard.lock(); !g || !*g || run_ != run) return;
               if (!body) {
                 finishRun(run, false, std::string(sync::kSyncDoneCommand) + ": " + body.error().message);
                 return;
               }
               auto changes = sync::readSyncDoneAnswer(*body);
               if (!changes) {
                 finishRun(run, false, std::string(sync::kSyncDoneCommand) + ": " + changes.error().message);
                 return;
               }
               const std::size_t n = changes->size();
               auto applied = applyChanges(*changes);
               if (!applied) {
                 finishRun(run, false, "storing leases: " + applied.error().message);
                 return;
               }
               run->progress.changes += n;
               finishRun(run, true, "");
             });
}

void HaService::finishRun(std::shared_ptr<SyncRun> run, bool ok, std::string text) {
  if (run_ != run || run->awaitingDurable) return;
  if (ok && incoming_) {
    // Lease commands received during the pull were applied when they came; an older page
    // copy may have overwritten or resurrected their leases since: apply them once more.
    if (incoming_->overflowed()) {
      ok = false;
      text = "too many lease updates arrived during the pull to reconcile them";
    } else {
      auto changes = incoming_->take();
      const std::size_t n = changes.size();
      auto applied = applyChanges(changes);
      if (!applied) {
        ok = false;
        text = "storing leases: " + applied.error().message;
      } else {
        run->progress.changes += n;
      }
    }
  }
  if (ok) {
    // The pages were stored without waiting for the disk (mergePage): the pull is done, and
    // this server may say it holds the partner's leases, once they are all durable. The
    // journal wrote them during the pull, so this is about its last batch. Lease commands
    // that arrive meanwhile are applied as they come (no page can overwrite them any more).
    run->awaitingDurable = true;
    std::weak_ptr<bool> guard = alive_;
    control_.whenLeasesDurable([this, guard, run](Result<void> durable) {
      if (auto g = guard.lock(); !g || !*g || run_ != run) return;
      completeRun(run, durable.ok(), durable ? std::string() : "storing leases: " + durable.error().message);
    });
    return;
  }
  completeRun(run, ok, std::move(text));
}

void HaService::completeRun(std::shared_ptr<SyncRun> run, bool ok, std::string text) {
  if (run_ != run) return;
  const TimePoint now = control_.now();
  const SteadyTime steadyNow = control_.steadyNow();
  // From now on our store holds everything this partner sent us (until we restart): the
  // next pull from it may be a delta.
  if (ok && run->progress.mode != sync::SyncMode::KeaPaged) deltaSources_.insert(run->progress.peer);
  // And the partner held all of ours when the pull began (a full pull whose pages had every
  // lease we held, none of ours newer or different): its next resync from us may be a delta
  // from that point, as if it had pulled from us then. Without this, a peer that started
  // while its partner was serving alone pulled from it and was never pulled from, so the
  // partner's first resync after a partition fetched the whole database (bench-delta.sh:
  // 3.7 s for 2 M leases instead of a delta).
  if (ok && run->progress.mode == sync::SyncMode::TandemStream && !run->coverage.oursDiffer &&
      run->coverage.seenHere == run->heldAtStart) {
    if (const ha::PeerConfig* pc = cfg_.find(run->progress.peer); pc && pc->role != ha::Role::Backup) {
      delivered_[run->progress.peer].heldUpTo(run->historyAtStart);
      log_.info("HA_SYNC_PARTNER_HOLDS_OURS",
                "{} held all {} of our lease(s) when this pull began: its next resync from us may be a delta",
                run->progress.peer, run->heldAtStart);
    }
  }
  // A failed pull may have left the partner's record of us ahead of our store (startSync):
  // until a pull from it succeeds, its own pulls from us do not make it a delta source again.
  if (ok) {
    failedPulls_.erase(run->progress.peer);
  } else {
    failedPulls_.insert(run->progress.peer);
  }
  sync::SyncOutcome outcome;
  outcome.ok = ok;
  outcome.run = run->progress;
  outcome.finishedAt = now;
  outcome.duration = std::chrono::duration_cast<std::chrono::milliseconds>(steadyNow - outcome.run.startedAt);
  outcome.error = ok ? std::string() : text;
  syncLast_ = outcome;
  run_.reset();
  incoming_.reset();
  const std::string summary =
      ok ? fmt::format(
               "{} lease(s) in {} page(s) from {} ({}), {} written, {} change(s) applied after the pages, "
               "{} ms",
               outcome.run.received, outcome.run.pages, outcome.run.peer, sync::toString(outcome.run.mode),
               outcome.run.written, outcome.run.changes, outcome.duration.count())
         : fmt::format("{} ({}, after {} lease(s) in {} ms)", text, sync::toString(outcome.run.mode),
                       outcome.run.received, outcome.duration.count());
  if (run->done) run->done(ok, summary);
  for (auto& follower : run->followers) follower(ok, summary);
}

// ---- serving a tandem puller ----------------------------------------------------------------

api::json HaService::servePage(const api::json& args) {
  auto req = sync::parseSyncPageRequest(args);
  if (!req) return api::makeAnswer(api::kResultError, req.error().message);
  const ha::PeerConfig* peer = cfg_.find(req->serverName);
  if (!peer || peer->name == cfg_.thisServerName) {
    return api::makeAnswer(api::kResultError, "server name '" + req->serverName + "' is not a peer of this server");
  }
  // Session idle time is steady time (sync/pull_session.h).
  const SteadyTime now = control_.steadyNow();
  std::string id;
  if (!req->session && req->delta) {
    if (auto delta = deltaFor(peer->name)) {
      // The session records what changes from this instant on, for the done request.
      id = pullSessions_.open(peer->name, now);
      log_.info("HA_SYNC_DELTA_SERVED",
                "{} is resynchronising: sending the {} lease(s) changed since it last held "
                "all of ours ({} deleted)",
                peer->name, delta->size(), delta->deletes.size());
      return api::makeAnswer(api::kResultSuccess, fmt::format("{} IPv4 lease(s) changed.", delta->size()),
                             sync::syncPageAnswerArgs(id, {}, *delta, true, true));
    }
  }
  if (req->session) {
    id = *req->session;
  } else {
    id = pullSessions_.open(peer->name, now);
    if (fullPullSessions_.size() >= 64) fullPullSessions_.clear();  // expired sessions' ids
    fullPullSessions_.insert(id);
    log_.info("HA_SYNC_SESSION_OPENED",
              "{} is fetching our lease database (tandem-stream); we keep serving and "
              "record our lease changes for it",
              peer->name);
  }
  sync::ChangeLog* changes = pullSessions_.find(id, now);
  if (!changes) return api::makeAnswer(api::kResultError, "unknown or expired sync session '" + id + "'");
  if (changes->overflowed()) {
    (void)pullSessions_.close(id, now);
    return api::makeAnswer(api::kResultError, "sync session '" + id + "' recorded too many changes; start over");
  }
  const std::uint32_t limit = std::min(req->limit, sync::kMaxTandemPage);
  const auto leases = control_.leases().page(req->after.value_or(Ipv4(0)), limit);
  // Page and change log at the same instant (one thread): see sync/pull_session.h.
  const auto taken = changes->take();
  // The first page says how many leases we hold: the puller sizes its store for them once.
  const std::uint64_t total = req->session ? 0 : control_.leases().size();
  return api::makeAnswer(api::kResultSuccess, fmt::format("{} IPv4 lease(s) found.", leases.size()),
                         sync::syncPageAnswerArgs(id, leases, taken, leases.size() < limit, false, total));
}

api::json HaService::serveDone(const api::json& args) {
  auto req = sync::parseSyncDoneRequest(args);
  if (!req) return api::makeAnswer(api::kResultError, req.error().message);
  const ha::PeerConfig* peer = cfg_.find(req->serverName);
  if (!peer || peer->name == cfg_.thisServerName) {
    return api::makeAnswer(api::kResultError, "server name '" + req->serverName + "' is not a peer of this server");
  }
  auto rest = pullSessions_.close(req->session, control_.steadyNow());
  if (!rest) {
    return api::makeAnswer(api::kResultError, "unknown, expired or overflowed sync session '" + req->session + "'");
  }
  log_.info("HA_SYNC_SESSION_DONE", "{} fetched our lease database; {} last change(s) handed over", peer->name,
            rest->size());
  // It now holds every change we made so far: its next resync can start from here.
  delivered_[peer->name].synchronised(changeHistory_.last());
  updates_.partnerSynchronised(peer->name);
  // And, having seen our whole store, it knows whether it holds all of ours (its pull's
  // PullCoverage): our next resync from it may ask for a delta, which it refuses if not.
  // Not while our own pull from it runs (that pull decides, as startSync says).
  if (fullPullSessions_.erase(req->session) > 0 && peer->role != ha::Role::Backup &&
      !(run_ && run_->progress.peer == peer->name) && !failedPulls_.contains(peer->name))
    deltaSources_.insert(peer->name);
  // The active partner is now synchronised: what Kea's ha-sync-complete-notify means, handled
  // in the same instant as the last changes are taken, so nothing falls in between (a
  // partner-down server stops serving until its next heartbeat sees the puller ready).
  if (peer->role != ha::Role::Backup) (void)dispatch(ha::SyncCompleteNotified{cfg_.remoteOrigin()});
  return api::makeAnswer(api::kResultSuccess, "Lease database synchronization complete.",
                         sync::syncDoneAnswerArgs(*rest));
}

std::optional<sync::ChangeLog::Changes> HaService::deltaFor(const std::string& peer) {
  const auto w = delivered_[peer].watermark(changeHistory_.last());
  if (!w) {
    log_.info("HA_SYNC_DELTA_REFUSED",
              "{} asks for a delta, but it has not pulled our leases since we started: "
              "sending them all",
              peer);
    return std::nullopt;
  }
  auto since = changeHistory_.since(*w, sync::kMaxTandemPage);
  if (since.refused) {
    log_.info("HA_SYNC_DELTA_REFUSED", "{} asks for a delta from our change {} of {}: {}; sending all leases", peer, *w,
              changeHistory_.last(),
              *since.refused == sync::ChangeHistory::Refusal::TooOld
                  ? fmt::format("our history reaches back only to change {}", changeHistory_.oldest())
                  : fmt::format("more than {} leases changed", sync::kMaxTandemPage));
    return std::nullopt;
  }
  sync::ChangeLog::Changes out;
  for (const auto& c : since.changes) {
    if (auto l = control_.leases().byAddress(c.address)) {
      out.upserts.push_back(std::move(*l));
      continue;
    }
    // Gone here without a deletion of ours as its latest change: every deletion this server
    // makes (release, reclamation, lease4-del, lease4-wipe, the partner's lease4-del) is
    // recorded with its cltt, so only a pull from this very partner removed it (its page or
    // change log said deleted; applyingSync_ records nothing). The partner holds that
    // deletion, or a newer lease for the address it handed out since: a tombstone dated now
    // would erase that newer lease, an ACKed one. Nothing to send.
    if (!c.deleted) continue;
    Lease tombstone;
    tombstone.address = c.address;
    tombstone.cltt = c.deletedCltt;  // erases the partner's copy only if not newer (sync::shouldErase)
    // A lease4 CSV row needs a hardware address or client-id; the puller reads only the
    // address and cltt of a deleted row (sync::shouldErase), so a zero address stands in.
    tombstone.hwAddr = HwAddr::fromBytes(std::vector<std::uint8_t>(6, 0));
    tombstone.subnetId = 0;
    out.deletes.push_back(std::move(tombstone));
  }
  return out;
}

// ---- ha-sync (operator) ------------------------------------------------------------------

void HaService::startOperatorSync(const std::string& peer, std::optional<std::uint32_t> maxPeriod,
                                  api::CommandReply reply) {
  if (!transport(peer)) return reply(api::makeAnswer(api::kResultError, "unknown peer " + peer));
  if (run_) {
    return reply(api::makeAnswer(api::kResultError, "a lease database synchronisation is already running"));
  }
  // The same asynchronous pull as the state machine's (Kea's protocol with a Kea peer, the
  // tandem stream with a tandemd one): DHCP service and other commands go on meanwhile,
  // and status-get shows its progress. Kea runs ha-sync blocking; the answer is the same.
  // Without max-period the partner is disabled until the end (Kea's ha-sync default).
  SyncOptions options{std::chrono::seconds(maxPeriod.value_or(0)), "ha-sync command", true, true, false};
  startSync(peer, std::move(options), [this, reply = std::move(reply)](bool ok, const std::string& summary) {
    if (ok) {
      log_.info("HA_SYNC_SUCCESSFUL", "ha-sync: {}", summary);
      reply(api::makeAnswer(api::kResultSuccess, "Lease database synchronization complete."));
    } else {
      log_.error("HA_SYNC_FAILED", "ha-sync failed: {}", summary);
      reply(api::makeAnswer(api::kResultError, summary));
    }
  });
  if (run_) run_->operatorRun = true;
}

// ---- backups ---------------------------------------------------------------------------------

void HaService::backupCatchUp(std::size_t candidate) {
  if (run_) return;
  if (candidate >= backupSources_.size()) {
    backupFinished(false, "no active peer answered");
    return;
  }
  const std::string peer = backupSources_[candidate];
  PeerTransport* t = transport(peer);
  if (!t) {
    backupCatchUp(candidate + 1);
    return;
  }
  // A backup never heartbeats (reference 1.1); one ha-heartbeat tells whether the peer is up
  // and whether it streams (tandemd) or pages (Kea).
  std::weak_ptr<bool> guard = alive_;
  t->send(sync::makeCommand("ha-heartbeat", sync::heartbeatArgs(cfg_.thisServerName)), kRequestTimeout,
          [this, guard, peer, candidate](Result<json> r) {
            if (auto g = guard.lock(); !g || !*g) return;
            auto answer = peerAnswerOf(r);
            if (!answer || answer->result != sync::kResultSuccess) {
              log_.warn("HA_BACKUP_SYNC_PEER_UNAVAILABLE",
                        "backup catch-up: {} did not answer ({}), trying the next "
                        "active peer",
                        peer, answer ? answer->text : answer.error().message);
              backupCatchUp(candidate + 1);
              return;
            }
            recordCapability(peer, answer->arguments);
            // The active keeps serving: no dhcp-disable, no sync-complete notification.
            startSync(peer, SyncOptions{std::chrono::seconds(0), "backup catch-up at start", false, false},
                      [this, guard](bool ok, const std::string& summary) {
                        if (auto g = guard.lock(); g && *g) backupFinished(ok, summary);
                      });
          });
}

void HaService::backupFinished(bool ok, const std::string& summary) {
  const SteadyTime now = control_.steadyNow();
  if (ok) {
    backupBackoff_.succeeded();
    backupRetryAt_.reset();
    log_.info("HA_SYNC_SUCCESSFUL", "backup {} caught up: {}; following the active servers' updates",
              cfg_.thisServerName, summary);
    return;
  }
  const auto wait = backupBackoff_.failed();
  backupRetryAt_ = now + wait;
  log_.error("HA_SYNC_FAILED", "backup catch-up failed (attempt {}): {}; retrying in {} ms", backupBackoff_.failures(),
             summary, wait.count());
  std::weak_ptr<bool> guard = alive_;
  timers_.arm(ha::TimerId::SyncRetry, *backupRetryAt_, [this, guard] {
    if (auto g = guard.lock(); g && *g) {
      backupRetryAt_.reset();
      backupCatchUp(0);
    }
  });
}

}  // namespace tandem::daemon
