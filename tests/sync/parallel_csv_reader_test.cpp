// ParallelCsvReader against leasesFromCsvInto, the one-thread reader it must equal: the same
// leases in the same order, the same error (the first bad row in text order, numbered alike),
// empty lines, reuse of the output's leases, and the split really used for big texts.
#include "sync/parallel_csv_reader.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dhcpd/lease/lease_csv.h"
#include "sync/tandem_sync_json.h"

namespace tandem::sync {
namespace {

Lease rowLease(std::uint32_t n) {
  Lease l;
  l.address = Ipv4(0x0a000001u + n);
  const std::uint8_t mac[6] = {0x02,
                               0x11,
                               static_cast<std::uint8_t>(n >> 24),
                               static_cast<std::uint8_t>(n >> 16),
                               static_cast<std::uint8_t>(n >> 8),
                               static_cast<std::uint8_t>(n)};
  l.hwAddr = HwAddr::fromBytes(mac);
  l.clientId = {0x01, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]};
  l.validLifetime = 864000;
  l.cltt = 1'750'000'000 - static_cast<std::int64_t>(n % 600);
  l.subnetId = 2;
  if (n % 3 == 0) l.hostname = "h" + std::to_string(n) + ".sync.test";
  l.fqdnFwd = l.fqdnRev = n % 3 == 0;
  return l;
}

std::string rowsOf(std::uint32_t count) {
  std::vector<Lease> leases;
  for (std::uint32_t i = 0; i < count; ++i) leases.push_back(rowLease(i));
  return leasesToCsv(leases);
}

// Big enough to be split (well over kMinParallelBytes).
constexpr std::uint32_t kRows = 20'000;

TEST(ParallelCsvReader, ReadsABigTextAsTheOneThreadReaderDoes) {
  const std::string text = rowsOf(kRows);
  ASSERT_GT(text.size(), 2 * ParallelCsvReader::kMinParallelBytes);
  ParallelCsvReader reader;
  std::vector<Lease> got, want;
  ASSERT_TRUE(reader.read(text, got).ok());
  ASSERT_TRUE(leasesFromCsvInto(text, want).ok());
  EXPECT_EQ(reader.splitReads(), 1u);
  ASSERT_EQ(got.size(), std::size_t{kRows});
  EXPECT_EQ(got, want);
  // Again into the same vector (its leases reused), then a shorter text: nothing stale.
  ASSERT_TRUE(reader.read(text, got).ok());
  EXPECT_EQ(got, want);
  const std::string shorter = rowsOf(kRows / 2);
  ASSERT_TRUE(reader.read(shorter, got).ok());
  ASSERT_TRUE(leasesFromCsvInto(shorter, want).ok());
  EXPECT_EQ(got, want);
  EXPECT_EQ(reader.splitReads(), 3u);
}

TEST(ParallelCsvReader, ASmallTextIsReadOnTheCallersThread) {
  const std::string text = rowsOf(10);
  ParallelCsvReader reader;
  std::vector<Lease> got, want;
  ASSERT_TRUE(reader.read(text, got).ok());
  ASSERT_TRUE(leasesFromCsvInto(text, want).ok());
  EXPECT_EQ(got, want);
  EXPECT_EQ(reader.splitReads(), 0u);
}

TEST(ParallelCsvReader, EmptyLinesAndNoFinalLineBreakAsTheOneThreadReader) {
  std::string text = rowsOf(kRows);
  // Empty lines early in the first half and in the second half, and a last row without '\n'.
  text.insert(0, "\n\n");
  text.insert(text.find('\n', 100) + 1, "\n");
  text.insert(text.find('\n', text.size() * 3 / 4) + 1, "\n\n\n");
  text.pop_back();
  ParallelCsvReader reader;
  std::vector<Lease> got, want;
  ASSERT_TRUE(reader.read(text, got).ok());
  ASSERT_TRUE(leasesFromCsvInto(text, want).ok());
  EXPECT_EQ(reader.splitReads(), 1u);
  ASSERT_EQ(got.size(), std::size_t{kRows});
  EXPECT_EQ(got, want);
}

// A bad row in either half, or one in each: the error names the first in text order with
// the one-thread reader's row number.
TEST(ParallelCsvReader, ABadRowIsReportedAsTheOneThreadReaderReportsIt) {
  const std::string good = rowsOf(kRows);
  auto spoil = [&](std::vector<double> where) {
    std::string t = good;
    for (double w : where) {
      const auto at = t.find('\n', static_cast<std::size_t>(static_cast<double>(t.size()) * w)) + 1;
      t.replace(at, t.find(',', at) - at, "10.0.0.x");  // a bad address
    }
    return t;
  };
  for (const auto& where : std::vector<std::vector<double>>{{0.1}, {0.49}, {0.51}, {0.9}, {0.2, 0.8}, {0.99}}) {
    const std::string text = spoil(where);
    ParallelCsvReader reader;
    std::vector<Lease> got, want;
    auto r = reader.read(text, got);
    auto w = leasesFromCsvInto(text, want);
    ASSERT_FALSE(r.ok());
    ASSERT_FALSE(w.ok());
    EXPECT_EQ(r.error().message, w.error().message) << where.front();
    EXPECT_EQ(reader.splitReads(), 1u);
  }
}

}  // namespace
}  // namespace tandem::sync
