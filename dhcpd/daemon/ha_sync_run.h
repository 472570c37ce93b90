#pragma once
// One lease-database pull of HaService (private to ha_service.cpp and ha_sync_run.cpp).
#include <memory>
#include <optional>
#include <string>

#include "dhcpd/daemon/ha_service.h"
#include "sync/sync_status.h"

namespace tandem::daemon {

struct HaService::SyncRun {
  SyncOptions options;
  sync::SyncProgress progress;       // peer, mode, counters, start time
  std::optional<Ipv4> after;         // "from" of the next page (nullopt: start)
  std::string session;               // tandem-stream session id at the partner
  SyncDone done;
};

}  // namespace tandem::daemon
