// Option definitions and Kea's option-data text forms.
#include "dhcpd/proto/option_defs.h"

#include <gtest/gtest.h>

#include <set>
#include <utility>

#include "dhcpd/proto/packet4.h"

namespace tandem::proto {
namespace {

using Bytes = std::vector<std::uint8_t>;
using T = OptionType;

Bytes ascii(std::string_view s) { return Bytes(s.begin(), s.end()); }

Bytes csv(std::string_view name, std::string_view data) {
  const OptionDef* def = findOptionDef(name);
  EXPECT_NE(def, nullptr) << name;
  auto r = encodeOptionData(def, data, true);
  EXPECT_TRUE(r.ok()) << name << " '" << data << "': " << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : Bytes{};
}

std::string csvError(std::string_view name, std::string_view data) {
  auto r = encodeOptionData(findOptionDef(name), data, true);
  EXPECT_FALSE(r.ok()) << name << " '" << data << "' was accepted";
  return r.ok() ? "" : r.error().message;
}

TEST(OptionDefs, EveryRequiredNameHasItsCode) {
  const std::pair<int, std::string_view> required[] = {
      {1, "subnet-mask"}, {2, "time-offset"}, {3, "routers"}, {4, "time-servers"}, {5, "name-servers"},
      {6, "domain-name-servers"}, {7, "log-servers"}, {8, "cookie-servers"}, {9, "lpr-servers"},
      {10, "impress-servers"}, {11, "resource-location-servers"}, {12, "host-name"}, {13, "boot-size"},
      {14, "merit-dump"}, {15, "domain-name"}, {16, "swap-server"}, {17, "root-path"}, {18, "extensions-path"},
      {19, "ip-forwarding"}, {20, "non-local-source-routing"}, {21, "policy-filter"}, {22, "max-dgram-reassembly"},
      {23, "default-ip-ttl"}, {24, "path-mtu-aging-timeout"}, {25, "path-mtu-plateau-table"}, {26, "interface-mtu"},
      {27, "all-subnets-local"}, {28, "broadcast-address"}, {29, "perform-mask-discovery"}, {30, "mask-supplier"},
      {31, "router-discovery"}, {32, "router-solicitation-address"}, {33, "static-routes"},
      {34, "trailer-encapsulation"}, {35, "arp-cache-timeout"}, {36, "ieee802-3-encapsulation"},
      {37, "default-tcp-ttl"}, {38, "tcp-keepalive-interval"}, {39, "tcp-keepalive-garbage"}, {40, "nis-domain"},
      {41, "nis-servers"}, {42, "ntp-servers"}, {43, "vendor-encapsulated-options"}, {44, "netbios-name-servers"},
      {45, "netbios-dd-server"}, {46, "netbios-node-type"}, {47, "netbios-scope"}, {48, "font-servers"},
      {49, "x-display-manager"}, {50, "dhcp-requested-address"}, {51, "dhcp-lease-time"},
      {52, "dhcp-option-overload"}, {53, "dhcp-message-type"}, {54, "dhcp-server-identifier"},
      {55, "dhcp-parameter-request-list"}, {56, "dhcp-message"}, {57, "dhcp-max-message-size"},
      {58, "dhcp-renewal-time"}, {59, "dhcp-rebinding-time"}, {60, "vendor-class-identifier"},
      {61, "dhcp-client-identifier"}, {62, "nwip-domain-name"}, {64, "nisplus-domain-name"},
      {65, "nisplus-servers"}, {66, "tftp-server-name"}, {67, "boot-file-name"}, {68, "mobile-ip-home-agent"},
      {69, "smtp-server"}, {70, "pop-server"}, {71, "nntp-server"}, {72, "www-server"}, {73, "finger-server"},
      {74, "irc-server"}, {75, "streettalk-server"}, {76, "streettalk-directory-assistance-server"},
      {77, "user-class"}, {81, "fqdn"}, {82, "dhcp-agent-options"}, {85, "nds-servers"}, {86, "nds-tree-name"},
      {87, "nds-context"}, {88, "bcms-controller-names"}, {89, "bcms-controller-address"}, {93, "client-system"},
      {94, "client-ndi"}, {97, "uuid-guid"}, {98, "uap-servers"}, {99, "geoconf-civic"}, {100, "pcode"},
      {101, "tcode"}, {108, "v6-only-preferred"}, {112, "netinfo-server-address"}, {113, "netinfo-server-tag"},
      {114, "v4-captive-portal"}, {116, "auto-config"}, {117, "name-service-search"}, {118, "subnet-selection"},
      {119, "domain-search"}, {121, "classless-static-route"}, {124, "vivco-suboptions"},
      {125, "vivso-suboptions"}, {136, "pana-agent"}, {137, "v4-lost"}, {138, "capwap-ac-v4"},
      {141, "sip-ua-cs-domains"}, {146, "rdnss-selection"}, {159, "v4-portparams"}, {162, "v4-dnr"},
      {212, "option-6rd"}, {213, "v4-access-domain"},
  };
  for (const auto& [code, name] : required) {
    const OptionDef* byName = findOptionDef(name);
    ASSERT_NE(byName, nullptr) << name;
    EXPECT_EQ(byName->code, code) << name;
    EXPECT_EQ(findOptionDef(static_cast<std::uint8_t>(code)), byName) << code;
  }
  EXPECT_EQ(findOptionDef("no-such-option"), nullptr);
  EXPECT_EQ(findOptionDef(std::uint8_t{0}), nullptr);
  EXPECT_EQ(findOptionDef(std::uint8_t{255}), nullptr);
  EXPECT_EQ(findOptionDef(std::uint8_t{250}), nullptr);
}

TEST(OptionDefs, TableIsSortedUniqueAndRecordsHaveFields) {
  std::set<std::string_view> names;
  int last = 0;
  for (const auto& d : standardOptionDefs()) {
    EXPECT_GT(d.code, last) << d.name;
    last = d.code;
    EXPECT_TRUE(names.insert(d.name).second) << d.name;
    EXPECT_EQ(d.type == T::Record, !d.recordFields.empty()) << d.name;
    EXPECT_NE(toString(d.type), "unknown");
  }
}

TEST(OptionDefs, KeaTypes) {
  const std::pair<std::string_view, T> expected[] = {
      {"subnet-mask", T::Ipv4Address}, {"routers", T::Ipv4List}, {"domain-name", T::String},
      {"domain-search", T::FqdnList}, {"host-name", T::String}, {"dhcp-lease-time", T::Uint32},
      {"ip-forwarding", T::Boolean}, {"interface-mtu", T::Uint16}, {"static-routes", T::Ipv4Pairs},
      {"classless-static-route", T::ClasslessRoutes}, {"time-offset", T::Int32},
      {"dhcp-parameter-request-list", T::Uint8List}, {"path-mtu-plateau-table", T::Uint16List},
      {"dhcp-client-identifier", T::Binary}, {"dhcp-agent-options", T::Binary}, {"fqdn", T::Record},
      {"v4-lost", T::Fqdn},
  };
  for (const auto& [name, type] : expected) EXPECT_EQ(findOptionDef(name)->type, type) << name;
  EXPECT_TRUE(findOptionDef("routers")->array);
  EXPECT_FALSE(findOptionDef("subnet-mask")->array);
}

TEST(OptionData, Ipv4Forms) {
  EXPECT_EQ(csv("subnet-mask", "255.255.255.0"), (Bytes{255, 255, 255, 0}));
  EXPECT_EQ(csv("routers", "198.18.0.1"), (Bytes{198, 18, 0, 1}));
  EXPECT_EQ(csv("domain-name-servers", " 198.18.0.1 ,198.18.0.2,  198.19.0.3 "),
            (Bytes{198, 18, 0, 1, 198, 18, 0, 2, 198, 19, 0, 3}));
  EXPECT_NE(csvError("routers", "198.18.0.1, 198.18.0.300").find("198.18.0.300"), std::string::npos);
  EXPECT_NE(csvError("routers", "198.18.0.1,,198.18.0.2").find("value 2"), std::string::npos);
  csvError("routers", "");
  csvError("subnet-mask", "255.255.255.0, 255.0.0.0");
  csvError("subnet-mask", "");
  csvError("subnet-mask", "example.com");
}

TEST(OptionData, AddressPairs) {
  EXPECT_EQ(csv("static-routes", "198.18.0.0, 198.18.0.1, 198.19.0.0, 198.18.0.1"),
            (Bytes{198, 18, 0, 0, 198, 18, 0, 1, 198, 19, 0, 0, 198, 18, 0, 1}));
  EXPECT_NE(csvError("static-routes", "198.18.0.0, 198.18.0.1, 198.19.0.0").find("pairs"), std::string::npos);
  EXPECT_EQ(csv("policy-filter", "198.18.0.0,255.254.0.0"), (Bytes{198, 18, 0, 0, 255, 254, 0, 0}));
}

TEST(OptionData, Integers) {
  EXPECT_EQ(csv("default-ip-ttl", "64"), (Bytes{64}));
  EXPECT_EQ(csv("interface-mtu", "1500"), (Bytes{0x05, 0xdc}));
  EXPECT_EQ(csv("dhcp-lease-time", "4294967295"), (Bytes{0xff, 0xff, 0xff, 0xff}));
  EXPECT_EQ(csv("dhcp-lease-time", " 3600 "), (Bytes{0, 0, 0x0e, 0x10}));
  EXPECT_EQ(csv("boot-size", "0x10"), (Bytes{0, 0x10}));
  EXPECT_EQ(csv("time-offset", "-1"), (Bytes{0xff, 0xff, 0xff, 0xff}));
  EXPECT_EQ(csv("time-offset", "-3600"), (Bytes{0xff, 0xff, 0xf1, 0xf0}));
  EXPECT_EQ(csv("time-offset", "2147483647"), (Bytes{0x7f, 0xff, 0xff, 0xff}));
  auto msg = csvError("default-ip-ttl", "300");
  EXPECT_NE(msg.find("uint8"), std::string::npos) << msg;
  EXPECT_NE(msg.find("300"), std::string::npos) << msg;
  csvError("interface-mtu", "65536");
  csvError("interface-mtu", "-1");
  csvError("dhcp-lease-time", "4294967296");
  csvError("dhcp-lease-time", "12abc");
  csvError("dhcp-lease-time", "");
  csvError("dhcp-lease-time", "99999999999999999999999");
  csvError("time-offset", "2147483648");
  csvError("time-offset", "-2147483649");
}

TEST(OptionData, IntegerLists) {
  EXPECT_EQ(csv("dhcp-parameter-request-list", "1, 3, 6, 15"), (Bytes{1, 3, 6, 15}));
  EXPECT_EQ(csv("path-mtu-plateau-table", "68, 1500"), (Bytes{0, 68, 0x05, 0xdc}));
  EXPECT_EQ(csv("client-system", "7"), (Bytes{0, 7}));
  csvError("dhcp-parameter-request-list", "1, 256");
}

TEST(OptionData, Booleans) {
  EXPECT_EQ(csv("ip-forwarding", "true"), (Bytes{1}));
  EXPECT_EQ(csv("ip-forwarding", "false"), (Bytes{0}));
  EXPECT_EQ(csv("ip-forwarding", "1"), (Bytes{1}));
  EXPECT_EQ(csv("ip-forwarding", "0"), (Bytes{0}));
  EXPECT_EQ(csv("ip-forwarding", " True "), (Bytes{1}));
  EXPECT_NE(csvError("ip-forwarding", "yes").find("boolean"), std::string::npos);
  csvError("ip-forwarding", "2");
}

TEST(OptionData, StringsAreVerbatim) {
  EXPECT_EQ(csv("host-name", "tpr-host"), ascii("tpr-host"));
  EXPECT_EQ(csv("dhcp-message", "hello, world ,x"), ascii("hello, world ,x"));
  // RFC 2132 section 3.17: domain-name is an ASCII string, not RFC 1035 labels.
  EXPECT_EQ(csv("domain-name", "example.org"), ascii("example.org"));
  EXPECT_NE(csvError("host-name", "").find("empty"), std::string::npos);
}

TEST(OptionData, SingleFqdnIsLabels) {
  EXPECT_EQ(csv("v4-lost", "lost.example.com"),
            (Bytes{4, 'l', 'o', 's', 't', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0}));
  EXPECT_EQ(csv("v4-lost", "example.com."), csv("v4-lost", "example.com"));
}

TEST(OptionData, DomainNameEncoding) {
  EXPECT_EQ(*encodeDomainName("example.com"), (Bytes{7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0}));
  EXPECT_EQ(*encodeDomainName("."), (Bytes{0}));
  EXPECT_EQ(*encodeDomainName("a"), (Bytes{1, 'a', 0}));
  std::string label63(63, 'x');
  EXPECT_TRUE(encodeDomainName(label63 + ".com").ok());
  EXPECT_NE(encodeDomainName(label63 + "x.com").error().message.find("63"), std::string::npos);
  EXPECT_FALSE(encodeDomainName("").ok());
  EXPECT_FALSE(encodeDomainName("a..b").ok());
  EXPECT_FALSE(encodeDomainName(".a").ok());
  EXPECT_FALSE(encodeDomainName("a b.com").ok());
  // RFC 1035 3.1: 255 octets in wire form at most.
  std::string name;
  for (int i = 0; i < 4; ++i) name += std::string(62, 'a') + ".";
  name.pop_back();  // 4 * 63 - 1 = 251 chars -> 253 wire octets
  EXPECT_TRUE(encodeDomainName(name).ok());
  EXPECT_TRUE(encodeDomainName(name + ".b").ok());   // 255
  EXPECT_FALSE(encodeDomainName(name + ".bc").ok()); // 256
}

// RFC 3397 section 2's example, with compression, byte for byte.
TEST(OptionData, DomainSearchRfc3397Example) {
  const Bytes expected = {3, 'e', 'n', 'g', 5, 'a', 'p', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
                          9, 'm', 'a', 'r', 'k', 'e', 't', 'i', 'n', 'g', 0xc0, 0x04};
  EXPECT_EQ(csv("domain-search", "eng.apple.com., marketing.apple.com."), expected);
  EXPECT_EQ(csv("domain-search", "eng.apple.com,marketing.apple.com"), expected);
  // The payload survives a trip through the packet codec.
  Packet4 p;
  p.op = Packet4::kBootReply;
  p.set(opt::kMessageType, {5});
  p.set(opt::kDomainSearch, expected);
  auto d = decode(encode(p).bytes);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->find(opt::kDomainSearch)->data, expected);
}

TEST(OptionData, DomainSearchRepeatsAndPointersToWholeNames) {
  // The second name is fully a suffix of the first: a lone pointer to offset 4.
  EXPECT_EQ(csv("domain-search", "a.example, example"),
            (Bytes{1, 'a', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0, 0xc0, 0x02}));
  EXPECT_EQ(csv("domain-search", "x.org, x.org"), (Bytes{1, 'x', 3, 'o', 'r', 'g', 0, 0xc0, 0x00}));
  csvError("domain-search", "a.org, , b.org");
  csvError("domain-search", "");
}

TEST(OptionData, OtherFqdnListsAreNotCompressed) {
  EXPECT_EQ(csv("sip-ua-cs-domains", "a.org, b.org"),
            (Bytes{1, 'a', 3, 'o', 'r', 'g', 0, 1, 'b', 3, 'o', 'r', 'g', 0}));
}

TEST(OptionData, DomainListOffsetsAreRelativeToStartOfOut) {
  Bytes out = {0xaa};
  const std::string_view names[] = {"a.org", "b.org"};
  ASSERT_TRUE(encodeDomainList(names, true, out).ok());
  EXPECT_EQ(out, (Bytes{0xaa, 1, 'a', 3, 'o', 'r', 'g', 0, 1, 'b', 0xc0, 0x02}));
}

TEST(OptionData, ClasslessStaticRoutesRfc3442) {
  EXPECT_EQ(csv("classless-static-route", "198.18.0.0/15 - 198.18.0.1, 0.0.0.0/0 - 198.18.0.254"),
            (Bytes{15, 198, 18, 198, 18, 0, 1, 0, 198, 18, 0, 254}));
  EXPECT_EQ(csv("classless-static-route", "198.18.5.1/32-198.18.0.1"), (Bytes{32, 198, 18, 5, 1, 198, 18, 0, 1}));
  EXPECT_EQ(csv("classless-static-route", "198.18.128.0/17 - 198.18.0.1"), (Bytes{17, 198, 18, 128, 198, 18, 0, 1}));
  EXPECT_NE(csvError("classless-static-route", "198.18.0.1/15 - 198.18.0.1").find("bits"), std::string::npos);
  csvError("classless-static-route", "198.18.0.0/15");
  csvError("classless-static-route", "198.18.0.0/33 - 198.18.0.1");
  csvError("classless-static-route", "198.18.0.0/15 - router");
}

TEST(OptionData, Records) {
  // RFC 4702: flags, rcode1, rcode2, then the name in labels.
  EXPECT_EQ(csv("fqdn", "5, 0, 0, h.example"),
            (Bytes{5, 0, 0, 1, 'h', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0}));
  EXPECT_EQ(csv("client-ndi", "1, 2, 1"), (Bytes{1, 2, 1}));
  EXPECT_EQ(csv("uuid-guid", "0, 0102030405"), (Bytes{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(csv("vivco-suboptions", "4491, 0a:0b"), (Bytes{0, 0, 0x11, 0x8b, 0x0a, 0x0b}));
  // A trailing string field keeps its commas.
  EXPECT_EQ(csv("slp-service-scope", "true, scope1, scope2"), (Bytes{1, 's', 'c', 'o', 'p', 'e', '1', ',', ' ', 's',
                                                                      'c', 'o', 'p', 'e', '2'}));
  // Record arrays repeat the last field (RFC 5969 border relays).
  Bytes sixrd = {16, 32, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 198, 18, 0, 1, 198, 18, 0, 2};
  EXPECT_EQ(csv("option-6rd", "16, 32, 2001:db8::, 198.18.0.1, 198.18.0.2"), sixrd);
  EXPECT_NE(csvError("client-ndi", "1, 2").find("3 comma separated fields"), std::string::npos);
  csvError("client-ndi", "1, 2, 3, 4");
  EXPECT_NE(csvError("fqdn", "5, 0, 300, h.example").find("field 3"), std::string::npos);
  csvError("option-6rd", "16, 32, not-v6, 198.18.0.1");
}

TEST(OptionData, HexForms) {
  const Bytes abc = {0x0a, 0x0b, 0x0c};
  for (std::string_view text : {"0a0b0c", "0x0a0b0c", "0X0A0B0C", "0a:0b:0c", "0a 0b 0c", "a:b:c", " 0a0b0c "}) {
    auto r = encodeOptionData(nullptr, text, false);
    ASSERT_TRUE(r.ok()) << text;
    EXPECT_EQ(*r, abc) << text;
  }
  EXPECT_EQ(*encodeOptionData(nullptr, "abc", false), (Bytes{0x0a, 0xbc}));  // odd: Kea adds a leading 0
  EXPECT_EQ(*encodeOptionData(nullptr, "", false), Bytes{});
  EXPECT_EQ(*encodeOptionData(nullptr, "'tpr text'", false), ascii("tpr text"));
  // csv-format false overrides the definition: routers as raw hex.
  EXPECT_EQ(*encodeOptionData(findOptionDef("routers"), "c6120001", false), (Bytes{198, 18, 0, 1}));
  // Binary-typed definitions take hex in csv-format true as well (as Kea does).
  EXPECT_EQ(csv("dhcp-client-identifier", "01:00:0c:29:aa:bb:cc"), (Bytes{1, 0, 0x0c, 0x29, 0xaa, 0xbb, 0xcc}));
  EXPECT_EQ(csv("dhcp-agent-options", "0103657430"), (Bytes{1, 3, 'e', 't', '0'}));
  for (std::string_view bad : {"zz", "0a:", "0a::0b", "0a:0b 0c", "0a:123", "0xg0"}) {
    auto r = encodeOptionData(nullptr, bad, false);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_NE(r.error().message.find("hex"), std::string::npos) << r.error().message;
    }
  }
}

TEST(OptionData, UnknownCodeNeedsHex) {
  auto r = encodeOptionData(nullptr, "1, 2", true);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("csv-format"), std::string::npos);
}

TEST(OptionData, EmptyTypeTakesNoData) {
  const OptionDef flag{80, "rapid-commit", T::Empty};
  EXPECT_EQ(*encodeOptionData(&flag, "", true), Bytes{});
  EXPECT_EQ(*encodeOptionData(&flag, "  ", true), Bytes{});
  EXPECT_FALSE(encodeOptionData(&flag, "1", true).ok());
}

TEST(OptionData, ScalarArrayFlagMeansList) {
  const OptionDef u32s{222, "test-u32s", T::Uint32, true};
  EXPECT_EQ(*encodeOptionData(&u32s, "1, 2", true), (Bytes{0, 0, 0, 1, 0, 0, 0, 2}));
  const OptionDef v6{223, "test-v6", T::Ipv6Address};
  EXPECT_EQ(encodeOptionData(&v6, "::1", true)->back(), 1);
  const OptionDef i16{224, "test-i16", T::Int16};
  EXPECT_EQ(*encodeOptionData(&i16, "-2", true), (Bytes{0xff, 0xfe}));
  const OptionDef i8{225, "test-i8", T::Int8};
  EXPECT_FALSE(encodeOptionData(&i8, "128", true).ok());
}

}  // namespace
}  // namespace tandem::proto
