// SqlLeaseLookup's queue and thread, with a backend the test controls (the PostgreSQL one is
// exercised by the pgsql_shared_test ctest, tests/integration/sql_shared.sh, against a real server).
#include "dhcpd/lease/sql_lease_lookup.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <future>
#include <thread>
#include <mutex>

namespace tandem {
namespace {

using namespace std::chrono_literals;

class FakeSqlLookup final : public SqlLeaseLookup {
 public:
  explicit FakeSqlLookup(Policy p) : SqlLeaseLookup(p) {}
  ~FakeSqlLookup() override {
    open();  // a blocked batch must finish for the thread to stop
    stopThread();
  }
  void start() { startThread(); }

  // While closed, lookupBatch waits (a slow database).
  void close() {
    std::lock_guard lk(mu);
    gate = false;
  }
  void open() {
    {
      std::lock_guard lk(mu);
      gate = true;
    }
    cv.notify_all();
  }
  bool waitBatches(std::size_t n) {
    std::unique_lock lk(mu);
    return cv.wait_for(lk, 5s, [&] { return batchSizes.size() >= n; });
  }

  std::mutex mu;
  std::condition_variable cv;
  bool gate = true;
  bool fail = false;  // the next batch fails (connection lost)
  bool isConnected = true;
  int reconnects = 0;
  std::vector<std::size_t> batchSizes;

 private:
  bool connected() const noexcept override { return isConnected; }
  Result<void> reconnect() override {
    std::lock_guard lk(mu);
    ++reconnects;
    isConnected = true;
    return {};
  }
  void disconnect() override { isConnected = false; }
  Result<void> lookupBatch(const std::vector<const ClientLeaseQuery*>& batch,
                           std::vector<std::vector<Lease>>& rows) override {
    std::unique_lock lk(mu);
    cv.notify_all();
    cv.wait(lk, [&] { return gate; });
    batchSizes.push_back(batch.size());
    cv.notify_all();
    if (std::exchange(fail, false)) return makeError("server closed the connection unexpectedly");
    for (std::size_t i = 0; i < batch.size(); ++i) {
      // One row per lookup whose subnet list holds 1, at an address naming the lookup.
      if (!batch[i]->subnetIds.empty() && batch[i]->subnetIds[0] == 1) {
        Lease l;
        l.address = Ipv4(batch[i]->hwAddr.bytes[5]);
        l.hwAddr = batch[i]->hwAddr;
        rows[i].push_back(l);
      }
    }
    return {};
  }
};

ClientLeaseQuery lookupFor(std::uint8_t mac, std::uint32_t subnet = 1) {
  ClientLeaseQuery q;
  q.hwAddr = HwAddr::fromBytes(std::vector<std::uint8_t>{2, 0, 0, 0, 0, mac});
  q.subnetIds = {subnet};
  return q;
}

TEST(SqlLeaseLookupTest, AnswersEachLookupOnceWithItsRows) {
  FakeSqlLookup l({.maxBatch = 8, .capacity = 16, .reconnectWaitTime = 0});
  l.start();
  std::promise<ClientLeaseAnswer> a, b;
  ASSERT_TRUE(l.submit(lookupFor(5), [&](ClientLeaseAnswer x) { a.set_value(std::move(x)); }));
  ASSERT_TRUE(l.submit(lookupFor(6, 2), [&](ClientLeaseAnswer x) { b.set_value(std::move(x)); }));
  auto fa = a.get_future().get();
  auto fb = b.get_future().get();
  EXPECT_TRUE(fa.ok);
  ASSERT_EQ(fa.leases.size(), 1u);
  EXPECT_EQ(fa.leases[0].address, Ipv4(5));
  EXPECT_TRUE(fb.ok);
  EXPECT_TRUE(fb.leases.empty());
  const auto c = l.counters();
  EXPECT_EQ(c.submitted, 2u);
  EXPECT_EQ(c.found, 1u);
}

// A slow database: what waits is sent in one batch (one round trip) once it answers again,
// and past `capacity` submit() refuses instead of queueing without bound.
TEST(SqlLeaseLookupTest, SlowDatabaseBatchesAndRefusesBeyondCapacity) {
  // Declared before the lookup: its thread answers through them until it is stopped.
  std::atomic<int> answered{0};
  auto count = [&](ClientLeaseAnswer) { ++answered; };
  FakeSqlLookup l({.maxBatch = 8, .capacity = 3, .reconnectWaitTime = 0});
  l.close();
  l.start();
  ASSERT_TRUE(l.submit(lookupFor(1), count));
  {  // the thread holds the first in lookupBatch
    std::unique_lock lk(l.mu);
    ASSERT_TRUE(l.cv.wait_for(lk, 5s, [&] { return l.queued() == 0; }));
  }
  EXPECT_TRUE(l.submit(lookupFor(2), count));
  EXPECT_TRUE(l.submit(lookupFor(3), count));
  EXPECT_TRUE(l.submit(lookupFor(4), count));
  EXPECT_FALSE(l.submit(lookupFor(5), count));  // 3 waiting: full
  EXPECT_EQ(l.queued(), 3u);
  l.open();
  ASSERT_TRUE(l.waitBatches(2));
  EXPECT_EQ(l.batchSizes, (std::vector<std::size_t>{1, 3}));
  EXPECT_EQ(l.counters().refused, 1u);
  // The second batch's answers follow its statement: all four, once each.
  for (int i = 0; i < 500 && answered.load() < 4; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(answered.load(), 4);
}

// A failed batch answers its lookups not-ok; the connection is opened again and the next
// lookups are answered.
TEST(SqlLeaseLookupTest, FailedBatchAnswersNotOkAndReconnects) {
  FakeSqlLookup l({.maxBatch = 8, .capacity = 16, .reconnectWaitTime = 0});
  l.fail = true;
  l.start();
  std::promise<ClientLeaseAnswer> a;
  ASSERT_TRUE(l.submit(lookupFor(1), [&](ClientLeaseAnswer x) { a.set_value(std::move(x)); }));
  EXPECT_FALSE(a.get_future().get().ok);
  // Reconnected after at least 100 ms; until then submit() may refuse.
  std::promise<ClientLeaseAnswer> b;
  bool submitted = false;
  for (int i = 0; i < 50 && !submitted; ++i) {
    submitted = l.submit(lookupFor(2), [&](ClientLeaseAnswer x) { b.set_value(std::move(x)); });
    if (!submitted) std::this_thread::sleep_for(20ms);
  }
  ASSERT_TRUE(submitted);
  auto fb = b.get_future().get();
  EXPECT_TRUE(fb.ok);
  EXPECT_EQ(fb.leases.size(), 1u);
  EXPECT_GE(l.reconnects, 1);
  EXPECT_EQ(l.counters().connectionLosses, 1u);
}

// Stopping answers every lookup still waiting, once (a parked query never waits forever).
TEST(SqlLeaseLookupTest, StopAnswersEveryLookupOnce) {
  std::atomic<int> answered{0};
  {
    FakeSqlLookup l({.maxBatch = 1, .capacity = 16, .reconnectWaitTime = 0});
    l.close();
    l.start();
    for (std::uint8_t i = 0; i < 4; ++i) {
      ASSERT_TRUE(l.submit(lookupFor(i), [&](ClientLeaseAnswer) { ++answered; }));
    }
  }
  EXPECT_EQ(answered.load(), 4);
}

// A short batch waits up to `gather` for more lookups (one round trip for several); a full
// batch goes at once, however long gather is.
TEST(SqlLeaseLookupTest, GatherLetsAShortBatchGrowAndAFullOneGo) {
  std::atomic<int> answered{0};
  auto count = [&](ClientLeaseAnswer) { ++answered; };
  {
    FakeSqlLookup l({.maxBatch = 8, .capacity = 16, .reconnectWaitTime = 0, .gather = 200ms});
    l.start();
    for (std::uint8_t i = 0; i < 3; ++i) ASSERT_TRUE(l.submit(lookupFor(i), count));
    ASSERT_TRUE(l.waitBatches(1));
    EXPECT_EQ(l.batchSizes, (std::vector<std::size_t>{3}));
  }
  EXPECT_EQ(answered.load(), 3);
  FakeSqlLookup l({.maxBatch = 4, .capacity = 16, .reconnectWaitTime = 0, .gather = 60s});
  l.start();
  const auto t0 = std::chrono::steady_clock::now();
  for (std::uint8_t i = 0; i < 4; ++i) ASSERT_TRUE(l.submit(lookupFor(i), count));
  ASSERT_TRUE(l.waitBatches(1));
  EXPECT_EQ(l.batchSizes, (std::vector<std::size_t>{4}));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
}

// stop() returns only once every answer was given, the one of a batch still in the database
// included: the server stops lookups before the packet loop their answers wake goes (a lookup
// answered after that crashed tandemd at SIGTERM under load). Afterwards nothing is taken.
TEST(SqlLeaseLookupTest, StopWaitsForTheBatchInFlightAndRefusesAfter) {
  std::atomic<int> answered{0};
  FakeSqlLookup l({.maxBatch = 1, .capacity = 16, .reconnectWaitTime = 0});
  l.close();
  l.start();
  for (std::uint8_t i = 0; i < 3; ++i) {
    ASSERT_TRUE(l.submit(lookupFor(i), [&](ClientLeaseAnswer) { ++answered; }));
  }
  {  // the thread holds the first in lookupBatch
    std::unique_lock lk(l.mu);
    ASSERT_TRUE(l.cv.wait_for(lk, 5s, [&] { return l.queued() == 2; }));
  }
  std::thread opener([&] {
    std::this_thread::sleep_for(50ms);
    l.open();
  });
  l.stop();
  EXPECT_EQ(answered.load(), 3);
  EXPECT_FALSE(l.submit(lookupFor(9), [&](ClientLeaseAnswer) { ++answered; }));
  opener.join();
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(answered.load(), 3);
}

}  // namespace
}  // namespace tandem
