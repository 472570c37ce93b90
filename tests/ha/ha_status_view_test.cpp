// `tandemctl ha status`: the verdict monitoring relies on, and the text operators read.
#include "ha/ha_status_view.h"

#include <gtest/gtest.h>

namespace tandem::ha {
namespace {

using nlohmann::json;

// status-get arguments of a load-balancing pair as tandemd reports it (sync/ha_json shape).
json pair(const std::string& localState, const std::string& lastState, bool inTouch = true, bool interrupted = false,
          std::int64_t skew = 0) {
  return json::parse(R"({"pid": 7, "high-availability": [{"ha-mode": "load-balancing", "ha-servers": {
    "local": {"role": "primary", "scopes": ["server1"], "server-name": "server1",
              "state": ")" +
                     localState + R"(", "system-time": "2026-08-04 10:15:07",
              "state-reason": "partner server2 is in load-balancing", "unsent-update-count": 0},
    "remote": {"role": "secondary", "server-name": "server2", "in-touch": )" +
                     std::string(inTouch ? "true" : "false") + R"(, "age": 1,
              "last-state": ")" +
                     lastState + R"(", "last-scopes": ["server2"],
              "communication-interrupted": )" +
                     std::string(interrupted ? "true" : "false") + R"(,
              "connecting-clients": 2, "unacked-clients": 1, "unacked-clients-left": 3,
              "analyzed-packets": 9, "system-time": "2026-08-04 10:15:07", "clock-skew": )" +
                     std::to_string(skew) + R"(, "unsent-update-count": 4}}}]})");
}

TEST(HaStatusView, NormalStatesAreHealthy) {
  for (const char* s : {"load-balancing", "hot-standby", "passive-backup", "backup"})
    EXPECT_TRUE(isNormalHaState(s)) << s;
  for (const char* s : {"partner-down", "communication-recovery", "waiting", "syncing", "ready", "in-maintenance",
                        "partner-in-maintenance", "terminated", "unavailable", ""}) {
    EXPECT_FALSE(isNormalHaState(s)) << s;
  }
  const auto a = assessHaStatus(pair("load-balancing", "load-balancing"));
  EXPECT_EQ(a.health, HaHealth::Healthy);
  EXPECT_TRUE(a.problems.empty());
}

TEST(HaStatusView, NoSectionIsNotConfigured) {
  EXPECT_EQ(assessHaStatus(json::parse(R"({"pid": 1})")).health, HaHealth::NotConfigured);
  EXPECT_EQ(assessHaStatus(json::parse(R"({"high-availability": []})")).health, HaHealth::NotConfigured);
  EXPECT_EQ(assessHaStatus(json(nullptr)).health, HaHealth::NotConfigured);
  EXPECT_EQ(formatHaStatus(json::object(), {}, {}), "HA not configured\n");
}

TEST(HaStatusView, DegradedStatesAndWhy) {
  auto a = assessHaStatus(pair("partner-down", "unavailable", false));
  EXPECT_EQ(a.health, HaHealth::Degraded);
  ASSERT_EQ(a.problems.size(), 2u);
  EXPECT_EQ(a.problems[0], "this server (server1) is in partner-down: partner server2 is in load-balancing");
  EXPECT_EQ(a.problems[1], "partner server2 is unreachable (no heartbeat answer)");

  a = assessHaStatus(pair("load-balancing", "syncing"));
  EXPECT_EQ(a.health, HaHealth::Degraded);
  ASSERT_EQ(a.problems.size(), 1u);
  EXPECT_EQ(a.problems[0], "partner server2 is in syncing");

  a = assessHaStatus(pair("load-balancing", "load-balancing", true, true));
  ASSERT_EQ(a.problems.size(), 1u);
  EXPECT_EQ(a.problems[0],
            "communication with server2 is interrupted (1 s since the last heartbeat, 1 unacked clients)");
  // Before failover the operator sees how close it is.
  EXPECT_NE(formatHaStatus(pair("load-balancing", "load-balancing", true, true), {}, a)
                .find("  unacked clients                     1 (3 more before partner-down)\n"),
            std::string::npos);

  a = assessHaStatus(pair("communication-recovery", "load-balancing", false));
  EXPECT_EQ(a.problems.size(), 2u);
  EXPECT_EQ(a.problems[1], "partner server2 is unreachable (no heartbeat answer, last seen in load-balancing)");

  // As tandemd and Kea report a partner killed after a successful heartbeat: still "in touch",
  // last state "unavailable", communication interrupted; one problem, not two.
  a = assessHaStatus(pair("partner-down", "unavailable", true, true));
  ASSERT_EQ(a.problems.size(), 2u);
  EXPECT_EQ(a.problems[1], "partner server2 is unreachable (no heartbeat answer for 1 s)");
}

TEST(HaStatusView, ClockSkewAboveKeaWarningIsDegraded) {
  EXPECT_EQ(assessHaStatus(pair("load-balancing", "load-balancing", true, false, 30)).health, HaHealth::Healthy);
  EXPECT_EQ(assessHaStatus(pair("load-balancing", "load-balancing", true, false, -30)).health, HaHealth::Healthy);
  auto a = assessHaStatus(pair("load-balancing", "load-balancing", true, false, -31));
  ASSERT_EQ(a.problems.size(), 1u);
  EXPECT_EQ(a.problems[0], "clock skew with server2 is -31 s (HA terminates above 60 s)");
}

TEST(HaStatusView, BackupWithoutRemoteIsHealthyInBackupState) {
  auto s = json::parse(R"({"high-availability": [{"ha-mode": "load-balancing", "ha-servers": {
    "local": {"role": "backup", "scopes": [], "server-name": "server3", "state": "backup"}}}]})");
  EXPECT_EQ(assessHaStatus(s).health, HaHealth::Healthy);
  s["high-availability"][0]["ha-servers"]["local"]["state"] = "waiting";
  EXPECT_EQ(assessHaStatus(s).health, HaHealth::Degraded);
}

TEST(HaStatusView, AnyDegradedRelationshipDegradesTheWhole) {
  auto s = pair("load-balancing", "load-balancing");
  s["high-availability"].push_back(pair("hot-standby", "terminated")["high-availability"][0]);
  const auto a = assessHaStatus(s);
  EXPECT_EQ(a.health, HaHealth::Degraded);
  ASSERT_EQ(a.problems.size(), 1u);
  EXPECT_EQ(a.problems[0], "partner server2 is in terminated");
}

// A hub: one block per relationship, numbered; one relationship keeps the plain "HA <mode>".
TEST(HaStatusView, HubBlocksAreNumbered) {
  auto s = pair("load-balancing", "load-balancing");
  EXPECT_EQ(formatHaStatus(s, {}, assessHaStatus(s)).rfind("HA load-balancing\n", 0), 0u);
  auto second = pair("partner-down", "unavailable", false)["high-availability"][0];
  second["ha-mode"] = "hot-standby";
  second["ha-servers"]["local"]["server-name"] = "hub-b";
  second["ha-servers"]["remote"]["server-name"] = "spoke-b";
  s["high-availability"].push_back(second);
  const auto a = assessHaStatus(s);
  EXPECT_EQ(a.health, HaHealth::Degraded);
  const std::string t = formatHaStatus(s, {}, a);
  EXPECT_NE(t.find("HA relationship 1 of 2: load-balancing\n"), std::string::npos) << t;
  EXPECT_NE(t.find("HA relationship 2 of 2: hot-standby\n"), std::string::npos) << t;
  EXPECT_NE(t.find("this server (hub-b) is in partner-down"), std::string::npos) << t;
  EXPECT_NE(t.find("partner spoke-b is unreachable"), std::string::npos) << t;
}

// Kea 2.2's status-get has no server-name, state-reason, clock-skew nor unsent counts.
TEST(HaStatusView, KeaShapeIsReadable) {
  auto s = json::parse(R"({"high-availability": [{"ha-mode": "load-balancing", "ha-servers": {
    "local": {"role": "primary", "scopes": ["server1"], "state": "load-balancing"},
    "remote": {"age": 0, "analyzed-packets": 0, "communication-interrupted": false, "connecting-clients": 0,
               "in-touch": true, "last-scopes": ["server2"], "last-state": "load-balancing", "role": "secondary",
               "unacked-clients": 0, "unacked-clients-left": 0}}}]})");
  const auto a = assessHaStatus(s);
  EXPECT_EQ(a.health, HaHealth::Healthy);
  const std::string t = formatHaStatus(s, {}, a);
  EXPECT_EQ(t,
            "HA load-balancing\n"
            "                      this server     partner\n"
            "  name                -               -\n"
            "  role                primary         secondary\n"
            "  state               load-balancing  load-balancing\n"
            "  scopes served       server1         server2\n"
            "  last heartbeat                      0 s ago\n"
            "  clock skew                          -\n"
            "  comm. interrupted                   no\n"
            "  connecting clients                  0\n"
            "  unacked clients                     0\n"
            "  unsent updates      -               -\n"
            "  leases held         -               -\n"
            "pair: HEALTHY\n");
}

TEST(HaStatusView, FormatsBothPeersSideBySide) {
  const auto s = pair("partner-down", "unavailable", false);
  HaStatusExtras extras;
  extras.leasesHeld = 12;
  extras.backups.push_back({"server3", "https://198.18.0.3:8001/"});
  const std::string t = formatHaStatus(s, extras, assessHaStatus(s));
  EXPECT_EQ(t,
            "HA load-balancing\n"
            "                      this server   partner\n"
            "  name                server1       server2\n"
            "  role                primary       secondary\n"
            "  state               partner-down  unavailable\n"
            "  scopes served       server1       server2\n"
            "  last heartbeat                    never / lost\n"
            "  clock skew                        0 s\n"
            "  comm. interrupted                 no\n"
            "  connecting clients                2\n"
            "  unacked clients                   1\n"
            "  unsent updates      0             4\n"
            "  leases held         12            -\n"
            "  why: partner server2 is in load-balancing\n"
            "  local time: 2026-08-04 10:15:07\n"
            "backup: server3 (https://198.18.0.3:8001/), receives lease updates; backups send no heartbeats, "
            "so their state is not shown here\n"
            "pair: DEGRADED\n"
            "  - this server (server1) is in partner-down: partner server2 is in load-balancing\n"
            "  - partner server2 is unreachable (no heartbeat answer)\n");
}

TEST(HaStatusView, LeaseCountFromStatLease4Get) {
  auto r = json::parse(R"({"result-set": {"columns": ["subnet-id", "total-addresses",
    "cumulative-assigned-addresses", "assigned-addresses", "declined-addresses"],
    "rows": [[1, 241, 5, 3, 0], [2, 10, 1, 1, 1]], "timestamp": "x"}})");
  EXPECT_EQ(assignedAddresses(r), 4u);
  r["result-set"]["rows"][1][3] = "x";
  EXPECT_EQ(assignedAddresses(r), std::nullopt);
  EXPECT_EQ(assignedAddresses(json::object()), std::nullopt);
}

TEST(HaStatusView, BackupPeersFromConfig) {
  auto c = json::parse(R"({"Dhcp4": {"hooks-libraries": [{"library": "libdhcp_lease_cmds.so"},
    {"library": "libdhcp_ha.so", "parameters": {"high-availability": [{"this-server-name": "server1",
      "peers": [{"name": "server1", "role": "primary", "url": "https://198.18.0.1:8001/"},
                {"name": "server3", "role": "backup", "url": "https://198.18.0.3:8001/"}]}]}}]}})");
  const auto b = haBackupPeers(c);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].name, "server3");
  EXPECT_EQ(b[0].url, "https://198.18.0.3:8001/");
  EXPECT_TRUE(haBackupPeers(json::parse(R"({"Dhcp4": {}})")).empty());
}

}  // namespace
}  // namespace tandem::ha
