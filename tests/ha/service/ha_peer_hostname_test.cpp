// HA peer URLs with host names (a tandemd extension: Kea 2.2 takes only addresses): resolved
// by the daemon shell at (re)configuration; a name that does not resolve is an error naming
// the peer and the URL's JSON path.
#include <gtest/gtest.h>

#include "ha/service/ha_setup.h"

namespace tandem::daemon {
namespace {

config::Dhcp4Config configWithPeers(const std::string& url1, const std::string& url2) {
  config::Dhcp4Config cfg;
  cfg.hooksLibraries =
      nlohmann::json::parse(R"([{"library": "/usr/lib/x86_64-linux-gnu/kea/hooks/libdhcp_lease_cmds.so"},
      {"library": "/usr/lib/x86_64-linux-gnu/kea/hooks/libdhcp_ha.so", "parameters": {"high-availability": [{
        "this-server-name": "server1", "mode": "hot-standby",
        "peers": [{"name": "server1", "role": "primary"}, {"name": "server2", "role": "standby"}]}]}}])");
  auto& peers = cfg.hooksLibraries[1]["parameters"]["high-availability"][0]["peers"];
  peers[0]["url"] = url1;
  peers[1]["url"] = url2;
  return cfg;
}

TEST(HaPeerHostname, LocalhostResolvesAtConfiguration) {
  auto ha = haConfigFrom(configWithPeers("http://127.0.0.1:8001/", "http://localhost:8002/"));
  ASSERT_TRUE(ha.ok()) << ha.error().message;
  ASSERT_TRUE(ha->has_value());
  const ha::PeerConfig* p = (*ha)->find("server2");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->url.hostname, "localhost");
  EXPECT_TRUE(p->url.resolved());
  // localhost is 127.0.0.1 (or ::1 where it has no IPv4 address).
  EXPECT_TRUE(p->url.host == "127.0.0.1" || p->url.host == "::1") << p->url.host;
  EXPECT_EQ(p->url.text, "http://localhost:8002/");  // logs keep the URL as configured
  if (!p->url.ipv6) {
    EXPECT_EQ(p->url.addressText(), "http://127.0.0.1:8002/");
  }
}

TEST(HaPeerHostname, OwnUrlMayNameTheHostToo) {
  HostResolver fake = [](const std::string& name) -> Result<ResolvedHost> {
    if (name == "dhcp-a.example.test") return ResolvedHost{"198.18.0.1", false};
    if (name == "dhcp-b.example.test") return ResolvedHost{"2001:db8::2", true};
    return makeError("unexpected");
  };
  auto ha = haConfigFrom(configWithPeers("http://dhcp-a.example.test:8001/", "http://dhcp-b.example.test:8002/"), fake);
  ASSERT_TRUE(ha.ok()) << ha.error().message;
  EXPECT_EQ((*ha)->thisServer().url.host, "198.18.0.1");
  EXPECT_EQ(peerListenerSocket(**ha).address, "198.18.0.1");
  const ha::PeerConfig* p = (*ha)->find("server2");
  EXPECT_TRUE(p->url.ipv6);
  EXPECT_EQ(p->url.addressText(), "http://[2001:db8::2]:8002/");
}

TEST(HaPeerHostname, UnresolvableNameNamesPeerAndPath) {
  HostResolver failing = [](const std::string&) -> Result<ResolvedHost> {
    return makeError("Name or service not known");
  };
  auto ha = haConfigFrom(configWithPeers("http://127.0.0.1:8001/", "http://dhcp-b.example.test:8002/"), failing);
  ASSERT_FALSE(ha.ok());
  EXPECT_EQ(ha.error().message,
            "Dhcp4/hooks-libraries/1/parameters/high-availability/0/peers/1/url: cannot resolve host name "
            "'dhcp-b.example.test' of peer 'server2': Name or service not known");
}

TEST(HaPeerHostname, AddressLiteralsNeedNoResolver) {
  HostResolver never = [](const std::string&) -> Result<ResolvedHost> {
    ADD_FAILURE() << "resolver called for an address";
    return makeError("no");
  };
  auto ha = haConfigFrom(configWithPeers("http://127.0.0.1:8001/", "http://127.0.0.2:8002/"), never);
  ASSERT_TRUE(ha.ok()) << ha.error().message;
}

}  // namespace
}  // namespace tandem::daemon
