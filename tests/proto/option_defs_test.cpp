// Option definitions and Kea's option-data text forms.
#include "dhcpd/proto/option_defs.h"

#include <gtest/gtest.h>

#include <set>
#include <utility>

#include "dhcpd/proto/option_def_set.h"
#include "dhcpd/proto/packet4.h"
#include "dhcpd/proto/sub_options.h"

namespace tandem::proto {
namespace {

using Bytes = std::vector<std::uint8_t>;
using T = OptionType;

Bytes ascii(std::string_view s) { return Bytes(s.begin(), s.end()); }
Bytes operator+(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

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
      {1, "subnet-mask"},
      {2, "time-offset"},
      {3, "routers"},
      {4, "time-servers"},
      {5, "name-servers"},
      {6, "domain-name-servers"},
      {7, "log-servers"},
      {8, "cookie-servers"},
      {9, "lpr-servers"},
      {10, "impress-servers"},
      {11, "resource-location-servers"},
      {12, "host-name"},
      {13, "boot-size"},
      {14, "merit-dump"},
      {15, "domain-name"},
      {16, "swap-server"},
      {17, "root-path"},
      {18, "extensions-path"},
      {19, "ip-forwarding"},
      {20, "non-local-source-routing"},
      {21, "policy-filter"},
      {22, "max-dgram-reassembly"},
      {23, "default-ip-ttl"},
      {24, "path-mtu-aging-timeout"},
      {25, "path-mtu-plateau-table"},
      {26, "interface-mtu"},
      {27, "all-subnets-local"},
      {28, "broadcast-address"},
      {29, "perform-mask-discovery"},
      {30, "mask-supplier"},
      {31, "router-discovery"},
      {32, "router-solicitation-address"},
      {33, "static-routes"},
      {34, "trailer-encapsulation"},
      {35, "arp-cache-timeout"},
      {36, "ieee802-3-encapsulation"},
      {37, "default-tcp-ttl"},
      {38, "tcp-keepalive-interval"},
      {39, "tcp-keepalive-garbage"},
      {40, "nis-domain"},
      {41, "nis-servers"},
      {42, "ntp-servers"},
      {43, "vendor-encapsulated-options"},
      {44, "netbios-name-servers"},
      {45, "netbios-dd-server"},
      {46, "netbios-node-type"},
      {47, "netbios-scope"},
      {48, "font-servers"},
      {49, "x-display-manager"},
      {50, "dhcp-requested-address"},
      {51, "dhcp-lease-time"},
      {52, "dhcp-option-overload"},
      {53, "dhcp-message-type"},
      {54, "dhcp-server-identifier"},
      {55, "dhcp-parameter-request-list"},
      {56, "dhcp-message"},
      {57, "dhcp-max-message-size"},
      {58, "dhcp-renewal-time"},
      {59, "dhcp-rebinding-time"},
      {60, "vendor-class-identifier"},
      {61, "dhcp-client-identifier"},
      {62, "nwip-domain-name"},
      {64, "nisplus-domain-name"},
      {65, "nisplus-servers"},
      {66, "tftp-server-name"},
      {67, "boot-file-name"},
      {68, "mobile-ip-home-agent"},
      {69, "smtp-server"},
      {70, "pop-server"},
      {71, "nntp-server"},
      {72, "www-server"},
      {73, "finger-server"},
      {74, "irc-server"},
      {75, "streettalk-server"},
      {76, "streettalk-directory-assistance-server"},
      {77, "user-class"},
      {81, "fqdn"},
      {82, "dhcp-agent-options"},
      {85, "nds-servers"},
      {86, "nds-tree-name"},
      {87, "nds-context"},
      {88, "bcms-controller-names"},
      {89, "bcms-controller-address"},
      {93, "client-system"},
      {94, "client-ndi"},
      {97, "uuid-guid"},
      {98, "uap-servers"},
      {99, "geoconf-civic"},
      {100, "pcode"},
      {101, "tcode"},
      {108, "v6-only-preferred"},
      {112, "netinfo-server-address"},
      {113, "netinfo-server-tag"},
      {114, "v4-captive-portal"},
      {116, "auto-config"},
      {117, "name-service-search"},
      {118, "subnet-selection"},
      {119, "domain-search"},
      {124, "vivco-suboptions"},
      {125, "vivso-suboptions"},
      {136, "pana-agent"},
      {137, "v4-lost"},
      {138, "capwap-ac-v4"},
      {141, "sip-ua-cs-domains"},
      {146, "rdnss-selection"},
      {159, "v4-portparams"},
      {212, "option-6rd"},
      {213, "v4-access-domain"},
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
  // Not defined by Kea 2.2 (kea-dhcp4 2.2.0 -t: "definition for the option 'dhcp4.' having
  // code '121' does not exist"): they need an option-def or hex data.
  for (int code : {80, 95, 96, 120, 121, 150, 162, 252}) EXPECT_EQ(findOptionDef(std::uint8_t(code)), nullptr) << code;
  EXPECT_EQ(findOptionDef("classless-static-route"), nullptr);
  EXPECT_EQ(findOptionDef("default-url"), nullptr);
}

TEST(OptionDefs, TableIsSortedUniqueAndRecordsHaveFields) {
  std::set<std::string> names;
  int last = 0;
  for (const auto& d : standardOptionDefs()) {
    EXPECT_GT(d.code, last) << d.name;
    last = d.code;
    EXPECT_TRUE(names.insert(d.name).second) << d.name;
    EXPECT_EQ(d.type == T::Record, d.recordFields.size() >= 2) << d.name;
    EXPECT_NE(toString(d.type), "unknown");
    EXPECT_EQ(d.space, "dhcp4");
  }
  EXPECT_EQ(standardOptionDefs().size(), 113u);  // kea-dhcp4 2.2.0 defines 114 codes, 43 is last-resort
}

TEST(OptionDefs, KeaTypes) {
  const std::pair<std::string_view, T> expected[] = {
      {"subnet-mask", T::Ipv4Address},
      {"routers", T::Ipv4Address},
      {"domain-name", T::String},
      {"domain-search", T::Fqdn},
      {"host-name", T::String},
      {"dhcp-lease-time", T::Uint32},
      {"ip-forwarding", T::Boolean},
      {"interface-mtu", T::Uint16},
      {"static-routes", T::Ipv4Address},
      {"time-offset", T::Int32},
      {"dhcp-parameter-request-list", T::Uint8},
      {"path-mtu-plateau-table", T::Uint16},
      {"dhcp-client-identifier", T::Binary},
      {"dhcp-agent-options", T::Empty},
      {"fqdn", T::Record},
      {"v4-lost", T::Fqdn},
      {"vivso-suboptions", T::Uint32},
      {"v4-portparams", T::Record},
      {"vendor-encapsulated-options", T::Empty},
      {"v6-only-preferred", T::Uint32},
      {"v4-captive-portal", T::String},
  };
  for (const auto& [name, type] : expected) EXPECT_EQ(findOptionDef(name)->type, type) << name;
  EXPECT_TRUE(findOptionDef("routers")->array);
  EXPECT_TRUE(findOptionDef("domain-search")->array);
  EXPECT_FALSE(findOptionDef("subnet-mask")->array);
  EXPECT_EQ(findOptionDef("v4-portparams")->recordFields, (std::vector<T>{T::Uint8, T::Psid}));
  EXPECT_EQ(findOptionDef("vendor-encapsulated-options")->encapsulate, "vendor-encapsulated-options-space");
  EXPECT_EQ(findOptionDef("dhcp-agent-options")->encapsulate, "dhcp-agent-options-space");
  // 43 is Kea's last-resort definition: not standard, so an option-def may replace it.
  EXPECT_FALSE(isStandardOption("dhcp4", std::uint8_t{43}));
  EXPECT_TRUE(isStandardOption("dhcp4", std::uint8_t{3}));
  EXPECT_TRUE(isStandardOption("dhcp4", std::string_view("routers")));
  EXPECT_FALSE(isStandardOption("my-space", std::uint8_t{3}));
  // DOCSIS 3 (vendor-4491): the vendor ORO and TFTP servers.
  ASSERT_NE(findStandardOptionDef("vendor-4491", std::uint8_t{2}), nullptr);
  EXPECT_EQ(findStandardOptionDef("vendor-4491", std::uint8_t{2})->name, "tftp-servers");
  EXPECT_EQ(findStandardOptionDef("vendor-4491", "oro")->code, 1);
  EXPECT_EQ(findStandardOptionDef("vendor-4491", std::uint8_t{3}), nullptr);
  EXPECT_EQ(findStandardOptionDef("dhcp-agent-options-space", "circuit-id"), nullptr);  // none in Kea 2.2
}

TEST(OptionDefs, TypeNamesRoundTrip) {
  for (std::string_view n :
       {"empty", "binary", "boolean", "int8", "int16", "int32", "uint8", "uint16", "uint32", "ipv4-address",
        "ipv6-address", "ipv6-prefix", "psid", "record", "string", "tuple", "fqdn"}) {
    auto t = parseOptionType(n);
    ASSERT_TRUE(t) << n;
    EXPECT_EQ(toString(*t), n);
  }
  EXPECT_FALSE(parseOptionType("uint64"));
  EXPECT_FALSE(parseOptionType("ipv4-address array"));
}

TEST(OptionDefs, NamesAndSpaces) {
  for (std::string_view ok : {"a", "a_b", "A9", "123", "my-space", "vendor-4491"})
    EXPECT_TRUE(isValidSpaceName(ok)) << ok;
  for (std::string_view bad : {"", "x y", "a.b", "-x", "x-", "_x", "x_"}) EXPECT_FALSE(isValidSpaceName(bad)) << bad;
  EXPECT_EQ(vendorSpaceId("vendor-4491"), 4491u);
  EXPECT_EQ(vendorSpaceId("vendor-0"), 0u);
  EXPECT_FALSE(vendorSpaceId("vendor-"));
  EXPECT_FALSE(vendorSpaceId("vendor-x"));
  EXPECT_FALSE(vendorSpaceId("dhcp4"));
}

TEST(OptionDefSet, CustomDefinitionsAndLastResort) {
  OptionDefSet defs;
  EXPECT_EQ(defs.find("dhcp4", std::uint8_t{43})->type, T::Empty);  // last resort
  OptionDef mine;
  mine.code = 43;
  mine.name = "my-vendor";
  mine.type = T::String;
  defs.add(mine);
  EXPECT_EQ(defs.find("dhcp4", std::uint8_t{43})->name, "my-vendor");
  EXPECT_EQ(defs.find("dhcp4", "my-vendor")->code, 43);
  EXPECT_EQ(defs.find("dhcp4", "vendor-encapsulated-options")->name, "vendor-encapsulated-options");
  OptionDef sub;
  sub.code = 1;
  sub.name = "sub";
  sub.space = "my-space";
  sub.type = T::Uint8;
  defs.add(sub);
  EXPECT_EQ(defs.find("my-space", std::uint8_t{1})->name, "sub");
  EXPECT_EQ(defs.find("other", std::uint8_t{1}), nullptr);
  EXPECT_EQ(defs.find("vendor-4491", "tftp-servers")->code, 2);
  OptionDef classDef = mine;
  classDef.type = T::Uint32;
  defs.addOverride(classDef);
  EXPECT_EQ(defs.find("dhcp4", std::uint8_t{43})->type, T::Uint32);
  EXPECT_EQ(defs.findCustom("dhcp4", std::uint8_t{43})->type, T::String);
}

TEST(OptionData, Ipv4Forms) {
  EXPECT_EQ(csv("subnet-mask", "255.255.255.0"), (Bytes{255, 255, 255, 0}));
  EXPECT_EQ(csv("routers", "198.18.0.1"), (Bytes{198, 18, 0, 1}));
  // Kea's tokens: empty values dropped (also after a trailing comma), then blanks trimmed,
  // so a value of blanks only is an empty address (checked with kea-dhcp4 2.2.0 -t).
  EXPECT_EQ(csv("domain-name-servers", " 198.18.0.1 ,198.18.0.2,,  198.19.0.3,"),
            (Bytes{198, 18, 0, 1, 198, 18, 0, 2, 198, 19, 0, 3}));
  EXPECT_EQ(csvError("routers", "198.18.0.1, "), "Failed to convert string to address '': Invalid argument");
  EXPECT_EQ(csvError("routers", "198.18.0.1, 198.18.0.300"),
            "Failed to convert string to address '198.18.0.300': Invalid argument");
  EXPECT_EQ(csv("routers", ""), Bytes{});  // an array may be empty
  // A single-valued type takes the first value.
  EXPECT_EQ(csv("subnet-mask", "255.255.255.0, 255.0.0.0"), (Bytes{255, 255, 255, 0}));
  EXPECT_EQ(csvError("subnet-mask", ""), "no option value specified");
  csvError("subnet-mask", "example.com");
  csvError("routers", "2001:db8::1");
}

TEST(OptionData, AddressPairsAreArraysToKea) {
  EXPECT_EQ(csv("static-routes", "198.18.0.0, 198.18.0.1, 198.19.0.0"),
            (Bytes{198, 18, 0, 0, 198, 18, 0, 1, 198, 19, 0, 0}));
}

TEST(OptionData, IntegersAsKeaReadsThem) {
  EXPECT_EQ(csv("default-ip-ttl", "64"), (Bytes{64}));
  EXPECT_EQ(csv("interface-mtu", "1500"), (Bytes{0x05, 0xdc}));
  EXPECT_EQ(csv("dhcp-lease-time", "4294967295"), (Bytes{0xff, 0xff, 0xff, 0xff}));
  EXPECT_EQ(csv("dhcp-lease-time", " 3600 "), (Bytes{0, 0, 0x0e, 0x10}));
  EXPECT_EQ(csv("boot-size", "0x10"), (Bytes{0, 0x10}));
  EXPECT_EQ(csv("boot-size", "010"), (Bytes{0, 10}));  // decimal, not octal
  EXPECT_EQ(csv("boot-size", "+5"), (Bytes{0, 5}));
  EXPECT_EQ(csv("default-ip-ttl", "ff"), (Bytes{0xff}));  // not decimal, so read as hex
  EXPECT_EQ(csv("time-offset", "-1"), (Bytes{0xff, 0xff, 0xff, 0xff}));
  EXPECT_EQ(csv("time-offset", "-3600"), (Bytes{0xff, 0xff, 0xf1, 0xf0}));
  EXPECT_EQ(csv("time-offset", "-0x10"), (Bytes{0xff, 0xff, 0xff, 0xf0}));
  EXPECT_EQ(csvError("default-ip-ttl", "256"),
            "unable to convert '256' to numeric type. This value is expected to be in the range of 0..255");
  EXPECT_EQ(csvError("default-ip-ttl", "-1"),
            "unable to convert '-1' to numeric type. This value is expected to be in the range of 0..255");
  EXPECT_EQ(csvError("interface-mtu", "12abc"),
            "unable to convert '12abc' to numeric type. This value is expected to be in the range of 0..65535");
  EXPECT_EQ(csvError("interface-mtu", "1.5"), "unable to convert the value '1.5' to integer data type");
  csvError("dhcp-lease-time", "4294967296");
  csvError("dhcp-lease-time", "99999999999999999999999");
  csvError("time-offset", "2147483648");
  EXPECT_EQ(csvError("dhcp-lease-time", ""), "no option value specified");
}

TEST(OptionData, Booleans) {
  EXPECT_EQ(csv("ip-forwarding", "true"), (Bytes{1}));
  EXPECT_EQ(csv("ip-forwarding", "FALSE"), (Bytes{0}));
  EXPECT_EQ(csv("ip-forwarding", "1"), (Bytes{1}));
  EXPECT_EQ(csv("ip-forwarding", "0"), (Bytes{0}));
  EXPECT_EQ(csv("ip-forwarding", " True "), (Bytes{1}));
  EXPECT_EQ(csvError("ip-forwarding", "yes"), "unable to covert the value 'yes' to boolean data type");
  EXPECT_EQ(csvError("ip-forwarding", "2"), "unable to convert '2' to boolean data type");
}

TEST(OptionData, StringsTakeTheFirstValue) {
  EXPECT_EQ(csv("host-name", "tpr-host"), ascii("tpr-host"));
  // Kea splits every CSV text on commas; a string takes its first value, "\," keeps a comma.
  EXPECT_EQ(csv("host-name", "a, b c"), ascii("a"));
  EXPECT_EQ(csv("host-name", "a\\, b"), ascii("a, b"));
  // RFC 2132 section 3.17: domain-name is an ASCII string, not RFC 1035 labels.
  EXPECT_EQ(csv("domain-name", "example.org"), ascii("example.org"));
  EXPECT_EQ(csvError("host-name", ""), "no option value specified");
}

TEST(OptionData, FqdnsAreLabelsNeverCompressed) {
  EXPECT_EQ(csv("v4-lost", "lost.example.com"),
            (Bytes{4, 'l', 'o', 's', 't', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0}));
  EXPECT_EQ(csv("v4-lost", "example.com."), csv("v4-lost", "example.com"));
  EXPECT_EQ(csv("v4-lost", "Ex.ORG"), (Bytes{2, 'E', 'x', 3, 'O', 'R', 'G', 0}));  // case kept
  // Kea 2.2 writes domain-search (RFC 3397) without compression.
  EXPECT_EQ(csv("domain-search", "a.org, b.a.org"),
            (Bytes{1, 'a', 3, 'o', 'r', 'g', 0, 1, 'b', 1, 'a', 3, 'o', 'r', 'g', 0}));
  EXPECT_EQ(csvError("v4-lost", "a..b"), "duplicate period in a..b");
  EXPECT_EQ(*encodeDomainName("."), (Bytes{0}));
  std::string label63(63, 'x');
  EXPECT_TRUE(encodeDomainName(label63 + ".com").ok());
  EXPECT_FALSE(encodeDomainName(label63 + "x.com").ok());
  std::string name;
  for (int i = 0; i < 4; ++i) name += std::string(62, 'a') + ".";
  name.pop_back();
  EXPECT_TRUE(encodeDomainName(name + ".b").ok());    // 255 octets
  EXPECT_FALSE(encodeDomainName(name + ".bc").ok());  // 256
}

TEST(OptionData, Records) {
  // RFC 4702 with the E flag: labels.
  EXPECT_EQ(csv("fqdn", "5, 0, 0, h.example"), (Bytes{5, 0, 0, 1, 'h', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0}));
  // Without it Kea 2.2 sends the DNS text escapes of the labels (byte for byte from kea-dhcp4).
  EXPECT_EQ(csv("fqdn", "1, 2, 3, host.example.org."), (Bytes{1, 2, 3}) + ascii("\\004host\\007example\\003org\\000"));
  EXPECT_EQ(csv("client-ndi", "1, 2, 1"), (Bytes{1, 2, 1}));
  EXPECT_EQ(csv("client-ndi", "1, 2, 1, 4"), (Bytes{1, 2, 1}));  // extra values ignored
  EXPECT_EQ(csv("uuid-guid", "0, 0102030405"), (Bytes{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(csv("vivco-suboptions", "4491, 0a0b"), (Bytes{0, 0, 0x11, 0x8b, 0x0a, 0x0b}));
  EXPECT_EQ(csv("slp-service-scope", "true, scope1, scope2"), (Bytes{1}) + ascii("scope1"));
  // Record arrays repeat the last field (RFC 5969 border relays).
  Bytes sixrd = {16, 32, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 198, 18, 0, 1, 198, 18, 0, 2};
  EXPECT_EQ(csv("option-6rd", "16, 32, 2001:db8::, 198.18.0.1, 198.18.0.2"), sixrd);
  EXPECT_EQ(csvError("client-ndi", "1, 2"),
            "number of data fields for the option type '94' is greater than number of values provided.");
  csvError("option-6rd", "16, 32, not-v6, 198.18.0.1");
  // RFC 7618: offset, PSID length, PSID left-aligned in 16 bits.
  EXPECT_EQ(csv("v4-portparams", "2, 0x34/6"), (Bytes{2, 6, 0xd0, 0x00}));
  EXPECT_EQ(csvError("v4-portparams", "2, 1/17"), "invalid value 17 of PSID length");
  EXPECT_EQ(csvError("v4-portparams", "2, 16/4"), "invalid PSID value 16 for a specified PSID length 4");
  EXPECT_EQ(csvError("v4-portparams", "2, 5"), "provided PSID value 5 is not valid");
}

TEST(OptionData, CustomTypes) {
  auto def = [](T type, bool array = false) {
    OptionDef d;
    d.code = 200;
    d.name = "x";
    d.type = type;
    d.array = array;
    return d;
  };
  auto enc = [](const OptionDef& d, std::string_view text) {
    auto r = encodeOptionData(&d, text, true);
    EXPECT_TRUE(r.ok()) << text << ": " << (r.ok() ? "" : r.error().message);
    return r.ok() ? *r : Bytes{0xee};
  };
  EXPECT_EQ(enc(def(T::Int8), "-128"), (Bytes{0x80}));
  EXPECT_FALSE(encodeOptionData(&*std::make_unique<OptionDef>(def(T::Int8)), "128", true).ok());
  EXPECT_EQ(enc(def(T::Int16, true), "-1, 1"), (Bytes{0xff, 0xff, 0, 1}));
  EXPECT_EQ(enc(def(T::Ipv6Address), "2001:db8::1"),
            (Bytes{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}));
  EXPECT_EQ(encodeOptionData(&*std::make_unique<OptionDef>(def(T::Ipv6Address)), "198.18.0.1", true).error().message,
            "option buffer truncated");
  EXPECT_EQ(enc(def(T::Ipv6Prefix, true), "2001:db8::/32, 3000::/4"), (Bytes{32, 0x20, 0x01, 0x0d, 0xb8, 4, 0x30}));
  EXPECT_EQ(enc(def(T::Ipv6Prefix), "2001:db8:1:ffff::/49"), (Bytes{49, 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0x80}));
  EXPECT_EQ(enc(def(T::Psid, true), "1/8, 2/16"), (Bytes{8, 1, 0, 16, 0, 2}));
  EXPECT_EQ(enc(def(T::Tuple, true), "one, two"), (Bytes{3, 'o', 'n', 'e', 3, 't', 'w', 'o'}));
  EXPECT_EQ(enc(def(T::Binary), "de ad"), (Bytes{0xde, 0xad}));
  EXPECT_FALSE(encodeOptionData(&*std::make_unique<OptionDef>(def(T::Binary)), "de:ad", true).ok());
  EXPECT_EQ(enc(def(T::Empty), ""), Bytes{});
  EXPECT_FALSE(encodeOptionData(&*std::make_unique<OptionDef>(def(T::Empty)), "01", true).ok());
  OptionDef rec = def(T::Record, true);
  rec.recordFields = {T::Uint8, T::Uint16};
  EXPECT_EQ(enc(rec, "1, 2, 3, 4"), (Bytes{1, 0, 2, 0, 3, 0, 4}));
}

TEST(OptionData, HexForms) {
  const Bytes abc = {0x0a, 0x0b, 0x0c};
  for (std::string_view text : {"0a0b0c", "0x0a0b0c", "0A0B0C", "0a:0b:0c", "0a 0b 0c", "a:b:c", "0xa0b0c"}) {
    auto r = decodeHexData(text);
    ASSERT_TRUE(r.ok()) << text;
    EXPECT_EQ(*r, abc) << text;
  }
  EXPECT_EQ(*decodeHexData("abc"), (Bytes{0x0a, 0xbc}));  // odd: Kea adds a leading 0
  EXPECT_EQ(*decodeHexData(""), Bytes{});
  EXPECT_EQ(*decodeHexData("'tpr text'"), ascii("tpr text"));
  // csv-format false overrides the definition: routers as raw hex.
  EXPECT_EQ(*encodeOptionData(findOptionDef("routers"), "c6120001", false), (Bytes{198, 18, 0, 1}));
  for (std::string_view bad : {"zz", "0a:", "0a::0b", "0a:0b 0c", "0a:123", "0xg0", "0x", " 0a0b0c ", "0X0A"}) {
    auto r = decodeHexData(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.error().message, "option data is not a valid string of hexadecimal digits: " + std::string(bad));
    }
  }
}

TEST(SubOptions, PackSortsParseStopsAtTruncation) {
  Bytes out;
  packSubOptions({Option{2, {0xff}}, Option{1, {1}}, Option{2, {0xee}}}, out);
  EXPECT_EQ(out, (Bytes{1, 1, 1, 2, 1, 0xff, 2, 1, 0xee}));
  auto subs = unpackSubOptions(Bytes{1, 2, 0xa, 0xb, 3, 5, 1});
  ASSERT_EQ(subs.size(), 1u);
  EXPECT_EQ(subs[0].code, 1);
  EXPECT_TRUE(unpackSubOptions(Bytes{1, 2}).empty());
}

TEST(SubOptions, VendorBlocks) {
  auto b = parseVendorBlock(Bytes{0, 0, 0x30, 0x39, 5, 1, 3, 'a', 'b', 'c', 0});
  ASSERT_TRUE(b);
  EXPECT_EQ(b->enterprise, 12345u);
  ASSERT_EQ(b->subs.size(), 1u);
  EXPECT_EQ(packVendorBlock(*b), (Bytes{0, 0, 0x30, 0x39, 5, 1, 3, 'a', 'b', 'c'}));
  EXPECT_FALSE(parseVendorBlock(Bytes{0, 0, 0x30, 0x39, 1, 0}));     // sub-option without length
  EXPECT_FALSE(parseVendorBlock(Bytes{0, 0, 0x30, 0x39, 2, 1, 1}));  // sub-option past data-len
  EXPECT_FALSE(parseVendorBlock(Bytes{0, 0, 0x30, 0x39}));
  auto empty = parseVendorBlock(Bytes{0, 0, 3, 9, 0, 0, 0, 0x30, 0x39, 0});  // only the first block counts
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->enterprise, 777u);
  EXPECT_TRUE(empty->subs.empty());
}

}  // namespace
}  // namespace tandem::proto
