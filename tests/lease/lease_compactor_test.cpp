#include "dhcpd/lease/lease_compactor.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <thread>

#include "dhcpd/lease/lease_csv.h"
#include "dhcpd/lease/memfile_loader.h"
#include "dhcpd/lease/memory_lease_store.h"
#include "tests/lease/lease_test_util.h"

namespace tandem {
namespace {

using testing::makeLease;
using testing::readFile;
using testing::TempDir;
using testing::writeFile;

std::string header() { return std::string(kKea22Lease4Header) + "\n"; }
std::string rows(std::initializer_list<Lease> leases) {
  std::string s;
  for (const Lease& l : leases) appendLeaseCsvLine(s, l);
  return s;
}
Lease renamed(Lease l, std::string host) {
  l.hostname = std::move(host);
  return l;
}
Lease deleted(Lease l) {
  l.validLifetime = 0;
  return l;
}

std::map<std::uint32_t, Lease> loadAll(const MemfilePaths& p) {
  MemoryLeaseStore store;
  auto r = MemfileLoader::load(p, store);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  std::map<std::uint32_t, Lease> out;
  store.forEach([&](const Lease& l) { out[l.address.value] = l; });
  return out;
}

// The history used by every crash state: previous (.2) = {1, 2, 3}; then 1 renewed, 2
// deleted, 4 added (these went to the file rotated to .1); then 5 added to the new `name`.
struct History {
  Lease l1 = makeLease(1), l2 = makeLease(2), l3 = makeLease(3), l4 = makeLease(4), l5 = makeLease(5);
  Lease l1b = renamed(l1, "renewed");
  std::string previous() const { return header() + rows({l1, l2, l3}); }
  std::string input() const { return header() + rows({l1b, deleted(l2), l4}); }
  std::string current() const { return header() + rows({l5}); }
  std::string compacted() const { return header() + rows({l1b, l3, l4}); }
  std::map<std::uint32_t, Lease> expected() const {
    return {{l1b.address.value, l1b}, {l3.address.value, l3}, {l4.address.value, l4}, {l5.address.value, l5}};
  }
};

TEST(LeaseCompactor, CompactFilesMergesPreviousAndInput) {
  TempDir dir;
  History h;
  MemfilePaths p{dir.file("leases4.csv")};
  writeFile(p.previous(), h.previous());
  writeFile(p.input(), h.input());
  writeFile(p.current(), h.current());
  auto r = LeaseCompactor::compactFiles(p);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->leasesWritten, 3u);
  EXPECT_EQ(readFile(p.previous()), h.compacted());  // address order, deletions applied
  EXPECT_FALSE(fileExists(p.input()));
  EXPECT_FALSE(fileExists(p.output()));
  EXPECT_FALSE(fileExists(p.completed()));
  EXPECT_EQ(loadAll(p), h.expected());
}

// Each state a crash can leave, between any two steps of rotation and compaction.
struct CrashState {
  const char* name;
  bool previous, input, output, completed, current;
  bool completedHasAll = true;  // .completed written before the crash
};

class LeaseCompactorCrash : public ::testing::TestWithParam<CrashState> {};

TEST_P(LeaseCompactorCrash, EveryLeaseSurvivesAndTheNextCompactionFinishes) {
  const CrashState& s = GetParam();
  TempDir dir;
  History h;
  MemfilePaths p{dir.file("leases4.csv")};
  if (s.previous) writeFile(p.previous(), h.previous());
  if (s.input) writeFile(p.input(), h.input());
  if (s.output) writeFile(p.output(), h.compacted().substr(0, h.compacted().size() - 20));
  if (s.completed) writeFile(p.completed(), h.compacted());
  if (s.current) writeFile(p.current(), h.current());
  auto expected = h.expected();
  if (!s.current) expected.erase(h.l5.address.value);
  EXPECT_EQ(loadAll(p), expected) << s.name;
  // After start-up recovery, a compaction runs from a steady state and keeps everything.
  auto r = LeaseCompactor::compactFiles(p);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(loadAll(p), expected) << s.name;
  EXPECT_EQ(readFile(p.previous()), h.compacted()) << s.name;
}

INSTANTIATE_TEST_SUITE_P(States, LeaseCompactorCrash,
                         ::testing::Values(
                             // rotation renamed name to .1 but the fresh name was not created yet
                             CrashState{"after-rotate-rename", true, true, false, false, false},
                             // rotation done, compaction not started
                             CrashState{"rotated", true, true, false, false, true},
                             // output partly written
                             CrashState{"partial-output", true, true, true, false, true},
                             // output renamed to .completed
                             CrashState{"completed", true, true, false, true, true},
                             // fileRotate removed .2
                             CrashState{"completed-previous-removed", false, true, false, true, true},
                             // fileRotate removed .2 and .1
                             CrashState{"completed-only", false, false, false, true, true}),
                         [](const auto& test) {  // not "info": the macro's own parameter has that name (-Wshadow)
                           std::string n = test.param.name;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

TEST(LeaseCompactor, TickHonoursTheIntervalAndCompactsWhileAppending) {
  TempDir dir;
  MemfilePaths p{dir.file("leases4.csv")};
  auto opened = MemfileJournal::open({.path = p.current()});
  ASSERT_TRUE(opened.ok());
  auto& journal = *opened.value();
  MemoryLeaseStore truth;
  // Many renewals of few addresses, so compaction visibly shrinks the files.
  for (std::uint32_t i = 0; i < 2000; ++i) {
    Lease l = makeLease(i % 100);
    l.cltt += i;
    journal.append(l);
    ASSERT_TRUE(truth.put(l).ok());
  }
  LeaseCompactor lfc(journal, 3600);
  EXPECT_FALSE(lfc.tick(1000));  // first tick starts the interval
  EXPECT_FALSE(lfc.tick(4599));
  std::atomic<bool> stop{false};
  std::thread appender([&] {
    for (std::uint32_t i = 0; !stop.load() || i < 500; ++i) {
      Lease l = makeLease(200 + i % 50);
      l.cltt += i;
      journal.append(l);
    }
  });
  EXPECT_TRUE(lfc.tick(4600));
  lfc.wait();
  stop = true;
  appender.join();
  ASSERT_TRUE(journal.flush().ok());
  ASSERT_FALSE(lfc.lastError()) << lfc.lastError()->message;
  ASSERT_TRUE(lfc.lastReport());
  // The 100 written before plus whichever of the appender's 50 addresses preceded the rotation.
  EXPECT_GE(lfc.lastReport()->leasesWritten, 100u);
  EXPECT_LE(lfc.lastReport()->leasesWritten, 150u);
  EXPECT_FALSE(fileExists(p.input()));
  EXPECT_TRUE(fileExists(p.previous()));

  auto loaded = loadAll(p);
  EXPECT_EQ(loaded.size(), 150u);
  truth.forEach([&](const Lease& l) { EXPECT_EQ(loaded.at(l.address.value), l); });
  EXPECT_FALSE(lfc.tick(4601));  // interval restarts
}

TEST(LeaseCompactor, DisabledWithIntervalZero) {
  TempDir dir;
  auto j = MemfileJournal::open({.path = dir.file("leases4.csv")});
  ASSERT_TRUE(j.ok());
  LeaseCompactor lfc(*j.value(), 0);
  EXPECT_FALSE(lfc.tick(0));
  EXPECT_FALSE(lfc.tick(1'000'000));
}

TEST(LeaseCompactor, UnfinishedInputIsCompactedWithoutANewRotation) {
  TempDir dir;
  History h;
  MemfilePaths p{dir.file("leases4.csv")};
  writeFile(p.previous(), h.previous());
  writeFile(p.input(), h.input());
  auto j = MemfileJournal::open({.path = p.current()});
  ASSERT_TRUE(j.ok());
  j.value()->append(h.l5);
  LeaseCompactor lfc(*j.value(), 10);
  ASSERT_TRUE(lfc.start());
  lfc.wait();
  ASSERT_TRUE(j.value()->flush().ok());
  EXPECT_EQ(readFile(p.previous()), h.compacted());
  EXPECT_EQ(readFile(p.current()), h.current());  // not rotated: .1 was still there
  EXPECT_EQ(loadAll(p), h.expected());
}

}  // namespace
}  // namespace tandem
