// Kea 2.2's MySQL lease4 row encoding (MySqlLease4Exchange) both ways, and the statements of a
// conditional write, without a database.
#include <gtest/gtest.h>

#include "dhcpd/lease/mysql_lease_row.h"

namespace tandem {
namespace {

Lease sample() {
  Lease l;
  l.address = Ipv4(198, 18, 0, 10);
  l.hwAddr = *HwAddr::parse("0a:00:27:00:00:01");
  l.clientId = {0x01, 0x0a, 0x00, 0x27, 0x00, 0x00, 0x01};
  l.validLifetime = 3600;
  l.cltt = 1700000000;
  l.subnetId = 7;
  l.fqdnFwd = true;
  l.fqdnRev = false;
  l.hostname = "host-a.example.org";
  l.state = LeaseState::Declined;
  l.userContext = R"({"ISC":{"client-classes":["a"]}})";
  return l;
}

// The text protocol's answer for the row the sample was written as (raw bytes for the
// VARBINARY columns, UNIX_TIMESTAMP(expire) in decimal, BOOL as 0/1).
struct Stored {
  std::string hw = std::string("\x0a\x00\x27\x00\x00\x01", 6);
  std::string cid = std::string("\x01\x0a\x00\x27\x00\x00\x01", 7);
  MysqlTextRow row() const {
    return {"3323068426", hw, cid, "3600", "1700003600", "7", "1", "0", "host-a.example.org", "1",
            R"({"ISC":{"client-classes":["a"]}})"};
  }
};

TEST(MysqlLeaseRow, EncodesAsKeaDoes) {
  auto r = MysqlLeaseRow::fromLease(sample());
  ASSERT_TRUE(r) << r.error().message;
  const auto& v = r->literals;
  EXPECT_EQ(v[MysqlLeaseRow::kAddress], "3323068426");  // 198.18.0.10 as INT UNSIGNED
  EXPECT_EQ(v[MysqlLeaseRow::kHwAddr], "X'0a0027000001'");
  EXPECT_EQ(v[MysqlLeaseRow::kClientId], "X'010a0027000001'");
  EXPECT_EQ(v[MysqlLeaseRow::kValidLifetime], "3600");
  EXPECT_EQ(v[MysqlLeaseRow::kExpire], "FROM_UNIXTIME(1700003600)");  // cltt + valid lifetime
  EXPECT_EQ(v[MysqlLeaseRow::kSubnetId], "7");
  EXPECT_EQ(v[MysqlLeaseRow::kFqdnFwd], "1");
  EXPECT_EQ(v[MysqlLeaseRow::kFqdnRev], "0");
  EXPECT_EQ(v[MysqlLeaseRow::kHostname], "X'686f73742d612e6578616d706c652e6f7267'");
  EXPECT_EQ(v[MysqlLeaseRow::kState], "1");
  EXPECT_EQ(v[MysqlLeaseRow::kUserContext], mysqlHexLiteral(reinterpret_cast<const std::uint8_t*>(
                                                                sample().userContext.data()),
                                                            sample().userContext.size()));
}

// Kea binds no hwaddr / client-id / user context as NULL, an empty hostname as ''.
TEST(MysqlLeaseRow, MissingValuesAreNullAsKeaWritesThem) {
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
  EXPECT_EQ(r->literals[MysqlLeaseRow::kHostname], "X''");
}

// No value reaches the statement as quoted text: a hostname with quotes, backslashes and a
// statement separator is one hex literal.
TEST(MysqlLeaseRow, HostileTextIsAHexLiteral) {
  Lease l = sample();
  l.hostname = "a'; DROP TABLE lease4; -- \\";
  auto r = MysqlLeaseRow::fromLease(l);
  ASSERT_TRUE(r);
  const std::string& h = r->literals[MysqlLeaseRow::kHostname];
  EXPECT_EQ(h.substr(0, 2), "X'");
  EXPECT_EQ(h.find('\'', 2), h.size() - 1);
  EXPECT_EQ(h.find(';'), std::string::npos);
  for (const auto& s : r->upsertStatements(WriteGuard::SameClientOrFree)) EXPECT_EQ(s.find("DROP"), std::string::npos);
}

TEST(MysqlLeaseRow, InfiniteLifetimeStoresClttAsExpire) {
  Lease l = sample();
  l.validLifetime = kInfiniteLifetime;
  auto r = MysqlLeaseRow::fromLease(l);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->literals[MysqlLeaseRow::kExpire], "FROM_UNIXTIME(1700000000)");
  Stored s;
  auto row = s.row();
  row[MysqlLeaseRow::kValidLifetime] = "4294967295";
  row[MysqlLeaseRow::kExpire] = "1700000000";
  auto back = parseMysqlLease(row);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->cltt, 1700000000);
  EXPECT_EQ(back->validLifetime, kInfiniteLifetime);
}

TEST(MysqlLeaseRow, ValuesKeaCannotStoreAreRefused) {
  Lease l = sample();
  l.cltt = kSqlMaxDbTime - 10;  // expiry past 2038-01-19
  EXPECT_FALSE(MysqlLeaseRow::fromLease(l));
  l = sample();
  l.clientId.assign(129, 1);  // client_id VARBINARY(128)
  EXPECT_FALSE(MysqlLeaseRow::fromLease(l));
  l.clientId.assign(128, 1);
  EXPECT_TRUE(MysqlLeaseRow::fromLease(l));
  l.hostname.assign(256, 'h');
  EXPECT_FALSE(MysqlLeaseRow::fromLease(l));
}

TEST(MysqlLeaseRow, ParsesWhatKeaStores) {
  Stored s;
  auto l = parseMysqlLease(s.row());
  ASSERT_TRUE(l) << l.error().message;
  EXPECT_EQ(*l, sample());
}

TEST(MysqlLeaseRow, NullsReadAsKeaReadsThem) {
  Stored s;
  auto row = s.row();
  row[MysqlLeaseRow::kHwAddr] = std::nullopt;
  row[MysqlLeaseRow::kClientId] = std::nullopt;
  row[MysqlLeaseRow::kHostname] = std::nullopt;
  row[MysqlLeaseRow::kUserContext] = std::nullopt;
  row[MysqlLeaseRow::kFqdnFwd] = std::nullopt;
  auto l = parseMysqlLease(row);
  ASSERT_TRUE(l) << l.error().message;
  EXPECT_TRUE(l->hwAddr.empty());
  EXPECT_TRUE(l->clientId.empty());
  EXPECT_EQ(l->hostname, "");
  EXPECT_EQ(l->userContext, "");
  EXPECT_FALSE(l->fqdnFwd);
}

TEST(MysqlLeaseRow, BadColumnsAreNamed) {
  Stored s;
  auto bad = [&](MysqlLeaseRow::Column c, std::optional<std::string_view> v) {
    auto row = s.row();
    row[c] = v;
    auto l = parseMysqlLease(row);
    return l ? std::string("accepted") : l.error().message;
  };
  EXPECT_EQ(bad(MysqlLeaseRow::kAddress, "4294967296"), "bad address '4294967296'");
  EXPECT_EQ(bad(MysqlLeaseRow::kAddress, std::nullopt), "bad address (NULL)");
  EXPECT_EQ(bad(MysqlLeaseRow::kHwAddr, "0123456789abcdefX"), "bad hwaddr '0123456789abcdefX' (lease 198.18.0.10)");
  EXPECT_EQ(bad(MysqlLeaseRow::kState, "3"), "bad state '3' (lease 198.18.0.10)");
  EXPECT_EQ(bad(MysqlLeaseRow::kUserContext, "[1]"), "bad user_context '[1]' (lease 198.18.0.10)");
  EXPECT_EQ(bad(MysqlLeaseRow::kExpire, "soon"), "bad expire 'soon' (lease 198.18.0.10)");
  EXPECT_EQ(bad(MysqlLeaseRow::kFqdnRev, "yes"), "bad fqdn_rev 'yes' (lease 198.18.0.10)");
}

TEST(MysqlLeaseRow, RoundTrips) {
  // What fromLease writes, read back as the database returns it.
  Lease l = sample();
  l.state = LeaseState::ExpiredReclaimed;
  l.fqdnRev = true;
  Stored s;
  auto row = s.row();
  row[MysqlLeaseRow::kState] = "2";
  row[MysqlLeaseRow::kFqdnRev] = "1";
  auto back = parseMysqlLease(row);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, l);
}

// An unguarded write is Kea's insert-or-update in one statement.
TEST(MysqlLeaseRow, UnguardedUpsertIsOneStatement) {
  auto r = MysqlLeaseRow::fromLease(sample());
  ASSERT_TRUE(r);
  auto st = r->upsertStatements(WriteGuard::None);
  ASSERT_EQ(st.size(), 1u);
  EXPECT_EQ(st[0].rfind("INSERT INTO lease4 (address, hwaddr, client_id, valid_lifetime, expire, subnet_id, "
                        "fqdn_fwd, fqdn_rev, hostname, state, user_context) VALUES (3323068426, X'0a0027000001', ",
                        0),
            0u)
      << st[0];
  EXPECT_NE(st[0].find("ON DUPLICATE KEY UPDATE hwaddr = VALUES(hwaddr)"), std::string::npos);
  EXPECT_NE(st[0].find("user_context = VALUES(user_context)"), std::string::npos);
}

// A guarded write: UPDATE only where the stored row is free or the same client's, then an
// INSERT that leaves an existing row alone.
TEST(MysqlLeaseRow, GuardedUpsertChecksTheStoredRow) {
  auto r = MysqlLeaseRow::fromLease(sample());
  ASSERT_TRUE(r);
  auto st = r->upsertStatements(WriteGuard::SameClientOrFree);
  ASSERT_EQ(st.size(), 2u);
  EXPECT_EQ(st[0].rfind("UPDATE lease4 SET hwaddr = X'0a0027000001', ", 0), 0u) << st[0];
  EXPECT_NE(st[0].find("WHERE address = 3323068426 AND (state = 2 OR (valid_lifetime <> 4294967295 AND "
                       "UNIX_TIMESTAMP(expire) <= UNIX_TIMESTAMP()) OR ((IFNULL(LENGTH(client_id), 0) > 0 AND "
                       "client_id = X'010a0027000001') OR (IFNULL(LENGTH(client_id), 0) = 0 AND hwaddr = "
                       "X'0a0027000001')))"),
            std::string::npos)
      << st[0];
  EXPECT_NE(st[1].find("ON DUPLICATE KEY UPDATE address = address"), std::string::npos) << st[1];

  // Without a client-id the hardware address decides.
  Lease l = sample();
  l.clientId.clear();
  auto noCid = MysqlLeaseRow::fromLease(l);
  ASSERT_TRUE(noCid);
  EXPECT_NE(noCid->upsertStatements(WriteGuard::SameClientOrFree)[0].find(
                "UNIX_TIMESTAMP()) OR hwaddr = X'0a0027000001')"),
            std::string::npos);
  // Reclamation: only while the row is still expired.
  EXPECT_NE(r->upsertStatements(WriteGuard::StillExpired)[0].find(
                "WHERE address = 3323068426 AND (valid_lifetime <> 4294967295 AND UNIX_TIMESTAMP(expire) <= "
                "UNIX_TIMESTAMP())"),
            std::string::npos);
}

TEST(MysqlLeaseRow, DeleteStatements) {
  auto r = MysqlLeaseRow::fromLease(sample());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->deleteStatement(WriteGuard::None), "DELETE FROM lease4 WHERE address = 3323068426 AND TRUE");
  EXPECT_NE(r->deleteStatement(WriteGuard::SameClientOrFree).find("client_id = X'010a0027000001'"), std::string::npos);
}

TEST(MysqlLeaseRow, RowsMatchedFromMysqlInfo) {
  EXPECT_EQ(mysqlRowsMatched("Rows matched: 1  Changed: 0  Warnings: 0"), 1u);
  EXPECT_EQ(mysqlRowsMatched("Rows matched: 0  Changed: 0  Warnings: 0"), 0u);
  EXPECT_EQ(mysqlRowsMatched("Records: 3  Duplicates: 0  Warnings: 0"), std::nullopt);
  EXPECT_EQ(mysqlRowsMatched(""), std::nullopt);
}

TEST(MysqlLeaseRow, HexLiteral) {
  const std::uint8_t b[] = {0x00, 0xff, 0x10};
  EXPECT_EQ(mysqlHexLiteral(b, 3), "X'00ff10'");
  EXPECT_EQ(mysqlHexLiteral(b, 0), "X''");
}

}  // namespace
}  // namespace tandem
