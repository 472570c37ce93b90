#include "sync/lease_update_backlog.h"

#include <gtest/gtest.h>

#include "sync/lease_merge.h"

namespace tandem::sync {
namespace {

Lease lease(std::uint8_t last, std::int64_t cltt = 1000) {
  Lease l;
  l.address = Ipv4(198, 18, 16, last);
  l.hwAddr = *HwAddr::parse("52:54:00:00:00:01");
  l.validLifetime = 4000;
  l.cltt = cltt;
  l.subnetId = 1;
  return l;
}

TEST(LeaseUpdateBacklog, FifoUpToTheLimitThenOverflows) {
  LeaseUpdateBacklog b(3);
  EXPECT_TRUE(b.push(LeaseUpdateBacklog::Op::Add, lease(1)));
  EXPECT_TRUE(b.push(LeaseUpdateBacklog::Op::Delete, lease(2)));
  EXPECT_TRUE(b.push(LeaseUpdateBacklog::Op::Add, lease(3)));
  EXPECT_FALSE(b.overflown());
  EXPECT_FALSE(b.push(LeaseUpdateBacklog::Op::Add, lease(4)));  // dropped
  EXPECT_TRUE(b.overflown());
  EXPECT_EQ(b.size(), 3u);
  ASSERT_NE(b.front(), nullptr);
  EXPECT_EQ(b.front()->lease.address, Ipv4(198, 18, 16, 1));
  auto e = b.pop();
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->op, LeaseUpdateBacklog::Op::Add);
  EXPECT_EQ(e->lease.address, Ipv4(198, 18, 16, 1));
  EXPECT_EQ(b.pop()->op, LeaseUpdateBacklog::Op::Delete);
  EXPECT_TRUE(b.overflown());  // popping does not undo the overflow: updates were lost
  b.clear();
  EXPECT_FALSE(b.overflown());
  EXPECT_TRUE(b.empty());
  EXPECT_FALSE(b.pop().has_value());
  EXPECT_EQ(b.front(), nullptr);
}

TEST(LeaseUpdateBacklog, HoldsFindsQueuedAddressesOnly) {
  LeaseUpdateBacklog b(4);
  EXPECT_FALSE(b.holds(Ipv4(198, 18, 16, 1)));
  b.push(LeaseUpdateBacklog::Op::Add, lease(1));
  b.push(LeaseUpdateBacklog::Op::Delete, lease(2));
  EXPECT_TRUE(b.holds(Ipv4(198, 18, 16, 1)));
  EXPECT_TRUE(b.holds(Ipv4(198, 18, 16, 2)));  // deletions count too
  EXPECT_FALSE(b.holds(Ipv4(198, 18, 16, 3)));
  b.pop();
  EXPECT_FALSE(b.holds(Ipv4(198, 18, 16, 1)));
  b.clear();
  EXPECT_FALSE(b.holds(Ipv4(198, 18, 16, 2)));
}

TEST(LeaseUpdateBacklog, ZeroLimitOverflowsAtOnce) {
  LeaseUpdateBacklog b(0);
  EXPECT_FALSE(b.push(LeaseUpdateBacklog::Op::Add, lease(1)));
  EXPECT_TRUE(b.overflown());
}

TEST(LeaseMerge, SyncKeepsTheNewerCltt) {
  EXPECT_EQ(mergeForSync(std::nullopt, lease(1, 1000)), MergeAction::Insert);
  EXPECT_EQ(mergeForSync(lease(1, 999), lease(1, 1000)), MergeAction::Overwrite);
  EXPECT_EQ(mergeForSync(lease(1, 1000), lease(1, 1000)), MergeAction::KeepLocal);  // equal: stale
  EXPECT_EQ(mergeForSync(lease(1, 1001), lease(1, 1000)), MergeAction::KeepLocal);
  // Only cltt counts (Kea): a newer local lease of another client stays.
  Lease other = lease(1, 2000);
  other.hwAddr = *HwAddr::parse("52:54:00:00:00:02");
  EXPECT_EQ(mergeForSync(other, lease(1, 1000)), MergeAction::KeepLocal);
}

TEST(LeaseMerge, UpdateAlwaysApplies) {
  EXPECT_EQ(mergeForUpdate(std::nullopt), MergeAction::Insert);
  EXPECT_EQ(mergeForUpdate(lease(1, 5000)), MergeAction::Overwrite);
}

TEST(LeaseMerge, UpdateSubnetChecks) {
  auto contains = [](std::uint32_t id, Ipv4 a) { return id == 1 && Prefix4{Ipv4(198, 18, 0, 0), 15}.contains(a); };
  auto select = [](Ipv4 a) -> std::uint32_t { return Prefix4{Ipv4(198, 18, 0, 0), 15}.contains(a) ? 1 : 0; };
  Lease l = lease(1);
  EXPECT_EQ(checkUpdateSubnet(l, contains, select).check, UpdateCheck::Ok);
  l.subnetId = 7;
  auto v = checkUpdateSubnet(l, contains, select);
  EXPECT_EQ(v.check, UpdateCheck::Conflict);
  EXPECT_NE(v.text.find("subnet 7"), std::string::npos);
  l.subnetId = 0;
  v = checkUpdateSubnet(l, contains, select);
  EXPECT_EQ(v.check, UpdateCheck::Ok);
  EXPECT_EQ(v.subnetId, 1u);
  l.address = Ipv4(10, 0, 0, 1);
  EXPECT_EQ(checkUpdateSubnet(l, contains, select).check, UpdateCheck::Conflict);
}

}  // namespace
}  // namespace tandem::sync
