// Engine::leaseLookup: whom a shared SQL database is asked about before handle() decides (the
// client's lease another server made; dhcpd/lease/client_lease_lookup.h).
#include "tests/engine/engine_fixture.h"

namespace tandem::test {
namespace {

class LeaseLookupTest : public EngineTest {
 protected:
  std::optional<ClientLeaseQuery> lookup(const Packet4& p) { return eng().leaseLookup(p, meta, clock.now()); }
};

TEST_F(LeaseLookupTest, UnknownClientIsLookedUpInItsSubnet) {
  Packet4 d = discover(mac(1));
  d.set(opt::kClientId, {1, 2, 3});
  auto q = lookup(d);
  ASSERT_TRUE(q);
  EXPECT_EQ(q->hwAddr, mac(1));
  EXPECT_EQ(q->clientId, (std::vector<std::uint8_t>{1, 2, 3}));
  EXPECT_EQ(q->subnetIds, (std::vector<std::uint32_t>{1}));
}

// As Kea's findClientLease: the client-id is not searched where match-client-id is off.
TEST_F(LeaseLookupTest, ClientIdIgnoredWithoutMatchClientId) {
  cfg.subnets[0].matchClientId = false;
  Packet4 d = discover(mac(2));
  d.set(opt::kClientId, {1, 2, 3});
  auto q = lookup(d);
  ASSERT_TRUE(q);
  EXPECT_TRUE(q->clientId.empty());
}

TEST_F(LeaseLookupTest, KnownOrOfferedClientIsNot) {
  ASSERT_TRUE(store.put(leaseFor(mac(3), ip("198.18.0.20"))).ok());
  EXPECT_FALSE(lookup(discover(mac(3))));
  // Offered: the DISCOVER looked already; the REQUEST does not.
  Decision o = send(discover(mac(4)));
  ASSERT_EQ(typeOf(o), MessageType::Offer);
  EXPECT_FALSE(lookup(selecting(mac(4), o.reply->yiaddr)));
  // An expired lease may have been replaced by another server's.
  Lease old = leaseFor(mac(5), ip("198.18.0.21"));
  old.cltt -= 5000;
  ASSERT_TRUE(store.put(old).ok());
  EXPECT_TRUE(lookup(discover(mac(5))));
}

TEST_F(LeaseLookupTest, OnlyQueriesThatAllocate) {
  EXPECT_FALSE(lookup(packet(MessageType::Release, mac(6))));
  EXPECT_FALSE(lookup(packet(MessageType::Inform, mac(6))));
  EXPECT_FALSE(lookup(packet(MessageType::Decline, mac(6))));
  EXPECT_TRUE(lookup(initReboot(mac(6), ip("198.18.0.30"))));
  // For another server: dropped whatever the database says.
  EXPECT_FALSE(lookup(selecting(mac(6), ip("198.18.0.30"), ip("198.18.0.99"))));
}

}  // namespace
}  // namespace tandem::test
