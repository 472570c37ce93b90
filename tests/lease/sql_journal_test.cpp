// SqlJournal, the part both SQL lease journals share, against a scripted backend (no
// database): group commit, lost writes published before durableSeq passes them, refused
// statements, deadlock retries, reconnection and giving up.
#include <gtest/gtest.h>

#include <deque>
#include <map>
#include <mutex>

#include "dhcpd/lease/sql_journal.h"

namespace tandem {
namespace {

class FakeJournal final : public SqlJournal {
 public:
  using Outcome = SqlJournal::BatchOutcome;
  struct Step {
    BatchOutcome outcome = BatchOutcome::Committed;
    std::vector<std::size_t> unmatched;
    std::size_t bad = 0;
  };
  explicit FakeJournal(Policy p) : SqlJournal(p) {}
  ~FakeJournal() override { stopWriter(); }
  void start() { startWriter(); }

  // Scripted before start() or under mu.
  std::mutex mu;
  std::deque<Step> steps;                           // one per writeBatch call; Committed when empty
  std::deque<bool> reconnects;                      // results of reconnect(); true when empty
  std::map<std::uint32_t, Lease> rows;              // what readLease finds
  std::vector<std::vector<std::uint64_t>> batches;  // seqs of every batch sent

 private:
  bool connected() const noexcept override { return connected_; }
  Result<void> reconnect() override {
    std::lock_guard lk(mu);
    bool ok = true;
    if (!reconnects.empty()) {
      ok = reconnects.front();
      reconnects.pop_front();
    }
    if (!ok) return makeError("refused");
    connected_ = true;
    return {};
  }
  void disconnect() override { connected_ = false; }
  BatchOutcome writeBatch(const std::vector<Op>& batch, std::size_t& bad, std::string& message,
                          std::vector<std::size_t>& unmatched) override {
    std::lock_guard lk(mu);
    std::vector<std::uint64_t> seqs;
    for (const Op& op : batch) seqs.push_back(op.seq);
    batches.push_back(seqs);
    Step s;
    if (!steps.empty()) {
      s = steps.front();
      steps.pop_front();
    }
    unmatched = s.unmatched;
    bad = s.bad;
    message = "scripted";
    return s.outcome;
  }
  Result<std::optional<Lease>> readLease(Ipv4 address) override {
    std::lock_guard lk(mu);
    auto it = rows.find(address.value);
    if (it == rows.end()) return std::optional<Lease>();
    return std::optional<Lease>(it->second);
  }
  bool connected_ = true;
};

Lease leaseAt(std::uint8_t last) {
  Lease l;
  l.address = Ipv4(198, 18, 0, last);
  l.hwAddr = *HwAddr::parse("0a:00:27:00:00:01");
  l.validLifetime = 600;
  l.cltt = 1700000000;
  l.subnetId = 1;
  return l;
}

SqlJournal::Policy fastPolicy() {
  SqlJournal::Policy p;
  p.maxReconnectTries = 5;
  p.reconnectWaitTime = 1;
  return p;
}

TEST(SqlJournal, CommitsAdvanceDurableSeq) {
  FakeJournal j(fastPolicy());
  std::atomic<std::uint64_t> announced{0};
  j.setOnDurable([&](std::uint64_t s) { announced = s; });
  j.start();
  const auto a = j.append(leaseAt(10));
  const auto b = j.appendDelete(leaseAt(11));
  ASSERT_TRUE(j.flush());
  EXPECT_EQ(j.durableSeq(), b);
  EXPECT_GT(b, a);
  EXPECT_EQ(announced.load(), b);
  EXPECT_EQ(j.counters().committed, 2u);
  EXPECT_FALSE(j.failing());
  EXPECT_EQ(j.state(), SqlJournal::State::Connected);
}

TEST(SqlJournal, LostWritesArePublishedBeforeDurableSeqPassesThem) {
  FakeJournal j(fastPolicy());
  Lease winner = leaseAt(10);
  winner.hwAddr = *HwAddr::parse("0a:00:27:00:00:99");
  j.rows[winner.address.value] = winner;
  j.steps.push_back({FakeJournal::Outcome::Committed, {0}, 0});
  // Whoever sees durableSeq reach the seq finds the loss already there.
  std::vector<LostWrite> seenAtDurable;
  std::mutex m;
  j.setOnDurable([&](std::uint64_t) {
    std::lock_guard lk(m);
    for (auto& l : j.takeLost()) seenAtDurable.push_back(l);
  });
  j.start();
  const auto seq = j.appendGuarded(leaseAt(10), false, WriteGuard::SameClientOrFree);
  ASSERT_TRUE(j.flush());
  std::lock_guard lk(m);
  ASSERT_EQ(seenAtDurable.size(), 1u);
  EXPECT_EQ(seenAtDurable[0].seq, seq);
  ASSERT_TRUE(seenAtDurable[0].current);
  EXPECT_EQ(seenAtDurable[0].current->hwAddr, winner.hwAddr);
  EXPECT_EQ(j.counters().lost, 1u);
}

TEST(SqlJournal, AGuardedDeleteOfAGoneRowIsNotLost) {
  FakeJournal j(fastPolicy());
  j.steps.push_back({FakeJournal::Outcome::Committed, {0}, 0});
  j.start();
  j.appendGuarded(leaseAt(10), true, WriteGuard::StillExpired);
  ASSERT_TRUE(j.flush());
  EXPECT_TRUE(j.takeLost().empty());
}

TEST(SqlJournal, ARefusedStatementIsDroppedReportedAndTheRestResent) {
  FakeJournal j(fastPolicy());
  j.steps.push_back({FakeJournal::Outcome::Rejected, {}, 1});
  // All three queued before the writer starts: one batch.
  const auto a = j.append(leaseAt(10));
  const auto b = j.append(leaseAt(11));
  const auto c = j.append(leaseAt(12));
  j.start();
  auto r = j.flush();
  // The refusal ends this flush early or the resent batch commits first; either way the
  // refused write is reported and never committed.
  (void)r;
  ASSERT_TRUE(j.flush());
  EXPECT_EQ(j.durableSeq(), c);
  auto lost = j.takeLost();
  ASSERT_EQ(lost.size(), 1u);
  EXPECT_EQ(lost[0].seq, b);
  EXPECT_EQ(j.counters().rejected, 1u);
  auto rejections = j.takeRejections();
  ASSERT_EQ(rejections.size(), 1u);
  EXPECT_EQ(rejections[0], "lease 198.18.0.11: scripted");
  std::lock_guard lk(j.mu);
  ASSERT_EQ(j.batches.size(), 2u);
  EXPECT_EQ(j.batches[1], (std::vector<std::uint64_t>{a, c}));
}

// The refusal may come before flush() is even called (nothing was sent: the row could not be
// encoded); flush() must still return, with the refusal, not wait for a commit that never comes.
TEST(SqlJournal, FlushReturnsWhenTheLastWriteWasRefusedBeforeIt) {
  FakeJournal j(fastPolicy());
  j.steps.push_back({FakeJournal::Outcome::Rejected, {}, 0});
  j.start();
  const auto seq = j.append(leaseAt(10));
  for (int i = 0; i < 200 && j.counters().rejected == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  ASSERT_EQ(j.counters().rejected, 1u);
  auto r = j.flush();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("refused a write: scripted"), std::string::npos) << r.error().message;
  EXPECT_LT(j.durableSeq(), seq);
  // A later write commits and flushes as usual.
  const auto next = j.append(leaseAt(11));
  ASSERT_TRUE(j.flush());
  EXPECT_EQ(j.durableSeq(), next);
}

TEST(SqlJournal, ADeadlockSendsTheWholeBatchAgain) {
  FakeJournal j(fastPolicy());
  j.steps.push_back({FakeJournal::Outcome::Retry, {}, 0});
  const auto a = j.append(leaseAt(10));
  const auto b = j.append(leaseAt(11));
  j.start();
  ASSERT_TRUE(j.flush());
  EXPECT_EQ(j.durableSeq(), b);
  EXPECT_EQ(j.counters().retried, 1u);
  EXPECT_TRUE(j.takeLost().empty());
  std::lock_guard lk(j.mu);
  ASSERT_EQ(j.batches.size(), 2u);
  EXPECT_EQ(j.batches[0], (std::vector<std::uint64_t>{a, b}));
  EXPECT_EQ(j.batches[1], j.batches[0]);
}

TEST(SqlJournal, AConnectionLossReconnectsAndResends) {
  FakeJournal j(fastPolicy());
  j.steps.push_back({FakeJournal::Outcome::ConnectionLost, {}, 0});
  j.reconnects = {false, false, true};
  const auto a = j.append(leaseAt(10));
  j.start();
  // The first flush may end at the first failure; the write is committed after the reconnect.
  while (j.durableSeq() < a) (void)j.flush();
  EXPECT_EQ(j.state(), SqlJournal::State::Connected);
  EXPECT_FALSE(j.failing());
  const auto c = j.counters();
  EXPECT_EQ(c.connectionLosses, 1u);
  EXPECT_EQ(c.reconnects, 1u);
  EXPECT_EQ(c.reconnectAttempts, 3u);
  EXPECT_EQ(c.committed, 1u);
}

TEST(SqlJournal, GivesUpAfterMaxReconnectTries) {
  SqlJournal::Policy p = fastPolicy();
  p.maxReconnectTries = 2;
  FakeJournal j(p);
  j.steps.push_back({FakeJournal::Outcome::ConnectionLost, {}, 0});
  j.reconnects = {false, false, false, false};
  const auto a = j.append(leaseAt(10));
  j.start();
  for (int i = 0; i < 200 && j.state() != SqlJournal::State::Failed; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(j.state(), SqlJournal::State::Failed);
  EXPECT_TRUE(j.failing());
  EXPECT_LT(j.durableSeq(), a);
  auto r = j.flush();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("reconnect attempt 2 of 2 failed"), std::string::npos) << r.error().message;
}

TEST(SqlJournal, BackPressureBeyondHighWater) {
  SqlJournal::Policy p = fastPolicy();
  p.highWater = 3;
  FakeJournal j(p);  // not started: nothing is written
  j.append(leaseAt(10));
  j.append(leaseAt(11));
  EXPECT_FALSE(j.failing());
  j.append(leaseAt(12));
  EXPECT_TRUE(j.failing());
  EXPECT_EQ(j.queued(), 3u);
}

}  // namespace
}  // namespace tandem
