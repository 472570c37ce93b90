// Client classification in the engine, in Kea 2.2's order: classes from tests, built-ins
// (ALL, VENDOR_CLASS_, KNOWN/UNKNOWN, HA_), reservations, required classes; and what a class
// changes: eligible subnets and pools, options, boot fields, lease lifetime, DROP.
#include "dhcpd/config/dhcp4_config.h"
#include "tests/engine/engine_fixture.h"

namespace tandem::test {
namespace {

// Parses `"client-classes": [...]` as the config parser does and installs the classes.
void setClasses(config::Dhcp4Config& cfg, std::string_view list) {
  auto parsed = config::parseDhcp4Config("{\"Dhcp4\": {\"client-classes\": [" + std::string(list) + "]}}",
                                         config::ParseContext{});
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  cfg.classes = std::move(parsed->classes);
  cfg.classTable = std::move(parsed->classTable);
}

Packet4 withVendorClass(Packet4 p, std::string_view vc) {
  p.set(opt::kVendorClassId, bytes(vc));
  return p;
}

std::string field(const std::array<std::uint8_t, 64>& a) { return reinterpret_cast<const char*>(a.data()); }
std::string field(const std::array<std::uint8_t, 128>& a) { return reinterpret_cast<const char*>(a.data()); }

config::Reservation byHw(const HwAddr& hw, std::vector<std::string> classes = {}) {
  config::Reservation r;
  r.hwAddr = hw;
  r.clientClasses = std::move(classes);
  return r;
}

TEST_F(EngineTest, ClassOptionsReachTheReply) {
  setClasses(cfg, R"json({"name": "pxe", "test": "substring(option[60].hex, 0, 9) == 'PXEClient'",
                          "option-data": [{"name": "tftp-server-name", "data": "tftp.example"},
                                          {"name": "domain-name", "data": "pxe.example"},
                                          {"name": "ntp-servers", "data": "198.18.0.123", "always-send": true}]})json");
  Packet4 pxe = withVendorClass(discover(mac(1)), "PXEClient:Arch:00007");
  pxe.set(opt::kParameterRequestList, {1, 3, 6, 15, 66});
  Decision d = send(pxe);
  ASSERT_TRUE(d.reply) << d.note;
  ASSERT_NE(findOpt(*d.reply, 66), nullptr);
  EXPECT_EQ(findOpt(*d.reply, 66)->data, bytes("tftp.example"));
  // Kea 2.2: the subnet's domain-name wins over the class's (classes come after the
  // subnet, before global options).
  EXPECT_EQ(findOpt(*d.reply, opt::kDomainName)->data, bytes("subnet1.example"));
  // The class's ntp-servers wins over the global one.
  EXPECT_EQ(ipOpt(*d.reply, 42), ip("198.18.0.123"));
  Decision other = send(withVendorClass(discover(mac(2)), "MSFT 5.0"));
  EXPECT_EQ(findOpt(*other.reply, 66), nullptr);
  EXPECT_EQ(findOpt(*other.reply, 42), nullptr);  // the global one is sent only when asked for
}

// The option set of a class combination is resolved once and reused (OptionSetCache): later
// queries with the same classes, and with other combinations, still get their own options,
// and a reconfiguration brings the new values.
TEST_F(EngineTest, ClassOptionSetsReusedAcrossQueriesAndReloads) {
  setClasses(cfg, R"json({"name": "phone", "test": "substring(option[60].hex, 0, 5) == 'phone'",
                          "option-data": [{"name": "tftp-server-name", "data": "phones.example"}]},
                         {"name": "polycom", "test": "option[60].hex == 'phone-polycom'",
                          "option-data": [{"name": "tftp-server-name", "data": "polycom.example"},
                                          {"name": "ntp-servers", "data": "198.18.0.123", "always-send": true}]})json");
  eng().reconfigure(cfg);
  auto tftp = [&](std::uint8_t n, std::string_view vc) {
    Packet4 p = withVendorClass(discover(mac(n)), vc);
    p.set(opt::kParameterRequestList, {1, 3, 66});
    Decision d = send(p);
    EXPECT_TRUE(d.reply) << d.note;
    const auto* o = d.reply ? findOpt(*d.reply, 66) : nullptr;
    const bool ntp = d.reply && findOpt(*d.reply, 42) != nullptr;
    return (o ? std::string(o->data.begin(), o->data.end()) : std::string("-")) + (ntp ? "+ntp" : "");
  };
  for (std::uint8_t n = 1; n <= 6; n += 3) {
    EXPECT_EQ(tftp(n, "phone-aastra"), "phones.example");
    EXPECT_EQ(tftp(n + 1, "phone-polycom"), "phones.example+ntp");  // phone joined first
    EXPECT_EQ(tftp(n + 2, "laptop"), "-");
  }
  setClasses(cfg, R"json({"name": "phone", "test": "substring(option[60].hex, 0, 5) == 'phone'",
                          "option-data": [{"name": "tftp-server-name", "data": "new-phones.example"}]})json");
  eng().reconfigure(cfg);
  EXPECT_EQ(tftp(10, "phone-aastra"), "new-phones.example");
  EXPECT_EQ(tftp(11, "phone-polycom"), "new-phones.example");
}

TEST_F(EngineTest, ClassOptionsBeatGlobalInClassOrder) {
  setClasses(cfg, R"json({"name": "first", "test": "option[60].exists",
                          "option-data": [{"name": "domain-name-servers", "data": "198.18.0.201"}]},
                         {"name": "second", "test": "member('first')",
                          "option-data": [{"name": "domain-name-servers", "data": "198.18.0.202"},
                                          {"name": "time-offset", "data": "3600", "always-send": true}]})json");
  Decision d = send(withVendorClass(discover(mac(1)), "x"));
  EXPECT_EQ(ipOpt(*d.reply, opt::kDomainNameServers), ip("198.18.0.201"));
  EXPECT_EQ(u32Opt(*d.reply, 2), 3600u);
  // Pool options still win over class options.
  cfg.subnets[0].pools[0].options.push_back(optionData(opt::kDomainNameServers, proto::ipBytes(ip("198.18.0.77"))));
  eng().reconfigure(cfg);
  Decision p = send(withVendorClass(discover(mac(2)), "x"));
  EXPECT_EQ(ipOpt(*p.reply, opt::kDomainNameServers), ip("198.18.0.77"));
}

TEST_F(EngineTest, ClassBootFieldsBetweenSubnetAndReservation) {
  cfg.subnets[0].nextServer = ip("198.18.0.9");
  cfg.subnets[0].serverHostname = "subnet-host";
  cfg.subnets[0].bootFileName = "subnet.efi";
  setClasses(cfg, R"json({"name": "a", "test": "option[60].exists", "boot-file-name": "a.efi"},
                         {"name": "b", "test": "option[60].exists", "boot-file-name": "b.efi",
                          "next-server": "198.18.0.20", "server-hostname": "b-host"})json");
  config::Reservation r = byHw(mac(3));
  r.serverHostname = "host-host";
  cfg.subnets[0].reservations.push_back(r);
  Decision d = send(withVendorClass(discover(mac(1)), "x"));
  EXPECT_EQ(field(d.reply->file), "a.efi");  // first class setting it
  EXPECT_EQ(field(d.reply->sname), "b-host");
  EXPECT_EQ(d.reply->siaddr, ip("198.18.0.20"));
  Decision plain = send(discover(mac(2)));
  EXPECT_EQ(field(plain.reply->file), "subnet.efi");
  EXPECT_EQ(plain.reply->siaddr, ip("198.18.0.9"));
  Decision host = send(withVendorClass(discover(mac(3)), "x"));
  EXPECT_EQ(field(host.reply->sname), "host-host");
  EXPECT_EQ(field(host.reply->file), "a.efi");
}

TEST_F(EngineTest, ClassLifetimeWithClientWishClamped) {
  setClasses(cfg, R"json({"name": "short", "test": "option[60].text == 'short'",
                          "valid-lifetime": 600, "min-valid-lifetime": 300, "max-valid-lifetime": 900})json");
  Decision d = send(withVendorClass(discover(mac(1)), "short"));
  EXPECT_EQ(u32Opt(*d.reply, opt::kLeaseTime), 600u);
  Packet4 req = withVendorClass(selecting(mac(1), d.reply->yiaddr), "short");
  req.set(opt::kLeaseTime, proto::u32Bytes(100));
  Decision ack = send(req);
  EXPECT_EQ(u32Opt(*ack.reply, opt::kLeaseTime), 300u);
  EXPECT_EQ(store.byAddress(ack.reply->yiaddr)->validLifetime, 300u);
  EXPECT_EQ(u32Opt(*send(discover(mac(2))).reply, opt::kLeaseTime), 4000u);
}

TEST_F(EngineTest, ClassRestrictedPoolsAndSubnets) {
  setClasses(cfg, R"json({"name": "phones", "test": "substring(option[60].hex, 0, 6) == 'Aastra'"},
                         {"name": "printers", "test": "option[60].text == 'printer'"})json");
  cfg.subnets[0].pools = {pool("198.18.0.10", "198.18.0.10", "phones"), pool("198.18.0.20", "198.18.0.20")};
  cfg.subnets[0].pools[1].clientClasses = {"printers", "phones"};
  EXPECT_EQ(send(withVendorClass(discover(mac(1)), "Aastra6731i")).reply->yiaddr, ip("198.18.0.10"));
  EXPECT_EQ(send(withVendorClass(discover(mac(2)), "printer")).reply->yiaddr, ip("198.18.0.20"));
  EXPECT_EQ(send(discover(mac(3))).drop, DropReason::NoAddress);
  // A REQUEST for a class pool's address from a non-member is refused.
  EXPECT_EQ(typeOf(send(selecting(mac(4), ip("198.18.0.10")))), MessageType::Nak);
  // A subnet with a client-class serves only its members.
  cfg.subnets[0].clientClass = "phones";
  eng().reconfigure(cfg);
  EXPECT_EQ(send(discover(mac(5))).drop, DropReason::NoSubnet);
  // A member gets past subnet selection (the pools are taken by now).
  EXPECT_EQ(send(withVendorClass(discover(mac(6)), "Aastra")).drop, DropReason::NoAddress);
}

TEST_F(EngineTest, VendorClassBuiltIn) {
  setClasses(cfg, R"json({"name": "VENDOR_CLASS_docsis3.0",
                          "option-data": [{"name": "domain-name", "data": "modem.example"}]},
                         {"name": "modems", "test": "member('VENDOR_CLASS_docsis3.0')", "boot-file-name": "modem.cfg"})json");
  cfg.subnets[0].options.clear();
  Decision d = send(withVendorClass(discover(mac(1)), std::string("docsis3.0\0", 10)));
  EXPECT_EQ(findOpt(*d.reply, opt::kDomainName)->data, bytes("modem.example"));
  EXPECT_EQ(field(d.reply->file), "modem.cfg");
  Decision other = send(withVendorClass(discover(mac(2)), "docsis3.1"));
  EXPECT_EQ(findOpt(*other.reply, opt::kDomainName)->data, bytes("global.example"));
}

TEST_F(EngineTest, KnownAndUnknown) {
  setClasses(cfg, R"json({"name": "known-ones", "test": "member('KNOWN')", "boot-file-name": "known.efi"},
                         {"name": "strangers", "test": "member('UNKNOWN')", "boot-file-name": "guest.efi"})json");
  cfg.subnets[0].reservations.push_back(byHw(mac(1)));
  cfg.subnets[0].pools = {pool("198.18.0.10", "198.18.0.10", "known-ones"),
                          pool("198.18.0.20", "198.18.0.20", "strangers")};
  Decision k = send(discover(mac(1)));
  EXPECT_EQ(k.reply->yiaddr, ip("198.18.0.10"));
  EXPECT_EQ(field(k.reply->file), "known.efi");
  Decision u = send(discover(mac(2)));
  EXPECT_EQ(u.reply->yiaddr, ip("198.18.0.20"));
  EXPECT_EQ(field(u.reply->file), "guest.efi");
}

TEST_F(EngineTest, ReservedClassesAreSeenByReevaluatedTests) {
  // Kea: with reserved classes, first-pass classes are evaluated again after them.
  setClasses(cfg, R"json({"name": "gold"},
                         {"name": "not-gold", "test": "not member('gold')", "boot-file-name": "plain.efi"})json");
  cfg.subnets[0].reservations.push_back(byHw(mac(1), {"gold"}));
  EXPECT_EQ(field(send(discover(mac(1))).reply->file), "");
  EXPECT_EQ(field(send(discover(mac(2))).reply->file), "plain.efi");
}

TEST_F(EngineTest, RequiredClassesEvaluatedAfterPoolSelection) {
  setClasses(cfg, R"json({"name": "late", "test": "option[60].exists", "only-if-required": true,
                          "option-data": [{"name": "domain-name", "data": "late.example"}],
                          "valid-lifetime": 60},
                         {"name": "never", "test": "member('late')", "boot-file-name": "never.efi"},
                         {"name": "notest", "only-if-required": true,
                          "option-data": [{"name": "tftp-server-name", "data": "x"}]})json");
  cfg.subnets[0].options.clear();
  Decision notRequired = send(withVendorClass(discover(mac(1)), "x"));
  EXPECT_EQ(findOpt(*notRequired.reply, opt::kDomainName)->data, bytes("global.example"));
  cfg.subnets[0].pools[0].requireClientClasses = {"late", "notest"};
  eng().reconfigure(cfg);
  Decision d = send(withVendorClass(discover(mac(2)), "x"));
  EXPECT_EQ(findOpt(*d.reply, opt::kDomainName)->data, bytes("late.example"));
  // The lease lifetime is decided before required classes (Kea's order).
  EXPECT_EQ(u32Opt(*d.reply, opt::kLeaseTime), 4000u);
  // A class whose test uses member('late') was evaluated earlier, without it.
  EXPECT_EQ(field(d.reply->file), "");
  // A required class without a test is not assigned (Kea 2.2).
  EXPECT_EQ(findOpt(*d.reply, 66), nullptr);
  // The subnet's list works the same.
  cfg.subnets[0].pools[0].requireClientClasses.clear();
  cfg.subnets[0].requireClientClasses = {"late"};
  eng().reconfigure(cfg);
  EXPECT_EQ(findOpt(*send(withVendorClass(discover(mac(3)), "x")).reply, opt::kDomainName)->data,
            bytes("late.example"));
  EXPECT_EQ(findOpt(*send(discover(mac(4))).reply, opt::kDomainName)->data, bytes("global.example"));
}

TEST_F(EngineTest, HaClassesStillSelectPools) {
  setClasses(cfg, R"json({"name": "HA_server1"},
                         {"name": "ha1-seen", "test": "member('HA_server1')", "boot-file-name": "ha1.efi"})json");
  cfg.subnets[0].pools = {pool("198.18.0.10", "198.18.0.10", "HA_server1"),
                          pool("198.18.0.20", "198.18.0.20", "HA_server2")};
  engine::RecvMeta m1 = meta;
  m1.classes = {"HA_server1"};
  Decision d = sendVia(discover(mac(1)), m1);
  EXPECT_EQ(d.reply->yiaddr, ip("198.18.0.10"));
  EXPECT_EQ(field(d.reply->file), "ha1.efi");
  engine::RecvMeta m2 = meta;
  m2.classes = {"HA_server2"};
  Decision e = sendVia(discover(mac(2)), m2);
  EXPECT_EQ(e.reply->yiaddr, ip("198.18.0.20"));
  EXPECT_EQ(field(e.reply->file), "");
}

TEST_F(EngineTest, DropClassDropsTheQuery) {
  setClasses(cfg, R"json({"name": "DROP", "test": "option[60].text == 'bad'"})json");
  EXPECT_EQ(send(withVendorClass(discover(mac(1)), "bad")).drop, DropReason::DropClass);
  EXPECT_TRUE(send(withVendorClass(discover(mac(2)), "good")).reply);
}

TEST_F(EngineTest, RelayAgentAndMacExpressions) {
  setClasses(cfg, R"json({"name": "port7", "test": "relay4[1].hex == 'port7' and pkt4.giaddr == 198.18.2.1",
                          "boot-file-name": "port7.efi"},
                         {"name": "mac", "test": "hexstring(pkt4.mac, ':') == '02:00:00:00:00:05'",
                          "server-hostname": "by-mac"})json");
  Packet4 p = discover(mac(5));
  p.giaddr = ip("198.18.2.1");
  p.set(opt::kRelayAgentInfo, {1, 5, 'p', 'o', 'r', 't', '7'});
  Decision d = send(p);
  ASSERT_TRUE(d.reply) << d.note;
  EXPECT_EQ(field(d.reply->file), "port7.efi");
  EXPECT_EQ(field(d.reply->sname), "by-mac");
  Decision other = send(discover(mac(6)));
  EXPECT_EQ(field(other.reply->file), "");
  EXPECT_EQ(field(other.reply->sname), "");
}

TEST_F(EngineTest, InformGetsClassOptions) {
  setClasses(cfg, R"json({"name": "c", "test": "pkt4.msgtype == 8",
                          "option-data": [{"name": "tftp-server-name", "data": "inform.example", "always-send": true}]})json");
  Packet4 p = packet(MessageType::Inform, mac(1));
  p.ciaddr = ip("198.18.0.77");
  Decision d = send(p);
  ASSERT_TRUE(d.reply) << d.note;
  EXPECT_EQ(findOpt(*d.reply, 66)->data, bytes("inform.example"));
}

}  // namespace
}  // namespace tandem::test
