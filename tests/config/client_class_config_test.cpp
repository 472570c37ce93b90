// "client-classes" as Kea 2.2 checks it: tests compiled with the JSON path in errors,
// member() only of classes defined earlier or built in, reserved built-in names, lifetime
// triplets, and the class keys of pools and subnets (with the Kea 3.x spellings).
#include <gtest/gtest.h>

#include "tests/config/config_test_util.h"

namespace tandem::config {
namespace {

using testing::dhcp4;
using testing::parseErr;
using testing::parseOk;

std::string classes(std::string_view list) { return dhcp4("\"client-classes\": [" + std::string(list) + "]"); }

TEST(ClientClassConfig, TypedDefinitions) {
  auto cfg = parseOk(classes(R"json(
      {"name": "pxe", "test": "substring(option[60].hex, 0, 9) == 'PXEClient'",
       "next-server": "198.18.0.10", "server-hostname": "tftp", "boot-file-name": "pxelinux.0",
       "valid-lifetime": 600, "min-valid-lifetime": 300, "max-valid-lifetime": 900,
       "option-data": [{"name": "tftp-server-name", "data": "tftp.example"}],
       "user-context": {"site": "a"}, "comment": "PXE boot"},
      {"name": "late", "test": "member('pxe') and member('KNOWN')", "only-if-required": true},
      {"name": "later", "test": "member('late')"},
      {"name": "three", "test": "member('ALL')", "only-in-additional-list": true},
      {"name": "plain"})json"));
  ASSERT_EQ(cfg.classes.size(), 5u);
  const ClientClassDef& pxe = cfg.classes[0];
  EXPECT_EQ(pxe.name, "pxe");
  ASSERT_TRUE(pxe.test);
  EXPECT_EQ(pxe.test->text, "substring(option[60].hex, 0, 9) == 'PXEClient'");
  EXPECT_FALSE(pxe.onlyIfRequired);
  EXPECT_FALSE(pxe.dependsOnKnown);
  EXPECT_EQ(pxe.nextServer, Ipv4(198, 18, 0, 10));
  EXPECT_EQ(pxe.serverHostname, "tftp");
  EXPECT_EQ(pxe.bootFileName, "pxelinux.0");
  ASSERT_TRUE(pxe.validLifetime);
  EXPECT_EQ(pxe.validLifetime->min, 300u);
  EXPECT_EQ(pxe.validLifetime->value, 600u);
  EXPECT_EQ(pxe.validLifetime->max, 900u);
  ASSERT_EQ(pxe.options.size(), 1u);
  EXPECT_EQ(pxe.options[0].code, 66);
  EXPECT_EQ(pxe.userContext["site"], "a");
  EXPECT_TRUE(cfg.classes[1].onlyIfRequired);
  EXPECT_TRUE(cfg.classes[1].dependsOnKnown);
  // Through member() of a class that depends on KNOWN.
  EXPECT_TRUE(cfg.classes[2].dependsOnKnown);
  EXPECT_TRUE(cfg.classes[3].onlyIfRequired);
  EXPECT_FALSE(cfg.classes[4].test);
  classify::ClassId id;
  ASSERT_TRUE(cfg.classTable.find("pxe", id));
  EXPECT_EQ(id, pxe.id);
  EXPECT_EQ(cfg.classTable.name(cfg.classes[4].id), "plain");
}

TEST(ClientClassConfig, LifetimeTripletsAsKea) {
  auto cfg = parseOk(classes(R"json({"name": "a", "valid-lifetime": 100},
                                    {"name": "b", "min-valid-lifetime": 50},
                                    {"name": "c", "max-valid-lifetime": 70},
                                    {"name": "d", "valid-lifetime": 100, "max-valid-lifetime": 200})json"));
  auto t = [&](int i) { return *cfg.classes[std::size_t(i)].validLifetime; };
  EXPECT_EQ(t(0).min, 100u);
  EXPECT_EQ(t(0).max, 100u);
  EXPECT_EQ(t(1).value, 50u);
  EXPECT_EQ(t(1).max, 50u);
  EXPECT_EQ(t(2).min, 70u);
  EXPECT_EQ(t(3).min, 100u);
  EXPECT_EQ(t(3).max, 200u);
  EXPECT_EQ(parseErr(classes(R"({"name": "x", "valid-lifetime": 10, "min-valid-lifetime": 50})")),
            "Dhcp4/client-classes/0/min-valid-lifetime: the value of min-valid-lifetime (50) is not less than "
            "(default) valid-lifetime (10)");
  EXPECT_EQ(parseErr(classes(R"({"name": "x", "min-valid-lifetime": 5, "max-valid-lifetime": 50})")),
            "Dhcp4/client-classes/0: have min-valid-lifetime and max-valid-lifetime but no valid-lifetime (default)");
  EXPECT_EQ(parseErr(
                classes(R"({"name": "x", "valid-lifetime": 500, "min-valid-lifetime": 5, "max-valid-lifetime": 50})")),
            "Dhcp4/client-classes/0/valid-lifetime: the value of (default) valid-lifetime (500) is not between "
            "min-valid-lifetime (5) and max-valid-lifetime (50)");
  EXPECT_EQ(parseErr(classes(R"({"name": "x", "valid-lifetime": 10, "max-valid-lifetime": 5})")),
            "Dhcp4/client-classes/0/max-valid-lifetime: the value of (default) valid-lifetime (10) is not less than "
            "max-valid-lifetime (5)");
}

TEST(ClientClassConfig, ExpressionErrorsCarryPathAndPosition) {
  EXPECT_EQ(parseErr(classes(R"json({"name": "a"}, {"name": "b"}, {"name": "c"},
                                    {"name": "d", "test": "member('DROP')"})json")),
            "Dhcp4/client-classes/3/test: expression: [member('DROP')] error: 1.8-13: Not defined client class 'DROP'");
  EXPECT_EQ(parseErr(classes(R"json({"name": "x", "test": "option[60].text"})json")),
            "Dhcp4/client-classes/0/test: expression: [option[60].text] error: 1.16: syntax error, unexpected end of "
            "file, expecting == or +");
  // Kea 2.2 rejects an empty test.
  EXPECT_EQ(parseErr(classes(R"json({"name": "x", "test": ""})json")),
            "Dhcp4/client-classes/0/test: expression: [] error: 1.1: syntax error, unexpected end of file");
}

TEST(ClientClassConfig, MemberNeedsEarlierOrBuiltInClass) {
  // A class can only name classes defined before it (no loops), itself included.
  EXPECT_NE(parseErr(classes(R"json({"name": "a", "test": "member('a')"})json")), "");
  EXPECT_NE(parseErr(classes(R"json({"name": "a", "test": "member('b')"}, {"name": "b"})json")), "");
  parseOk(classes(R"json({"name": "b"}, {"name": "a", "test": "member('b')"})json"));
  // Built-ins: fixed names and prefixes with something after them (Kea's isClientClassBuiltIn).
  parseOk(
      classes(R"json({"name": "a", "test": "member('ALL') or member('KNOWN') or member('UNKNOWN') or member('BOOTP')"},
                        {"name": "b", "test": "member('HA_server1') or member('VENDOR_CLASS_docsis3.0')"},
                        {"name": "c", "test": "member('EXTERNAL_x') or member('AFTER_x')"})json"));
  EXPECT_EQ(parseErr(classes(R"json({"name": "a", "test": "member('HA_')"})json")),
            "Dhcp4/client-classes/0/test: expression: [member('HA_')] error: 1.8-12: Not defined client class 'HA_'");
  EXPECT_NE(parseErr(classes(R"json({"name": "a", "test": "member('SPAWN_x')"})json")), "");
}

TEST(ClientClassConfig, BuiltInNamesCannotHaveTests) {
  for (const char* name : {"ALL", "KNOWN", "UNKNOWN", "BOOTP"}) {
    EXPECT_EQ(parseErr(classes(std::string(R"({"name": ")") + name + R"(", "test": "1 == 1"})")),
              std::string("Dhcp4/client-classes/0/test: built-in class '") + name + "' test expression must be empty");
  }
  // Without a test they may carry options (Kea accepts it).
  auto cfg =
      parseOk(classes(R"({"name": "KNOWN", "option-data": [{"name": "domain-name", "data": "known.example"}]})"));
  EXPECT_EQ(cfg.classes[0].options.size(), 1u);
  parseOk(classes(R"({"name": "HA_x", "test": "1 == 1"}, {"name": "VENDOR_CLASS_x", "test": "1 == 1"})"));
}

TEST(ClientClassConfig, NameChecks) {
  EXPECT_EQ(parseErr(classes(R"({"name": ""})")),
            "Dhcp4/client-classes/0/name: not empty parameter 'name' is required");
  EXPECT_EQ(parseErr(classes(R"({"name": "x", "renew-timer": 10})")),
            "Dhcp4/client-classes/0/renew-timer: unknown parameter");
  EXPECT_EQ(parseErr(classes(R"({"name": "x", "only-if-required": true, "only-in-additional-list": true})")),
            "Dhcp4/client-classes/0/only-in-additional-list: only one of \"only-if-required\" (Kea 2.2) and "
            "\"only-in-additional-list\" (Kea 3.x) may be given");
  EXPECT_EQ(parseErr(classes(R"({"name": "x", "next-server": "nope"})")),
            "Dhcp4/client-classes/0/next-server: 'nope' is not a valid IPv4 address");
  EXPECT_EQ(parseErr(classes(R"({"name": "x", "option-data": [{"name": "foo", "data": "1"}]})")).substr(0, 39),
            "Dhcp4/client-classes/0/option-data/0/na");
}

TEST(ClientClassConfig, PoolAndSubnetClassKeys) {
  auto cfg = parseOk(dhcp4(R"json("subnet4": [
      {"id": 1, "subnet": "198.18.0.0/24", "client-classes": ["a", "b"], "evaluate-additional-classes": ["c"],
       "pools": [{"pool": "198.18.0.10 - 198.18.0.20", "client-classes": ["d"], "evaluate-additional-classes": ["e", "f"]},
                 {"pool": "198.18.0.30 - 198.18.0.40", "client-class": "g", "require-client-classes": ["h"]}]}])json"));
  const Subnet4& s = cfg.subnets[0];
  EXPECT_EQ(s.clientClasses, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(s.requireClientClasses, std::vector<std::string>{"c"});
  EXPECT_EQ(s.pools[0].clientClasses, std::vector<std::string>{"d"});
  EXPECT_EQ(s.pools[0].requireClientClasses, (std::vector<std::string>{"e", "f"}));
  EXPECT_EQ(s.pools[1].clientClass, "g");
  EXPECT_EQ(s.pools[1].requireClientClasses, std::vector<std::string>{"h"});
  EXPECT_EQ(parseErr(dhcp4(R"json("subnet4": [{"id": 1, "subnet": "198.18.0.0/24", "client-class": "a",
                                                "client-classes": ["b"]}])json")),
            "Dhcp4/subnet4/0/client-classes: only one of \"client-class\" (Kea 2.2) and \"client-classes\" (Kea 3.x) "
            "may be given");
  EXPECT_EQ(parseErr(dhcp4(
                R"json("subnet4": [{"id": 1, "subnet": "198.18.0.0/24", "pools": [{"pool": "198.18.0.1-198.18.0.2",
      "require-client-classes": ["a"], "evaluate-additional-classes": ["b"]}]}])json")),
            "Dhcp4/subnet4/0/pools/0/evaluate-additional-classes: only one of \"require-client-classes\" (Kea 2.2) and "
            "\"evaluate-additional-classes\" (Kea 3.x) may be given");
}

}  // namespace
}  // namespace tandem::config
