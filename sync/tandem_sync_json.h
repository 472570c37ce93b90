#pragma once
// Wire form of the tandemd-to-tandemd bulk sync (sync/pull_session.h explains the protocol).
// Two peer commands, sent to the HA listener like Kea's own:
//
//   tandem-lease4-sync-page {"server-name": <puller>, "session": <id, absent on the first
//       page>, "from": "start" | "<last address of the previous page>", "limit": N,
//       "delta": true (optional, first page only)}
//   -> 0 {"session": id, "count": n, "last": bool,
//         "leases": "<Kea 2.2 lease4 CSV rows>",            (the page, ascending)
//         "changes": "<rows>", "deleted": "<rows>",          (the change log since the last answer)
//         "delta": true,                                     (only when a delta was granted)
//         "total": N}                                        (first page of a full pull: how many
//                                                             leases we hold, so the puller sizes
//                                                             its store once instead of growing it)
//   tandem-lease4-sync-done {"server-name": <puller>, "session": id}
//   -> 0 {"changes": "<rows>", "deleted": "<rows>"}          (the rest of the log; session closed)
//
// Delta resync: a puller that has held our leases since it started (it pulled from us and has
// not restarted since) asks for "delta". When we know up to which change it holds all of ours
// (sync/delivery_tracker.h) and our history still reaches back there (sync/change_history.h),
// the first answer carries only the leases changed since then, as "changes"/"deleted", with an
// empty page, "last": true and "delta": true; the done request follows as usual. Otherwise the
// answer is an ordinary first page and the pull goes on in full. A tandemd without delta
// ignores the key and answers the full pull, so no version bump is needed.
//
// Leases travel as Kea lease4 memfile rows (dhcpd/lease/lease_csv.h) inside one JSON string:
// about a third of the bytes of lease4-get-page's objects and a fraction of the parse time,
// which is what makes 50,000-lease pages cheap for both sides. The capability is announced
// by an extra "tandem-sync": <version> key in the ha-heartbeat answer, which Kea ignores.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "dhcpd/common/result.h"
#include "dhcpd/lease/lease.h"
#include "sync/ha_json.h"
#include "sync/pull_session.h"

namespace tandem::sync {

inline constexpr std::string_view kTandemSyncKey = "tandem-sync";
inline constexpr int kTandemSyncVersion = 1;
inline constexpr std::string_view kSyncPageCommand = "tandem-lease4-sync-page";
inline constexpr std::string_view kSyncDoneCommand = "tandem-lease4-sync-done";
// Server-side cap on one page (bounds the answer to ~25 MB and the partner's pause per page).
inline constexpr std::uint32_t kMaxTandemPage = 200'000;

// The version a heartbeat answer's arguments announce under `key` (0: absent, as from a Kea
// peer or an older tandemd, or not a small positive integer).
int announcedVersion(const json& heartbeatArgs, std::string_view key) noexcept;
// The same for the tandem bulk sync.
int tandemSyncVersion(const json& heartbeatArgs) noexcept;

// Rows, each ending in '\n'.
std::string leasesToCsv(const std::vector<Lease>& leases);
// Parses rows written by leasesToCsv; a bad row fails the whole text (a peer that sends
// garbage is not a source to sync from).
[[nodiscard]] Result<std::vector<Lease>> leasesFromCsv(std::string_view rows);
// The same into `out`, replaced: its leases (and their buffers) are reused, so a puller that
// reads every page into one vector builds no fresh lease objects after the first page. On an
// error `out` holds some of the rows.
[[nodiscard]] Result<void> leasesFromCsvInto(std::string_view rows, std::vector<Lease>& out);

struct SyncPageRequest {
  std::string serverName;
  std::optional<std::string> session;
  std::optional<Ipv4> after;
  std::uint32_t limit = 0;
  bool delta = false;
};
json syncPageRequestArgs(const SyncPageRequest& r);
[[nodiscard]] Result<SyncPageRequest> parseSyncPageRequest(const json& args);

struct SyncPage {
  std::string session;
  std::vector<Lease> leases;
  ChangeLog::Changes changes;
  bool last = true;
  bool delta = false;       // the answer to a delta request: `changes` is the whole delta
  std::uint64_t total = 0;  // the partner's lease count ("total"; 0 when not sent)
};
// total 0 leaves "total" out (every page but a full pull's first).
json syncPageAnswerArgs(const std::string& session, const std::vector<Lease>& leases, const ChangeLog::Changes& c,
                        bool last, bool delta = false, std::uint64_t total = 0);
[[nodiscard]] Result<SyncPage> parseSyncPageAnswer(const PeerAnswer& answer);

json syncDoneRequestArgs(const std::string& serverName, const std::string& session);
struct SyncDoneRequest {
  std::string serverName;
  std::string session;
};
[[nodiscard]] Result<SyncDoneRequest> parseSyncDoneRequest(const json& args);
json syncDoneAnswerArgs(const ChangeLog::Changes& c);
[[nodiscard]] Result<ChangeLog::Changes> parseSyncDoneAnswer(const PeerAnswer& answer);

}  // namespace tandem::sync
