// api::leaseFromJson, the one lease decoder: the lease commands' form (checked against this
// server's subnets, Kea 2.2's Lease4Parser) and the HA peer forms (lease updates and
// lease4-get-page entries, Kea's Lease4::fromElement) read the same fields with the same
// checks and texts, and differ only where LeaseJsonForm says. The command form's texts are
// checked through the commands in lease_commands_test.cpp, the peer forms' wire in
// tests/sync/ha_json_test.cpp.
#include "dhcpd/api/lease_json.h"

#include <gtest/gtest.h>

#include <limits>

#include "tests/api/fake_server_control.h"

namespace tandem::api {
namespace {

using nlohmann::json;

constexpr std::int64_t kNow = 1'750'000'000;

class LeaseJsonTest : public ::testing::Test {
 protected:
  void SetUp() override { testing::setUpTwoSubnets(control_); }
  Result<Lease> command(const json& j) { return leaseFromJson(j, control_.config(), kNow); }
  static Result<Lease> update(const json& j) { return leaseFromJson(j, LeaseJsonForm{}, kNow); }
  static Result<Lease> pageEntry(const json& j) { return leaseFromJson(j, LeaseJsonForm{.cltt = true}, kNow); }
  static std::string errorOf(const Result<Lease>& r) { return r ? std::string("(ok)") : r.error().message; }

  json base_ = {{"ip-address", "198.18.16.20"}, {"hw-address", "1a:1b:1c:1d:1e:1f"}, {"valid-lft", 3600}};
  testing::FakeServerControl control_;
};

TEST_F(LeaseJsonTest, CommandFormPlacesTheLeaseInThisServersSubnets) {
  json j = base_;
  j.erase("valid-lft");
  j["ip-address"] = "198.18.17.20";
  auto l = command(j);
  ASSERT_TRUE(l) << l.error().message;
  EXPECT_EQ(l->subnetId, 2u);         // selected by address
  EXPECT_EQ(l->validLifetime, 600u);  // subnet 2's
  EXPECT_EQ(l->cltt, kNow);           // neither expire nor cltt: now
  j["subnet-id"] = 1;
  auto wrong = command(j);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, kLeaseConfigConflict);
  // A peer's update is read as sent: the receiver's command checks the subnet.
  j["valid-lft"] = 60;
  j["subnet-id"] = 99;
  auto asSent = update(j);
  ASSERT_TRUE(asSent) << asSent.error().message;
  EXPECT_EQ(asSent->subnetId, 99u);
  j.erase("subnet-id");
  EXPECT_EQ(update(j)->subnetId, 0u);  // not given: the receiver selects it
}

TEST_F(LeaseJsonTest, PeerFormsRequireTheValidLifetime) {
  json j = base_;
  j.erase("valid-lft");
  EXPECT_EQ(errorOf(update(j)), "missing parameter 'valid-lft'");
  EXPECT_TRUE(command(j));
}

TEST_F(LeaseJsonTest, ExpireGivesTheClttInTheCommandAndUpdateForms) {
  json j = base_;
  j["expire"] = kNow + 3600;
  j["cltt"] = 5;  // ignored, as Kea does
  EXPECT_EQ(command(j)->cltt, kNow);
  EXPECT_EQ(update(j)->cltt, kNow);
  j["expire"] = 3599;
  EXPECT_EQ(errorOf(update(j)), "expiration time must be greater than valid lifetime for address 198.18.16.20");
  EXPECT_EQ(errorOf(command(j)), errorOf(update(j)));
  j["expire"] = 0;
  EXPECT_EQ(errorOf(update(j)), "expiration time must be positive for address 198.18.16.20");
}

TEST_F(LeaseJsonTest, PageEntriesCarryTheirClttWithinSixtyFourBits) {
  json j = base_;
  j["expire"] = kNow;  // not read in this form
  EXPECT_EQ(errorOf(pageEntry(j)), "missing parameter 'cltt'");
  j["cltt"] = 0;
  EXPECT_FALSE(pageEntry(j));
  j["cltt"] = kNow - 10;
  EXPECT_EQ(pageEntry(j)->cltt, kNow - 10);
  j["cltt"] = std::numeric_limits<std::int64_t>::max() - 3600;
  EXPECT_EQ(pageEntry(j)->expire(), std::numeric_limits<std::int64_t>::max());
  j["cltt"] = std::numeric_limits<std::int64_t>::max() - 3599;
  EXPECT_EQ(errorOf(pageEntry(j)), "'cltt' plus 'valid-lft' is beyond the largest time for address 198.18.16.20");
}

// Kea >= 2.7 sends a released lease kept for affinity as state 3: a peer's is taken as
// expired-reclaimed; a lease command refuses it as Kea 2.2 does.
TEST_F(LeaseJsonTest, StateThreeOnlyFromAPeer) {
  json j = base_;
  j["state"] = 3;
  EXPECT_EQ(update(j)->state, LeaseState::ExpiredReclaimed);
  json entry = j;
  entry["cltt"] = kNow;
  EXPECT_EQ(pageEntry(entry)->state, LeaseState::ExpiredReclaimed);
  EXPECT_EQ(errorOf(command(j)),
            "Invalid state value: 3, supported values are: 0 (default), 1 (declined) and 2 (expired-reclaimed)");
  j["state"] = 4;
  EXPECT_EQ(errorOf(update(j)),
            "Invalid state value: 4, supported values are: 0 (default), 1 (declined), 2 (expired-reclaimed) and 3 "
            "(released)");
  j["state"] = 1;
  EXPECT_EQ(update(j)->state, LeaseState::Declined);
  EXPECT_EQ(command(j)->state, LeaseState::Declined);
}

TEST_F(LeaseJsonTest, EmptyHardwareAddressOnlyFromAPeer) {
  json j = base_;
  j["hw-address"] = "";
  EXPECT_TRUE(update(j));
  EXPECT_TRUE(update(j)->hwAddr.empty());
  EXPECT_EQ(errorOf(command(j)), "'' is not a valid hw-address");
}

// Everything else is one rule for all forms, with the lease commands' texts.
TEST_F(LeaseJsonTest, SharedRulesAndTexts) {
  auto both = [&](json patch, const std::string& text) {
    json j = base_;
    j.merge_patch(patch);
    EXPECT_EQ(errorOf(update(j)), text) << patch.dump();
    EXPECT_EQ(errorOf(command(j)), text) << patch.dump();
  };
  both({{"ip-address", nullptr}}, "missing parameter 'ip-address'");
  both({{"ip-address", "198.18.16"}}, "Failed to convert '198.18.16' to address");
  both({{"hw-address", nullptr}}, "missing parameter 'hw-address'");
  both({{"hw-address", "zz"}}, "'zz' is not a valid hw-address");
  both({{"client-id", "0g"}}, "'0g' is not a valid string of hexadecimal digits");
  both({{"valid-lft", -1}}, "parameter 'valid-lft' is out of range");
  both({{"valid-lft", "1"}}, "invalid type specified for parameter 'valid-lft'");
  both({{"subnet-id", "1"}}, "invalid type specified for parameter 'subnet-id'");
  both({{"fqdn-fwd", true}}, "No hostname specified and either forward or reverse fqdn was set to true.");
  both({{"hostname", 5}}, "invalid type specified for parameter 'hostname'");
  both({{"user-context", "x"}}, "Invalid user context '\"x\"' is not a JSON map.");
  both({{"pool-id", -2}}, "parameter 'pool-id' is out of range");
  EXPECT_EQ(errorOf(update(json::array())), "no parameters specified for the command");
  json full = base_;
  full.merge_patch({{"client-id", "01:02"},
                    {"fqdn-rev", true},
                    {"hostname", "PC.Example."},
                    {"user-context", {{"a", 1}}},
                    {"pool-id", 4}});
  for (const auto& l : {update(full), command(full)}) {
    ASSERT_TRUE(l) << l.error().message;
    EXPECT_EQ(l->clientId, (std::vector<std::uint8_t>{1, 2}));
    EXPECT_TRUE(l->fqdnRev);
    EXPECT_EQ(l->hostname, "PC.Example.");  // as sent (the sync lower-cases page entries itself)
    EXPECT_EQ(l->userContext, R"({"a":1})");
    EXPECT_EQ(l->poolId, 4u);
  }
}

// leaseToJson (Kea's Lease4::toElement) reads back to the same lease in the page-entry form.
TEST_F(LeaseJsonTest, EncoderAndDecoderAgree) {
  Lease l = *update(base_);
  l.cltt = kNow - 100;
  l.subnetId = 1;
  l.clientId = {1, 2, 3};
  l.state = LeaseState::Declined;
  l.userContext = R"({"note":"x"})";
  l.poolId = 2;
  auto back = pageEntry(leaseToJson(l));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, l);
}

}  // namespace
}  // namespace tandem::api
