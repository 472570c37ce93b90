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
  LeaseWriter writer{store, &journal, stats};
};

TEST_F(WriterTest, RecountSetsTotalsAndAssigned) {
  ASSERT_TRUE(store.put(lease(Ipv4(10, 0, 0, 10), 1, 1)).ok());
  ASSERT_TRUE(store.put(lease(Ipv4(10, 0, 0, 11), 2, 1, LeaseState::Declined)).ok());
  ASSERT_TRUE(store.put(lease(Ipv4(10, 1, 0, 1), 3, 2, LeaseState::ExpiredReclaimed)).ok());
  writer.recount(twoSubnets(), clock.now());
  EXPECT_EQ(stats.value("subnet[1].total-addresses"), 10);
  EXPECT_EQ(stats.value("subnet[2].total-addresses"), 5);
  EXPECT_EQ(stats.value("total-addresses"), 15);
  EXPECT_EQ(stats.value("subnet[1].assigned-addresses"), 2);  // declined counts as assigned (Kea)
  EXPECT_EQ(stats.value("subnet[1].declined-addresses"), 1);
  EXPECT_EQ(stats.value("subnet[2].assigned-addresses"), 0);
  EXPECT_EQ(stats.value("assigned-addresses"), 2);
  EXPECT_EQ(stats.value("declined-addresses"), 1);
}

TEST_F(WriterTest, ChangesMoveCountersAndReachTheJournal) {
  writer.recount(twoSubnets(), clock.now());
  auto s1 = writer.putLease(lease(Ipv4(10, 0, 0, 12), 4, 1));
  ASSERT_TRUE(s1.ok());
  EXPECT_EQ(*s1, 1u);
  // Renewal by the same client: not a new assignment.
  auto s2 = writer.putLease(lease(Ipv4(10, 0, 0, 12), 4, 1));
  ASSERT_TRUE(s2.ok());
  EXPECT_EQ(*s2, 2u);
  writer.publish(clock.now());
  EXPECT_EQ(stats.value("subnet[1].assigned-addresses"), 1);
  EXPECT_EQ(stats.value("subnet[1].cumulative-assigned-addresses"), 1);

  // Decline: still assigned, now also declined.
  ASSERT_TRUE(writer.putLease(lease(Ipv4(10, 0, 0, 12), 4, 1, LeaseState::Declined)).ok());
  writer.publish(clock.now());
  EXPECT_EQ(stats.value("subnet[1].assigned-addresses"), 1);
  EXPECT_EQ(stats.value("subnet[1].declined-addresses"), 1);

  auto del = writer.deleteLease(Ipv4(10, 0, 0, 12));
  ASSERT_TRUE(del.ok());
  writer.publish(clock.now());
  EXPECT_EQ(stats.value("subnet[1].assigned-addresses"), 0);
  EXPECT_EQ(stats.value("subnet[1].declined-addresses"), 0);
  EXPECT_EQ(stats.value("assigned-addresses"), 0);
  ASSERT_EQ(journal.rows.size(), 4u);
  EXPECT_TRUE(journal.rows[3].deleted);
  EXPECT_FALSE(store.byAddress(Ipv4(10, 0, 0, 12)).has_value());
}

TEST_F(WriterTest, ReclaimedLeaseStopsCounting) {
  writer.recount(twoSubnets(), clock.now());
  ASSERT_TRUE(writer.putLease(lease(Ipv4(10, 1, 0, 2), 5, 2)).ok());
  ASSERT_TRUE(writer.putLease(lease(Ipv4(10, 1, 0, 2), 5, 2, LeaseState::ExpiredReclaimed)).ok());
  writer.publish(clock.now());
  EXPECT_EQ(stats.value("subnet[2].assigned-addresses"), 0);
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
  LeaseWriter memoryOnly(store, nullptr, stats);
  EXPECT_FALSE(memoryOnly.persistent());
  auto seq = memoryOnly.putLease(lease(Ipv4(10, 0, 0, 14), 7, 1));
  ASSERT_TRUE(seq.ok());
  EXPECT_EQ(*seq, 0u);
  EXPECT_EQ(memoryOnly.durableSeq(), std::numeric_limits<std::uint64_t>::max());
}

}  // namespace
}  // namespace tandem::net
