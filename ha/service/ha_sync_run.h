#pragma once
#include <vector>
// One lease-database pull of HaService (private to ha_service.cpp and ha_sync_run.cpp).
#include <memory>
#include <optional>
#include <string>

#include "ha/service/ha_service.h"
#include "sync/sync_status.h"

namespace tandem::daemon {

struct HaService::SyncRun {
  SyncOptions options;
  sync::SyncProgress progress;  // peer, mode, counters, start time
  std::optional<Ipv4> after;    // "from" of the next page (nullopt: start)
  std::string session;          // tandem-stream session id at the partner
  SyncDone done;
  // Also told the outcome: the state machine's own sync when it asks for one while an
  // operator's ha-sync from the same peer is running (one pull serves both).
  std::vector<SyncDone> followers;
  bool operatorRun = false;  // started by ha-sync: `done` answers the command
  // The partner may be asked for a delta (HaService::deltaSources_, taken at the start).
  bool deltaAllowed = false;
};

}  // namespace tandem::daemon
