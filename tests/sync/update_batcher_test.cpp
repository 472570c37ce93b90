// Batching of lease updates for tandemd peers (sync/update_batcher.h) and their wire form
// (sync/bulk_apply_json.h).
#include "sync/update_batcher.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sync/bulk_apply_json.h"

namespace tandem::sync {
namespace {

using Outcome = UpdateBatcher::Outcome;

Lease lease(std::uint8_t host, std::int64_t cltt = 1'750'000'000) {
  Lease l;
  l.address = Ipv4(198, 18, 16, host);
  l.hwAddr = HwAddr::fromBytes(std::vector<std::uint8_t>{0x52, 0x54, 0, 0, 0, host});
  l.validLifetime = 3600;
  l.cltt = cltt;
  l.subnetId = 1;
  return l;
}

std::vector<std::uint8_t> hosts(const UpdateBatcher::Batch& b) {
  std::vector<std::uint8_t> out;
  for (const auto& i : b.items) out.push_back(static_cast<std::uint8_t>(i.lease.address.value & 0xff));
  return out;
}

TEST(UpdateBatcher, FirstChangeLeavesAtOnceLaterOnesGatherWhileTheWireIsFull) {
  UpdateBatcher b({.maxInFlight = 1, .maxBatch = 100});
  b.add(lease(1), true, nullptr);
  auto first = b.next();
  ASSERT_TRUE(first);
  EXPECT_EQ(hosts(*first), (std::vector<std::uint8_t>{1}));
  b.add(lease(2), true, nullptr);
  b.add(lease(3), false, nullptr);
  b.add(lease(4), true, nullptr);
  EXPECT_FALSE(b.next());  // one request on the wire already
  EXPECT_EQ(b.pending(), 3u);
  b.finished(*first);
  auto second = b.next();
  ASSERT_TRUE(second);
  EXPECT_EQ(hosts(*second), (std::vector<std::uint8_t>{2, 3, 4}));
  EXPECT_FALSE(second->items[1].upsert);
  EXPECT_NE(first->id, second->id);
  EXPECT_EQ(b.inFlight(), 1u);
  EXPECT_EQ(b.pending(), 0u);
}

TEST(UpdateBatcher, WhileTheWireIsBusySmallBatchesWaitForAnAnswer) {
  UpdateBatcher b({.maxInFlight = 4, .maxBatch = 100, .minBatch = 3});
  b.add(lease(1), true, nullptr);
  auto first = b.next();  // a quiet wire: the first change leaves at once
  ASSERT_TRUE(first);
  b.add(lease(2), true, nullptr);
  b.add(lease(3), true, nullptr);
  EXPECT_FALSE(b.next());  // two waiting, one request on the wire: they wait
  b.add(lease(4), true, nullptr);
  auto second = b.next();  // three: worth a request of their own
  ASSERT_TRUE(second);
  EXPECT_EQ(hosts(*second), (std::vector<std::uint8_t>{2, 3, 4}));
  b.add(lease(5), true, nullptr);
  EXPECT_FALSE(b.next());
  b.finished(*first);
  EXPECT_FALSE(b.next());  // still one on the wire
  b.finished(*second);
  auto third = b.next();  // the wire is quiet again: whatever waits leaves
  ASSERT_TRUE(third);
  EXPECT_EQ(hosts(*third), (std::vector<std::uint8_t>{5}));
  // A minimum beyond a batch's maximum is the maximum.
  UpdateBatcher c({.maxInFlight = 2, .maxBatch = 2, .minBatch = 50});
  EXPECT_EQ(c.options().minBatch, 2u);
}

TEST(UpdateBatcher, SameAddressNeverOvertakesItsEarlierChange) {
  UpdateBatcher b({.maxInFlight = 4, .maxBatch = 100, .minBatch = 1});
  b.add(lease(1, 100), true, nullptr);
  auto first = b.next();
  ASSERT_TRUE(first);
  // A release of .1 while its allocation is still on the wire, plus an unrelated change.
  b.add(lease(1, 200), false, nullptr);
  b.add(lease(2), true, nullptr);
  auto second = b.next();
  ASSERT_TRUE(second);
  EXPECT_EQ(hosts(*second), (std::vector<std::uint8_t>{2}));  // .1 waits
  EXPECT_FALSE(b.next());
  b.finished(*first);
  auto third = b.next();
  ASSERT_TRUE(third);
  EXPECT_EQ(hosts(*third), (std::vector<std::uint8_t>{1}));
  EXPECT_FALSE(third->items[0].upsert);
  EXPECT_EQ(third->items[0].lease.cltt, 200);
}

// After the partner pulled our database, requests stuck on the wire (a partition) no longer
// hold back the changes made since: not by the in-flight limit, not by their addresses.
TEST(UpdateBatcher, DetachedRequestsNoLongerHoldBackLaterChanges) {
  UpdateBatcher b({.maxInFlight = 1, .maxBatch = 100, .minBatch = 1});
  b.add(lease(1, 100), true, nullptr);
  auto stuck = b.next();
  ASSERT_TRUE(stuck);
  b.add(lease(1, 200), true, nullptr);
  b.add(lease(2), true, nullptr);
  EXPECT_FALSE(b.next());
  b.detachInFlight();
  EXPECT_EQ(b.inFlight(), 0u);
  auto fresh = b.next();
  ASSERT_TRUE(fresh);
  EXPECT_EQ(hosts(*fresh), (std::vector<std::uint8_t>{1, 2}));
  EXPECT_EQ(fresh->items[0].lease.cltt, 200);
  // The stuck request ends at last: it must not free .1, which the fresh request holds.
  b.finished(*stuck);
  EXPECT_EQ(b.inFlight(), 1u);
  b.add(lease(1, 300), true, nullptr);
  EXPECT_FALSE(b.next());  // .1 is still on the wire in `fresh`, and the limit is reached
  b.finished(*fresh);
  auto last = b.next();
  ASSERT_TRUE(last);
  EXPECT_EQ(last->items[0].lease.cltt, 300);
}

TEST(UpdateBatcher, OneAddressOncePerBatchInCommitOrder) {
  UpdateBatcher b({.maxInFlight = 4, .maxBatch = 100, .minBatch = 1});
  b.add(lease(5, 1), true, nullptr);
  b.add(lease(6, 1), true, nullptr);
  b.add(lease(5, 2), false, nullptr);
  b.add(lease(5, 3), true, nullptr);
  b.add(lease(7, 1), true, nullptr);
  auto a = b.next();
  ASSERT_TRUE(a);
  EXPECT_EQ(hosts(*a), (std::vector<std::uint8_t>{5, 6, 7}));
  EXPECT_EQ(a->items[0].lease.cltt, 1);
  EXPECT_FALSE(b.next());  // both remaining changes are of .5, on the wire
  b.finished(*a);
  auto c = b.next();
  ASSERT_TRUE(c);
  ASSERT_EQ(c->items.size(), 1u);
  EXPECT_EQ(c->items[0].lease.cltt, 2);
  b.finished(*c);
  auto d = b.next();
  ASSERT_TRUE(d);
  EXPECT_EQ(d->items[0].lease.cltt, 3);
}

TEST(UpdateBatcher, FullBatchesSplitAndKeepOrder) {
  UpdateBatcher b({.maxInFlight = 8, .maxBatch = 2, .minBatch = 1});
  for (std::uint8_t h = 1; h <= 5; ++h) b.add(lease(h), true, nullptr);
  std::vector<std::vector<std::uint8_t>> got;
  while (auto n = b.next()) got.push_back(hosts(*n));
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0], (std::vector<std::uint8_t>{1, 2}));
  EXPECT_EQ(got[1], (std::vector<std::uint8_t>{3, 4}));
  EXPECT_EQ(got[2], (std::vector<std::uint8_t>{5}));
  EXPECT_EQ(b.inFlight(), 3u);
}

TEST(UpdateBatcher, TakePendingHandsBackWhatWasNotSent) {
  UpdateBatcher b({.maxInFlight = 1, .maxBatch = 10});
  int called = 0;
  b.add(lease(1), true, [&](Outcome, const std::string&, const Lease&) { ++called; });
  auto first = b.next();
  b.add(lease(2), true, [&](Outcome, const std::string&, const Lease&) { ++called; });
  auto rest = b.takePending();
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].lease.address, Ipv4(198, 18, 16, 2));
  rest[0].done(Outcome::Failed, "stopped", rest[0].lease);
  EXPECT_EQ(called, 1);
  EXPECT_EQ(b.pending(), 0u);
}

TEST(UpdateBatcher, ZeroLimitsAreRaisedToOne) {
  UpdateBatcher b({.maxInFlight = 0, .maxBatch = 0});
  b.add(lease(1), true, nullptr);
  b.add(lease(2), true, nullptr);
  auto n = b.next();
  ASSERT_TRUE(n);
  EXPECT_EQ(n->items.size(), 1u);
  EXPECT_FALSE(b.next());
}

// ---- wire form ---------------------------------------------------------------------------

std::vector<UpdateBatcher::Item> items() {
  std::vector<UpdateBatcher::Item> v;
  v.push_back({lease(1), true, nullptr});
  Lease named = lease(2);
  named.hostname = "host,with,commas";
  named.clientId = {1, 2, 3};
  v.push_back({named, true, nullptr});
  v.push_back({lease(3), false, nullptr});
  return v;
}

TEST(BulkApplyJson, RequestRoundTrip) {
  const auto it = items();
  json args = bulkApplyArgs("server1", it);
  EXPECT_EQ(args["server-name"], "server1");
  auto req = parseBulkApplyRequest(args);
  ASSERT_TRUE(req) << req.error().message;
  EXPECT_EQ(req->serverName, "server1");
  ASSERT_EQ(req->leases.size(), 2u);
  ASSERT_EQ(req->deleted.size(), 1u);
  EXPECT_EQ(req->leases[0], it[0].lease);
  EXPECT_EQ(req->leases[1].hostname, "host,with,commas");
  EXPECT_EQ(req->leases[1].clientId, (std::vector<std::uint8_t>{1, 2, 3}));
  EXPECT_EQ(req->deleted[0].address, Ipv4(198, 18, 16, 3));
}

TEST(BulkApplyJson, MalformedRequestsAreRefusedWhole) {
  EXPECT_FALSE(parseBulkApplyRequest(json::array()));
  EXPECT_FALSE(parseBulkApplyRequest(json{{"leases", 5}}));
  EXPECT_FALSE(parseBulkApplyRequest(json{{"leases", "not,a,lease\n"}}));
  EXPECT_FALSE(parseBulkApplyRequest(json{{"server-name", 1}}));
  // The same address twice (an update and a delete) has no defined order.
  std::vector<UpdateBatcher::Item> dup;
  dup.push_back({lease(1), true, nullptr});
  dup.push_back({lease(1), false, nullptr});
  auto r = parseBulkApplyRequest(bulkApplyArgs("server1", dup));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("more than once"), std::string::npos);
  // Empty lists are a valid (empty) request.
  EXPECT_TRUE(parseBulkApplyRequest(json::object()));
}

TEST(BulkApplyJson, OutcomesPerLease) {
  const auto it = items();
  // Transport failure: every change failed.
  auto down = bulkApplyOutcomes(Result<PeerAnswer>(makeError("connect refused")), it);
  ASSERT_EQ(down.size(), 3u);
  for (const auto& o : down) EXPECT_EQ(o.outcome, Outcome::Failed);
  EXPECT_EQ(down[0].text, "connect refused");
  // The request refused as a whole.
  auto refused = bulkApplyOutcomes(PeerAnswer{1, "bad rows", nullptr}, it);
  for (const auto& o : refused) EXPECT_EQ(o.outcome, Outcome::Failed);
  // Per-lease results: not found on delete is fine, conflict is a conflict, 1 a failure.
  json failed =
      bulkApplyAnswerArgs({{Ipv4(198, 18, 16, 3), 3, "IPv4 lease not found."}, {Ipv4(198, 18, 16, 2), 4, "no subnet"}});
  auto mixed = bulkApplyOutcomes(PeerAnswer{0, bulkApplyText(1), failed}, it);
  EXPECT_EQ(mixed[0].outcome, Outcome::Ok);
  EXPECT_EQ(mixed[0].text, "");
  EXPECT_EQ(mixed[1].outcome, Outcome::Conflict);
  EXPECT_EQ(mixed[1].text, "no subnet");
  EXPECT_EQ(mixed[2].outcome, Outcome::Ok);
  json err = bulkApplyAnswerArgs({{Ipv4(198, 18, 16, 1), 1, "disk full"}});
  EXPECT_EQ(bulkApplyOutcomes(PeerAnswer{0, "", err}, it)[0].outcome, Outcome::Failed);
  // Garbage in the list is ignored, not fatal.
  json junk = {{"failed", json::array({1, json{{"ip-address", 7}}, json{{"ip-address", "x"}, {"result", 1}}})}};
  for (const auto& o : bulkApplyOutcomes(PeerAnswer{0, "", junk}, it)) EXPECT_EQ(o.outcome, Outcome::Ok);
}

TEST(BulkApplyJson, CapabilityFromHeartbeat) {
  EXPECT_EQ(bulkApplyVersion(json{{"state", "waiting"}}), 0);  // Kea
  EXPECT_EQ(bulkApplyVersion(json{{std::string(kBulkApplyKey), 1}}), 1);
  EXPECT_EQ(bulkApplyVersion(json{{std::string(kBulkApplyKey), "1"}}), 0);
  EXPECT_EQ(bulkApplyVersion(json{{std::string(kBulkApplyKey), -4}}), 0);
  EXPECT_EQ(bulkApplyVersion(json::array()), 0);
}

}  // namespace
}  // namespace tandem::sync
