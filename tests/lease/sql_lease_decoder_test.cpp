// One lease4 decoder for both SQL backends (lease/sql_lease_decoder.h): the same row in each
// text format reads as the same lease, and the same bad column gives the same error.
#include "dhcpd/lease/sql_lease_decoder.h"

#include <gtest/gtest.h>

#include "dhcpd/common/sql_text.h"

namespace tandem {
namespace {

struct Cells {
  std::array<std::optional<std::string>, SqlLease4Columns::kColumns> cells;
  SqlLeaseTextRow view() const {
    SqlLeaseTextRow r;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      if (cells[i]) r[i] = std::string_view(*cells[i]);
    }
    return r;
  }
};

// 198.18.0.10, hwaddr 0a:00:27:00:00:01, fqdn_fwd set, declined, as each server returns it.
Cells leaseCells(bool pgsql) {
  Cells c;
  c.cells = {std::string("3323068426"),
             pgsql ? std::string("\\x0a0027000001") : std::string("\x0a\x00\x27\x00\x00\x01", 6),
             pgsql ? std::optional<std::string>("\\x") : std::nullopt,  // no client-id: empty bytea / NULL
             std::string("3600"),
             std::string("1700003600"),
             std::string("7"),
             std::string(pgsql ? "t" : "1"),
             std::string(pgsql ? "f" : "0"),
             std::string("host-a"),
             std::string("1"),
             std::nullopt};
  return c;
}

Result<Lease> decode(bool pgsql, const Cells& c) {
  return pgsql ? decodeSqlLease<sql::PgsqlText>(c.view()) : decodeSqlLease<sql::MysqlText>(c.view());
}

TEST(SqlLeaseDecoder, BothFormatsReadTheSameLease) {
  auto pg = decode(true, leaseCells(true));
  auto my = decode(false, leaseCells(false));
  ASSERT_TRUE(pg) << pg.error().message;
  ASSERT_TRUE(my) << my.error().message;
  EXPECT_EQ(*pg, *my);
  EXPECT_EQ(my->address, Ipv4(198, 18, 0, 10));
  EXPECT_EQ(my->cltt, 1700000000);
  EXPECT_TRUE(my->fqdnFwd);
  EXPECT_FALSE(my->fqdnRev);
  EXPECT_EQ(my->state, LeaseState::Declined);
}

TEST(SqlLeaseDecoder, TheSameBadColumnGivesTheSameError) {
  struct Case {
    SqlLease4Columns::Column column;
    std::optional<std::string> value;
    std::string error;
  };
  const Case cases[] = {
      {SqlLease4Columns::kAddress, std::nullopt, "bad address (NULL)"},
      {SqlLease4Columns::kAddress, "-1", "bad address '-1'"},
      {SqlLease4Columns::kValidLifetime, std::nullopt, "bad valid_lifetime (NULL) (lease 198.18.0.10)"},
      {SqlLease4Columns::kValidLifetime, "4294967296", "bad valid_lifetime '4294967296' (lease 198.18.0.10)"},
      {SqlLease4Columns::kExpire, "soon", "bad expire 'soon' (lease 198.18.0.10)"},
      {SqlLease4Columns::kSubnetId, std::nullopt, "bad subnet_id (NULL) (lease 198.18.0.10)"},
      {SqlLease4Columns::kFqdnRev, "yes", "bad fqdn_rev 'yes' (lease 198.18.0.10)"},
      {SqlLease4Columns::kState, "3", "bad state '3' (lease 198.18.0.10)"},
      {SqlLease4Columns::kUserContext, "[1]", "bad user_context '[1]' (lease 198.18.0.10)"},
  };
  for (bool pgsql : {true, false}) {
    for (const auto& c : cases) {
      Cells cells = leaseCells(pgsql);
      cells.cells[c.column] = c.value;
      auto l = decode(pgsql, cells);
      ASSERT_FALSE(l) << (pgsql ? "PostgreSQL" : "MySQL") << " accepted column " << c.column;
      EXPECT_EQ(l.error().message, c.error) << (pgsql ? "PostgreSQL" : "MySQL");
    }
  }
}

TEST(SqlLeaseDecoder, FormatsDifferOnlyInBinaryAndBooleanCells) {
  // A MySQL boolean is any TINYINT; PostgreSQL's is t/f.
  Cells my = leaseCells(false);
  my.cells[SqlLease4Columns::kFqdnRev] = "2";
  EXPECT_TRUE(decode(false, my)->fqdnRev);
  Cells pg = leaseCells(true);
  pg.cells[SqlLease4Columns::kFqdnRev] = "1";
  EXPECT_FALSE(decode(true, pg));
  // Raw bytes are a MySQL hwaddr but not a PostgreSQL one.
  pg = leaseCells(true);
  pg.cells[SqlLease4Columns::kHwAddr] = std::string("\x0a\x00", 2);
  EXPECT_FALSE(decode(true, pg));
  my = leaseCells(false);
  my.cells[SqlLease4Columns::kHwAddr] = std::string(17, 'x');  // beyond chaddr's 16 bytes
  EXPECT_EQ(decode(false, my).error().message, "bad hwaddr 'xxxxxxxxxxxxxxxxx' (lease 198.18.0.10)");
}

}  // namespace
}  // namespace tandem
