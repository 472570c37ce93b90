// Kea 2.2 hosts rows <-> reservations, the refresh's diff and the merge of several databases.
#include "dhcpd/config/host_row.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "dhcpd/config/host_diff.h"
#include "dhcpd/config/hosts_database.h"
#include "tests/config/config_test_util.h"

namespace tandem::config {
namespace {

using nlohmann::json;
using testing::dhcp4;
using testing::parseOk;

Dhcp4Config twoSubnets() {
  return parseOk(dhcp4(R"("subnet4": [
      {"id": 1, "subnet": "198.18.0.0/24", "pools": [{"pool": "198.18.0.100 - 198.18.0.200"}]},
      {"id": 7, "subnet": "198.18.7.0/24"}],
    "option-def": [{"name": "site-text", "code": 224, "type": "string"}])"));
}

HostRow hwHost(std::uint32_t subnet, std::uint8_t last, std::uint32_t address) {
  HostRow r;
  r.hostId = last;
  r.identifier = {0x02, 0x00, 0xc6, 0x12, 0x00, last};
  r.identifierType = 0;
  r.subnetId = subnet;
  r.ipv4Address = address;
  return r;
}

TEST(HostRow, HwAddressRowBecomesTheReservationKeaServes) {
  HostRow r = hwHost(1, 0x61, Ipv4(198, 18, 0, 50).value);
  r.hostname = "printer";
  r.clientClasses = "lab, printers";
  r.nextServer = Ipv4(198, 18, 0, 2).value;
  r.serverHostname = "boot";
  r.bootFileName = "pxelinux.0";
  r.userContext = R"({"rack": 4})";
  HostOptionRow dns;  // formatted_value, as Kea writes an option given in CSV
  dns.code = 6;
  dns.formattedValue = "198.18.0.53, 198.18.0.54";
  dns.persistent = true;
  HostOptionRow bin;  // value only (decode('...','hex') in an INSERT)
  bin.code = 224;
  bin.value = {'l', 'a', 'b'};
  r.options = {dns, bin};

  EXPECT_EQ(reservationJsonOf(r), json::parse(R"({
      "hw-address": "02:00:c6:12:00:61", "ip-address": "198.18.0.50", "hostname": "printer",
      "client-classes": ["lab", "printers"], "next-server": "198.18.0.2", "server-hostname": "boot",
      "boot-file-name": "pxelinux.0", "user-context": {"rack": 4},
      "option-data": [
        {"code": 6, "space": "dhcp4", "csv-format": true, "data": "198.18.0.53, 198.18.0.54", "always-send": true},
        {"code": 224, "space": "dhcp4", "csv-format": false, "data": "6c:61:62"}]})"));

  const Dhcp4Config cfg = twoSubnets();
  auto res = reservationOf(r, cfg);
  ASSERT_TRUE(res.ok()) << res.error().message;
  ASSERT_TRUE(res->hwAddr.has_value());
  EXPECT_EQ(res->hwAddr->toString(), "02:00:c6:12:00:61");
  EXPECT_EQ(res->identifierType(), HostIdType::HwAddress);
  EXPECT_EQ(res->address, Ipv4(198, 18, 0, 50));
  EXPECT_EQ(res->hostname, "printer");
  EXPECT_EQ(res->clientClasses, (std::vector<std::string>{"lab", "printers"}));
  EXPECT_EQ(res->nextServer, Ipv4(198, 18, 0, 2));
  EXPECT_EQ(res->bootFileName, "pxelinux.0");
  ASSERT_EQ(res->options.size(), 2u);
  EXPECT_EQ(res->options[0].code, 6);
  EXPECT_EQ(res->options[0].payload, (std::vector<std::uint8_t>{198, 18, 0, 53, 198, 18, 0, 54}));
  EXPECT_TRUE(res->options[0].alwaysSend);
  EXPECT_EQ(res->options[1].code, 224);
  EXPECT_EQ(res->options[1].payload, (std::vector<std::uint8_t>{'l', 'a', 'b'}));
}

TEST(HostRow, EveryIdentifierTypeMapsToKeasName) {
  const Dhcp4Config cfg = twoSubnets();
  const HostIdType types[] = {HostIdType::HwAddress, HostIdType::Duid, HostIdType::CircuitId, HostIdType::ClientId,
                              HostIdType::FlexId};
  const char* names[] = {"hw-address", "duid", "circuit-id", "client-id", "flex-id"};
  for (std::uint8_t t = 0; t < 5; ++t) {
    HostRow r = hwHost(7, 1, 0);
    r.identifierType = t;
    r.hostname = "h";  // Kea: a host needs at least one resource
    EXPECT_TRUE(reservationJsonOf(r).contains(names[t])) << names[t];
    auto res = reservationOf(r, cfg);
    ASSERT_TRUE(res.ok()) << res.error().message;
    EXPECT_EQ(res->identifierType(), types[t]);
    EXPECT_EQ(res->identifier(), r.identifier);
    EXPECT_FALSE(res->address.has_value());  // ipv4_address 0: no address reserved
  }
}

TEST(HostRow, GlobalHostIsSubnetZero) {
  HostRow r = hwHost(0, 9, 0);
  r.hostname = "anywhere";
  auto res = reservationOf(r, twoSubnets());
  ASSERT_TRUE(res.ok()) << res.error().message;
  EXPECT_EQ(res->hostname, "anywhere");
}

TEST(HostRow, RowsTheConfigurationCannotServeAreErrorsNamingTheHost) {
  const Dhcp4Config cfg = twoSubnets();
  HostRow unknownSubnet = hwHost(3, 1, 0);
  unknownSubnet.hostId = 42;
  EXPECT_EQ(reservationOf(unknownSubnet, cfg).error().message,
            "hosts database host_id 42: IPv4 subnet with id 3 does not exist");
  HostRow outside = hwHost(1, 2, Ipv4(198, 18, 7, 9).value);
  outside.hostId = 43;
  EXPECT_EQ(reservationOf(outside, cfg).error().message,
            "hosts database host_id 43/ip-address: reserved address 198.18.7.9 is not within subnet 198.18.0.0/24");
  HostRow badType = hwHost(1, 3, 0);
  badType.hostId = 44;
  badType.identifierType = 9;
  EXPECT_EQ(reservationOf(badType, cfg).error().message, "hosts database host_id 44: unknown dhcp_identifier_type 9");
  HostRow badOption = hwHost(1, 4, 0);
  HostOptionRow o;
  o.code = 3;
  o.formattedValue = "not-an-address";
  badOption.options.push_back(o);
  EXPECT_FALSE(reservationOf(badOption, cfg).ok());
}

TEST(HostRow, ReservationAddWritesWhatKeaWrites) {
  const Dhcp4Config cfg = twoSubnets();
  auto row = hostRowOf(json::parse(R"({"hw-address": "02:00:C6:12:00:70", "ip-address": "198.18.0.60",
      "hostname": "cam", "client-classes": ["a", "b"], "next-server": "198.18.0.2",
      "option-data": [{"name": "domain-name-servers", "data": "198.18.0.53"},
                      {"code": 224, "csv-format": false, "data": "6C6162", "always-send": true}]})"),
                       1, cfg);
  ASSERT_TRUE(row.ok()) << row.error().message;
  EXPECT_EQ(row->identifierType, 0);
  EXPECT_EQ(row->identifier, (std::vector<std::uint8_t>{0x02, 0x00, 0xc6, 0x12, 0x00, 0x70}));
  EXPECT_EQ(row->subnetId, 1u);
  EXPECT_EQ(row->ipv4Address, Ipv4(198, 18, 0, 60).value);
  EXPECT_EQ(row->hostname, "cam");
  EXPECT_EQ(row->clientClasses, "a,b");
  EXPECT_EQ(row->nextServer, Ipv4(198, 18, 0, 2).value);
  ASSERT_EQ(row->options.size(), 2u);
  // CSV data: formatted_value alone (value NULL), as Kea's PgSqlOptionExchange.
  EXPECT_EQ(row->options[0].code, 6);
  EXPECT_EQ(row->options[0].formattedValue, "198.18.0.53");
  EXPECT_TRUE(row->options[0].value.empty());
  EXPECT_FALSE(row->options[0].persistent);
  // Binary data: the payload in value.
  EXPECT_EQ(row->options[1].code, 224);
  EXPECT_EQ(row->options[1].formattedValue, "");
  EXPECT_EQ(row->options[1].value, (std::vector<std::uint8_t>{'l', 'a', 'b'}));
  EXPECT_TRUE(row->options[1].persistent);

  // And the row reads back as the same reservation.
  auto back = reservationOf(*row, cfg);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->address, Ipv4(198, 18, 0, 60));
  EXPECT_EQ(back->options.size(), 2u);
  EXPECT_EQ(hostKeyOf(*row), hostKeyOf(1, HostIdType::HwAddress, row->identifier));

  EXPECT_FALSE(
      hostRowOf(json::parse(R"({"hw-address": "02:00:c6:12:00:70", "ip-address": "198.18.9.1"})"), 1, cfg).ok());
  EXPECT_FALSE(hostRowOf(json::parse(R"({"hw-address": "02:00:c6:12:00:70"})"), 5, cfg).ok());
}

TEST(HostDiff, OnlyChangedHostsAreHandedOn) {
  HostRow a = hwHost(1, 1, Ipv4(198, 18, 0, 11).value), b = hwHost(1, 2, Ipv4(198, 18, 0, 12).value),
          c = hwHost(1, 3, Ipv4(198, 18, 0, 13).value);
  const HostMap before = hostMapOf({a, b, c});
  HostRow b2 = b;
  b2.hostname = "renamed";
  HostRow c2 = c;
  c2.hostId = 99;  // deleted and inserted again with the same content: no change
  HostRow d = hwHost(7, 4, 0);
  const HostMap after = hostMapOf({a, b2, c2, d});
  HostDiff diff = diffHosts(before, after);
  ASSERT_EQ(diff.upserts.size(), 2u);
  std::sort(diff.upserts.begin(), diff.upserts.end(), [](auto& x, auto& y) { return x.hostId < y.hostId; });
  EXPECT_EQ(diff.upserts[0].hostname, "renamed");
  EXPECT_EQ(diff.upserts[1].subnetId, 7u);
  EXPECT_TRUE(diff.removed.empty());

  const HostMap gone = hostMapOf({a});
  HostDiff del = diffHosts(after, gone);
  EXPECT_TRUE(del.upserts.empty());
  EXPECT_EQ(del.removed.size(), 3u);
  HostMap m = after;
  applyHostDiff(m, del);
  EXPECT_EQ(m.size(), 1u);
  EXPECT_TRUE(diffHosts(m, gone).empty());
}

TEST(HostDiff, DuplicateKeysKeepTheLowestHostId) {
  HostRow first = hwHost(1, 1, Ipv4(198, 18, 0, 11).value), second = first;
  first.hostId = 5;
  second.hostId = 9;
  second.hostname = "later";
  std::vector<std::int64_t> dups;
  const HostMap m = hostMapOf({second, first}, &dups);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m.begin()->second.hostId, 5);
  EXPECT_EQ(dups, (std::vector<std::int64_t>{9}));
}

TEST(HostSources, TheFirstDatabaseHoldingAHostWins) {
  HostSources s(2);
  HostRow inSecond = hwHost(1, 1, Ipv4(198, 18, 0, 21).value);
  inSecond.hostname = "second";
  HostDiff d2;
  d2.upserts = {inSecond};
  auto changes = s.apply(1, d2);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].row->hostname, "second");
  EXPECT_EQ(changes[0].source, 1u);

  HostRow inFirst = inSecond;
  inFirst.hostname = "first";
  HostDiff d1;
  d1.upserts = {inFirst};
  changes = s.apply(0, d1);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].row->hostname, "first");

  // A change in the second database is hidden while the first holds the host.
  inSecond.hostname = "second-renamed";
  d2.upserts = {inSecond};
  EXPECT_TRUE(s.apply(1, d2).empty());
  EXPECT_EQ(s.size(), 1u);

  // Once the first deletes it, the second's host is in force again.
  HostDiff del;
  del.removed = {hostKeyOf(inFirst)};
  changes = s.apply(0, del);
  ASSERT_EQ(changes.size(), 1u);
  ASSERT_NE(changes[0].row, nullptr);
  EXPECT_EQ(changes[0].row->hostname, "second-renamed");
  del.removed = {hostKeyOf(inSecond)};
  changes = s.apply(1, del);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].row, nullptr);
}

TEST(HostsDatabase, ReadFromTheParsedDocument) {
  auto cfg = parseOk(dhcp4(R"("hosts-databases": [
      {"type": "postgresql", "name": "kea", "host": "/run/pg", "port": 5433, "user": "kea", "password": "pw",
       "connect-timeout": 3, "max-reconnect-tries": 4, "reconnect-wait-time": 500, "on-fail": "serve-retry-continue"},
      {"type": "postgresql", "name": "kea2", "readonly": true}])"));
  auto dbs = hostsDatabasesOf(cfg);
  ASSERT_EQ(dbs.size(), 2u);
  EXPECT_EQ(dbs[0].access.name, "kea");
  EXPECT_EQ(dbs[0].access.host, "/run/pg");
  EXPECT_EQ(dbs[0].access.port, 5433);
  EXPECT_EQ(dbs[0].access.user, "kea");
  EXPECT_EQ(dbs[0].access.password, "pw");
  EXPECT_EQ(dbs[0].access.connectTimeout, 3u);
  EXPECT_EQ(dbs[0].access.maxReconnectTries, 4u);
  EXPECT_EQ(dbs[0].access.onFail, DbOnFail::ServeRetryContinue);
  EXPECT_FALSE(dbs[0].readonly);
  EXPECT_EQ(dbs[1].access.name, "kea2");
  EXPECT_TRUE(dbs[1].readonly);

  auto one = parseOk(dhcp4(R"("hosts-database": {"type": "postgresql", "name": "hosts"})"));
  ASSERT_EQ(hostsDatabasesOf(one).size(), 1u);
  EXPECT_EQ(hostsDatabasesOf(one)[0].access.name, "hosts");
  EXPECT_TRUE(hostsDatabasesOf(parseOk(dhcp4(""))).empty());
  // Both keys (Kea 2.2 accepts them together): the map first, then the list.
  auto both = parseOk(dhcp4(R"("hosts-databases": [{"type": "postgresql", "name": "b"}],
                                "hosts-database": {"type": "postgresql", "name": "a"})"));
  ASSERT_EQ(hostsDatabasesOf(both).size(), 2u);
  EXPECT_EQ(hostsDatabasesOf(both)[0].access.name, "a");
  EXPECT_EQ(hostsDatabasesOf(both)[1].access.name, "b");
  // The lease database is not a hosts database (Kea keeps them apart too).
  auto lease = parseOk(dhcp4(R"("lease-database": {"type": "postgresql", "name": "kea"})"));
  EXPECT_TRUE(hostsDatabasesOf(lease).empty());
}

}  // namespace
}  // namespace tandem::config
