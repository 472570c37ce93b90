// The flex_option hook in the engine: rules parsed from Kea's parameters change the finished
// answer (add when absent, supersede, remove, sub-options of option 43, client-class guards,
// csv-format), and the answer's options stay in Kea's order.
#include "dhcpd/config/dhcp4_config.h"
#include "tests/engine/engine_fixture.h"

namespace tandem::test {
namespace {

// Installs the flex_option rules (and classes) of a parsed {"Dhcp4": {...}} body into the
// fixture's config.
void setFlex(config::Dhcp4Config& cfg, std::string_view options, std::string_view extra = "") {
  auto parsed = config::parseDhcp4Config(
      "{\"Dhcp4\": {" + std::string(extra) +
          R"("hooks-libraries": [{"library": "libdhcp_flex_option.so", "parameters": {"options": [)" +
          std::string(options) + "]}}]}}",
      config::ParseContext{});
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  cfg.classes = std::move(parsed->classes);
  cfg.classTable = std::move(parsed->classTable);
  cfg.optionDefs = std::move(parsed->optionDefs);
  cfg.flexOptions = std::move(parsed->flexOptions);
}

Packet4 withHostname(Packet4 p, std::string_view name) {
  p.set(opt::kHostName, bytes(name));
  return p;
}

TEST_F(EngineTest, FlexAddComputesAnOptionWhenAbsent) {
  setFlex(cfg, R"J({"code": 67, "add": "ifelse(option[host-name].exists, option[host-name].text + '.boot', '')"})J");
  Decision d = send(withHostname(discover(mac(1)), "pc1"));
  ASSERT_EQ(typeOf(d), MessageType::Offer) << d.note;
  ASSERT_NE(findOpt(*d.reply, 67), nullptr);
  EXPECT_EQ(findOpt(*d.reply, 67)->data, bytes("pc1.boot"));
  // Options stay in Kea's order: 53 first, then by code.
  auto c = codes(*d.reply);
  EXPECT_EQ(c.front(), 53);
  EXPECT_TRUE(std::is_sorted(c.begin() + 1, c.end())) << ::testing::PrintToString(c);
  // An empty value adds nothing (Kea: "do nothing if the expression evaluates to empty").
  d = send(discover(mac(2)));
  ASSERT_EQ(typeOf(d), MessageType::Offer);
  EXPECT_EQ(findOpt(*d.reply, 67), nullptr);
}

TEST_F(EngineTest, FlexAddKeepsAnOptionAlreadyThereAndSupersedeReplacesIt) {
  setFlex(cfg, R"({"code": 15, "add": "'added.example'"}, {"code": 6, "supersede": "0xC6120063"})");
  Decision d = send(discover(mac(1)));
  ASSERT_EQ(typeOf(d), MessageType::Offer) << d.note;
  EXPECT_EQ(findOpt(*d.reply, opt::kDomainName)->data, bytes("subnet1.example"));
  EXPECT_EQ(ipOpt(*d.reply, opt::kDomainNameServers), ip("198.18.0.99"));
}

TEST_F(EngineTest, FlexCsvFormatEncodesWithTheDefinition) {
  setFlex(cfg, R"({"name": "ntp-servers", "supersede": "'198.18.0.7, 198.18.0.8'", "csv-format": true})");
  Decision d = send(discover(mac(1)));
  ASSERT_EQ(typeOf(d), MessageType::Offer) << d.note;
  ASSERT_NE(findOpt(*d.reply, 42), nullptr);
  EXPECT_EQ(findOpt(*d.reply, 42)->data, (std::vector<std::uint8_t>{198, 18, 0, 7, 198, 18, 0, 8}));
  // Text that does not fit the definition changes nothing (Kea's callout fails).
  setFlex(cfg, R"({"name": "ntp-servers", "supersede": "'not-an-address'", "csv-format": true})");
  engine::Engine other(cfg, store);
  d = other.handle(discover(mac(2)), meta, clock.now());
  ASSERT_EQ(typeOf(d), MessageType::Offer) << d.note;
  EXPECT_EQ(findOpt(*d.reply, 42), nullptr);  // not requested, so not configured into the reply
}

TEST_F(EngineTest, FlexRemoveIsGuardedByClassAndExpression) {
  setFlex(cfg, R"({"code": 12, "remove": "option[60].exists", "client-class": "juniper"})",
          R"("client-classes": [{"name": "juniper", "test": "substring(option[60].hex, 0, 7) == 'Juniper'"}],)");
  Packet4 j = withHostname(discover(mac(1)), "sw1");
  j.set(opt::kVendorClassId, bytes("Juniper-ex2300"));
  Decision d = send(j);
  ASSERT_EQ(typeOf(d), MessageType::Offer) << d.note;
  EXPECT_EQ(findOpt(*d.reply, opt::kHostName), nullptr);
  // Not in the class: the host name stays.
  Packet4 other = withHostname(discover(mac(2)), "pc2");
  other.set(opt::kVendorClassId, bytes("MSFT 5.0"));
  d = send(other);
  ASSERT_EQ(typeOf(d), MessageType::Offer) << d.note;
  EXPECT_NE(findOpt(*d.reply, opt::kHostName), nullptr);
}

TEST_F(EngineTest, FlexSubOptionsOfOption43) {
  setFlex(cfg, R"({"code": 43, "sub-options": [
                     {"code": 1, "add": "'ztp/' + hexstring(pkt4.mac, '-') + '.conf'"},
                     {"code": 2, "remove": "'a' == 'a'"}]})");
  Decision d = send(discover(mac(1)));
  ASSERT_EQ(typeOf(d), MessageType::Offer) << d.note;
  // The container is created (container-add defaults to true).
  ASSERT_NE(findOpt(*d.reply, 43), nullptr);
  // "ztp/" + 17 characters of MAC + ".conf" is 26 bytes.
  std::vector<std::uint8_t> want{1, 26};
  for (char ch : std::string("ztp/02-00-00-00-00-01.conf")) want.push_back(std::uint8_t(ch));
  EXPECT_EQ(findOpt(*d.reply, 43)->data, want);

  // A configured 43 keeps its sub-options; sub-option 2 is removed and an emptied container
  // goes (container-remove defaults to true).
  cfg.options.push_back(optionData(43, {2, 1, 'x'}));
  setFlex(cfg, R"({"code": 43, "sub-options": [{"code": 2, "remove": "'a' == 'a'"}]})");
  engine::Engine removing(cfg, store);
  Packet4 p = discover(mac(3));
  p.set(opt::kParameterRequestList, {1, 3, 43});
  d = removing.handle(p, meta, clock.now());
  ASSERT_EQ(typeOf(d), MessageType::Offer) << d.note;
  EXPECT_EQ(findOpt(*d.reply, 43), nullptr);

  // container-add false: no container, nothing added.
  setFlex(
      cfg,
      R"({"code": 67, "add": "'x'"}, {"code": 43, "sub-options": [{"code": 1, "add": "'a'", "container-add": false}]})");
  cfg.options.pop_back();
  engine::Engine noContainer(cfg, store);
  d = noContainer.handle(discover(mac(4)), meta, clock.now());
  ASSERT_EQ(typeOf(d), MessageType::Offer) << d.note;
  EXPECT_EQ(findOpt(*d.reply, 43), nullptr);
  EXPECT_NE(findOpt(*d.reply, 67), nullptr);
}

TEST_F(EngineTest, FlexAppliesToAcksAndNaks) {
  setFlex(cfg, R"({"code": 60, "add": "'tandem'"})");
  Ipv4 a = dora(mac(1));
  Decision d = send(selecting(mac(1), a));
  ASSERT_EQ(typeOf(d), MessageType::Ack) << d.note;
  EXPECT_EQ(findOpt(*d.reply, 60)->data, bytes("tandem"));
  d = send(selecting(mac(2), a));  // a is taken: NAK
  ASSERT_EQ(typeOf(d), MessageType::Nak) << d.note;
  EXPECT_EQ(findOpt(*d.reply, 60)->data, bytes("tandem"));
}

}  // namespace
}  // namespace tandem::test
