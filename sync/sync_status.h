#pragma once
// What status-get and `tandemctl ha status` show about lease synchronisation (issue 4,
// "Progress is visible"): the sync in flight (peer, protocol, pages, leases received and
// written, elapsed time) and the outcome of the last one (result, leases, duration, when it
// ended, the error, and when the next attempt is due after a failure).
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "dhcpd/common/steady_time.h"

namespace tandem::sync {

enum class SyncMode : std::uint8_t {
  KeaPaged,      // Kea's dhcp-disable + lease4-get-page + ha-sync-complete-notify (reference 4.6)
  TandemStream,  // tandemd partner: big CSV pages plus its change log, partner keeps serving
  TandemDelta,   // tandemd partner: only the leases it changed since we last held all of them
};
constexpr std::string_view toString(SyncMode m) noexcept {
  switch (m) {
    case SyncMode::KeaPaged: return "kea-paged";
    case SyncMode::TandemStream: return "tandem-stream";
    case SyncMode::TandemDelta: return "tandem-delta";
  }
  return "unknown";
}

struct SyncProgress {
  std::string peer;
  SyncMode mode = SyncMode::KeaPaged;
  std::string why;  // what started it (state machine, ha-sync, backup catch-up)
  // Steady time: elapsed and duration are not stretched or cut by a step of the wall clock.
  SteadyTime startedAt;
  std::size_t pages = 0;
  std::size_t received = 0;  // leases in pages
  std::size_t written = 0;   // leases stored (new or newer than ours)
  std::size_t changes = 0;   // partner changes / updates received meanwhile, applied after the pages
};

struct SyncOutcome {
  bool ok = false;
  SyncProgress run;
  TimePoint finishedAt;                  // wall time: shown as a date (finished-at)
  std::chrono::milliseconds duration{};  // steady time from run.startedAt to the end
  std::string error;                     // empty on success
};

// The "sync" object of status-get's local section:
// {"in-progress": {peer, mode, why, pages, leases-received, leases-written, changes-applied,
//   elapsed-ms} | null,
//  "last": {result: "success"|"failed", peer, mode, leases, leases-written, duration-ms,
//   finished-at, error} | null,
//  "consecutive-failures": n, "retry-in-ms": ms | null}
// Elapsed time and the retry delay are steady time (`now`); finished-at is the wall date.
nlohmann::json syncStatusJson(const std::optional<SyncProgress>& running, const std::optional<SyncOutcome>& last,
                              std::uint32_t consecutiveFailures, std::optional<SteadyTime> retryAt, SteadyTime now);

// One line for humans (tandemctl ha status), from the JSON above; empty when nothing ever ran.
std::string formatSyncLine(const nlohmann::json& sync);

}  // namespace tandem::sync
