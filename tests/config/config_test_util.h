#pragma once
// Helpers shared by the config tests.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "dhcpd/config/dhcp4_config.h"

namespace tandem::config::testing {

inline ParseContext testContext() {
  ParseContext ctx;
  ctx.baseDir = "/srv/kea";
  ctx.defaultLeaseFile = "/var/lib/kea/kea-leases4.csv";
  return ctx;
}

// {"Dhcp4": {<body>}}
inline std::string dhcp4(std::string_view body) { return "{\"Dhcp4\": {" + std::string(body) + "}}"; }

inline Dhcp4Config parseOk(std::string_view text, const ParseContext& ctx = testContext()) {
  auto r = parseDhcp4Config(text, ctx);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? std::move(r).value() : Dhcp4Config{};
}

inline std::string parseErr(std::string_view text, const ParseContext& ctx = testContext()) {
  auto r = parseDhcp4Config(text, ctx);
  EXPECT_FALSE(r.ok()) << "parsed although an error was expected: " << text;
  return r.ok() ? std::string() : r.error().message;
}

inline bool hasWarning(const Dhcp4Config& cfg, std::string_view text) {
  for (const auto& w : cfg.warnings) {
    if (w == text) return true;
  }
  return false;
}

inline std::string allWarnings(const Dhcp4Config& cfg) {
  std::string s;
  for (const auto& w : cfg.warnings) s += w + "\n";
  return s;
}

}  // namespace tandem::config::testing
