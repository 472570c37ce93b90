// HaBulkApplyServer: a tandemd partner's tandem-lease4-bulk-apply, each lease applied as
// lease4-update (force-create) / lease4-del would apply it, from a JSON tree or the body text.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "ha/service/ha_bulk_apply_server.h"
#include "sync/bulk_apply_reader.h"
#include "tests/ha/ha_test_util.h"
#include "tests/ha/service/ha_service_fakes.h"

namespace tandem::daemon {
namespace {

using nlohmann::json;
using testing::HaPartHarness;
using testing::testLease;

class HaBulkApplyServerTest : public ::testing::Test {
 protected:
  HaPartHarness h{ha::testing::lbConfig()};
  HaBulkApplyServer server{h.cfg, h.control, h.log};
};

TEST_F(HaBulkApplyServerTest, AppliesUpdatesAndDeletionsAndListsWhatFailed) {
  ASSERT_TRUE(h.control.store.put(testLease(Ipv4(198, 18, 16, 80), 80)).ok());
  std::vector<sync::UpdateBatcher::Item> items;
  Lease bySubnetOfAddress = testLease(Ipv4(198, 18, 17, 81), 81);
  bySubnetOfAddress.subnetId = 0;  // selected by address, as lease4-update does
  items.push_back({bySubnetOfAddress, true, nullptr});
  Lease wrongSubnet = testLease(Ipv4(198, 18, 16, 84), 84);
  wrongSubnet.subnetId = 2;  // subnet 2 does not hold it
  items.push_back({wrongSubnet, true, nullptr});
  items.push_back({testLease(Ipv4(198, 18, 16, 80), 80), false, nullptr});
  items.push_back({testLease(Ipv4(198, 18, 16, 83), 83), false, nullptr});  // not here
  const json answer = server.serve(sync::bulkApplyArgs("server2", items));
  ASSERT_EQ(answer["result"], 0) << answer.dump();
  EXPECT_EQ(answer["text"], "Bulk apply of 2 IPv4 lease(s) completed.");
  const json& failed = answer["arguments"]["failed"];
  ASSERT_EQ(failed.size(), 2u) << answer.dump();
  for (const auto& f : failed) {
    if (f["ip-address"] == "198.18.16.84") {
      EXPECT_EQ(f["result"], api::kResultConflict);
      EXPECT_EQ(f["error-message"], "The address 198.18.16.84 does not belong to subnet 198.18.17.0/24, subnet-id=2");
    } else {
      EXPECT_EQ(f["ip-address"], "198.18.16.83");
      EXPECT_EQ(f["result"], api::kResultEmpty);
      EXPECT_EQ(f["error-message"], "IPv4 lease not found.");
    }
  }
  const auto stored = h.control.store.byAddress(Ipv4(198, 18, 17, 81));
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->subnetId, 2u);
  EXPECT_FALSE(h.control.store.byAddress(Ipv4(198, 18, 16, 80)));
  // Written and deleted as the partner's: never replicated back.
  ASSERT_EQ(h.control.puts.size(), 1u);
  EXPECT_EQ(h.control.puts.back().second, Origin::Partner);
  ASSERT_EQ(h.control.deletes.size(), 1u);
  EXPECT_EQ(h.control.deletes[0].second, Origin::Partner);
}

// An update or deletion older than the lease held for its address is stale (sent before a
// partition, delivered by TCP after the heal): the newer lease stays, the batch still succeeds.
TEST_F(HaBulkApplyServerTest, KeepsALeaseNewerThanTheUpdateOrDeletion) {
  Lease newer = testLease(Ipv4(198, 18, 16, 90), 0x90);
  newer.cltt += 5;
  ASSERT_TRUE(h.control.store.put(newer).ok());
  Lease newer2 = testLease(Ipv4(198, 18, 16, 91), 0x91);
  newer2.cltt += 5;
  ASSERT_TRUE(h.control.store.put(newer2).ok());
  std::vector<sync::UpdateBatcher::Item> items;
  items.push_back({testLease(Ipv4(198, 18, 16, 90), 0x10), true, nullptr});   // older, another client
  items.push_back({testLease(Ipv4(198, 18, 16, 91), 0x91), false, nullptr});  // older deletion
  Lease same = newer;
  same.hwAddr = HwAddr::fromBytes(std::vector<std::uint8_t>{0x52, 0x54, 0, 0, 0, 0x11});
  const json answer = server.serve(sync::bulkApplyArgs("server2", items));
  ASSERT_EQ(answer["result"], 0) << answer.dump();
  EXPECT_TRUE(answer["arguments"]["failed"].empty()) << answer.dump();
  EXPECT_EQ(server.staleUpdates(), 2u);
  EXPECT_EQ(h.control.store.byAddress(newer.address), newer);
  EXPECT_EQ(h.control.store.byAddress(newer2.address), newer2);
  EXPECT_TRUE(h.control.puts.empty());
  EXPECT_TRUE(h.control.deletes.empty());
  // The same cltt or a newer one is applied (a renewal carries the sender's current time).
  items.clear();
  items.push_back({same, true, nullptr});
  Lease later = newer2;
  later.cltt += 1;
  items.push_back({later, false, nullptr});
  ASSERT_EQ(server.serve(sync::bulkApplyArgs("server2", items))["result"], 0);
  EXPECT_EQ(h.control.store.byAddress(newer.address), same);
  EXPECT_FALSE(h.control.store.byAddress(newer2.address));
  EXPECT_EQ(server.staleUpdates(), 2u);
}

TEST_F(HaBulkApplyServerTest, RefusesABrokenRequestOrAnUnknownSenderWhole) {
  EXPECT_EQ(server.serve(json{{"leases", "garbage"}})["result"], 1);
  const json intruder = server.serve(json{{"server-name", "intruder"}});
  EXPECT_EQ(intruder["result"], 1);
  EXPECT_EQ(intruder["text"], "server name 'intruder' not found in the HA configuration");
  EXPECT_TRUE(h.control.puts.empty());
}

TEST_F(HaBulkApplyServerTest, TextShortcutAnswersBulkBodiesAndDeclinesOthers) {
  api::CommandRegistry registry;
  std::vector<json> observed;
  registry.observe(std::string(sync::kBulkApplyCommand),
                   [&](const std::string&, const json& args, const json&) { observed.push_back(args); });
  std::optional<std::string> text;
  std::function<void(std::string)> done = [&](std::string t) { text = std::move(t); };
  // Not a bulk apply: declined, `done` left to the registry.
  EXPECT_FALSE(server.serveText(R"({"command":"status-get"})", registry, done));
  EXPECT_FALSE(text);
  ASSERT_TRUE(done);
  std::vector<sync::UpdateBatcher::Item> items{{testLease(Ipv4(198, 18, 16, 90), 90), true, nullptr}};
  const std::string body = sync::makeCommand(sync::kBulkApplyCommand, sync::bulkApplyArgs("server2", items)).dump();
  ASSERT_TRUE(server.serveText(body, registry, done));
  ASSERT_TRUE(text);
  const json answer = json::parse(*text);
  ASSERT_TRUE(answer.is_array());  // the request named a service: a one-element list, as the agent answers
  EXPECT_EQ(answer[0]["result"], 0);
  EXPECT_EQ(answer[0]["text"], "Bulk apply of 1 IPv4 lease(s) completed.");
  EXPECT_TRUE(h.control.store.byAddress(Ipv4(198, 18, 16, 90)));
  EXPECT_EQ(observed.size(), 1u);  // the forensic log sees it as through the tree
}

}  // namespace
}  // namespace tandem::daemon
