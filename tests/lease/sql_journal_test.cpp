// The SQL backends' shared journal (batching, durableSeq, lost and refused writes, transient
// aborts, reconnection and on-fail states, back-pressure) against a scripted session.
#include <gtest/gtest.h>

#include <chrono>
#include <deque>
#include <map>
#include <optional>
#include <thread>

#include "dhcpd/lease/sql_journal.h"

namespace tandem {
namespace {

using Outcome = SqlSession::Outcome;

// What the fake database holds and answers; shared by every session the connector opens.
struct FakeDb {
  std::mutex mu;
  std::map<std::uint32_t, Lease> rows;
  std::deque<SqlSession::BatchResult> script;  // the next answers (empty: commit)
  std::vector<std::size_t> batchSizes;
  int connectFailures = 0;  // connection attempts that fail before one succeeds
  int connects = 0;
  bool hold = false;        // write() blocks while set (a slow database)
  std::optional<std::uint32_t> refuse;  // once: the batch holding this address is refused there
};

class FakeSession : public SqlSession {
 public:
  explicit FakeSession(FakeDb& db) : db_(db) {}
  BatchResult write(const std::vector<SqlWrite>& batch) override {
    while (true) {
      std::lock_guard lk(db_.mu);
      if (!db_.hold) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    std::lock_guard lk(db_.mu);
    db_.batchSizes.push_back(batch.size());
    BatchResult r;
    for (std::size_t i = 0; db_.refuse && i < batch.size(); ++i) {
      if (batch[i].lease.address.value != *db_.refuse) continue;
      db_.refuse.reset();
      r.outcome = Outcome::Rejected;
      r.bad = i;
      r.message = "Data too long for column 'hostname'";
      return r;
    }
    if (!db_.script.empty()) {
      r = db_.script.front();
      db_.script.pop_front();
    }
    if (r.outcome == Outcome::Committed) {
      for (std::size_t i = 0; i < batch.size(); ++i) {
        if (std::find(r.unmatched.begin(), r.unmatched.end(), i) != r.unmatched.end()) continue;
        if (batch[i].remove) {
          db_.rows.erase(batch[i].lease.address.value);
        } else {
          db_.rows[batch[i].lease.address.value] = batch[i].lease;
        }
      }
    }
    return r;
  }
  Result<std::optional<Lease>> get(Ipv4 a) override {
    std::lock_guard lk(db_.mu);
    auto it = db_.rows.find(a.value);
    if (it == db_.rows.end()) return std::optional<Lease>();
    return std::optional<Lease>(it->second);
  }

 private:
  FakeDb& db_;
};

Lease lease(std::uint8_t last, std::uint8_t mac = 1) {
  Lease l;
  l.address = Ipv4(198, 18, 0, last);
  l.hwAddr = HwAddr::fromBytes(std::vector<std::uint8_t>{2, 0, 0, 0, 0, mac});
  l.validLifetime = 600;
  l.cltt = 1700000000;
  l.subnetId = 1;
  return l;
}

std::unique_ptr<SqlJournal> open(FakeDb& db, SqlJournal::Options o = {}) {
  return SqlJournal::open(o, std::make_unique<FakeSession>(db), [&db]() -> Result<std::unique_ptr<SqlSession>> {
    std::lock_guard lk(db.mu);
    ++db.connects;
    if (db.connectFailures > 0) {
      --db.connectFailures;
      return makeError("connection refused");
    }
    return std::unique_ptr<SqlSession>(std::make_unique<FakeSession>(db));
  });
}

template <typename F>
bool eventually(F f) {
  for (int i = 0; i < 2000; ++i) {
    if (f()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return f();
}

TEST(SqlJournal, CommitsAdvanceDurableSeqInBatches) {
  FakeDb db;
  db.hold = true;
  auto j = open(db);
  std::vector<std::uint64_t> seen;
  std::mutex m;
  j->setOnDurable([&](std::uint64_t s) {
    std::lock_guard lk(m);
    seen.push_back(s);
  });
  for (std::uint8_t i = 10; i < 30; ++i) j->append(lease(i));
  EXPECT_EQ(j->lastSeq(), 20u);
  {
    std::lock_guard lk(db.mu);
    db.hold = false;
  }
  ASSERT_TRUE(j->flush());
  EXPECT_EQ(j->durableSeq(), 20u);
  EXPECT_EQ(db.rows.size(), 20u);
  // The first batch may hold one write (taken before the hold), the rest go together.
  EXPECT_LE(db.batchSizes.size(), 2u);
  EXPECT_EQ(j->counters().committed, 20u);
  std::lock_guard lk(m);
  EXPECT_EQ(seen.back(), 20u);
}

TEST(SqlJournal, UnmatchedGuardedWriteIsLostWithTheWinningRow) {
  FakeDb db;
  db.rows[lease(10).address.value] = lease(10, 9);  // another server's client holds .10
  SqlSession::BatchResult r;
  r.unmatched = {0};
  db.script.push_back(r);
  auto j = open(db);
  const auto seq = j->appendGuarded(lease(10, 1), false, WriteGuard::SameClientOrFree);
  ASSERT_TRUE(j->flush());
  auto lost = j->takeLost();
  ASSERT_EQ(lost.size(), 1u);
  EXPECT_EQ(lost[0].seq, seq);
  EXPECT_EQ(lost[0].address, lease(10).address);
  ASSERT_TRUE(lost[0].current);
  EXPECT_EQ(lost[0].current->hwAddr, lease(10, 9).hwAddr);
  EXPECT_EQ(j->counters().lost, 1u);
}

TEST(SqlJournal, UnmatchedDeleteOfAGoneRowIsNotLost) {
  FakeDb db;
  SqlSession::BatchResult r;
  r.unmatched = {0};
  db.script.push_back(r);
  auto j = open(db);
  j->appendGuarded(lease(10), true, WriteGuard::SameClientOrFree);
  ASSERT_TRUE(j->flush());
  EXPECT_TRUE(j->takeLost().empty());
}

TEST(SqlJournal, RefusedWriteIsDroppedAndTheRestSentAgain) {
  FakeDb db;
  db.refuse = lease(11).address.value;
  db.hold = true;
  auto j = open(db);
  j->append(lease(10));
  const auto bad = j->append(lease(11));
  j->append(lease(12));
  {
    std::lock_guard lk(db.mu);
    db.hold = false;
  }
  ASSERT_TRUE(eventually([&] { return j->durableSeq() == 3; }));
  EXPECT_EQ(db.rows.count(lease(11).address.value), 0u);
  EXPECT_EQ(db.rows.size(), 2u);
  auto lost = j->takeLost();
  ASSERT_EQ(lost.size(), 1u);
  EXPECT_EQ(lost[0].seq, bad);
  EXPECT_FALSE(lost[0].current);
  auto rej = j->takeRejections();
  ASSERT_EQ(rej.size(), 1u);
  EXPECT_EQ(rej[0], "lease 198.18.0.11: Data too long for column 'hostname'");
  EXPECT_EQ(j->counters().rejected, 1u);
}

TEST(SqlJournal, AbortedTransactionIsSentAgainWhole) {
  FakeDb db;
  SqlSession::BatchResult r;
  r.outcome = Outcome::Retry;
  r.message = "Deadlock found when trying to get lock";
  db.script.push_back(r);
  auto j = open(db);
  j->append(lease(10));
  ASSERT_TRUE(j->flush());
  EXPECT_EQ(db.rows.size(), 1u);
  EXPECT_EQ(j->counters().retried, 1u);
  EXPECT_TRUE(j->takeLost().empty());
  EXPECT_EQ(j->state(), SqlJournal::State::Connected);
}

TEST(SqlJournal, ConnectionLossStopsServingAndReconnects) {
  FakeDb db;
  SqlSession::BatchResult r;
  r.outcome = Outcome::ConnectionLost;
  r.message = "Lost connection to server during query";
  db.script.push_back(r);
  db.connectFailures = 2;
  SqlJournal::Options o;
  o.maxReconnectTries = 5;
  o.reconnectWaitTime = 200;  // the reconnecting state lasts ~0.6 s: long enough to observe
  auto j = open(db, o);
  j->append(lease(10));
  ASSERT_TRUE(eventually([&] { return j->state() == SqlJournal::State::Reconnecting; }));
  EXPECT_TRUE(j->failing());
  EXPECT_EQ(j->durableSeq(), 0u);  // nothing is acknowledged while the database is away
  ASSERT_TRUE(eventually([&] { return j->durableSeq() == 1; }));
  EXPECT_EQ(j->state(), SqlJournal::State::Connected);
  EXPECT_FALSE(j->failing());
  EXPECT_EQ(db.rows.size(), 1u);
  const auto c = j->counters();
  EXPECT_EQ(c.connectionLosses, 1u);
  EXPECT_EQ(c.reconnects, 1u);
  EXPECT_EQ(c.reconnectAttempts, 3u);
}

TEST(SqlJournal, GivesUpAfterMaxReconnectTries) {
  FakeDb db;
  SqlSession::BatchResult r;
  r.outcome = Outcome::ConnectionLost;
  db.script.push_back(r);
  db.connectFailures = 100;
  SqlJournal::Options o;
  o.maxReconnectTries = 2;
  o.reconnectWaitTime = 5;
  auto j = open(db, o);
  j->append(lease(10));
  ASSERT_TRUE(eventually([&] { return j->state() == SqlJournal::State::Failed; }));
  EXPECT_FALSE(j->flush());
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  std::lock_guard lk(db.mu);
  EXPECT_EQ(db.connects, 2);  // stop-retry-exit / serve-retry-exit: no more attempts
}

TEST(SqlJournal, ServeRetryContinueKeepsTrying) {
  FakeDb db;
  SqlSession::BatchResult r;
  r.outcome = Outcome::ConnectionLost;
  db.script.push_back(r);
  db.connectFailures = 4;
  SqlJournal::Options o;
  o.maxReconnectTries = 2;
  o.reconnectWaitTime = 5;
  o.retryForever = true;
  auto j = open(db, o);
  j->append(lease(10));
  ASSERT_TRUE(eventually([&] { return j->durableSeq() == 1; }));
  EXPECT_EQ(j->state(), SqlJournal::State::Connected);
}

TEST(SqlJournal, MaxReconnectTriesZeroFailsAtOnce) {
  FakeDb db;
  SqlSession::BatchResult r;
  r.outcome = Outcome::ConnectionLost;
  db.script.push_back(r);
  auto j = open(db);
  j->append(lease(10));
  ASSERT_TRUE(eventually([&] { return j->state() == SqlJournal::State::Failed; }));
  EXPECT_TRUE(j->failing());
}

TEST(SqlJournal, BackPressureBeyondHighWater) {
  FakeDb db;
  db.hold = true;
  SqlJournal::Options o;
  o.highWater = 5;
  o.maxBatch = 2;
  auto j = open(db, o);
  for (std::uint8_t i = 10; i < 20; ++i) j->append(lease(i));
  EXPECT_TRUE(j->failing());
  {
    std::lock_guard lk(db.mu);
    db.hold = false;
  }
  ASSERT_TRUE(j->flush());
  EXPECT_FALSE(j->failing());
  for (auto n : db.batchSizes) EXPECT_LE(n, 2u);
}

TEST(SqlJournal, StorableCutsExpiryAtMaxDbTime) {
  Lease l = lease(10);
  l.cltt = kSqlMaxDbTime - 100;
  l.validLifetime = 600;
  EXPECT_EQ(SqlJournal::storable(l).validLifetime, 100u);
  l.validLifetime = kInfiniteLifetime;
  EXPECT_EQ(SqlJournal::storable(l).validLifetime, kInfiniteLifetime);
  l = lease(10);
  EXPECT_EQ(SqlJournal::storable(l), l);
}

}  // namespace
}  // namespace tandem
