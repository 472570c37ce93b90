#include "ha/ha_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/ha/ha_test_util.h"

namespace tandem::ha {
namespace {

using nlohmann::json;
using namespace testing;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr const char* kPrefix = "Dhcp4/hooks-libraries/1/parameters";

std::string errorOf(const json& parameters) {
  HaParseOptions opt;
  opt.pathPrefix = kPrefix;
  auto r = parseHaConfig(parameters, opt);
  EXPECT_FALSE(r.ok());
  return r.ok() ? std::string() : r.error().message;
}

std::string errorOfRel(const json& rel) { return errorOf(params(rel)); }

const std::string kRel = std::string(kPrefix) + "/high-availability/0";

TEST(HaConfig, DefaultsMatchKeaAndTandemExtensions) {
  HaConfig c = parseOne(relationship("server1", "load-balancing", lbPeers()));
  EXPECT_EQ(c.heartbeatDelay.count(), 10000);
  EXPECT_EQ(c.maxResponseDelay.count(), 60000);
  EXPECT_EQ(c.maxAckDelay.count(), 10000);
  EXPECT_EQ(c.maxUnackedClients, 10u);
  EXPECT_EQ(c.maxRejectedLeaseUpdates, 10u);
  EXPECT_EQ(c.delayedUpdatesLimit, 100u);  // load-balancing default
  EXPECT_TRUE(c.sendLeaseUpdates);
  EXPECT_TRUE(c.syncLeases);
  EXPECT_EQ(c.syncTimeout.count(), 60000);
  EXPECT_EQ(c.syncPageLimit, 10000u);
  EXPECT_FALSE(c.waitBackupAck);
  EXPECT_TRUE(c.requireClientCerts);
  EXPECT_FALSE(c.restrictCommands);  // Kea 2.4's default
  EXPECT_TRUE(c.multiThreading.enableMultiThreading);
  EXPECT_TRUE(c.multiThreading.httpDedicatedListener);
  EXPECT_EQ(c.multiThreading.httpListenerThreads, 0u);
  EXPECT_EQ(c.multiThreading.httpClientThreads, 0u);
  EXPECT_TRUE(c.poolSplit);
  EXPECT_EQ(c.takeoverDelay.count(), 3600);
  EXPECT_TRUE(c.peers[0].autoFailover);
  EXPECT_EQ(c.pauseFor(HaState::Waiting), PauseMode::Never);
  EXPECT_EQ(c.localOrigin(), 1000);
  EXPECT_EQ(c.remoteOrigin(), 2000);
}

TEST(HaConfig, DelayedUpdatesLimitDefaultsToZeroOutsideLoadBalancing) {
  EXPECT_EQ(parseOne(relationship("server1", "hot-standby", hsPeers())).delayedUpdatesLimit, 0u);
  EXPECT_EQ(parseOne(relationship("server1", "passive-backup",
                                  json::array({peer("server1", "http://198.18.0.1:8001/", "primary")})))
                .delayedUpdatesLimit,
            0u);
}

TEST(HaConfig, ExplicitValuesAndExtensions) {
  HaConfig c = parseOne(relationship("server2", "load-balancing", lbPeers(),
                                     {{"heartbeat-delay", 1000},
                                      {"max-response-delay", 3000},
                                      {"max-ack-delay", 1500},
                                      {"max-unacked-clients", 0},
                                      {"max-rejected-lease-updates", 0},
                                      {"delayed-updates-limit", 7},
                                      {"send-lease-updates", false},
                                      {"sync-leases", false},
                                      {"sync-timeout", 5000},
                                      {"sync-page-limit", 50},
                                      {"require-client-certs", false},
                                      {"restrict-commands", true},
                                      {"pool-split", false},
                                      {"takeover-delay", 120},
                                      {"multi-threading",
                                       {{"enable-multi-threading", false},
                                        {"http-dedicated-listener", false},
                                        {"http-listener-threads", 4},
                                        {"http-client-threads", 3}}},
                                      {"state-machine",
                                       {{"states", json::array({{{"state", "waiting"}, {"pause", "once"}},
                                                                {{"state", "ready"}, {"pause", "always"}},
                                                                {{"state", "syncing"}, {"pause", "never"}}})}}}}));
  EXPECT_EQ(c.thisServerName, "server2");
  EXPECT_EQ(c.heartbeatDelay.count(), 1000);
  EXPECT_EQ(c.maxResponseDelay.count(), 3000);
  EXPECT_EQ(c.maxAckDelay.count(), 1500);
  EXPECT_EQ(c.maxUnackedClients, 0u);
  EXPECT_EQ(c.maxRejectedLeaseUpdates, 0u);
  EXPECT_EQ(c.delayedUpdatesLimit, 7u);
  EXPECT_FALSE(c.sendLeaseUpdates);
  EXPECT_FALSE(c.syncLeases);
  EXPECT_EQ(c.syncTimeout.count(), 5000);
  EXPECT_EQ(c.syncPageLimit, 50u);
  EXPECT_FALSE(c.requireClientCerts);
  EXPECT_TRUE(c.restrictCommands);
  EXPECT_FALSE(c.poolSplit);
  EXPECT_EQ(c.takeoverDelay.count(), 120);
  EXPECT_FALSE(c.multiThreading.enableMultiThreading);
  EXPECT_FALSE(c.multiThreading.httpDedicatedListener);
  EXPECT_EQ(c.multiThreading.httpListenerThreads, 4u);
  EXPECT_EQ(c.multiThreading.httpClientThreads, 3u);
  EXPECT_EQ(c.pauseFor(HaState::Waiting), PauseMode::Once);
  EXPECT_EQ(c.pauseFor(HaState::Ready), PauseMode::Always);
  EXPECT_EQ(c.pauseFor(HaState::Syncing), PauseMode::Never);
  EXPECT_EQ(c.normalState(), HaState::LoadBalancing);
  EXPECT_TRUE(c.allowsCommunicationRecovery());
}

TEST(HaConfig, PeerOrderHelpers) {
  // Secondary listed first: the active-server order is still primary, secondary (Kea's
  // QueryFilter), which is what the RFC 3074 bucket indexes.
  HaConfig c = parseOne(relationship("server2", "load-balancing",
                                     json::array({peer("server2", "http://198.18.0.2:8001/", "secondary"),
                                                  peer("server3", "http://198.18.0.3:8001/", "backup"),
                                                  peer("server1", "http://198.18.0.1:8001/", "primary")})));
  auto active = c.activeServers();
  ASSERT_EQ(active.size(), 2u);
  EXPECT_EQ(active[0]->name, "server1");
  EXPECT_EQ(active[1]->name, "server2");
  ASSERT_NE(c.partner(), nullptr);
  EXPECT_EQ(c.partner()->name, "server1");
  EXPECT_EQ(c.primary().name, "server1");
  EXPECT_EQ(c.otherPeers().size(), 2u);
  EXPECT_EQ(c.thisServer().role, Role::Secondary);
}

TEST(HaConfig, ErrorsCarryJsonPaths) {
  EXPECT_EQ(errorOf(json::object()), std::string(kPrefix) + ": 'high-availability' parameter is required");
  EXPECT_EQ(errorOf({{"high-availability", json::object()}}),
            std::string(kPrefix) + "/high-availability: HA configuration must be a list");
  EXPECT_EQ(errorOf({{"high-availability", json::array()}}),
            std::string(kPrefix) + "/high-availability: HA configuration must not be empty");
  EXPECT_EQ(errorOf({{"high-availability", json::array({1})}}),
            kRel + ": expected list of maps in the HA configuration");

  json rel = relationship("server1", "load-balancing", lbPeers());
  rel.erase("this-server-name");
  EXPECT_EQ(errorOfRel(rel), kRel + ": 'this-server-name' parameter is required");
  EXPECT_EQ(errorOfRel(relationship("  ", "load-balancing", lbPeers())),
            kRel + "/this-server-name: 'this-server-name' must not be empty");
  EXPECT_EQ(errorOfRel(relationship("server1", "active-active", lbPeers())),
            kRel + "/mode: unsupported value 'active-active' for mode parameter");
  EXPECT_EQ(errorOfRel(relationship("server9", "load-balancing", lbPeers())),
            kRel + "/this-server-name: no peer configuration specified for the 'server9'");
}

TEST(HaConfig, IntegerRules) {
  auto with = [](const char* key, json v) {
    return errorOfRel(relationship("server1", "load-balancing", lbPeers(), {{key, v}}));
  };
  EXPECT_EQ(with("heartbeat-delay", -1), kRel + "/heartbeat-delay: must not be negative");
  EXPECT_EQ(with("max-response-delay", 4294967296ull),
            kRel + "/max-response-delay: must not be greater than 4294967295");
  EXPECT_EQ(with("max-ack-delay", "10"), kRel + "/max-ack-delay: must be an integer");
  EXPECT_EQ(with("max-unacked-clients", 1.5), kRel + "/max-unacked-clients: must be an integer");
  EXPECT_EQ(with("sync-page-limit", 0), kRel + "/sync-page-limit: must be greater than 0");
  EXPECT_EQ(with("send-lease-updates", "yes"), kRel + "/send-lease-updates: must be a boolean");
  EXPECT_EQ(with("takeover-delay", -5), kRel + "/takeover-delay: must not be negative");
  // The upper bound itself is accepted (Kea >= 3.3 reads them as uint32) but warned about:
  // Kea 2.2 stored them as uint16.
  auto r = parseHaConfig(params(relationship("server1", "load-balancing", lbPeers(),
                                             {{"heartbeat-delay", 4294967295u}, {"max-response-delay", 70000}})));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->relationships[0].heartbeatDelay.count(), 4294967295);
  int kea22 = 0;
  for (const auto& w : r->warnings) kea22 += w.find("Kea 2.2") != std::string::npos;
  EXPECT_EQ(kea22, 2);
}

TEST(HaConfig, RolesPerMode) {
  const std::string peers = kRel + "/peers";
  auto two = [](const char* r1, const char* r2) {
    return json::array(
        {peer("server1", "http://198.18.0.1:8001/", r1), peer("server2", "http://198.18.0.2:8001/", r2)});
  };
  EXPECT_EQ(errorOfRel(relationship("server1", "load-balancing", two("primary", "primary"))),
            peers + ": multiple primary servers specified");
  EXPECT_EQ(errorOfRel(relationship("server1", "load-balancing", two("secondary", "secondary"))),
            peers + ": multiple secondary servers specified");
  EXPECT_EQ(errorOfRel(relationship("server1", "hot-standby", two("standby", "standby"))),
            peers + ": multiple standby servers specified");
  EXPECT_EQ(errorOfRel(relationship("server1", "load-balancing", two("backup", "secondary"))),
            peers + ": primary server required");
  EXPECT_EQ(errorOfRel(relationship("server1", "load-balancing", two("primary", "backup"))),
            peers + ": secondary server required in the load balancing configuration");
  auto three = json::array({peer("server1", "http://198.18.0.1:8001/", "primary"),
                            peer("server2", "http://198.18.0.2:8001/", "secondary"),
                            peer("server3", "http://198.18.0.3:8001/", "standby")});
  EXPECT_EQ(errorOfRel(relationship("server1", "load-balancing", three)),
            peers + ": standby servers not allowed in the load balancing configuration");
  EXPECT_EQ(errorOfRel(relationship("server1", "hot-standby", two("primary", "backup"))),
            peers + ": standby server required in the hot standby configuration");
  EXPECT_EQ(errorOfRel(relationship("server1", "hot-standby", three)),
            peers + ": secondary servers not allowed in the hot standby configuration");
  EXPECT_EQ(errorOfRel(relationship("server1", "passive-backup", two("primary", "secondary"))),
            peers + ": secondary servers not allowed in the passive backup configuration");
  EXPECT_EQ(errorOfRel(relationship("server1", "passive-backup", two("primary", "standby"))),
            peers + ": standby servers not allowed in the passive backup configuration");
  EXPECT_EQ(errorOfRel(relationship("server1", "passive-backup", json::array())), peers + ": no peers configured");
  EXPECT_EQ(errorOfRel(relationship("server1", "load-balancing", two("primary", "tertiary"))),
            peers + "/1/role: unsupported value 'tertiary' for role parameter");
  // Legal shapes.
  EXPECT_TRUE(parseHaConfig(params(relationship("server1", "passive-backup", two("primary", "backup")))).ok());
  EXPECT_TRUE(parseHaConfig(params(relationship("server1", "hot-standby", hsPeers(true)))).ok());
}

TEST(HaConfig, ModeSpecificLimits) {
  EXPECT_EQ(errorOfRel(relationship("server1", "hot-standby", hsPeers(), {{"delayed-updates-limit", 5}})),
            kRel + "/delayed-updates-limit: 'delayed-updates-limit' must be set to 0 in the hot standby configuration");
  auto pb = json::array(
      {peer("server1", "http://198.18.0.1:8001/", "primary"), peer("server3", "http://198.18.0.3:8001/", "backup")});
  EXPECT_EQ(errorOfRel(relationship("server1", "passive-backup", pb, {{"delayed-updates-limit", 1}})),
            kRel +
                "/delayed-updates-limit: 'delayed-updates-limit' must be set to 0 in the passive backup configuration");
  EXPECT_EQ(errorOfRel(relationship("server1", "load-balancing", lbPeers(), {{"wait-backup-ack", true}})),
            kRel + "/wait-backup-ack: 'wait-backup-ack' must be set to false in the load balancing configuration");
  EXPECT_EQ(errorOfRel(relationship("server1", "hot-standby", hsPeers(), {{"wait-backup-ack", true}})),
            kRel + "/wait-backup-ack: 'wait-backup-ack' must be set to false in the hot standby configuration");
  EXPECT_TRUE(parseOne(relationship("server1", "passive-backup", pb, {{"wait-backup-ack", true}})).waitBackupAck);
}

TEST(HaConfig, PeerNamesAndUrls) {
  auto p = lbPeers();
  p[1]["name"] = " server1 ";  // trimmed, then a duplicate
  EXPECT_EQ(errorOfRel(relationship("server1", "load-balancing", p)),
            kRel + "/peers/1/name: peer with name 'server1' already specified");
  p = lbPeers();
  p[1]["name"] = "\t";
  EXPECT_EQ(errorOfRel(relationship("server1", "load-balancing", p)),
            kRel + "/peers/1/name: peer name must not be empty");
  p = lbPeers();
  p[1].erase("url");
  EXPECT_EQ(errorOfRel(relationship("server1", "load-balancing", p)), kRel + "/peers/1: 'url' parameter is required");
  p = lbPeers();
  p[1]["url"] = "http://dhcp_b!:8001/";
  EXPECT_EQ(errorOfRel(relationship("server1", "load-balancing", p)),
            kRel +
                "/peers/1/url: bad url 'http://dhcp_b!:8001/': host 'dhcp_b!' is neither an IP address nor a DNS "
                "name for server server2");
  p = lbPeers();
  p[0]["url"] = "https://198.18.0.1:8001/";
  EXPECT_EQ(errorOfRel(relationship("server1", "load-balancing", p)),
            kRel +
                "/peers/0/url: bad url 'https://198.18.0.1:8001/': https scheme is not supported for server server1 "
                "where TLS is disabled");
  p = lbPeers();
  p[0] = 7;
  EXPECT_EQ(errorOfRel(relationship("server1", "load-balancing", p)),
            kRel + "/peers/0: peer configuration must be a map");
  EXPECT_EQ(errorOfRel(relationship("server1", "load-balancing", json::object())),
            kRel + "/peers: 'peers' parameter must be a list");
  json rel = relationship("server1", "load-balancing", lbPeers());
  rel.erase("peers");
  EXPECT_EQ(errorOfRel(rel), kRel + ": 'peers' parameter missing in HA configuration");
}

TEST(HaConfig, TlsMaterialIsAllOrNothingAfterMerging) {
  auto https = json::array({peer("server1", "https://198.18.0.1:8001/", "primary"),
                            peer("server2", "https://198.18.0.2:8001/", "secondary")});
  json tls = {{"trust-anchor", "ca.pem"}, {"cert-file", "server.pem"}, {"key-file", "server.key"}};
  HaConfig c = parseOne(relationship("server1", "load-balancing", https, tls));
  EXPECT_TRUE(c.peers[0].tls());
  EXPECT_EQ(c.peers[1].certFile, "server.pem");

  // Peer-level override of one file.
  auto over = https;
  over[1]["cert-file"] = "other.pem";
  EXPECT_EQ(parseOne(relationship("server1", "load-balancing", over, tls)).peers[1].certFile, "other.pem");

  // Missing key-file at every level.
  json partial = {{"trust-anchor", "ca.pem"}, {"cert-file", "server.pem"}};
  EXPECT_EQ(errorOfRel(relationship("server1", "load-balancing", https, partial)),
            kRel +
                "/peers/0: bad TLS config for server server1: trust-anchor, cert-file and key-file must be set "
                "together (missing key-file)");

  // "" at peer level disables TLS for that peer: fine with http://, an error with https://.
  auto plain = lbPeers();
  for (const char* k : {"trust-anchor", "cert-file", "key-file"}) plain[1][k] = "";
  HaConfig d = parseOne(relationship("server1", "load-balancing", plain, tls));
  EXPECT_TRUE(d.peers[0].tls());
  EXPECT_FALSE(d.peers[1].tls());
  auto bad = https;
  for (const char* k : {"trust-anchor", "cert-file", "key-file"}) bad[1][k] = "";
  EXPECT_EQ(errorOfRel(relationship("server1", "load-balancing", bad, tls)),
            kRel +
                "/peers/1/url: bad url 'https://198.18.0.2:8001/': https scheme is not supported for server "
                "server2 where TLS is disabled");

  // The optional readability probe.
  HaParseOptions opt;
  opt.fileReadable = [](const std::string& f) { return f != "server.key"; };
  auto r = parseHaConfig(params(relationship("server1", "load-balancing", https, tls)), opt);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("cannot read 'server.key'"), std::string::npos);
}

TEST(HaConfig, BasicAuth) {
  auto p = lbPeers();
  p[1]["basic-auth-user"] = "kea-ha";
  p[1]["basic-auth-password"] = "secret";
  HaConfig c = parseOne(relationship("server1", "load-balancing", p));
  EXPECT_EQ(c.peers[1].basicAuthUser, "kea-ha");
  EXPECT_EQ(c.peers[1].basicAuthPassword, "secret");
  EXPECT_TRUE(c.peers[0].basicAuthUser.empty());

  p[1]["basic-auth-user"] = "a:b";
  EXPECT_EQ(errorOfRel(relationship("server1", "load-balancing", p)),
            kRel + "/peers/1/basic-auth-user: user 'a:b' must not contain a ':' in peer 'server2'");
  p[1]["basic-auth-user"] = "kea-ha";
  p[1]["basic-auth-password-file"] = "/etc/pw";
  EXPECT_EQ(errorOfRel(relationship("server1", "load-balancing", p)),
            kRel +
                "/peers/1: only one of basic-auth-password and basic-auth-password-file parameter can be "
                "configured in peer 'server2'");
  p[1].erase("basic-auth-password");
  p[1]["basic-auth-user-file"] = "/etc/user";
  EXPECT_EQ(errorOfRel(relationship("server1", "load-balancing", p)),
            kRel +
                "/peers/1: only one of basic-auth-user and basic-auth-user-file parameter can be configured in "
                "peer 'server2'");
  p[1].erase("basic-auth-user");
  HaConfig f = parseOne(relationship("server1", "load-balancing", p));
  EXPECT_EQ(f.peers[1].basicAuthUserFile, "/etc/user");
  EXPECT_EQ(f.peers[1].basicAuthPasswordFile, "/etc/pw");
}

TEST(HaConfig, StateMachineAndMultiThreadingShapes) {
  auto sm = [](json states) {
    return errorOfRel(relationship("server1", "load-balancing", lbPeers(), {{"state-machine", {{"states", states}}}}));
  };
  EXPECT_EQ(sm(json::array({{{"state", "dancing"}}})), kRel + "/state-machine/states/0/state: unknown state 'dancing'");
  EXPECT_EQ(sm(json::array({{{"state", "unavailable"}}})),
            kRel + "/state-machine/states/0/state: unknown state 'unavailable'");
  EXPECT_EQ(sm(json::array({{{"state", "ready"}, {"pause", "sometimes"}}})),
            kRel + "/state-machine/states/0/pause: unsupported value sometimes of 'pause' parameter");
  EXPECT_EQ(sm(json::array({{{"state", "ready"}}, {{"state", "ready"}, {"pause", "once"}}})),
            kRel + "/state-machine/states/1: duplicated configuration for the 'ready' state");
  EXPECT_EQ(sm(json::object()), kRel + "/state-machine/states: 'states' parameter must be a list");
  EXPECT_EQ(sm(json::array({1})), kRel + "/state-machine/states/0: state configuration must be a map");
  EXPECT_EQ(errorOfRel(relationship("server1", "load-balancing", lbPeers(), {{"state-machine", 1}})),
            kRel + "/state-machine: 'state-machine' parameter must be a map");
  EXPECT_EQ(errorOfRel(relationship("server1", "load-balancing", lbPeers(), {{"multi-threading", true}})),
            kRel + "/multi-threading: multi-threading configuration must be a map");
}

TEST(HaConfig, UnknownKeysAreWarnedNotRejected) {
  auto p = lbPeers();
  p[0]["colour"] = "blue";
  auto r =
      parseHaConfig(params(relationship("server1", "load-balancing", p,
                                        {{"heartbeat-delya", 5}, {"comment", "fine"}, {"max-response-delay", 10000}})));
  ASSERT_TRUE(r.ok());
  const auto& w = r->warnings;
  auto has = [&](const std::string& s) { return std::find(w.begin(), w.end(), s) != w.end(); };
  EXPECT_TRUE(has("Dhcp4/hooks-libraries/0/parameters/high-availability/0/heartbeat-delya: unknown parameter ignored"));
  EXPECT_TRUE(has("Dhcp4/hooks-libraries/0/parameters/high-availability/0/peers/0/colour: unknown parameter ignored"));
  // max-response-delay equal to heartbeat-delay (both 10000) draws the advice.
  EXPECT_TRUE(
      has("Dhcp4/hooks-libraries/0/parameters/high-availability/0/max-response-delay: should be a multiple of "
          "heartbeat-delay; equal or smaller values cause false communication interruptions"));
  for (const auto& s : w) EXPECT_EQ(s.find("/comment"), std::string::npos) << s;
}

TEST(HaConfig, HubAndSpokeOnlyWithHotStandby) {
  auto rel2 = relationship("server3", "hot-standby",
                           json::array({peer("server3", "http://198.18.0.1:8002/", "primary"),
                                        peer("server4", "http://198.18.0.4:8001/", "standby")}));
  json two = {{"high-availability", json::array({relationship("server1", "hot-standby", hsPeers()), rel2})}};
  auto r = parseHaConfig(two);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->relationships.size(), 2u);
  EXPECT_EQ(r->relationships[1].index, 1u);
  EXPECT_EQ(r->relationships[1].localOrigin(), 1001);
  EXPECT_EQ(r->relationships[1].remoteOrigin(), 2001);

  // tandemd extension: load-balancing relationships in a hub; passive-backup refused.
  json lb = {{"high-availability", json::array({relationship("server1", "load-balancing", lbPeers()), rel2})}};
  EXPECT_TRUE(parseHaConfig(lb).ok());
  json pb = {{"high-availability",
              json::array({relationship("server1", "passive-backup",
                                        json::array({peer("server1", "http://198.18.0.1:8001/", "primary")})),
                           rel2})}};
  EXPECT_EQ(errorOf(pb), std::string(kPrefix) +
                             "/high-availability/0/mode: multiple HA relationships are only supported in the "
                             "hot-standby and load-balancing modes");
  auto dup = rel2;
  dup["peers"][1]["name"] = "server2";
  json d = {{"high-availability", json::array({relationship("server1", "hot-standby", hsPeers()), dup})}};
  EXPECT_EQ(errorOf(d), std::string(kPrefix) +
                            "/high-availability/1/peers/1/name: peer name 'server2' is used in more than one "
                            "relationship");
  auto samePort = rel2;
  samePort["peers"][0]["url"] = "http://198.18.0.1:8001/";
  json sp = {{"high-availability", json::array({relationship("server1", "hot-standby", hsPeers()), samePort})}};
  EXPECT_EQ(errorOf(sp), std::string(kPrefix) +
                             "/high-availability/1/this-server-name: listener address 198.18.0.1:8001 is used by more "
                             "than one relationship");
}

TEST(HaConfig, RecognisesTheHookLibrary) {
  EXPECT_TRUE(isHaLibrary("/usr/lib/x86_64-linux-gnu/kea/hooks/libdhcp_ha.so"));
  EXPECT_TRUE(isHaLibrary("libdhcp_ha.so"));
  EXPECT_FALSE(isHaLibrary("/usr/lib/kea/hooks/libdhcp_lease_cmds.so"));
  EXPECT_FALSE(isHaLibrary("/opt/libdhcp_ha.so.1"));
  json hooks = json::array({{{"library", "/x/libdhcp_lease_cmds.so"}}, {{"library", "/x/libdhcp_ha.so"}}});
  EXPECT_EQ(findHaLibrary(hooks), std::optional<std::size_t>(1));
  EXPECT_EQ(findHaLibrary(json::array()), std::nullopt);
}

// Every testbed configuration (real Kea 2.2 setups) must parse, with the values it states.
TEST(HaConfig, AcceptsEveryTestbedConfig) {
  const std::filesystem::path dir =
      std::filesystem::path(__FILE__).parent_path().parent_path() / "data" / "testbed-configs";
  ASSERT_TRUE(std::filesystem::exists(dir)) << dir;
  int checked = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".json") continue;
    std::ifstream in(entry.path());
    const json doc = json::parse(in);
    const json& hooks = doc["Dhcp4"].value("hooks-libraries", json::array());
    const auto idx = findHaLibrary(hooks);
    const std::string name = entry.path().filename().string();
    if (name.rfind("single", 0) == 0) {
      EXPECT_FALSE(idx.has_value()) << name;
      continue;
    }
    ASSERT_TRUE(idx.has_value()) << name;
    HaParseOptions opt;
    opt.pathPrefix = "Dhcp4/hooks-libraries/" + std::to_string(*idx) + "/parameters";
    auto r = parseHaConfig(hooks[*idx]["parameters"], opt);
    ASSERT_TRUE(r.ok()) << name << ": " << r.error().message;
    const HaConfig& c = r->relationships.at(0);
    const bool lb = name.find("-lb-") != std::string::npos;
    const bool tls = name.find("-tls-") != std::string::npos;
    const bool bk = name.find("-bk-") != std::string::npos;
    EXPECT_EQ(c.mode, lb ? HaMode::LoadBalancing : HaMode::HotStandby) << name;
    EXPECT_EQ(c.heartbeatDelay.count(), 1000) << name;
    EXPECT_EQ(c.maxResponseDelay.count(), 3000) << name;
    EXPECT_EQ(c.maxAckDelay.count(), 1000) << name;
    EXPECT_EQ(c.maxUnackedClients, 0u) << name;
    EXPECT_EQ(c.delayedUpdatesLimit, lb ? 100u : 0u) << name;
    EXPECT_EQ(c.peers.size(), bk ? 3u : 2u) << name;
    EXPECT_EQ(c.peers[0].tls(), tls) << name;
    EXPECT_EQ(c.peers[0].url.https, tls) << name;
    EXPECT_EQ(c.peers[1].basicAuthUser, tls ? "" : "kea-ha") << name;
    EXPECT_EQ(c.multiThreading.httpListenerThreads, 2u) << name;
    const char last = name[name.size() - 6];  // "...-s1.json"
    EXPECT_EQ(c.thisServerName, std::string("server") + last) << name;
    EXPECT_EQ(c.thisServer().role, last == '1'   ? Role::Primary
                                   : last == '3' ? Role::Backup
                                   : lb          ? Role::Secondary
                                                 : Role::Standby)
        << name;
    ++checked;
  }
  EXPECT_GE(checked, 20);
}

// ---- reload: what changed, restrict-commands -----------------------------------------------

TEST(HaConfig, RestrictCommandsMustBeABoolean) {
  EXPECT_EQ(errorOfRel(relationship("server1", "load-balancing", lbPeers(), {{"restrict-commands", "yes"}})),
            kRel + "/restrict-commands: must be a boolean");
}

TEST(HaConfigChanges, IdenticalConfigsDescribeNothing) {
  HaConfig a = lbConfig();
  HaConfig b = lbConfig();
  EXPECT_TRUE(a == b);
  EXPECT_THAT(describeHaChanges(a, b), IsEmpty());
  EXPECT_FALSE(listenerChanged(a, b));
}

TEST(HaConfigChanges, AddedBackupPeerIsNamedWithRoleAndUrl) {
  HaConfig before = parseOne(relationship("server1", "load-balancing", lbPeers(false)));
  HaConfig after = parseOne(relationship("server1", "load-balancing", lbPeers(true)));
  EXPECT_FALSE(before == after);
  EXPECT_THAT(describeHaChanges(before, after), ElementsAre("peer 'server3' added (backup, http://198.18.0.3:8001/)"));
  EXPECT_THAT(describeHaChanges(after, before), ElementsAre("peer 'server3' removed"));
  // Another peer's entry does not touch this server's listener.
  EXPECT_FALSE(listenerChanged(before, after));
}

TEST(HaConfigChanges, RelationshipParametersWithOldAndNewValues) {
  HaConfig before = lbConfig();
  HaConfig after = lbConfig("server1", fastTimers({{"heartbeat-delay", 2000},
                                                   {"restrict-commands", true},
                                                   {"pool-split", false},
                                                   {"takeover-delay", 60}}));
  EXPECT_THAT(describeHaChanges(before, after),
              ElementsAre("heartbeat-delay 1000 ms -> 2000 ms", "restrict-commands false -> true",
                          "pool-split true -> false", "takeover-delay 3600 s -> 60 s"));
  EXPECT_FALSE(listenerChanged(before, after));
}

TEST(HaConfigChanges, PeerChangesNeverPrintSecrets) {
  auto peers = lbPeers();
  HaConfig before = parseOne(relationship("server1", "load-balancing", peers));
  peers[1]["basic-auth-user"] = "tandem";
  peers[1]["basic-auth-password"] = "s3cret";
  peers[1]["url"] = "http://198.18.0.20:8001/";
  peers[1]["auto-failover"] = false;
  HaConfig after = parseOne(relationship("server1", "load-balancing", peers));
  const auto changes = describeHaChanges(before, after);
  EXPECT_THAT(changes,
              ElementsAre("peer 'server2' url http://198.18.0.2:8001/ -> http://198.18.0.20:8001/",
                          "peer 'server2' auto-failover true -> false", "peer 'server2' basic-auth credentials"));
  for (const auto& c : changes) EXPECT_THAT(c, Not(HasSubstr("s3cret")));
}

TEST(HaConfigChanges, ModeRoleAndThisServerName) {
  HaConfig lb = parseOne(relationship("server1", "load-balancing", lbPeers()));
  HaConfig hs = parseOne(relationship("server1", "hot-standby", hsPeers()));
  EXPECT_THAT(describeHaChanges(lb, hs),
              ElementsAre("mode load-balancing -> hot-standby", "delayed-updates-limit 100 -> 0",
                          "peer 'server2' role secondary -> standby"));
  HaConfig other = parseOne(relationship("server2", "load-balancing", lbPeers()));
  EXPECT_THAT(describeHaChanges(lb, other), ElementsAre("this-server-name 'server1' -> 'server2'"));
  // Our own entry moved to another server's URL: the listener must re-open.
  EXPECT_TRUE(listenerChanged(lb, other));
}

TEST(HaConfigChanges, PeerOrderAloneStillCountsAsAChange) {
  auto peers = lbPeers();
  HaConfig before = parseOne(relationship("server1", "load-balancing", peers));
  HaConfig after = parseOne(relationship("server1", "load-balancing", json::array({peers[1], peers[0]})));
  EXPECT_THAT(describeHaChanges(before, after), ElementsAre("peer order or relationship position"));
}

TEST(HaConfigChanges, ListenerFollowsOwnUrlTlsAuthAndClientCerts) {
  auto tlsPeers = [](const std::string& ca, const std::string& user) {
    auto p = lbPeers();
    for (auto& e : p) {
      e["url"] = std::string(e["url"].get<std::string>()).replace(0, 4, "https");
      e["cert-file"] = "/c/" + e["name"].get<std::string>() + ".pem";
      e["key-file"] = "/c/" + e["name"].get<std::string>() + ".key";
    }
    if (!user.empty()) p[0]["basic-auth-user"] = user;
    return relationship("server1", "load-balancing", p, {{"trust-anchor", ca}});
  };
  HaConfig base = parseOne(tlsPeers("/c/ca.pem", ""));
  EXPECT_TRUE(listenerChanged(base, parseOne(tlsPeers("/c/ca2.pem", ""))));
  EXPECT_TRUE(listenerChanged(base, parseOne(tlsPeers("/c/ca.pem", "peer"))));
  auto noClientCerts = tlsPeers("/c/ca.pem", "");
  noClientCerts["require-client-certs"] = false;
  EXPECT_TRUE(listenerChanged(base, parseOne(noClientCerts)));
  auto port = tlsPeers("/c/ca.pem", "");
  port["peers"][0]["url"] = "https://198.18.0.1:8002/";
  EXPECT_TRUE(listenerChanged(base, parseOne(port)));
}

TEST(PeerListenerAllows, WhatPeersSend) {
  for (const char* c :
       {"ha-heartbeat", "ha-scopes", "ha-continue", "ha-maintenance-notify", "ha-reset", "ha-sync-complete-notify",
        "lease4-update", "lease4-del", "lease4-bulk-apply", "lease4-get-page", "lease4-get-all", "dhcp-disable",
        "dhcp-enable", "status-get", "list-commands", "ha-sync", "tandem-sync-stream"}) {
    EXPECT_TRUE(peerListenerAllows(c)) << c;
  }
}

TEST(PeerListenerAllows, OperatorCommandsAreRefused) {
  for (const char* c : {"config-set", "config-reload", "config-get", "config-write", "shutdown", "lease4-wipe",
                        "lease4-add", "lease4-get", "ha-maintenance-start", "ha-maintenance-cancel",
                        "statistic-reset-all", "leases-reclaim", "", "tandem", "ha-syn", "HA-HEARTBEAT"}) {
    EXPECT_FALSE(peerListenerAllows(c)) << c;
  }
}

}  // namespace
}  // namespace tandem::ha
