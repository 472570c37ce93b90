// Host reservations by every Kea identifier (hw-address, duid, circuit-id, client-id,
// flex-id), host-reservation-identifiers order, reservations-out-of-pool and
// ip-reservations-unique false.
#include <algorithm>

#include "tests/engine/engine_fixture.h"

namespace tandem::test {
namespace {

using config::HostIdType;

config::Reservation host(HostIdType t, std::vector<std::uint8_t> id, std::optional<Ipv4> a, std::string name = {}) {
  config::Reservation r;
  switch (t) {
    case HostIdType::HwAddress: r.hwAddr = HwAddr::fromBytes(id); break;
    case HostIdType::Duid: r.duid = std::move(id); break;
    case HostIdType::CircuitId: r.circuitId = std::move(id); break;
    case HostIdType::ClientId: r.clientId = std::move(id); break;
    case HostIdType::FlexId: r.flexId = std::move(id); break;
  }
  r.address = a;
  r.hostname = std::move(name);
  return r;
}

std::vector<std::uint8_t> hwBytes(const HwAddr& h) { return {h.bytes.begin(), h.bytes.begin() + h.length}; }

// RFC 4361 client-id: type 255, IAID, DUID.
std::vector<std::uint8_t> rfc4361ClientId(std::vector<std::uint8_t> duid) {
  // Sized first: GCC 12's -Warray-bounds misreads insert() into a short vector.
  std::vector<std::uint8_t> id(5 + duid.size());
  id[0] = 255;
  id[4] = 1;
  std::copy(duid.begin(), duid.end(), id.begin() + 5);
  return id;
}

const std::vector<std::uint8_t> kDuid = {0, 3, 0, 1, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};

// Relay agent information with circuit-id (sub-option 1) and remote-id (2), RFC 3046.
std::vector<std::uint8_t> rai(std::string_view circuit) {
  std::vector<std::uint8_t> d = {2, 3, 'r', 'i', 'd', 1, std::uint8_t(circuit.size())};
  d.resize(d.size() + circuit.size());
  std::copy(circuit.begin(), circuit.end(), d.end() - static_cast<std::ptrdiff_t>(circuit.size()));
  return d;
}

class HostIdTest : public EngineTest {
 protected:
  config::Subnet4& s1() { return cfg.subnets[0]; }
  Ipv4 offered(const Packet4& p) {
    Decision d = send(p);
    EXPECT_EQ(typeOf(d), MessageType::Offer) << d.note;
    return d.reply ? d.reply->yiaddr : Ipv4();
  }
};

TEST_F(HostIdTest, DuidReservationMatchesRfc4361ClientId) {
  s1().reservations.push_back(host(HostIdType::Duid, kDuid, ip("198.18.0.200")));
  Packet4 p = discover(mac(1));
  p.set(opt::kClientId, rfc4361ClientId(kDuid));
  EXPECT_EQ(offered(p), ip("198.18.0.200"));
  // The same DUID bytes as an ordinary client-id (not type 255) are no DUID.
  Packet4 other = discover(mac(2));
  std::vector<std::uint8_t> plain = {1};
  plain.insert(plain.end(), kDuid.begin(), kDuid.end());
  other.set(opt::kClientId, plain);
  EXPECT_NE(offered(other), ip("198.18.0.200"));
  // Type 255 with nothing after the IAID carries no DUID.
  Packet4 shortId = discover(mac(3));
  shortId.set(opt::kClientId, {255, 0, 0, 0, 1});
  EXPECT_NE(offered(shortId), ip("198.18.0.200"));
}

TEST_F(HostIdTest, CircuitIdReservationMatchesRelayAgentInformation) {
  cfg.subnets[1].reservations.push_back(host(HostIdType::CircuitId, bytes("port7"), ip("198.18.2.77"), "desk7"));
  Packet4 p = discover(mac(1));
  p.giaddr = ip("198.18.2.1");
  p.set(opt::kRelayAgentInfo, rai("port7"));
  p.set(opt::kParameterRequestList, {1, 3, 12});
  Decision d = send(p);
  ASSERT_EQ(typeOf(d), MessageType::Offer) << d.note;
  EXPECT_EQ(d.reply->yiaddr, ip("198.18.2.77"));
  EXPECT_EQ(findOpt(*d.reply, opt::kHostName)->data, bytes("desk7"));
  Packet4 req = selecting(mac(1), ip("198.18.2.77"));
  req.giaddr = ip("198.18.2.1");
  req.set(opt::kRelayAgentInfo, rai("port7"));
  EXPECT_EQ(typeOf(send(req)), MessageType::Ack);
  // Another port of the same relay is another host.
  Packet4 q = discover(mac(2));
  q.giaddr = ip("198.18.2.1");
  q.set(opt::kRelayAgentInfo, rai("port8"));
  EXPECT_NE(offered(q), ip("198.18.2.77"));
}

TEST_F(HostIdTest, FlexIdNeverMatchesWithoutTheHook) {
  // Kea without the flex_id hook computes no flex-id identifier: the host is never found,
  // and its address is still held back from other clients.
  s1().pools = {pool("198.18.0.10", "198.18.0.11")};
  s1().reservations.push_back(host(HostIdType::FlexId, bytes("s0mEVaLue"), ip("198.18.0.10")));
  cfg.hostReservationIdentifiers = {HostIdType::FlexId, HostIdType::HwAddress};
  EXPECT_EQ(dora(mac(1)), ip("198.18.0.11"));
  EXPECT_EQ(send(discover(mac(2))).drop, DropReason::NoAddress);
}

TEST_F(HostIdTest, IdentifierOrderDecidesBetweenTwoHosts) {
  // mac(1) and its client-id each have a host in subnet 1.
  std::vector<std::uint8_t> cid = {1, 0xca, 0xfe};
  s1().reservations.push_back(host(HostIdType::HwAddress, hwBytes(mac(1)), ip("198.18.0.201")));
  s1().reservations.push_back(host(HostIdType::ClientId, cid, ip("198.18.0.202")));
  Packet4 p = discover(mac(1));
  p.set(opt::kClientId, cid);
  EXPECT_EQ(offered(p), ip("198.18.0.201"));  // Kea's default: hw-address before client-id

  cfg.hostReservationIdentifiers = {HostIdType::ClientId, HostIdType::HwAddress};
  engine::Engine other(cfg, store);  // a configuration with the other order
  Decision d = other.handle(p, meta, clock.now());
  ASSERT_EQ(typeOf(d), MessageType::Offer) << d.note;
  EXPECT_EQ(d.reply->yiaddr, ip("198.18.0.202"));
}

TEST_F(HostIdTest, IdentifierTypesLeftOutOfTheListAreNotUsed) {
  std::vector<std::uint8_t> cid = {1, 0xca, 0xfe};
  s1().reservations.push_back(host(HostIdType::ClientId, cid, ip("198.18.0.202")));
  cfg.hostReservationIdentifiers = {HostIdType::HwAddress};
  Packet4 p = discover(mac(1));
  p.set(opt::kClientId, cid);
  EXPECT_NE(offered(p), ip("198.18.0.202"));
}

TEST_F(HostIdTest, HwAddressMatchesBytesWhateverTheHardwareType) {
  s1().reservations.push_back(host(HostIdType::HwAddress, hwBytes(mac(1)), ip("198.18.0.203")));
  Packet4 p = discover(mac(1));
  p.htype = 6;  // IEEE 802: Kea compares the address bytes only
  EXPECT_EQ(offered(p), ip("198.18.0.203"));
}

TEST_F(HostIdTest, OutOfPoolModeIgnoresInPoolReservations) {
  // reservations-out-of-pool: Kea assumes reservations lie outside the pools, so an in-pool
  // one neither goes to its host nor is held back from others.
  s1().reservationsOutOfPool = true;
  s1().pools = {pool("198.18.0.10", "198.18.0.10")};
  s1().reservations.push_back(host(HostIdType::HwAddress, hwBytes(mac(1)), ip("198.18.0.10")));
  s1().reservations.push_back(host(HostIdType::HwAddress, hwBytes(mac(2)), ip("198.18.0.210")));
  EXPECT_EQ(dora(mac(3)), ip("198.18.0.10"));
  EXPECT_EQ(send(discover(mac(1))).drop, DropReason::NoAddress);
  EXPECT_EQ(offered(discover(mac(2))), ip("198.18.0.210"));  // out of pool: honoured
}

TEST_F(HostIdTest, InPoolReservationHeldBackWithoutOutOfPool) {
  s1().pools = {pool("198.18.0.10", "198.18.0.11")};
  s1().reservations.push_back(host(HostIdType::HwAddress, hwBytes(mac(1)), ip("198.18.0.10")));
  EXPECT_EQ(dora(mac(3)), ip("198.18.0.11"));
  EXPECT_EQ(send(discover(mac(4))).drop, DropReason::NoAddress);
  EXPECT_EQ(offered(discover(mac(1))), ip("198.18.0.10"));
}

TEST_F(HostIdTest, SharedReservedAddressGoesToTheFirstHostAsking) {
  // ip-reservations-unique false: two hosts reserve .205. Kea gives it to whichever asks
  // first; the other falls back to a dynamic address; nobody else may have it.
  cfg.ipReservationsUnique = false;
  s1().reservations.push_back(host(HostIdType::HwAddress, hwBytes(mac(1)), ip("198.18.0.205")));
  s1().reservations.push_back(host(HostIdType::HwAddress, hwBytes(mac(2)), ip("198.18.0.205")));
  EXPECT_EQ(dora(mac(2)), ip("198.18.0.205"));
  Decision d = send(discover(mac(1)));
  ASSERT_EQ(typeOf(d), MessageType::Offer);
  EXPECT_NE(d.reply->yiaddr, ip("198.18.0.205"));
  EXPECT_EQ(typeOf(send(selecting(mac(1), d.reply->yiaddr))), MessageType::Ack);
  // A stranger asking for it is refused.
  EXPECT_EQ(typeOf(send(selecting(mac(5), ip("198.18.0.205")))), MessageType::Nak);
  // Once mac(2) releases it, mac(1)'s next DISCOVER gets its reservation.
  Packet4 rel = packet(MessageType::Release, mac(2));
  rel.ciaddr = ip("198.18.0.205");
  send(rel);
  EXPECT_EQ(offered(discover(mac(1))), ip("198.18.0.205"));
}

TEST_F(HostIdTest, GlobalReservationDoesNotHoldItsAddressBack) {
  // Kea 2.2's addressReserved looks at the subnet's reservations only: a global
  // reservation's in-pool address may go to someone else first.
  s1().reservationsGlobal = true;
  cfg.reservations.push_back(host(HostIdType::HwAddress, hwBytes(mac(1)), ip("198.18.0.30")));
  Packet4 p = discover(mac(2));
  p.set(opt::kRequestedAddress, proto::ipBytes(ip("198.18.0.30")));
  EXPECT_EQ(offered(p), ip("198.18.0.30"));
}

}  // namespace
}  // namespace tandem::test
