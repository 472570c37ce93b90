#include "dhcpd/api/legal_log_commands.h"

#include <gtest/gtest.h>

#include "dhcpd/api/command_registry.h"

namespace tandem::api {
namespace {

const json kOk = makeAnswer(kResultSuccess, "done");
constexpr std::int64_t kNow = 1'700'000'000;

std::string line(std::string_view command, const char* args, const json& answer = kOk,
                 const std::unordered_set<std::uint32_t>& silent = {}) {
  return legalLogCommandEntry(command, json::parse(args), answer, kNow, silent).value_or("<none>");
}

// The texts of Kea's forensic logging hook (command_callouts.cc, handleLease4Cmds) for the
// argument sets its own unit tests use.
TEST(LegalLogCommands, AddAsKeaWritesIt) {
  EXPECT_EQ(line("lease4-add", R"({"subnet-id": 44, "ip-address": "192.0.2.202", "hw-address": "1a:1b:1c:1d:1e:1f"})"),
            "Administrator added a lease of address: 192.0.2.202 to a device with hardware address: 1a:1b:1c:1d:1e:1f");
  // A client-id that is not printable text is shown as given, without its text.
  EXPECT_EQ(line("lease4-add", R"({"subnet-id": 44, "ip-address": "192.0.2.202", "hw-address": "1a:1b:1c:1d:1e:1f",
                                   "client-id": "1234567890"})"),
            "Administrator added a lease of address: 192.0.2.202 to a device with hardware address: "
            "1a:1b:1c:1d:1e:1f, client-id: 1234567890");
  EXPECT_EQ(line("lease4-add",
                 R"({"ip-address": "192.0.2.202", "hw-address": "1a:1b:1c:1d:1e:1f", "valid-lft": 86400})"),
            "Administrator added a lease of address: 192.0.2.202 to a device with hardware address: "
            "1a:1b:1c:1d:1e:1f for 1 days 0 hrs 0 mins 0 secs");
  EXPECT_EQ(line("lease4-add", R"({"ip-address": "192.0.2.202", "hw-address": "1a:1b:1c:1d:1e:1f",
                                   "user-context": {"foo": "bar"}})"),
            "Administrator added a lease of address: 192.0.2.202 to a device with hardware address: "
            "1a:1b:1c:1d:1e:1f, context: { \"foo\": \"bar\" }");
}

TEST(LegalLogCommands, UpdateAsKeaWritesIt) {
  EXPECT_EQ(line("lease4-update", R"({"subnet-id": 44, "ip-address": "192.0.2.202", "hw-address": "1a:1b:1c:1d:1e:1f",
                                      "client-id": "686f776479"})"),
            "Administrator updated information on the lease of address: 192.0.2.202 to a device with hardware "
            "address: 1a:1b:1c:1d:1e:1f, client-id: 686f776479 (howdy)");
  EXPECT_EQ(line("lease4-update", R"({"ip-address": "192.0.2.202", "hw-address": "1a:1b:1c:1d:1e:1f",
                                      "comment": "Fred's box"})"),
            "Administrator updated information on the lease of address: 192.0.2.202 to a device with hardware "
            "address: 1a:1b:1c:1d:1e:1f, context: { \"comment\": \"Fred's box\" }");
  // "comment" joins the user context.
  EXPECT_EQ(line("lease4-update", R"({"ip-address": "192.0.2.202", "hw-address": "1a:1b:1c:1d:1e:1f",
                                      "comment": "x", "user-context": {"a": [1, 2]}})"),
            "Administrator updated information on the lease of address: 192.0.2.202 to a device with hardware "
            "address: 1a:1b:1c:1d:1e:1f, context: { \"a\": [ 1, 2 ], \"comment\": \"x\" }");
  // Colon-separated client-id (what lease4-get and an HA partner send), infinite lifetime.
  EXPECT_EQ(line("lease4-update", R"({"ip-address": "192.0.2.1", "hw-address": "02:00:00:00:00:01",
                                      "client-id": "68:6f:77:64:79", "valid-lft": 4294967295})"),
            "Administrator updated information on the lease of address: 192.0.2.1 to a device with hardware "
            "address: 02:00:00:00:00:01, client-id: 68:6f:77:64:79 (howdy) for infinite duration");
}

TEST(LegalLogCommands, DurationFromValidLifetimeElseExpiry) {
  const char* prefix =
      "Administrator updated information on the lease of address: 192.0.2.1 to a device with "
      "hardware address: 02:00:00:00:00:01";
  // An HA partner sends both: valid-lft wins.
  EXPECT_EQ(line("lease4-update", R"({"ip-address": "192.0.2.1", "hw-address": "02:00:00:00:00:01",
                                      "valid-lft": 3600, "expire": 1700000100})"),
            std::string(prefix) + " for 1 hrs 0 mins 0 secs");
  EXPECT_EQ(line("lease4-update", R"({"ip-address": "192.0.2.1", "hw-address": "02:00:00:00:00:01",
                                      "expire": 1700000125})"),
            std::string(prefix) + " for 0 hrs 2 mins 5 secs");
  // Expired, zero, or a zero valid-lft (which hides "expire"): no duration.
  EXPECT_EQ(line("lease4-update", R"({"ip-address": "192.0.2.1", "hw-address": "02:00:00:00:00:01",
                                      "expire": 1600000000})"),
            prefix);
  EXPECT_EQ(line("lease4-update", R"({"ip-address": "192.0.2.1", "hw-address": "02:00:00:00:00:01",
                                      "valid-lft": 0, "expire": 1700000125})"),
            prefix);
}

TEST(LegalLogCommands, DeleteBothForms) {
  EXPECT_EQ(line("lease4-del", R"({"subnet-id": 44, "ip-address": "192.0.2.202"})"),
            "Administrator deleted the lease for address: 192.0.2.202");
  EXPECT_EQ(line("lease4-del",
                 R"({"subnet-id": 44, "identifier-type": "hw-address", "identifier": "1a:1b:1c:1d:1e:1f"})"),
            "Administrator deleted a lease for a device identified by: hw-address of 1a:1b:1c:1d:1e:1f");
}

// Kea's HA hook marks its lease updates "origin": "ha-partner" (since Kea 2.4; tandemd's peer
// listener marks Kea 2.2's unmarked ones), and the hook names the partner as the author.
TEST(LegalLogCommands, PartnerUpdatesNameThePartner) {
  EXPECT_EQ(line("lease4-update",
                 R"({"origin": "ha-partner", "ip-address": "192.0.2.202", "hw-address": "1a:1b:1c:1d:1e:1f",
                                      "valid-lft": 86400, "force-create": true})"),
            "HA partner updated information on the lease of address: 192.0.2.202 to a device with hardware "
            "address: 1a:1b:1c:1d:1e:1f for 1 days 0 hrs 0 mins 0 secs");
  EXPECT_EQ(line("lease4-del", R"({"origin": "ha-partner", "ip-address": "192.0.2.202"})"),
            "HA partner deleted the lease for address: 192.0.2.202");
  EXPECT_EQ(line("lease4-add", R"({"origin": "user", "ip-address": "192.0.2.202", "hw-address": "1a:1b:1c:1d:1e:1f"})"),
            "Administrator added a lease of address: 192.0.2.202 to a device with hardware address: 1a:1b:1c:1d:1e:1f");
}

TEST(LegalLogCommands, NothingForFailuresOtherCommandsAndSilentSubnets) {
  const char* args = R"({"subnet-id": 44, "ip-address": "192.0.2.202", "hw-address": "1a:1b:1c:1d:1e:1f"})";
  EXPECT_EQ(line("lease4-add", args, makeAnswer(kResultError, "IPv4 lease already exists.")), "<none>");
  EXPECT_EQ(line("lease4-del", args, makeAnswer(kResultEmpty, "IPv4 lease not found.")), "<none>");
  EXPECT_EQ(line("lease4-get", args), "<none>");
  EXPECT_EQ(line("lease4-wipe", args), "<none>");
  EXPECT_EQ(line("lease4-add", args, kOk, {44}), "<none>");
  EXPECT_NE(line("lease4-add", args, kOk, {45}), "<none>");
  // Kea's hook cannot write the line without these (and logs an error instead).
  EXPECT_EQ(line("lease4-add", R"({"ip-address": "192.0.2.202"})"), "<none>");
  EXPECT_EQ(line("lease4-del", R"({"identifier-type": "hw-address"})"), "<none>");
  EXPECT_EQ(legalLogCommandEntry("lease4-del", nullptr, kOk, kNow, {}), std::nullopt);
}

}  // namespace
}  // namespace tandem::api
