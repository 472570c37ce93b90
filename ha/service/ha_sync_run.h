#pragma once
#include <vector>
// One lease-database pull of HaService (private to ha_service.cpp and ha_sync_run.cpp).
#include <memory>
#include <optional>
#include <string>

#include "ha/service/ha_service.h"
#include "sync/page_merge.h"
#include "sync/parallel_csv_reader.h"
#include "sync/sync_status.h"
#include "sync/tandem_sync_json.h"

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
  // tandem-stream: every page is read into this one (its leases and buffers reused) and the
  // CSV text unescaped into `scratch` (sync/sync_answer_reader.h).
  sync::SyncPage page;
  std::string scratch;
  // A page's rows are read on two threads (its helper lives as long as this pull).
  sync::ParallelCsvReader rows;
  // Pages are stored without waiting for the disk (ServerControl::storeLeases); the pull
  // ends once they are durable (finishRun).
  bool awaitingDurable = false;
  // Whether the partner turns out to hold all our leases (sync/page_merge.h): what we held
  // and our latest change when the pull began, and what the pages said.
  std::size_t heldAtStart = 0;
  std::uint64_t historyAtStart = 0;
  sync::PullCoverage coverage;
};

}  // namespace tandem::daemon
