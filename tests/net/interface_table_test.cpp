#include "dhcpd/net/interface_table.h"

#include <gtest/gtest.h>

namespace tandem::net {
namespace {

std::vector<SystemInterface> system() {
  SystemInterface lo{"lo", 1, true, true, {}, {Ipv4(127, 0, 0, 1)}};
  SystemInterface eth0{"eth0", 2, true, false, {}, {Ipv4(198, 18, 0, 1), Ipv4(198, 18, 0, 9)}};
  SystemInterface eth1{"eth1", 3, true, false, {}, {Ipv4(198, 19, 0, 1)}};
  SystemInterface down{"eth2", 4, false, false, {}, {Ipv4(198, 18, 5, 1)}};
  SystemInterface bare{"eth3", 5, true, false, {}, {}};
  return {lo, eth0, eth1, down, bare};
}

config::InterfaceSpec spec(std::string name, std::optional<Ipv4> addr = std::nullopt) {
  return config::InterfaceSpec{std::move(name), addr};
}

TEST(InterfaceSelection, StarTakesUpNonLoopbackWithAddress) {
  auto sel = selectInterfaces({spec("*")}, system());
  ASSERT_EQ(sel.served.size(), 2u);
  EXPECT_EQ(sel.served[0].name, "eth0");
  EXPECT_EQ(sel.served[0].address, Ipv4(198, 18, 0, 1));
  EXPECT_EQ(sel.served[0].index, 2);
  EXPECT_EQ(sel.served[1].name, "eth1");
  EXPECT_TRUE(sel.warnings.empty());
}

TEST(InterfaceSelection, NameTakesPrimaryAddress) {
  auto sel = selectInterfaces({spec("eth1")}, system());
  ASSERT_EQ(sel.served.size(), 1u);
  EXPECT_EQ(sel.served[0].address, Ipv4(198, 19, 0, 1));
}

TEST(InterfaceSelection, NameWithAddressPicksThatAddress) {
  auto sel = selectInterfaces({spec("eth0", Ipv4(198, 18, 0, 9))}, system());
  ASSERT_EQ(sel.served.size(), 1u);
  EXPECT_EQ(sel.served[0].address, Ipv4(198, 18, 0, 9));
}

TEST(InterfaceSelection, ProblemsAreWarningsNotErrors) {
  auto sel =
      selectInterfaces({spec("nosuch"), spec("eth2"), spec("eth3"), spec("eth0", Ipv4(10, 0, 0, 1)), spec("eth1")},
                       system());
  ASSERT_EQ(sel.served.size(), 1u);
  EXPECT_EQ(sel.served[0].name, "eth1");
  ASSERT_EQ(sel.warnings.size(), 4u);
  EXPECT_NE(sel.warnings[0].find("nosuch does not exist"), std::string::npos);
  EXPECT_NE(sel.warnings[1].find("eth2 is down"), std::string::npos);
  EXPECT_NE(sel.warnings[2].find("eth3 has no IPv4 address"), std::string::npos);
  EXPECT_NE(sel.warnings[3].find("no address 10.0.0.1"), std::string::npos);
}

TEST(InterfaceSelection, DuplicatesServedOnce) {
  auto sel = selectInterfaces({spec("eth0"), spec("*"), spec("eth0", Ipv4(198, 18, 0, 9))}, system());
  ASSERT_EQ(sel.served.size(), 2u);
  EXPECT_EQ(sel.served[0].address, Ipv4(198, 18, 0, 1));
}

TEST(InterfaceSelection, LoopbackByNameIsAllowed) {
  // Explicitly named loopback is served (tests, local relays); "*" skips it.
  auto sel = selectInterfaces({spec("lo")}, system());
  ASSERT_EQ(sel.served.size(), 1u);
  EXPECT_EQ(sel.served[0].name, "lo");
}

TEST(InterfaceSelection, SystemListHasLoopback) {
  auto all = listSystemInterfaces();
  bool hasLo = false;
  for (const auto& s : all) hasLo |= s.loopback;
  EXPECT_TRUE(hasLo);
}

}  // namespace
}  // namespace tandem::net
