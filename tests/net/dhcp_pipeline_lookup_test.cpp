// The client lease lookup of a shared SQL database (DhcpPipeline::setClientLookup): the
// parking of a query while the database is asked, and the decision once it answered.
#include <gtest/gtest.h>

#include "dhcpd/lease/memory_lease_store.h"
#include "dhcpd/net/dhcp_pipeline.h"
#include "tests/net/fake_journal.h"
#include "tests/net/relayed_query.h"

namespace tandem::net {
namespace {

using namespace std::chrono_literals;
using proto::MessageType;
using proto::Packet4;

config::Dhcp4Config lookupConfig() {
  auto cfg = config::parseDhcp4Config(std::string_view(R"({"Dhcp4": {
      "interfaces-config": {"interfaces": ["eth0"]},
      "lease-database": {"type": "memfile", "persist": false},
      "valid-lifetime": 4000,
      "shared-networks": [{"name": "net", "subnet4": [
        {"id": 7, "subnet": "198.18.0.0/24", "pools": [{"pool": "198.18.0.10 - 198.18.0.19"}]},
        {"id": 8, "subnet": "198.18.1.0/24", "pools": [{"pool": "198.18.1.10 - 198.18.1.19"}]}]}]}})"),
                                      config::ParseContext{"/tmp", "/tmp/leases.csv", {}});
  EXPECT_TRUE(cfg.ok()) << (cfg.ok() ? "" : cfg.error().message);
  return std::move(cfg).value();
}

std::chrono::steady_clock::time_point gMono{};
std::chrono::steady_clock::time_point fakeMono() noexcept { return gMono; }

// Records the lookups; the test answers them (the lookup thread, played by hand).
struct FakeLookup final : ClientLeaseLookup {
  struct Submitted {
    ClientLeaseQuery query;
    Done done;
  };
  bool submit(ClientLeaseQuery q, Done done) override {
    if (full) return false;
    submitted.push_back({std::move(q), std::move(done)});
    return true;
  }
  std::vector<Submitted> submitted;
  bool full = false;
};

HwAddr macOf(std::uint8_t last) { return HwAddr::fromBytes(std::vector<std::uint8_t>{0x02, 0, 0, 0, 0, last}); }

// Relayed: subnet 7, in the shared network.
Packet4 query(MessageType t, std::uint8_t macLast) {
  return testing::relayedQuery(t, macLast, Ipv4(198, 18, 0, 1), 0x2000);
}

struct PipelineLookupTest : ::testing::Test {
  config::Dhcp4Config cfg = lookupConfig();
  MemoryLeaseStore store;
  testing::FakeJournal journal;
  StatsRegistry stats;
  Logger log;
  FakeClock clock;
  engine::Engine engine{cfg, store};
  LeaseWriter writer{store, &journal, stats, [this] { return clock.now(); }};
  DhcpPipeline pipeline{engine, writer, stats, log, options()};
  FakeLookup lookup;
  int wakes = 0;
  engine::RecvMeta meta;

  static DhcpPipeline::Options options() {
    DhcpPipeline::Options o{{6767, 6868}, 5000ms, 16};
    o.monotonic = &fakeMono;
    o.lookupCapacity = 4;
    return o;
  }

  PipelineLookupTest() {
    log.setSeverity(Severity::Fatal);
    journal.refuses = true;  // a shared database
    meta.srcAddr = Ipv4(198, 18, 0, 1);
    meta.srcPort = 6767;
    meta.dstAddr = Ipv4(198, 18, 0, 2);
    meta.ifName = "eth0";
    meta.ifIndex = 2;
    meta.ifAddr = Ipv4(198, 18, 0, 2);
    writer.recount(cfg, clock.now());
    pipeline.setClientLookup(&lookup, [this] { ++wakes; });
  }

  std::vector<Outgoing> send(const Packet4& p) {
    std::vector<Outgoing> ready;
    auto bytes = proto::encode(p).bytes;
    pipeline.process(bytes, meta, clock.now(), ready);
    return ready;
  }
  std::vector<Outgoing> release() {
    std::vector<Outgoing> ready;
    pipeline.releaseDurable(ready);
    return ready;
  }
  // The database's row for client `mac` at `a` (made by another server a minute ago).
  Lease row(std::uint8_t mac, Ipv4 a, std::uint32_t subnet = 7) {
    Lease l;
    l.address = a;
    l.hwAddr = macOf(mac);
    l.validLifetime = 4000;
    l.cltt = toEpochSeconds(clock.now()) - 60;
    l.subnetId = subnet;
    return l;
  }
  void answer(std::size_t i, std::vector<Lease> rows, bool ok = true) {
    ClientLeaseAnswer a;
    a.ok = ok;
    a.leases = std::move(rows);
    lookup.submitted.at(i).done(std::move(a));
  }
  std::int64_t stat(const char* name) {
    pipeline.publish(clock.now());
    return stats.value(name);
  }
};

Ipv4 yiaddrOf(const Outgoing& o) {
  auto p = proto::decode(o.bytes);
  EXPECT_TRUE(p.ok());
  return p.ok() ? p->yiaddr : Ipv4();
}

// The case this exists for: the client's lease was made by another server on the same
// database. Kea offers it again (findClientLease reads the database); so does tandemd, once
// the lookup answered, and the client keeps its address instead of getting a second one.
TEST_F(PipelineLookupTest, UnknownClientIsOfferedItsLeaseFromTheDatabase) {
  EXPECT_TRUE(send(query(MessageType::Discover, 1)).empty());  // parked, nothing decided
  ASSERT_EQ(lookup.submitted.size(), 1u);
  EXPECT_EQ(pipeline.awaitingLookup(), 1u);
  const ClientLeaseQuery& q = lookup.submitted[0].query;
  EXPECT_EQ(q.hwAddr, macOf(1));
  EXPECT_TRUE(q.clientId.empty());
  EXPECT_EQ(q.subnetIds, (std::vector<std::uint32_t>{7, 8}));  // the whole shared network
  EXPECT_TRUE(release().empty());                              // no answer yet

  // Its lease is in the other subnet of the network, not the first free address of subnet 7.
  answer(0, {row(1, Ipv4(198, 18, 1, 15), 8)});
  EXPECT_EQ(wakes, 1);
  auto out = release();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].type, MessageType::Offer);
  EXPECT_EQ(yiaddrOf(out[0]), Ipv4(198, 18, 1, 15));
  EXPECT_EQ(pipeline.awaitingLookup(), 0u);
  EXPECT_TRUE(store.byAddress(Ipv4(198, 18, 1, 15)).has_value());
  EXPECT_EQ(stat("pkt4-lease-db-lookup"), 1);
  EXPECT_EQ(stat("pkt4-lease-db-lookup-found"), 1);
  EXPECT_EQ(stat("subnet[8].assigned-addresses"), 1);

  // The REQUEST that follows is decided at once (the store knows the client now).
  auto req = query(MessageType::Request, 1);
  req.set(proto::opt::kRequestedAddress, proto::ipBytes(Ipv4(198, 18, 1, 15)));
  req.set(proto::opt::kServerId, proto::ipBytes(meta.ifAddr));
  EXPECT_TRUE(send(req).empty());  // parked for the commit, not for a lookup
  EXPECT_EQ(lookup.submitted.size(), 1u);
  ASSERT_EQ(journal.rows.size(), 1u);
  EXPECT_EQ(journal.rows[0].lease.address, Ipv4(198, 18, 1, 15));
  journal.makeDurable();
  out = release();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].type, MessageType::Ack);
  EXPECT_EQ(yiaddrOf(out[0]), Ipv4(198, 18, 1, 15));
}

// Nothing in the database: the pool decides, and the REQUEST after the OFFER asks nothing
// (the DISCOVER just looked; the write is guarded anyway).
TEST_F(PipelineLookupTest, NewClientLooksUpOncePerExchange) {
  EXPECT_TRUE(send(query(MessageType::Discover, 2)).empty());
  answer(0, {});
  auto out = release();
  ASSERT_EQ(out.size(), 1u);
  const Ipv4 offered = yiaddrOf(out[0]);
  EXPECT_EQ(offered, Ipv4(198, 18, 0, 10));
  auto req = query(MessageType::Request, 2);
  req.set(proto::opt::kRequestedAddress, proto::ipBytes(offered));
  req.set(proto::opt::kServerId, proto::ipBytes(meta.ifAddr));
  EXPECT_TRUE(send(req).empty());
  EXPECT_EQ(lookup.submitted.size(), 1u);
  journal.makeDurable();
  out = release();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].type, MessageType::Ack);
  EXPECT_EQ(stat("pkt4-lease-db-lookup-found"), 0);
}

// A client with a current lease in memory renews without waiting on the database.
TEST_F(PipelineLookupTest, KnownClientIsNotLookedUp) {
  ASSERT_TRUE(store.put(row(3, Ipv4(198, 18, 0, 13))).ok());
  auto out = send(query(MessageType::Discover, 3));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(yiaddrOf(out[0]), Ipv4(198, 18, 0, 13));
  EXPECT_TRUE(lookup.submitted.empty());
  EXPECT_EQ(stat("pkt4-lease-db-lookup"), 0);
}

// An expired lease in memory may have been replaced by another server's: asked again.
TEST_F(PipelineLookupTest, ExpiredLeaseInMemoryIsLookedUp) {
  Lease old = row(4, Ipv4(198, 18, 0, 14));
  old.cltt -= 5000;
  ASSERT_TRUE(store.put(old).ok());
  EXPECT_TRUE(send(query(MessageType::Discover, 4)).empty());
  ASSERT_EQ(lookup.submitted.size(), 1u);
  answer(0, {row(4, Ipv4(198, 18, 0, 17))});
  auto out = release();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(yiaddrOf(out[0]), Ipv4(198, 18, 0, 17));
}

// An INIT-REBOOT REQUEST from a client whose lease another server made: Kea ACKs it (it knows
// the client from the database); tandemd did not know the client and stayed silent before.
TEST_F(PipelineLookupTest, InitRebootOfAnotherServersLeaseIsAcked) {
  auto req = query(MessageType::Request, 5);
  req.set(proto::opt::kRequestedAddress, proto::ipBytes(Ipv4(198, 18, 0, 16)));
  EXPECT_TRUE(send(req).empty());
  ASSERT_EQ(lookup.submitted.size(), 1u);
  answer(0, {row(5, Ipv4(198, 18, 0, 16))});
  EXPECT_TRUE(release().empty());  // the ACK waits for its commit
  ASSERT_EQ(journal.rows.size(), 1u);
  EXPECT_EQ(journal.guards.at(0), WriteGuard::SameClientOrFree);
  journal.makeDurable();
  auto out = release();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].type, MessageType::Ack);
  EXPECT_EQ(yiaddrOf(out[0]), Ipv4(198, 18, 0, 16));
}

// A REQUEST for another server (option 54 not ours) is dropped whatever the database says:
// nothing is asked.
TEST_F(PipelineLookupTest, RequestForAnotherServerIsNotLookedUp) {
  auto req = query(MessageType::Request, 6);
  req.set(proto::opt::kRequestedAddress, proto::ipBytes(Ipv4(198, 18, 0, 16)));
  req.set(proto::opt::kServerId, proto::ipBytes(Ipv4(198, 18, 0, 99)));
  EXPECT_TRUE(send(req).empty());
  EXPECT_TRUE(lookup.submitted.empty());
}

// Back-pressure: the lookup refuses (slow or unreachable database), or too many queries wait.
// The query is dropped and counted, never queued without bound.
TEST_F(PipelineLookupTest, FullLookupDropsAndCounts) {
  lookup.full = true;
  EXPECT_TRUE(send(query(MessageType::Discover, 7)).empty());
  EXPECT_EQ(pipeline.awaitingLookup(), 0u);
  EXPECT_EQ(stat("pkt4-lease-db-lookup-backpressure-drop"), 1);
  lookup.full = false;
  for (std::uint8_t m = 10; m < 16; ++m) send(query(MessageType::Discover, m));
  EXPECT_EQ(pipeline.awaitingLookup(), 4u);  // lookupCapacity
  EXPECT_EQ(lookup.submitted.size(), 4u);
  EXPECT_EQ(stat("pkt4-lease-db-lookup-backpressure-drop"), 3);
  EXPECT_EQ(stat("pkt4-receive-drop"), 3);
}

// A database slower than the clients: once the oldest parked query waited longer than
// lookupBackpressure (250 ms), new DISCOVERs are dropped and counted, a REQUEST is still
// looked up (its client was offered already), and new DISCOVERs are taken again once the old
// lookups are answered.
TEST_F(PipelineLookupTest, SlowLookupsShedNewDiscoversButNotRequests) {
  EXPECT_TRUE(send(query(MessageType::Discover, 20)).empty());
  gMono += 200ms;
  EXPECT_TRUE(send(query(MessageType::Discover, 21)).empty());  // 200 ms: still taken
  EXPECT_EQ(lookup.submitted.size(), 2u);
  gMono += 100ms;
  EXPECT_TRUE(send(query(MessageType::Discover, 22)).empty());  // the first waited 300 ms
  EXPECT_EQ(lookup.submitted.size(), 2u);
  EXPECT_EQ(stat("pkt4-lease-db-lookup-backpressure-drop"), 1);
  EXPECT_EQ(stat("pkt4-receive-drop"), 1);
  auto req = query(MessageType::Request, 23);
  req.set(proto::opt::kRequestedAddress, proto::ipBytes(Ipv4(198, 18, 0, 17)));
  EXPECT_TRUE(send(req).empty());
  EXPECT_EQ(lookup.submitted.size(), 3u);
  answer(0, {});
  answer(1, {});
  release();
  // The REQUEST, parked just now, is the oldest left: a DISCOVER is taken again.
  EXPECT_TRUE(send(query(MessageType::Discover, 24)).empty());
  EXPECT_EQ(lookup.submitted.size(), 4u);
  EXPECT_EQ(stat("pkt4-lease-db-lookup-backpressure-drop"), 1);
}

// The database could not answer: the query is dropped (Kea's database error), counted.
TEST_F(PipelineLookupTest, FailedLookupDropsTheQuery) {
  EXPECT_TRUE(send(query(MessageType::Discover, 8)).empty());
  answer(0, {}, false);
  EXPECT_TRUE(release().empty());
  EXPECT_EQ(pipeline.awaitingLookup(), 0u);
  EXPECT_EQ(stat("pkt4-lease-db-lookup-fail-drop"), 1);
}

// A lookup that never answers is dropped after parkTimeout; its late answer is ignored.
TEST_F(PipelineLookupTest, UnansweredLookupExpires) {
  EXPECT_TRUE(send(query(MessageType::Discover, 9)).empty());
  gMono += 4s;
  EXPECT_EQ(pipeline.expireParked(), 0u);
  gMono += 2s;
  EXPECT_EQ(pipeline.expireParked(), 1u);
  EXPECT_EQ(pipeline.awaitingLookup(), 0u);
  answer(0, {});
  EXPECT_TRUE(release().empty());
  EXPECT_EQ(stat("pkt4-lease-db-lookup-fail-drop"), 1);
}

// A row found does not replace a longer-lasting lease of this server at that address (its own
// write, perhaps not committed yet: the database's guard decides that one).
TEST_F(PipelineLookupTest, FoundRowDoesNotReplaceANewerLeaseHere) {
  Lease mine = row(20, Ipv4(198, 18, 0, 10));
  mine.cltt += 30;
  ASSERT_TRUE(store.put(mine).ok());
  EXPECT_TRUE(send(query(MessageType::Discover, 21)).empty());
  answer(0, {row(21, Ipv4(198, 18, 0, 10))});
  auto out = release();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_NE(yiaddrOf(out[0]), Ipv4(198, 18, 0, 10));
  EXPECT_EQ(store.byAddress(Ipv4(198, 18, 0, 10))->hwAddr, macOf(20));
}

// The answer arrives after the pipeline is gone (shutdown): nothing is reached.
TEST_F(PipelineLookupTest, AnswerAfterThePipelineIsGoneIsIgnored) {
  auto other = std::make_unique<DhcpPipeline>(engine, writer, stats, log, options());
  int otherWakes = 0;
  other->setClientLookup(&lookup, [&] { ++otherWakes; });
  std::vector<Outgoing> ready;
  auto bytes = proto::encode(query(MessageType::Discover, 22)).bytes;
  other->process(bytes, meta, clock.now(), ready);
  ASSERT_EQ(lookup.submitted.size(), 1u);
  other.reset();
  answer(0, {});
  EXPECT_EQ(otherWakes, 0);
}

}  // namespace
}  // namespace tandem::net
