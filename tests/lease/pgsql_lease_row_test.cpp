// Kea 2.2's lease4 row encoding (PgSqlLease4Exchange) both ways, without a database.
#include <gtest/gtest.h>

#include "dhcpd/lease/pgsql_lease_row.h"
#include "tests/lease/sql_sample_lease.h"

namespace tandem {
namespace {

Lease sample() { return testing::sqlSampleLease(); }

PgsqlTextRow asResult(const PgsqlLeaseRow& r) {
  PgsqlTextRow row;
  for (std::size_t i = 0; i < PgsqlLeaseRow::kColumns; ++i) row[i] = r.values[i];
  return row;
}

TEST(PgsqlLeaseRow, EncodesAsKeaDoes) {
  auto r = PgsqlLeaseRow::fromLease(sample());
  ASSERT_TRUE(r) << r.error().message;
  const auto& v = r->values;
  EXPECT_EQ(v[PgsqlLeaseRow::kAddress], "3323068426");  // 198.18.0.10 as an unsigned number
  EXPECT_EQ(v[PgsqlLeaseRow::kHwAddr], "\\x0a0027000001");
  EXPECT_EQ(v[PgsqlLeaseRow::kClientId], "\\x010a0027000001");
  EXPECT_EQ(v[PgsqlLeaseRow::kValidLifetime], "3600");
  EXPECT_EQ(v[PgsqlLeaseRow::kExpire], "1700003600");  // cltt + valid lifetime
  EXPECT_EQ(v[PgsqlLeaseRow::kSubnetId], "7");
  EXPECT_EQ(v[PgsqlLeaseRow::kFqdnFwd], "t");
  EXPECT_EQ(v[PgsqlLeaseRow::kFqdnRev], "f");
  EXPECT_EQ(v[PgsqlLeaseRow::kHostname], "host-a.example.org");
  EXPECT_EQ(v[PgsqlLeaseRow::kState], "1");
  EXPECT_EQ(v[PgsqlLeaseRow::kUserContext], R"({"ISC":{"client-classes":["a"]}})");
}

TEST(PgsqlLeaseRow, MissingIdentifiersAreEmptyByteaNotNull) {
  Lease l = sample();
  l.hwAddr = HwAddr{};
  l.clientId.clear();
  l.userContext.clear();
  auto r = PgsqlLeaseRow::fromLease(l);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->values[PgsqlLeaseRow::kHwAddr], "\\x");
  EXPECT_EQ(r->values[PgsqlLeaseRow::kClientId], "\\x");
  EXPECT_EQ(r->values[PgsqlLeaseRow::kUserContext], "");
}

TEST(PgsqlLeaseRow, InfiniteLifetimeStoresClttAsExpire) {
  Lease l = sample();
  l.validLifetime = kInfiniteLifetime;
  auto r = PgsqlLeaseRow::fromLease(l);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->values[PgsqlLeaseRow::kExpire], "1700000000");
  auto back = parsePgsqlLease(asResult(*r));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->cltt, l.cltt);
}

TEST(PgsqlLeaseRow, ExpiryBeyond2038IsRefusedAsKeaDoes) {
  Lease l = sample();
  l.cltt = kSqlMaxDbTime - 10;
  l.validLifetime = 11;
  EXPECT_FALSE(PgsqlLeaseRow::fromLease(l));
  l.validLifetime = 10;
  EXPECT_TRUE(PgsqlLeaseRow::fromLease(l));
}

TEST(PgsqlLeaseRow, RoundTrips) {
  const Lease l = sample();
  auto r = PgsqlLeaseRow::fromLease(l);
  ASSERT_TRUE(r);
  auto back = parsePgsqlLease(asResult(*r));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, l);
}

TEST(PgsqlLeaseRow, NullsReadAsKeaReadsThem) {
  auto r = PgsqlLeaseRow::fromLease(sample());
  ASSERT_TRUE(r);
  PgsqlTextRow row = asResult(*r);
  row[PgsqlLeaseRow::kClientId] = std::nullopt;
  row[PgsqlLeaseRow::kHostname] = std::nullopt;
  row[PgsqlLeaseRow::kUserContext] = std::nullopt;
  auto l = parsePgsqlLease(row);
  ASSERT_TRUE(l) << l.error().message;
  EXPECT_TRUE(l->clientId.empty());
  EXPECT_EQ(l->hostname, "");
  EXPECT_EQ(l->userContext, "");
  EXPECT_EQ(l->hwAddr.toString(), "0a:00:27:00:00:01");
}

TEST(PgsqlLeaseRow, BadColumnsAreNamed) {
  auto r = PgsqlLeaseRow::fromLease(sample());
  ASSERT_TRUE(r);
  auto bad = [&](PgsqlLeaseRow::Column c, std::optional<std::string_view> v) {
    PgsqlTextRow row = asResult(*r);
    row[c] = v;
    auto l = parsePgsqlLease(row);
    return l ? std::string("accepted") : l.error().message;
  };
  EXPECT_EQ(bad(PgsqlLeaseRow::kAddress, "4294967296"), "bad address '4294967296'");
  EXPECT_EQ(bad(PgsqlLeaseRow::kAddress, std::nullopt), "bad address (NULL)");
  EXPECT_EQ(bad(PgsqlLeaseRow::kHwAddr, "\\x0g"), "bad hwaddr '\\x0g' (lease 198.18.0.10)");
  EXPECT_EQ(bad(PgsqlLeaseRow::kHwAddr, "\\x00112233445566778899aabbccddeeff00"),
            "bad hwaddr '\\x00112233445566778899aabbccddeeff00' (lease 198.18.0.10)");  // 17 bytes
  EXPECT_EQ(bad(PgsqlLeaseRow::kState, "3"), "bad state '3' (lease 198.18.0.10)");
  EXPECT_EQ(bad(PgsqlLeaseRow::kUserContext, "[1]"), "bad user_context '[1]' (lease 198.18.0.10)");
  EXPECT_EQ(bad(PgsqlLeaseRow::kExpire, "soon"), "bad expire 'soon' (lease 198.18.0.10)");
}

TEST(PgsqlLeaseRow, ByteaHex) {
  const std::uint8_t b[] = {0x00, 0xff, 0x10};
  EXPECT_EQ(toByteaHex(b, 3), "\\x00ff10");
  EXPECT_EQ(fromByteaHex("\\x00FF10", 3), std::string("\x00\xff\x10", 3));
  EXPECT_FALSE(fromByteaHex("\\x00ff10", 2));
  EXPECT_FALSE(fromByteaHex("00ff", 8));
  EXPECT_FALSE(fromByteaHex("\\x0", 8));
}

}  // namespace
}  // namespace tandem
