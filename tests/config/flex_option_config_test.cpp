// The flex_option hook's parameters (libdhcp_flex_option.so), parsed with Kea 2.2's rules and
// messages (checked against kea-dhcp4 2.2 loading the real library).
#include <gtest/gtest.h>

#include "tests/config/config_test_util.h"

namespace tandem::config::testing {
namespace {

using Action = FlexOptionRule::Action;

std::string withFlex(std::string_view options, std::string_view extra = "") {
  return dhcp4(std::string(extra) +
               R"("hooks-libraries": [{"library": "/usr/lib/x86_64-linux-gnu/kea/hooks/libdhcp_flex_option.so",
                                       "parameters": {"options": [)" +
               std::string(options) + "]}}]");
}

TEST(FlexOptionConfig, RulesAreCompiledAndKeptInKeasOrder) {
  auto cfg = parseOk(
      withFlex(R"J({"code": 67, "add": "ifelse(option[host-name].exists, option[host-name].text + '.boot', '')"},
                                 {"name": "domain-name", "supersede": "'example.org'", "csv-format": true},
                                 {"code": 12, "remove": "option[60].exists", "client-class": "Juniper"},
                                 {"code": 43, "sub-options": [{"code": 2, "add": "'b'"}, {"code": 1, "supersede": "'a'"}]})J"));
  EXPECT_TRUE(cfg.warnings.empty());
  ASSERT_EQ(cfg.flexOptions.size(), 5u);
  // Options by code (12, 15, 67), then sub-options by container and sub-option code.
  EXPECT_EQ(cfg.flexOptions[0].code, 12);
  EXPECT_EQ(cfg.flexOptions[0].action, Action::Remove);
  classify::ClassId juniper = 0;
  ASSERT_TRUE(cfg.classTable.find("Juniper", juniper));
  EXPECT_EQ(cfg.flexOptions[0].guard, juniper);
  EXPECT_EQ(cfg.flexOptions[1].code, 15);
  EXPECT_EQ(cfg.flexOptions[1].action, Action::Supersede);
  ASSERT_TRUE(cfg.flexOptions[1].def);
  EXPECT_EQ(cfg.flexOptions[1].def->name, "domain-name");
  EXPECT_EQ(cfg.flexOptions[2].code, 67);
  EXPECT_FALSE(cfg.flexOptions[2].def);  // csv-format defaults to false: raw bytes
  EXPECT_EQ(cfg.flexOptions[3].code, 43);
  EXPECT_EQ(cfg.flexOptions[3].subCode, 1);
  EXPECT_EQ(cfg.flexOptions[4].subCode, 2);
  EXPECT_TRUE(cfg.flexOptions[4].containerAdd);
  EXPECT_TRUE(cfg.flexOptions[4].containerRemove);
}

TEST(FlexOptionConfig, SubOptionsOfACustomSpaceWithDefinitions) {
  auto cfg = parseOk(withFlex(R"({"code": 43, "client-class": "Juniper", "sub-options": [
                                   {"name": "config-file-name", "space": "vendor-encapsulated-options-space",
                                    "add": "'ztp/' + hexstring(pkt4.mac, '-') + '.conf'", "csv-format": true,
                                    "container-remove": false}]})",
                              R"("option-def": [{"name": "config-file-name", "code": 1, "type": "string",
                                                 "space": "vendor-encapsulated-options-space"}],)"));
  ASSERT_EQ(cfg.flexOptions.size(), 1u);
  const auto& r = cfg.flexOptions[0];
  EXPECT_EQ(r.code, 43);
  EXPECT_EQ(r.subCode, 1);
  ASSERT_TRUE(r.def);
  EXPECT_EQ(r.def->type, proto::OptionType::String);
  EXPECT_TRUE(r.containerGuard);
  EXPECT_FALSE(r.guard);
  EXPECT_FALSE(r.containerRemove);
}

TEST(FlexOptionConfig, ErrorsAreKeas) {
  struct Case {
    const char* options;
    const char* message;
  } cases[] = {
      {R"({"code": 67, "add": "'a'", "bogus": 1})",
       "parameters/options/0: loading Flex Option hooks library failed: unknown parameter 'bogus'"},
      {R"({"code": 67, "add": "'a'", "source": "query"})", "unknown parameter 'source'"},
      {R"({"code": 67})", "no action: "},
      {R"({"code": 67, "add": "'a'", "remove": "true"})", "multiple actions: "},
      {R"({"code": 67, "add": ""})", "'add' must not be empty"},
      {R"({"add": "'a'"})", "'code' or 'name' must be specified"},
      {R"({"code": 0, "add": "'a'"})", "invalid 'code' value 0: reserved for PAD"},
      {R"({"code": 300, "add": "'a'"})", "invalid 'code' value 300 not in [0..255]"},
      {R"({"code": "67", "add": "'a'"})", "'code' must be an integer: \"67\""},
      {R"({"name": "no-such-option", "add": "'a'"})", "no known 'no-such-option' option in 'dhcp4' space"},
      {R"({"name": "host-name", "code": 15, "add": "'a'"})",
       "option 'host-name' is defined as code: 12, not the specified code: 15"},
      {R"({"code": 222, "add": "'a'", "csv-format": true})", "no known option with code '222' in 'dhcp4' space"},
      {R"({"code": 67, "add": "option[12].text =="})", "can't parse add expression [option[12].text ==] error: "},
      {R"({"code": 12, "remove": "'abc'"})", "can't parse remove expression"},
      {R"({"code": 43, "add": "'a'", "sub-options": []})",
       "'sub-options' and 'add' are incompatible in the same entry"},
      {R"({"code": 67, "sub-options": [{"code": 1, "add": "'a'"}]})", "container does not encapsulate a space"},
      {R"({"code": 43, "sub-options": [{"code": 1, "add": "'a'"}, {"code": 1, "remove": "'a' == 'a'"}]})",
       "sub-option 1 of option 43 was already specified"},
      {R"({"code": 125, "sub-options": [{"code": 1, "space": "vendor-4491", "add": "'a'"}]})",
       "sub-options of the vendor space 'vendor-4491' (option 125) are not supported by tandemd"},
  };
  for (const auto& c : cases) {
    const std::string err = parseErr(withFlex(c.options));
    EXPECT_NE(err.find(c.message), std::string::npos) << c.options << "\n -> " << err;
    EXPECT_NE(err.find("Dhcp4/hooks-libraries/0/parameters"), std::string::npos) << err;
  }
  EXPECT_NE(parseErr(dhcp4(R"("hooks-libraries": [{"library": "libdhcp_flex_option.so"}])"))
                .find("'options' parameter is mandatory"),
            std::string::npos);
}

TEST(FlexOptionConfig, AnEmptyListIsAccepted) {
  auto cfg = parseOk(withFlex(""));
  EXPECT_TRUE(cfg.flexOptions.empty());
  EXPECT_TRUE(cfg.warnings.empty());
}

}  // namespace
}  // namespace tandem::config::testing
