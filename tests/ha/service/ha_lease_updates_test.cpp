// HaLeaseUpdates: committed lease changes to the partner and the backups as the machine's
// update policy says, batched to tandemd peers, with the query's reply parked until the
// required acknowledgements arrived. The machine stays in waiting here (the partner's updates
// are skipped and counted); a backup's policy does not depend on the state, so the sending,
// waiting and batching paths are driven through the backup server3.
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ha/service/ha_lease_updates.h"
#include "sync/bulk_apply_json.h"
#include "tests/ha/ha_test_util.h"
#include "tests/ha/service/ha_service_fakes.h"

namespace tandem::daemon {
namespace {

using nlohmann::json;
using testing::FakePeer;
using testing::HaPartHarness;
using testing::okAnswer;
using testing::testLease;

class HaLeaseUpdatesTest : public ::testing::Test {
 protected:
  explicit HaLeaseUpdatesTest(ha::HaConfig cfg = ha::testing::lbConfig()) : h(std::move(cfg)) {}

  // One call per host (198.18.16.<host>), each with its own reply.
  void commit(std::initializer_list<std::uint8_t> hosts, bool upsert = true) {
    std::vector<engine::LeaseChange> changes;
    std::vector<std::uint64_t> seqs;
    for (std::uint8_t host : hosts) {
      engine::LeaseChange c;
      c.kind = upsert ? engine::LeaseChange::Kind::Upsert : engine::LeaseChange::Kind::Delete;
      c.lease = testLease(Ipv4(198, 18, 16, host), host);
      changes.push_back(c);
      seqs.push_back(++seq);
    }
    const std::size_t i = replies.size();
    replies.emplace_back();
    updates.send(changes, seqs, [this, i](bool ok) { replies[i] = ok; });
  }
  FakePeer& backup() { return h.peer("server3"); }
  json bulkOk(std::size_t n) { return okAnswer(sync::bulkApplyText(n), sync::bulkApplyAnswerArgs({})); }

  HaPartHarness h;
  ha::HaMachine machine{h.cfg};
  std::map<std::string, sync::DeliveryTracker> delivered;
  std::map<std::string, bool> bulkApplyPeers;
  std::vector<std::string> probed;
  HaLeaseUpdates updates{h.links(), machine, delivered, bulkApplyPeers,
                         [this](const std::string& peer, const json& args) {
                           probed.push_back(peer);
                           bulkApplyPeers[peer] = sync::bulkApplyVersion(args) >= sync::kBulkApplyVersion;
                         }};
  std::vector<std::optional<bool>> replies;
  std::uint64_t seq = 0;
};

class HaLeaseUpdatesWaitingForBackupTest : public HaLeaseUpdatesTest {
 protected:
  // Only passive-backup may wait for the backups (Kea).
  HaLeaseUpdatesWaitingForBackupTest()
      : HaLeaseUpdatesTest(ha::testing::parseOne(ha::testing::relationship(
            "server1", "passive-backup",
            json::array({ha::testing::peer("server1", "http://198.18.0.1:8001/", "primary"),
                         ha::testing::peer("server3", "http://198.18.0.3:8001/", "backup", false)}),
            {{"wait-backup-ack", true}}))) {}
};

class HaLeaseUpdatesNoUpdatesTest : public HaLeaseUpdatesTest {
 protected:
  HaLeaseUpdatesNoUpdatesTest()
      : HaLeaseUpdatesTest(ha::testing::lbConfig("server1", ha::testing::fastTimers({{"send-lease-updates", false}}))) {
  }
};

TEST_F(HaLeaseUpdatesTest, InWaitingThePartnerIsSkippedAndCountedAndTheBackupIsSentTo) {
  commit({20});
  // Nothing to wait for (the backup's acknowledgement is not required): answered at once.
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0], true);
  EXPECT_TRUE(h.peer("server2").sent.empty());
  EXPECT_EQ(machine.heartbeatReply().unsentUpdateCount, 1u);  // reference 6.4
  // The backup is asked (once) what it takes, then gets Kea's single update.
  ASSERT_EQ(backup().names(), (std::vector<std::string>{"ha-heartbeat", "lease4-update"}));
  const json& args = backup().sent[1]["arguments"];
  EXPECT_EQ(args["ip-address"], "198.18.16.20");
  EXPECT_EQ(args["force-create"], true);
  EXPECT_EQ(args["origin"], "ha-partner");
  commit({21}, false);
  EXPECT_EQ(backup().names().back(), "lease4-del");
  EXPECT_EQ(backup().names().size(), 3u);  // no second probe while one is in flight
  // A backup's failure changes nothing here: no event for the machine.
  backup().answerNext(makeError("cancelled"));  // the probe
  backup().answerNext(makeError("connect: Connection refused"));
  EXPECT_TRUE(h.eventsOf<ha::LeaseUpdateResult>().empty());
  EXPECT_EQ(updates.backlogSize(), 0u);
}

TEST_F(HaLeaseUpdatesNoUpdatesTest, SendLeaseUpdatesFalseSendsNothing) {
  commit({20});
  EXPECT_EQ(replies[0], true);
  EXPECT_TRUE(h.peer("server2").sent.empty());
  EXPECT_TRUE(backup().sent.empty());
  EXPECT_EQ(machine.heartbeatReply().unsentUpdateCount, 0u);
}

TEST_F(HaLeaseUpdatesWaitingForBackupTest, ReplyWaitsForTheBackupAndIsDroppedWhenItFails) {
  commit({20});
  EXPECT_EQ(replies[0], std::nullopt);
  backup().answerNext(okAnswer("HA peer status returned.", {{"state", "backup"}}));  // a Kea backup
  EXPECT_EQ(probed, (std::vector<std::string>{"server3"}));
  EXPECT_EQ(replies[0], std::nullopt);
  backup().answerNext(okAnswer("IPv4 lease updated."));
  EXPECT_EQ(replies[0], true);
  commit({21});
  EXPECT_EQ(backup().names().back(), "lease4-update");  // no new probe within 30 s
  backup().answerNext(json{{"result", 1}, {"text", "database failure"}});
  EXPECT_EQ(replies[1], false);
}

TEST_F(HaLeaseUpdatesWaitingForBackupTest, BulkApplyPeerGetsBatchesOneRequestOnTheWire) {
  bulkApplyPeers["server3"] = true;
  updates.setBatchOptions({.maxInFlight = 1, .maxBatch = 100});
  commit({20, 21});
  ASSERT_EQ(backup().names(), (std::vector<std::string>{std::string(sync::kBulkApplyCommand)}));
  EXPECT_EQ(updates.bulkRequests(), 1u);
  EXPECT_EQ(updates.bulkLeases(), 2u);
  commit({22});  // waits: one request on the wire
  commit({23});
  EXPECT_EQ(backup().sent.size(), 1u);
  backup().answerNext(bulkOk(2));
  EXPECT_EQ(replies[0], true);
  // The answer lets the two waiting changes leave together.
  ASSERT_EQ(backup().sent.size(), 2u);
  EXPECT_EQ(updates.bulkRequests(), 2u);
  EXPECT_EQ(updates.bulkLeases(), 4u);
  EXPECT_EQ(replies[1], std::nullopt);
  backup().answerNext(bulkOk(2));
  EXPECT_EQ(replies[1], true);
  EXPECT_EQ(replies[2], true);
}

TEST_F(HaLeaseUpdatesWaitingForBackupTest, PeerThatForgotBulkApplyGetsSingleUpdates) {
  bulkApplyPeers["server3"] = true;
  updates.setBatchOptions({.maxInFlight = 1, .maxBatch = 100});
  commit({20});
  commit({21});  // waiting behind the first request
  backup().answerNext(
      json{{"result", sync::kResultUnsupported}, {"text", "'tandem-lease4-bulk-apply' command not supported."}});
  EXPECT_FALSE(bulkApplyPeers["server3"]);
  // Both go again one by one, in order.
  ASSERT_EQ(backup().queue.size(), 2u);
  EXPECT_EQ(backup().queue[0].command["command"], "lease4-update");
  EXPECT_EQ(backup().queue[0].command["arguments"]["ip-address"], "198.18.16.20");
  EXPECT_EQ(backup().queue[1].command["arguments"]["ip-address"], "198.18.16.21");
  backup().answerNext(okAnswer());
  backup().answerNext(okAnswer());
  EXPECT_EQ(replies[0], true);
  EXPECT_EQ(replies[1], true);
}

TEST_F(HaLeaseUpdatesWaitingForBackupTest, StopReleasesTheRepliesOfChangesNotSentYet) {
  bulkApplyPeers["server3"] = true;
  updates.setBatchOptions({.maxInFlight = 1, .maxBatch = 100});
  commit({20});
  commit({21});
  updates.stop();
  EXPECT_EQ(replies[1], false);  // never sent: its reply is dropped now
  EXPECT_EQ(replies[0], std::nullopt);
  // The request on the wire is failed by its transport (HaService::stop cancels them first).
  h.stopService();
  backup().cancelAll();
  EXPECT_EQ(replies[0], false);
}

TEST_F(HaLeaseUpdatesTest, ReplayOfAnEmptyBacklogFinishesAtOnce) {
  updates.replayBacklog("server2");
  updates.replayBacklog("nobody");
  const auto finished = h.eventsOf<ha::BacklogReplayFinished>();
  ASSERT_EQ(finished.size(), 2u);
  EXPECT_TRUE(finished[0].ok);
  EXPECT_FALSE(finished[1].ok);
  EXPECT_EQ(finished[1].text, "no transport");
  EXPECT_TRUE(h.peer("server2").sent.empty());
}

}  // namespace
}  // namespace tandem::daemon
