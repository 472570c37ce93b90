#include "sync/bulk_apply_reader.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "dhcpd/api/command_registry.h"
#include "sync/tandem_sync_json.h"

namespace tandem::sync {
namespace {

// The registry's path the reader replaces: parseCommand, then parseBulkApplyRequest of the
// arguments (HaService::serveBulkApply).
struct TreeRead {
  bool ok = false;
  bool list = false;
  BulkApplyRequest request;
};
TreeRead treeRead(std::string_view body) {
  TreeRead t;
  json doc = json::parse(body.begin(), body.end(), nullptr, false);
  if (doc.is_discarded()) return t;
  auto cmd = api::parseCommand(doc);
  if (!cmd || cmd->name != kBulkApplyCommand) return t;
  auto req = parseBulkApplyRequest(cmd->arguments);
  if (!req) return t;
  t.ok = true;
  t.list = cmd->services.has_value();
  t.request = std::move(*req);
  return t;
}

// What the reader reads, the tree reads the same way.
void expectSameAsTree(std::string_view body) {
  auto direct = readBulkApplyCommand(body);
  if (!direct) return;
  const TreeRead tree = treeRead(body);
  ASSERT_TRUE(tree.ok) << "reader took what the tree refuses: " << body;
  EXPECT_EQ(direct->listAnswer, tree.list) << body;
  EXPECT_EQ(direct->request.serverName, tree.request.serverName) << body;
  EXPECT_EQ(direct->request.leases, tree.request.leases) << body;
  EXPECT_EQ(direct->request.deleted, tree.request.deleted) << body;
}

// Leases with the odd fields a batch can carry (Kea 2.2 rows: pool-id never on the wire).
std::vector<Lease> oddLeases(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  const std::vector<std::string> hostnames = {"",
                                              "h.example.org",
                                              "comma,and&amp",
                                              "quote\"back\\slash",
                                              "tab\tnew\nline\rcr",
                                              "caf\xC3\xA9-\xF0\x9F\x98\x80",
                                              std::string(300, 'x')};
  const std::vector<std::string> contexts = {"", R"({"a":1})", R"({"comment":"x, y & \"z\"","n":[1,2.5,null]})",
                                             "{\"u\":\"\\u00e9\\ud83d\\ude00\"}"};
  std::vector<Lease> out;
  for (std::size_t i = 0; i < n; ++i) {
    Lease l;
    l.address = Ipv4(0xc6121000u + static_cast<std::uint32_t>(i) * 2 + seed % 2);
    std::vector<std::uint8_t> hw(1 + rng() % 16);
    for (auto& b : hw) b = static_cast<std::uint8_t>(rng());
    l.hwAddr = HwAddr::fromBytes(hw);
    if (rng() % 2) {
      l.clientId.resize(1 + rng() % 30);
      for (auto& b : l.clientId) b = static_cast<std::uint8_t>(rng());
    }
    l.validLifetime = rng() % 3 == 0 ? 0xffffffffu : 1 + rng() % 100000;
    l.cltt = 1'750'000'000 + static_cast<std::int64_t>(rng() % 100000);
    l.subnetId = 1 + rng() % 5;
    l.hostname = hostnames[rng() % hostnames.size()];
    l.fqdnFwd = !l.hostname.empty() && rng() % 2;
    l.fqdnRev = !l.hostname.empty() && rng() % 2;
    l.state = static_cast<LeaseState>(rng() % 3);
    l.userContext = contexts[rng() % contexts.size()];
    out.push_back(std::move(l));
  }
  return out;
}

std::vector<UpdateBatcher::Item> itemsOf(const std::vector<Lease>& up, const std::vector<Lease>& del) {
  std::vector<UpdateBatcher::Item> items;
  for (const Lease& l : up) items.push_back({l, true, nullptr});
  for (const Lease& l : del) items.push_back({l, false, nullptr});
  return items;
}

// The sender writes the request text directly (bulkApplyBody): the same JSON as the tree's
// dump, invalid UTF-8 in a hostname replaced the same way, and read back to the same leases.
TEST(BulkApplyReader, DirectBodyEqualsTheTreeDump) {
  for (std::uint32_t seed = 1; seed <= 20; ++seed) {
    auto up = oddLeases(30, seed);
    const auto del = oddLeases(5, seed + 1);
    if (seed % 4 == 0) up[3].hostname = "bad\xff\xfeutf8,\x01";
    const auto items = itemsOf(up, del);
    const std::string body = bulkApplyBody("server\"1", items);
    const std::string tree = makeCommand(kBulkApplyCommand, bulkApplyArgs("server\"1", items))
                                 .dump(-1, ' ', false, json::error_handler_t::replace);
    const json direct = json::parse(body, nullptr, false);
    ASSERT_FALSE(direct.is_discarded()) << body.substr(0, 200);
    EXPECT_EQ(direct, json::parse(tree));
    auto cmd = readBulkApplyCommand(body);
    ASSERT_TRUE(cmd);
    EXPECT_TRUE(cmd->listAnswer);
    EXPECT_EQ(cmd->request.serverName, "server\"1");
    EXPECT_EQ(cmd->request.deleted, del);
    if (seed % 4 != 0) {
      EXPECT_EQ(cmd->request.leases, up);
    }
    expectSameAsTree(body);
  }
  // An empty batch list still makes a well-formed request.
  EXPECT_EQ(json::parse(bulkApplyBody("s", {})), makeCommand(kBulkApplyCommand, bulkApplyArgs("s", {})));
}

TEST(BulkApplyReader, ReadsWhatTheSenderSends) {
  for (std::uint32_t seed = 1; seed <= 20; ++seed) {
    const auto up = oddLeases(40, seed);
    auto del = oddLeases(7, seed + 1);  // other addresses (seed + 1 has the other parity)
    const json command = makeCommand(kBulkApplyCommand, bulkApplyArgs("server1", itemsOf(up, del)));
    // As PeerClient sends it (dump), and in the control channel's layout.
    for (const std::string& body : {command.dump(), api::toKeaText(command)}) {
      auto cmd = readBulkApplyCommand(body);
      ASSERT_TRUE(cmd) << body.substr(0, 200);
      EXPECT_TRUE(cmd->listAnswer);  // makeCommand adds "service": ["dhcp4"]
      EXPECT_EQ(cmd->request.serverName, "server1");
      EXPECT_EQ(cmd->request.leases, up);
      EXPECT_EQ(cmd->request.deleted, del);
      expectSameAsTree(body);
      // The forensic log observer gets arguments that read back to the same request.
      auto again = parseBulkApplyRequest(cmd->observedArguments());
      ASSERT_TRUE(again);
      EXPECT_EQ(again->leases, up);
      EXPECT_EQ(again->deleted, del);
    }
  }
}

TEST(BulkApplyReader, AcceptsWhatTheTreePathAccepts) {
  const std::string rows = json(leasesToCsv(oddLeases(3, 9))).dump();
  const std::vector<std::string> bodies = {
      // no "service": a bare map answer
      R"({"command":"tandem-lease4-bulk-apply","arguments":{}})",
      R"({"command":"tandem-lease4-bulk-apply","arguments":{"leases":"","deleted":""}})",
      // spacing, member order, a byte order mark, remote-address of any kind
      "\xEF\xBB\xBF \r\n\t{ \"arguments\" : { \"deleted\" : \"\" , \"leases\" : " + rows +
          " , \"server-name\" : \"s\" } , \"remote-address\" : [1, {\"x\": null}] , \"service\" : [ \"dhcp4\" ] ,"
          " \"command\" : \"tandem-lease4-bulk-apply\" } ",
      // unknown argument members are ignored, as parseBulkApplyRequest ignores them
      R"({"command":"tandem-lease4-bulk-apply","arguments":{"x":[1,-2.5e+3,{"y":true}],"leases":)" + rows + "}}",
      // repeated members count with their last copy (nlohmann's tree)
      R"({"command":"tandem-lease4-bulk-apply","arguments":{"leases":5,"leases":)" + rows +
          R"(,"server-name":1,"server-name":"b"},"service":["x"],"service":["dhcp4"]})",
      R"({"arguments":{"leases":"garbage"},"arguments":{"leases":)" + rows +
          R"(},"command":"tandem-lease4-bulk-apply"})",
      // escapes in keys and values
      R"({"comm\u0061nd":"tandem-lease4-bulk-apply","\u0061rguments":{"server-name":"\u00e9\/"}})",
  };
  for (const auto& b : bodies) {
    EXPECT_TRUE(readBulkApplyCommand(b)) << b;
    expectSameAsTree(b);
  }
}

TEST(BulkApplyReader, DeclinesEverythingElse) {
  const std::string ok = R"({"command":"tandem-lease4-bulk-apply","service":["dhcp4"],"arguments":{"leases":""}})";
  ASSERT_TRUE(readBulkApplyCommand(ok));
  const std::vector<std::string> bodies = {
      "",
      "{}",
      "[]",
      "null",
      "\"tandem-lease4-bulk-apply\"",
      ok + "x",
      ok + "}",
      // other commands (the registry's path), however similar
      R"({"command":"lease4-update","arguments":{"leases":""}})",
      R"({"command":"tandem-lease4-bulk-apply ","arguments":{}})",
      R"({"command":"tandem-lease4-sync-page","arguments":{}})",
      // the name written with escapes: found by the tree (a quick search finds it not)
      R"({"command":"tandem-lease4-bulk-\u0061pply","arguments":{}})",
      // a later "command" wins in the tree: not ours to read
      R"({"command":"tandem-lease4-bulk-apply","command":"status-get","arguments":{}})",
      R"({"command":1,"arguments":{}})",
      // framing the registry answers with an error (its texts are the reference)
      R"({"command":"tandem-lease4-bulk-apply"})",
      R"({"command":"tandem-lease4-bulk-apply","arguments":null})",
      R"({"command":"tandem-lease4-bulk-apply","arguments":[]})",
      R"({"command":"tandem-lease4-bulk-apply","arguments":{},"extra":1})",
      R"({"command":"tandem-lease4-bulk-apply","arguments":{},"service":"dhcp4"})",
      R"({"command":"tandem-lease4-bulk-apply","arguments":{},"service":[1]})",
      // other services: the Control Agent's per-service answers
      R"({"command":"tandem-lease4-bulk-apply","arguments":{},"service":[]})",
      R"({"command":"tandem-lease4-bulk-apply","arguments":{},"service":["dhcp6"]})",
      R"({"command":"tandem-lease4-bulk-apply","arguments":{},"service":["dhcp4","dhcp4"]})",
      // arguments parseBulkApplyRequest refuses
      R"({"command":"tandem-lease4-bulk-apply","arguments":{"leases":5}})",
      R"({"command":"tandem-lease4-bulk-apply","arguments":{"deleted":null}})",
      R"({"command":"tandem-lease4-bulk-apply","arguments":{"server-name":1}})",
      R"({"command":"tandem-lease4-bulk-apply","arguments":{"leases":"not,a,lease\n"}})",
      R"({"command":"tandem-lease4-bulk-apply","arguments":{"leases":"198.18.16.1,02:00:00:00:00:01,,4000,1750004000,1,0,0,,0,\n","deleted":"198.18.16.1,02:00:00:00:00:01,,4000,1750004000,1,0,0,,0,\n"}})",
      // JSON nlohmann refuses
      R"({"command":"tandem-lease4-bulk-apply","arguments":{"leases":""},})",
      R"({"command":"tandem-lease4-bulk-apply","arguments":{"leases":"\x"}})",
      R"({"command":"tandem-lease4-bulk-apply","arguments":{"leases":"\ud800"}})",
      "{\"command\":\"tandem-lease4-bulk-apply\",\"arguments\":{\"leases\":\"a\tb\"}}",
      "{\"command\":\"tandem-lease4-bulk-apply\",\"arguments\":{\"server-name\":\"\xC0\xAF\"}}",
      "{\"command\":\"tandem-lease4-bulk-apply\",\"arguments\":{\"server-name\":\"\xED\xA0\x80\"}}",
  };
  for (const auto& b : bodies) {
    EXPECT_FALSE(readBulkApplyCommand(b)) << b;
    expectSameAsTree(b);
  }
  // Every cut of a real batch is declined, never read past its end.
  const std::string body = makeCommand(kBulkApplyCommand, bulkApplyArgs("s", itemsOf(oddLeases(10, 4), {}))).dump();
  for (std::size_t n = 0; n < body.size(); ++n) {
    EXPECT_FALSE(readBulkApplyCommand(std::string_view(body).substr(0, n))) << n;
  }
  // Too deep to bother with (the tree would take it).
  const std::string deep = R"({"command":"tandem-lease4-bulk-apply","arguments":{"x":)" + std::string(1000, '[') +
                           std::string(1000, ']') + "}}";
  EXPECT_FALSE(readBulkApplyCommand(deep));
}

TEST(BulkApplyReader, RandomCorruptionsNeverReadDifferently) {
  // Single-byte changes of a real batch: whatever the reader still takes, the tree path takes
  // and reads the same way (the fuzz target does this without end).
  const std::string body =
      makeCommand(kBulkApplyCommand, bulkApplyArgs("server1", itemsOf(oddLeases(6, 11), oddLeases(2, 12)))).dump();
  std::mt19937 rng(7);
  const std::string alphabet = "{}[]\",:\\ 0123456789abcdefu\n-.&#x";
  for (int i = 0; i < 3000; ++i) {
    std::string b = body;
    b[rng() % b.size()] = alphabet[rng() % alphabet.size()];
    expectSameAsTree(b);
  }
}

}  // namespace
}  // namespace tandem::sync
