#include "dhcpd/net/dhcp_lease_writer.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "dhcpd/lease/memory_lease_store.h"
#include "tests/net/fake_journal.h"

namespace tandem::net {
namespace {

Lease lease(Ipv4 a, std::uint8_t mac, std::uint32_t subnet, LeaseState st = LeaseState::Default) {
  Lease l;
  l.address = a;
  l.hwAddr = *HwAddr::parse(fmt::format("02:00:00:00:00:{:02x}", mac));
  l.validLifetime = 3600;
  l.cltt = 1'750'000'000;
  l.subnetId = subnet;
  l.state = st;
  return l;
}

config::Dhcp4Config twoSubnets() {
  config::Dhcp4Config cfg;
  config::Subnet4 a;
  a.id = 1;
  a.pools.push_back(config::Pool{Ipv4(10, 0, 0, 10), Ipv4(10, 0, 0, 19), {}, {}, {}, {}});
  config::Subnet4 b;
  b.id = 2;
  b.pools.push_back(config::Pool{Ipv4(10, 1, 0, 1), Ipv4(10, 1, 0, 4), {}, {}, {}, {}});
  b.pools.push_back(config::Pool{Ipv4(10, 1, 0, 9), Ipv4(10, 1, 0, 9), {}, {}, {}, {}});
  cfg.subnets = {a, b};
  return cfg;
}

struct WriterTest : ::testing::Test {
  MemoryLeaseStore store;
  testing::FakeJournal journal;
  StatsRegistry stats;
  FakeClock clock;
  LeaseWriter writer{store, &journal, stats, [this] { return clock.now(); }};

  engine::LeaseChange allocation(const Lease& l) {
    engine::LeaseChange c;
    c.lease = l;
    c.previous = store.byAddress(l.address);
    return c;
  }
  std::vector<std::int64_t> history(const char* name) {
    std::vector<std::int64_t> v;
    for (const auto& s : stats.samples(name)) v.push_back(s.value);
    return v;
  }
};

TEST_F(WriterTest, RecountSetsTotalsAndAssigned) {
  ASSERT_TRUE(store.put(lease(Ipv4(10, 0, 0, 10), 1, 1)).ok());
  ASSERT_TRUE(store.put(lease(Ipv4(10, 0, 0, 11), 2, 1, LeaseState::Declined)).ok());
  ASSERT_TRUE(store.put(lease(Ipv4(10, 1, 0, 1), 3, 2, LeaseState::ExpiredReclaimed)).ok());
  ASSERT_TRUE(store.put(lease(Ipv4(10, 1, 0, 9), 4, 2)).ok());
  writer.recount(twoSubnets(), clock.now());
  EXPECT_EQ(stats.value("subnet[1].total-addresses"), 10);
  EXPECT_EQ(stats.value("subnet[2].total-addresses"), 5);
  EXPECT_EQ(stats.value("subnet[2].pool[0].total-addresses"), 4);
  EXPECT_EQ(stats.value("subnet[2].pool[1].total-addresses"), 1);
  EXPECT_EQ(stats.value("subnet[1].assigned-addresses"), 2);  // declined counts as assigned (Kea)
  EXPECT_EQ(stats.value("subnet[1].declined-addresses"), 1);
  EXPECT_EQ(stats.value("subnet[2].assigned-addresses"), 1);
  EXPECT_EQ(stats.value("subnet[2].pool[0].assigned-addresses"), 0);
  EXPECT_EQ(stats.value("subnet[2].pool[1].assigned-addresses"), 1);
  EXPECT_EQ(stats.value("declined-addresses"), 1);
  // Kea 2.2 has no global assigned or total statistic.
  EXPECT_FALSE(stats.exists("assigned-addresses"));
  EXPECT_FALSE(stats.exists("total-addresses"));
  // Kea's recount: 0, then the default leases, then the declined ones, one sample each.
  EXPECT_EQ(history("subnet[1].assigned-addresses"), (std::vector<std::int64_t>{2, 1, 0}));
  for (const char* n : {"subnet[1].cumulative-assigned-addresses", "subnet[1].reclaimed-leases",
                        "subnet[1].reclaimed-declined-addresses", "subnet[1].v4-reservation-conflicts",
                        "cumulative-assigned-addresses", "reclaimed-leases", "reclaimed-declined-addresses"}) {
    EXPECT_EQ(history(n), std::vector<std::int64_t>{0}) << n;
  }
}

TEST_F(WriterTest, ReconfigurationDropsOldSubnetsAndRecountsAsKeaDoes) {
  writer.recount(twoSubnets(), clock.now());
  ASSERT_TRUE(writer.apply(allocation(lease(Ipv4(10, 0, 0, 12), 4, 1))).ok());
  ASSERT_TRUE(writer.apply(allocation(lease(Ipv4(10, 0, 0, 13), 5, 1, LeaseState::Declined))).ok());
  EXPECT_EQ(stats.value("subnet[1].cumulative-assigned-addresses"), 1);
  stats.add("subnet[1].v4-allocation-fail", 1, clock.now());
  auto cfg = twoSubnets();
  cfg.subnets.pop_back();  // subnet 2 removed
  writer.recount(cfg, clock.now());
  EXPECT_FALSE(stats.exists("subnet[2].total-addresses"));
  EXPECT_FALSE(stats.exists("subnet[2].pool[1].assigned-addresses"));
  // The kept subnet starts afresh, except for its allocation failures; the globals stay.
  EXPECT_EQ(history("subnet[1].cumulative-assigned-addresses"), std::vector<std::int64_t>{0});
  EXPECT_EQ(history("subnet[1].assigned-addresses"), (std::vector<std::int64_t>{2, 1, 0}));
  EXPECT_EQ(stats.value("subnet[1].v4-allocation-fail"), 1);
  EXPECT_EQ(stats.value("cumulative-assigned-addresses"), 1);
  EXPECT_EQ(history("declined-addresses"), (std::vector<std::int64_t>{1, 0, 1, 0}));
}

TEST_F(WriterTest, ChangesMoveCountersAndReachTheJournal) {
  writer.recount(twoSubnets(), clock.now());
  auto s1 = writer.apply(allocation(lease(Ipv4(10, 0, 0, 12), 4, 1)));
  ASSERT_TRUE(s1.ok());
  EXPECT_EQ(*s1, 1u);
  // Renewal by the same client: not a new assignment, and no sample at all.
  clock.advance(std::chrono::seconds(1));
  auto s2 = writer.apply(allocation(lease(Ipv4(10, 0, 0, 12), 4, 1)));
  ASSERT_TRUE(s2.ok());
  EXPECT_EQ(*s2, 2u);
  EXPECT_EQ(history("subnet[1].assigned-addresses"), (std::vector<std::int64_t>{1, 0}));
  EXPECT_EQ(stats.value("subnet[1].cumulative-assigned-addresses"), 1);
  EXPECT_EQ(stats.value("cumulative-assigned-addresses"), 1);

  // Decline: still assigned, now also declined.
  ASSERT_TRUE(writer.apply(allocation(lease(Ipv4(10, 0, 0, 12), 4, 1, LeaseState::Declined))).ok());
  EXPECT_EQ(stats.value("subnet[1].assigned-addresses"), 1);
  EXPECT_EQ(stats.value("subnet[1].declined-addresses"), 1);
  EXPECT_EQ(stats.value("declined-addresses"), 1);

  auto del = writer.deleteLease(Ipv4(10, 0, 0, 12));
  ASSERT_TRUE(del.ok());
  EXPECT_EQ(stats.value("subnet[1].assigned-addresses"), 0);
  EXPECT_EQ(stats.value("subnet[1].declined-addresses"), 0);
  EXPECT_EQ(stats.value("declined-addresses"), 0);
  ASSERT_EQ(journal.rows.size(), 4u);
  EXPECT_TRUE(journal.rows[3].deleted);
  EXPECT_FALSE(store.byAddress(Ipv4(10, 0, 0, 12)).has_value());
}

TEST_F(WriterTest, PoolStatisticsFollowTheLeasesPool) {
  writer.recount(twoSubnets(), clock.now());
  ASSERT_TRUE(writer.apply(allocation(lease(Ipv4(10, 1, 0, 9), 6, 2))).ok());
  ASSERT_TRUE(writer.apply(allocation(lease(Ipv4(10, 1, 0, 2), 7, 2))).ok());
  EXPECT_EQ(stats.value("subnet[2].pool[1].assigned-addresses"), 1);
  EXPECT_EQ(stats.value("subnet[2].pool[1].cumulative-assigned-addresses"), 1);
  EXPECT_EQ(stats.value("subnet[2].pool[0].assigned-addresses"), 1);
  EXPECT_EQ(stats.value("subnet[2].assigned-addresses"), 2);
}

// What a shared database checks (LeaseJournal::appendGuarded): a client's lease may only
// replace a free row or the same client's, a reclamation only a row still expired, an
// operator's or partner's write is taken as given.
TEST_F(WriterTest, EachKindOfWriteCarriesItsGuard) {
  writer.recount(twoSubnets(), clock.now());
  ASSERT_TRUE(writer.apply(allocation(lease(Ipv4(10, 0, 0, 10), 1, 1))).ok());
  auto c = allocation(*store.byAddress(Ipv4(10, 0, 0, 10)));
  c.lease.state = LeaseState::ExpiredReclaimed;
  ASSERT_TRUE(writer.reclaim(c).ok());
  ASSERT_TRUE(writer.putLease(lease(Ipv4(10, 0, 0, 11), 2, 1)).ok());
  ASSERT_TRUE(writer.deleteLease(Ipv4(10, 0, 0, 11)).ok());
  EXPECT_EQ(journal.guards, (std::vector<WriteGuard>{WriteGuard::SameClientOrFree, WriteGuard::StillExpired,
                                                     WriteGuard::None, WriteGuard::None}));
}

TEST_F(WriterTest, AdoptTakesTheDatabasesRowWithoutWritingIt) {
  writer.recount(twoSubnets(), clock.now());
  ASSERT_TRUE(writer.apply(allocation(lease(Ipv4(10, 0, 0, 12), 1, 1))).ok());
  const auto rows = journal.rows.size();
  writer.adopt(Ipv4(10, 0, 0, 12), lease(Ipv4(10, 0, 0, 12), 9, 1, LeaseState::Declined));
  EXPECT_EQ(journal.rows.size(), rows);
  EXPECT_EQ(store.byAddress(Ipv4(10, 0, 0, 12))->state, LeaseState::Declined);
  EXPECT_EQ(stats.value("subnet[1].assigned-addresses"), 1);
  EXPECT_EQ(stats.value("subnet[1].declined-addresses"), 1);
  writer.adopt(Ipv4(10, 0, 0, 12), std::nullopt);
  EXPECT_FALSE(store.byAddress(Ipv4(10, 0, 0, 12)));
  EXPECT_EQ(stats.value("subnet[1].assigned-addresses"), 0);
  EXPECT_EQ(stats.value("subnet[1].declined-addresses"), 0);
  writer.adopt(Ipv4(10, 0, 0, 13), std::nullopt);  // nothing held, nothing to forget
  EXPECT_EQ(stats.value("subnet[1].assigned-addresses"), 0);
}

TEST_F(WriterTest, CommandsAndPartnerUpdatesDoNotCountAsAllocations) {
  writer.recount(twoSubnets(), clock.now());
  ASSERT_TRUE(writer.putLease(lease(Ipv4(10, 0, 0, 15), 8, 1)).ok());
  EXPECT_EQ(stats.value("subnet[1].assigned-addresses"), 1);
  EXPECT_EQ(stats.value("subnet[1].cumulative-assigned-addresses"), 0);
  // A lease moved to another subnet by an update leaves the old one.
  ASSERT_TRUE(writer.putLease(lease(Ipv4(10, 0, 0, 15), 8, 2)).ok());
  EXPECT_EQ(stats.value("subnet[1].assigned-addresses"), 0);
  EXPECT_EQ(stats.value("subnet[2].assigned-addresses"), 1);
}

// A sync page: as putLease() of each lease, with each statistic moved once by the page's net
// change, and every row journaled in order.
TEST_F(WriterTest, APageMovesEachStatisticOnceAndJournalsEveryRow) {
  writer.recount(twoSubnets(), clock.now());
  ASSERT_TRUE(writer.putLease(lease(Ipv4(10, 0, 0, 10), 1, 1)).ok());
  const std::size_t samplesBefore = stats.samples("subnet[1].assigned-addresses").size();
  const std::vector<Lease> page{
      lease(Ipv4(10, 0, 0, 10), 1, 2),  // moves from subnet 1 to subnet 2
      lease(Ipv4(10, 0, 0, 11), 2, 1),
      lease(Ipv4(10, 0, 0, 12), 3, 1, LeaseState::Declined),
      lease(Ipv4(10, 0, 0, 13), 4, 1, LeaseState::ExpiredReclaimed),
      lease(Ipv4(10, 1, 0, 2), 5, 2),
  };
  auto seq = writer.putLeases(page);
  ASSERT_TRUE(seq.ok());
  EXPECT_EQ(*seq, 6u);
  EXPECT_EQ(stats.value("subnet[1].assigned-addresses"), 2);  // .11 and the declined .12
  EXPECT_EQ(stats.value("subnet[1].declined-addresses"), 1);
  EXPECT_EQ(stats.value("subnet[1].pool[0].assigned-addresses"), 2);
  EXPECT_EQ(stats.value("subnet[2].assigned-addresses"), 2);
  EXPECT_EQ(stats.value("subnet[2].pool[0].assigned-addresses"), 1);
  EXPECT_EQ(stats.value("declined-addresses"), 1);
  EXPECT_EQ(stats.value("subnet[1].cumulative-assigned-addresses"), 0);
  // One sample for the page, not one per lease.
  EXPECT_EQ(stats.samples("subnet[1].assigned-addresses").size(), samplesBefore + 1);
  ASSERT_EQ(journal.rows.size(), 6u);
  for (std::size_t i = 0; i < page.size(); ++i) EXPECT_EQ(journal.rows[i + 1].lease, page[i]);
  EXPECT_EQ(store.byAddress(Ipv4(10, 0, 0, 10))->subnetId, 2u);
  EXPECT_EQ(store.size(), 5u);
}

// A lease the store refuses stops the page: those before it stay stored, counted and
// journaled; nothing after it is written.
TEST_F(WriterTest, APageStopsAtTheFirstRefusedLease) {
  writer.recount(twoSubnets(), clock.now());
  Lease bad = lease(Ipv4(10, 0, 0, 12), 3, 1);
  bad.clientId.assign(300, 1);  // longer than a client-id may be
  const std::vector<Lease> page{lease(Ipv4(10, 0, 0, 10), 1, 1), lease(Ipv4(10, 0, 0, 11), 2, 1), bad,
                                lease(Ipv4(10, 0, 0, 13), 4, 1)};
  auto seq = writer.putLeases(page);
  EXPECT_FALSE(seq.ok());
  EXPECT_EQ(journal.rows.size(), 2u);
  EXPECT_EQ(store.size(), 2u);
  EXPECT_EQ(stats.value("subnet[1].assigned-addresses"), 2);
  EXPECT_TRUE(writer.putLeases({}).ok());
}

TEST_F(WriterTest, ReclaimedLeaseStopsCountingAndCountsAsReclaimed) {
  writer.recount(twoSubnets(), clock.now());
  ASSERT_TRUE(writer.apply(allocation(lease(Ipv4(10, 1, 0, 2), 5, 2))).ok());
  ASSERT_TRUE(writer.apply(allocation(lease(Ipv4(10, 1, 0, 3), 6, 2, LeaseState::Declined))).ok());
  for (auto a : {Ipv4(10, 1, 0, 2), Ipv4(10, 1, 0, 3)}) {
    auto c = allocation(*store.byAddress(a));
    c.lease.state = LeaseState::ExpiredReclaimed;
    ASSERT_TRUE(writer.reclaim(c).ok());
  }
  EXPECT_EQ(stats.value("subnet[2].assigned-addresses"), 0);
  EXPECT_EQ(stats.value("subnet[2].declined-addresses"), 0);
  EXPECT_EQ(stats.value("subnet[2].reclaimed-leases"), 2);
  EXPECT_EQ(stats.value("subnet[2].pool[0].reclaimed-leases"), 2);
  EXPECT_EQ(stats.value("subnet[2].reclaimed-declined-addresses"), 1);
  EXPECT_EQ(stats.value("reclaimed-leases"), 2);
  EXPECT_EQ(stats.value("reclaimed-declined-addresses"), 1);
  EXPECT_EQ(stats.value("declined-addresses"), 0);
}

TEST_F(WriterTest, DeletingAMissingLeaseIsAnError) {
  EXPECT_FALSE(writer.deleteLease(Ipv4(10, 9, 9, 9)).ok());
  EXPECT_TRUE(journal.rows.empty());
}

TEST_F(WriterTest, DurableSeqFollowsJournalOrIsInfiniteWithoutOne) {
  ASSERT_TRUE(writer.putLease(lease(Ipv4(10, 0, 0, 13), 6, 1)).ok());
  EXPECT_EQ(writer.durableSeq(), 0u);
  journal.makeDurable();
  EXPECT_EQ(writer.durableSeq(), 1u);
  LeaseWriter memoryOnly(store, nullptr, stats, [this] { return clock.now(); });
  EXPECT_FALSE(memoryOnly.persistent());
  auto seq = memoryOnly.putLease(lease(Ipv4(10, 0, 0, 14), 7, 1));
  ASSERT_TRUE(seq.ok());
  EXPECT_EQ(*seq, 0u);
  EXPECT_EQ(memoryOnly.durableSeq(), std::numeric_limits<std::uint64_t>::max());
}

}  // namespace
}  // namespace tandem::net
