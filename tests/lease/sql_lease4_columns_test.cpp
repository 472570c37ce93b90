// Kea 2.2's lease4 columns, written once for both SQL backends (lease/sql_lease4_columns.h):
// the expiry both encoders store, and the column order both SELECT lists and the decoder use.
#include "dhcpd/lease/sql_lease4_columns.h"

#include <gtest/gtest.h>

#include <string_view>

#include "dhcpd/lease/mysql_lease_row.h"
#include "dhcpd/lease/pgsql_lease_row.h"
#include "tests/lease/sql_sample_lease.h"

namespace tandem {
namespace {

TEST(SqlLease4Columns, ExpireIsClttPlusLifetimeOrClttWhenInfinite) {
  Lease l = testing::sqlSampleLease();
  auto e = SqlLease4Columns::expireOf(l);
  ASSERT_TRUE(e);
  EXPECT_EQ(*e, 1700003600);
  l.validLifetime = kInfiniteLifetime;  // Kea's INFINITY_LFT: expire = cltt
  e = SqlLease4Columns::expireOf(l);
  ASSERT_TRUE(e);
  EXPECT_EQ(*e, 1700000000);
}

TEST(SqlLease4Columns, ExpiryKeaCannotStoreIsAnError) {
  Lease l = testing::sqlSampleLease();
  l.cltt = kSqlMaxDbTime - 10;
  l.validLifetime = 10;
  EXPECT_TRUE(SqlLease4Columns::expireOf(l));
  l.validLifetime = 11;
  auto e = SqlLease4Columns::expireOf(l);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().message, "lease 198.18.0.10: expiry 2147483648 cannot be stored (beyond 2038-01-19, as in Kea)");
  l.cltt = -20;
  EXPECT_FALSE(SqlLease4Columns::expireOf(l)) << "before the epoch";
}

TEST(SqlLease4Columns, BothEncodersRefuseTheSameExpiry) {
  Lease l = testing::sqlSampleLease();
  l.cltt = kSqlMaxDbTime;
  auto pg = PgsqlLeaseRow::fromLease(l);
  auto my = MysqlLeaseRow::fromLease(l);
  ASSERT_FALSE(pg);
  ASSERT_FALSE(my);
  EXPECT_EQ(pg.error().message, my.error().message);
}

// Both backends' SELECT lists name the columns in SqlLease4Columns' order (only expire is read
// through a function, as epoch seconds).
TEST(SqlLease4Columns, SelectListsFollowTheColumnOrder) {
  for (std::string_view list : {kPgsqlLease4Columns, kMysqlLease4Columns}) {
    std::size_t at = 0;
    for (std::size_t c = 0; c < SqlLease4Columns::kColumns; ++c) {
      const std::size_t found = list.find(SqlLease4Columns::kNames[c], at);
      ASSERT_NE(found, std::string_view::npos) << SqlLease4Columns::kNames[c] << " in " << list;
      at = found + std::string_view(SqlLease4Columns::kNames[c]).size();
    }
  }
}

}  // namespace
}  // namespace tandem
