#include "dhcpd/lease/lease_csv.h"

#include <gtest/gtest.h>

namespace tandem {
namespace {

// Rows written by the real kea-dhcp4 2.2 (lease4-add through lease_cmds, then the CSV file
// copied verbatim): commas and '&' escaped, declined lease without identifiers' extras,
// deletion record with valid_lifetime 0, user context re-serialized by Kea.
const char* const kKeaRows[] = {
    "198.18.0.11,1a:1b:1c:1d:1e:1f,01:1a:1b:1c:1d:1e:1f,3600,1750003600,1,1,0,a&#x2cb.example.org,0,"
    "{ \"n\": 1&#x2c \"x\": \"y&#x2cz\" }\n",
    "198.18.0.12,0a:0b:0c:0d:0e:0f,,4000,1795575801,1,0,0,,1,\n",
    "198.18.0.13,0a:0b:0c:0d:0e:10,,4000,1795575801,1,0,0,tab\there&#x26#x41;x,0,\n",
    "198.18.0.13,0a:0b:0c:0d:0e:10,,0,1795571801,1,0,0,tab\there&#x26#x41;x,0,\n",
    "198.18.0.21,1a:1b:1c:1d:1e:01,,4000,1795575810,1,0,0,a&#x26b&#x26#c&#x26#x2c&#x2cd,0,\n",
    "198.18.0.23,,01:02,4000,1795575810,1,0,0,,0,"
    "{ \"a\": [ 1&#x2c 2&#x2c { \"b\": null } ]&#x2c \"s\": \"q\\\"\\n&#x2c\" }\n",
};

Result<Lease> parse(std::string_view line, const LeaseCsvHeader& h = LeaseCsvHeader::kea22()) {
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  Lease l;
  auto r = parseLeaseCsvLine(line, h, l);
  if (!r) return r.error();
  return l;
}

TEST(LeaseCsv, KeaRowsRoundTripByteExact) {
  for (const char* row : kKeaRows) {
    auto l = parse(row);
    ASSERT_TRUE(l.ok()) << row << ": " << l.error().message;
    EXPECT_EQ(formatLeaseCsvLine(*l), row);
  }
}

TEST(LeaseCsv, FieldsOfAKeaRow) {
  auto l = parse(kKeaRows[0]);
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->address, Ipv4(198, 18, 0, 11));
  EXPECT_EQ(l->hwAddr.toString(), "1a:1b:1c:1d:1e:1f");
  EXPECT_EQ(toHexColon(l->clientId), "01:1a:1b:1c:1d:1e:1f");
  EXPECT_EQ(l->validLifetime, 3600u);
  EXPECT_EQ(l->cltt, 1750000000);
  EXPECT_EQ(l->subnetId, 1u);
  EXPECT_TRUE(l->fqdnFwd);
  EXPECT_FALSE(l->fqdnRev);
  EXPECT_EQ(l->hostname, "a,b.example.org");
  EXPECT_EQ(l->state, LeaseState::Default);
  EXPECT_EQ(l->userContext, "{ \"n\": 1, \"x\": \"y,z\" }");

  auto declined = parse(kKeaRows[1]);
  ASSERT_TRUE(declined.ok());
  EXPECT_EQ(declined->state, LeaseState::Declined);
  EXPECT_TRUE(declined->clientId.empty());
  EXPECT_TRUE(declined->userContext.empty());

  auto amp = parse(kKeaRows[4]);
  ASSERT_TRUE(amp.ok());
  EXPECT_EQ(amp->hostname, "a&b&#c&#x2c,d");
  auto deletion = parse(kKeaRows[3]);
  ASSERT_TRUE(deletion.ok());
  EXPECT_EQ(deletion->validLifetime, 0u);
  EXPECT_EQ(deletion->cltt, 1795571801);
}

TEST(LeaseCsv, WritesKea22Format) {
  Lease l;
  l.address = Ipv4(198, 18, 0, 5);
  l.hwAddr = *HwAddr::parse("AA:0b:c:dd:ee:ff");
  l.validLifetime = 100;
  l.cltt = 1000;
  l.subnetId = 7;
  l.fqdnRev = true;
  l.poolId = 3;  // not part of Kea 2.2's format
  EXPECT_EQ(formatLeaseCsvLine(l), "198.18.0.5,aa:0b:0c:dd:ee:ff,,100,1100,7,0,1,,0,\n");
}

TEST(LeaseCsv, HeadersOfKea22AndNewerKea) {
  auto h22 = LeaseCsvHeader::parse(kKea22Lease4Header);
  ASSERT_TRUE(h22.ok());
  EXPECT_EQ(h22->fieldCount(), 11u);
  EXPECT_EQ(h22->index(LeaseCsvHeader::kPoolId), LeaseCsvHeader::kAbsent);

  auto h26 = LeaseCsvHeader::parse(std::string(kKea22Lease4Header) + ",pool_id\r");
  ASSERT_TRUE(h26.ok());
  EXPECT_EQ(h26->fieldCount(), 12u);
  auto l = parse("198.18.0.9,01:02:03:04:05:06,,60,160,2,0,0,h,0,,4", *h26);
  ASSERT_TRUE(l.ok()) << l.error().message;
  EXPECT_EQ(l->poolId, 4u);
  EXPECT_EQ(l->cltt, 100);
  EXPECT_EQ(formatLeaseCsvLine(*l), "198.18.0.9,01:02:03:04:05:06,,60,160,2,0,0,h,0,\n");
}

TEST(LeaseCsv, ColumnOrderComesFromTheHeader) {
  auto h = LeaseCsvHeader::parse("hwaddr,address,expire,valid_lifetime,subnet_id,client_id,fqdn_rev,fqdn_fwd,hostname");
  ASSERT_TRUE(h.ok()) << h.error().message;
  auto l = parse("01:02:03:04:05:06,198.18.1.1,500,100,3,,1,0,x", *h);
  ASSERT_TRUE(l.ok()) << l.error().message;
  EXPECT_EQ(l->address, Ipv4(198, 18, 1, 1));
  EXPECT_EQ(l->cltt, 400);
  EXPECT_TRUE(l->fqdnRev);
  EXPECT_FALSE(l->fqdnFwd);
  EXPECT_EQ(l->state, LeaseState::Default);
}

TEST(LeaseCsv, BadHeaders) {
  EXPECT_FALSE(LeaseCsvHeader::parse("").ok());
  EXPECT_FALSE(LeaseCsvHeader::parse("address,hwaddr,client_id").ok());
  EXPECT_FALSE(LeaseCsvHeader::parse("address,duid,valid_lifetime,expire,subnet_id,pref_lifetime,lease_type,iaid,"
                                     "prefix_len,fqdn_fwd,fqdn_rev,hostname,hwaddr")
                   .ok());  // lease6
  EXPECT_FALSE(LeaseCsvHeader::parse(std::string(kKea22Lease4Header) + ",address").ok());
}

struct BadRow {
  const char* row;
  const char* expect;  // substring of the error
};

class LeaseCsvBadRow : public ::testing::TestWithParam<BadRow> {};

TEST_P(LeaseCsvBadRow, IsRejectedWithAReason) {
  auto l = parse(GetParam().row);
  ASSERT_FALSE(l.ok()) << GetParam().row;
  EXPECT_NE(l.error().message.find(GetParam().expect), std::string::npos) << l.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    EveryField, LeaseCsvBadRow,
    ::testing::Values(BadRow{"198.18.0.300,01:02:03:04:05:06,,60,160,2,0,0,,0,", "bad address"},
                      BadRow{"2001:db8::1,01:02:03:04:05:06,,60,160,2,0,0,,0,", "bad address"},
                      BadRow{"198.18.0.1,01:02:zz:04:05:06,,60,160,2,0,0,,0,", "bad hwaddr"},
                      BadRow{"198.18.0.1,01:02:03:04:05:06:07:08:09:0a:0b:0c:0d:0e:0f:10:11,,60,160,2,0,0,,0,",
                             "bad hwaddr"},
                      BadRow{"198.18.0.1,01::03,,60,160,2,0,0,,0,", "bad hwaddr"},
                      BadRow{"198.18.0.1,01:02:03:04:05:06,01:0x,60,160,2,0,0,,0,", "bad client_id"},
                      BadRow{"198.18.0.1,01:02:03:04:05:06,,-60,160,2,0,0,,0,", "bad valid_lifetime"},
                      BadRow{"198.18.0.1,01:02:03:04:05:06,,4294967296,160,2,0,0,,0,", "bad valid_lifetime"},
                      BadRow{"198.18.0.1,01:02:03:04:05:06,,60,16x,2,0,0,,0,", "bad expire"},
                      BadRow{"198.18.0.1,01:02:03:04:05:06,,60,160,,0,0,,0,", "bad subnet_id"},
                      BadRow{"198.18.0.1,01:02:03:04:05:06,,60,160,2,2,0,,0,", "bad fqdn_fwd"},
                      BadRow{"198.18.0.1,01:02:03:04:05:06,,60,160,2,0,yes,,0,", "bad fqdn_rev"},
                      BadRow{"198.18.0.1,01:02:03:04:05:06,,60,160,2,0,0,,3,", "bad state"},
                      BadRow{"198.18.0.1,01:02:03:04:05:06,,60,160,2,0,0,,0,[1]", "bad user_context"},
                      BadRow{"198.18.0.1,01:02:03:04:05:06,,60,160,2,0,0,,0,{ \"a\": ", "bad user_context"},
                      BadRow{"198.18.0.1,,,60,160,2,0,0,,0,", "neither hwaddr nor client_id"},
                      BadRow{"198.18.0.1,01:02:03:04:05:06,,60,160,2,0", "expected 11 fields, found 7"},
                      BadRow{"198.18.0.1,01:02:03:04:05:06,,60,160,2,0,0,a,b,0,", "expected 11 fields, found 12"},
                      BadRow{"", "expected 11 fields, found 1"}));

TEST(LeaseCsv, DeclinedLeaseMayLackIdentifiers) {
  auto l = parse("198.18.0.1,,,60,160,2,0,0,,1,");
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->state, LeaseState::Declined);
}

TEST(LeaseCsv, Escaping) {
  std::string s;
  appendCsvEscaped(s, "a,b&c\nd\re");
  EXPECT_EQ(s, "a&#x2cb&#x26c&#x0ad&#x0de");
  EXPECT_EQ(csvUnescape(s), "a,b&c\nd\re");
  // Not an escape: kept as text, as Kea does.
  EXPECT_EQ(csvUnescape("x&#xZZ&#x4"), "x&#xZZ&#x4");
  EXPECT_EQ(csvUnescape("&#x41&#x4a"), "AJ");
}

TEST(LeaseCsv, ArbitraryHostnamesRoundTrip) {
  Lease l;
  l.address = Ipv4(198, 18, 0, 1);
  l.hwAddr = *HwAddr::parse("01:02:03:04:05:06");
  l.validLifetime = 1;
  for (std::string host : {"", ",", "&", "&#x2c", ",,&&", "new\nline", "x&#x", "\r\n,"}) {
    l.hostname = host;
    l.userContext = "{ \"h\": \"" + std::string(",&") + "\" }";
    std::string line = formatLeaseCsvLine(l);
    EXPECT_EQ(line.find('\n'), line.size() - 1) << host;
    auto back = parse(line);
    ASSERT_TRUE(back.ok()) << line;
    EXPECT_EQ(*back, l) << line;
  }
}

}  // namespace
}  // namespace tandem
