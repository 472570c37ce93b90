// Real Kea configurations parse: the HA testbed's configs (hooks kept raw), a realistic full
// kea-dhcp4.conf in the style of Debian's default, and Debian's default itself.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "config_test_util.h"

namespace tandem::config {
namespace {

using testing::allWarnings;
using testing::hasWarning;
using testing::parseOk;

const std::filesystem::path kDataDir = std::filesystem::path(__FILE__).parent_path() / "data";

std::string readFile(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void expectTestbedShape(const Dhcp4Config& cfg, const std::string& name) {
  SCOPED_TRACE(name);
  ASSERT_EQ(cfg.subnets.size(), 1u);
  EXPECT_EQ(cfg.subnets[0].id, 1u);
  EXPECT_EQ(cfg.subnets[0].prefix.toString(), "198.18.0.0/15");
  EXPECT_EQ(cfg.subnets[0].renewTimer, 1000u);
  EXPECT_EQ(cfg.subnets[0].rebindTimer, 2000u);
  EXPECT_EQ(cfg.subnets[0].validLifetime, 4000u);
  ASSERT_EQ(cfg.interfaces.size(), 1u);
  EXPECT_EQ(cfg.interfaces[0].name, "eth0");
  EXPECT_EQ(cfg.leaseDatabase.name, "/srv/kea/leases4.csv");
  EXPECT_EQ(cfg.leaseDatabase.lfcInterval, 0u);
  ASSERT_EQ(cfg.controlSockets.size(), 1u);
  EXPECT_EQ(cfg.controlSockets[0].socketName, "/srv/kea/kea4.sock");
  ASSERT_FALSE(cfg.loggers.empty());
  EXPECT_EQ(cfg.loggers[0].outputs, std::vector<std::string>{"/srv/kea/kea-dhcp4.log"});
  // Everything is understood (multi-threading sizes Kea's threads only): no warning.
  EXPECT_TRUE(cfg.warnings.empty()) << allWarnings(cfg);
}

TEST(KeaConfigs, TestbedHaConfigsKeepHooksRaw) {
  auto cfg = parseOk(readFile(kDataDir / "ha-lb-tls-bk-s1.json"));
  expectTestbedShape(cfg, "ha-lb-tls-bk-s1.json");
  ASSERT_EQ(cfg.hooksLibraries.size(), 2u);
  const auto& ha = cfg.hooksLibraries[1]["parameters"]["high-availability"][0];
  EXPECT_EQ(ha["mode"], "load-balancing");
  EXPECT_EQ(ha["peers"].size(), 3u);
  EXPECT_EQ(ha["trust-anchor"], "certs/ca.pem");  // HA resolves its own paths
  ASSERT_EQ(cfg.subnets[0].pools.size(), 2u);
  EXPECT_EQ(cfg.subnets[0].pools[0].clientClass, "HA_server1");
  EXPECT_EQ(cfg.subnets[0].pools[1].clientClass, "HA_server2");
  EXPECT_EQ(cfg.subnets[0].pools[1].last, Ipv4(198, 19, 255, 254));
}

TEST(KeaConfigs, AllCopiedTestbedConfigsParse) {
  for (const char* name :
       {"ha-hs-s2.json", "ha-hs-tls-bk-s3.json", "ha-lb-sharedpool-s1.json", "single-persist-false-mt-false.json"}) {
    auto cfg = parseOk(readFile(kDataDir / name));
    expectTestbedShape(cfg, name);
  }
}

// The shared testbed directory holds every HA variant; it exists on the lab machines only.
TEST(KeaConfigs, EverySharedTestbedConfigParses) {
  const std::filesystem::path dir =
      std::filesystem::path(__FILE__).parent_path().parent_path() / "data" / "testbed-configs";
  ASSERT_TRUE(std::filesystem::is_directory(dir)) << dir;
  int count = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() != ".json") continue;
    auto cfg = parseOk(readFile(e.path()));
    expectTestbedShape(cfg, e.path().filename().string());
    ++count;
  }
  EXPECT_GT(count, 0);
}

// A complete kea-dhcp4.conf in the style of Debian's /etc/kea/kea-dhcp4.conf, using only
// supported features. `kea-dhcp4 -t` accepts it as well.
constexpr const char* kRealisticConf = R"conf(
// This is a basic configuration for the Kea DHCPv4 server, adapted for the lab network.
// Kea accepts three comment styles; this file uses all of them.
{

// DHCPv4 configuration starts here.
"Dhcp4": {
    # Add names of your network interfaces to listen on.
    "interfaces-config": {
        // "eth0" or a specific IPv4 address on it (e.g. "eth0/198.18.0.1").
        "interfaces": [ "eth0", "eth1/198.19.0.1" ],
        "dhcp-socket-type": "raw",
        "re-detect": true
    },

    "control-socket": {
        "socket-type": "unix",
        "socket-name": "/run/kea/kea4-ctrl-socket"
    },

    /* Memfile lease database: leases in a CSV file, compacted hourly. */
    "lease-database": {
        "type": "memfile",
        "persist": true,
        "name": "/var/lib/kea/kea-leases4.csv",
        "lfc-interval": 3600
    },

    "expired-leases-processing": {
        "reclaim-timer-wait-time": 10,
        "flush-reclaimed-timer-wait-time": 25,
        "hold-reclaimed-time": 3600,
        "max-reclaim-leases": 100,
        "max-reclaim-time": 250,
        "unwarned-reclaim-cycles": 5
    },

    // Global timers apply to all subnets unless overridden.
    "renew-timer": 900,
    "rebind-timer": 1800,
    "valid-lifetime": 3600,
    "decline-probation-period": 86400,
    "authoritative": true,
    "match-client-id": true,
    "echo-client-id": true,
    "host-reservation-identifiers": [ "hw-address", "client-id" ],
    "reservations-global": false,
    "reservations-in-subnet": true,
    "reservations-out-of-pool": false,
    "sanity-checks": { "lease-checks": "warn" },

    "option-data": [
        {
            "name": "domain-name-servers",
            "data": "198.18.0.53, 198.18.0.54"
        },
        // Referenced by code instead of name.
        {
            "code": 15,
            "data": "lab.example.org"
        },
        {
            "name": "domain-search",
            "data": "lab.example.org, example.org"
        },
        // Commas inside a string value are escaped with two backslashes.
        {
            "name": "boot-file-name",
            "data": "EST5EDT4\\,M3.2.0/02:00\\,M11.1.0/02:00"
        },
        {
            "name": "default-ip-ttl",
            "data": "0xf0"
        }
    ],

    "client-classes": [
        {
            "name": "voip",
            "test": "substring(option[60].hex,0,6) == 'Aastra'",
            "next-server": "198.18.0.254",
            "server-hostname": "hal9000",
            "boot-file-name": "/dev/null"
        }
    ],

    "hooks-libraries": [
        {
            "library": "/usr/lib/x86_64-linux-gnu/kea/hooks/libdhcp_lease_cmds.so"
        }
    ],

    "subnet4": [
        {
            "id": 1,
            "subnet": "198.18.0.0/16",
            "pools": [ { "pool": "198.18.0.100 - 198.18.0.200" },
                       { "pool": "198.18.1.0/24" } ],
            "option-data": [
                {
                    "name": "routers",
                    "data": "198.18.0.1"
                }
            ],
            "reservations": [
                {
                    "hw-address": "1a:1b:1c:1d:1e:1f",
                    "ip-address": "198.18.0.201"
                },
                {
                    "client-id": "01:11:22:33:44:55:66",
                    "ip-address": "198.18.0.202",
                    "hostname": "special-snowflake"
                },
                {
                    "hw-address": "0a:0b:0c:0d:0e:0f",
                    "ip-address": "198.18.0.203",
                    "option-data": [ {
                        "name": "domain-name-servers",
                        "data": "198.18.1.202, 198.18.1.203"
                    } ]
                },
                {
                    "client-id": "01:0a:0b:0c:0d:0e:0f",
                    "ip-address": "198.18.0.205",
                    "next-server": "198.18.0.1",
                    "server-hostname": "hal9000",
                    "boot-file-name": "/dev/null"
                }
            ]
        },
        {
            // Relayed clients on a remote segment.
            "id": 2,
            "subnet": "198.19.0.0/24",
            "relay": { "ip-addresses": [ "198.19.0.1" ] },
            "valid-lifetime": 7200,
            "pools": [ { "pool": "198.19.0.10-198.19.0.250" } ],
            "option-data": [ { "name": "routers", "data": "198.19.0.1" } ]
        }
    ],

    "loggers": [
    {
        "name": "kea-dhcp4",
        "output_options": [
            {
                "output": "stdout",
                "pattern": "%-5p %m\n",
                // The trailing comma below is tolerated, with a warning, as in Kea.
            }
        ],
        "severity": "INFO",
        "debuglevel": 0
    }
  ]
}
}
)conf";

TEST(KeaConfigs, RealisticFullConfigParsesWithOnlyWarnings) {
  auto cfg = parseOk(kRealisticConf);
  EXPECT_EQ(cfg.warnings, (std::vector<std::string>{
                              "line 149, column 39: extraneous comma; a piece of configuration may have been omitted"}))
      << allWarnings(cfg);
  ASSERT_EQ(cfg.interfaces.size(), 2u);
  EXPECT_EQ(cfg.interfaces[1].address, Ipv4(198, 19, 0, 1));
  EXPECT_EQ(cfg.options.size(), 5u);
  ASSERT_EQ(cfg.subnets.size(), 2u);
  const Subnet4& lan = cfg.subnets[0];
  EXPECT_EQ(lan.pools.size(), 2u);
  EXPECT_EQ(lan.reservations.size(), 4u);
  EXPECT_EQ(lan.renewTimer, 900u);
  EXPECT_EQ(lan.rebindTimer, 1800u);
  EXPECT_TRUE(lan.authoritative);
  const Subnet4& remote = cfg.subnets[1];
  EXPECT_EQ(remote.relayAddresses, std::vector<Ipv4>{Ipv4(198, 19, 0, 1)});
  EXPECT_EQ(remote.validLifetime, 7200u);
  EXPECT_EQ(cfg.controlSockets[0].socketName, "/run/kea/kea4-ctrl-socket");
  EXPECT_EQ(cfg.leaseDatabase.name, "/var/lib/kea/kea-leases4.csv");
  EXPECT_EQ(cfg.loggers[0].outputOptions[0].pattern, "%-5p %m\n");
}

TEST(KeaConfigs, ShippedSingleServerExampleParsesWithoutWarnings) {
  const auto file = std::filesystem::path(__FILE__).parent_path().parent_path().parent_path() / "config-examples" /
                    "single-server.json";
  auto cfg = parseOk(readFile(file));
  EXPECT_TRUE(cfg.warnings.empty()) << allWarnings(cfg);
  ASSERT_EQ(cfg.subnets.size(), 2u);
  EXPECT_EQ(cfg.subnets[0].reservations.size(), 2u);
  EXPECT_EQ(cfg.subnets[1].relayAddresses, std::vector<Ipv4>{Ipv4(198, 19, 0, 1)});
  EXPECT_EQ(cfg.leaseDatabase.name, "/srv/kea/tandem-leases4.csv");
  EXPECT_EQ(cfg.controlSockets[0].socketName, "/srv/kea/tandem4-ctrl-socket");
}

// Debian's shipped default (vendor option spaces, DUID and flex-id reservations) loads as in Kea.
TEST(KeaConfigs, DebianDefaultConfigLoads) {
  auto r = parseDhcp4Config(readFile(kDataDir / "debian-default-kea-dhcp4.conf"), testing::testContext());
  ASSERT_TRUE(r.ok()) << r.error().message;
}

}  // namespace
}  // namespace tandem::config

namespace tandem::config {
namespace {

// Mangled configurations are errors or configs, never crashes (run under ASan in CI-like
// builds); the seed is fixed so a failure reproduces.
TEST(KeaConfigs, MutatedConfigsNeverCrash) {
  const std::string base = kRealisticConf;
  std::uint32_t seed = 12345;
  auto next = [&seed] {
    seed = seed * 1664525u + 1013904223u;
    return seed >> 8;
  };
  const char kAlphabet[] = "{}[],:\"#/*-0123456789.abcxyz \n\\";
  int parsed = 0, rejected = 0;
  for (int round = 0; round < 1500; ++round) {
    std::string text = base;
    const int edits = 1 + static_cast<int>(next() % 4);
    for (int e = 0; e < edits; ++e) {
      const std::size_t pos = next() % text.size();
      switch (next() % 3) {
        case 0: text.erase(pos, 1 + next() % 8); break;
        case 1: text.insert(pos, 1, kAlphabet[next() % (sizeof(kAlphabet) - 1)]); break;
        default: text[pos] = kAlphabet[next() % (sizeof(kAlphabet) - 1)]; break;
      }
    }
    auto r = parseDhcp4Config(text, testing::testContext());
    if (r.ok()) {
      ++parsed;
    } else {
      ++rejected;
      EXPECT_FALSE(r.error().message.empty());
    }
  }
  EXPECT_GT(rejected, 0);
  EXPECT_GT(parsed, 0);  // many edits land in comments or strings
}

}  // namespace
}  // namespace tandem::config
