// The forensic log's lines (Kea's libdhcp_legal_log.so, genLease4Entry): the examples of Kea's
// documentation and of its unit tests (legal_log4_unittests.cc: "1 hrs 52 mins 15 secs",
// hwtype=1 08:00:2b:02:3f:4e, client-id 17:34:e2:ff:09:92:54, relay 192.2.16.33,
// circuit-id "howdy"), and which queries log what.
#include "dhcpd/engine/legal_log_entries.h"

#include <gtest/gtest.h>

namespace tandem::engine {
namespace {

using proto::MessageType;
using Action = LegalLogEntries::Action;

proto::Packet4 packet(MessageType t) {
  proto::Packet4 p;
  p.xid = 0x77;
  const std::uint8_t mac[] = {0x08, 0x00, 0x2b, 0x02, 0x3f, 0x4e};
  std::copy(std::begin(mac), std::end(mac), p.chaddr.begin());
  p.set(proto::opt::kMessageType, {static_cast<std::uint8_t>(t)});
  return p;
}

Lease kLease() {
  Lease l;
  l.address = Ipv4(192, 2, 1, 100);
  l.hwAddr = *HwAddr::parse("08:00:2b:02:3f:4e");
  l.validLifetime = 6735;
  l.cltt = 1515196923;
  l.subnetId = 1;
  return l;
}

TEST(LegalLogEntries, Durations) {
  EXPECT_EQ(LegalLogEntries::duration(6735), "1 hrs 52 mins 15 secs");
  EXPECT_EQ(LegalLogEntries::duration(86400), "1 days 0 hrs 0 mins 0 secs");
  EXPECT_EQ(LegalLogEntries::duration(59), "0 hrs 0 mins 59 secs");
  EXPECT_EQ(LegalLogEntries::duration(0xffffffffu), "infinite duration");
  EXPECT_EQ(LegalLogEntries::duration(0xfffffffeu), "49710 days 6 hrs 28 mins 14 secs");
}

TEST(LegalLogEntries, DirectClient) {
  const auto req = packet(MessageType::Request);
  Lease l = kLease();
  EXPECT_EQ(LegalLogEntries::defaultEntry(req, l, Action::Assign),
            "Address: 192.2.1.100 has been assigned for 1 hrs 52 mins 15 secs to a device with hardware address: "
            "hwtype=1 08:00:2b:02:3f:4e");
  EXPECT_EQ(LegalLogEntries::defaultEntry(packet(MessageType::Release), l, Action::Release),
            "Address: 192.2.1.100 has been released from a device with hardware address: hwtype=1 08:00:2b:02:3f:4e");
  l.clientId = {0x17, 0x34, 0xe2, 0xff, 0x09, 0x92, 0x54};
  EXPECT_EQ(LegalLogEntries::defaultEntry(req, l, Action::Assign),
            "Address: 192.2.1.100 has been assigned for 1 hrs 52 mins 15 secs to a device with hardware address: "
            "hwtype=1 08:00:2b:02:3f:4e, client-id: 17:34:e2:ff:09:92:54");
  // A printable client-id is shown as text too.
  l.clientId = {'f', 'o', 'o'};
  EXPECT_EQ(LegalLogEntries::defaultEntry(req, l, Action::Release),
            "Address: 192.2.1.100 has been released from a device with hardware address: hwtype=1 08:00:2b:02:3f:4e, "
            "client-id: 66:6f:6f (foo)");
}

TEST(LegalLogEntries, RelayedClient) {
  auto req = packet(MessageType::Request);
  req.giaddr = Ipv4(192, 2, 16, 33);
  Lease l = kLease();
  l.clientId = {0x17, 0x34, 0xe2, 0xff, 0x09, 0x92, 0x54};
  EXPECT_EQ(LegalLogEntries::defaultEntry(req, l, Action::Assign),
            "Address: 192.2.1.100 has been assigned for 1 hrs 52 mins 15 secs to a device with hardware address: "
            "hwtype=1 08:00:2b:02:3f:4e, client-id: 17:34:e2:ff:09:92:54 connected via relay at address: 192.2.16.33");
  // Option 82: circuit-id "howdy" (printable), remote-id 87:f6:79:77:ef (not).
  req.set(proto::opt::kRelayAgentInfo,
          {0x01, 0x05, 0x68, 0x6f, 0x77, 0x64, 0x79, 0x02, 0x05, 0x87, 0xf6, 0x79, 0x77, 0xef});
  EXPECT_EQ(LegalLogEntries::defaultEntry(req, l, Action::Assign),
            "Address: 192.2.1.100 has been assigned for 1 hrs 52 mins 15 secs to a device with hardware address: "
            "hwtype=1 08:00:2b:02:3f:4e, client-id: 17:34:e2:ff:09:92:54 connected via relay at address: 192.2.16.33, "
            "identified by circuit-id: 68:6f:77:64:79 (howdy) and remote-id: 87:f6:79:77:ef");
  // Only a remote-id; an empty circuit-id is left out.
  req.set(proto::opt::kRelayAgentInfo, {0x01, 0x00, 0x02, 0x05, 0x87, 0xf6, 0x79, 0x77, 0xef});
  EXPECT_EQ(LegalLogEntries::defaultEntry(req, l, Action::Release),
            "Address: 192.2.1.100 has been released from a device with hardware address: hwtype=1 08:00:2b:02:3f:4e, "
            "client-id: 17:34:e2:ff:09:92:54 connected via relay at address: 192.2.16.33, identified by remote-id: "
            "87:f6:79:77:ef");
}

TEST(LegalLogEntries, WhichQueriesLogWhat) {
  LegalLogEntries entries{config::LegalLogConfig{}};
  RecvMeta meta;
  std::vector<std::string> out;
  // ACK of a client that moved: the new lease assigned, the old one released.
  Decision ack;
  ack.reply = packet(MessageType::Ack);
  Lease old = kLease();
  old.address = Ipv4(192, 2, 1, 99);
  ack.changes.push_back(LeaseChange{LeaseChange::Kind::Delete, old, old});
  ack.changes.push_back(LeaseChange{LeaseChange::Kind::Upsert, kLease(), std::nullopt});
  entries.forQuery(packet(MessageType::Request), meta, ack, out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].substr(0, 43), "Address: 192.2.1.100 has been assigned for ");
  EXPECT_EQ(out[1].substr(0, 38), "Address: 192.2.1.99 has been released ");
  out.clear();
  // NAK, DISCOVER, INFORM: nothing.
  Decision nak;
  nak.reply = packet(MessageType::Nak);
  entries.forQuery(packet(MessageType::Request), meta, nak, out);
  Decision offer;
  offer.reply = packet(MessageType::Offer);
  entries.forQuery(packet(MessageType::Discover), meta, offer, out);
  EXPECT_TRUE(out.empty());
  // DECLINE: the lease the client had, as released (Kea's lease4_decline callout).
  Lease declined = kLease();
  declined.hwAddr = HwAddr{};
  declined.state = LeaseState::Declined;
  Decision dec;
  dec.changes.push_back(LeaseChange{LeaseChange::Kind::Upsert, declined, kLease()});
  entries.forQuery(packet(MessageType::Decline), meta, dec, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0],
            "Address: 192.2.1.100 has been released from a device with hardware address: hwtype=1 08:00:2b:02:3f:4e");
}

TEST(LegalLogEntries, CustomFormatsReplaceTheDefault) {
  config::LegalLogConfig cfg;
  classify::CompileContext cc;
  cc.stringResult = true;
  cfg.requestFormat = classify::compileExpression("'mac ' + hexstring(pkt4.mac, ':') + 0x0a", cc).value();
  cfg.responseFormat = classify::compileExpression("'yiaddr ' + addrtotext(pkt4.yiaddr)", cc).value();
  LegalLogEntries entries(cfg);
  Decision ack;
  ack.reply = packet(MessageType::Ack);
  ack.reply->yiaddr = Ipv4(192, 2, 1, 100);
  ack.changes.push_back(LeaseChange{LeaseChange::Kind::Upsert, kLease(), std::nullopt});
  std::vector<std::string> out;
  entries.forQuery(packet(MessageType::Request), RecvMeta{}, ack, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], "mac 08:00:2b:02:3f:4e\nyiaddr 192.2.1.100");
  // A RELEASE has no response: the request part alone.
  Decision rel;
  rel.changes.push_back(LeaseChange{LeaseChange::Kind::Delete, kLease(), kLease()});
  out.clear();
  entries.forQuery(packet(MessageType::Release), RecvMeta{}, rel, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], "mac 08:00:2b:02:3f:4e\n");
}

}  // namespace
}  // namespace tandem::engine
