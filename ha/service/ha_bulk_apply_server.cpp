#include "ha/service/ha_bulk_apply_server.h"

#include <exception>
#include <utility>
#include <vector>

#include "dhcpd/api/lease_json.h"
#include "sync/bulk_apply_reader.h"
#include "sync/lease_merge.h"

namespace tandem::daemon {

api::json HaBulkApplyServer::serve(const api::json& args) {
  auto req = sync::parseBulkApplyRequest(args);
  if (!req) {
    log_.limited(Severity::Warn, "HA_BULK_APPLY_REFUSED", "{} refused: {}", sync::kBulkApplyCommand,
                 req.error().message);
    return api::makeAnswer(api::kResultError, req.error().message);
  }
  return apply(*req);
}

bool HaBulkApplyServer::serveText(std::string_view body, const api::CommandRegistry& registry,
                                  std::function<void(std::string)>& done) {
  // The partner's batches come in their ordinary form; anything else (and every error) goes
  // the registry's way, whose answers are the reference (sync/bulk_apply_reader.h).
  auto cmd = sync::readBulkApplyCommand(body);
  if (!cmd) return false;
  api::json answer;
  // As CommandRegistry::executeAsync: a handler that throws answers result 1, and the observer
  // (the forensic log) sees the command before the answer leaves.
  try {
    answer = apply(cmd->request);
    if (const api::CommandObserver* observer = registry.observerOf(sync::kBulkApplyCommand)) {
      (*observer)(std::string(sync::kBulkApplyCommand), cmd->observedArguments(), answer);
    }
  } catch (const std::exception& e) {
    if (answer.is_null())
      answer = api::makeAnswer(api::kResultError, std::string("Error during command processing: ") + e.what());
  }
  auto reply = std::move(done);
  reply(api::toKeaText(cmd->listAnswer ? api::json::array({std::move(answer)}) : answer));
  return true;
}

api::json HaBulkApplyServer::apply(sync::BulkApplyRequest& req) {
  if (!req.serverName.empty() && !cfg_.find(req.serverName)) {
    return api::makeAnswer(api::kResultError, "server name '" + req.serverName + "' not found in the HA configuration");
  }
  // Each lease as lease4-del / lease4-update (force-create) would handle it.
  std::vector<sync::BulkFailure> failed;
  const std::uint64_t staleBefore = stale_;
  for (const Lease& l : req.deleted) {
    const auto mine = control_.leases().clttAt(l.address);  // present? (without copying the lease out)
    if (!mine) {
      control_.leaseDeleteMissed(l.address, Origin::Partner);
      failed.push_back({l.address, api::kResultEmpty, "IPv4 lease not found."});
      continue;
    }
    // A deletion older than the lease we hold (another client got the address since, here or
    // through a sync) is stale: kept, as a sync's change log would keep it (sync::shouldErase).
    if (sync::partnerUpdateIsStale(mine, l)) {
      ++stale_;
      continue;
    }
    if (auto d = control_.deleteLease(l.address, Origin::Partner); !d) {
      failed.push_back({l.address, api::kResultError, d.error().message});
    }
  }
  for (Lease& l : req.leases) {  // the request's own: adjusted in place, never copied
    auto subnet = api::subnetOfLease(control_.config(), l.address, l.subnetId);
    if (!subnet) {
      failed.push_back({l.address, api::kResultConflict, subnet.error().message});
      continue;
    }
    l.subnetId = (*subnet)->id;
    if (sync::partnerUpdateIsStale(control_.leases().clttAt(l.address), l)) {
      ++stale_;
      continue;
    }
    if (auto p = control_.putLease(l, Origin::Partner); !p) {
      failed.push_back({l.address, api::kResultError, p.error().message});
    }
  }
  if (stale_ != staleBefore) {
    log_.limited(Severity::Info, "HA_LEASE_UPDATE_STALE",
                 "{}: kept {} lease(s) newer than the partner's update or deletion (an update sent before a "
                 "partition, delivered after it)",
                 sync::kBulkApplyCommand, stale_ - staleBefore);
  }
  const std::size_t applied = req.leases.size() + req.deleted.size() - failed.size();
  return api::makeAnswer(api::kResultSuccess, sync::bulkApplyText(applied), sync::bulkApplyAnswerArgs(failed));
}

}  // namespace tandem::daemon
