#include "dhcpd/lease/memfile_journal.h"

#include <fcntl.h>
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "dhcpd/lease/lease_csv.h"
#include "dhcpd/lease/memfile_loader.h"
#include "dhcpd/lease/memory_lease_store.h"
#include "tests/lease/lease_test_util.h"

namespace tandem {
namespace {

using namespace std::chrono_literals;
using testing::makeLease;
using testing::readFile;
using testing::TempDir;
using testing::writeFile;

std::string header() { return std::string(kKea22Lease4Header) + "\n"; }

std::unique_ptr<MemfileJournal> openJournal(MemfileJournal::Options o) {
  auto j = MemfileJournal::open(std::move(o));
  EXPECT_TRUE(j.ok()) << (j.ok() ? "" : j.error().message);
  return j.ok() ? std::move(j.value()) : nullptr;
}

TEST(MemfileJournal, AppendsRowsAfterTheHeader) {
  TempDir dir;
  auto j = openJournal({.path = dir.file("leases4.csv")});
  ASSERT_TRUE(j);
  EXPECT_EQ(readFile(dir.file("leases4.csv")), header());
  EXPECT_EQ(j->append(makeLease(1)), 1u);
  EXPECT_EQ(j->appendDelete(makeLease(2)), 2u);
  EXPECT_EQ(j->lastSeq(), 2u);
  ASSERT_TRUE(j->flush().ok());
  EXPECT_EQ(j->durableSeq(), 2u);
  Lease deleted = makeLease(2);
  deleted.validLifetime = 0;
  EXPECT_EQ(readFile(dir.file("leases4.csv")),
            header() + formatLeaseCsvLine(makeLease(1)) + formatLeaseCsvLine(deleted));
}

// A sync page at once: the rows and sequence numbers of appending each in turn.
TEST(MemfileJournal, AppendAllQueuesAPageAsItsRows) {
  TempDir dir;
  auto j = openJournal({.path = dir.file("leases4.csv")});
  ASSERT_TRUE(j);
  EXPECT_EQ(j->append(makeLease(1)), 1u);
  const std::vector<Lease> page{makeLease(2), makeLease(3), makeLease(4)};
  EXPECT_EQ(j->appendAll(page), 4u);
  EXPECT_EQ(j->appendAll({}), 0u);
  EXPECT_EQ(j->lastSeq(), 4u);
  EXPECT_EQ(j->append(makeLease(5)), 5u);
  ASSERT_TRUE(j->flush().ok());
  EXPECT_EQ(j->durableSeq(), 5u);
  std::string want = header();
  for (int i = 1; i <= 5; ++i) want += formatLeaseCsvLine(makeLease(i));
  EXPECT_EQ(readFile(dir.file("leases4.csv")), want);

  auto off = openJournal({.path = "", .persist = false});
  ASSERT_TRUE(off);
  std::uint64_t seen = 0;
  off->setOnDurable([&](std::uint64_t s) { seen = s; });
  EXPECT_EQ(off->appendAll(page), 3u);
  EXPECT_EQ(off->durableSeq(), 3u);
  EXPECT_EQ(seen, 3u);
}

TEST(MemfileJournal, ReopenAppendsAndRepairsATornLastRow) {
  TempDir dir;
  std::string torn = header() + formatLeaseCsvLine(makeLease(1)) + "198.18.0.2,01:02";
  writeFile(dir.file("leases4.csv"), torn);
  auto j = openJournal({.path = dir.file("leases4.csv")});
  ASSERT_TRUE(j);
  j->append(makeLease(3));
  ASSERT_TRUE(j->flush().ok());
  EXPECT_EQ(readFile(dir.file("leases4.csv")), torn + "\n" + formatLeaseCsvLine(makeLease(3)));
  MemoryLeaseStore store;
  auto r = MemfileLoader::load(MemfilePaths{dir.file("leases4.csv")}, store);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(store.size(), 2u);
  EXPECT_EQ(r->corruptLines, 1u);
}

TEST(MemfileJournal, ConvertsANewerKeaFileBeforeAppending) {
  TempDir dir;
  writeFile(dir.file("leases4.csv"),
            std::string(kKea22Lease4Header) + ",pool_id\n" + "198.18.0.7,01:02:03:04:05:06,,60,160,2,0,0,,0,,5\n");
  auto j = openJournal({.path = dir.file("leases4.csv")});
  ASSERT_TRUE(j);
  j->append(makeLease(3));
  ASSERT_TRUE(j->flush().ok());
  EXPECT_EQ(readFile(dir.file("leases4.csv")),
            header() + "198.18.0.7,01:02:03:04:05:06,,60,160,2,0,0,,0,\n" + formatLeaseCsvLine(makeLease(3)));
}

TEST(MemfileJournal, DurableOnlyAfterTheSyncReturns) {
  TempDir dir;
  std::atomic<bool> release{false};
  std::atomic<int> syncs{0};
  MemfileJournal::Options o{.path = dir.file("leases4.csv")};
  auto j = openJournal(o);  // header written with the real calls
  j.reset();
  o.ops.fdatasync = [&](int fd) {
    ++syncs;
    while (!release.load()) std::this_thread::sleep_for(1ms);
    return ::fdatasync(fd);
  };
  j = openJournal(o);
  std::atomic<std::uint64_t> notified{0};
  j->setOnDurable([&](std::uint64_t s) { notified = s; });
  auto seq = j->append(makeLease(1));
  while (syncs.load() == 0) std::this_thread::sleep_for(1ms);
  EXPECT_EQ(j->durableSeq(), 0u);  // written, not yet synced: no ACK may leave
  EXPECT_EQ(notified.load(), 0u);
  release = true;
  ASSERT_TRUE(j->flush().ok());
  EXPECT_EQ(j->durableSeq(), seq);
  EXPECT_EQ(notified.load(), seq);
}

// A stalled disk shows as back-pressure once shedWater rows wait for their sync, and the
// pressure ends when they are durable.
TEST(MemfileJournal, BehindWhileShedWaterRowsWaitForTheirSync) {
  TempDir dir;
  std::atomic<bool> release{false};
  std::atomic<int> syncs{0};
  MemfileJournal::Options o{.path = dir.file("leases4.csv")};
  auto j = openJournal(o);
  j.reset();
  o.shedWater = 8;
  o.ops.fdatasync = [&](int fd) {
    ++syncs;
    while (!release.load()) std::this_thread::sleep_for(1ms);
    return ::fdatasync(fd);
  };
  j = openJournal(o);
  j->append(makeLease(1));
  while (syncs.load() == 0) std::this_thread::sleep_for(1ms);  // the writer is stuck in its sync
  for (std::uint32_t i = 2; i <= 7; ++i) j->append(makeLease(i));
  EXPECT_FALSE(j->behind());  // 7 rows not durable
  j->append(makeLease(8));
  EXPECT_TRUE(j->behind());  // 8 = shedWater
  release = true;
  ASSERT_TRUE(j->flush().ok());
  EXPECT_FALSE(j->behind());
}

TEST(MemfileJournal, PersistFalseIsNeverBehind) {
  MemfileJournal::Options o;
  o.persist = false;
  o.shedWater = 1;
  auto j = openJournal(o);
  for (std::uint32_t i = 1; i <= 10; ++i) j->append(makeLease(i));
  EXPECT_FALSE(j->behind());
}

TEST(MemfileJournal, GroupCommitFromManyThreads) {
  TempDir dir;
  std::atomic<int> syncs{0};
  MemfileJournal::Options o{.path = dir.file("leases4.csv")};
  o.ops.fdatasync = [&](int fd) {
    ++syncs;
    return ::fdatasync(fd);
  };
  auto j = openJournal(o);
  ASSERT_TRUE(j);
  syncs = 0;
  std::vector<std::uint64_t> notified;
  std::mutex m;
  j->setOnDurable([&](std::uint64_t s) {
    std::lock_guard lk(m);
    notified.push_back(s);
  });
  constexpr int kThreads = 8, kPerThread = 2000;
  std::vector<std::thread> threads;
  std::vector<std::vector<std::uint64_t>> seqs(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        seqs[t].push_back(j->append(makeLease(static_cast<std::uint32_t>(t * kPerThread + i))));
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_TRUE(j->flush().ok());
  EXPECT_EQ(j->durableSeq(), std::uint64_t(kThreads * kPerThread));
  std::vector<std::uint64_t> all;
  for (auto& s : seqs) {
    EXPECT_TRUE(std::is_sorted(s.begin(), s.end()));
    all.insert(all.end(), s.begin(), s.end());
  }
  std::sort(all.begin(), all.end());
  for (std::size_t i = 0; i < all.size(); ++i) ASSERT_EQ(all[i], i + 1);  // unique, gapless
  EXPECT_TRUE(std::is_sorted(notified.begin(), notified.end()));
  EXPECT_LT(syncs.load(), kThreads * kPerThread / 4) << "rows must share syncs";
  MemoryLeaseStore store;
  auto r = MemfileLoader::load(MemfilePaths{dir.file("leases4.csv")}, store);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(store.size(), std::size_t(kThreads * kPerThread));
  EXPECT_EQ(r->corruptLines, 0u);
}

// A full disk: the kernel's own ENOSPC from /dev/full, then space comes back.
TEST(MemfileJournal, FullDiskHoldsDurabilityAndRecovers) {
  TempDir dir;
  int full = ::open("/dev/full", O_WRONLY | O_CLOEXEC);
  if (full < 0) GTEST_SKIP() << "/dev/full not available";
  std::atomic<bool> diskFull{true};
  MemfileJournal::Options o{.path = dir.file("leases4.csv"), .retryInterval = 5ms};
  o.ops.write = [&](int fd, const void* b, std::size_t n) -> ssize_t {
    if (diskFull.load()) return ::write(full, b, n);
    return ::write(fd, b, n);
  };
  diskFull = false;
  auto j = openJournal(o);
  ASSERT_TRUE(j);
  j->append(makeLease(1));
  ASSERT_TRUE(j->flush().ok());
  diskFull = true;
  auto seq = j->append(makeLease(2));
  auto flushed = j->flush();
  ASSERT_FALSE(flushed.ok());
  EXPECT_EQ(flushed.error().code, ENOSPC);
  ASSERT_TRUE(j->lastError());
  EXPECT_EQ(j->lastError()->code, ENOSPC);
  EXPECT_EQ(j->durableSeq(), seq - 1);
  auto seq3 = j->append(makeLease(3));
  // Several retries, all failing: waited for (a fixed sleep flaked on a loaded machine, where
  // the writer thread did not get two turns in 30 ms), bounded.
  for (int i = 0; i < 1000 && j->failedAttempts() < 2; ++i) std::this_thread::sleep_for(5ms);
  EXPECT_EQ(j->durableSeq(), seq - 1);
  EXPECT_GE(j->failedAttempts(), 2u);
  diskFull = false;
  ASSERT_TRUE(j->flush().ok());
  EXPECT_EQ(j->durableSeq(), seq3);
  EXPECT_FALSE(j->lastError());
  EXPECT_EQ(readFile(dir.file("leases4.csv")), header() + formatLeaseCsvLine(makeLease(1)) +
                                                   formatLeaseCsvLine(makeLease(2)) + formatLeaseCsvLine(makeLease(3)));
  ::close(full);
}

// A disk with little room left takes part of a batch: the complete rows that landed become
// durable at once, and the rest fits once space is freed, however much queued meanwhile.
TEST(MemfileJournal, PartialWriteOnFullDiskKeepsCompleteRowsAndRecovers) {
  TempDir dir;
  std::mutex m;
  off_t limit = 0;  // file size the "disk" allows; 0 = unlimited
  MemfileJournal::Options o{.path = dir.file("leases4.csv"), .retryInterval = 2ms};
  o.ops.write = [&](int fd, const void* b, std::size_t n) -> ssize_t {
    std::lock_guard lk(m);
    struct stat st {};
    ::fstat(fd, &st);
    const off_t off = st.st_size;  // O_APPEND: the write lands at the end
    if (limit > 0 && off + off_t(n) > limit) {
      if (off >= limit) {
        errno = ENOSPC;
        return -1;
      }
      n = std::size_t(limit - off);
    }
    return ::write(fd, b, n);
  };
  auto j = openJournal(o);
  ASSERT_TRUE(j);
  const std::string row1 = formatLeaseCsvLine(makeLease(1)), row2 = formatLeaseCsvLine(makeLease(2));
  {
    std::lock_guard lk(m);
    limit = off_t(header().size() + row1.size() + row2.size() + row2.size() / 2);
  }
  std::uint64_t last = 0;
  for (int i = 1; i <= 50; ++i) last = j->append(makeLease(i));
  // Rows 1 and 2 fit; the third lands only half and must not count.
  for (int i = 0; i < 2000 && j->durableSeq() < 2; ++i) std::this_thread::sleep_for(1ms);
  EXPECT_EQ(j->durableSeq(), 2u);
  ASSERT_TRUE(j->lastError());
  EXPECT_EQ(j->lastError()->code, ENOSPC);
  {
    std::lock_guard lk(m);
    limit = 0;  // space freed
  }
  ASSERT_TRUE(j->flush().ok());
  EXPECT_EQ(j->durableSeq(), last);
  std::string expected = header();
  for (int i = 1; i <= 50; ++i) expected += formatLeaseCsvLine(makeLease(i));
  EXPECT_EQ(readFile(dir.file("leases4.csv")), expected);
}

// A failed fdatasync is retried by rewriting the batch: Linux may have dropped the pages.
TEST(MemfileJournal, FailedSyncRewritesTheBatch) {
  TempDir dir;
  std::atomic<int> failSyncs{0};
  std::atomic<int> writes{0};
  MemfileJournal::Options o{.path = dir.file("leases4.csv"), .retryInterval = 1ms};
  o.ops.write = [&](int fd, const void* b, std::size_t n) {
    ++writes;
    return ::write(fd, b, n);
  };
  o.ops.fdatasync = [&](int fd) {
    if (failSyncs.load() > 0) {
      --failSyncs;
      errno = EIO;
      return -1;
    }
    return ::fdatasync(fd);
  };
  auto j = openJournal(o);
  ASSERT_TRUE(j);
  writes = 0;
  failSyncs = 2;
  auto seq = j->append(makeLease(1));
  while (j->durableSeq() < seq) std::this_thread::sleep_for(1ms);
  EXPECT_EQ(writes.load(), 3);
  EXPECT_EQ(readFile(dir.file("leases4.csv")), header() + formatLeaseCsvLine(makeLease(1)));
}

// An operator empties the lease file while the server runs (`: > leases4.csv`). The file is
// open with O_APPEND, as Kea's is: the next rows go to the start of the emptied file, not
// after a hole of NUL bytes up to the old offset, and the header comes back first, so the
// file still loads.
TEST(MemfileJournal, TruncatedWhileRunningGetsNoHoleAndStillLoads) {
  TempDir dir;
  const std::string path = dir.file("leases4.csv");
  auto j = openJournal({.path = path});
  ASSERT_TRUE(j);
  for (int i = 1; i <= 20; ++i) j->append(makeLease(i));
  ASSERT_TRUE(j->flush().ok());
  ASSERT_EQ(::truncate(path.c_str(), 0), 0);
  j->append(makeLease(21));
  j->append(makeLease(22));
  ASSERT_TRUE(j->flush().ok());
  const std::string text = readFile(path);
  EXPECT_EQ(text.find('\0'), std::string::npos);
  EXPECT_EQ(text, header() + formatLeaseCsvLine(makeLease(21)) + formatLeaseCsvLine(makeLease(22)));
  MemoryLeaseStore store;
  auto r = MemfileLoader::load(MemfilePaths{path}, store);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(store.size(), 2u);
  EXPECT_EQ(r->corruptLines, 0u);

  // Cut in the middle of a row: the cut row ends there and the next row starts on a line of
  // its own (the loader reports the cut one as corrupt and keeps the rest).
  const auto size = static_cast<off_t>(text.size());
  ASSERT_EQ(::truncate(path.c_str(), size - 10), 0);
  j->append(makeLease(23));
  ASSERT_TRUE(j->flush().ok());
  const std::string after = readFile(path);
  EXPECT_EQ(after.find('\0'), std::string::npos);
  EXPECT_EQ(after, text.substr(0, text.size() - 10) + "\n" + formatLeaseCsvLine(makeLease(23)));
  MemoryLeaseStore store2;
  auto r2 = MemfileLoader::load(MemfilePaths{path}, store2);
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(store2.size(), 2u);  // 21 and 23
  EXPECT_EQ(r2->corruptLines, 1u);
}

// A failed sync leaves no duplicate rows behind with O_APPEND: the failed attempt's bytes
// are cut off before the batch is written again.
TEST(MemfileJournal, FailedAttemptsLeaveNothingBehind) {
  TempDir dir;
  std::atomic<int> failSyncs{0};
  MemfileJournal::Options o{.path = dir.file("leases4.csv"), .retryInterval = 1ms};
  o.ops.fdatasync = [&](int fd) {
    if (failSyncs.load() > 0) {
      --failSyncs;
      errno = EIO;
      return -1;
    }
    return ::fdatasync(fd);
  };
  auto j = openJournal(o);
  ASSERT_TRUE(j);
  failSyncs = 3;
  for (int i = 1; i <= 5; ++i) j->append(makeLease(i));
  ASSERT_TRUE(j->flush().ok() || j->flush().ok() || j->flush().ok() || j->flush().ok());
  std::string expected = header();
  for (int i = 1; i <= 5; ++i) expected += formatLeaseCsvLine(makeLease(i));
  EXPECT_EQ(readFile(dir.file("leases4.csv")), expected);
}

TEST(MemfileJournal, PersistFalseIsDurableAtOnceWithoutAFile) {
  TempDir dir;
  auto j = openJournal({.path = dir.file("leases4.csv"), .persist = false});
  ASSERT_TRUE(j);
  std::uint64_t notified = 0;
  j->setOnDurable([&](std::uint64_t s) { notified = s; });
  EXPECT_EQ(j->append(makeLease(1)), 1u);
  EXPECT_EQ(j->durableSeq(), 1u);
  EXPECT_EQ(notified, 1u);
  EXPECT_TRUE(j->flush().ok());
  EXPECT_FALSE(fileExists(dir.file("leases4.csv")));
  EXPECT_FALSE(j->rotate(dir.file("x")).ok());
}

TEST(MemfileJournal, UnopenableFileIsAnError) {
  auto j = MemfileJournal::open({.path = "/nonexistent-dir/leases4.csv"});
  EXPECT_FALSE(j.ok());
}

TEST(MemfileJournal, RotateSplitsRowsBetweenFiles) {
  TempDir dir;
  MemfilePaths p{dir.file("leases4.csv")};
  auto j = openJournal({.path = p.current()});
  ASSERT_TRUE(j);
  j->append(makeLease(1));
  ASSERT_TRUE(j->rotate(p.input()).ok());
  j->append(makeLease(2));
  ASSERT_TRUE(j->flush().ok());
  EXPECT_EQ(readFile(p.input()), header() + formatLeaseCsvLine(makeLease(1)));
  EXPECT_EQ(readFile(p.current()), header() + formatLeaseCsvLine(makeLease(2)));
}

TEST(MemfileJournal, RotateFailureKeepsAppending) {
  TempDir dir;
  MemfilePaths p{dir.file("leases4.csv")};
  auto j = openJournal({.path = p.current()});
  ASSERT_TRUE(j);
  j->append(makeLease(1));
  EXPECT_FALSE(j->rotate(dir.file("no-such-dir/x")).ok());
  j->append(makeLease(2));
  ASSERT_TRUE(j->flush().ok());
  EXPECT_EQ(readFile(p.current()), header() + formatLeaseCsvLine(makeLease(1)) + formatLeaseCsvLine(makeLease(2)));
}

// The commit window (issue 12): a journal whose sync is held up by the test, so that what
// arrives "during a sync" is under the test's control. Each sync records the rows it made
// durable and when it started.
struct HeldSyncs {
  std::mutex m;
  std::condition_variable cv;
  int released = 0;  // syncs allowed to return so far
  int started = 0;
  std::vector<std::chrono::steady_clock::time_point> startedAt;

  MemfileJournal::FileOps ops() {
    MemfileJournal::FileOps o;
    o.fdatasync = [this](int fd) {
      std::unique_lock lk(m);
      const int mine = ++started;
      startedAt.push_back(std::chrono::steady_clock::now());
      cv.notify_all();
      cv.wait(lk, [&] { return released >= mine; });
      return ::fdatasync(fd);
    };
    return o;
  }
  void waitStarted(int n) {
    std::unique_lock lk(m);
    ASSERT_TRUE(cv.wait_for(lk, 10s, [&] { return started >= n; })) << "sync " << n << " never started";
  }
  void releaseAll() {
    std::lock_guard lk(m);
    released = 1 << 30;
    cv.notify_all();
  }
  void release(int n) {
    std::lock_guard lk(m);
    released = n;
    cv.notify_all();
  }
  int startedCount() {
    std::lock_guard lk(m);
    return started;
  }
};

std::unique_ptr<MemfileJournal> openHeld(TempDir& dir, HeldSyncs& held, std::chrono::microseconds window,
                                         std::size_t commitBytes = 128 * 1024) {
  // The header's own sync at creation happens before the test holds anything.
  openJournal({.path = dir.file("leases4.csv")}).reset();
  MemfileJournal::Options o{.path = dir.file("leases4.csv"), .commitWindow = window, .commitBytes = commitBytes};
  o.ops = held.ops();
  return openJournal(o);
}

void waitDurable(MemfileJournal& j, std::uint64_t seq) {
  const auto until = std::chrono::steady_clock::now() + 10s;
  while (j.durableSeq() < seq && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(1ms);
  ASSERT_GE(j.durableSeq(), seq);
}

TEST(MemfileJournalCommitWindow, RowsArrivingDuringASyncAndTheWindowShareTheNextSync) {
  TempDir dir;
  HeldSyncs held;
  auto j = openHeld(dir, held, 400ms);
  ASSERT_TRUE(j);
  j->append(makeLease(1));
  held.waitStarted(1);
  j->append(makeLease(2));  // arrives during sync 1: the next batch waits for company
  held.release(1);
  waitDurable(*j, 1);
  for (std::uint32_t i = 3; i <= 10; ++i) j->append(makeLease(i));
  // Inside the window nothing of rows 2..10 is written, so none may be confirmed.
  EXPECT_EQ(j->durableSeq(), 1u);
  EXPECT_EQ(held.startedCount(), 1);
  held.releaseAll();
  ASSERT_TRUE(j->flush().ok());
  EXPECT_EQ(j->durableSeq(), 10u);
  EXPECT_EQ(held.startedCount(), 2) << "rows 2..10 must share one sync";
  EXPECT_EQ(j->syncedBatches(), 2u);
  std::string want = header();
  for (std::uint32_t i = 1; i <= 10; ++i) want += formatLeaseCsvLine(makeLease(i));
  EXPECT_EQ(readFile(dir.file("leases4.csv")), want);
}

TEST(MemfileJournalCommitWindow, WithoutAWindowTheNextRowIsWrittenAtOnce) {
  // The control for the test above: the same sequence with no window takes more syncs.
  TempDir dir;
  HeldSyncs held;
  auto j = openHeld(dir, held, 0us);
  ASSERT_TRUE(j);
  j->append(makeLease(1));
  held.waitStarted(1);
  j->append(makeLease(2));
  held.release(1);
  held.waitStarted(2);  // row 2 went out alone, without waiting
  held.releaseAll();
  ASSERT_TRUE(j->flush().ok());
  EXPECT_EQ(j->durableSeq(), 2u);
}

TEST(MemfileJournalCommitWindow, TheWindowIsBounded) {
  TempDir dir;
  HeldSyncs held;
  auto j = openHeld(dir, held, 150ms);
  ASSERT_TRUE(j);
  j->append(makeLease(1));
  held.waitStarted(1);
  j->append(makeLease(2));
  const auto released = std::chrono::steady_clock::now();
  held.releaseAll();
  ASSERT_TRUE(j->flush().ok());
  EXPECT_EQ(j->durableSeq(), 2u);
  std::lock_guard lk(held.m);
  ASSERT_EQ(held.startedAt.size(), 2u);
  const auto waited = held.startedAt[1] - released;
  EXPECT_GE(waited, 140ms) << "the second batch must wait for the window";
  EXPECT_LT(waited, 3s) << "but no longer than the window (plus scheduling)";
}

TEST(MemfileJournalCommitWindow, AnIdleJournalWritesAtOnce) {
  TempDir dir;
  HeldSyncs held;
  held.releaseAll();
  auto j = openHeld(dir, held, 20s);
  ASSERT_TRUE(j);
  const auto t0 = std::chrono::steady_clock::now();
  j->append(makeLease(1));
  ASSERT_TRUE(j->flush().ok());
  j->append(makeLease(2));  // nothing arrived during the previous sync: still idle
  ASSERT_TRUE(j->flush().ok());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 10s);
  EXPECT_EQ(j->durableSeq(), 2u);
}

TEST(MemfileJournalCommitWindow, CommitBytesEndTheWindowEarly) {
  TempDir dir;
  HeldSyncs held;
  const std::size_t row = formatLeaseCsvLine(makeLease(2)).size();
  auto j = openHeld(dir, held, 20s, 4 * row);
  ASSERT_TRUE(j);
  j->append(makeLease(1));
  held.waitStarted(1);
  j->append(makeLease(2));
  held.releaseAll();
  waitDurable(*j, 1);
  const auto t0 = std::chrono::steady_clock::now();
  for (std::uint32_t i = 3; i <= 5; ++i) j->append(makeLease(i));  // rows 2..5: 4 rows pending
  waitDurable(*j, 5);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 10s);
  EXPECT_EQ(held.startedCount(), 2);
}

TEST(MemfileJournalCommitWindow, ShutdownDoesNotWaitForTheWindow) {
  TempDir dir;
  HeldSyncs held;
  auto j = openHeld(dir, held, 20s);
  ASSERT_TRUE(j);
  j->append(makeLease(1));
  held.waitStarted(1);
  j->append(makeLease(2));
  held.releaseAll();
  waitDurable(*j, 1);
  const auto t0 = std::chrono::steady_clock::now();
  j.reset();  // the destructor stops the writer, which writes what is pending
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 10s);
  EXPECT_EQ(readFile(dir.file("leases4.csv")),
            header() + formatLeaseCsvLine(makeLease(1)) + formatLeaseCsvLine(makeLease(2)));
}

}  // namespace
}  // namespace tandem
