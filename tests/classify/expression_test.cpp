// Parsing of Kea 2.2's expression language: what compiles, and the errors (with Kea's
// positions) for what does not. The accepted/rejected sets were checked against
// kea-dhcp4 2.2.0 -t.
#include <gtest/gtest.h>

#include "dhcpd/classify/lexer.h"
#include "tests/classify/classify_test_util.h"

namespace tandem::test {
namespace {

using classify::Tok;

TEST(ClassifyLexer, TokensAndLocations) {
  auto t = classify::tokenize("option[60].text == 'PXE' and pkt4.mac == 0x0a0B");
  std::vector<Tok> kinds;
  for (const auto& x : t) kinds.push_back(x.kind);
  EXPECT_EQ(kinds, (std::vector<Tok>{Tok::Option, Tok::LBracket, Tok::Integer, Tok::RBracket, Tok::Dot, Tok::Text,
                                     Tok::Equal, Tok::String, Tok::And, Tok::Pkt4, Tok::Dot, Tok::Mac, Tok::Equal,
                                     Tok::HexString, Tok::End}));
  EXPECT_EQ(t[7].text, "PXE");
  EXPECT_EQ(classify::formatLocation(t[7]), "1.20-24");
  EXPECT_EQ(classify::formatLocation(t[1]), "1.7");
}

TEST(ClassifyLexer, LongestMatchRules) {
  auto t = classify::tokenize("vendor-class vendor hexstring hex 10.0.0.1 ::1 -5 uint16totext option[ host-name ]");
  EXPECT_EQ(t[0].kind, Tok::VendorClass);
  EXPECT_EQ(t[1].kind, Tok::Vendor);
  EXPECT_EQ(t[2].kind, Tok::ToHexString);
  EXPECT_EQ(t[3].kind, Tok::Hex);
  EXPECT_EQ(t[4].kind, Tok::IpAddress);
  EXPECT_EQ(t[5].kind, Tok::IpAddress);
  EXPECT_EQ(t[6].kind, Tok::Integer);
  EXPECT_EQ(t[6].text, "-5");
  EXPECT_EQ(t[7].kind, Tok::UInt16ToText);
  EXPECT_EQ(t[10].kind, Tok::OptionName);
  EXPECT_EQ(t[10].text, "host-name");
  EXPECT_EQ(t[11].kind, Tok::RBracket);
}

TEST(ClassifyLexer, NewlinesAdvanceLines) {
  auto t = classify::tokenize("'a' ==\n  'b'");
  EXPECT_EQ(classify::formatLocation(t[2]), "2.3-5");
}

TEST(ClassifyParse, AcceptsKeaGrammar) {
  ClassifyEnv env;
  for (const char* ok : {
           "option[60].text == 'a'",
           "option[vendor-class-identifier].text == 'a'",
           "option[ 60 ] . text == 'A'",
           "option[60].exists",
           "option[82].option[1].exists",
           "option[82].option[1].hex == 0x01",
           "option[host-name].option[1].exists",
           "relay4[1].hex == 0x01",
           "relay4[2].exists",
           "pkt.iface == 'eth0' and pkt.src == 10.0.0.1 and pkt.dst == ::1 and pkt.len == 0x00000001",
           "pkt4.mac == 0x01 or pkt4.hlen == 6 or pkt4.htype == 1 or pkt4.ciaddr == 0.0.0.0",
           "pkt4.giaddr == 1.2.3.4 or pkt4.yiaddr == 1.2.3.4 or pkt4.siaddr == 1.2.3.4",
           "pkt4.msgtype == 1 or pkt4.transid == 0x1234",
           "vendor[*].exists",
           "vendor[4491].exists",
           "vendor.enterprise == 4491",
           "vendor[4491].option[1].hex == 0x01",
           "vendor[4491].option[1].exists",
           "vendor-class[*].exists",
           "vendor-class[4491].exists",
           "vendor-class.enterprise == 4491",
           "vendor-class[4491].data == 'x'",
           "vendor-class[*].data[2] == 'x'",
           "substring(option[60].text, 0, 3) == 'abc'",
           "substring(option[60].text, -1, all) == 'x'",
           "substring('abc', 1, -1) == 'A'",
           "split(option[60].text, ',', 1) == 'x'",
           "split('abc', 'b', -1) == 'A'",
           "concat('a', 'b') == 'ab'",
           "option[60].text + 'x' == 'x'",
           "'a' == 'b' + 'c' + 'd'",
           "ifelse(option[60].exists, 'a', 'b') == 'a'",
           "ifelse((option[60].exists), 'a', 'b') == 'a'",
           "hexstring(pkt4.mac, ':') == 'aa'",
           "addrtotext(pkt4.giaddr) == '1.2.3.4'",
           "int8totext(0x01) == '1' and int16totext(0x0001) == '1' and int32totext(0x00000001) == '1'",
           "uint8totext(0x01) == '1' and uint16totext(0x0001) == '1' and uint32totext(pkt4.transid) == '1'",
           "member('KNOWN') and not member('UNKNOWN') or member('gold')",
           "(option[60].text) == 'a'",
           "((option[60].text)) == 'a'",
           "((option[60].exists))",
           "(option[60].exists or option[61].exists) and not (option[60].text == 'x')",
           "('a' + 'b') == 'ab'",
           "1 == 'x'",
           "4294967295 == ''",
           "'\\x41' == 'A'",
           "option[60].text == ''",
       }) {
    EXPECT_EQ(env.error(ok), "") << ok;
  }
}

TEST(ClassifyParse, RejectsWithKeaPositions) {
  ClassifyEnv env;
  struct Case {
    const char* text;
    const char* error;
  };
  for (const Case& c : {
           Case{"option[60].text", "1.16: syntax error, unexpected end of file, expecting == or +"},
           Case{"'a' == 'b' == 'c'", "1.12-13: syntax error, unexpected ==, expecting end of file"},
           Case{"", "1.1: syntax error, unexpected end of file"},
           Case{"option[123456].exists", "1.8-13: Option code has invalid value in 123456. Allowed range: 0..255"},
           Case{"relay4[300].hex == 0x01", "1.8-10: Option code has invalid value in 300. Allowed range: 0..255"},
           Case{"vendor[4491].option[300].exists",
                "1.21-23: Option code has invalid value in 300. Allowed range: 0..255"},
           Case{"vendor-class[4491].data[300] == 'a'", "1.25-27: Invalid value in 300. Allowed range: 0..255"},
           Case{"option[foo].exists", "1.8-10: option 'foo' is not defined"},
           Case{"member('DROP')", "1.8-13: Not defined client class 'DROP'"},
           Case{"0x4G == 'A'", "1.4: Invalid character: G"},
           Case{"1.2.3 == 'A'", "1.2: syntax error, unexpected ., expecting == or +"},
           Case{"OPTION[60].text == 'A'", "1.1: Invalid character: O"},
           Case{"lcase(option[60].text) == 'x'", "1.1: Invalid character: l"},
           Case{"ucase('a') == 'x'", "1.1: Invalid character: u"},
           Case{"member(\"KNOWN\")", "1.8: Invalid character: \""},
           Case{"4294967296 == ''", "1.1-10: Invalid value in 4294967296. Allowed range: 0..4294967295"},
           Case{"substring(option[60].text, 0, 3, 4) == 'x'", "1.32: syntax error, unexpected ,, expecting )"},
           Case{"substring('abc', '1', 2) == 'A'",
                "1.18-20: syntax error, unexpected constant string, expecting integer"},
           Case{"option[60].option[dhcp-lease-time].exists",
                "1.19-33: syntax error, unexpected option name, expecting integer"},
           Case{"vendor[4491].enterprise == 0x0001",
                "1.14-23: syntax error, unexpected enterprise, expecting option or exists"},
           Case{"pkt4.mac == 0x0001 == 1", "1.20-21: syntax error, unexpected ==, expecting end of file"},
           Case{"relay6[0].peeraddr == ::1", "1.1-6: relay6 can only be used in DHCPv6."},
           Case{"pkt6.msgtype == 1", "1.1-4: pkt6 can only be used in DHCPv6."},
       }) {
    EXPECT_EQ(env.error(c.text), c.error) << c.text;
  }
}

// vendor and vendor-class share their head (".enterprise", or "[" enterprise-id "]" "."): the
// same malformed head is the same error for both, only the location moves with the keyword.
TEST(ClassifyParse, VendorAccessorsShareTheirHead) {
  ClassifyEnv env;
  auto afterLocation = [](std::string e) { return e.substr(e.find(':')); };
  for (const char* tail : {".exists", ".enterprise.exists", "[x].exists", "[].exists", "[4294967296].exists",
                           "[1]exists", "[1.exists", ".enterprise == 1 == 1"}) {
    const std::string vendor = env.error(std::string("vendor") + tail);
    const std::string vendorClass = env.error(std::string("vendor-class") + tail);
    ASSERT_NE(vendor, "") << "vendor" << tail;
    ASSERT_NE(vendorClass, "") << "vendor-class" << tail;
    EXPECT_EQ(afterLocation(vendor), afterLocation(vendorClass)) << tail;
  }
  // The heads that parse, in either accessor.
  for (const char* ok : {"vendor.enterprise == 4491", "vendor-class.enterprise == 4491", "vendor[*].exists",
                         "vendor-class[*].exists", "vendor[0].exists", "vendor-class[4294967295].exists"}) {
    EXPECT_EQ(env.error(ok), "") << ok;
  }
  // Where they differ, after the head: a string context's ".exists" (vendor names the option
  // it expected, vendor-class its data, as Kea's grammar does).
  EXPECT_NE(env.error("vendor[4491].exists == 'x'"), "");
  EXPECT_NE(env.error("vendor-class[4491].exists == 'x'"), "");
}

TEST(ClassifyParse, MemberRecordsClasses) {
  ClassifyEnv env;
  auto e = classify::compileExpression("member('gold') or member('KNOWN')", env.ctx);
  ASSERT_TRUE(e.ok());
  classify::ClassId gold, known;
  ASSERT_TRUE(env.table.find("gold", gold));
  ASSERT_TRUE(env.table.find("KNOWN", known));
  EXPECT_EQ(e->members, (std::vector<classify::ClassId>{gold, known}));
  EXPECT_EQ(e->maxStack, 2u);
}

TEST(ClassifyParse, CustomOptionNames) {
  ClassifyEnv env;
  env.ctx.optionCode = [](std::string_view n) -> std::optional<std::uint8_t> {
    if (n == "my-opt") return 222;
    return std::nullopt;
  };
  EXPECT_EQ(env.error("option[my-opt].exists"), "");
  EXPECT_EQ(env.error("option[host-name].exists"), "1.8-16: option 'host-name' is not defined");
}

}  // namespace
}  // namespace tandem::test
