// Host reservations of a hosts database (Engine::putDatabaseHost / removeDatabaseHost): served
// like the configuration file's, applied without a rebuild, the configuration's winning.
#include "tests/engine/engine_fixture.h"

#include "dhcpd/config/host_row.h"

namespace tandem::test {
namespace {

std::shared_ptr<const config::Reservation> dbHost(const HwAddr& hw, std::optional<Ipv4> a, std::string name = {}) {
  auto r = std::make_shared<config::Reservation>();
  r->hwAddr = hw;
  r->address = a;
  r->hostname = std::move(name);
  return r;
}

std::string keyOf(std::uint32_t subnet, const HwAddr& hw) {
  return config::hostKeyOf(subnet, config::HostIdType::HwAddress,
                           std::vector<std::uint8_t>(hw.view().begin(), hw.view().end()));
}

TEST_F(EngineTest, DatabaseHostIsServedAndGoesAway) {
  eng();
  EXPECT_EQ(send(discover(mac(1))).reply->yiaddr, ip("198.18.0.10"));  // dynamic before
  eng().putDatabaseHost(keyOf(1, mac(2)), 1, dbHost(mac(2), ip("198.18.0.77"), "db-host"));
  EXPECT_EQ(eng().databaseHostCount(), 1u);
  Packet4 p = discover(mac(2));
  Decision d = send(p);
  ASSERT_EQ(typeOf(d), MessageType::Offer) << d.note;
  EXPECT_EQ(d.reply->yiaddr, ip("198.18.0.77"));
  ASSERT_NE(findOpt(*d.reply, opt::kHostName), nullptr);
  EXPECT_EQ(findOpt(*d.reply, opt::kHostName)->data, bytes("db-host"));

  // Changed in the database: the new address.
  eng().putDatabaseHost(keyOf(1, mac(2)), 1, dbHost(mac(2), ip("198.18.0.78")));
  eng().expireOffers(clock.now() + std::chrono::seconds(60));
  EXPECT_EQ(send(discover(mac(2))).reply->yiaddr, ip("198.18.0.78"));

  // Deleted: a dynamic address again.
  eng().removeDatabaseHost(keyOf(1, mac(2)));
  EXPECT_EQ(eng().databaseHostCount(), 0u);
  eng().expireOffers(clock.now() + std::chrono::seconds(120));
  const Ipv4 a = send(discover(mac(2))).reply->yiaddr;
  EXPECT_GE(a.value, ip("198.18.0.10").value);  // from the pool
  EXPECT_LE(a.value, ip("198.18.0.50").value);
}

TEST_F(EngineTest, ConfigFileHostWinsOverTheDatabases) {
  config::Reservation fromFile;
  fromFile.hwAddr = mac(3);
  fromFile.address = ip("198.18.0.60");
  cfg.subnets[0].reservations.push_back(fromFile);
  eng().putDatabaseHost(keyOf(1, mac(3)), 1, dbHost(mac(3), ip("198.18.0.61")));
  EXPECT_EQ(send(discover(mac(3))).reply->yiaddr, ip("198.18.0.60"));
  // Removing the shadowed database host leaves the file's in place.
  eng().removeDatabaseHost(keyOf(1, mac(3)));
  eng().expireOffers(clock.now() + std::chrono::seconds(60));
  EXPECT_EQ(send(discover(mac(3))).reply->yiaddr, ip("198.18.0.60"));
}

TEST_F(EngineTest, DatabaseHostsSurviveAReconfigure) {
  eng().putDatabaseHost(keyOf(1, mac(4)), 1, dbHost(mac(4), ip("198.18.0.90")));
  // A host of a subnet not configured (yet) is kept but not served.
  eng().putDatabaseHost(keyOf(9, mac(5)), 9, dbHost(mac(5), ip("198.18.0.91")));
  config::Dhcp4Config next = cfg;
  next.validLifetime = 5000;
  eng().reconfigure(next);
  EXPECT_EQ(eng().databaseHostCount(), 2u);
  EXPECT_EQ(send(discover(mac(4))).reply->yiaddr, ip("198.18.0.90"));
  EXPECT_EQ(send(discover(mac(5))).reply->yiaddr, ip("198.18.0.10"));
  eng().clearDatabaseHosts();
  EXPECT_EQ(eng().databaseHostCount(), 0u);
}

TEST_F(EngineTest, GlobalDatabaseHostWithReservationsGlobal) {
  cfg.subnets[0].reservationsGlobal = true;
  cfg.subnets[0].reservationsInSubnet = false;
  eng().putDatabaseHost(keyOf(0, mac(6)), 0, dbHost(mac(6), ip("198.18.0.99"), "global-db"));
  Decision d = send(discover(mac(6)));
  ASSERT_EQ(typeOf(d), MessageType::Offer) << d.note;
  EXPECT_EQ(d.reply->yiaddr, ip("198.18.0.99"));
}

}  // namespace
}  // namespace tandem::test
