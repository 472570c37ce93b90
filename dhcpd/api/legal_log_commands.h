#pragma once
// The forensic log lines of lease commands. Kea's forensic logging hook (libdhcp_legal_log.so)
// also logs the lease commands an operator (or an HA partner) runs, at its command_processed
// callout (handleLease4Cmds), in one fixed format whatever request-/response-parser-format say:
//
//   lease4-add    <who> added a lease of address: 192.0.2.202 to a device with hardware
//                 address: 1a:1b:1c:1d:1e:1f, client-id: 31:32:33 (123) for 1 days 0 hrs 0 mins 0 secs
//   lease4-update <who> updated information on the lease of address: <ip> to a device with
//                 hardware address: <hw-address>[, client-id: ...][ for <duration>][, context: {...}]
//   lease4-del    <who> deleted the lease for address: <ip>
//                 <who> deleted a lease for a device identified by: hw-address of 1a:1b:1c:1d:1e:1f
//
// <who> is "HA partner" when the arguments carry "origin": "ha-partner", else "Administrator".
// Values are printed as the command gave them (hw-address, client-id, identifier); the duration
// is "valid-lft", else "expire" minus now, and is left out when not positive; "comment" joins
// "user-context" as the context. Failed commands (result other than 0) and leases of a subnet
// whose user-context says "legal-logging": false are not logged.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>

#include <nlohmann/json.hpp>

namespace tandem::api {

// The line for one answered command; nullopt when Kea's hook writes none for it.
std::optional<std::string> legalLogCommandEntry(std::string_view command, const nlohmann::json& args,
                                                const nlohmann::json& answer, std::int64_t nowEpochSeconds,
                                                const std::unordered_set<std::uint32_t>& silentSubnets);

}  // namespace tandem::api
