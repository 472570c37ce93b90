#pragma once
// Shared helpers for the HA unit tests: small valid configurations built through the real
// parser, so tests exercise what an operator would write.
#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "ha/ha_config.h"

namespace tandem::ha::testing {

inline nlohmann::json peer(const std::string& name, const std::string& url, const std::string& role,
                           bool autoFailover = true) {
  return {{"name", name}, {"url", url}, {"role", role}, {"auto-failover", autoFailover}};
}

// A relationship; `extra` keys are merged in (overriding).
inline nlohmann::json relationship(const std::string& self, const std::string& mode, nlohmann::json peers,
                                   const nlohmann::json& extra = nlohmann::json::object()) {
  nlohmann::json r = {{"this-server-name", self}, {"mode", mode}, {"peers", std::move(peers)}};
  for (const auto& [k, v] : extra.items()) r[k] = v;
  return r;
}

inline nlohmann::json params(nlohmann::json rel) { return {{"high-availability", nlohmann::json::array({rel})}}; }

inline nlohmann::json lbPeers(bool withBackup = false) {
  auto p = nlohmann::json::array(
      {peer("server1", "http://198.18.0.1:8001/", "primary"), peer("server2", "http://198.18.0.2:8001/", "secondary")});
  if (withBackup) p.push_back(peer("server3", "http://198.18.0.3:8001/", "backup", false));
  return p;
}
inline nlohmann::json hsPeers(bool withBackup = false) {
  auto p = nlohmann::json::array(
      {peer("server1", "http://198.18.0.1:8001/", "primary"), peer("server2", "http://198.18.0.2:8001/", "standby")});
  if (withBackup) p.push_back(peer("server3", "http://198.18.0.3:8001/", "backup", false));
  return p;
}

inline HaConfig parseOne(const nlohmann::json& rel) {
  auto r = parseHaConfig(params(rel));
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  if (!r.ok()) return HaConfig{};
  return r->relationships.at(0);
}

// Fast timers so tests read naturally: heartbeat 1 s, max-response-delay 3 s, max-ack 1 s.
inline nlohmann::json fastTimers(const nlohmann::json& more = nlohmann::json::object()) {
  nlohmann::json j = {{"heartbeat-delay", 1000},
                      {"max-response-delay", 3000},
                      {"max-ack-delay", 1000},
                      {"max-unacked-clients", 2}};
  for (const auto& [k, v] : more.items()) j[k] = v;
  return j;
}

inline HaConfig lbConfig(const std::string& self = "server1", const nlohmann::json& extra = fastTimers()) {
  return parseOne(relationship(self, "load-balancing", lbPeers(true), extra));
}
inline HaConfig hsConfig(const std::string& self = "server1", const nlohmann::json& extra = fastTimers()) {
  return parseOne(relationship(self, "hot-standby", hsPeers(true), extra));
}

}  // namespace tandem::ha::testing
