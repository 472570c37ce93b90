// config-test through the real config parser (ServerControl's default testConfig), with the
// broken documents operators actually send: each answer is Kea's error result with the JSON
// path of the offending element, and nothing is applied. The fake's applyConfig is not used
// here; tests/integration/api_config_set_test.sh covers config-set against the daemon.
#include <gtest/gtest.h>

#include "dhcpd/api/daemon_commands.h"
#include "tests/api/fake_server_control.h"

namespace tandem::api {
namespace {

// The fake with ServerControl's own testConfig (the real parser) instead of a canned answer.
class ParsingControl : public testing::FakeServerControl {
 public:
  Result<void> testConfig(const nlohmann::json& doc) const override { return ServerControl::testConfig(doc); }
};

class ConfigValidationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::setUpTwoSubnets(control_);
    registerDaemonCommands(registry_, control_);
  }
  json test(const std::string& dhcp4) {
    return registry_.execute("config-test", json::parse(R"({"Dhcp4": )" + dhcp4 + "}"),
                             CommandContext{"test", "", "", {}});
  }
  std::string errorText(const std::string& dhcp4) {
    auto a = test(dhcp4);
    EXPECT_EQ(a["result"], 1) << a.dump();
    return a.value("text", "");
  }
  ParsingControl control_;
  CommandRegistry registry_;
};

constexpr const char* kGood = R"({"subnet4": [{"id": 1, "subnet": "198.18.16.0/24",
    "pools": [{"pool": "198.18.16.10 - 198.18.16.100"}],
    "option-data": [{"name": "routers", "data": "198.18.16.1"}]}]})";

TEST_F(ConfigValidationTest, GoodConfigIsSane) {
  auto a = test(kGood);
  EXPECT_EQ(a["result"], 0) << a.dump();
  EXPECT_NE(a["text"].get<std::string>().find("Configuration seems sane"), std::string::npos);
}

TEST_F(ConfigValidationTest, UnknownKeyNamesItsPath) {
  EXPECT_EQ(errorText(R"({"frobnicate": 1})"), "Dhcp4/frobnicate: unknown parameter");
  EXPECT_EQ(errorText(R"({"subnet4": [{"id": 1, "subnet": "198.18.16.0/24", "frobnicate": true}]})"),
            "Dhcp4/subnet4/0/frobnicate: unknown parameter");
}

TEST_F(ConfigValidationTest, PoolOutsideSubnetNamesItsPath) {
  auto text = errorText(R"({"subnet4": [{"id": 1, "subnet": "198.18.16.0/24",
      "pools": [{"pool": "198.18.17.10 - 198.18.17.20"}]}]})");
  EXPECT_EQ(text.rfind("Dhcp4/subnet4/0/pools/0/pool: ", 0), 0u) << text;
  EXPECT_NE(text.find("outside its subnet 198.18.16.0/24"), std::string::npos) << text;
}

TEST_F(ConfigValidationTest, WrongTypesNameTheirPath) {
  EXPECT_EQ(errorText(R"({"valid-lifetime": "long"})").rfind("Dhcp4/valid-lifetime", 0), 0u);
  EXPECT_EQ(errorText(R"({"subnet4": {"id": 1}})").rfind("Dhcp4/subnet4", 0), 0u);
  EXPECT_EQ(errorText(R"({"subnet4": [{"id": 1, "subnet": "bogus"}]})").rfind("Dhcp4/subnet4/0/subnet", 0), 0u);
  EXPECT_EQ(errorText(R"({"subnet4": [{"id": 1, "subnet": "198.18.16.0/24",
      "option-data": [{"name": "routers", "data": "not-an-address"}]}]})")
                .rfind("Dhcp4/subnet4/0/option-data/0", 0),
            0u);
}

TEST_F(ConfigValidationTest, RejectedDocumentsChangeNothing) {
  const json before = control_.cfg.source;
  (void)test(R"({"frobnicate": 1})");
  (void)test(kGood);
  EXPECT_TRUE(control_.applied.empty());
  EXPECT_EQ(control_.cfg.source, before);
}

}  // namespace
}  // namespace tandem::api
