#include "dhcpd/net/dhcp_pipeline.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iterator>

#include "dhcpd/lease/memory_lease_store.h"
#include "tests/net/fake_journal.h"
#include "tests/net/relayed_query.h"

namespace tandem::net {
namespace {

using namespace std::chrono_literals;
using proto::MessageType;
using proto::Packet4;

config::Dhcp4Config testConfig() {
  auto cfg = config::parseDhcp4Config(std::string_view(R"({"Dhcp4": {
      "interfaces-config": {"interfaces": ["eth0"]},
      "lease-database": {"type": "memfile", "persist": false},
      "valid-lifetime": 4000,
      "subnet4": [{"id": 7, "subnet": "198.18.0.0/15",
                   "pools": [{"pool": "198.18.16.0 - 198.18.16.9"}]}]}})"),
                                      config::ParseContext{"/tmp", "/tmp/leases.csv", {}});
  EXPECT_TRUE(cfg.ok()) << (cfg.ok() ? "" : cfg.error().message);
  return std::move(cfg).value();
}

// Relayed, as perfdhcp does.
Packet4 query(MessageType t, std::uint8_t macLast) {
  return testing::relayedQuery(t, macLast, Ipv4(198, 18, 0, 100), 0x1000);
}

std::vector<std::uint8_t> wire(const Packet4& p) { return proto::encode(p).bytes; }

// A monotonic clock that moves by kMonoStep at every read: process() reads it twice per
// packet, so each packet takes exactly one step.
std::chrono::steady_clock::time_point gMono{};
std::chrono::nanoseconds gMonoStep{0};
std::chrono::steady_clock::time_point fakeMono() noexcept {
  auto t = gMono;
  gMono += gMonoStep;
  return t;
}

// The fixture's options: the parking deadlines run on fakeMono (moved by hand, never by the
// wall clock).
DhcpPipeline::Options testOptions(std::size_t parkCapacity) {
  DhcpPipeline::Options o{{6767, 6868}, 5000ms, parkCapacity};
  o.monotonic = &fakeMono;
  return o;
}

struct DhcpPipelineTest : ::testing::Test {
  config::Dhcp4Config cfg = testConfig();
  MemoryLeaseStore store;
  testing::FakeJournal journal;
  StatsRegistry stats;
  Logger log;
  FakeClock clock;
  engine::Engine engine{cfg, store};
  LeaseWriter writer{store, &journal, stats, [this] { return clock.now(); }};
  DhcpPipeline pipeline{engine, writer, stats, log, testOptions(4)};
  engine::RecvMeta meta;

  DhcpPipelineTest() {
    log.setSeverity(Severity::Fatal);
    meta.srcAddr = Ipv4(198, 18, 0, 100);
    meta.srcPort = 6767;
    meta.dstAddr = Ipv4(198, 18, 0, 1);
    meta.ifName = "eth0";
    meta.ifIndex = 2;
    meta.ifAddr = Ipv4(198, 18, 0, 1);
    writer.recount(cfg, clock.now());
  }

  std::vector<Outgoing> send(const Packet4& p) {
    std::vector<Outgoing> ready;
    auto bytes = wire(p);
    pipeline.process(bytes, meta, clock.now(), ready);
    return ready;
  }

  // DISCOVER -> OFFER, then a REQUEST for the offered address (SELECTING state).
  Packet4 requestFor(std::uint8_t mac) {
    auto offers = send(query(MessageType::Discover, mac));
    EXPECT_EQ(offers.size(), 1u);
    auto offer = proto::decode(offers.at(0).bytes);
    EXPECT_TRUE(offer.ok());
    auto req = query(MessageType::Request, mac);
    req.set(proto::opt::kRequestedAddress, proto::ipBytes(offer->yiaddr));
    req.set(proto::opt::kServerId, proto::ipBytes(meta.ifAddr));
    return req;
  }
};

TEST_F(DhcpPipelineTest, OfferLeavesAtOnceWithoutLeaseWrite) {
  auto out = send(query(MessageType::Discover, 1));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].type, MessageType::Offer);
  EXPECT_EQ(out[0].dest.kind, Destination::Kind::Udp);
  EXPECT_EQ(out[0].dest.addr, Ipv4(198, 18, 0, 100));
  EXPECT_EQ(out[0].dest.port, 6767);
  EXPECT_EQ(out[0].ifIndex, 2);
  EXPECT_TRUE(journal.rows.empty());
  pipeline.publish(clock.now());
  EXPECT_EQ(stats.value("pkt4-received"), 1);
  EXPECT_EQ(stats.value("pkt4-discover-received"), 1);
}

TEST_F(DhcpPipelineTest, AckIsParkedUntilTheLeaseIsDurable) {
  auto req = requestFor(2);
  auto out = send(req);
  EXPECT_TRUE(out.empty());  // parked: the lease is not on disk yet
  EXPECT_EQ(pipeline.parked(), 1u);
  ASSERT_EQ(journal.rows.size(), 1u);
  EXPECT_EQ(journal.rows[0].lease.subnetId, 7u);
  // The store already has it, so the next packet sees the binding.
  EXPECT_TRUE(store.byAddress(journal.rows[0].lease.address).has_value());

  std::vector<Outgoing> ready;
  pipeline.releaseDurable(ready);
  EXPECT_TRUE(ready.empty());
  journal.makeDurable();
  pipeline.releaseDurable(ready);
  ASSERT_EQ(ready.size(), 1u);
  EXPECT_EQ(ready[0].type, MessageType::Ack);
  auto ack = proto::decode(ready[0].bytes);
  ASSERT_TRUE(ack.ok());
  EXPECT_EQ(ack->yiaddr, journal.rows[0].lease.address);
  EXPECT_EQ(pipeline.parked(), 0u);

  pipeline.publish(clock.now());
  EXPECT_EQ(stats.value("pkt4-request-received"), 1);
  EXPECT_EQ(stats.value("subnet[7].assigned-addresses"), 1);
  EXPECT_EQ(stats.value("cumulative-assigned-addresses"), 1);
}

// Several servers on one database: the database refused the write (another server's client
// holds the address). The ACK never leaves, and the store takes the database's row.
TEST_F(DhcpPipelineTest, AckOfALostWriteIsDroppedAndTheStoreAdoptsTheWinner) {
  journal.refuses = true;
  auto out = send(requestFor(4));
  EXPECT_TRUE(out.empty());
  ASSERT_EQ(journal.rows.size(), 1u);
  ASSERT_EQ(journal.guards.size(), 1u);
  EXPECT_EQ(journal.guards[0], WriteGuard::SameClientOrFree);
  const Lease mine = journal.rows[0].lease;
  Lease theirs = mine;
  theirs.hwAddr = *HwAddr::parse("02:00:00:00:00:99");
  theirs.clientId.clear();
  journal.lost.push_back(LostWrite{journal.lastSeq(), mine.address, theirs});
  journal.makeDurable();
  std::vector<Outgoing> ready;
  pipeline.releaseDurable(ready);
  EXPECT_TRUE(ready.empty());  // no ACK for a lease the database did not take
  EXPECT_EQ(pipeline.parked(), 0u);
  auto held = store.byAddress(mine.address);
  ASSERT_TRUE(held);
  EXPECT_EQ(held->hwAddr, theirs.hwAddr);
  pipeline.publish(clock.now());
  EXPECT_EQ(stats.value("pkt4-lease-db-conflict-drop"), 1);
  EXPECT_EQ(stats.value("subnet[7].assigned-addresses"), 1);  // still one address in use

  // A lost write whose winner is gone (row deleted meanwhile): the store forgets it too.
  journal.lost.push_back(LostWrite{journal.lastSeq(), mine.address, std::nullopt});
  pipeline.releaseDurable(ready);
  EXPECT_FALSE(store.byAddress(mine.address));
  pipeline.publish(clock.now());
  EXPECT_EQ(stats.value("subnet[7].assigned-addresses"), 0);
}

// The journal refuses the write and passes its sequence just after releaseDurable() took
// the refused writes: read in that order, the ACK would leave for a lease the database did not
// take (the double allocation once seen with two servers on one database).
TEST_F(DhcpPipelineTest, WriteRefusedWhileReleasingIsNotReleased) {
  journal.refuses = true;
  auto req = requestFor(5);
  EXPECT_TRUE(send(req).empty());
  ASSERT_EQ(journal.rows.size(), 1u);
  const Lease mine = journal.rows[0].lease;
  Lease theirs = mine;
  theirs.hwAddr = *HwAddr::parse("02:00:00:00:00:98");
  journal.afterTakeLost = [&] { journal.refuse(journal.lastSeq(), mine.address, theirs); };
  std::vector<Outgoing> ready;
  pipeline.releaseDurable(ready);
  EXPECT_TRUE(ready.empty());
  pipeline.releaseDurable(ready);  // the refusal is seen now
  EXPECT_TRUE(ready.empty());
  EXPECT_EQ(pipeline.parked(), 0u);
  EXPECT_EQ(store.byAddress(mine.address)->hwAddr, theirs.hwAddr);
  pipeline.publish(clock.now());
  EXPECT_EQ(stats.value("pkt4-lease-db-conflict-drop"), 1);
}

// The journal refuses the write and passes its sequence between the append and process()'s
// own durability test: the reply must not take the "already durable" shortcut.
TEST_F(DhcpPipelineTest, WriteRefusedBeforeTheDurabilityTestIsNotSent) {
  journal.refuses = true;
  auto req = requestFor(6);
  journal.afterAppend = [&](std::uint64_t seq) {
    Lease theirs = journal.rows.back().lease;
    theirs.hwAddr = *HwAddr::parse("02:00:00:00:00:97");
    journal.refuse(seq, theirs.address, theirs);
  };
  EXPECT_TRUE(send(req).empty());
  EXPECT_EQ(pipeline.parked(), 0u);
  pipeline.publish(clock.now());
  EXPECT_EQ(stats.value("pkt4-lease-db-conflict-drop"), 1);
  EXPECT_EQ(stats.value("pkt4-ack-sent"), 0);
}

// A journal that cannot refuse (memfile) keeps the shortcut: a reply already durable leaves
// from process() itself.
TEST_F(DhcpPipelineTest, DurableReplyOfASingleWriterJournalLeavesAtOnce) {
  auto req = requestFor(7);
  journal.afterAppend = [&](std::uint64_t) { journal.makeDurable(); };
  auto out = send(req);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].type, MessageType::Ack);
}

// Packet workers: one pipeline each, one writer. Whichever pipeline takes a refusal from the
// journal, the pipeline that parked the reply drops it.
TEST_F(DhcpPipelineTest, RefusalTakenByAnotherPipelineStillDropsTheReply) {
  journal.refuses = true;
  DhcpPipeline other(engine, writer, stats, log, testOptions(4));
  std::vector<Outgoing> ready;
  auto offers = send(query(MessageType::Discover, 8));
  ASSERT_EQ(offers.size(), 1u);
  auto offer = proto::decode(offers.at(0).bytes);
  ASSERT_TRUE(offer.ok());
  auto req = query(MessageType::Request, 8);
  req.set(proto::opt::kRequestedAddress, proto::ipBytes(offer->yiaddr));
  req.set(proto::opt::kServerId, proto::ipBytes(meta.ifAddr));
  auto bytes = wire(req);
  other.process(bytes, meta, clock.now(), ready);  // parked at `other`
  EXPECT_TRUE(ready.empty());
  ASSERT_EQ(other.parked(), 1u);
  Lease theirs = journal.rows.back().lease;
  theirs.hwAddr = *HwAddr::parse("02:00:00:00:00:96");
  journal.refuse(journal.lastSeq(), theirs.address, theirs);
  pipeline.releaseDurable(ready);  // this one takes it from the journal
  EXPECT_TRUE(ready.empty());
  other.releaseDurable(ready);
  EXPECT_TRUE(ready.empty());
  EXPECT_EQ(other.parked(), 0u);
  EXPECT_EQ(store.byAddress(theirs.address)->hwAddr, theirs.hwAddr);
}

// A journal behind the offered load: new exchanges are shed, started ones finish.
TEST_F(DhcpPipelineTest, JournalBehindShedsDiscoversButServesRequests) {
  auto req = requestFor(9);  // offered before the journal fell behind
  journal.slow = true;
  EXPECT_TRUE(send(query(MessageType::Discover, 10)).empty());
  EXPECT_TRUE(send(req).empty());  // parked for the journal, not dropped
  EXPECT_EQ(pipeline.parked(), 1u);
  journal.makeDurable();
  std::vector<Outgoing> ready;
  pipeline.releaseDurable(ready);
  ASSERT_EQ(ready.size(), 1u);
  EXPECT_EQ(ready[0].type, MessageType::Ack);
  pipeline.publish(clock.now());
  EXPECT_EQ(stats.value("pkt4-lease-backpressure-drop"), 1);
  journal.slow = false;
  EXPECT_EQ(send(query(MessageType::Discover, 10)).size(), 1u);
}

TEST_F(DhcpPipelineTest, WithoutPersistenceAckLeavesAtOnce) {
  LeaseWriter memoryOnly(store, nullptr, stats, [this] { return clock.now(); });
  DhcpPipeline p(engine, memoryOnly, stats, log, DhcpPipeline::Options{});
  auto req = requestFor(3);
  std::vector<Outgoing> ready;
  auto bytes = wire(req);
  p.process(bytes, meta, clock.now(), ready);
  ASSERT_EQ(ready.size(), 1u);
  EXPECT_EQ(ready[0].type, MessageType::Ack);
  EXPECT_EQ(ready[0].dest.port, 67);  // default server port: relay
}

TEST_F(DhcpPipelineTest, FailingJournalNeverAcksAndExpiresParkedReplies) {
  auto out = send(requestFor(4));
  EXPECT_TRUE(out.empty());
  journal.error = makeError("No space left on device", 28);  // the disk fills after the row queued
  gMono += 4s;
  EXPECT_EQ(pipeline.expireParked(), 0u);
  gMono += 2s;
  EXPECT_EQ(pipeline.expireParked(), 1u);
  std::vector<Outgoing> ready;
  pipeline.releaseDurable(ready);
  EXPECT_TRUE(ready.empty());
  pipeline.publish(clock.now());
  EXPECT_EQ(stats.value("pkt4-ack-not-durable-drop"), 1);
  EXPECT_EQ(stats.value("pkt4-ack-sent"), 0);
}

TEST_F(DhcpPipelineTest, ParkingDeadlinesIgnoreWallClockSteps) {
  EXPECT_TRUE(send(requestFor(5)).empty());
  clock.advance(1h);  // the wall clock jumps (NTP step, operator): nothing expires
  EXPECT_EQ(pipeline.expireParked(), 0u);
  journal.makeDurable();
  std::vector<Outgoing> ready;
  pipeline.releaseDurable(ready);
  EXPECT_EQ(ready.size(), 1u);
}

TEST_F(DhcpPipelineTest, WhileTheLeaseFileFailsBindingQueriesAreShedButInformIsAnswered) {
  auto req = requestFor(20);
  journal.error = makeError("No space left on device", 28);
  EXPECT_TRUE(send(req).empty());
  EXPECT_TRUE(send(query(MessageType::Discover, 21)).empty());
  EXPECT_TRUE(journal.rows.empty());  // nothing queued for a lease nobody would be told about
  EXPECT_EQ(pipeline.parked(), 0u);
  auto inform = query(MessageType::Inform, 22);
  inform.ciaddr = Ipv4(198, 18, 0, 100);
  auto out = send(inform);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].type, MessageType::Ack);
  pipeline.publish(clock.now());
  EXPECT_EQ(stats.value("pkt4-lease-file-fail-drop"), 2);
  journal.error.reset();  // space is back
  EXPECT_EQ(send(query(MessageType::Discover, 21)).size(), 1u);
}

TEST_F(DhcpPipelineTest, ParkingCapacityBoundsWaitingReplies) {
  for (std::uint8_t mac = 10; mac < 16; ++mac) send(requestFor(mac));
  EXPECT_EQ(pipeline.parked(), 4u);  // capacity 4
  EXPECT_TRUE(pipeline.congested());
  pipeline.publish(clock.now());
  EXPECT_EQ(stats.value("pkt4-receive-drop"), 2);
}

TEST_F(DhcpPipelineTest, MalformedPacketIsCountedAndDropped) {
  std::vector<std::uint8_t> junk(100, 0xab);
  std::vector<Outgoing> ready;
  pipeline.process(junk, meta, clock.now(), ready);
  auto bad = wire(query(MessageType::Discover, 5));
  bad[236] = 0;  // magic cookie
  pipeline.process(bad, meta, clock.now(), ready);
  EXPECT_TRUE(ready.empty());
  pipeline.publish(clock.now());
  EXPECT_EQ(stats.value("pkt4-received"), 2);
  EXPECT_EQ(stats.value("pkt4-parse-failed"), 2);
  EXPECT_EQ(stats.value("pkt4-receive-drop"), 2);
}

TEST_F(DhcpPipelineTest, BootReplyIsDropped) {
  auto p = query(MessageType::Offer, 6);
  p.op = Packet4::kBootReply;
  EXPECT_TRUE(send(p).empty());
  pipeline.publish(clock.now());
  EXPECT_EQ(stats.value("pkt4-offer-received"), 1);
  EXPECT_EQ(stats.value("pkt4-receive-drop"), 1);
}

// Kea 2.2 goes by the message type: a DISCOVER with op BOOTREPLY is served.
TEST_F(DhcpPipelineTest, DiscoverWithOpBootReplyIsServed) {
  auto p = query(MessageType::Discover, 8);
  p.op = Packet4::kBootReply;
  EXPECT_EQ(send(p).size(), 1u);
  pipeline.publish(clock.now());
  EXPECT_EQ(stats.value("pkt4-receive-drop"), 0);
}

// Kea 2.2's counts for the drops that follow its option definitions: an option too short for
// its definition fails the parse (DHCP4_PACKET_DROP_0001: pkt4-parse-failed and
// pkt4-receive-drop); a short client identifier and a DISCOVER carrying a server identifier
// fail later (DHCP4_PACKET_DROP_0007: pkt4-receive-drop only).
TEST_F(DhcpPipelineTest, DefinitionAndSanityDropsAreCountedAsKea) {
  auto shortLease = query(MessageType::Discover, 9);
  shortLease.set(proto::opt::kLeaseTime, {1, 2});
  EXPECT_TRUE(send(shortLease).empty());
  auto emptyPrl = query(MessageType::Discover, 10);
  emptyPrl.set(proto::opt::kParameterRequestList, {});
  EXPECT_TRUE(send(emptyPrl).empty());
  pipeline.publish(clock.now());
  EXPECT_EQ(stats.value("pkt4-parse-failed"), 2);
  EXPECT_EQ(stats.value("pkt4-receive-drop"), 2);

  auto cid = query(MessageType::Discover, 11);
  cid.set(proto::opt::kClientId, {1});
  EXPECT_TRUE(send(cid).empty());
  auto sid = query(MessageType::Discover, 12);
  sid.set(proto::opt::kServerId, {198, 18, 0, 1});
  EXPECT_TRUE(send(sid).empty());
  pipeline.publish(clock.now());
  EXPECT_EQ(stats.value("pkt4-parse-failed"), 2);
  EXPECT_EQ(stats.value("pkt4-receive-drop"), 4);
  EXPECT_EQ(stats.value("pkt4-discover-received"), 2);  // the unparsable two are not typed (as in Kea)
}

TEST_F(DhcpPipelineTest, DisabledServiceDropsQueries) {
  pipeline.setEnabled(false);
  EXPECT_TRUE(send(query(MessageType::Discover, 7)).empty());
  pipeline.setEnabled(true);
  EXPECT_EQ(send(query(MessageType::Discover, 7)).size(), 1u);
  pipeline.publish(clock.now());
  EXPECT_EQ(stats.value("pkt4-receive-drop"), 1);
}

TEST_F(DhcpPipelineTest, PoolExhaustionCountsAllocationFailure) {
  // Ten addresses in the pool: the eleventh client gets nothing.
  for (std::uint8_t mac = 20; mac < 30; ++mac) {
    send(requestFor(mac));
    journal.makeDurable();
  }
  pipeline.publish(clock.now());
  const auto dropsBefore = stats.value("pkt4-receive-drop");
  EXPECT_TRUE(send(query(MessageType::Discover, 99)).empty());
  pipeline.publish(clock.now());
  EXPECT_EQ(stats.value("subnet[7].assigned-addresses"), 10);
  // Kea 2.2's counts for a subnet without room: by scope, in total and by class, globally
  // and for the subnet; the query is answered with silence, not counted as dropped.
  for (const char* n :
       {"v4-allocation-fail", "v4-allocation-fail-subnet", "v4-allocation-fail-classes", "subnet[7].v4-allocation-fail",
        "subnet[7].v4-allocation-fail-subnet", "subnet[7].v4-allocation-fail-classes"}) {
    EXPECT_EQ(stats.value(n), 1) << n;
  }
  EXPECT_EQ(stats.value("v4-allocation-fail-no-pools"), 0);
  EXPECT_EQ(stats.value("pkt4-receive-drop"), dropsBefore);
  // Counted again through the handles kept from the first failure, also after a removal (a
  // reconfiguration's statistics reset), which the next failure re-creates, as Kea's addValue.
  send(query(MessageType::Discover, 98));
  stats.remove("subnet[7].v4-allocation-fail");
  send(query(MessageType::Discover, 97));
  EXPECT_EQ(stats.value("v4-allocation-fail"), 3);
  EXPECT_EQ(stats.value("subnet[7].v4-allocation-fail-classes"), 3);
  EXPECT_EQ(stats.value("subnet[7].v4-allocation-fail"), 1);
}

TEST_F(DhcpPipelineTest, CountersKeepOneSamplePerPacket) {
  pipeline.publish(clock.now());
  for (std::uint8_t mac = 40; mac < 43; ++mac) send(query(MessageType::Discover, mac));
  pipeline.publish(clock.now());
  std::vector<std::int64_t> values;
  for (const auto& s : stats.samples("pkt4-discover-received")) values.push_back(s.value);
  EXPECT_EQ(values, (std::vector<std::int64_t>{3, 2, 1, 0}));
}

TEST_F(DhcpPipelineTest, SentCountersFollowCountSent) {
  pipeline.countSent(MessageType::Offer);
  pipeline.countSent(MessageType::Ack);
  pipeline.countSent(MessageType::Nak);
  pipeline.countReceiveDrops(5);
  pipeline.publish(clock.now());
  EXPECT_EQ(stats.value("pkt4-sent"), 3);
  EXPECT_EQ(stats.value("pkt4-offer-sent"), 1);
  EXPECT_EQ(stats.value("pkt4-ack-sent"), 1);
  EXPECT_EQ(stats.value("pkt4-nak-sent"), 1);
  EXPECT_EQ(stats.value("pkt4-receive-drop"), 5);
}

TEST_F(DhcpPipelineTest, EveryPacketStatisticExistsFromStartUpAsKeaLists) {
  StatsRegistry::Sample s;
  EXPECT_FALSE(stats.get("pkt4-nak-sent", s));
  pipeline.publish(clock.now());
  for (const char* name :
       {"pkt4-received", "pkt4-parse-failed", "pkt4-receive-drop", "pkt4-offer-sent", "pkt4-ack-sent", "pkt4-nak-sent",
        "v4-allocation-fail", "v4-allocation-fail-classes", "v4-allocation-fail-no-pools",
        "v4-allocation-fail-shared-network", "v4-allocation-fail-subnet", "v4-reservation-conflicts"}) {
    ASSERT_TRUE(stats.get(name, s)) << name;
    EXPECT_EQ(s.value, 0) << name;
  }
  // tandemd's own drop counters appear with their first count.
  EXPECT_FALSE(stats.exists("pkt4-ack-not-durable-drop"));
}

// A pipeline with HA hooks whose acknowledgements the test gives by hand.
struct HaPipelineTest : DhcpPipelineTest {
  std::vector<std::function<void(bool)>> acks;
  DhcpPipeline ha{engine, writer, stats, log, testOptions(64)};
  int wakes = 0;

  HaPipelineTest() { ha.setHaHooks(hooks()); }
  DhcpPipeline::HaHooks hooks() {
    DhcpPipeline::HaHooks h;
    h.shouldServe = [](const Packet4&, engine::RecvMeta&) { return true; };
    h.leasesCommitted = [this](const std::vector<engine::LeaseChange>&, std::function<void(bool)> done) {
      acks.push_back(std::move(done));
    };
    h.wake = [this] { ++wakes; };
    return h;
  }
  std::vector<Outgoing> sendHa(const Packet4& p) {
    std::vector<Outgoing> ready;
    auto bytes = wire(p);
    ha.process(bytes, meta, clock.now(), ready);
    return ready;
  }
  // DISCOVER -> OFFER -> REQUEST: the DHCPACK is parked for the partner (acks.back()).
  void parkAck(std::uint8_t mac) {
    auto offers = sendHa(query(MessageType::Discover, mac));
    ASSERT_EQ(offers.size(), 1u);
    auto req = query(MessageType::Request, mac);
    req.set(proto::opt::kRequestedAddress, proto::ipBytes(proto::decode(offers[0].bytes)->yiaddr));
    req.set(proto::opt::kServerId, proto::ipBytes(meta.ifAddr));
    const auto before = acks.size();
    EXPECT_TRUE(sendHa(req).empty());
    EXPECT_EQ(acks.size(), before + 1);
  }
  std::vector<Outgoing> released() {
    std::vector<Outgoing> ready;
    ha.releaseDurable(ready);
    return ready;
  }
  std::int64_t stat(const std::string& name) {
    ha.publish(clock.now());
    return stats.exists(name) ? stats.value(name) : 0;
  }
};

TEST_F(HaPipelineTest, AcknowledgedAndDurableAckLeaves) {
  parkAck(30);
  EXPECT_EQ(ha.haInFlight(), 1u);
  journal.makeDurable();
  EXPECT_TRUE(released().empty());  // durable, but the partner has not answered
  acks[0](true);
  EXPECT_EQ(wakes, 1);  // answered outside process(): the loop is told to send it
  auto out = released();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].type, MessageType::Ack);
  EXPECT_EQ(ha.parked(), 0u);
}

TEST_F(HaPipelineTest, AcknowledgedBeforeDurableWaitsForTheLeaseFile) {
  parkAck(31);
  acks[0](true);
  EXPECT_EQ(wakes, 0);
  EXPECT_TRUE(released().empty());
  EXPECT_EQ(ha.haInFlight(), 0u);
  EXPECT_EQ(ha.parked(), 1u);
  journal.makeDurable();
  EXPECT_EQ(released().size(), 1u);
}

TEST_F(HaPipelineTest, FailedAcknowledgementDropsTheAck) {
  parkAck(32);
  journal.makeDurable();
  acks[0](false);
  EXPECT_TRUE(released().empty());
  EXPECT_EQ(ha.parked(), 0u);
  EXPECT_EQ(stat("pkt4-ha-update-failed-drop"), 1);
  EXPECT_EQ(stat("pkt4-receive-drop"), 1);
  EXPECT_EQ(stat("pkt4-ack-sent"), 0);
}

TEST_F(HaPipelineTest, AcknowledgementThatNeverComesExpiresOnTheSteadyClock) {
  parkAck(33);
  journal.makeDurable();
  clock.advance(1h);  // the wall clock does not count
  EXPECT_EQ(ha.expireParked(), 0u);
  gMono += 4999ms;
  EXPECT_EQ(ha.expireParked(), 0u);
  gMono += 1ms;
  EXPECT_EQ(ha.expireParked(), 1u);
  EXPECT_EQ(ha.haInFlight(), 0u);
  EXPECT_EQ(stat("pkt4-ha-update-failed-drop"), 1);
  acks[0](true);  // too late: nothing is sent
  EXPECT_TRUE(released().empty());
  EXPECT_EQ(stat("pkt4-ack-sent"), 0);
}

TEST_F(HaPipelineTest, PartnerDownWhileParkedDropsEveryWaitingAck) {
  parkAck(34);
  parkAck(35);
  parkAck(36);
  journal.makeDurable();
  acks[1](true);  // answered before the partner went away
  // The partner dies: its connection fails the updates still in flight.
  acks[0](false);
  acks[2](false);
  auto out = released();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(stat("pkt4-ha-update-failed-drop"), 2);
  // The HA service itself goes (reload, HA removed): its hooks are detached and nothing it
  // would have acknowledged leaves.
  parkAck(37);
  ha.setHaHooks({});
  EXPECT_EQ(ha.haInFlight(), 0u);
  EXPECT_EQ(ha.parked(), 0u);
  EXPECT_EQ(stat("pkt4-ha-update-failed-drop"), 3);
  acks[3](true);  // a late answer from the stopped service
  journal.makeDurable();
  EXPECT_TRUE(released().empty());
}

TEST_F(HaPipelineTest, ShutdownSendsWhatIsReadyAndDropsTheRest) {
  parkAck(38);
  parkAck(39);
  acks[0](true);
  journal.makeDurable();  // the final flush
  EXPECT_EQ(released().size(), 1u);
  EXPECT_EQ(ha.drainParked(), 1u);  // still waiting for the partner
  EXPECT_EQ(ha.parked(), 0u);
  acks[1](true);
  EXPECT_TRUE(released().empty());
}

// The early drop (HaHooks::partnerQuery): a query the hook names is counted as the scope
// filter's drop is and goes no further (no decode, no shouldServe, no engine, no reply);
// others take the ordinary path. While the server is disabled, or a per-packet log is on, the
// hook is not asked (those drops and messages are the ordinary path's).
TEST_F(HaPipelineTest, PartnerQueriesAreDroppedBeforeDecoding) {
  int asked = 0, filtered = 0;
  auto h = hooks();
  h.shouldServe = [&](const Packet4&, engine::RecvMeta&) {
    ++filtered;
    return true;
  };
  h.partnerQuery = [&](std::span<const std::uint8_t> b) -> std::uint8_t {
    ++asked;
    const auto q = proto::decode(b);  // the test's own look, to pick the partner's client
    return q && q->chaddr[5] == 50 ? static_cast<std::uint8_t>(*q->messageType()) : 0;
  };
  ha.setHaHooks(h);
  EXPECT_TRUE(sendHa(query(MessageType::Discover, 50)).empty());
  EXPECT_TRUE(sendHa(query(MessageType::Request, 50)).empty());
  EXPECT_EQ(asked, 2);
  EXPECT_EQ(filtered, 0);
  EXPECT_TRUE(acks.empty());
  EXPECT_EQ(stat("pkt4-received"), 2);
  EXPECT_EQ(stat("pkt4-discover-received"), 1);
  EXPECT_EQ(stat("pkt4-request-received"), 1);
  EXPECT_EQ(stat("pkt4-not-for-us"), 2);
  EXPECT_EQ(stat("pkt4-receive-drop"), 2);
  EXPECT_EQ(stat("pkt4-offer-sent"), 0);
  // Our own client: decoded, filtered, answered.
  EXPECT_EQ(sendHa(query(MessageType::Discover, 51)).size(), 1u);
  EXPECT_EQ(asked, 3);
  EXPECT_EQ(filtered, 1);
  // dhcp-disable: the ordinary path drops it, without the not-for-us count.
  ha.setEnabled(false);
  EXPECT_TRUE(sendHa(query(MessageType::Discover, 50)).empty());
  EXPECT_EQ(asked, 3);
  EXPECT_EQ(stat("pkt4-not-for-us"), 2);
  ha.setEnabled(true);
}

TEST_F(DhcpPipelineTest, SlowPartnerAcksShedNewDiscoversButNotRequests) {
  std::vector<std::function<void(bool)>> acks;
  DhcpPipeline::HaHooks hooks;
  hooks.shouldServe = [](const Packet4&, engine::RecvMeta&) { return true; };
  hooks.leasesCommitted = [&](const std::vector<engine::LeaseChange>&, std::function<void(bool)> done) {
    acks.push_back(std::move(done));
  };
  DhcpPipeline::Options o = testOptions(64);
  o.haBackpressureMinParked = 2;
  DhcpPipeline lagging{engine, writer, stats, log, o};
  lagging.setHaHooks(hooks);
  auto sendTo = [&](const Packet4& p) {
    std::vector<Outgoing> ready;
    auto bytes = wire(p);
    lagging.process(bytes, meta, clock.now(), ready);
    return ready;
  };
  auto offerThenRequest = [&](std::uint8_t mac) {
    auto offers = sendTo(query(MessageType::Discover, mac));
    EXPECT_EQ(offers.size(), 1u);
    auto offer = proto::decode(offers.at(0).bytes);
    auto req = query(MessageType::Request, mac);
    req.set(proto::opt::kRequestedAddress, proto::ipBytes(offer->yiaddr));
    req.set(proto::opt::kServerId, proto::ipBytes(meta.ifAddr));
    return req;
  };
  auto req = offerThenRequest(20);
  EXPECT_TRUE(sendTo(req).empty());  // parked for the partner
  ASSERT_EQ(acks.size(), 1u);
  // One reply stuck for long is no overload (a dead connection: the state machine's business).
  gMono += 300ms;
  auto req2 = offerThenRequest(21);  // offered: this exchange has started
  EXPECT_TRUE(sendTo(req2).empty());
  EXPECT_EQ(acks.size(), 2u);
  // Two waiting, the oldest for longer than the allowance: new DISCOVERs are dropped...
  EXPECT_TRUE(sendTo(query(MessageType::Discover, 22)).empty());
  EXPECT_TRUE(sendTo(query(MessageType::Discover, 23)).empty());
  // ...but not REQUESTs of exchanges already started (renewals, offers already out).
  auto renew = query(MessageType::Request, 21);
  renew.ciaddr = proto::decode(wire(req2))->requestedAddress().value_or(Ipv4());
  sendTo(renew);
  EXPECT_EQ(acks.size(), 3u);
  lagging.publish(clock.now());
  EXPECT_EQ(stats.value("pkt4-ha-backpressure-drop"), 2);
  // The partner catches up: offers again.
  for (auto& a : acks) a(true);
  journal.makeDurable();
  std::vector<Outgoing> ready;
  lagging.releaseDurable(ready);
  EXPECT_EQ(ready.size(), 3u);
  EXPECT_EQ(sendTo(query(MessageType::Discover, 24)).size(), 1u);
}

}  // namespace
}  // namespace tandem::net

namespace tandem::net {
namespace {

// Kea's per-packet messages, on Kea's loggers and at Kea's debug levels (what kea-dhcp4 2.2
// logs for the same exchange: tests/data/kea-stats/kea-dhcp4-debug.log).
struct PipelineLogTest : DhcpPipelineTest {
  // One file per test and process: ctest runs these tests in parallel processes, and a shared
  // file mixes one test's lines into another's.
  std::string path = ::testing::TempDir() + "/pipeline_log_" +
                     ::testing::UnitTest::GetInstance()->current_test_info()->name() + "_" +
                     std::to_string(::getpid()) + ".log";
  std::vector<std::string> ids(const std::string& logger) {
    std::ifstream in(path);
    std::vector<std::string> out;
    for (std::string line; std::getline(in, line);) {
      auto at = line.find("[" + logger + "/");
      if (at == std::string::npos) continue;
      auto id = line.find("] ", at);
      out.push_back(line.substr(id + 2, line.find(' ', id + 2) - id - 2));
    }
    return out;
  }
  void logAt(int debugLevel) {
    std::remove(path.c_str());
    LoggerSpec s;
    s.name = "kea-dhcp4";
    s.severity = Severity::Debug;
    s.debugLevel = debugLevel;
    LogOutputSpec o;
    o.output = path;
    s.outputs.push_back(o);
    ASSERT_TRUE(log.configure({s}).empty());
  }
};

TEST_F(PipelineLogTest, DoraLogsKeasIdsInKeasOrder) {
  logAt(99);
  auto req = requestFor(1);
  send(req);
  EXPECT_EQ(ids("kea-dhcp4.packets"),
            (std::vector<std::string>{"DHCP4_BUFFER_RECEIVED", "DHCP4_PACKET_RECEIVED", "DHCP4_QUERY_DATA",
                                      "DHCP4_SUBNET_SELECTED", "DHCP4_SUBNET_DATA", "DHCP4_PACKET_SEND",
                                      "DHCP4_RESPONSE_DATA", "DHCP4_BUFFER_RECEIVED", "DHCP4_PACKET_RECEIVED",
                                      "DHCP4_QUERY_DATA", "DHCP4_SUBNET_SELECTED", "DHCP4_SUBNET_DATA",
                                      "DHCP4_PACKET_SEND", "DHCP4_RESPONSE_DATA"}));
  EXPECT_EQ(ids("kea-dhcp4.leases"), (std::vector<std::string>{"DHCP4_LEASE_ADVERT", "DHCP4_LEASE_ALLOC"}));
  EXPECT_EQ(ids("kea-dhcp4.options"), (std::vector<std::string>{"DHCP4_BUFFER_UNPACK", "DHCP4_PACKET_PACK",
                                                                "DHCP4_BUFFER_UNPACK", "DHCP4_PACKET_PACK"}));
  std::ifstream in(path);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(all.find("DHCP4_LEASE_ALLOC [hwtype=1 02:00:00:00:00:01], cid=[no info], tid=0x1001: lease 198.18.16."),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("has been allocated for 4000 seconds"), std::string::npos);
  EXPECT_NE(all.find("DHCP4_SUBNET_DATA [hwtype=1 02:00:00:00:00:01], cid=[no info], tid=0x1001: the selected "
                     "subnet details: 198.18.0.0/15"),
            std::string::npos);
}

TEST_F(PipelineLogTest, DebugLevelsSelectAsInKea) {
  logAt(40);  // DBG_DHCP4_BASIC: buffer received and packet sent only
  send(query(MessageType::Discover, 2));
  EXPECT_EQ(ids("kea-dhcp4.packets"), (std::vector<std::string>{"DHCP4_BUFFER_RECEIVED", "DHCP4_PACKET_SEND"}));
  EXPECT_EQ(ids("kea-dhcp4.leases"), std::vector<std::string>{"DHCP4_LEASE_ADVERT"});
  EXPECT_TRUE(ids("kea-dhcp4.options").empty());
}

TEST_F(PipelineLogTest, ExhaustedPoolWarnsAsKeasAllocationEngine) {
  for (std::uint8_t mac = 20; mac < 30; ++mac) {
    send(requestFor(mac));
    journal.makeDurable();
  }
  logAt(0);  // INFO and above, DEBUG at level 0: nothing per packet
  send(query(MessageType::Discover, 99));
  EXPECT_EQ(ids("kea-dhcp4.alloc-engine"),
            (std::vector<std::string>{"ALLOC_ENGINE_V4_ALLOC_FAIL_SUBNET", "ALLOC_ENGINE_V4_ALLOC_FAIL",
                                      "ALLOC_ENGINE_V4_ALLOC_FAIL_CLASSES"}));
  EXPECT_TRUE(ids("kea-dhcp4.packets").empty());
  EXPECT_TRUE(ids("kea-dhcp4.bad-packets").empty());
}

TEST_F(PipelineLogTest, ReleaseAndDeclineAreLoggedOnTheLeasesLogger) {
  send(requestFor(3));
  journal.makeDurable();
  auto leased = store.byHwAddr(*HwAddr::parse("02:00:00:00:00:03"), 7);
  ASSERT_TRUE(leased);
  logAt(99);
  auto rel = query(MessageType::Release, 3);
  rel.ciaddr = leased->address;
  rel.set(proto::opt::kServerId, proto::ipBytes(meta.ifAddr));
  send(rel);
  send(requestFor(4));
  journal.makeDurable();
  auto l4 = store.byHwAddr(*HwAddr::parse("02:00:00:00:00:04"), 7);
  ASSERT_TRUE(l4);
  auto dec = query(MessageType::Decline, 4);
  dec.set(proto::opt::kRequestedAddress, proto::ipBytes(l4->address));
  dec.set(proto::opt::kServerId, proto::ipBytes(meta.ifAddr));
  send(dec);
  EXPECT_EQ(ids("kea-dhcp4.leases"), (std::vector<std::string>{"DHCP4_RELEASE", "DHCP4_LEASE_ADVERT",
                                                               "DHCP4_LEASE_ALLOC", "DHCP4_DECLINE_LEASE"}));
}

TEST_F(DhcpPipelineTest, LatencyHistogramsCountEveryPacketAndEachPartnerAck) {
  std::vector<std::function<void(bool)>> acks;
  DhcpPipeline::HaHooks hooks;
  hooks.shouldServe = [](const Packet4&, engine::RecvMeta&) { return true; };
  hooks.leasesCommitted = [&](const std::vector<engine::LeaseChange>&, std::function<void(bool)> done) {
    acks.push_back(std::move(done));
  };
  DhcpPipeline timed{engine, writer, stats, log, testOptions(64)};
  timed.setHaHooks(hooks);
  auto sendTo = [&](const Packet4& p) {
    std::vector<Outgoing> ready;
    auto bytes = wire(p);
    timed.process(bytes, meta, clock.now(), ready);
    return ready;
  };
  gMonoStep = 30us;
  auto offers = sendTo(query(MessageType::Discover, 40));
  ASSERT_EQ(offers.size(), 1u);
  const std::vector<std::uint8_t> junk{1, 2, 3};  // parse failure: counted too
  std::vector<Outgoing> ready;
  timed.process(junk, meta, clock.now(), ready);
  gMonoStep = 2ms;  // the REQUEST: one read at start, one at park, one at the end
  auto req = query(MessageType::Request, 40);
  req.set(proto::opt::kRequestedAddress, proto::ipBytes(proto::decode(offers[0].bytes)->yiaddr));
  req.set(proto::opt::kServerId, proto::ipBytes(meta.ifAddr));
  EXPECT_TRUE(sendTo(req).empty());
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(timed.haInFlight(), 1u);

  const auto& p = timed.processingLatency();
  EXPECT_EQ(p.count(), 3u);
  EXPECT_EQ(p.bucketCount(2), 2u);  // 30 us: (25, 50] us
  EXPECT_EQ(p.sumNanos(), std::uint64_t((30us + 30us + 4ms).count() * 1000));
  // The lease was committed at the second of the REQUEST's three reads; the partner's
  // acknowledgement comes 38 ms after the last one: 42 ms in all.
  gMono += 38ms;
  acks[0](true);
  EXPECT_EQ(timed.haInFlight(), 0u);
  const auto& h = timed.haUpdateLatency();
  EXPECT_EQ(h.count(), 1u);
  EXPECT_EQ(h.sumNanos(), std::uint64_t(std::chrono::nanoseconds(42ms).count()));
  EXPECT_EQ(h.bucketCount(7), 1u);  // (25, 50] ms
  gMonoStep = 0ns;
}

}  // namespace
}  // namespace tandem::net
