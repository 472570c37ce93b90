#include "dhcpd/lease/memfile_loader.h"

#include <gtest/gtest.h>

#include "dhcpd/lease/lease_csv.h"
#include "dhcpd/lease/memory_lease_store.h"
#include "tests/lease/lease_test_util.h"

namespace tandem {
namespace {

using testing::makeLease;
using testing::TempDir;
using testing::writeFile;

std::string header() { return std::string(kKea22Lease4Header) + "\n"; }
std::string row(const Lease& l) { return formatLeaseCsvLine(l); }
std::string deletion(Lease l) {
  l.validLifetime = 0;
  return formatLeaseCsvLine(l);
}

TEST(MemfileLoader, LoadsPreviousThenInputThenCurrent) {
  TempDir dir;
  MemfilePaths p{dir.file("leases4.csv")};
  Lease a = makeLease(1), b = makeLease(2), c = makeLease(3);
  Lease a2 = a, b2 = b;
  a2.hostname = "from-input";
  b2.hostname = "from-current";
  writeFile(p.previous(), header() + row(a) + row(b) + row(c));
  writeFile(p.input(), header() + row(a2) + deletion(c));
  writeFile(p.current(), header() + row(b2));
  MemoryLeaseStore store;
  auto r = MemfileLoader::load(p, store);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->leasesLoaded, 2u);
  EXPECT_EQ(r->linesRead, 6u);
  EXPECT_EQ(r->corruptLines, 0u);
  EXPECT_EQ(store.byAddress(a.address), a2);
  EXPECT_EQ(store.byAddress(b.address), b2);
  EXPECT_FALSE(store.byAddress(c.address));
}

TEST(MemfileLoader, MissingFilesAreAnEmptyDatabase) {
  TempDir dir;
  MemoryLeaseStore store;
  ASSERT_TRUE(store.put(makeLease(1)).ok());
  auto r = MemfileLoader::load(MemfilePaths{dir.file("none.csv")}, store);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->leasesLoaded, 0u);
  EXPECT_EQ(store.size(), 0u);
}

TEST(MemfileLoader, CorruptRowsAreReportedAndSkipped) {
  TempDir dir;
  MemfilePaths p{dir.file("leases4.csv")};
  writeFile(p.current(), header() + row(makeLease(1)) + "198.18.0.999,01:02:03:04:05:06,,60,160,2,0,0,,0,\n" +
                             "garbage\n" + "\n" + row(makeLease(2)) +
                             "198.18.0.3,01:02:03:04:05:06,,60,160,2,0,0,,9,\n" + row(makeLease(4)));
  MemoryLeaseStore store;
  auto r = MemfileLoader::load(p, store);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->leasesLoaded, 3u);
  EXPECT_EQ(r->corruptLines, 3u);
  ASSERT_EQ(r->problems.size(), 3u);
  EXPECT_EQ(r->problems[0], "leases4.csv:3: bad address '198.18.0.999'");
  EXPECT_EQ(r->problems[1], "leases4.csv:4: expected 11 fields, found 1");
  EXPECT_EQ(r->problems[2], "leases4.csv:7: bad state '9'");
}

TEST(MemfileLoader, TornLastRowIsReportedCompleteLastRowLoads) {
  TempDir dir;
  MemfilePaths p{dir.file("leases4.csv")};
  std::string full = row(makeLease(2));
  writeFile(p.current(), header() + row(makeLease(1)) + full.substr(0, full.size() / 2));
  MemoryLeaseStore store;
  auto r = MemfileLoader::load(p, store);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(store.size(), 1u);
  EXPECT_EQ(r->corruptLines, 1u);

  writeFile(p.current(), header() + row(makeLease(1)) + full.substr(0, full.size() - 1));
  r = MemfileLoader::load(p, store);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(store.size(), 2u);
  EXPECT_EQ(r->corruptLines, 0u);
}

TEST(MemfileLoader, NewerKeaHeaderWithPoolId) {
  TempDir dir;
  MemfilePaths p{dir.file("leases4.csv")};
  writeFile(p.current(), std::string(kKea22Lease4Header) + ",pool_id\n" +
                             "198.18.0.7,01:02:03:04:05:06,,60,160,2,0,0,h&#x2cx,0,,5\n");
  MemoryLeaseStore store;
  auto r = MemfileLoader::load(p, store);
  ASSERT_TRUE(r.ok());
  auto l = store.byAddress(Ipv4(198, 18, 0, 7));
  ASSERT_TRUE(l);
  EXPECT_EQ(l->poolId, 5u);
  EXPECT_EQ(l->hostname, "h,x");
}

TEST(MemfileLoader, BadHeaderIsAnError) {
  TempDir dir;
  MemfilePaths p{dir.file("leases4.csv")};
  writeFile(p.current(), "address,duid,valid_lifetime\n");
  MemoryLeaseStore store;
  auto r = MemfileLoader::load(p, store);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("leases4.csv:1: not a lease4 file"), std::string::npos) << r.error().message;
}

TEST(MemfileLoader, VeryLongLineIsSkipped) {
  TempDir dir;
  MemfilePaths p{dir.file("leases4.csv")};
  writeFile(p.current(), header() + std::string(5 << 20, 'x') + "\n" + row(makeLease(1)));
  MemoryLeaseStore store;
  auto r = MemfileLoader::load(p, store);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(store.size(), 1u);
  EXPECT_EQ(r->corruptLines, 1u);
}

TEST(MemfileLoader, ReportsProgressPerChunkUpToTheWholeFile) {
  TempDir dir;
  MemfilePaths p{dir.file("leases4.csv")};
  std::string csv = std::string(kKea22Lease4Header) + "\n";
  // About 10 MB: three 4 MB chunks (60,000 leases fit in 198.18.0.0/16).
  for (std::uint32_t i = 0; i < 60'000; ++i) {
    Lease l = makeLease(i);
    l.hostname = std::string(80, 'h');
    csv += row(l);
  }
  writeFile(p.current(), csv);
  MemoryLeaseStore store;
  std::vector<LoadProgress> seen;
  auto r = MemfileLoader::load(p, store, [&](const LoadProgress& x) { seen.push_back(x); });
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_GE(seen.size(), 3u);
  EXPECT_EQ(seen.back().bytesDone, csv.size());
  EXPECT_EQ(seen.back().bytesTotal, csv.size());
  EXPECT_EQ(seen.back().file, p.current());
  for (std::size_t i = 1; i < seen.size(); ++i) EXPECT_GE(seen[i].bytesDone, seen[i - 1].bytesDone);
  EXPECT_GT(seen[seen.size() / 2].rows, 0u);
  EXPECT_LT(seen.front().rows, 60'000u);
  EXPECT_EQ(r->leasesLoaded, 60'000u);
}

}  // namespace
}  // namespace tandem
