#pragma once
// JSON of the HA peer protocol, byte-compatible with Kea 2.2 peers (reference/ha-protocol.md
// section 4, reference/kea-wire/*.json): command envelopes and answers, the lease object in
// its lease4-update / lease4-del / lease4-get-page forms, heartbeats, dhcp-disable/enable
// origins, maintenance notifications, and the status-get "high-availability" section.
// Pure: values in, values out; untrusted input yields Result errors, never exceptions.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "dhcpd/common/clock.h"
#include "dhcpd/common/control_result.h"
#include "dhcpd/common/result.h"
#include "dhcpd/lease/lease.h"
#include "ha/ha_machine.h"

namespace tandem::sync {

using nlohmann::json;

// Kea control-channel result codes (reference 4.1), and the HA hook's own for a refused
// ha-maintenance-start.
using enum ::tandem::ControlResult;
inline constexpr int kResultMaintenanceNotAllowed = 1001;

// ---- envelopes ---------------------------------------------------------------------------
// {"command": name, "service": ["dhcp4"], "arguments": args} (arguments left out when null).
json makeCommand(std::string_view name, const json& arguments = nullptr);
// The wire answer: a list with one map, as Kea's HA client requires.
json makeAnswer(int result, std::string_view text, const json& arguments = nullptr);

struct PeerAnswer {
  int result = 0;
  std::string text;
  json arguments;  // null when absent
};
// Kea's HA client rules: the body must be a list holding one map with an integer "result";
// a bare map (HTTP-level errors like 401/403) is an error too.
[[nodiscard]] Result<PeerAnswer> parsePeerAnswer(const json& body);

// ---- leases ------------------------------------------------------------------------------
// Fields shared by every form (ip-address, subnet-id, hw-address, client-id, valid-lft,
// fqdn-fwd, fqdn-rev, hostname, state, user-context, pool-id): api::leaseToJson (Kea's
// Lease4::toElement, the one lease encoder) without "cltt".
json leaseToJson(const Lease& lease);
// lease4-get-page entry: api::leaseToJson itself (the above plus "cltt").
json leaseToPageEntry(const Lease& lease);
// lease4-update arguments as Kea's HA hook sends them: "expire" instead of "cltt",
// "force-create": true, "origin": "ha-partner" (Kea >= 2.3.8 sends it; 2.2 ignores it).
json leaseUpdateArgs(const Lease& lease);
// lease4-del arguments: the lease with "expire" and "origin" (the receiver keys on ip-address).
json leaseDelArgs(const Lease& lease);

// The decoders are api::leaseFromJson in its HA peer form (api::LeaseJsonForm), the one lease
// decoder, whose checks and texts the lease commands share.
// Receiver side of lease4-update: "expire" gives cltt = expire - valid-lft (absent: now).
// subnet-id 0 in the result means "not given: select the subnet by address".
[[nodiscard]] Result<Lease> leaseFromUpdateArgs(const json& args, TimePoint now);
// A lease4-get-page entry (cltt required, hostname lower-cased as Kea's sync does).
[[nodiscard]] Result<Lease> leaseFromPageEntry(const json& entry);
// lease4-del: the address to delete.
[[nodiscard]] Result<Ipv4> addressFromDelArgs(const json& args);

// ---- lease4-get-page -----------------------------------------------------------------------
json pageRequestArgs(std::optional<Ipv4> after, std::uint32_t limit);  // nullopt = "start"
struct PageRequest {
  std::optional<Ipv4> after;  // nullopt = from the start
  std::uint32_t limit = 0;
};
[[nodiscard]] Result<PageRequest> parsePageRequest(const json& args);
// Serving side: result 0 with {"leases", "count"}, or 3 with an empty list.
json pageAnswer(const std::vector<Lease>& leases);
struct LeasePage {
  std::vector<Lease> leases;
  std::vector<std::string> errors;  // per-lease problems: logged, not fatal (Kea)
  bool last = true;                 // fewer than `limit` entries: the sync is done
  std::optional<Ipv4> next;         // "from" for the next page
};
[[nodiscard]] Result<LeasePage> parsePageAnswer(const PeerAnswer& answer, std::uint32_t limit);

// How a peer's answer to lease4-update/lease4-del counts (reference 4.1, 6.2): 0 ok, 3 ok
// (not found on delete), 4 conflict, anything else or no answer a failure.
ha::LeaseUpdateResult::Outcome classifyLeaseUpdateAnswer(const Result<PeerAnswer>& answer) noexcept;

// ---- heartbeat ---------------------------------------------------------------------------
json heartbeatArgs(std::string_view serverName);
// The ha-heartbeat answer arguments (state, date-time, scopes, unsent-update-count).
json heartbeatAnswerArgs(const ha::HeartbeatReply& reply, TimePoint now);
inline constexpr std::string_view kHeartbeatText = "HA peer status returned.";
// Kea's rules: state (a known state string) and date-time (RFC 1123) required; scopes
// ignored when malformed; unsent-update-count optional but must be an integer.
[[nodiscard]] Result<ha::HeartbeatAnswered> parseHeartbeatAnswer(const PeerAnswer& answer);

// ---- service origins, sync completion, reset, maintenance, scopes -------------------------
// dhcp-disable: "origin-id", legacy "origin": "ha-partner", and "max-period" unless 0.
json dhcpDisableArgs(int originId, std::uint32_t maxPeriodSeconds);
json dhcpEnableArgs(int originId);
// Receiver: "origin-id" wins; "origin" may be "ha-partner" (2000), "user" (1) or an integer;
// neither present gives `absent`.
[[nodiscard]] Result<int> parseOrigin(const json& args, int absent);
json syncCompleteNotifyArgs(std::string_view serverName, int originId);
json haResetArgs(std::string_view serverName);
json maintenanceNotifyArgs(std::string_view serverName, bool cancel, ha::HaState state);
[[nodiscard]] Result<ha::MaintenanceNotifyCommand> parseMaintenanceNotify(const json& args);
[[nodiscard]] Result<ha::ScopesCommand> parseScopesArgs(const json& args);
// Answer of our ha-maintenance-notify, as the machine event.
ha::MaintenanceNotifyFinished maintenanceNotifyFinished(const Result<PeerAnswer>& answer);

// ---- status-get --------------------------------------------------------------------------
// One element of status-get's "high-availability" list: {"ha-mode", "ha-servers": {local,
// remote}} in Kea's shape (remote left out on backups and in passive-backup), plus
// tandem's "state-reason" and "unsent-update-count".
json statusHaSection(const ha::HaStatus& status, TimePoint now);

}  // namespace tandem::sync
