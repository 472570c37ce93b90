// Client names (options 12 and 81) as kea-dhcp4 2.2 answers them; every expectation here is
// Kea's answer to the same packet and settings, recorded by tests/difftest/scenarios/ddns.py.
#include "dhcpd/engine/client_name.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "tests/engine/engine_fixture.h"

namespace tandem::test {
namespace {

using config::DdnsSettings;
using config::ReplaceClientName;
using engine::ClientName;
using engine::ClientNameRules;
using Bytes = std::vector<std::uint8_t>;

const Ipv4 kAddr = ip("198.18.0.104");

Bytes cat(Bytes a, const Bytes& c) {
  a.insert(a.end(), c.begin(), c.end());
  return a;
}

Packet4 withHostname(std::string_view name) {
  Packet4 p;
  p.set(opt::kHostName, bytes(name));
  return p;
}

Packet4 withFqdn(std::uint8_t flags, const Bytes& name, std::uint8_t rc1 = 0, std::uint8_t rc2 = 0) {
  Packet4 p;
  p.set(opt::kClientFqdn, cat(Bytes{flags, rc1, rc2}, name));
  return p;
}

std::string optText(const ClientName& n) {
  if (!n.option) return "<none>";
  return std::string(n.option->data.begin(), n.option->data.end());
}

// Option 81's flags and the name as text (ASCII encoding).
std::pair<int, std::string> fqdnOf(const ClientName& n) {
  EXPECT_TRUE(n.option && n.option->code == opt::kClientFqdn);
  if (!n.option || n.option->data.size() < 3) return {-1, ""};
  return {n.option->data[0], std::string(n.option->data.begin() + 3, n.option->data.end())};
}

DdnsSettings suffixed(std::string suffix, ReplaceClientName mode = ReplaceClientName::Never) {
  DdnsSettings s;
  s.qualifyingSuffix = std::move(suffix);
  s.replaceClientName = mode;
  return s;
}

TEST(ClientNameRules, QualifyNameAsKea22) {
  ClientNameRules r(suffixed("example.org"), false);
  EXPECT_EQ(r.qualifyName("host", false), "host.example.org");
  EXPECT_EQ(r.qualifyName("host", true), "host.example.org.");
  // Kea 2.2 appends the suffix even after a trailing dot, but not when already there (as
  // whole labels, case-sensitively, ignoring trailing dots).
  EXPECT_EQ(r.qualifyName("host.", false), "host.example.org");
  EXPECT_EQ(r.qualifyName("host.example.org", true), "host.example.org.");
  EXPECT_EQ(r.qualifyName("host.example.org.", false), "host.example.org");
  EXPECT_EQ(r.qualifyName("host.barexample.org", false), "host.barexample.org.example.org");
  EXPECT_EQ(ClientNameRules(suffixed("Example.org"), false).qualifyName("h.example.org", true),
            "h.example.org.Example.org.");
  EXPECT_EQ(r.qualifyName("", false), "example.org");
  ClientNameRules none(DdnsSettings{}, false);
  EXPECT_EQ(none.qualifyName("host.", false), "host");
  EXPECT_EQ(none.qualifyName("host", true), "host.");
  EXPECT_EQ(none.qualifyName("", true), "");
  ClientNameRules dotted(suffixed("example.org."), false);
  EXPECT_EQ(dotted.qualifyName("host", false), "host.example.org");
}

TEST(ClientNameRules, GenerateFqdn) {
  DdnsSettings s = suffixed("example.org");
  s.generatedPrefix = "gen";
  ClientNameRules r(s, false);
  EXPECT_EQ(r.generateFqdn(kAddr, false), "gen-198-18-0-104.example.org");
  EXPECT_EQ(r.generateFqdn(kAddr, true), "gen-198-18-0-104.example.org.");
  EXPECT_EQ(ClientNameRules().generateFqdn(kAddr, false), "myhost-198-18-0-104");
}

TEST(ClientNameRules, HostnameDefaults) {
  ClientNameRules r;
  auto n = r.resolve(withHostname("Host-A.Example.COM"), nullptr, kAddr);
  EXPECT_EQ(optText(n), "host-a.example.com");
  EXPECT_EQ(n.hostname, "host-a.example.com");
  EXPECT_FALSE(n.fqdnFwd);
  EXPECT_FALSE(n.fqdnRev);
  EXPECT_EQ(optText(r.resolve(withHostname("host-b."), nullptr, kAddr)), "host-b");
  EXPECT_EQ(optText(r.resolve(withHostname("  spaced  "), nullptr, kAddr)), "spaced");
  EXPECT_EQ(optText(r.resolve(withHostname("my_laptop!"), nullptr, kAddr)), "mylaptop");
  EXPECT_EQ(optText(r.resolve(withHostname(std::string_view("host-c\0", 7)), nullptr, kAddr)), "host-c");
  EXPECT_EQ(optText(r.resolve(withHostname("a\\.b"), nullptr, kAddr)), "a.b");
  // The root name asks for a generated one.
  auto root = r.resolve(withHostname("."), nullptr, kAddr);
  EXPECT_EQ(optText(root), "myhost-198-18-0-104");
  EXPECT_EQ(root.hostname, "myhost-198-18-0-104");
  // Nothing left after sanitizing, malformed, or empty: no option 12 at all.
  EXPECT_EQ(optText(r.resolve(withHostname("___"), nullptr, kAddr)), "<none>");
  EXPECT_EQ(optText(r.resolve(withHostname("a..b"), nullptr, kAddr)), "<none>");
  EXPECT_EQ(optText(r.resolve(withHostname(std::string(64, 'h')), nullptr, kAddr)), "<none>");
  EXPECT_EQ(optText(r.resolve(withHostname(std::string_view("\0", 1)), nullptr, kAddr)), "<none>");
  EXPECT_EQ(optText(r.resolve(Packet4{}, nullptr, kAddr)), "<none>");
  EXPECT_EQ(r.resolve(withHostname("___"), nullptr, kAddr).hostname, "");
}

TEST(ClientNameRules, HostnameQualifiedWithSuffix) {
  DdnsSettings s = suffixed("Example.org");
  s.hostnameCharReplacement = "x";
  ClientNameRules r(s, false);
  // Lower-cased before qualifying: the suffix keeps its case.
  EXPECT_EQ(optText(r.resolve(withHostname("host-a"), nullptr, kAddr)), "host-a.Example.org");
  EXPECT_EQ(optText(r.resolve(withHostname("host-b."), nullptr, kAddr)), "host-b.Example.org");
  EXPECT_EQ(optText(r.resolve(withHostname("Host-A.Example.COM"), nullptr, kAddr)), "host-a.example.com");
  EXPECT_EQ(optText(r.resolve(withHostname("my_laptop!"), nullptr, kAddr)), "myxlaptopx.Example.org");
  EXPECT_EQ(optText(r.resolve(withHostname("___"), nullptr, kAddr)), "xxx.Example.org");
  EXPECT_EQ(optText(r.resolve(withHostname("."), nullptr, kAddr)), "myhost-198-18-0-104.Example.org");
}

TEST(ClientNameRules, ReplaceModesForHostname) {
  ClientNameRules always(suffixed("example.org", ReplaceClientName::Always), false);
  EXPECT_EQ(optText(always.resolve(Packet4{}, nullptr, kAddr)), "myhost-198-18-0-104.example.org");
  EXPECT_EQ(optText(always.resolve(withHostname("host-a"), nullptr, kAddr)), "myhost-198-18-0-104.example.org");
  EXPECT_EQ(optText(always.resolve(withHostname("a..b"), nullptr, kAddr)), "<none>");  // malformed: ignored
  ClientNameRules present(DdnsSettings{.replaceClientName = ReplaceClientName::WhenPresent,
                                       .qualifyingSuffix = {},
                                       .hostnameCharReplacement = {}},
                          false);
  EXPECT_EQ(optText(present.resolve(Packet4{}, nullptr, kAddr)), "<none>");
  EXPECT_EQ(optText(present.resolve(withHostname("host-a"), nullptr, kAddr)), "myhost-198-18-0-104");
  ClientNameRules absent(suffixed("example.org", ReplaceClientName::WhenNotPresent), false);
  EXPECT_EQ(optText(absent.resolve(Packet4{}, nullptr, kAddr)), "myhost-198-18-0-104.example.org");
  EXPECT_EQ(optText(absent.resolve(withHostname("host-a"), nullptr, kAddr)), "host-a.example.org");
  EXPECT_EQ(optText(absent.resolve(withHostname("___"), nullptr, kAddr)), "example.org");
}

TEST(ClientNameRules, ReservedHostnameWins) {
  config::Reservation res;
  res.hostname = "Res-Host";
  ClientNameRules r(suffixed("example.org", ReplaceClientName::Always), false);
  EXPECT_EQ(optText(r.resolve(Packet4{}, &res, kAddr)), "res-host.example.org");
  EXPECT_EQ(optText(r.resolve(withHostname("other"), &res, kAddr)), "res-host.example.org");
  auto f = fqdnOf(r.resolve(withFqdn(0x01, bytes("other")), &res, kAddr));
  EXPECT_EQ(f.second, "res-host.example.org.");
  res.hostname = "res2.Example.NET";
  EXPECT_EQ(optText(r.resolve(Packet4{}, &res, kAddr)), "res2.example.net.example.org");
  ClientNameRules plain;
  EXPECT_EQ(optText(plain.resolve(Packet4{}, &res, kAddr)), "res2.example.net");
  config::Reservation noName;
  EXPECT_EQ(optText(plain.resolve(Packet4{}, &noName, kAddr)), "<none>");
}

TEST(ClientNameRules, FqdnFlagsWithUpdatesOff) {
  ClientNameRules r;
  // N set, S clear; O when the client asked for S; E carried over; MBZ bits dropped.
  EXPECT_EQ(fqdnOf(r.resolve(withFqdn(0x00, bytes("host-d")), nullptr, kAddr)),
            std::make_pair(0x08, std::string("host-d.")));
  EXPECT_EQ(fqdnOf(r.resolve(withFqdn(0x01, bytes("host-h")), nullptr, kAddr)).first, 0x0a);
  EXPECT_EQ(fqdnOf(r.resolve(withFqdn(0x08, bytes("host-g")), nullptr, kAddr)).first, 0x08);
  EXPECT_EQ(fqdnOf(r.resolve(withFqdn(0xf1, bytes("host-j")), nullptr, kAddr)).first, 0x0a);
  auto n = r.resolve(withFqdn(0x01, bytes("Host-E.Example.Com.")), nullptr, kAddr);
  EXPECT_EQ(n.hostname, "host-e.example.com.");  // Kea's lease keeps the final dot
  EXPECT_FALSE(n.fqdnFwd);
  EXPECT_FALSE(n.fqdnRev);
  // RCODE1/2 come back as the client sent them.
  auto rc = r.resolve(withFqdn(0x01, bytes("host-k2"), 3, 7), nullptr, kAddr);
  EXPECT_EQ(rc.option->data, cat(Bytes{0x0a, 3, 7}, bytes("host-k2.")));
}

TEST(ClientNameRules, FqdnFlagsWithUpdatesOn) {
  ClientNameRules on(DdnsSettings{}, true);
  auto client = on.resolve(withFqdn(0x00, bytes("host-d")), nullptr, kAddr);
  EXPECT_EQ(fqdnOf(client).first, 0x00);  // the client updates its A record
  EXPECT_FALSE(client.fqdnFwd);
  EXPECT_TRUE(client.fqdnRev);
  auto server = on.resolve(withFqdn(0x01, bytes("host-h")), nullptr, kAddr);
  EXPECT_EQ(fqdnOf(server).first, 0x01);
  EXPECT_TRUE(server.fqdnFwd);
  EXPECT_TRUE(server.fqdnRev);
  auto noUpdate = on.resolve(withFqdn(0x08, bytes("host-g")), nullptr, kAddr);
  EXPECT_EQ(fqdnOf(noUpdate).first, 0x08);
  EXPECT_FALSE(noUpdate.fqdnFwd);
  EXPECT_FALSE(noUpdate.fqdnRev);
  EXPECT_EQ(fqdnOf(on.resolve(withFqdn(0x05, Bytes{6, 'h', 'o', 's', 't', '-', 'l'}), nullptr, kAddr)).first, 0x05);

  DdnsSettings o;
  o.overrideNoUpdate = o.overrideClientUpdate = true;
  ClientNameRules over(o, true);
  EXPECT_EQ(fqdnOf(over.resolve(withFqdn(0x00, bytes("host-d")), nullptr, kAddr)).first, 0x03);
  EXPECT_EQ(fqdnOf(over.resolve(withFqdn(0x08, bytes("host-g")), nullptr, kAddr)).first, 0x03);
  EXPECT_EQ(fqdnOf(over.resolve(withFqdn(0x01, bytes("host-h")), nullptr, kAddr)).first, 0x01);
  // Option 12 clients get both directions when updates are on.
  auto h = on.resolve(withHostname("host-a"), nullptr, kAddr);
  EXPECT_TRUE(h.fqdnFwd);
  EXPECT_TRUE(h.fqdnRev);
  // ddns-send-updates false turns them off for the scope.
  DdnsSettings off;
  off.sendUpdates = false;
  ClientNameRules scopeOff(off, true);
  EXPECT_FALSE(scopeOff.updatesEnabled());
  EXPECT_EQ(fqdnOf(scopeOff.resolve(withFqdn(0x01, bytes("host-h")), nullptr, kAddr)).first, 0x0a);
  EXPECT_FALSE(scopeOff.resolve(withHostname("host-a"), nullptr, kAddr).fqdnFwd);
}

TEST(ClientNameRules, FqdnNames) {
  ClientNameRules r(suffixed("example.org"), false);
  EXPECT_EQ(fqdnOf(r.resolve(withFqdn(0x00, bytes("host-d")), nullptr, kAddr)).second, "host-d.example.org.");
  EXPECT_EQ(fqdnOf(r.resolve(withFqdn(0x01, bytes("host-f.sub")), nullptr, kAddr)).second, "host-f.sub.example.org.");
  EXPECT_EQ(fqdnOf(r.resolve(withFqdn(0x01, bytes("Host-E.Example.Com.")), nullptr, kAddr)).second,
            "host-e.example.com.");
  // Sanitized label by label, on the unescaped name.
  EXPECT_EQ(fqdnOf(r.resolve(withFqdn(0x01, bytes("my_host!.example.com.")), nullptr, kAddr)).second,
            "myhost.example.com.");
  EXPECT_EQ(fqdnOf(r.resolve(withFqdn(0x00, bytes("we ird\\.x")), nullptr, kAddr)).second, "weird.x.example.org.");
  // Empty name: generated, with the trailing dot.
  auto gen = r.resolve(withFqdn(0x01, {}), nullptr, kAddr);
  EXPECT_EQ(fqdnOf(gen).second, "myhost-198-18-0-104.example.org.");
  EXPECT_EQ(gen.hostname, "myhost-198-18-0-104.example.org.");
  // Canonical wire form in, canonical out (full: with the root label).
  auto wire = r.resolve(withFqdn(0x05, Bytes{6, 'H', 'o', 's', 't', '-', 'L'}), nullptr, kAddr);
  EXPECT_EQ(wire.option->data, cat(Bytes{0x0e, 0, 0}, Bytes{6,   'h', 'o', 's', 't', '-', 'l', 7,   'e', 'x',
                                                            'a', 'm', 'p', 'l', 'e', 3,   'o', 'r', 'g', 0}));
  EXPECT_EQ(wire.hostname, "host-l.example.org.");
}

TEST(ClientNameRules, FqdnOddNamesAsKea) {
  ClientNameRules r;
  // A name made only of scrubbed characters ends as the root name.
  auto bad = r.resolve(withFqdn(0x01, bytes("___")), nullptr, kAddr);
  EXPECT_EQ(fqdnOf(bad).second, ".");
  EXPECT_EQ(bad.hostname, ".");
  // An empty label after sanitizing: Kea cannot build its option and sends none.
  EXPECT_EQ(optText(r.resolve(withFqdn(0x01, bytes("a.___.b")), nullptr, kAddr)), "<none>");
  EXPECT_EQ(fqdnOf(r.resolve(withFqdn(0x01, bytes(".")), nullptr, kAddr)).second, ".");
  EXPECT_EQ(r.resolve(withFqdn(0x05, Bytes{0}), nullptr, kAddr).option->data, (Bytes{0x0e, 0, 0, 0}));
  // A NUL is a character like any other: scrubbed by the default character set.
  EXPECT_EQ(fqdnOf(r.resolve(withFqdn(0x01, Bytes{'h', 0}), nullptr, kAddr)).second, "h.");
  EXPECT_EQ(fqdnOf(r.resolve(withFqdn(0x01, Bytes{0}), nullptr, kAddr)).second, ".");
  ClientNameRules suffix(suffixed("example.org"), false);
  EXPECT_EQ(optText(suffix.resolve(withFqdn(0x01, Bytes{0}), nullptr, kAddr)), "<none>");  // ".example.org."
  EXPECT_EQ(fqdnOf(suffix.resolve(withFqdn(0x01, bytes("host-w.example.org")), nullptr, kAddr)).second,
            "host-w.example.org.");
  // Option 81 wins over option 12.
  Packet4 both = withFqdn(0x01, bytes("host-p"));
  both.set(opt::kHostName, bytes("host-o"));
  EXPECT_EQ(fqdnOf(r.resolve(both, nullptr, kAddr)).second, "host-p.");
}

TEST(ClientNameRules, ReplaceModesForFqdn) {
  DdnsSettings s = suffixed("example.org", ReplaceClientName::Always);
  s.generatedPrefix = "gen";
  ClientNameRules always(s, false);
  EXPECT_EQ(fqdnOf(always.resolve(withFqdn(0x01, bytes("host-h")), nullptr, kAddr)).second,
            "gen-198-18-0-104.example.org.");
  ClientNameRules present(DdnsSettings{.replaceClientName = ReplaceClientName::WhenPresent,
                                       .qualifyingSuffix = {},
                                       .hostnameCharReplacement = {}},
                          false);
  EXPECT_EQ(fqdnOf(present.resolve(withFqdn(0x00, bytes("host-d")), nullptr, kAddr)).second, "myhost-198-18-0-104.");
  ClientNameRules absent(suffixed("example.org", ReplaceClientName::WhenNotPresent), false);
  EXPECT_EQ(fqdnOf(absent.resolve(withFqdn(0x00, bytes("host-d")), nullptr, kAddr)).second, "host-d.example.org.");
}

TEST(ClientNameRules, NoSanitizerKeepsEscapes) {
  DdnsSettings s = suffixed("example.org.");
  s.hostnameCharSet = "";
  ClientNameRules r(s, false);
  EXPECT_EQ(fqdnOf(r.resolve(withFqdn(0x00, bytes("we ird\\.x")), nullptr, kAddr)).second,
            "we\\032ird\\.x.example.org.");
  EXPECT_EQ(optText(r.resolve(withHostname("my_laptop!"), nullptr, kAddr)), "my_laptop!.example.org");
}

TEST(ClientNameRules, CustomCharSetUsesTheRegex) {
  DdnsSettings s;
  s.hostnameCharSet = "[^a-z]";
  s.hostnameCharReplacement = "Q";
  ClientNameRules r(s, false);
  EXPECT_EQ(r.sanitize("n3_x"), "nQQx");
  EXPECT_EQ(optText(r.resolve(withHostname("ab-C1"), nullptr, kAddr)), "abqqq");  // lower-cased after
}

// The engine puts the name in OFFER and ACK and the lease; INFORM answers carry none.
class ClientNameEngineTest : public EngineTest {};

TEST_F(ClientNameEngineTest, AckAndLeaseCarryTheName) {
  cfg.subnets[0].ddns = suffixed("example.org");
  Packet4 req = selecting(mac(1), ip("198.18.0.30"));
  req.set(opt::kClientFqdn, cat(Bytes{0x01, 0, 0}, bytes("Laptop")));
  Decision d = send(req);
  ASSERT_EQ(typeOf(d), MessageType::Ack);
  const proto::Option* f = findOpt(*d.reply, opt::kClientFqdn);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->data, cat(Bytes{0x0a, 0, 0}, bytes("laptop.example.org.")));
  const Lease& l = d.changes.at(0).lease;
  EXPECT_EQ(l.hostname, "laptop.example.org.");
  EXPECT_FALSE(l.fqdnFwd);
  EXPECT_FALSE(l.fqdnRev);
}

TEST_F(ClientNameEngineTest, GeneratedNameUsesTheAllocatedAddress) {
  cfg.subnets[0].ddns.replaceClientName = ReplaceClientName::WhenNotPresent;
  Decision offer = send(discover(mac(2)));
  ASSERT_EQ(typeOf(offer), MessageType::Offer);
  const std::string expected = "myhost-" + [&] {
    std::string a = offer.reply->yiaddr.toString();
    std::replace(a.begin(), a.end(), '.', '-');
    return a;
  }();
  const proto::Option* h = findOpt(*offer.reply, opt::kHostName);
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(std::string(h->data.begin(), h->data.end()), expected);
  Decision ack = send(selecting(mac(2), offer.reply->yiaddr));
  EXPECT_EQ(ack.changes.at(0).lease.hostname, expected);
}

TEST_F(ClientNameEngineTest, RenewalWithoutANameClearsIt) {
  Packet4 req = selecting(mac(3), ip("198.18.0.31"));
  req.set(opt::kHostName, bytes("first"));
  EXPECT_EQ(send(req).changes.at(0).lease.hostname, "first");
  Decision renew = send(selecting(mac(3), ip("198.18.0.31")));
  EXPECT_EQ(renew.changes.at(0).lease.hostname, "");
  EXPECT_EQ(findOpt(*renew.reply, opt::kHostName), nullptr);
}

TEST_F(ClientNameEngineTest, InformAnswerHasNoName) {
  cfg.subnets[0].ddns.replaceClientName = ReplaceClientName::Always;
  Packet4 inf = packet(MessageType::Inform, mac(4));
  inf.ciaddr = ip("198.18.0.50");
  inf.set(opt::kHostName, bytes("host-t"));
  Decision d = send(inf);
  ASSERT_TRUE(d.reply.has_value());
  EXPECT_EQ(findOpt(*d.reply, opt::kHostName), nullptr);
  EXPECT_EQ(findOpt(*d.reply, opt::kClientFqdn), nullptr);
}

}  // namespace
}  // namespace tandem::test
