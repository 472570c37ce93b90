#pragma once
// Wire form of tandem's batched lease updates (sync/update_batcher.h), sent only to a peer
// whose ha-heartbeat answer carried "tandem-bulk-apply": <version> (Kea ignores the key and
// keeps getting one lease4-update / lease4-del per lease, reference 6.1):
//
//   tandem-lease4-bulk-apply {"server-name": <sender>,
//                             "leases": "<Kea 2.2 lease4 CSV rows to store>",
//                             "deleted": "<rows of leases to delete>"}
//   -> 0 "Bulk apply of N IPv4 lease(s) completed." {"failed": [{"ip-address", "result",
//        "error-message"}, ...]}                     (per-lease results other than 0)
//   -> 1 the request as a whole was refused (nothing applied)
//
// Leases travel as memfile rows, as in the tandem bulk sync: a third of lease4-update's bytes
// and a fraction of its parse time. An address appears at most once per request, so the order
// of the two lists does not matter. Per-lease results follow lease4-update / lease4-del:
// 0 ok, 3 not found (a delete: ok), 4 conflict with the receiver's configuration, 1 error.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "dhcpd/common/result.h"
#include "dhcpd/lease/lease.h"
#include "sync/ha_json.h"
#include "sync/update_batcher.h"

namespace tandem::sync {

inline constexpr std::string_view kBulkApplyCommand = "tandem-lease4-bulk-apply";
inline constexpr std::string_view kBulkApplyKey = "tandem-bulk-apply";
inline constexpr int kBulkApplyVersion = 1;

// The version a heartbeat answer's arguments announce (0: Kea, or a tandemd without it).
int bulkApplyVersion(const json& heartbeatArgs) noexcept;

json bulkApplyArgs(std::string_view serverName, const std::vector<UpdateBatcher::Item>& items);
// The whole request text, {"command": ..., "service": ["dhcp4"], "arguments": bulkApplyArgs},
// written straight into one buffer (no JSON tree, no dump of it): what the sender puts on the
// wire for every batch. Equal, as JSON, to makeCommand(kBulkApplyCommand, bulkApplyArgs(...)).
std::string bulkApplyBody(std::string_view serverName, const std::vector<UpdateBatcher::Item>& items);

struct BulkApplyRequest {
  std::string serverName;
  std::vector<Lease> leases;   // to store (subnet-id still to be checked by the receiver)
  std::vector<Lease> deleted;  // to delete (by address)
};
// Refuses the whole request when a list is malformed or an address appears twice.
[[nodiscard]] Result<BulkApplyRequest> parseBulkApplyRequest(const json& args);
// The same from the members' texts (nullopt: absent), once their JSON types are checked: what
// parseBulkApplyRequest and the direct reader (sync/bulk_apply_reader.h) both end with.
[[nodiscard]] Result<BulkApplyRequest> bulkApplyRequestOf(std::optional<std::string_view> serverName,
                                                          std::optional<std::string_view> leases,
                                                          std::optional<std::string_view> deleted);

struct BulkFailure {
  Ipv4 address;
  int result = kResultError;
  std::string text;
};
json bulkApplyAnswerArgs(const std::vector<BulkFailure>& failed);
std::string bulkApplyText(std::size_t applied);

struct BulkOutcome {
  UpdateBatcher::Outcome outcome = UpdateBatcher::Outcome::Failed;
  std::string text;
};
// One outcome per item, in item order: a transport error or a whole-request error fails every
// item; otherwise an item is Ok (without a text) unless the answer lists it (3 ok, 4 conflict,
// else failed).
std::vector<BulkOutcome> bulkApplyOutcomes(const Result<PeerAnswer>& answer,
                                           const std::vector<UpdateBatcher::Item>& items);

}  // namespace tandem::sync
