#include "sync/ha_json.h"

#include <gtest/gtest.h>

#include <limits>

#include <filesystem>
#include <fstream>

#include "heartbeat/http_date.h"
#include "tests/ha/ha_test_util.h"

namespace tandem::sync {
namespace {

using namespace std::chrono_literals;

// Real JSON exchanged by two Kea 2.2 peers, captured in the lab (tests/data/kea-wire).
const std::filesystem::path kWire = std::filesystem::path(__FILE__).parent_path().parent_path() / "data" / "kea-wire";

json wire(const std::string& name) {
  std::ifstream in(kWire / name);
  return json::parse(in);
}

#define REQUIRE_WIRE() ASSERT_TRUE(std::filesystem::exists(kWire)) << kWire << " missing"

Lease sample() {
  Lease l;
  l.address = Ipv4(198, 18, 16, 0);
  l.hwAddr = *HwAddr::parse("00:0c:01:02:03:04");
  l.clientId = {0x01, 0x00, 0x0c, 0x01, 0x02, 0x03, 0x04};
  l.validLifetime = 4000;
  l.cltt = 1795334859;  // expire 1795338859 as in lease4-update.request.json
  l.subnetId = 1;
  return l;
}

TEST(HaJson, LeaseUpdateMatchesKeaWire) {
  REQUIRE_WIRE();
  const json keaArgs = wire("lease4-update.request.json")["arguments"];
  json ours = leaseUpdateArgs(sample());
  // Kea 2.2 sends no "origin" (added in 2.3.8); everything else is identical.
  EXPECT_EQ(ours["origin"], "ha-partner");
  ours.erase("origin");
  EXPECT_EQ(ours, keaArgs);
  EXPECT_EQ(makeCommand("lease4-update", keaArgs), wire("lease4-update.request.json"));
}

TEST(HaJson, LeaseDelMatchesKeaWire) {
  REQUIRE_WIRE();
  Lease l = sample();
  l.cltt = 1795338862 - 4000;
  json ours = leaseDelArgs(l);
  ours.erase("origin");
  EXPECT_EQ(ours, wire("lease4-del.request.json")["arguments"]);
  auto a = addressFromDelArgs(wire("lease4-del.request.json")["arguments"]);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(*a, Ipv4(198, 18, 16, 0));
}

TEST(HaJson, LeaseFromKeaUpdate) {
  REQUIRE_WIRE();
  FakeClock clock;
  auto l = leaseFromUpdateArgs(wire("lease4-update.2.request.json")["arguments"], clock.now());
  ASSERT_TRUE(l.ok()) << l.error().message;
  EXPECT_EQ(l->address, Ipv4(198, 18, 16, 0));
  EXPECT_EQ(l->hwAddr.toString(), "00:0c:01:02:03:04");
  EXPECT_EQ(toHexColon(l->clientId), "01:00:0c:01:02:03:04");
  EXPECT_EQ(l->validLifetime, 4000u);
  EXPECT_EQ(l->cltt, 1795338862 - 4000);
  EXPECT_EQ(l->expire(), 1795338862);
  EXPECT_EQ(l->subnetId, 1u);
  EXPECT_EQ(l->state, LeaseState::Default);
}

TEST(HaJson, LeaseUpdateRules) {
  FakeClock clock;
  json base = leaseUpdateArgs(sample());
  auto with = [&](const char* k, json v) {
    json j = base;
    if (v.is_null()) j.erase(k);
    else j[k] = v;
    return leaseFromUpdateArgs(j, clock.now());
  };
  EXPECT_EQ(with("expire", nullptr)->cltt, toEpochSeconds(clock.now()));  // absent: now
  EXPECT_FALSE(with("expire", 0).ok());
  EXPECT_FALSE(with("expire", 3999).ok());  // < valid-lft
  EXPECT_EQ(with("expire", 4000)->cltt, 0);
  EXPECT_FALSE(with("ip-address", "198.18.16").ok());
  EXPECT_FALSE(with("ip-address", nullptr).ok());
  EXPECT_FALSE(with("hw-address", nullptr).ok());
  EXPECT_FALSE(with("hw-address", "zz").ok());
  EXPECT_FALSE(with("client-id", "0g").ok());
  EXPECT_FALSE(with("valid-lft", nullptr).ok());
  EXPECT_FALSE(with("valid-lft", -1).ok());
  EXPECT_FALSE(with("subnet-id", "1").ok());
  EXPECT_EQ(with("subnet-id", nullptr)->subnetId, 0u);  // select by address
  EXPECT_FALSE(with("fqdn-fwd", true).ok());            // no hostname
  json fq = base;
  fq["fqdn-fwd"] = true;
  fq["hostname"] = "PC9.Example.";
  auto l = leaseFromUpdateArgs(fq, clock.now());
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->hostname, "PC9.Example.");  // lease4-update takes it as-is
  EXPECT_EQ(with("state", 1)->state, LeaseState::Declined);
  EXPECT_EQ(with("state", 2)->state, LeaseState::ExpiredReclaimed);
  EXPECT_EQ(with("state", 3)->state, LeaseState::ExpiredReclaimed);  // Kea >= 2.7 "released"
  EXPECT_FALSE(with("state", 4).ok());
  EXPECT_FALSE(with("user-context", "x").ok());
  EXPECT_EQ(with("user-context", json{{"ISC", {{"relay-agent-info", "0x01"}}}})->userContext,
            R"({"ISC":{"relay-agent-info":"0x01"}})");
  EXPECT_FALSE(leaseFromUpdateArgs(json::array(), clock.now()).ok());
}

TEST(HaJson, LeaseRoundTripsThroughEveryForm) {
  FakeClock clock;
  Lease l = sample();
  l.clientId.clear();
  l.fqdnFwd = true;
  l.hostname = "pc9.example.";
  l.state = LeaseState::Declined;
  l.poolId = 3;
  l.userContext = R"({"note":"x"})";
  auto u = leaseFromUpdateArgs(leaseUpdateArgs(l), clock.now());
  ASSERT_TRUE(u.ok()) << u.error().message;
  EXPECT_EQ(*u, l);
  auto p = leaseFromPageEntry(leaseToPageEntry(l));
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*p, l);
  EXPECT_FALSE(leaseToJson(l).contains("client-id"));
  EXPECT_EQ(leaseToJson(l)["user-context"]["note"], "x");
}

// A partner's page entry whose cltt + valid-lft passes 2^63 is refused: the lease's expiry
// (Lease::expire(), written back as "expire") would be a signed overflow. The largest cltt
// that fits is kept as is.
TEST(HaJson, PageEntryWhoseExpiryOverflowsIsRefused) {
  Lease l = sample();
  json entry = leaseToPageEntry(l);
  entry["cltt"] = std::numeric_limits<std::int64_t>::max() - std::int64_t(l.validLifetime) + 1;
  auto bad = leaseFromPageEntry(entry);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("beyond the largest time"), std::string::npos) << bad.error().message;
  entry["cltt"] = std::numeric_limits<std::int64_t>::max() - std::int64_t(l.validLifetime);
  auto good = leaseFromPageEntry(entry);
  ASSERT_TRUE(good.ok()) << good.error().message;
  EXPECT_EQ(good->expire(), std::numeric_limits<std::int64_t>::max());
}

TEST(HaJson, PageEntriesFromKeaWire) {
  REQUIRE_WIRE();
  auto a = parsePeerAnswer(wire("lease4-get-page.2.response.json"));
  ASSERT_TRUE(a.ok()) << a.error().message;
  auto page = parsePageAnswer(*a, 10000);
  ASSERT_TRUE(page.ok()) << page.error().message;
  ASSERT_EQ(page->leases.size(), 3u);
  EXPECT_TRUE(page->errors.empty());
  EXPECT_EQ(page->leases[0].address, Ipv4(198, 18, 16, 7));
  EXPECT_EQ(page->leases[0].cltt, 1795334874);
  EXPECT_EQ(page->next, Ipv4(198, 18, 16, 11));
  EXPECT_TRUE(page->last);                     // 3 < 10000
  EXPECT_FALSE(parsePageAnswer(*a, 3)->last);  // a full page: ask for more

  auto empty = parsePageAnswer(*parsePeerAnswer(wire("lease4-get-page.response.json")), 10000);
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->leases.empty());
  EXPECT_TRUE(empty->last);

  EXPECT_EQ(pageRequestArgs(std::nullopt, 10000), wire("lease4-get-page.request.json")["arguments"]);
  EXPECT_EQ(pageRequestArgs(Ipv4(198, 18, 16, 11), 500), (json{{"from", "198.18.16.11"}, {"limit", 500}}));
}

TEST(HaJson, PageEntryRulesAndPerLeaseErrors) {
  Lease l = sample();
  l.hostname = "PC.Example.";
  json entry = leaseToPageEntry(l);
  EXPECT_EQ(leaseFromPageEntry(entry)->hostname, "pc.example.");  // sync lower-cases
  json noCltt = entry;
  noCltt.erase("cltt");
  EXPECT_FALSE(leaseFromPageEntry(noCltt).ok());
  json noSubnet = entry;
  noSubnet.erase("subnet-id");
  EXPECT_FALSE(leaseFromPageEntry(noSubnet).ok());

  PeerAnswer a{0, "2 IPv4 lease(s) found.", {{"count", 2}, {"leases", json::array({noCltt, entry})}}};
  auto page = parsePageAnswer(a, 2);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->leases.size(), 1u);
  ASSERT_EQ(page->errors.size(), 1u);
  EXPECT_FALSE(page->last);
  EXPECT_FALSE(parsePageAnswer(PeerAnswer{1, "boom", nullptr}, 10).ok());
  EXPECT_FALSE(parsePageAnswer(PeerAnswer{0, "", json::object()}, 10).ok());
}

TEST(HaJson, PageRequestAndAnswerServingSide) {
  auto r = parsePageRequest({{"from", "start"}, {"limit", 10000}});
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->after.has_value());
  EXPECT_EQ(r->limit, 10000u);
  EXPECT_EQ(parsePageRequest({{"from", "198.18.16.11"}, {"limit", 5}})->after, Ipv4(198, 18, 16, 11));
  EXPECT_FALSE(parsePageRequest({{"from", "end"}, {"limit", 5}}).ok());
  EXPECT_FALSE(parsePageRequest({{"from", "start"}, {"limit", 0}}).ok());
  EXPECT_FALSE(parsePageRequest({{"limit", 5}}).ok());
  EXPECT_FALSE(parsePageRequest({{"from", "start"}}).ok());
  EXPECT_EQ(pageAnswer({}), wire("lease4-get-page.response.json"));
  const json one = pageAnswer({sample()});
  EXPECT_EQ(one[0]["result"], 0);
  EXPECT_EQ(one[0]["text"], "1 IPv4 lease(s) found.");
  EXPECT_EQ(one[0]["arguments"]["count"], 1);
  EXPECT_EQ(one[0]["arguments"]["leases"][0]["cltt"], 1795334859);
}

TEST(HaJson, AnswerEnvelope) {
  REQUIRE_WIRE();
  auto a = parsePeerAnswer(wire("lease4-update.response.json"));
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->result, 0);
  EXPECT_EQ(a->text, "IPv4 lease added.");
  EXPECT_TRUE(a->arguments.is_null());
  EXPECT_EQ(makeAnswer(0, "IPv4 lease added."), wire("lease4-update.response.json"));
  EXPECT_EQ(makeAnswer(0, "HA state machine reset."), wire("ha-reset.response.json"));
  // A bare map (what the control socket or an HTTP 403 returns) is not a peer answer.
  EXPECT_FALSE(parsePeerAnswer(wire("ha-heartbeat.control-socket.response.json")).ok());
  EXPECT_FALSE(parsePeerAnswer(json{{"result", 403}, {"text", "Forbidden"}}).ok());
  EXPECT_FALSE(parsePeerAnswer(json::array()).ok());
  EXPECT_FALSE(parsePeerAnswer(json::array({{{"text", "no result"}}})).ok());
  EXPECT_FALSE(parsePeerAnswer("garbage").ok());
  // A result beyond int is no result (it used to be truncated: 2^32 read as 0, success).
  EXPECT_FALSE(parsePeerAnswer(json::array({{{"result", 4294967296LL}}})).ok());
  EXPECT_FALSE(parsePeerAnswer(json::array({{{"result", 18446744069414584320ULL}}})).ok());
  EXPECT_FALSE(parsePeerAnswer(json::array({{{"result", -2147483649LL}}})).ok());
  EXPECT_EQ(parsePeerAnswer(json::array({{{"result", -2147483648LL}}}))->result, -2147483648LL);
}

TEST(HaJson, LeaseUpdateAnswerClassification) {
  using O = ha::LeaseUpdateResult::Outcome;
  EXPECT_EQ(classifyLeaseUpdateAnswer(PeerAnswer{0, "", nullptr}), O::Ok);
  EXPECT_EQ(classifyLeaseUpdateAnswer(PeerAnswer{3, "IPv4 lease not found.", nullptr}), O::Ok);
  EXPECT_EQ(classifyLeaseUpdateAnswer(PeerAnswer{4, "conflict", nullptr}), O::Conflict);
  EXPECT_EQ(classifyLeaseUpdateAnswer(PeerAnswer{1, "error", nullptr}), O::Failed);
  EXPECT_EQ(classifyLeaseUpdateAnswer(PeerAnswer{2, "unsupported", nullptr}), O::Failed);
  EXPECT_EQ(classifyLeaseUpdateAnswer(Result<PeerAnswer>(makeError("timeout"))), O::Failed);
}

TEST(HaJson, HeartbeatFromKeaWire) {
  REQUIRE_WIRE();
  for (const char* f : {"ha-heartbeat.response.json", "ha-heartbeat.2.response.json"}) {
    auto a = parsePeerAnswer(wire(f));
    ASSERT_TRUE(a.ok()) << f;
    auto hb = parseHeartbeatAnswer(*a);
    ASSERT_TRUE(hb.ok()) << f << ": " << hb.error().message;
    EXPECT_EQ(hb->unsentUpdateCount, 0u);
    ASSERT_TRUE(hb->scopes.has_value());
  }
  auto hb = parseHeartbeatAnswer(*parsePeerAnswer(wire("ha-heartbeat.2.response.json")));
  EXPECT_EQ(hb->partnerState, ha::HaState::PartnerInMaintenance);
  EXPECT_EQ(*hb->scopes, (std::vector<std::string>{"server1", "server2"}));
  EXPECT_EQ(toEpochSeconds(hb->partnerTime), 1795334881);  // Sun, 22 Nov 2026 08:08:01 GMT
  // Kea 2.2 sends ha-heartbeat without arguments; we add server-name (newer Kea does).
  EXPECT_EQ(makeCommand("ha-heartbeat"), wire("ha-heartbeat.request.json"));
}

TEST(HaJson, HeartbeatAnswerBuilderMatchesKeaShape) {
  REQUIRE_WIRE();
  const json kea = wire("ha-heartbeat.response.json");
  const auto when = *heartbeat::parseRfc1123(kea[0]["arguments"]["date-time"].get<std::string>());
  ha::HeartbeatReply reply{ha::HaState::Waiting, {}, 0};
  EXPECT_EQ(makeAnswer(0, kHeartbeatText, heartbeatAnswerArgs(reply, when)), kea);
  EXPECT_EQ(heartbeatArgs("server1"), (json{{"server-name", "server1"}}));
}

TEST(HaJson, HeartbeatAnswerRules) {
  const json good = {{"state", "load-balancing"},
                     {"date-time", "Sun, 22 Nov 2026 08:07:35 GMT"},
                     {"scopes", {"server1"}},
                     {"unsent-update-count", 5}};
  auto parse = [](json args) { return parseHeartbeatAnswer(PeerAnswer{0, "", std::move(args)}); };
  ASSERT_TRUE(parse(good).ok());
  EXPECT_EQ(parse(good)->unsentUpdateCount, 5u);
  auto drop = [&](const char* k) {
    json j = good;
    j.erase(k);
    return j;
  };
  auto set = [&](const char* k, json v) {
    json j = good;
    j[k] = std::move(v);
    return j;
  };
  EXPECT_FALSE(parse(drop("state")).ok());
  EXPECT_FALSE(parse(set("state", "dancing")).ok());
  EXPECT_FALSE(parse(set("state", 3)).ok());
  EXPECT_TRUE(parse(set("state", "unavailable")).ok());  // Kea's parser accepts it
  EXPECT_FALSE(parse(drop("date-time")).ok());
  EXPECT_FALSE(parse(set("date-time", "yesterday")).ok());
  EXPECT_FALSE(parse(drop("scopes"))->scopes.has_value());            // old peers: fine
  EXPECT_FALSE(parse(set("scopes", "server1"))->scopes.has_value());  // malformed: ignored
  EXPECT_FALSE(parse(drop("unsent-update-count"))->unsentUpdateCount.has_value());
  EXPECT_FALSE(parse(set("unsent-update-count", "5")).ok());
  EXPECT_FALSE(parse(json::array()).ok());
  EXPECT_FALSE(parseHeartbeatAnswer(PeerAnswer{1, "not configured", nullptr}).ok());
}

TEST(HaJson, DisableEnableAndOrigins) {
  REQUIRE_WIRE();
  json d = dhcpDisableArgs(2000, 60);
  EXPECT_EQ(d, (json{{"origin-id", 2000}, {"origin", "ha-partner"}, {"max-period", 60}}));
  // Kea 2.2 sent only the legacy half.
  json kea = wire("dhcp-disable.request.json")["arguments"];
  EXPECT_EQ(*parseOrigin(kea, 1), 2000);
  EXPECT_FALSE(dhcpDisableArgs(2000, 0).contains("max-period"));
  EXPECT_EQ(dhcpEnableArgs(2001), (json{{"origin-id", 2001}, {"origin", "ha-partner"}}));
  EXPECT_EQ(*parseOrigin(json{{"origin-id", 2003}, {"origin", "ha-partner"}}, 1), 2003);  // origin-id wins
  EXPECT_EQ(*parseOrigin(json{{"origin", "user"}}, 7), 1);
  EXPECT_EQ(*parseOrigin(json{{"origin", 2000}}, 7), 2000);
  EXPECT_EQ(*parseOrigin(json::object(), 7), 7);
  EXPECT_EQ(*parseOrigin(nullptr, 7), 7);
  EXPECT_FALSE(parseOrigin(json{{"origin", "martians"}}, 7).ok());
  EXPECT_FALSE(parseOrigin(json{{"origin-id", "x"}}, 7).ok());
  EXPECT_EQ(syncCompleteNotifyArgs("server2", 2000),
            (json{{"server-name", "server2"}, {"origin-id", 2000}, {"origin", 2000}}));
  EXPECT_EQ(haResetArgs("server1"), (json{{"server-name", "server1"}}));
}

TEST(HaJson, MaintenanceNotify) {
  REQUIRE_WIRE();
  auto c = parseMaintenanceNotify(wire("ha-maintenance-notify.request.json")["arguments"]);
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(c->cancel);
  EXPECT_FALSE(c->senderState.has_value());
  json ours = maintenanceNotifyArgs("server1", true, ha::HaState::LoadBalancing);
  auto back = parseMaintenanceNotify(ours);
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(back->cancel);
  EXPECT_EQ(back->senderState, ha::HaState::LoadBalancing);
  EXPECT_FALSE(parseMaintenanceNotify(json::object()).ok());
  EXPECT_FALSE(parseMaintenanceNotify(json{{"cancel", "no"}}).ok());
  EXPECT_FALSE(parseMaintenanceNotify(json{{"cancel", false}, {"state", "odd"}}).ok());

  auto f = maintenanceNotifyFinished(parsePeerAnswer(wire("ha-maintenance-notify.response.json")));
  EXPECT_FALSE(f.transportError);
  EXPECT_EQ(f.result, 0);
  f = maintenanceNotifyFinished(PeerAnswer{0, "Server maintenance canceled.", {{"state", "load-balancing"}}});
  EXPECT_EQ(f.partnerState, ha::HaState::LoadBalancing);
  f = maintenanceNotifyFinished(Result<PeerAnswer>(makeError("connection refused")));
  EXPECT_TRUE(f.transportError);
}

TEST(HaJson, ScopesArgs) {
  auto s = parseScopesArgs({{"scopes", {"server1", "server2"}}});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->scopes.size(), 2u);
  EXPECT_TRUE(parseScopesArgs({{"scopes", json::array()}})->scopes.empty());
  EXPECT_FALSE(parseScopesArgs(json::object()).ok());
  EXPECT_FALSE(parseScopesArgs({{"scopes", "server1"}}).ok());
  EXPECT_FALSE(parseScopesArgs({{"scopes", {1}}}).ok());
}

TEST(HaJson, StatusSectionHasKeaShape) {
  REQUIRE_WIRE();
  ha::HaMachine m(ha::testing::lbConfig("server1"));
  FakeClock clock;
  (void)m.handle(ha::Start{}, fakeSteady(clock));
  ha::HeartbeatAnswered hb;
  hb.partnerState = ha::HaState::LoadBalancing;
  hb.partnerTime = clock.now();
  hb.localTime = clock.now();
  hb.scopes = std::vector<std::string>{"server2"};
  hb.unsentUpdateCount = 0;
  (void)m.handle(hb, fakeSteady(clock));
  const json ours = statusHaSection(m.status(fakeSteady(clock)), clock.now());
  const json kea = wire("status-get.control-socket.response.json")["arguments"]["high-availability"][0];
  EXPECT_EQ(ours["ha-mode"], kea["ha-mode"]);
  // Every key Kea 2.2 reports is there with the same JSON type.
  for (const char* side : {"local", "remote"}) {
    for (const auto& [k, v] : kea["ha-servers"][side].items()) {
      ASSERT_TRUE(ours["ha-servers"][side].contains(k)) << side << "/" << k;
      // Signed and unsigned integers print the same on the wire.
      const json& o = ours["ha-servers"][side][k];
      EXPECT_TRUE(o.type() == v.type() || (o.is_number_integer() && v.is_number_integer())) << side << "/" << k;
    }
  }
  EXPECT_EQ(ours["ha-servers"]["remote"]["last-scopes"], json({"server2"}));
  EXPECT_EQ(ours["ha-servers"]["remote"]["clock-skew"], 0);
  EXPECT_EQ(ours["ha-servers"]["local"]["state"], "syncing");

  ha::HaMachine b(ha::testing::lbConfig("server3"));
  (void)b.handle(ha::Start{}, fakeSteady(clock));
  const json backup = statusHaSection(b.status(fakeSteady(clock)), clock.now());
  EXPECT_FALSE(backup["ha-servers"].contains("remote"));
  EXPECT_EQ(backup["ha-servers"]["local"]["state"], "backup");
  EXPECT_EQ(backup["ha-servers"]["local"]["role"], "backup");
}

}  // namespace
}  // namespace tandem::sync
