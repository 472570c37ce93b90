// One MySQL journal transaction as multi-statement queries (dhcpd/lease/mysql_batch.h): the
// statements in order, won and lost guarded writes read from each statement's outcome, the
// rest of the batch resumed after a key refusal, and the failures that end it. The server's
// side (ROW_COUNT(), CLIENT_FOUND_ROWS, stopping at the first error) is checked against
// MariaDB by the mysql_shared_test, mysql_lease_test and mysql_faults_test ctests.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dhcpd/lease/mysql_batch.h"

namespace tandem {
namespace {

MysqlLeaseRow rowFor(std::uint8_t last) {
  Lease l;
  l.address = Ipv4(198, 18, 0, last);
  l.hwAddr = *HwAddr::parse("0a:00:27:00:00:01");
  l.validLifetime = 3600;
  l.cltt = 1700000000;
  l.subnetId = 1;
  auto r = MysqlLeaseRow::fromLease(l);
  EXPECT_TRUE(r);
  return *r;
}

std::vector<std::string> statements(const std::string& query) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = query.find(";\n", start);
    out.push_back(query.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) return out;
    start = end + 2;
  }
}

struct Fixture {
  std::vector<MysqlLeaseRow> rows{rowFor(10), rowFor(11), rowFor(12)};
  // 0: guarded write, 1: unguarded write, 2: guarded delete.
  std::vector<MysqlBatch::Write> writes{{false, WriteGuard::SameClientOrFree, &rows[0]},
                                        {false, WriteGuard::None, &rows[1]},
                                        {true, WriteGuard::StillExpired, &rows[2]}};
};

TEST(MysqlBatch, OneQueryHoldsTheWholeTransaction) {
  Fixture f;
  MysqlBatch b(f.writes);
  const auto s = statements(b.nextQuery());
  ASSERT_EQ(s.size(), 6u);
  EXPECT_EQ(s[0], "START TRANSACTION");
  EXPECT_EQ(s[1], mysqlGuardedUpdateSql(f.rows[0], WriteGuard::SameClientOrFree));
  EXPECT_EQ(s[2], mysqlInsertUnmatchedSql(f.rows[0]));
  EXPECT_EQ(s[3], mysqlUpsertSql(f.rows[1]));
  EXPECT_EQ(s[4], mysqlDeleteSql(f.rows[2], WriteGuard::StillExpired));
  EXPECT_EQ(s[5], "COMMIT");
  EXPECT_FALSE(b.done());
}

TEST(MysqlBatch, WonWritesAreNotLost) {
  Fixture f;
  MysqlBatch b(f.writes);
  // A new address: the UPDATE matches nothing, the INSERT adds the row; the delete matches.
  const std::uint64_t affected[] = {0, 0, 1, 1, 1, 0};
  for (std::size_t i = 0; i < 6; ++i) b.onResult(i, affected[i]);
  b.onCompleted();
  EXPECT_TRUE(b.done());
  EXPECT_TRUE(b.unmatched().empty());

  // A renewal: the UPDATE matches (identical values too: CLIENT_FOUND_ROWS), no INSERT.
  MysqlBatch r(f.writes);
  const std::uint64_t renewal[] = {0, 1, 0, 1, 1, 0};
  for (std::size_t i = 0; i < 6; ++i) r.onResult(i, renewal[i]);
  r.onCompleted();
  EXPECT_TRUE(r.unmatched().empty());
}

TEST(MysqlBatch, AKeyRefusalLosesThatWriteAndTheRestGoesOn) {
  Fixture f;
  MysqlBatch b(f.writes);
  b.onResult(0, 0);
  b.onResult(1, 0);  // the guard kept another client's row
  EXPECT_EQ(b.onError(2, /*duplicateKey=*/true), MysqlBatch::Failure::Resume);
  EXPECT_FALSE(b.done());
  // The next query starts after the refused INSERT and ends with COMMIT.
  const auto s = statements(b.nextQuery());
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0], mysqlUpsertSql(f.rows[1]));
  EXPECT_EQ(s[2], "COMMIT");
  // Indexes are the new query's; the guarded delete matches nothing: lost too.
  b.onResult(0, 1);
  b.onResult(1, 0);
  b.onResult(2, 0);
  b.onCompleted();
  EXPECT_EQ(b.unmatched(), (std::vector<std::size_t>{0, 2}));
}

TEST(MysqlBatch, ARefusedInsertAfterAMatchedUpdateStillWon) {
  Fixture f;
  MysqlBatch b(f.writes);
  b.onResult(0, 0);
  b.onResult(1, 1);
  EXPECT_EQ(b.onError(2, true), MysqlBatch::Failure::Resume);
  EXPECT_TRUE(b.unmatched().empty());
}

TEST(MysqlBatch, NeitherUpdatedNorInsertedIsLost) {
  Fixture f;
  MysqlBatch b(f.writes);
  const std::uint64_t affected[] = {0, 0, 0, 1, 1, 0};
  for (std::size_t i = 0; i < 6; ++i) b.onResult(i, affected[i]);
  EXPECT_EQ(b.unmatched(), (std::vector<std::size_t>{0}));
}

TEST(MysqlBatch, OtherFailuresEndTheBatch) {
  Fixture f;
  MysqlBatch b(f.writes);
  b.onResult(0, 0);
  b.onResult(1, 0);
  b.onResult(2, 1);
  EXPECT_EQ(b.onError(3, /*duplicateKey=*/false), MysqlBatch::Failure::Statement);
  EXPECT_EQ(b.failedWrite(), 1u);
  // A duplicate key on anything but the guarded INSERT is a refused statement too.
  MysqlBatch d(f.writes);
  EXPECT_EQ(d.onError(3, true), MysqlBatch::Failure::Statement);
  EXPECT_EQ(d.failedWrite(), 1u);
  MysqlBatch c(f.writes);
  EXPECT_EQ(c.onError(5, false), MysqlBatch::Failure::Commit);
  MysqlBatch s(f.writes);
  EXPECT_EQ(s.onError(0, false), MysqlBatch::Failure::Statement);
  EXPECT_EQ(s.failedWrite(), 0u);
}

}  // namespace
}  // namespace tandem
