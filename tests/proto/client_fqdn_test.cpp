// Domain names and the Client FQDN option (RFC 4702) as Kea 2.2 parses and writes them; the
// expected bytes are kea-dhcp4 2.2's answers recorded by tests/difftest/scenarios/ddns.py.
#include "dhcpd/proto/client_fqdn.h"

#include <gtest/gtest.h>

#include "dhcpd/proto/packet4.h"

namespace tandem::proto {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes b(std::string_view s) { return Bytes(s.begin(), s.end()); }
Bytes cat(Bytes a, const Bytes& c) {
  a.insert(a.end(), c.begin(), c.end());
  return a;
}

TEST(DnsName, TextLabelsAndLabelCount) {
  auto n = DnsName::fromText("Host-A.Example.COM", false);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->labelCount(), 4u);  // Kea counts the root label
  EXPECT_EQ(n->toText(false), "Host-A.Example.COM.");
  EXPECT_EQ(n->toText(true), "Host-A.Example.COM");
  EXPECT_EQ(DnsName::fromText("Host-A.Example.COM", true)->toText(true), "host-a.example.com");
  EXPECT_EQ(DnsName::fromText("host", false)->labelCount(), 2u);
  EXPECT_EQ(DnsName::fromText("host.", false)->labelCount(), 2u);
  EXPECT_EQ(DnsName::fromText(".", false)->labelCount(), 1u);
  EXPECT_EQ(DnsName::fromText("@", false)->labelCount(), 1u);
  EXPECT_EQ(DnsName::fromText(".", false)->toText(true), ".");
}

TEST(DnsName, EscapesAreParsedAndWritten) {
  auto n = DnsName::fromText("we ird\\.x", false);
  ASSERT_TRUE(n.ok());
  ASSERT_EQ(n->labels().size(), 1u);
  EXPECT_EQ(n->labels()[0], "we ird.x");
  EXPECT_EQ(n->toText(true), "we\\032ird\\.x");
  EXPECT_EQ(n->toRawText(false), "we ird.x.");
  auto d = DnsName::fromText("a\\065\\\\b", false);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->labels()[0], "aA\\b");
  EXPECT_EQ(d->toText(true), "aA\\\\b");
  EXPECT_EQ(DnsName::fromText("x\\@$", false)->toText(true), "x\\@\\$");
}

TEST(DnsName, MalformedTextFails) {
  EXPECT_FALSE(DnsName::fromText("", false).ok());
  EXPECT_FALSE(DnsName::fromText("a..b", false).ok());
  EXPECT_FALSE(DnsName::fromText(".a", false).ok());
  EXPECT_FALSE(DnsName::fromText(std::string(64, 'h'), false).ok());
  EXPECT_TRUE(DnsName::fromText(std::string(63, 'h'), false).ok());
  EXPECT_FALSE(DnsName::fromText("a\\", false).ok());
  EXPECT_FALSE(DnsName::fromText("a\\25", false).ok());
  EXPECT_FALSE(DnsName::fromText("a\\256", false).ok());
  EXPECT_FALSE(DnsName::fromText("a\\2x5", false).ok());
  EXPECT_FALSE(DnsName::fromText("\\[x", false).ok());
  // 255 bytes in wire form at most: four 62-byte labels take 4 * 63 + 1 = 253.
  const std::string l62(62, 'a');
  EXPECT_TRUE(DnsName::fromText(l62 + "." + l62 + "." + l62 + "." + l62, false).ok());
  EXPECT_FALSE(DnsName::fromText(l62 + "." + l62 + "." + l62 + "." + l62 + ".ab", false).ok());
}

TEST(DnsName, Wire) {
  const Bytes w = cat(cat(Bytes{6}, b("Host-M")), cat(Bytes{3}, cat(b("com"), Bytes{0})));
  auto n = DnsName::fromWire(w, true);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->toText(false), "host-m.com.");
  EXPECT_EQ(n->toWire(), cat(cat(Bytes{6}, b("host-m")), cat(Bytes{3}, cat(b("com"), Bytes{0}))));
  EXPECT_FALSE(DnsName::fromWire(Bytes{4, 'h', 'o'}, false).ok());         // truncated
  EXPECT_FALSE(DnsName::fromWire(Bytes{0x45, 'x', 'x', 0}, false).ok());   // label type 01
  EXPECT_FALSE(DnsName::fromWire(Bytes{1, 'x', 0xc0, 0x00}, false).ok());  // compression pointer
  // Bytes after the root label are not read (Kea stops at the first root label).
  EXPECT_EQ(DnsName::fromWire(Bytes{1, 'x', 0, 3, 'a'}, false)->toText(false), "x.");
}

TEST(ClientFqdn, AsciiPartialAndFull) {
  auto p = ClientFqdn::parse(cat(Bytes{0x00, 0, 0}, b("Host-D")));
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->partial);
  EXPECT_EQ(p->domainName(), "host-d");  // lower-cased, as Kea parses it
  auto f = ClientFqdn::parse(cat(Bytes{0x01, 0, 0}, b("Host-E.Example.Com.")));
  ASSERT_TRUE(f.ok());
  EXPECT_FALSE(f->partial);
  EXPECT_EQ(f->domainName(), "host-e.example.com.");
  // Kea writes ASCII names with their final dot, partial or not.
  EXPECT_EQ(p->encode(), cat(Bytes{0x00, 0, 0}, b("host-d.")));
  // A NUL is part of an ASCII name, escaped in the text form.
  auto nul = ClientFqdn::parse(cat(Bytes{0x01, 0, 0}, b(std::string_view("host-q\0", 7))));
  ASSERT_TRUE(nul.ok());
  EXPECT_EQ(nul->domainName(), "host-q\\000");
}

TEST(ClientFqdn, CanonicalPartialAndFull) {
  auto p = ClientFqdn::parse(cat(Bytes{0x05, 0, 0}, cat(Bytes{6}, b("Host-L"))));
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->partial);
  EXPECT_EQ(p->domainName(), "host-l");
  EXPECT_EQ(p->encode(), cat(Bytes{0x05, 0, 0}, cat(Bytes{6}, b("host-l"))));  // no root label
  p->partial = false;
  EXPECT_EQ(p->encode(), cat(Bytes{0x05, 0, 0}, cat(Bytes{6}, cat(b("host-l"), Bytes{0}))));
  // A name followed by bytes not ending in 0: partial, read up to its root label (Kea adds one
  // at the end, then stops at the first).
  auto junk = ClientFqdn::parse(Bytes{0x04, 0, 0, 1, 'x', 0, 3, 'a', 'b', 'c'});
  ASSERT_TRUE(junk.ok());
  EXPECT_TRUE(junk->partial);
  EXPECT_EQ(junk->domainName(), "x");
}

TEST(ClientFqdn, EmptyNameAndRcodes) {
  auto e = ClientFqdn::parse(Bytes{0x01, 255, 7});
  ASSERT_TRUE(e.ok());
  EXPECT_FALSE(e->name.has_value());
  EXPECT_EQ(e->domainName(), "");
  EXPECT_EQ(e->rcode1, 255);
  EXPECT_EQ(e->rcode2, 7);
  EXPECT_EQ(e->encode(), (Bytes{0x01, 255, 7}));
}

TEST(ClientFqdn, MalformedOptionsFail) {
  EXPECT_FALSE(ClientFqdn::parse(Bytes{0x01}).ok());                               // truncated
  EXPECT_FALSE(ClientFqdn::parse(cat(Bytes{0x09, 0, 0}, b("host"))).ok());         // N and S
  EXPECT_FALSE(ClientFqdn::parse(cat(Bytes{0x01, 0, 0}, b("a..b"))).ok());         // empty label
  EXPECT_FALSE(ClientFqdn::parse(cat(Bytes{0x05, 0, 0}, Bytes{0x45, 'x'})).ok());  // bad label
  EXPECT_TRUE(ClientFqdn::parse(cat(Bytes{0xf1, 0, 0}, b("host"))).ok());          // MBZ bits ignored
}

TEST(ClientFqdn, DecodeDropsPacketsWithAMalformedOption81) {
  // Kea 2.2 fails the whole packet (no answer, pkt4-parse-failed).
  Packet4 p;
  p.op = Packet4::kBootRequest;
  p.htype = 1;
  p.hlen = 6;
  p.options.push_back(Option{opt::kMessageType, {1}});
  p.options.push_back(Option{opt::kClientFqdn, cat(Bytes{0x01, 0, 0}, b("good"))});
  auto wire = encode(p, 576);
  ASSERT_TRUE(decode(wire.bytes).ok());
  p.options[1].data = cat(Bytes{0x09, 0, 0}, b("host"));
  wire = encode(p, 576);
  auto bad = decode(wire.bytes);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, int(CodecError::BadClientFqdn));
}

}  // namespace
}  // namespace tandem::proto
