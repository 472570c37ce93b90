// Kea 2.2's MySQL lease4 row encoding (MySqlLease4Exchange) and the guarded statements,
// without a database (the statements run against a real MariaDB in mysql_*_test.sh).
#include <gtest/gtest.h>

#include "dhcpd/lease/mysql_lease_row.h"
#include "tests/lease/sql_sample_lease.h"

namespace tandem {
namespace {

Lease sample() { return testing::sqlSampleLease(); }

// What the text protocol returns for the row (binary columns as raw bytes).
struct ResultRow {
  std::array<std::optional<std::string>, MysqlLeaseRow::kColumns> cells;
  MysqlTextRow view() const {
    MysqlTextRow r;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      if (cells[i]) r[i] = std::string_view(*cells[i]);
    }
    return r;
  }
};

ResultRow sampleResult() {
  ResultRow r;
  r.cells = {std::string("3323068426"),
             std::string("\x0a\x00\x27\x00\x00\x01", 6),
             std::string("\x01\x0a\x00\x27\x00\x00\x01", 7),
             std::string("3600"),
             std::string("1700003600"),
             std::string("7"),
             std::string("1"),
             std::string("0"),
             std::string("host-a.example.org"),
             std::string("1"),
             std::string(R"({"ISC":{"client-classes":["a"]}})")};
  return r;
}

TEST(MysqlLeaseRow, EncodesAsKeaDoes) {
  auto r = MysqlLeaseRow::fromLease(sample());
  ASSERT_TRUE(r) << r.error().message;
  const auto& v = r->literals;
  EXPECT_EQ(r->address, 3323068426u);
  EXPECT_EQ(v[MysqlLeaseRow::kAddress], "3323068426");  // 198.18.0.10 as an unsigned number
  EXPECT_EQ(v[MysqlLeaseRow::kHwAddr], "X'0a0027000001'");
  EXPECT_EQ(v[MysqlLeaseRow::kClientId], "X'010a0027000001'");
  EXPECT_EQ(v[MysqlLeaseRow::kValidLifetime], "3600");
  EXPECT_EQ(v[MysqlLeaseRow::kExpire], "FROM_UNIXTIME(1700003600)");  // cltt + valid lifetime
  EXPECT_EQ(v[MysqlLeaseRow::kSubnetId], "7");
  EXPECT_EQ(v[MysqlLeaseRow::kFqdnFwd], "1");
  EXPECT_EQ(v[MysqlLeaseRow::kFqdnRev], "0");
  EXPECT_EQ(v[MysqlLeaseRow::kHostname], mysqlHexLiteral("host-a.example.org"));
  EXPECT_EQ(v[MysqlLeaseRow::kState], "1");
  EXPECT_EQ(v[MysqlLeaseRow::kUserContext], mysqlHexLiteral(R"({"ISC":{"client-classes":["a"]}})"));
}

TEST(MysqlLeaseRow, MissingIdentifiersAndContextAreNull) {
  Lease l = sample();
  l.hwAddr = HwAddr{};
  l.clientId.clear();
  l.userContext.clear();
  l.hostname.clear();
  auto r = MysqlLeaseRow::fromLease(l);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->literals[MysqlLeaseRow::kHwAddr], "NULL");
  EXPECT_EQ(r->literals[MysqlLeaseRow::kClientId], "NULL");
  EXPECT_EQ(r->literals[MysqlLeaseRow::kUserContext], "NULL");
  EXPECT_EQ(r->literals[MysqlLeaseRow::kHostname], "X''");  // Kea: always a string
}

TEST(MysqlLeaseRow, HexLiteralsNeedNoEscaping) {
  EXPECT_EQ(mysqlHexLiteral(""), "X''");
  EXPECT_EQ(mysqlHexLiteral("a'b"), "X'612762'");
  const std::string lit = mysqlHexLiteral(std::string("\x00\xff'\\", 4));
  EXPECT_EQ(lit, "X'00ff275c'");
}

TEST(MysqlLeaseRow, InfiniteLifetimeStoresClttAsExpireAndFarExpiryIsRefused) {
  Lease l = sample();
  l.validLifetime = kInfiniteLifetime;
  auto r = MysqlLeaseRow::fromLease(l);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->literals[MysqlLeaseRow::kExpire], "FROM_UNIXTIME(1700000000)");
  l.validLifetime = 3600;
  l.cltt = 2147483647;
  auto bad = MysqlLeaseRow::fromLease(l);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("2038"), std::string::npos);
}

TEST(MysqlLeaseRow, ParsesWhatItWrites) {
  auto lease = parseMysqlLease(sampleResult().view());
  ASSERT_TRUE(lease) << lease.error().message;
  const Lease want = sample();
  EXPECT_EQ(lease->address, want.address);
  EXPECT_EQ(lease->hwAddr, want.hwAddr);
  EXPECT_EQ(lease->clientId, want.clientId);
  EXPECT_EQ(lease->validLifetime, want.validLifetime);
  EXPECT_EQ(lease->cltt, want.cltt);  // expire - valid lifetime
  EXPECT_EQ(lease->subnetId, want.subnetId);
  EXPECT_TRUE(lease->fqdnFwd);
  EXPECT_FALSE(lease->fqdnRev);
  EXPECT_EQ(lease->hostname, want.hostname);
  EXPECT_EQ(lease->state, LeaseState::Declined);
  EXPECT_EQ(lease->userContext, want.userContext);
}

TEST(MysqlLeaseRow, NullColumnsKeaWritesReadAsNone) {
  ResultRow r = sampleResult();
  r.cells[MysqlLeaseRow::kHwAddr].reset();
  r.cells[MysqlLeaseRow::kClientId].reset();
  r.cells[MysqlLeaseRow::kUserContext].reset();
  r.cells[MysqlLeaseRow::kHostname].reset();
  auto lease = parseMysqlLease(r.view());
  ASSERT_TRUE(lease) << lease.error().message;
  EXPECT_TRUE(lease->hwAddr.empty());
  EXPECT_TRUE(lease->clientId.empty());
  EXPECT_TRUE(lease->userContext.empty());
  EXPECT_TRUE(lease->hostname.empty());
}

TEST(MysqlLeaseRow, BadRowsAreNamed) {
  ResultRow r = sampleResult();
  r.cells[MysqlLeaseRow::kState] = "7";
  auto bad = parseMysqlLease(r.view());
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "bad state '7' (lease 198.18.0.10)");
  r = sampleResult();
  r.cells[MysqlLeaseRow::kUserContext] = "[1]";
  EXPECT_FALSE(parseMysqlLease(r.view()));
  r = sampleResult();
  r.cells[MysqlLeaseRow::kAddress].reset();
  auto noAddress = parseMysqlLease(r.view());
  ASSERT_FALSE(noAddress);
  EXPECT_EQ(noAddress.error().message, "bad address (NULL)");
  r = sampleResult();
  r.cells[MysqlLeaseRow::kExpire] = "soon";
  EXPECT_FALSE(parseMysqlLease(r.view()));
}

TEST(MysqlLeaseRow, StatementsCarryTheGuard) {
  auto r = MysqlLeaseRow::fromLease(sample());
  ASSERT_TRUE(r);
  const std::string upsert = mysqlUpsertSql(*r);
  EXPECT_EQ(upsert.rfind("INSERT INTO lease4 (address, hwaddr, client_id, valid_lifetime, expire, subnet_id, "
                         "fqdn_fwd, fqdn_rev, hostname, state, user_context) VALUES (3323068426, X'0a0027000001', ",
                         0),
            0u)
      << upsert;
  EXPECT_NE(upsert.find("ON DUPLICATE KEY UPDATE hwaddr = X'0a0027000001', client_id = X'010a0027000001', "
                        "valid_lifetime = 3600, expire = FROM_UNIXTIME(1700003600), subnet_id = 7"),
            std::string::npos)
      << upsert;
  const std::string insert = mysqlInsertUnmatchedSql(*r);
  EXPECT_EQ(insert.rfind("INSERT INTO lease4 (address, hwaddr, client_id, valid_lifetime, expire, subnet_id, "
                         "fqdn_fwd, fqdn_rev, hostname, state, user_context) SELECT 3323068426, X'0a0027000001', ",
                         0),
            0u)
      << insert;
  EXPECT_TRUE(insert.ends_with(" FROM DUAL WHERE ROW_COUNT() = 0")) << insert;
  EXPECT_EQ(insert.find("ON DUPLICATE"), std::string::npos);

  const std::string same = mysqlGuardedUpdateSql(*r, WriteGuard::SameClientOrFree);
  EXPECT_EQ(same.rfind("UPDATE lease4 SET hwaddr = X'0a0027000001', ", 0), 0u) << same;
  EXPECT_NE(same.find("WHERE address = 3323068426 AND (expire <= NOW() OR state = 2 OR "), std::string::npos) << same;
  EXPECT_NE(same.find("client_id = X'010a0027000001'"), std::string::npos) << same;
  EXPECT_NE(same.find("COALESCE(hwaddr, X'') = COALESCE(X'0a0027000001', X'')"), std::string::npos) << same;
  const std::string expired = mysqlGuardedUpdateSql(*r, WriteGuard::StillExpired);
  EXPECT_NE(expired.find("WHERE address = 3323068426 AND (expire <= NOW())"), std::string::npos) << expired;

  EXPECT_EQ(mysqlDeleteSql(*r, WriteGuard::None), "DELETE FROM lease4 WHERE address = 3323068426");
  EXPECT_EQ(mysqlDeleteSql(*r, WriteGuard::StillExpired),
            "DELETE FROM lease4 WHERE address = 3323068426 AND (expire <= NOW())");
  EXPECT_NE(mysqlDeleteSql(*r, WriteGuard::SameClientOrFree).find("state = 2"), std::string::npos);
}

}  // namespace
}  // namespace tandem
