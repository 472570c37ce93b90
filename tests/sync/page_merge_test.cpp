#include "sync/page_merge.h"

#include <gtest/gtest.h>

#include "dhcpd/lease/memory_lease_store.h"
#include "sync/pull_session.h"

namespace tandem::sync {
namespace {

Lease lease(std::uint8_t host, std::int64_t cltt, std::string hostname = "") {
  Lease l;
  l.address = Ipv4(198, 18, 16, host);
  l.hwAddr = HwAddr::fromBytes(std::vector<std::uint8_t>{0x52, 0x54, 0, 0, 1, host});
  l.validLifetime = 3600;
  l.cltt = cltt;
  l.subnetId = 1;
  l.hostname = std::move(hostname);
  return l;
}

std::vector<std::uint8_t> hosts(const std::vector<Lease>& leases) {
  std::vector<std::uint8_t> out;
  for (const Lease& l : leases) out.push_back(static_cast<std::uint8_t>(l.address.value & 0xff));
  return out;
}

// Ours: .1 cltt 100, .2 cltt 200, .3 cltt 300 (hostname "a").
class PageMergeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const Lease& l : {lease(1, 100), lease(2, 200), lease(3, 300, "a")}) ASSERT_TRUE(store.put(l));
  }
  MemoryLeaseStore store;
};

TEST_F(PageMergeTest, APageWritesOnlyLeasesAbsentOrNewerThanOurs) {
  std::vector<Lease> page = {lease(1, 101), lease(2, 200), lease(3, 299), lease(4, 1), lease(3, 300, "b")};
  const std::vector<Lease> before = page;
  keepSyncWinners(store, page);
  EXPECT_EQ(hosts(page), (std::vector<std::uint8_t>{1, 4}));
  // The same decisions as mergeForSync, lease by lease.
  std::vector<std::uint8_t> expected;
  for (const Lease& l : before) {
    if (mergeForSync(store.byAddress(l.address), l) != MergeAction::KeepLocal) {
      expected.push_back(static_cast<std::uint8_t>(l.address.value & 0xff));
    }
  }
  EXPECT_EQ(hosts(page), expected);
  EXPECT_EQ(page[0], lease(1, 101));
}

TEST_F(PageMergeTest, AChangeWinsTiesButAnIdenticalLeaseIsNotWrittenAgain) {
  std::vector<Lease> changes = {lease(1, 100),       // identical: nothing to write
                                lease(2, 200, "x"),  // same cltt, different lease: the change wins
                                lease(3, 299, "a"),  // older than ours: kept out
                                lease(3, 301, "a"),  // newer
                                lease(5, 1)};        // absent here
  keepChangeWinners(store, changes);
  EXPECT_EQ(hosts(changes), (std::vector<std::uint8_t>{2, 3, 5}));
  EXPECT_EQ(changes[1].cltt, 301);
  // Everything mergeChange lets through except the identical lease.
  EXPECT_EQ(mergeChange(store.byAddress(Ipv4(198, 18, 16, 1)), lease(1, 100)), MergeAction::Overwrite);
}

// A pull's pages tell whether the partner held every lease we held (sync/page_merge.h).
TEST_F(PageMergeTest, CoverageCountsOurLeasesThePagesHadAndWhetherOursDiffered) {
  PullCoverage c;
  std::vector<Lease> page = {lease(1, 100), lease(4, 1)};
  keepSyncWinners(store, page, &c);
  EXPECT_EQ(c.seenHere, 1u);
  EXPECT_FALSE(c.oursDiffer);
  page = {lease(2, 250), lease(3, 300, "a")};  // theirs newer; identical
  keepSyncWinners(store, page, &c);
  EXPECT_EQ(c.seenHere, 3u);
  EXPECT_FALSE(c.oursDiffer);
  for (const auto& p : {std::vector<Lease>{lease(3, 299, "a")}, std::vector<Lease>{lease(3, 300, "b")}}) {
    PullCoverage d;
    auto copy = p;
    keepSyncWinners(store, copy, &d);  // ours newer; a tie with another lease
    EXPECT_TRUE(d.oursDiffer);
  }
}

TEST_F(PageMergeTest, EmptyInputsStayEmpty) {
  std::vector<Lease> none;
  keepSyncWinners(store, none);
  keepChangeWinners(store, none);
  EXPECT_TRUE(none.empty());
}

}  // namespace
}  // namespace tandem::sync
