// Host reservations (Kea "reservations", subnet and global, by hw-address or client-id).
#include "tests/engine/engine_fixture.h"

namespace tandem::test {
namespace {

config::Reservation byHw(const HwAddr& hw, std::optional<Ipv4> a, std::string hostname = {}) {
  config::Reservation r;
  r.hwAddr = hw;
  r.address = a;
  r.hostname = std::move(hostname);
  return r;
}

config::Reservation byClientId(std::vector<std::uint8_t> id, Ipv4 a) {
  config::Reservation r;
  r.clientId = std::move(id);
  r.address = a;
  return r;
}

TEST_F(EngineTest, SubnetReservationByHwAddressOutsidePool) {
  cfg.subnets[0].reservations.push_back(byHw(mac(1), ip("198.18.0.5"), "printer"));
  Packet4 p = discover(mac(1));
  p.set(opt::kParameterRequestList, {1, 3, 12});
  Decision d = send(p);
  ASSERT_EQ(typeOf(d), MessageType::Offer) << d.note;
  EXPECT_EQ(d.reply->yiaddr, ip("198.18.0.5"));
  ASSERT_NE(findOpt(*d.reply, opt::kHostName), nullptr);
  EXPECT_EQ(findOpt(*d.reply, opt::kHostName)->data, bytes("printer"));

  Packet4 req = selecting(mac(1), ip("198.18.0.5"));
  Decision ack = send(req);
  ASSERT_EQ(typeOf(ack), MessageType::Ack) << ack.note;
  EXPECT_EQ(ack.changes.at(0).lease.hostname, "printer");
  // Kea 2.2 (checked against kea-dhcp4) sends a reserved host name whether or not it was
  // asked for.
  ASSERT_NE(findOpt(*ack.reply, opt::kHostName), nullptr);
  EXPECT_EQ(findOpt(*ack.reply, opt::kHostName)->data, bytes("printer"));
}

TEST_F(EngineTest, ReservedHostnameIsSentLowerCased) {
  cfg.subnets[0].reservations.push_back(byHw(mac(1), ip("198.18.0.5"), "Printer-1.Example"));
  Packet4 p = discover(mac(1));
  Decision d = send(p);  // no parameter request list at all
  ASSERT_EQ(typeOf(d), MessageType::Offer) << d.note;
  ASSERT_NE(findOpt(*d.reply, opt::kHostName), nullptr);
  EXPECT_EQ(findOpt(*d.reply, opt::kHostName)->data, bytes("printer-1.example"));
  Decision ack = send(selecting(mac(1), ip("198.18.0.5")));
  EXPECT_EQ(ack.changes.at(0).lease.hostname, "printer-1.example");
}

TEST_F(EngineTest, ReservedClientGetsReservationEvenWhenAskingForAnother) {
  cfg.subnets[0].reservations.push_back(byHw(mac(1), ip("198.18.0.30")));
  Packet4 p = discover(mac(1));
  p.set(opt::kRequestedAddress, proto::ipBytes(ip("198.18.0.20")));
  EXPECT_EQ(send(p).reply->yiaddr, ip("198.18.0.30"));
  // Asking for another address in REQUEST is refused so the client restarts and gets it.
  Decision d = send(selecting(mac(1), ip("198.18.0.20")));
  ASSERT_EQ(typeOf(d), MessageType::Nak) << d.note;
}

TEST_F(EngineTest, ReservedClientRenewingOtherAddressIsNaked) {
  ASSERT_TRUE(store.put(leaseFor(mac(1), ip("198.18.0.20"))).ok());
  cfg.subnets[0].reservations.push_back(byHw(mac(1), ip("198.18.0.30")));
  EXPECT_EQ(typeOf(send(renewing(mac(1), ip("198.18.0.20")))), MessageType::Nak);
  // Its DISCOVER then gets the reserved address, and the REQUEST moves the lease there.
  EXPECT_EQ(send(discover(mac(1))).reply->yiaddr, ip("198.18.0.30"));
  Decision ack = send(selecting(mac(1), ip("198.18.0.30")));
  ASSERT_EQ(typeOf(ack), MessageType::Ack);
  EXPECT_FALSE(store.byAddress(ip("198.18.0.20")));
}

TEST_F(EngineTest, ReservedAddressNeverGoesToAnotherClient) {
  // A pool of two addresses, one reserved for mac(1).
  cfg.subnets[0].pools = {pool("198.18.0.10", "198.18.0.11")};
  cfg.subnets[0].reservations.push_back(byHw(mac(1), ip("198.18.0.10")));
  EXPECT_EQ(dora(mac(2)), ip("198.18.0.11"));
  Decision d = send(discover(mac(3)));
  EXPECT_EQ(d.drop, DropReason::NoAddress);
  Packet4 p = discover(mac(4));
  p.set(opt::kRequestedAddress, proto::ipBytes(ip("198.18.0.10")));
  EXPECT_EQ(send(p).drop, DropReason::NoAddress);
  EXPECT_EQ(typeOf(send(selecting(mac(4), ip("198.18.0.10")))), MessageType::Nak);
  EXPECT_EQ(typeOf(send(renewing(mac(4), ip("198.18.0.10")))), MessageType::Nak);
  EXPECT_EQ(dora(mac(1)), ip("198.18.0.10"));
}

TEST_F(EngineTest, GlobalReservationByClientId) {
  cfg.subnets[0].reservationsGlobal = true;
  std::vector<std::uint8_t> id = {1, 0xde, 0xad};
  cfg.reservations.push_back(byClientId(id, ip("198.18.0.40")));
  Packet4 p = discover(mac(1));
  p.set(opt::kClientId, id);
  Decision d = send(p);
  EXPECT_EQ(d.reply->yiaddr, ip("198.18.0.40"));
  Packet4 req = selecting(mac(1), ip("198.18.0.40"));
  req.set(opt::kClientId, id);
  EXPECT_EQ(typeOf(send(req)), MessageType::Ack);
  // Another client does not get it even though it is in the pool.
  Packet4 other = discover(mac(2));
  other.set(opt::kRequestedAddress, proto::ipBytes(ip("198.18.0.40")));
  EXPECT_NE(send(other).reply->yiaddr, ip("198.18.0.40"));
}

TEST_F(EngineTest, GlobalReservationByHwAddressWithOptions) {
  cfg.subnets[0].reservationsGlobal = true;
  config::Reservation r = byHw(mac(1), std::nullopt, "kiosk");
  r.options.push_back(optionData(opt::kRouters, proto::ipBytes(ip("198.18.0.77"))));
  cfg.reservations.push_back(r);
  Packet4 p = discover(mac(1));
  p.set(opt::kHostName, bytes("whatever"));
  Decision d = send(p);
  ASSERT_TRUE(d.reply);
  // No reserved address: dynamic one, but reservation options and hostname apply.
  EXPECT_GE(d.reply->yiaddr, ip("198.18.0.10"));
  EXPECT_EQ(ipOpt(*d.reply, opt::kRouters), ip("198.18.0.77"));
  EXPECT_EQ(findOpt(*d.reply, opt::kHostName)->data, bytes("kiosk"));
}

TEST_F(EngineTest, SubnetReservationBeatsGlobal) {
  cfg.subnets[0].reservationsGlobal = true;
  cfg.reservations.push_back(byHw(mac(1), ip("198.18.0.41")));
  cfg.subnets[0].reservations.push_back(byHw(mac(1), ip("198.18.0.42")));
  EXPECT_EQ(send(discover(mac(1))).reply->yiaddr, ip("198.18.0.42"));
}

TEST_F(EngineTest, ReservationOptionsBeatPoolAndSubnet) {
  cfg.subnets[0].pools[0].options.push_back(optionData(opt::kRouters, proto::ipBytes(ip("198.18.0.254"))));
  config::Reservation r = byHw(mac(1), ip("198.18.0.12"));
  r.options.push_back(optionData(opt::kRouters, proto::ipBytes(ip("198.18.0.253"))));
  cfg.subnets[0].reservations.push_back(r);
  EXPECT_EQ(ipOpt(*send(discover(mac(1))).reply, opt::kRouters), ip("198.18.0.253"));
  EXPECT_EQ(ipOpt(*send(discover(mac(2))).reply, opt::kRouters), ip("198.18.0.254"));
}

TEST_F(EngineTest, ReservedAddressLeasedToAnotherFallsBackToDynamic) {
  ASSERT_TRUE(store.put(leaseFor(mac(9), ip("198.18.0.30"))).ok());
  cfg.subnets[0].reservations.push_back(byHw(mac(1), ip("198.18.0.30")));
  Decision d = send(discover(mac(1)));
  ASSERT_TRUE(d.reply);
  EXPECT_NE(d.reply->yiaddr, ip("198.18.0.30"));
  // And the REQUEST for the dynamic address is not refused because of the unusable reservation.
  EXPECT_EQ(typeOf(send(selecting(mac(1), d.reply->yiaddr))), MessageType::Ack);
}

// A reservation is not a lease: Kea knows an INIT-REBOOT client only by its lease (difftest
// reservations/hw-out-of-pool-init-reboot; NAK when authoritative).
TEST_F(EngineTest, InitRebootForReservedAddressWithoutLeaseIsSilent) {
  cfg.subnets[0].reservations.push_back(byHw(mac(1), ip("198.18.0.5")));
  EXPECT_FALSE(send(initReboot(mac(1), ip("198.18.0.5"))).reply);
}

TEST_F(EngineTest, InitRebootForReservedAddressWithLeaseIsAcked) {
  cfg.subnets[0].reservations.push_back(byHw(mac(1), ip("198.18.0.5")));
  EXPECT_EQ(dora(mac(1)), ip("198.18.0.5"));
  EXPECT_EQ(typeOf(send(initReboot(mac(1), ip("198.18.0.5")))), MessageType::Ack);
}

// reservations-out-of-pool: a reservation for a pool address is not honoured (Kea 2.2;
// difftest reservations-out-of-pool/hw-in-pool, other-client-requests-reserved-in).
TEST_F(EngineTest, OutOfPoolModeIgnoresReservationsInsideThePool) {
  cfg.subnets[0].reservationsOutOfPool = true;
  cfg.subnets[0].reservations.push_back(byHw(mac(1), ip("198.18.0.30")));
  cfg.subnets[0].reservations.push_back(byHw(mac(3), ip("198.18.0.5")));  // out of the pool: honoured
  EXPECT_NE(send(discover(mac(1))).reply->yiaddr, ip("198.18.0.30"));
  Decision d = send(selecting(mac(2), ip("198.18.0.30")));
  ASSERT_EQ(typeOf(d), MessageType::Ack) << d.note;
  EXPECT_EQ(send(discover(mac(3))).reply->yiaddr, ip("198.18.0.5"));
}

TEST_F(EngineTest, ReservationClientClassesOpenClassPools) {
  cfg.subnets[0].pools = {pool("198.18.0.60", "198.18.0.61", "vip")};
  config::Reservation r = byHw(mac(1), std::nullopt);
  r.clientClasses = {"vip"};
  cfg.subnets[0].reservations.push_back(r);
  EXPECT_EQ(send(discover(mac(1))).reply->yiaddr, ip("198.18.0.60"));
  EXPECT_EQ(send(discover(mac(2))).drop, DropReason::NoAddress);
}

TEST_F(EngineTest, GlobalReservationsIgnoredUnlessEnabled) {
  // Kea 2.2: reservations-global defaults to false.
  cfg.reservations.push_back(byHw(mac(1), ip("198.18.0.41")));
  EXPECT_NE(send(discover(mac(1))).reply->yiaddr, ip("198.18.0.41"));
  Packet4 p = discover(mac(2));
  p.set(opt::kRequestedAddress, proto::ipBytes(ip("198.18.0.41")));
  EXPECT_EQ(send(p).reply->yiaddr, ip("198.18.0.41"));
}

TEST_F(EngineTest, SubnetReservationsIgnoredWhenDisabled) {
  cfg.subnets[0].reservationsInSubnet = false;
  cfg.subnets[0].reservations.push_back(byHw(mac(1), ip("198.18.0.5")));
  EXPECT_NE(send(discover(mac(1))).reply->yiaddr, ip("198.18.0.5"));
}

TEST_F(EngineTest, ReservationBootFields) {
  cfg.subnets[0].serverHostname = "subnet-tftp";
  cfg.subnets[0].bootFileName = "subnet.efi";
  config::Reservation r = byHw(mac(1), ip("198.18.0.5"));
  r.nextServer = ip("198.18.0.66");
  r.bootFileName = "host.efi";
  cfg.subnets[0].reservations.push_back(r);
  Decision d = send(discover(mac(1)));
  EXPECT_EQ(d.reply->siaddr, ip("198.18.0.66"));
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(d.reply->file.data())), "host.efi");
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(d.reply->sname.data())), "subnet-tftp");
  Decision other = send(discover(mac(2)));
  EXPECT_TRUE(other.reply->siaddr.isZero());
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(other.reply->file.data())), "subnet.efi");
}

}  // namespace
}  // namespace tandem::test
