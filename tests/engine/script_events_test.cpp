// The run_script hook's calls (argument and environment) built as Kea 2.2's
// libdhcp_run_script.so builds them. Expected environments are the ones kea-dhcp4 2.2 passed
// to a recording script for the same exchanges (tests/difftest/scenarios/run_script.py), with
// this test's MACs, xids and times.
#include "dhcpd/engine/script_events.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tandem::engine {
namespace {

using proto::MessageType;

config::Dhcp4Config configWithSubnets() {
  auto cfg = config::parseDhcp4Config(std::string_view(R"({"Dhcp4": {"subnet4": [
          {"id": 1, "subnet": "198.18.0.0/24", "pools": [{"pool": "198.18.0.100 - 198.18.0.199"}]},
          {"id": 11, "subnet": "198.19.1.0/24", "pools": [{"pool": "198.19.1.100 - 198.19.1.150"}]}]}})"),
                                      config::ParseContext{"/tmp", "/tmp/leases4.csv", {}});
  EXPECT_TRUE(cfg.ok());
  return cfg.ok() ? std::move(cfg).value() : config::Dhcp4Config{};
}

proto::Packet4 query(MessageType t, std::uint32_t xid, const char* mac) {
  proto::Packet4 p;
  p.xid = xid;
  auto hw = HwAddr::parse(mac);
  std::copy(hw->bytes.begin(), hw->bytes.begin() + 6, p.chaddr.begin());
  p.set(proto::opt::kMessageType, {static_cast<std::uint8_t>(t)});
  return p;
}

RecvMeta broadcastMeta() {
  RecvMeta m;
  m.srcAddr = Ipv4(0, 0, 0, 0);
  m.srcPort = 68;
  m.dstAddr = Ipv4(255, 255, 255, 255);
  m.ifName = "eth0";
  m.ifIndex = 2;
  m.ifAddr = Ipv4(198, 18, 0, 1);
  m.ifMac = *HwAddr::parse("02:00:c6:12:00:01");
  return m;
}

Lease lease(const char* addr, const char* mac, std::int64_t cltt, std::uint32_t valid = 4000) {
  Lease l;
  l.address = *Ipv4::parse(addr);
  l.hwAddr = *HwAddr::parse(mac);
  l.cltt = cltt;
  l.validLifetime = valid;
  l.subnetId = 1;
  return l;
}

proto::Packet4 reply(MessageType t) {
  proto::Packet4 p;
  p.op = proto::Packet4::kBootReply;
  p.set(proto::opt::kMessageType, {static_cast<std::uint8_t>(t)});
  return p;
}

std::string joined(const std::vector<std::string>& env) {
  std::string s;
  for (const auto& e : env) s += e + "\n";
  return s;
}

const char* kQueryBroadcast =
    "QUERY4_TYPE=DHCPREQUEST\nQUERY4_TXID=922747138\nQUERY4_LOCAL_ADDR=255.255.255.255\nQUERY4_LOCAL_PORT=67\n"
    "QUERY4_REMOTE_ADDR=0.0.0.0\nQUERY4_REMOTE_PORT=68\nQUERY4_IFACE_INDEX=2\nQUERY4_IFACE_NAME=eth0\n"
    "QUERY4_HOPS=0\nQUERY4_SECS=0\nQUERY4_FLAGS=0\nQUERY4_CIADDR=0.0.0.0\nQUERY4_SIADDR=0.0.0.0\n"
    "QUERY4_YIADDR=0.0.0.0\nQUERY4_GIADDR=0.0.0.0\nQUERY4_RELAYED=false\nQUERY4_HWADDR=02:37:00:01:00:00\n"
    "QUERY4_HWADDR_TYPE=1\nQUERY4_LOCAL_HWADDR=ff:ff:ff:ff:ff:ff\nQUERY4_LOCAL_HWADDR_TYPE=1\n"
    "QUERY4_REMOTE_HWADDR=02:37:00:01:00:00\nQUERY4_REMOTE_HWADDR_TYPE=1\n";

TEST(ScriptEvents, NewLeaseIsCommittedOnly) {
  ScriptEvents ev(configWithSubnets());
  Decision d;
  d.reply = reply(MessageType::Ack);
  d.changes.push_back(
      LeaseChange{LeaseChange::Kind::Upsert, lease("198.18.0.101", "02:37:00:01:00:00", 1796415400), std::nullopt});
  std::vector<ScriptCall> calls;
  ev.forQuery(query(MessageType::Request, 922747138, "02:37:00:01:00:00"), broadcastMeta(), 67, d, calls);
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].hook, "leases4_committed");
  EXPECT_EQ(joined(calls[0].env),
            std::string(kQueryBroadcast) +
                "LEASES4_SIZE=1\nLEASES4_AT0_ADDRESS=198.18.0.101\nLEASES4_AT0_CLTT=1796415400\n"
                "LEASES4_AT0_HOSTNAME=\nLEASES4_AT0_HWADDR=02:37:00:01:00:00\nLEASES4_AT0_HWADDR_TYPE=1\n"
                "LEASES4_AT0_STATE=default\nLEASES4_AT0_SUBNET_ID=1\nLEASES4_AT0_VALID_LIFETIME=4000\n"
                "LEASES4_AT0_CLIENT_ID=\nDELETED_LEASES4_SIZE=0\n");
}

TEST(ScriptEvents, UnicastRenewGivesRenewThenCommitted) {
  ScriptEvents ev(configWithSubnets());
  auto q = query(MessageType::Request, 922747651, "02:37:00:03:00:00");
  q.ciaddr = Ipv4(198, 18, 0, 103);
  RecvMeta m = broadcastMeta();
  m.srcAddr = Ipv4(198, 18, 0, 103);
  m.dstAddr = Ipv4(198, 18, 0, 1);
  Lease before = lease("198.18.0.103", "02:37:00:03:00:00", 1796415400);
  Lease after = lease("198.18.0.103", "02:37:00:03:00:00", 1796415401);
  Decision d;
  d.reply = reply(MessageType::Ack);
  d.changes.push_back(LeaseChange{LeaseChange::Kind::Upsert, after, before});
  std::vector<ScriptCall> calls;
  ev.forQuery(q, m, 67, d, calls);
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].hook, "lease4_renew");
  EXPECT_EQ(calls[1].hook, "leases4_committed");
  EXPECT_EQ(joined(calls[0].env),
            "QUERY4_TYPE=DHCPREQUEST\nQUERY4_TXID=922747651\nQUERY4_LOCAL_ADDR=198.18.0.1\nQUERY4_LOCAL_PORT=67\n"
            "QUERY4_REMOTE_ADDR=198.18.0.103\nQUERY4_REMOTE_PORT=68\nQUERY4_IFACE_INDEX=2\nQUERY4_IFACE_NAME=eth0\n"
            "QUERY4_HOPS=0\nQUERY4_SECS=0\nQUERY4_FLAGS=0\nQUERY4_CIADDR=198.18.0.103\nQUERY4_SIADDR=0.0.0.0\n"
            "QUERY4_YIADDR=0.0.0.0\nQUERY4_GIADDR=0.0.0.0\nQUERY4_RELAYED=false\nQUERY4_HWADDR=02:37:00:03:00:00\n"
            "QUERY4_HWADDR_TYPE=1\nQUERY4_LOCAL_HWADDR=02:00:c6:12:00:01\nQUERY4_LOCAL_HWADDR_TYPE=1\n"
            "QUERY4_REMOTE_HWADDR=02:37:00:03:00:00\nQUERY4_REMOTE_HWADDR_TYPE=1\n"
            "SUBNET4_ID=1\nSUBNET4_NAME=198.18.0.0/24\nSUBNET4_PREFIX=198.18.0.0\nSUBNET4_PREFIX_LEN=24\n"
            "PKT4_CLIENT_ID=\nPKT4_HWADDR=02:37:00:03:00:00\nPKT4_HWADDR_TYPE=1\n"
            "LEASE4_ADDRESS=198.18.0.103\nLEASE4_CLTT=1796415401\nLEASE4_HOSTNAME=\nLEASE4_HWADDR=02:37:00:03:00:00\n"
            "LEASE4_HWADDR_TYPE=1\nLEASE4_STATE=default\nLEASE4_SUBNET_ID=1\nLEASE4_VALID_LIFETIME=4000\n"
            "LEASE4_CLIENT_ID=\n");
}

TEST(ScriptEvents, AnotherClientsExpiredLeaseIsNoRenewal) {
  ScriptEvents ev(configWithSubnets());
  Lease before = lease("198.18.0.103", "02:99:00:00:00:01", 1796410000);
  before.state = LeaseState::ExpiredReclaimed;
  Decision d;
  d.reply = reply(MessageType::Ack);
  d.changes.push_back(
      LeaseChange{LeaseChange::Kind::Upsert, lease("198.18.0.103", "02:37:00:03:00:00", 1796415401), before});
  std::vector<ScriptCall> calls;
  ev.forQuery(query(MessageType::Request, 1, "02:37:00:03:00:00"), broadcastMeta(), 67, d, calls);
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].hook, "leases4_committed");
}

TEST(ScriptEvents, MovedClientsOldLeaseIsDeleted) {
  ScriptEvents ev(configWithSubnets());
  Lease old = lease("198.18.0.101", "02:37:00:01:00:00", 1796415400);
  Decision d;
  d.reply = reply(MessageType::Ack);
  d.changes.push_back(LeaseChange{LeaseChange::Kind::Delete, old, old});
  d.changes.push_back(
      LeaseChange{LeaseChange::Kind::Upsert, lease("198.18.0.190", "02:37:00:01:00:00", 1796415401), std::nullopt});
  std::vector<ScriptCall> calls;
  ev.forQuery(query(MessageType::Request, 1, "02:37:00:01:00:00"), broadcastMeta(), 67, d, calls);
  ASSERT_EQ(calls.size(), 1u);
  const std::string env = joined(calls[0].env);
  EXPECT_NE(env.find("LEASES4_SIZE=1\nLEASES4_AT0_ADDRESS=198.18.0.190\n"), std::string::npos) << env;
  EXPECT_NE(env.find("DELETED_LEASES4_SIZE=1\nDELETED_LEASES4_AT0_ADDRESS=198.18.0.101\n"), std::string::npos) << env;
}

TEST(ScriptEvents, NakIsCommittedWithNoLeases) {
  ScriptEvents ev(configWithSubnets());
  Decision d;
  d.reply = reply(MessageType::Nak);
  std::vector<ScriptCall> calls;
  ev.forQuery(query(MessageType::Request, 922747138, "02:37:00:01:00:00"), broadcastMeta(), 67, d, calls);
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(joined(calls[0].env), std::string(kQueryBroadcast) + "LEASES4_SIZE=0\nDELETED_LEASES4_SIZE=0\n");
}

TEST(ScriptEvents, DiscoverInformAndSilentDropsCallNothing) {
  ScriptEvents ev(configWithSubnets());
  std::vector<ScriptCall> calls;
  Decision offer;
  offer.reply = reply(MessageType::Offer);
  ev.forQuery(query(MessageType::Discover, 1, "02:37:00:01:00:00"), broadcastMeta(), 67, offer, calls);
  Decision ack;
  ack.reply = reply(MessageType::Ack);
  ev.forQuery(query(MessageType::Inform, 2, "02:37:00:01:00:00"), broadcastMeta(), 67, ack, calls);
  Decision drop;
  drop.drop = DropReason::NotForUs;
  ev.forQuery(query(MessageType::Request, 3, "02:37:00:01:00:00"), broadcastMeta(), 67, drop, calls);
  ev.forQuery(query(MessageType::Release, 4, "02:37:00:01:00:00"), broadcastMeta(), 67, drop, calls);
  EXPECT_TRUE(calls.empty());
}

TEST(ScriptEvents, ReleaseGivesReleaseAndDeletedLease) {
  ScriptEvents ev(configWithSubnets());
  Lease l = lease("198.18.0.107", "02:37:00:07:00:00", 1796415401);
  Decision d;
  d.changes.push_back(LeaseChange{LeaseChange::Kind::Delete, l, l});
  auto q = query(MessageType::Release, 922748675, "02:37:00:07:00:00");
  q.ciaddr = l.address;
  std::vector<ScriptCall> calls;
  ev.forQuery(q, broadcastMeta(), 67, d, calls);
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].hook, "lease4_release");
  EXPECT_EQ(calls[1].hook, "leases4_committed");
  const std::string committed = joined(calls[1].env);
  EXPECT_NE(committed.find("QUERY4_TYPE=DHCPRELEASE\n"), std::string::npos);
  EXPECT_NE(committed.find("LEASES4_SIZE=0\nDELETED_LEASES4_SIZE=1\nDELETED_LEASES4_AT0_ADDRESS=198.18.0.107\n"
                           "DELETED_LEASES4_AT0_CLTT=1796415401\n"),
            std::string::npos)
      << committed;
}

TEST(ScriptEvents, DeclineGivesTheLeaseBeforeAndTheDeclinedOne) {
  ScriptEvents ev(configWithSubnets());
  Lease before = lease("198.18.0.108", "02:37:00:08:00:00", 1796415401);
  Lease declined = before;
  declined.hwAddr = HwAddr{};
  declined.state = LeaseState::Declined;
  declined.validLifetime = 86400;
  Decision d;
  d.changes.push_back(LeaseChange{LeaseChange::Kind::Upsert, declined, before});
  std::vector<ScriptCall> calls;
  ev.forQuery(query(MessageType::Decline, 922748931, "02:37:00:08:00:00"), broadcastMeta(), 67, d, calls);
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].hook, "lease4_decline");
  EXPECT_NE(joined(calls[0].env).find("LEASE4_HWADDR=02:37:00:08:00:00\nLEASE4_HWADDR_TYPE=1\nLEASE4_STATE=default\n"),
            std::string::npos);
  // Kea's declined lease: an empty hardware address that keeps its type.
  EXPECT_NE(joined(calls[1].env)
                .find("LEASES4_AT0_HWADDR=\nLEASES4_AT0_HWADDR_TYPE=1\nLEASES4_AT0_STATE=declined\n"
                      "LEASES4_AT0_SUBNET_ID=1\nLEASES4_AT0_VALID_LIFETIME=86400\n"),
            std::string::npos)
      << joined(calls[1].env);
}

TEST(ScriptEvents, RelayedQueryHasOption82AndNoRemoteHardwareAddress) {
  ScriptEvents ev(configWithSubnets());
  auto q = query(MessageType::Request, 922749186, "02:37:00:09:00:00");
  q.giaddr = Ipv4(198, 19, 1, 1);
  q.set(proto::opt::kRelayAgentInfo,
        {0x01, 0x05, 'p', 'o', 'r', 't', '1', 0x02, 0x06, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff});
  RecvMeta m = broadcastMeta();
  m.srcAddr = q.giaddr;
  m.srcPort = 67;
  m.dstAddr = Ipv4(198, 18, 0, 1);
  Lease l = lease("198.19.1.100", "02:37:00:09:00:00", 1796415401);
  l.subnetId = 11;
  Decision d;
  d.reply = reply(MessageType::Ack);
  d.changes.push_back(LeaseChange{LeaseChange::Kind::Upsert, l, std::nullopt});
  std::vector<ScriptCall> calls;
  ev.forQuery(q, m, 67, d, calls);
  ASSERT_EQ(calls.size(), 1u);
  const std::string env = joined(calls[0].env);
  EXPECT_NE(env.find("QUERY4_REMOTE_ADDR=198.19.1.1\nQUERY4_REMOTE_PORT=67\n"), std::string::npos) << env;
  EXPECT_NE(env.find("QUERY4_GIADDR=198.19.1.1\nQUERY4_RELAYED=true\n"), std::string::npos) << env;
  EXPECT_NE(env.find("QUERY4_LOCAL_HWADDR=02:00:c6:12:00:01\nQUERY4_LOCAL_HWADDR_TYPE=1\n"
                     "QUERY4_REMOTE_HWADDR=\nQUERY4_REMOTE_HWADDR_TYPE=\n"
                     "QUERY4_OPTION_82=0x0105706F7274310206AABBCCDDEEFF\nQUERY4_OPTION_82_SUB_OPTION_1=0x706F727431\n"
                     "QUERY4_OPTION_82_SUB_OPTION_2=0xAABBCCDDEEFF\nLEASES4_SIZE=1\n"),
            std::string::npos)
      << env;
}

TEST(ScriptEvents, ExpiryAndRecovery) {
  ScriptEvents ev(configWithSubnets());
  std::vector<ScriptCall> calls;
  Lease l = lease("198.18.0.100", "02:38:00:00:00:00", 1796415404, 2);
  Lease reclaimed = l;
  reclaimed.state = LeaseState::ExpiredReclaimed;
  ev.forReclaim(LeaseChange{LeaseChange::Kind::Upsert, reclaimed, l}, false, calls);
  ev.forReclaim(LeaseChange{LeaseChange::Kind::Delete, l, l}, true, calls);  // leases-reclaim remove
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].hook, "lease4_expire");
  EXPECT_EQ(joined(calls[0].env),
            "LEASE4_ADDRESS=198.18.0.100\nLEASE4_CLTT=1796415404\nLEASE4_HOSTNAME=\nLEASE4_HWADDR=02:38:00:00:00:00\n"
            "LEASE4_HWADDR_TYPE=1\nLEASE4_STATE=default\nLEASE4_SUBNET_ID=1\nLEASE4_VALID_LIFETIME=2\n"
            "LEASE4_CLIENT_ID=\nREMOVE_LEASE=false\n");
  EXPECT_EQ(calls[1].env.back(), "REMOVE_LEASE=true");
  // The end of a declined address's probation: Kea calls lease4_expire, then lease4_recover.
  calls.clear();
  Lease declined = lease("198.18.0.101", "02:38:00:01:00:00", 1796415404, 2);
  declined.hwAddr = HwAddr{};
  declined.state = LeaseState::Declined;
  ev.forReclaim(LeaseChange{LeaseChange::Kind::Delete, declined, declined}, false, calls);
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].hook, "lease4_expire");
  EXPECT_NE(joined(calls[0].env).find("LEASE4_HWADDR=\nLEASE4_HWADDR_TYPE=1\nLEASE4_STATE=declined\n"),
            std::string::npos);
  EXPECT_EQ(calls[0].env.back(), "REMOVE_LEASE=false");
  EXPECT_EQ(calls[1].hook, "lease4_recover");
  EXPECT_EQ(calls[1].env.back(), "LEASE4_CLIENT_ID=");
  // A flush of a lease reclaimed earlier: nothing.
  calls.clear();
  ev.forReclaim(LeaseChange{LeaseChange::Kind::Delete, reclaimed, reclaimed}, false, calls);
  EXPECT_TRUE(calls.empty());
}

TEST(ScriptEvents, ClientIdText) {
  ScriptEvents ev(configWithSubnets());
  auto q = query(MessageType::Request, 5, "02:37:00:02:00:00");
  q.set(proto::opt::kClientId, {0x01, 0x02, 0x37, 0x00, 0x02, 0x00, 0x00});
  Lease before = lease("198.18.0.102", "02:37:00:02:00:00", 10);
  before.clientId = {0x01, 0x02, 0x37, 0x00, 0x02, 0x00, 0x00};
  before.hostname = "pc1";
  Lease after = before;
  after.cltt = 20;
  Decision d;
  d.reply = reply(MessageType::Ack);
  d.changes.push_back(LeaseChange{LeaseChange::Kind::Upsert, after, before});
  std::vector<ScriptCall> calls;
  ev.forQuery(q, broadcastMeta(), 67, d, calls);
  ASSERT_EQ(calls.size(), 2u);
  const std::string renew = joined(calls[0].env);
  EXPECT_NE(renew.find("PKT4_CLIENT_ID=01:02:37:00:02:00:00\n"), std::string::npos) << renew;
  EXPECT_NE(renew.find("LEASE4_HOSTNAME=pc1\n"), std::string::npos) << renew;
  EXPECT_NE(renew.find("LEASE4_CLIENT_ID=01:02:37:00:02:00:00\n"), std::string::npos) << renew;
}

}  // namespace
}  // namespace tandem::engine
