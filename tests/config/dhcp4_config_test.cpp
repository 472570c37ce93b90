// Every supported key, parsed with its value; defaults as in Kea 2.2.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "config_test_util.h"
#include "dhcpd/config/multi_threading.h"

namespace tandem::config {
namespace {

using testing::allWarnings;
using testing::dhcp4;
using testing::hasWarning;
using testing::parseErr;
using testing::parseOk;
using testing::testContext;

TEST(Dhcp4Config, DefaultsAreKea22s) {
  auto cfg = parseOk(dhcp4(R"("valid-lifetime": 7200)"));
  EXPECT_TRUE(cfg.interfaces.empty());
  EXPECT_EQ(cfg.dhcpSocketType, "raw");
  EXPECT_EQ(cfg.outboundInterface, "same-as-inbound");
  EXPECT_EQ(cfg.leaseDatabase.type, "memfile");
  EXPECT_TRUE(cfg.leaseDatabase.persist);
  EXPECT_EQ(cfg.leaseDatabase.name, "/var/lib/kea/kea-leases4.csv");
  EXPECT_EQ(cfg.validLifetime, 7200u);
  EXPECT_FALSE(cfg.renewTimer);
  EXPECT_FALSE(cfg.rebindTimer);
  EXPECT_FALSE(cfg.minValidLifetime);
  EXPECT_FALSE(cfg.maxValidLifetime);
  EXPECT_FALSE(cfg.calculateTeeTimes);
  EXPECT_DOUBLE_EQ(cfg.t1Percent, 0.5);
  EXPECT_DOUBLE_EQ(cfg.t2Percent, 0.875);
  EXPECT_EQ(cfg.declineProbationPeriod, 86400u);
  EXPECT_FALSE(cfg.authoritative);
  EXPECT_TRUE(cfg.matchClientId);
  EXPECT_TRUE(cfg.echoClientId);
  EXPECT_FALSE(cfg.nextServer);
  EXPECT_EQ(cfg.serverHostname, "");
  EXPECT_EQ(cfg.bootFileName, "");
  EXPECT_FALSE(cfg.reservationsGlobal);
  EXPECT_TRUE(cfg.reservationsInSubnet);
  EXPECT_FALSE(cfg.reservationsOutOfPool);
  EXPECT_TRUE(cfg.ipReservationsUnique);
  EXPECT_EQ(cfg.leaseChecks, "warn");
  EXPECT_EQ(cfg.expiredLeases.reclaimTimerWaitTime, 10u);
  EXPECT_EQ(cfg.expiredLeases.flushReclaimedTimerWaitTime, 25u);
  EXPECT_EQ(cfg.expiredLeases.holdReclaimedTime, 3600u);
  EXPECT_EQ(cfg.expiredLeases.maxReclaimLeases, 100u);
  EXPECT_EQ(cfg.expiredLeases.maxReclaimTime, 250u);
  EXPECT_EQ(cfg.expiredLeases.unwarnedReclaimCycles, 5u);
  EXPECT_TRUE(cfg.hooksLibraries.is_array());
  EXPECT_TRUE(cfg.hooksLibraries.empty());
  EXPECT_TRUE(cfg.controlSockets.empty());
  EXPECT_TRUE(cfg.loggers.empty());
  EXPECT_TRUE(cfg.warnings.empty()) << allWarnings(cfg);
}

TEST(Dhcp4Config, GlobalScalars) {
  auto cfg = parseOk(dhcp4(R"(
    "valid-lifetime": 4000, "min-valid-lifetime": 3000, "max-valid-lifetime": 5000,
    "renew-timer": 1000, "rebind-timer": 2000,
    "calculate-tee-times": true, "t1-percent": 0.4, "t2-percent": 0.8,
    "decline-probation-period": 600, "authoritative": true, "match-client-id": false,
    "echo-client-id": false, "next-server": "198.18.0.9", "server-hostname": "tftp1",
    "boot-file-name": "pxelinux.0", "server-tag": "left", "store-extended-info": true,
    "ip-reservations-unique": false, "early-global-reservations-lookup": false,
    "reservations-lookup-first": true,
    "hostname-char-set": "[^a-z]", "hostname-char-replacement": "x",
    "statistic-default-sample-count": 20, "statistic-default-sample-age": 0,
    "parked-packet-limit": 256, "offer-lifetime": 30,
    "user-context": {"site": "lab"}, "comment": "global comment")"));
  EXPECT_EQ(cfg.validLifetime, 4000u);
  EXPECT_EQ(cfg.minValidLifetime, 3000u);
  EXPECT_EQ(cfg.maxValidLifetime, 5000u);
  EXPECT_EQ(cfg.renewTimer, 1000u);
  EXPECT_EQ(cfg.rebindTimer, 2000u);
  EXPECT_TRUE(cfg.calculateTeeTimes);
  EXPECT_DOUBLE_EQ(cfg.t1Percent, 0.4);
  EXPECT_DOUBLE_EQ(cfg.t2Percent, 0.8);
  EXPECT_EQ(cfg.declineProbationPeriod, 600u);
  EXPECT_TRUE(cfg.authoritative);
  EXPECT_FALSE(cfg.matchClientId);
  EXPECT_FALSE(cfg.echoClientId);
  EXPECT_EQ(cfg.nextServer, Ipv4(198, 18, 0, 9));
  EXPECT_EQ(cfg.serverHostname, "tftp1");
  EXPECT_EQ(cfg.bootFileName, "pxelinux.0");
  EXPECT_EQ(cfg.serverTag, "left");
  EXPECT_TRUE(cfg.storeExtendedInfo);
  EXPECT_FALSE(cfg.ipReservationsUnique);
  EXPECT_FALSE(cfg.earlyGlobalReservationsLookup);
  EXPECT_EQ(cfg.ddns.hostnameCharSet, "[^a-z]");
  EXPECT_EQ(cfg.ddns.hostnameCharReplacement, "x");
  EXPECT_EQ(cfg.offerLifetime, 30u);
  EXPECT_TRUE(cfg.warnings.empty()) << allWarnings(cfg);
}

TEST(Dhcp4Config, OfferLifetimeZeroKeepsTheDefault) {
  auto cfg = parseOk(dhcp4(R"("offer-lifetime": 0)"));
  EXPECT_EQ(cfg.offerLifetime, 10u);
  EXPECT_TRUE(hasWarning(cfg, "Dhcp4/offer-lifetime: 0 keeps the default of 10 s")) << allWarnings(cfg);
}

TEST(Dhcp4Config, InterfacesConfig) {
  auto cfg = parseOk(dhcp4(R"("interfaces-config": {
      "interfaces": ["eth0", "eth1/198.18.0.1", "*"], "dhcp-socket-type": "udp",
      "outbound-interface": "use-routing", "re-detect": false,
      "service-sockets-require-all": true, "service-sockets-retry-wait-time": 5000,
      "service-sockets-max-retries": 5, "comment": "c", "user-context": {}})"));
  ASSERT_EQ(cfg.interfaces.size(), 3u);
  EXPECT_EQ(cfg.interfaces[0].name, "eth0");
  EXPECT_FALSE(cfg.interfaces[0].address);
  EXPECT_EQ(cfg.interfaces[1].name, "eth1");
  EXPECT_EQ(cfg.interfaces[1].address, Ipv4(198, 18, 0, 1));
  EXPECT_EQ(cfg.interfaces[2].name, "*");
  EXPECT_EQ(cfg.dhcpSocketType, "udp");
  EXPECT_EQ(cfg.outboundInterface, "use-routing");
  // Socket-open retries decide whether the server starts, not what clients get: no warning.
  EXPECT_TRUE(cfg.warnings.empty()) << allWarnings(cfg);
}

TEST(Dhcp4Config, LeaseDatabaseMemfile) {
  auto cfg = parseOk(dhcp4(R"("lease-database": {"type": "memfile", "name": "leases4.csv", "persist": false,
                                                  "lfc-interval": 0, "max-row-errors": 100})"));
  EXPECT_EQ(cfg.leaseDatabase.type, "memfile");
  EXPECT_EQ(cfg.leaseDatabase.name, "/srv/kea/leases4.csv");
  EXPECT_FALSE(cfg.leaseDatabase.persist);
  EXPECT_EQ(cfg.leaseDatabase.lfcInterval, 0u);
  EXPECT_EQ(cfg.leaseDatabase.maxRowErrors, 100u);
}

TEST(Dhcp4Config, LeaseDatabaseWithoutNameUsesTheDefaultFile) {
  auto cfg = parseOk(dhcp4(R"("lease-database": {"type": "memfile", "lfc-interval": 3600})"));
  EXPECT_EQ(cfg.leaseDatabase.name, "/var/lib/kea/kea-leases4.csv");
  EXPECT_EQ(cfg.leaseDatabase.lfcInterval, 3600u);
}

// Kea 2.2 accepts SQL connection keys next to memfile and never reads them: so does tandemd,
// silently (kea-dhcp4 -t gives no warning either).
TEST(Dhcp4Config, LeaseDatabaseConnectionKeysAreAcceptedForMemfile) {
  auto cfg = parseOk(dhcp4(R"("lease-database": {"type": "memfile", "host": "db", "user": "kea", "port": 5432})"));
  EXPECT_TRUE(cfg.warnings.empty()) << allWarnings(cfg);
  EXPECT_EQ(parseErr(dhcp4(R"("lease-database": {"type": "memfile", "port": 70000})")),
            "Dhcp4/lease-database/port: 70000 is out of range (0..65535)");
}

// Kea 2.2's PostgreSQL lease backend: the name is a database, not a file (no path resolution).
TEST(Dhcp4Config, LeaseDatabasePostgresql) {
  auto cfg = parseOk(dhcp4(R"("lease-database": {"type": "postgresql", "name": "kea", "host": "198.18.0.9",
      "port": 5433, "user": "keauser", "password": "secret", "connect-timeout": 3, "max-reconnect-tries": 7,
      "reconnect-wait-time": 1500, "on-fail": "serve-retry-continue"})"));
  const auto& db = cfg.leaseDatabase;
  EXPECT_TRUE(db.sql());
  EXPECT_EQ(db.type, "postgresql");
  EXPECT_EQ(db.name, "kea");
  EXPECT_EQ(db.host, "198.18.0.9");
  EXPECT_EQ(db.port, 5433);
  EXPECT_EQ(db.user, "keauser");
  EXPECT_EQ(db.password, "secret");
  EXPECT_EQ(db.connectTimeout, 3u);
  EXPECT_EQ(db.maxReconnectTries, 7u);
  EXPECT_EQ(db.reconnectWaitTime, 1500u);
  EXPECT_EQ(db.onFail, DbOnFail::ServeRetryContinue);
  EXPECT_TRUE(cfg.warnings.empty()) << allWarnings(cfg);
}

TEST(Dhcp4Config, LeaseDatabasePostgresqlDefaultsAreKea22s) {
  auto cfg = parseOk(dhcp4(R"("lease-database": {"type": "postgresql", "name": "kea"})"));
  const auto& db = cfg.leaseDatabase;
  EXPECT_EQ(db.host, "");
  EXPECT_EQ(db.port, 0);
  EXPECT_EQ(db.connectTimeout, 5u);
  EXPECT_EQ(db.maxReconnectTries, 0u);
  EXPECT_EQ(db.reconnectWaitTime, 0u);
  EXPECT_EQ(db.onFail, DbOnFail::StopRetryExit);
}

// Kea 2.2's MySQL lease backend: the same connection keys as PostgreSQL, and TLS (which Kea
// hands to the client library for MySQL only).
TEST(Dhcp4Config, LeaseDatabaseMysql) {
  auto cfg = parseOk(dhcp4(R"("lease-database": {"type": "mysql", "name": "kea", "host": "198.18.0.9",
      "port": 3307, "user": "keauser", "password": "secret", "connect-timeout": 3, "max-reconnect-tries": 7,
      "reconnect-wait-time": 1500, "on-fail": "serve-retry-exit", "trust-anchor": "/etc/kea/ca.pem",
      "cert-file": "/etc/kea/client.pem", "key-file": "/etc/kea/client.key", "cipher-list": "AES256-SHA"})"));
  const auto& db = cfg.leaseDatabase;
  EXPECT_TRUE(db.sql());
  EXPECT_TRUE(db.mysql());
  EXPECT_EQ(db.type, "mysql");
  EXPECT_EQ(db.name, "kea");
  EXPECT_EQ(db.host, "198.18.0.9");
  EXPECT_EQ(db.port, 3307);
  EXPECT_EQ(db.user, "keauser");
  EXPECT_EQ(db.password, "secret");
  EXPECT_EQ(db.connectTimeout, 3u);
  EXPECT_EQ(db.maxReconnectTries, 7u);
  EXPECT_EQ(db.reconnectWaitTime, 1500u);
  EXPECT_EQ(db.onFail, DbOnFail::ServeRetryExit);
  EXPECT_EQ(db.trustAnchor, "/etc/kea/ca.pem");
  EXPECT_EQ(db.certFile, "/etc/kea/client.pem");
  EXPECT_EQ(db.keyFile, "/etc/kea/client.key");
  EXPECT_EQ(db.cipherList, "AES256-SHA");
  EXPECT_TRUE(cfg.warnings.empty()) << allWarnings(cfg);
}

TEST(Dhcp4Config, LeaseDatabaseMysqlDefaultsAreKea22s) {
  auto cfg = parseOk(dhcp4(R"("lease-database": {"type": "mysql", "name": "kea"})"));
  const auto& db = cfg.leaseDatabase;
  EXPECT_FALSE(db.type == "postgresql");
  EXPECT_EQ(db.host, "");
  EXPECT_EQ(db.port, 0);
  EXPECT_EQ(db.connectTimeout, 5u);  // Kea's MYSQL_DEFAULT_CONNECTION_TIMEOUT
  EXPECT_EQ(db.maxReconnectTries, 0u);
  EXPECT_EQ(db.onFail, DbOnFail::StopRetryExit);
  EXPECT_EQ(db.trustAnchor, "");
}

TEST(Dhcp4Config, RelativePathsResolveAgainstBaseDir) {
  ParseContext ctx = testContext();
  ctx.baseDir = "/run/tandem/work";
  auto cfg = parseOk(dhcp4(R"(
    "lease-database": {"type": "memfile", "name": "../leases/leases4.csv"},
    "control-socket": {"socket-type": "unix", "socket-name": "kea4.sock"},
    "control-sockets": [{"socket-type": "https", "socket-address": "198.18.0.1", "socket-port": 8004,
                         "cert-file": "certs/server.pem", "key-file": "/etc/tandem/server.key",
                         "trust-anchor": "./certs/ca.pem"}],
    "loggers": [{"name": "kea-dhcp4", "output_options": [{"output": "logs/kea-dhcp4.log"},
                 {"output": "stdout"}, {"output": "syslog:kea"}, {"output": "/var/log/abs.log"}]}])"),
                     ctx);
  EXPECT_EQ(cfg.leaseDatabase.name, "/run/tandem/leases/leases4.csv");
  ASSERT_EQ(cfg.controlSockets.size(), 2u);
  EXPECT_EQ(cfg.controlSockets[0].socketName, "/run/tandem/work/kea4.sock");
  EXPECT_EQ(cfg.controlSockets[1].certFile, "/run/tandem/work/certs/server.pem");
  EXPECT_EQ(cfg.controlSockets[1].keyFile, "/etc/tandem/server.key");
  EXPECT_EQ(cfg.controlSockets[1].trustAnchor, "/run/tandem/work/certs/ca.pem");
  ASSERT_EQ(cfg.loggers.size(), 1u);
  EXPECT_EQ(cfg.loggers[0].outputs, (std::vector<std::string>{"/run/tandem/work/logs/kea-dhcp4.log", "stdout",
                                                              "syslog:kea", "/var/log/abs.log"}));
}

TEST(Dhcp4Config, RelativeDefaultLeaseFileResolvesToo) {
  ParseContext ctx = testContext();
  ctx.defaultLeaseFile = "kea-leases4.csv";
  auto cfg = parseOk(dhcp4(R"("valid-lifetime": 10)"), ctx);
  EXPECT_EQ(cfg.leaseDatabase.name, "/srv/kea/kea-leases4.csv");
}

TEST(Dhcp4Config, EmptyBaseDirKeepsRelativePaths) {
  ParseContext ctx;
  auto cfg = parseOk(dhcp4(R"("lease-database": {"type": "memfile", "name": "leases4.csv"})"), ctx);
  EXPECT_EQ(cfg.leaseDatabase.name, "leases4.csv");
}

TEST(Dhcp4Config, ControlSocketUnixKea22) {
  auto cfg = parseOk(dhcp4(R"("control-socket": {"socket-type": "unix", "socket-name": "/run/kea/kea4-ctrl-socket",
                                                  "comment": "x"})"));
  ASSERT_EQ(cfg.controlSockets.size(), 1u);
  EXPECT_EQ(cfg.controlSockets[0].socketType, "unix");
  EXPECT_EQ(cfg.controlSockets[0].socketName, "/run/kea/kea4-ctrl-socket");
}

TEST(Dhcp4Config, ControlSocketsHttpsWithBasicAuthentication) {
  auto cfg = parseOk(dhcp4(R"("control-sockets": [
      {"socket-type": "http", "socket-address": "198.18.0.1", "socket-port": 8000,
       "authentication": {"type": "basic", "realm": "tandem", "clients": [{"user": "admin", "password": "s3cret"}]}},
      {"socket-type": "https", "socket-port": 8443, "cert-file": "/c.pem", "key-file": "/k.pem",
       "trust-anchor": "/ca.pem", "cert-required": false}])"));
  ASSERT_EQ(cfg.controlSockets.size(), 2u);
  const auto& http = cfg.controlSockets[0];
  EXPECT_EQ(http.socketType, "http");
  EXPECT_EQ(http.address, "198.18.0.1");
  EXPECT_EQ(http.port, 8000);
  EXPECT_EQ(http.realm, "tandem");
  ASSERT_EQ(http.users.size(), 1u);
  EXPECT_EQ(http.users[0].user, "admin");
  EXPECT_EQ(http.users[0].password, "s3cret");
  const auto& https = cfg.controlSockets[1];
  EXPECT_EQ(https.socketType, "https");
  EXPECT_EQ(https.address, "127.0.0.1");  // Kea's default
  EXPECT_EQ(https.port, 8443);
  EXPECT_FALSE(https.certRequired);
  EXPECT_EQ(https.trustAnchor, "/ca.pem");
}

TEST(Dhcp4Config, ControlSocketCredentialFiles) {
  const auto dir = std::filesystem::temp_directory_path() / ("tcf-auth-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto write = [&](const char* name, const char* content) { std::ofstream(dir / name) << content; };
  write("user", "operator\n");
  write("password", "pw1\n");
  write("both", "robot:pw2");
  ParseContext ctx = testContext();
  ctx.baseDir = dir.string();
  auto cfg = parseOk(dhcp4(R"("control-sockets": [{"socket-type": "http",
      "authentication": {"type": "basic", "directory": ".", "clients": [
        {"user-file": "user", "password-file": "password"}, {"password-file": "both"},
        {"user": "inline", "password-file": "password"}]}}])"),
                     ctx);
  std::filesystem::remove_all(dir);
  ASSERT_EQ(cfg.controlSockets.size(), 1u);
  const auto& users = cfg.controlSockets[0].users;
  ASSERT_EQ(users.size(), 3u);
  EXPECT_EQ(users[0].user, "operator");
  EXPECT_EQ(users[0].password, "pw1");
  EXPECT_EQ(users[1].user, "robot");
  EXPECT_EQ(users[1].password, "pw2");
  EXPECT_EQ(users[2].user, "inline");
  EXPECT_EQ(users[2].password, "pw1");
}

TEST(Dhcp4Config, Loggers) {
  auto cfg = parseOk(dhcp4(R"("loggers": [
      {"name": "kea-dhcp4", "severity": "debug", "debuglevel": 99,
       "output_options": [{"output": "/var/log/kea.log", "maxsize": 2048000, "maxver": 4, "flush": false,
                           "pattern": "%-5p %m\n"}]},
      {"name": "kea-dhcp4.ha-hooks", "output-options": [{"output": "stderr"}]}])"));
  ASSERT_EQ(cfg.loggers.size(), 2u);
  const auto& a = cfg.loggers[0];
  EXPECT_EQ(a.name, "kea-dhcp4");
  EXPECT_EQ(a.severity, "DEBUG");
  EXPECT_EQ(a.debugLevel, 99);
  ASSERT_EQ(a.outputOptions.size(), 1u);
  EXPECT_EQ(a.outputOptions[0].output, "/var/log/kea.log");
  EXPECT_EQ(a.outputOptions[0].maxsize, 2048000u);
  EXPECT_EQ(a.outputOptions[0].maxver, 4u);
  EXPECT_FALSE(a.outputOptions[0].flush);
  EXPECT_EQ(a.outputOptions[0].pattern, "%-5p %m\n");
  const auto& b = cfg.loggers[1];
  EXPECT_EQ(b.severity, "INFO");
  EXPECT_EQ(b.outputs, std::vector<std::string>{"stderr"});
  EXPECT_TRUE(b.outputOptions[0].flush);
}

TEST(Dhcp4Config, HooksLibrariesAreKeptRaw) {
  auto cfg = parseOk(dhcp4(R"("hooks-libraries": [
      {"library": "/usr/lib/x86_64-linux-gnu/kea/hooks/libdhcp_lease_cmds.so"},
      {"library": "/usr/lib/x86_64-linux-gnu/kea/hooks/libdhcp_ha.so",
       "parameters": {"high-availability": [{"this-server-name": "server1", "anything": [1, 2]}]}},
      {"library": "/usr/lib64/kea/hooks/libdhcp_stat_cmds.so"},
      {"library": "libdhcp_host_cmds.so"}])"));
  ASSERT_EQ(cfg.hooksLibraries.size(), 4u);
  EXPECT_EQ(cfg.hooksLibraries[1]["parameters"]["high-availability"][0]["anything"][1], 2);
  // lease_cmds, ha, stat_cmds and host_cmds are built in, wherever the path says they live.
  EXPECT_TRUE(cfg.warnings.empty()) << allWarnings(cfg);
}

TEST(Dhcp4Config, HookLibrariesOnlyAddingCommandsWarn) {
  auto cfg = parseOk(dhcp4(R"("hooks-libraries": [{"library": "/usr/local/lib/kea/hooks/libdhcp_subnet_cmds.so"},
                                                  {"library": "libdhcp_class_cmds.so"}])"));
  EXPECT_EQ(cfg.warnings, (std::vector<std::string>{
                              "Dhcp4/hooks-libraries/0/library: hook library "
                              "'/usr/local/lib/kea/hooks/libdhcp_subnet_cmds.so': its subnet4-*/network4-* commands "
                              "are not implemented; the library is ignored (answers are unaffected)",
                              "Dhcp4/hooks-libraries/1/library: hook library 'libdhcp_class_cmds.so': its class-* "
                              "commands are not implemented; the library is ignored (answers are unaffected)"}));
}

TEST(Dhcp4Config, ExpiredLeasesProcessingAllSixKeys) {
  auto cfg = parseOk(dhcp4(R"("expired-leases-processing": {"reclaim-timer-wait-time": 1,
      "flush-reclaimed-timer-wait-time": 2, "hold-reclaimed-time": 3, "max-reclaim-leases": 4,
      "max-reclaim-time": 5, "unwarned-reclaim-cycles": 6})"));
  EXPECT_EQ(cfg.expiredLeases.reclaimTimerWaitTime, 1u);
  EXPECT_EQ(cfg.expiredLeases.flushReclaimedTimerWaitTime, 2u);
  EXPECT_EQ(cfg.expiredLeases.holdReclaimedTime, 3u);
  EXPECT_EQ(cfg.expiredLeases.maxReclaimLeases, 4u);
  EXPECT_EQ(cfg.expiredLeases.maxReclaimTime, 5u);
  EXPECT_EQ(cfg.expiredLeases.unwarnedReclaimCycles, 6u);
}

TEST(Dhcp4Config, SanityChecks) {
  auto cfg = parseOk(dhcp4(R"("sanity-checks": {"lease-checks": "none", "extended-info-checks": "fix"})"));
  EXPECT_EQ(cfg.leaseChecks, "none");
  EXPECT_EQ(parseErr(dhcp4(R"("sanity-checks": {"lease-checks": "fix-del"})")),
            "Dhcp4/sanity-checks/lease-checks: 'fix-del' is not supported yet (it rewrites or drops leases whose "
            "subnet-id does not match); use \"warn\"");
}

TEST(Dhcp4Config, MultiThreadingIsParsedForThePacketWorkers) {
  auto cfg = parseOk(dhcp4(R"("multi-threading": {"enable-multi-threading": true, "thread-pool-size": 2,
                                                   "packet-queue-size": 128})"));
  EXPECT_TRUE(cfg.warnings.empty()) << allWarnings(cfg);
  EXPECT_TRUE(config::multiThreadingOf(cfg).enabled);
  EXPECT_EQ(config::multiThreadingOf(cfg).threadPoolSize, 2u);
  EXPECT_EQ(config::multiThreadingOf(cfg).packetQueueSize, 128u);
  // Kea 2.2's defaults: off, one thread per core when on, a queue of 64.
  auto plain = parseOk(dhcp4(R"("multi-threading": {"enable-multi-threading": true})"));
  EXPECT_TRUE(config::multiThreadingOf(plain).enabled);
  EXPECT_EQ(config::multiThreadingOf(plain).threadPoolSize, 0u);
  EXPECT_EQ(config::multiThreadingOf(plain).packetQueueSize, 64u);
  EXPECT_FALSE(config::multiThreadingOf(parseOk(dhcp4(""))).enabled);
}

TEST(Dhcp4Config, DhcpDdnsDisabledAndDdnsKeysAreAccepted) {
  auto cfg = parseOk(dhcp4(R"("dhcp-ddns": {"enable-updates": false, "server-ip": "127.0.0.1", "server-port": 53001,
                                            "ncr-protocol": "UDP", "ncr-format": "JSON"},
      "ddns-send-updates": true, "ddns-override-no-update": false, "ddns-override-client-update": false,
      "ddns-replace-client-name": "never", "ddns-generated-prefix": "myhost", "ddns-qualifying-suffix": "",
      "ddns-update-on-renew": false, "ddns-use-conflict-resolution": true)"));
  EXPECT_TRUE(cfg.warnings.empty()) << allWarnings(cfg);
}

// Kea 2.2 keys that cannot change an answer (checked against kea-dhcp4 -t for what Kea
// itself accepts): no error and no warning.
TEST(Dhcp4Config, KeysWithoutEffectOnAnswersAreAcceptedSilently) {
  auto cfg = parseOk(dhcp4(R"("dhcp4o6-port": 6767,
      "dhcp-queue-control": {"enable-queue": true, "queue-type": "kea-ring4", "capacity": 64, "custom": [1]},
      "compatibility": {"lenient-option-parsing": false}, "option-def": [], "shared-networks": [],
      "config-control": {"config-fetch-wait-time": 20}, "parked-packet-limit": 128,
      "reservations-lookup-first": true, "statistic-default-sample-count": 20, "statistic-default-sample-age": 0,
      "cache-threshold": 0, "cache-max-age": 0,
      "lease-database": {"type": "memfile", "host": "db", "user": "kea", "password": "x", "port": 3306,
                         "connect-timeout": 5, "max-reconnect-tries": 3, "reconnect-wait-time": 100,
                         "on-fail": "stop-retry-exit"},
      "host-reservation-identifiers": ["circuit-id", "hw-address", "duid", "client-id"])"));
  EXPECT_TRUE(cfg.warnings.empty()) << allWarnings(cfg);
}

// Kea's config-write output carries empty 4o6-* keys in every subnet (remotelabz's config in
// the corpus does): empty means "not set".
// Kea 2.2 moves dhcp-ddns's old hostname-char-* settings to the global ones unless those
// are given.
TEST(Dhcp4Config, DhcpDdnsHostnameCharSetMovesToGlobal) {
  auto moved = parseOk(dhcp4(R"("dhcp-ddns": {"enable-updates": false, "hostname-char-set": "[^a-z]",
                                              "hostname-char-replacement": "x", "ncr-protocol": "udp",
                                              "sender-ip": "", "qualifying-suffix": "", "replace-client-name": "never"})"));
  EXPECT_EQ(moved.ddns.hostnameCharSet, "[^a-z]");
  EXPECT_EQ(moved.ddns.hostnameCharReplacement, "x");
  EXPECT_TRUE(moved.warnings.empty()) << allWarnings(moved);
  auto global = parseOk(
      dhcp4(R"("hostname-char-set": "[^0-9]", "dhcp-ddns": {"enable-updates": false, "hostname-char-set": "[^a-z]"},
      "subnet4": [{"subnet": "198.18.0.0/24", "hostname-char-set": "[^0-9]", "ddns-send-updates": false,
                   "ddns-qualifying-suffix": "", "ddns-replace-client-name": "never"}])"));
  EXPECT_EQ(global.ddns.hostnameCharSet, "[^0-9]");
  EXPECT_EQ(global.ddns.hostnameCharReplacement, "");
}

TEST(Dhcp4Config, EmptyDhcp4o6SubnetKeysAreAccepted) {
  auto cfg = parseOk(dhcp4(R"("subnet4": [{"subnet": "198.18.0.0/24", "id": 1,
      "4o6-interface": "", "4o6-interface-id": "", "4o6-subnet": "", "cache-threshold": 0}])"));
  ASSERT_EQ(cfg.subnets.size(), 1u);
  EXPECT_TRUE(cfg.warnings.empty()) << allWarnings(cfg);
}

// Newer Kea's compatibility flag is implemented (the engine accepts any server identifier);
// the other newer flags change answers and are refused, as Kea 2.2 refuses all of them.
TEST(Dhcp4Config, CompatibilityIgnoreServerIdentifier) {
  EXPECT_FALSE(parseOk(dhcp4(R"("valid-lifetime": 7200)")).ignoreServerId);
  auto cfg = parseOk(dhcp4(R"("compatibility": {"ignore-dhcp-server-identifier": true})"));
  EXPECT_TRUE(cfg.ignoreServerId);
  EXPECT_TRUE(cfg.warnings.empty()) << allWarnings(cfg);
  const std::string err = parseErr(dhcp4(R"("compatibility": {"exclude-first-last-24": true})"));
  EXPECT_NE(err.find("Dhcp4/compatibility/exclude-first-last-24: unknown parameter"), std::string::npos) << err;
}

TEST(Dhcp4Config, ClientClassesAreTypedAndKeptRaw) {
  auto cfg = parseOk(dhcp4(R"("client-classes": [
      {"name": "HA_server1"},
      {"name": "voip", "test": "substring(option[60].hex,0,6) == 'Aastra'", "next-server": "198.18.0.254",
       "server-hostname": "hal9000", "boot-file-name": "/dev/null",
       "option-data": [{"name": "domain-name-servers", "data": "198.18.0.53"}]}])"));
  ASSERT_EQ(cfg.clientClasses.size(), 2u);
  EXPECT_EQ(cfg.clientClasses[1]["server-hostname"], "hal9000");
  EXPECT_TRUE(cfg.warnings.empty()) << allWarnings(cfg);
  ASSERT_EQ(cfg.classes.size(), 2u);
  EXPECT_FALSE(cfg.classes[0].test);
  ASSERT_TRUE(cfg.classes[1].test);
  EXPECT_EQ(cfg.classes[1].serverHostname, "hal9000");
  EXPECT_EQ(cfg.classes[1].nextServer, Ipv4(198, 18, 0, 254));
}

TEST(Dhcp4Config, OtherDaemonsSectionsAreIgnoredWithAWarning) {
  auto cfg = parseOk(R"({"Dhcp4": {"valid-lifetime": 10}, "Dhcp6": {}, "Control-agent": {}})");
  EXPECT_EQ(cfg.warnings, (std::vector<std::string>{"Control-agent: configuration for another Kea daemon; ignored",
                                                    "Dhcp6: configuration for another Kea daemon; ignored"}));
}

TEST(Dhcp4Config, SourceKeepsTheWholeDocument) {
  auto cfg = parseOk(dhcp4(R"("valid-lifetime": 10, "comment": "kept")"));
  EXPECT_EQ(cfg.source["Dhcp4"]["comment"], "kept");
  EXPECT_EQ(cfg.source["Dhcp4"]["valid-lifetime"], 10);
}

TEST(Dhcp4Config, ParsesAnAlreadyParsedDocument) {
  auto doc = nlohmann::json::parse(R"({"Dhcp4": {"subnet4": [{"subnet": "198.18.0.0/24"}]}})");
  auto r = parseDhcp4Config(doc, testContext());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->subnets.size(), 1u);
}

TEST(Dhcp4Config, GlobalOptionData) {
  auto cfg = parseOk(dhcp4(R"("option-data": [
      {"name": "domain-name-servers", "data": "198.18.0.53, 198.18.0.54"},
      {"code": 15, "data": "example.org"},
      {"name": "routers", "code": 3, "space": "dhcp4", "csv-format": true, "data": "198.18.0.1",
       "always-send": true},
      {"code": 224, "csv-format": false, "data": "01:02:0a"},
      {"name": "default-ip-ttl", "data": "0xf0", "never-send": true}])"));
  ASSERT_EQ(cfg.options.size(), 5u);
  EXPECT_EQ(cfg.options[0].code, 6);
  EXPECT_EQ(cfg.options[0].name, "domain-name-servers");
  EXPECT_EQ(cfg.options[0].payload, (std::vector<std::uint8_t>{198, 18, 0, 53, 198, 18, 0, 54}));
  EXPECT_EQ(cfg.options[1].name, "domain-name");
  EXPECT_EQ(cfg.options[1].payload, (std::vector<std::uint8_t>{'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'o', 'r', 'g'}));
  EXPECT_EQ(cfg.options[2].code, 3);
  EXPECT_TRUE(cfg.options[2].alwaysSend);
  EXPECT_FALSE(cfg.options[2].neverSend);
  EXPECT_EQ(cfg.options[3].code, 224);
  EXPECT_EQ(cfg.options[3].name, "");
  EXPECT_FALSE(cfg.options[3].csvFormat);
  EXPECT_EQ(cfg.options[3].payload, (std::vector<std::uint8_t>{1, 2, 10}));
  EXPECT_EQ(cfg.options[4].payload, std::vector<std::uint8_t>{0xf0});
  EXPECT_TRUE(cfg.options[4].neverSend);
}

// Kea 2.2 keeps both copies and answers with the later one (kea-dhcp4 2.2.0 sent 198.18.0.2).
TEST(Dhcp4Config, DuplicateOptionInOneScopeKeepsTheLast) {
  auto cfg = parseOk(dhcp4(R"("option-data": [{"name": "routers", "data": "198.18.0.1"},
                                              {"code": 3, "data": "198.18.0.2"}])"));
  ASSERT_EQ(cfg.options.size(), 1u);
  EXPECT_EQ(cfg.options[0].payload, (std::vector<std::uint8_t>{198, 18, 0, 2}));
  EXPECT_EQ(cfg.warnings, std::vector<std::string>{"Dhcp4/option-data/1: option 3 of space dhcp4 is given more than "
                                                   "once in this scope; the last one is used"});
}

TEST(Dhcp4Config, OptionDefsAndCustomSpaces) {
  auto cfg = parseOk(dhcp4(R"(
    "option-def": [
      {"name": "container", "code": 222, "type": "empty", "encapsulate": "my-space"},
      {"name": "sub-a", "code": 1, "space": "my-space", "type": "ipv4-address"},
      {"name": "sub-b", "code": 2, "space": "my-space", "type": "record", "record-types": "uint8, string"},
      {"name": "vendor-a", "code": 1, "space": "vendor-encapsulated-options-space", "type": "uint16", "array": true}],
    "option-data": [
      {"name": "container"},
      {"name": "sub-b", "space": "my-space", "data": "7, text"},
      {"name": "sub-a", "space": "my-space", "data": "198.18.0.10"},
      {"name": "vendor-encapsulated-options"},
      {"name": "vendor-a", "space": "vendor-encapsulated-options-space", "data": "1, 2"},
      {"name": "vivso-suboptions", "data": "4491"},
      {"name": "tftp-servers", "space": "vendor-4491", "data": "198.18.0.69"}])"));
  ASSERT_EQ(cfg.optionDefs.custom().size(), 4u);
  EXPECT_EQ(cfg.optionDefs.custom()[2].recordFields,
            (std::vector<proto::OptionType>{proto::OptionType::Uint8, proto::OptionType::String}));
  ASSERT_EQ(cfg.options.size(), 7u);
  // The carrier holds the scope's sub-options in code order (Kea's CfgOption::encapsulate).
  EXPECT_EQ(cfg.options[0].code, 222);
  EXPECT_EQ(cfg.options[0].payload, (std::vector<std::uint8_t>{1, 4, 198, 18, 0, 10, 2, 5, 7, 't', 'e', 'x', 't'}));
  EXPECT_EQ(cfg.options[1].space, "my-space");
  EXPECT_EQ(cfg.options[3].code, 43);
  EXPECT_EQ(cfg.options[3].payload, (std::vector<std::uint8_t>{1, 4, 0, 1, 0, 2}));
  // 125: one vendor block, enterprise 4491, no sub-options of its own.
  EXPECT_EQ(cfg.options[5].payload, (std::vector<std::uint8_t>{0, 0, 0x11, 0x8b, 0}));
  EXPECT_EQ(cfg.options[6].space, "vendor-4491");
  EXPECT_EQ(cfg.options[6].payload, (std::vector<std::uint8_t>{198, 18, 0, 69}));
}

TEST(Dhcp4Config, OptionDefsServeEveryScope) {
  auto cfg = parseOk(dhcp4(R"(
    "option-def": [{"name": "x", "code": 200, "type": "uint16"}],
    "reservations-global": true,
    "reservations": [{"hw-address": "02:00:00:00:00:01", "option-data": [{"name": "x", "data": "1"}]}],
    "subnet4": [{"id": 1, "subnet": "198.18.0.0/24", "option-data": [{"name": "x", "data": "2"}],
                 "pools": [{"pool": "198.18.0.10 - 198.18.0.20", "option-data": [{"name": "x", "data": "3"}]}],
                 "reservations": [{"hw-address": "02:00:00:00:00:02", "option-data": [{"code": 200, "data": "4"}]}]}],
    "client-classes": [{"name": "c", "option-data": [{"name": "x", "data": "5"}]}])"));
  EXPECT_EQ(cfg.reservations[0].options[0].payload, (std::vector<std::uint8_t>{0, 1}));
  EXPECT_EQ(cfg.subnets[0].options[0].payload, (std::vector<std::uint8_t>{0, 2}));
  EXPECT_EQ(cfg.subnets[0].pools[0].options[0].payload, (std::vector<std::uint8_t>{0, 3}));
  EXPECT_EQ(cfg.subnets[0].reservations[0].options[0].payload, (std::vector<std::uint8_t>{0, 4}));
}

}  // namespace
}  // namespace tandem::config
