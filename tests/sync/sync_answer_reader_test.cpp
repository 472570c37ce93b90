#include "sync/sync_answer_reader.h"

#include <gtest/gtest.h>

#include <limits>
#include <random>

#include "dhcpd/api/command_registry.h"

namespace tandem::sync {
namespace {

// The tree path the reader replaces: PeerClient's interpretAnswer (a list's first map, or a
// bare map), HaService's peerAnswerOf (parsePeerAnswer of it wrapped in a list), then
// parseSyncPageAnswer / parseSyncDoneAnswer.
Result<PeerAnswer> treeAnswer(std::string_view body) {
  json doc = json::parse(body.begin(), body.end(), nullptr, false);
  if (doc.is_discarded()) return makeError("invalid JSON");
  if (doc.is_array()) {
    if (doc.empty() || !doc.front().is_object()) return makeError("no answer map");
    doc = doc.front();
  } else if (!doc.is_object()) {
    return makeError("neither list nor map");
  }
  return parsePeerAnswer(json::array({doc}));
}

Result<SyncPage> treePage(std::string_view body) {
  auto a = treeAnswer(body);
  if (!a) return a.error();
  return parseSyncPageAnswer(*a);
}

Result<ChangeLog::Changes> treeDone(std::string_view body) {
  auto a = treeAnswer(body);
  if (!a) return a.error();
  return parseSyncDoneAnswer(*a);
}

// The source's body: the handler's answer as the control listener writes it.
std::string pageBody(const std::vector<Lease>& leases, const ChangeLog::Changes& c, bool last, bool delta = false) {
  return api::toKeaText(json::array({api::makeAnswer(0, "found", syncPageAnswerArgs("s-1", leases, c, last, delta))}));
}

void expectSamePage(const Result<SyncPage>& a, const Result<SyncPage>& b) {
  ASSERT_EQ(a.ok(), b.ok()) << (a ? std::string("reader ok") : a.error().message) << " / "
                            << (b ? std::string("tree ok") : b.error().message);
  if (!a) return;
  EXPECT_EQ(a->session, b->session);
  EXPECT_EQ(a->leases, b->leases);
  EXPECT_EQ(a->changes.upserts, b->changes.upserts);
  EXPECT_EQ(a->changes.deletes, b->changes.deletes);
  EXPECT_EQ(a->last, b->last);
  EXPECT_EQ(a->delta, b->delta);
  EXPECT_EQ(a->total, b->total);
}

// Leases with every odd field a page can carry.
std::vector<Lease> oddLeases(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  const std::vector<std::string> hostnames = {"",
                                              "h.example.org",
                                              "comma,and&amp",
                                              "quote\"back\\slash",
                                              "tab\tnew\nline\rcr",
                                              "caf\xC3\xA9-\xE6\x97\xA5\xE6\x9C\xAC-\xF0\x9F\x98\x80",
                                              std::string(300, 'x')};
  const std::vector<std::string> contexts = {"", R"({"a":1})",
                                             R"({"comment":"x, y & \"z\"","nested":{"list":[1,2.5,null,true]}})",
                                             R"({"ISC":{"relay-agent-info":{"sub-options":"0x0104AABBCCDD"}}})",
                                             "{\"u\":\"\\u00e9\\ud83d\\ude00\"}"};
  std::vector<Lease> out;
  for (std::size_t i = 0; i < n; ++i) {
    Lease l;
    l.address = Ipv4(0x0a000000u + static_cast<std::uint32_t>(i) * 3 + 1);
    const auto len = static_cast<std::uint8_t>(rng() % 17);
    std::vector<std::uint8_t> hw(len);
    for (auto& b : hw) b = static_cast<std::uint8_t>(rng());
    l.hwAddr = HwAddr::fromBytes(hw);
    if (rng() % 3) {
      l.clientId.resize(1 + rng() % 40);
      for (auto& b : l.clientId) b = static_cast<std::uint8_t>(rng());
    }
    if (l.hwAddr.empty() && l.clientId.empty()) l.clientId = {1, 2, 3};
    switch (rng() % 4) {
      case 0: l.validLifetime = std::numeric_limits<std::uint32_t>::max(); break;  // infinite
      case 1: l.validLifetime = 0; break;
      default: l.validLifetime = rng() % 1'000'000; break;
    }
    l.cltt = rng() % 5 == 0 ? std::numeric_limits<std::int64_t>::max() - l.validLifetime  // biggest expire
                            : 1'700'000'000 + static_cast<std::int64_t>(rng() % 100'000'000);
    l.subnetId = 1 + rng() % 5000;
    l.hostname = hostnames[rng() % hostnames.size()];
    l.fqdnFwd = !l.hostname.empty() && rng() % 2;
    l.fqdnRev = !l.hostname.empty() && rng() % 2;
    l.state = static_cast<LeaseState>(rng() % 3);
    l.userContext = contexts[rng() % contexts.size()];
    out.push_back(std::move(l));
  }
  return out;
}

TEST(SyncAnswerReader, ReadsThePagesTheTreePathReads) {
  for (std::uint32_t seed = 1; seed <= 20; ++seed) {
    const auto leases = oddLeases(200, seed);
    ChangeLog::Changes c;
    c.upserts = oddLeases(17, seed + 100);
    c.deletes = oddLeases(5, seed + 200);
    const std::string body = pageBody(leases, c, seed % 2 == 0, seed % 3 == 0);
    auto page = readSyncPageAnswer(body);
    ASSERT_TRUE(page) << page.error().message;
    expectSamePage(page, treePage(body));
    // Against what was sent (pool-id is not a Kea 2.2 column: never on the wire).
    EXPECT_EQ(page->leases, leases);
    EXPECT_EQ(page->session, "s-1");
    EXPECT_EQ(page->last, seed % 2 == 0);
    EXPECT_EQ(page->delta, seed % 3 == 0);
  }
}

TEST(SyncAnswerReader, ReadsTheDoneAnswer) {
  ChangeLog::Changes c;
  c.upserts = oddLeases(50, 7);
  c.deletes = oddLeases(9, 8);
  const std::string body = api::toKeaText(json::array({api::makeAnswer(0, "done", syncDoneAnswerArgs(c))}));
  auto done = readSyncDoneAnswer(body);
  ASSERT_TRUE(done) << done.error().message;
  EXPECT_EQ(done->upserts, c.upserts);
  EXPECT_EQ(done->deletes, c.deletes);
  auto tree = treeDone(body);
  ASSERT_TRUE(tree);
  EXPECT_EQ(tree->upserts, done->upserts);
}

TEST(SyncAnswerReader, AcceptsWhatTheTreePathAccepts) {
  const std::string rows = leasesToCsv(oddLeases(3, 99));
  const std::string r = json(rows).dump();
  const std::vector<std::string> bodies = {
      // a bare map (interpretAnswer takes one), spacing, members in any order
      R"({"result":0,"arguments":{"session":"a","leases":"","changes":"","deleted":"","last":true}})",
      " \r\n\t[ { \"arguments\" : { \"last\" : false , \"deleted\" : \"\" , \"changes\" : \"\" , \"leases\" : " + r +
          " , \"session\" : \"x\" } , \"text\" : \"t\" , \"result\" : 0 } ] ",
      // extra list elements, unknown members of every kind, a byte order mark
      "\xEF\xBB\xBF[{\"result\":0,\"x\":[1,-2.5e+3,{\"y\":null}],\"arguments\":{\"session\":\"a\",\"leases\":" + r +
          ",\"changes\":\"\",\"deleted\":\"\",\"last\":true,\"count\":3,\"z\":{}}},17,\"s\"]",
      // a repeated member counts with its last copy, as in nlohmann's tree
      R"([{"result":1,"result":0,"arguments":{"session":"a","session":"b","leases":"","changes":"","deleted":"","last":1,"last":true}}])",
      // escapes in keys and in the session
      R"([{"res\u0075lt":0,"arguments":{"sess\u0069on":"\u00e9\ud83d\ude00\/\b","leases":"","changes":"","deleted":"","last":true}}])",
      // delta
      R"([{"result":0,"arguments":{"session":"a","leases":"","changes":"","deleted":"","last":true,"delta":true}}])",
      R"([{"result":-0,"arguments":{"session":"a","leases":"","changes":"","deleted":"","last":true}}])",
      // the source's lease count on a first page: any unsigned 64-bit integer
      R"([{"result":0,"arguments":{"session":"a","leases":"","changes":"","deleted":"","last":true,"total":0}}])",
      R"([{"result":0,"arguments":{"total":2000000,"session":"a","leases":"","changes":"","deleted":"","last":true}}])",
      R"([{"result":0,"arguments":{"session":"a","leases":"","changes":"","deleted":"","last":true,"total":18446744073709551615}}])",
      R"([{"result":0,"arguments":{"session":"a","leases":"","changes":"","deleted":"","last":true,"total":1,"total":7}}])",
      // nlohmann ends the input at a NUL byte: what follows one after the value is not read
      std::string(R"([{"result":0,"arguments":{"session":"a","leases":"","changes":"","deleted":"","last":true}}])") +
          std::string("\0\0x]", 4),
  };
  for (const auto& b : bodies) {
    auto page = readSyncPageAnswer(b);
    EXPECT_TRUE(page) << b << ": " << page.error().message;
    expectSamePage(page, treePage(b));
  }
}

TEST(SyncAnswerReader, RefusesWhatTheTreePathRefuses) {
  const std::string ok =
      R"([{"result":0,"arguments":{"session":"a","leases":"","changes":"","deleted":"","last":true}}])";
  ASSERT_TRUE(readSyncPageAnswer(ok));
  const std::vector<std::string> bodies = {
      "",
      "[]",
      "[1]",
      "\"x\"",
      "null",
      ok + "x",
      ok + "]",
      // a NUL byte inside the value ends the input early
      std::string(R"([{"result":0,"arguments":{"session":"a","leases":"","changes":"")") + std::string("\0", 1) +
          R"(,"deleted":"","last":true}}])",
      R"([{"result":0}])",                   // no arguments
      R"([{"result":0,"arguments":[]}])",    // not a map
      R"([{"result":"0","arguments":{}}])",  // not an integer
      R"([{"result":0.0,"arguments":{}}])",
      R"([{"result":1e0,"arguments":{}}])",
      R"([{"result":99999999999999999999,"arguments":{}}])",
      R"([{"arguments":{"session":"a","leases":"","changes":"","deleted":"","last":true}}])",
      R"([{"result":0,"arguments":{"session":1,"leases":"","changes":"","deleted":"","last":true}}])",
      R"([{"result":0,"arguments":{"session":"a","changes":"","deleted":"","last":true}}])",
      R"([{"result":0,"arguments":{"session":"a","leases":"","changes":"","deleted":"","last":"true"}}])",
      R"([{"result":0,"arguments":{"session":"a","leases":"","changes":"","deleted":"","last":true,"delta":1}}])",
      R"([{"result":0,"arguments":{"session":"a","leases":"","changes":"","deleted":"","last":true,"total":-1}}])",
      R"([{"result":0,"arguments":{"session":"a","leases":"","changes":"","deleted":"","last":true,"total":-0}}])",
      R"([{"result":0,"arguments":{"session":"a","leases":"","changes":"","deleted":"","last":true,"total":1.0}}])",
      R"([{"result":0,"arguments":{"session":"a","leases":"","changes":"","deleted":"","last":true,"total":1e3}}])",
      R"([{"result":0,"arguments":{"session":"a","leases":"","changes":"","deleted":"","last":true,"total":"5"}}])",
      R"([{"result":0,"arguments":{"session":"a","leases":"","changes":"","deleted":"","last":true,"total":null}}])",
      R"([{"result":0,"arguments":{"session":"a","leases":"","changes":"","deleted":"","last":true,"total":18446744073709551616}}])",
      R"([{"result":0,"arguments":{"session":"a","leases":"","deleted":"","last":true}}])",
      R"([{"result":0,"arguments":{"session":"a","leases":"","changes":"","deleted":[],"last":true}}])",
      R"([{"result":0,"arguments":{"session":"a","leases":"not a row\n","changes":"","deleted":"","last":true}}])",
      // JSON the grammar refuses
      R"([{"result":0,"arguments":{"session":"a","leases":"","changes":"","deleted":"","last":tru}}])",
      R"([{"result":0,"arguments":{"session":"a","leases":"","changes":"","deleted":"","last":true,}}])",
      R"([{"result":01,"arguments":{}}])",
      R"([{"result":-,"arguments":{}}])",
      R"([{"result":1.,"arguments":{}}])",
      R"([{"result":0 "arguments":{}}])",
      R"([{result:0}])",
      R"([{"result":0,"arguments":{"session":"a\x","leases":"","changes":"","deleted":"","last":true}}])",
      R"([{"result":0,"arguments":{"session":"\ud800","leases":"","changes":"","deleted":"","last":true}}])",
      R"([{"result":0,"arguments":{"session":"\udc00","leases":"","changes":"","deleted":"","last":true}}])",
      R"([{"result":0,"arguments":{"session":"\ud800\u0041","leases":"","changes":"","deleted":"","last":true}}])",
      R"([{"result":0,"arguments":{"session":"\u12G4","leases":"","changes":"","deleted":"","last":true}}])",
      "[{\"result\":0,\"arguments\":{\"session\":\"a\tb\",\"leases\":\"\",\"changes\":\"\",\"deleted\":\"\",\"last\":true}}]",
      "[{\"result\":0,\"arguments\":{\"session\":\"\xC0\xAF\",\"leases\":\"\",\"changes\":\"\",\"deleted\":\"\",\"last\":true}}]",
      "[{\"result\":0,\"arguments\":{\"session\":\"\xED\xA0\x80\",\"leases\":\"\",\"changes\":\"\",\"deleted\":\"\",\"last\":true}}]",
      "[{\"result\":0,\"arguments\":{\"session\":\"\xF4\x90\x80\x80\",\"leases\":\"\",\"changes\":\"\",\"deleted\":\"\",\"last\":true}}]",
      "[{\"result\":0,\"arguments\":{\"session\":\"\xE2\x82\",\"leases\":\"\",\"changes\":\"\",\"deleted\":\"\",\"last\":true}}]",
  };
  for (const auto& b : bodies) {
    auto page = readSyncPageAnswer(b);
    EXPECT_FALSE(page) << b;
    EXPECT_FALSE(treePage(b)) << b;
  }
  // Every cut of a real page is refused, never read past its end.
  const std::string body = pageBody(oddLeases(20, 5), {}, true);
  for (std::size_t n = 0; n < body.size(); ++n) {
    EXPECT_FALSE(readSyncPageAnswer(std::string_view(body).substr(0, n))) << n;
  }
  // Too deep to bother with.
  std::string deep = R"([{"result":0,"x":)" + std::string(1000, '[') + std::string(1000, ']') + "}]";
  EXPECT_FALSE(readSyncPageAnswer(deep));
}

TEST(SyncAnswerReader, ReadsTheSourcesLeaseCount) {
  // The first page of a full pull says how many leases the source holds (the puller sizes its
  // store once); other pages leave it out.
  const auto leases = oddLeases(4, 3);
  const std::string first = api::toKeaText(
      json::array({api::makeAnswer(0, "found", syncPageAnswerArgs("s-1", leases, {}, false, false, 2'000'000))}));
  auto page = readSyncPageAnswer(first);
  ASSERT_TRUE(page) << page.error().message;
  EXPECT_EQ(page->total, 2'000'000u);
  expectSamePage(page, treePage(first));
  auto later = readSyncPageAnswer(pageBody(leases, {}, true));
  ASSERT_TRUE(later);
  EXPECT_EQ(later->total, 0u);
  EXPECT_EQ(pageBody(leases, {}, true).find("total"), std::string::npos);
}

// The puller reads every page into one SyncPage: each read replaces everything the previous
// page left (a shorter page, no delta or total, fewer changes) and equals a fresh read.
TEST(SyncAnswerReader, ReadingIntoAUsedPageReplacesIt) {
  const auto big = oddLeases(40, 5);
  const auto small = oddLeases(7, 6);
  ChangeLog::Changes many;
  many.upserts = oddLeases(5, 7);
  many.deletes = oddLeases(3, 8);
  const std::string first = api::toKeaText(
      json::array({api::makeAnswer(0, "found", syncPageAnswerArgs("s-1", big, many, false, true, 1'000))}));
  SyncPage page;
  std::string scratch;
  ASSERT_TRUE(readSyncPageAnswer(first, page, scratch));
  expectSamePage(Result<SyncPage>(page), treePage(first));
  const Lease* buffer = page.leases.data();
  for (const std::string& body : {pageBody(small, {}, true), pageBody(big, {}, false), pageBody({}, many, true)}) {
    ASSERT_TRUE(readSyncPageAnswer(body, page, scratch));
    expectSamePage(Result<SyncPage>(page), treePage(body));
    expectSamePage(Result<SyncPage>(page), readSyncPageAnswer(body));
  }
  // The lease vector kept its buffer through the shorter pages (nothing grew past it).
  ASSERT_TRUE(readSyncPageAnswer(pageBody(big, {}, false), page, scratch));
  EXPECT_EQ(page.leases.data(), buffer);
  // A bad page is an error as from a fresh read.
  EXPECT_FALSE(
      readSyncPageAnswer(R"([{"result":0,"arguments":{"session":"s","leases":"1.2.3.4,zz\n"}}])", page, scratch));
}

// The puller's form (HaService): a big page's rows read on two threads, the same page as the
// tree path, also with odd hostnames and contexts (escapes across the split) and changes.
TEST(SyncAnswerReader, ABigPageReadOnTwoThreadsIsTheSamePage) {
  const auto leases = oddLeases(12'000, 11);
  ChangeLog::Changes changes;
  changes.upserts = oddLeases(50, 12);
  changes.deletes = oddLeases(20, 13);
  const std::string body = pageBody(leases, changes, false);
  ASSERT_GT(body.size(), 2 * ParallelCsvReader::kMinParallelBytes);
  ParallelCsvReader rows;
  SyncPage page;
  std::string scratch;
  ASSERT_TRUE(readSyncPageAnswer(body, page, scratch, rows));
  EXPECT_EQ(rows.splitReads(), 1u);
  expectSamePage(Result<SyncPage>(page), treePage(body));
  // A bad row in the second half: the one-thread reader's error.
  std::string bad = body;
  const auto at = bad.find("\\n", bad.size() * 3 / 4);
  ASSERT_NE(at, std::string::npos);
  bad.replace(at + 2, 1, "10.0.0.x,");
  auto two = readSyncPageAnswer(bad, page, scratch, rows);
  auto one = readSyncPageAnswer(bad);
  ASSERT_FALSE(two.ok());
  ASSERT_FALSE(one.ok());
  EXPECT_EQ(two.error().message, one.error().message);
}

TEST(SyncAnswerReader, ARefusedCommandKeepsItsResultCode) {
  auto page = readSyncPageAnswer(R"([{"result":2,"text":"'tandem-lease4-sync-page' command not supported."}])");
  ASSERT_FALSE(page);
  EXPECT_EQ(page.error().code, kResultUnsupported);
  EXPECT_EQ(page.error().message, "result 2: 'tandem-lease4-sync-page' command not supported.");
  auto bad = readSyncPageAnswer("[{]");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, kMalformedAnswer);
  auto done = readSyncDoneAnswer(R"({"result":1,"text":"unknown session"})");
  ASSERT_FALSE(done);
  EXPECT_EQ(done.error().code, 1);
}

}  // namespace
}  // namespace tandem::sync
