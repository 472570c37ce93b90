// The change log and merge rules of the tandem bulk sync (sync/pull_session.h), its wire
// form (sync/tandem_sync_json.h) and the status object (sync/sync_status.h).
#include "sync/pull_session.h"

#include <gtest/gtest.h>

#include "sync/lease_merge.h"
#include "sync/sync_status.h"
#include "sync/tandem_sync_json.h"

namespace tandem::sync {
namespace {

using namespace std::chrono_literals;

Lease lease(std::uint8_t host, std::int64_t cltt, std::uint32_t valid = 3600) {
  Lease l;
  l.address = Ipv4(198, 18, 16, host);
  l.hwAddr = HwAddr::fromBytes(std::vector<std::uint8_t>{0x52, 0x54, 0, 0, 0, host});
  l.validLifetime = valid;
  l.cltt = cltt;
  l.subnetId = 1;
  return l;
}

TEST(LeaseMergeRules, PageDataNewerWinsTiesKeepOursLikeKea) {
  EXPECT_EQ(mergeForSync(std::nullopt, lease(1, 100)), MergeAction::Insert);
  EXPECT_EQ(mergeForSync(lease(1, 100), lease(1, 200)), MergeAction::Overwrite);
  EXPECT_EQ(mergeForSync(lease(1, 200), lease(1, 100)), MergeAction::KeepLocal);
  EXPECT_EQ(mergeForSync(lease(1, 100), lease(1, 100)), MergeAction::KeepLocal);
}

TEST(LeaseMergeRules, ExpiredLeasesAreDataLikeAnyOther) {
  // A lease that expired long ago is still the partner's record: inserted when we have none,
  // and a newer expired copy replaces an older live-looking one (reclamation decides later).
  Lease expired = lease(1, 1000, 60);
  EXPECT_EQ(mergeForSync(std::nullopt, expired), MergeAction::Insert);
  EXPECT_EQ(mergeForSync(lease(1, 900, 86400), expired), MergeAction::Overwrite);
  Lease reclaimed = expired;
  reclaimed.state = LeaseState::ExpiredReclaimed;
  // A reclaim changes the state, not the cltt: as a change it wins the tie.
  EXPECT_EQ(mergeChange(expired, reclaimed), MergeAction::Overwrite);
}

TEST(LeaseMergeRules, ChangesAfterPagesWinUnlessOursIsStrictlyNewer) {
  EXPECT_EQ(mergeChange(std::nullopt, lease(1, 100)), MergeAction::Insert);
  EXPECT_EQ(mergeChange(lease(1, 100), lease(1, 100)), MergeAction::Overwrite);
  EXPECT_EQ(mergeChange(lease(1, 50), lease(1, 100)), MergeAction::Overwrite);
  EXPECT_EQ(mergeChange(lease(1, 150), lease(1, 100)), MergeAction::KeepLocal);
}

TEST(LeaseMergeRules, DeletionRemovesOnlyACopyNotNewerThanTheDeletedLease) {
  EXPECT_FALSE(shouldErase(std::nullopt, lease(1, 100)));
  EXPECT_TRUE(shouldErase(lease(1, 100), lease(1, 100)));  // the very lease: a resurrected page copy
  EXPECT_TRUE(shouldErase(lease(1, 90), lease(1, 100)));
  EXPECT_FALSE(shouldErase(lease(1, 101), lease(1, 100)));  // re-allocated since: keep
}

TEST(ChangeLog, KeepsTheLatestChangePerAddress) {
  ChangeLog log;
  log.upsert(lease(1, 100));
  log.upsert(lease(1, 200));
  log.erase(lease(2, 50));
  log.erase(lease(3, 70));
  log.upsert(lease(3, 80));  // deleted then allocated again
  EXPECT_EQ(log.size(), 3u);
  auto c = log.take();
  ASSERT_EQ(c.upserts.size(), 2u);
  ASSERT_EQ(c.deletes.size(), 1u);
  EXPECT_EQ(c.deletes[0].address, Ipv4(198, 18, 16, 2));
  for (const auto& l : c.upserts) EXPECT_EQ(l.cltt, l.address == Ipv4(198, 18, 16, 1) ? 200 : 80);
  EXPECT_EQ(log.size(), 0u);
  EXPECT_EQ(log.take().size(), 0u);
}

TEST(ChangeLog, OverflowGivesUpInsteadOfGrowing) {
  ChangeLog log(2);
  log.upsert(lease(1, 1));
  log.upsert(lease(2, 1));
  log.upsert(lease(2, 2));  // same address: no growth
  EXPECT_FALSE(log.overflowed());
  log.upsert(lease(3, 1));
  EXPECT_TRUE(log.overflowed());
  EXPECT_EQ(log.size(), 0u);
}

TEST(PullSessions, RecordForEveryPullerCloseAndExpire) {
  FakeClock clock;
  PullSessions s(30s);
  s.recordUpsert(lease(9, 1), fakeSteady(clock));  // nobody pulls: nothing kept
  const std::string a = s.open("server2", fakeSteady(clock));
  const std::string b = s.open("server3", fakeSteady(clock));
  EXPECT_NE(a, b);
  s.recordUpsert(lease(1, 10), fakeSteady(clock));
  s.recordDelete(lease(2, 10), fakeSteady(clock));
  ASSERT_NE(s.find(a, fakeSteady(clock)), nullptr);
  EXPECT_EQ(s.find(a, fakeSteady(clock))->size(), 2u);
  auto rest = s.close(b, fakeSteady(clock));
  ASSERT_TRUE(rest);
  EXPECT_EQ(rest->size(), 2u);
  EXPECT_FALSE(s.close(b, fakeSteady(clock)));  // closed once
  // A new open by the same puller replaces its old session.
  const std::string a2 = s.open("server2", fakeSteady(clock));
  EXPECT_EQ(s.find(a, fakeSteady(clock)), nullptr);
  // Idle longer than the timeout: gone, with its log.
  clock.advance(31s);
  EXPECT_EQ(s.find(a2, fakeSteady(clock)), nullptr);
  EXPECT_TRUE(s.empty());
}

TEST(PullSessions, OverflowedSessionCannotBeClosedAsSuccess) {
  FakeClock clock;
  PullSessions s(30s, 1);
  const std::string id = s.open("server2", fakeSteady(clock));
  s.recordUpsert(lease(1, 1), fakeSteady(clock));
  s.recordUpsert(lease(2, 1), fakeSteady(clock));
  EXPECT_TRUE(s.find(id, fakeSteady(clock))->overflowed());
  EXPECT_FALSE(s.close(id, fakeSteady(clock)));
}

TEST(TandemSyncJson, CsvRowsRoundTrip) {
  Lease a = lease(1, 1'750'000'000);
  a.hostname = "pc,1&x.example.";
  a.clientId = {1, 0x52, 0x54, 0, 0, 0, 1};
  a.fqdnFwd = true;
  a.userContext = R"({"ISC":{"relay-agent-info":"0x01"}})";
  Lease b = lease(2, 1'750'000'100);
  b.state = LeaseState::Declined;
  const std::string csv = leasesToCsv({a, b});
  auto back = leasesFromCsv(csv);
  ASSERT_TRUE(back) << back.error().message;
  ASSERT_EQ(back->size(), 2u);
  EXPECT_EQ((*back)[0].hostname, a.hostname);
  EXPECT_EQ((*back)[0].clientId, a.clientId);
  EXPECT_EQ((*back)[0].cltt, a.cltt);
  EXPECT_EQ((*back)[0].userContext, a.userContext);
  EXPECT_EQ((*back)[1].state, LeaseState::Declined);
  EXPECT_FALSE(leasesFromCsv("198.18.16.1,zz\n"));
  EXPECT_TRUE(leasesFromCsv("")->empty());
}

TEST(TandemSyncJson, PageRequestAndAnswer) {
  SyncPageRequest r;
  r.serverName = "server2";
  r.session = "s-1";
  r.after = Ipv4(198, 18, 16, 3);
  r.limit = 50000;
  auto parsed = parseSyncPageRequest(syncPageRequestArgs(r));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->session, "s-1");
  EXPECT_EQ(parsed->after, Ipv4(198, 18, 16, 3));
  EXPECT_EQ(parsed->limit, 50000u);
  EXPECT_FALSE(parseSyncPageRequest(json{{"from", "start"}, {"limit", 1}}));  // no server-name
  ChangeLog::Changes c;
  c.upserts = {lease(5, 10)};
  c.deletes = {lease(6, 11)};
  PeerAnswer ans{0, "", syncPageAnswerArgs("s-1", {lease(4, 9)}, c, true)};
  auto page = parseSyncPageAnswer(ans);
  ASSERT_TRUE(page) << page.error().message;
  EXPECT_EQ(page->session, "s-1");
  EXPECT_TRUE(page->last);
  ASSERT_EQ(page->leases.size(), 1u);
  EXPECT_EQ(page->changes.upserts.at(0).address, Ipv4(198, 18, 16, 5));
  EXPECT_EQ(page->changes.deletes.at(0).cltt, 11);
  EXPECT_FALSE(parseSyncPageAnswer(PeerAnswer{1, "unknown session", nullptr}));
  auto done = parseSyncDoneAnswer(PeerAnswer{0, "", syncDoneAnswerArgs(c)});
  ASSERT_TRUE(done);
  EXPECT_EQ(done->size(), 2u);
}

TEST(TandemSyncJson, DeltaRequestAndAnswer) {
  SyncPageRequest r;
  r.serverName = "server2";
  r.limit = 10;
  // Absent unless asked, so a tandemd without delta sees the request it always saw.
  EXPECT_FALSE(syncPageRequestArgs(r).contains("delta"));
  EXPECT_FALSE(parseSyncPageRequest(syncPageRequestArgs(r))->delta);
  r.delta = true;
  auto parsed = parseSyncPageRequest(syncPageRequestArgs(r));
  ASSERT_TRUE(parsed);
  EXPECT_TRUE(parsed->delta);
  auto bad = syncPageRequestArgs(r);
  bad["delta"] = "yes";
  EXPECT_FALSE(parseSyncPageRequest(bad));

  ChangeLog::Changes c;
  c.upserts = {lease(5, 10)};
  auto full = parseSyncPageAnswer(PeerAnswer{0, "", syncPageAnswerArgs("s-2", {lease(4, 9)}, c, false)});
  ASSERT_TRUE(full);
  EXPECT_FALSE(full->delta);
  auto delta = parseSyncPageAnswer(PeerAnswer{0, "", syncPageAnswerArgs("s-2", {}, c, true, true)});
  ASSERT_TRUE(delta);
  EXPECT_TRUE(delta->delta);
  EXPECT_TRUE(delta->last);
  EXPECT_TRUE(delta->leases.empty());
  EXPECT_EQ(delta->changes.upserts.size(), 1u);
}

TEST(SyncStatus, JsonAndLine) {
  FakeClock clock;
  const SteadyTime t0 = fakeSteady(clock);
  EXPECT_EQ(formatSyncLine(syncStatusJson(std::nullopt, std::nullopt, 0, std::nullopt, t0)), "");
  SyncProgress p;
  p.peer = "server1";
  p.mode = SyncMode::KeaPaged;
  p.startedAt = t0;
  p.pages = 2;
  p.received = 20000;
  p.written = 19000;
  auto j = syncStatusJson(p, std::nullopt, 0, std::nullopt, t0 + 1500ms);
  EXPECT_EQ(j["in-progress"]["elapsed-ms"], 1500);
  EXPECT_EQ(j["in-progress"]["mode"], "kea-paged");
  EXPECT_EQ(formatSyncLine(j),
            "sync: in progress from server1 (kea-paged), 2 page(s), 20000 lease(s) received, 19000 written, 1.5 s");
  SyncOutcome o;
  o.ok = false;
  o.run = p;
  o.finishedAt = clock.now() + 2s;
  o.duration = 2000ms;
  o.error = "lease4-get-page: timeout";
  j = syncStatusJson(std::nullopt, o, 3, t0 + 6s, t0 + 2s);
  EXPECT_EQ(j["last"]["result"], "failed");
  EXPECT_EQ(j["last"]["duration-ms"], 2000);
  EXPECT_EQ(j["retry-in-ms"], 4000);
  EXPECT_EQ(formatSyncLine(j),
            "sync: last from server1 (kea-paged) FAILED after 2.0 s: lease4-get-page: timeout; "
            "retry 4 in 4.0 s");
}

}  // namespace
}  // namespace tandem::sync
