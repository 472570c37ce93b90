// Evaluation semantics of every accessor and function, as Kea 2.2's token.cc defines them.
#include <gtest/gtest.h>

#include "tests/classify/classify_test_util.h"

namespace tandem::test {
namespace {

using classify::EvalResult;

std::string hex(std::string_view s) {
  std::string o;
  for (unsigned char c : s) {
    static const char* d = "0123456789abcdef";
    o += d[c >> 4];
    o += d[c & 15];
  }
  return o;
}

TEST(ClassifyEval, OptionTextHexExists) {
  ClassifyEnv env;
  env.setOpt(60, std::string_view("PXEClient:Arch:00000\0\0", 22));
  EXPECT_TRUE(env.isTrue("option[60].exists"));
  EXPECT_TRUE(env.isTrue("option[vendor-class-identifier].exists"));
  EXPECT_TRUE(env.isFalse("option[61].exists"));
  // OptionString drops trailing NULs, for .text and .hex alike.
  EXPECT_TRUE(env.isTrue("option[60].text == 'PXEClient:Arch:00000'"));
  EXPECT_TRUE(env.isTrue("option[60].hex == 'PXEClient:Arch:00000'"));
  EXPECT_TRUE(env.isTrue("substring(option[60].hex, 0, 9) == 'PXEClient'"));
  // A missing option is the empty string.
  EXPECT_TRUE(env.isTrue("option[61].text == ''"));
  EXPECT_TRUE(env.isTrue("option[61].hex == ''"));
}

TEST(ClassifyEval, BinaryOptionTextIsKeaGenericForm) {
  ClassifyEnv env;
  env.setOpt(61, std::vector<std::uint8_t>{0x01, 0x02, 0x00, 0x00, 0xaa, 0xbb, 0xcc});
  EXPECT_TRUE(env.isTrue("option[61].hex == 0x01020000aabbcc"));
  EXPECT_TRUE(env.isTrue("option[61].text == 'type=061, len=007: 01:02:00:00:aa:bb:cc'"));
  env.setOpt(50, std::vector<std::uint8_t>{198, 18, 0, 9});
  EXPECT_TRUE(env.isTrue("option[50].text == 'type=050, len=004: 198.18.0.9 (ipv4-address)'"));
  EXPECT_TRUE(env.isTrue("option[50].hex == 198.18.0.9"));
  env.setOpt(51, std::vector<std::uint8_t>{0, 0, 0x0e, 0x10});
  EXPECT_TRUE(env.isTrue("option[51].text == 'type=051, len=004: 3600 (uint32)'"));
  env.setOpt(57, std::vector<std::uint8_t>{0x05, 0xdc});
  EXPECT_TRUE(env.isTrue("option[57].text == 'type=057, len=002: 1500 (uint16)'"));
  env.setOpt(19, std::vector<std::uint8_t>{1});
  EXPECT_TRUE(env.isTrue("option[19].text == 'type=019, len=001: true (boolean)'"));
  env.setOpt(55, std::vector<std::uint8_t>{1, 3, 15});
  EXPECT_TRUE(env.isTrue("option[55].text == 'type=055, len=003: 1(uint8) 3(uint8) 15(uint8)'"));
  env.setOpt(3, std::vector<std::uint8_t>{198, 18, 0, 1, 198, 18, 0, 2});
  EXPECT_TRUE(env.isTrue("option[3].text == 'type=003, len=008: 198.18.0.1 198.18.0.2'"));
}

TEST(ClassifyEval, RelayAgentSubOptions) {
  ClassifyEnv env;
  // circuit-id "eth0/1", remote-id 0x0a0b, subscriber-id "sub\0"
  std::vector<std::uint8_t> rai{1, 6, 'e', 't', 'h', '0', '/', '1', 2, 2, 0x0a, 0x0b, 6, 4, 's', 'u', 'b', 0};
  env.setOpt(82, rai);
  EXPECT_TRUE(env.isTrue("relay4[1].hex == 'eth0/1'"));
  EXPECT_TRUE(env.isTrue("relay4[2].hex == 0x0a0b"));
  EXPECT_TRUE(env.isTrue("relay4[2].exists"));
  EXPECT_TRUE(env.isFalse("relay4[5].exists"));
  EXPECT_TRUE(env.isTrue("relay4[5].hex == ''"));
  EXPECT_TRUE(env.isTrue("relay4[6].text == 'sub'"));
  EXPECT_TRUE(env.isTrue("relay4[1].text == 'type=001, len=006: 65:74:68:30:2f:31'"));
  EXPECT_TRUE(env.isTrue("option[82].option[2].hex == 0x0a0b"));
  EXPECT_TRUE(env.isTrue("option[82].option[1].exists"));
  EXPECT_TRUE(env.isFalse("option[82].option[9].exists"));
  // An option without sub-options in Kea has none to find.
  env.setOpt(60, "abc");
  EXPECT_TRUE(env.isFalse("option[60].option[1].exists"));
  EXPECT_TRUE(env.isFalse("option[12].option[1].exists"));
}

TEST(ClassifyEval, TruncatedRelaySubOptionKeepsEarlierOnes) {
  ClassifyEnv env;
  env.setOpt(82, std::vector<std::uint8_t>{1, 1, 'x', 2, 9, 1});
  EXPECT_TRUE(env.isTrue("relay4[1].hex == 'x'"));
  EXPECT_TRUE(env.isFalse("relay4[2].exists"));
}

TEST(ClassifyEval, NoRelayAgentOption) {
  ClassifyEnv env;
  EXPECT_TRUE(env.isFalse("relay4[1].exists"));
  EXPECT_TRUE(env.isTrue("relay4[1].hex == ''"));
}

TEST(ClassifyEval, PacketFields) {
  ClassifyEnv env;
  env.pkt.giaddr = Ipv4(198, 18, 1, 1);
  env.pkt.ciaddr = Ipv4(198, 18, 1, 5);
  env.pkt.siaddr = Ipv4(198, 18, 1, 6);
  env.pkt.yiaddr = Ipv4(198, 18, 1, 7);
  EXPECT_TRUE(env.isTrue("pkt4.mac == 0x020000aabbcc"));
  EXPECT_TRUE(env.isTrue("hexstring(pkt4.mac, ':') == '02:00:00:aa:bb:cc'"));
  EXPECT_TRUE(env.isTrue("pkt4.hlen == 6"));
  EXPECT_TRUE(env.isTrue("pkt4.hlen == 0x00000006"));
  EXPECT_TRUE(env.isTrue("pkt4.htype == 1"));
  EXPECT_TRUE(env.isTrue("pkt4.giaddr == 198.18.1.1"));
  EXPECT_TRUE(env.isTrue("pkt4.ciaddr == 198.18.1.5"));
  EXPECT_TRUE(env.isTrue("pkt4.siaddr == 198.18.1.6"));
  EXPECT_TRUE(env.isTrue("pkt4.yiaddr == 198.18.1.7"));
  EXPECT_TRUE(env.isTrue("pkt4.msgtype == 1"));
  EXPECT_TRUE(env.isTrue("pkt4.transid == 0x01020304"));
  EXPECT_TRUE(env.isTrue("pkt4.transid == 16909060"));
  EXPECT_TRUE(env.isTrue("pkt.iface == 'eth0'"));
  EXPECT_TRUE(env.isTrue("pkt.src == 198.18.0.2"));
  EXPECT_TRUE(env.isTrue("pkt.dst == 255.255.255.255"));
  // Kea's Pkt4::len(): 236 + each option with its header (here only option 53).
  EXPECT_TRUE(env.isTrue("pkt.len == 239"));
  EXPECT_TRUE(env.isTrue("addrtotext(pkt4.giaddr) == '198.18.1.1'"));
}

TEST(ClassifyEval, VendorOptions) {
  ClassifyEnv env;
  // 125: enterprise 4491, data-len 6, sub-options 1 = "ab", 2 = 0x07
  env.setOpt(125, std::vector<std::uint8_t>{0, 0, 0x11, 0x8b, 7, 1, 2, 'a', 'b', 2, 1, 7});
  EXPECT_TRUE(env.isTrue("vendor[*].exists"));
  EXPECT_TRUE(env.isTrue("vendor[4491].exists"));
  EXPECT_TRUE(env.isFalse("vendor[9].exists"));
  EXPECT_TRUE(env.isTrue("vendor.enterprise == 4491"));
  EXPECT_TRUE(env.isTrue("vendor[4491].option[1].hex == 'ab'"));
  EXPECT_TRUE(env.isTrue("vendor[*].option[2].hex == 0x07"));
  EXPECT_TRUE(env.isTrue("vendor[4491].option[2].exists"));
  EXPECT_TRUE(env.isFalse("vendor[4491].option[3].exists"));
  EXPECT_TRUE(env.isFalse("vendor[9].option[1].exists"));
  EXPECT_TRUE(env.isTrue("vendor[9].option[1].hex == ''"));
  EXPECT_TRUE(env.isTrue("option[125].option[1].hex == 'ab'"));
  // 124: enterprise 4491, tuple "docsis3.0", enterprise 4491, tuple "x"
  std::vector<std::uint8_t> vc{0,   0,   0x11, 0x8b, 9, 'd', 'o',  'c',  's', 'i',
                               's', '3', '.',  '0',  0, 0,   0x11, 0x8b, 1,   'x'};
  env.setOpt(124, vc);
  EXPECT_TRUE(env.isTrue("vendor-class[*].exists"));
  EXPECT_TRUE(env.isTrue("vendor-class[4491].exists"));
  EXPECT_TRUE(env.isFalse("vendor-class[1].exists"));
  EXPECT_TRUE(env.isTrue("vendor-class.enterprise == 4491"));
  EXPECT_TRUE(env.isTrue("vendor-class[4491].data == 'docsis3.0'"));
  EXPECT_TRUE(env.isTrue("vendor-class[4491].data[0] == 'docsis3.0'"));
  EXPECT_TRUE(env.isTrue("vendor-class[4491].data[1] == 'x'"));
  EXPECT_TRUE(env.isTrue("vendor-class[4491].data[2] == ''"));
  EXPECT_TRUE(env.isTrue("vendor-class[1].data == ''"));
}

TEST(ClassifyEval, MissingVendorOptions) {
  ClassifyEnv env;
  EXPECT_TRUE(env.isFalse("vendor[*].exists"));
  EXPECT_TRUE(env.isTrue("vendor.enterprise == ''"));
  EXPECT_TRUE(env.isFalse("vendor-class[*].exists"));
  EXPECT_TRUE(env.isTrue("vendor-class[*].data == ''"));
  // A malformed 124 (tuple past the end) fails to unpack in Kea: no option.
  env.setOpt(124, std::vector<std::uint8_t>{0, 0, 0, 1, 5, 'a'});
  EXPECT_TRUE(env.isFalse("vendor-class[*].exists"));
}

TEST(ClassifyEval, SubstringAsKea) {
  ClassifyEnv env;
  env.setOpt(60, "foobar");
  auto is = [&](const char* expr, const char* want) {
    EXPECT_TRUE(env.isTrue(std::string(expr) + " == '" + want + "'")) << expr << " != " << want;
  };
  // The examples of Kea's classify.rst.
  is("substring(option[60].text, 0, 3)", "foo");
  is("substring(option[60].text, 3, 4)", "bar");
  is("substring(option[60].text, 3, all)", "bar");
  is("substring(option[60].text, 1, 0)", "");
  is("substring(option[60].text, -3, 3)", "bar");
  is("substring(option[60].text, -1, -3)", "oba");
  is("substring(option[60].text, 3, -1)", "o");
  is("substring(option[60].text, 0, -1)", "");
  is("substring(option[60].text, 6, 1)", "");
  is("substring(option[60].text, -7, 1)", "");
  is("substring(option[60].text, 2, -10)", "fo");
  is("substring(option[60].text, 0, 100)", "foobar");
  is("substring(option[61].text, 0, 3)", "");
  // A start that is no int: an evaluation error (only once there is a string to cut).
  EXPECT_TRUE(env.isError("substring(option[60].text, 99999999999, 1) == ''"));
  EXPECT_TRUE(env.isTrue("substring(option[61].text, 99999999999, 1) == ''"));
}

TEST(ClassifyEval, SplitAsKea) {
  ClassifyEnv env;
  auto is = [&](const char* expr, const char* want) {
    EXPECT_TRUE(env.isTrue(std::string(expr) + " == '" + want + "'")) << expr << " != " << want;
  };
  is("split('one.two..four', '.', 1)", "one");
  is("split('one.two..four', '.', 2)", "two");
  is("split('one.two..four', '.', 3)", "");
  is("split('one.two..four', '.', 4)", "four");
  is("split('one.two..four', '.', 5)", "");
  is("split('one.two..four', '.', 0)", "");
  is("split('one.two..four', '.', -1)", "");
  is("split('one.two:three', '.:', 3)", "three");
  is("split('abc', '', 1)", "abc");
  is("split('abc', '', 7)", "abc");
  is("split('', '.', 1)", "");
  is("split('.', '.', 2)", "");
  is("split(split('a=1;b=2', ';', 2), '=', 2)", "2");
}

TEST(ClassifyEval, ConcatIfElseHexstring) {
  ClassifyEnv env;
  env.setOpt(60, "abc");
  EXPECT_TRUE(env.isTrue("concat('foo', 'bar') == 'foobar'"));
  EXPECT_TRUE(env.isTrue("concat(option[60].text, 'd') == 'abcd'"));
  EXPECT_TRUE(env.isTrue("option[60].text + '-' + option[61].text + 'x' == 'abc-x'"));
  EXPECT_TRUE(env.isTrue("'x' == substring('axb', 1, 1)"));
  EXPECT_TRUE(env.isTrue("ifelse(option[60].exists, 'yes', 'no') == 'yes'"));
  EXPECT_TRUE(env.isTrue("ifelse(option[61].exists, 'yes', 'no') == 'no'"));
  EXPECT_TRUE(env.isTrue("ifelse(option[60].exists and option[61].exists, 'yes', 'no') == 'no'"));
  EXPECT_TRUE(env.isTrue("hexstring(0x0a0b0c, '-') == '0a-0b-0c'"));
  EXPECT_TRUE(env.isTrue("hexstring(0x0a0b0c, '') == '0a0b0c'"));
  EXPECT_TRUE(env.isTrue("hexstring('', ':') == ''"));
  EXPECT_TRUE(env.isTrue("hexstring(0x01, '::') == '01'"));
  EXPECT_TRUE(env.isTrue("hexstring(concat(0x01, 0xff), ', ') == '01, ff'"));
  // Values built in scratch survive later growth of the scratch area.
  EXPECT_TRUE(
      env.isTrue("concat(hexstring(0x0102030405060708090a0b0c0d0e0f, ':'), concat(hexstring(pkt4.mac, ''), "
                 "hexstring(0xffeeddccbbaa99887766554433221100ffeeddccbbaa998877665544332211, '-'))) == "
                 "'01:02:03:04:05:06:07:08:09:0a:0b:0c:0d:0e:0f' + '020000aabbcc' + "
                 "'ff-ee-dd-cc-bb-aa-99-88-77-66-55-44-33-22-11-00-ff-ee-dd-cc-bb-aa-99-88-77-66-55-44-33-22-11'"));
}

TEST(ClassifyEval, Literals) {
  ClassifyEnv env;
  EXPECT_TRUE(env.isTrue("0x41 == 'A'"));
  EXPECT_TRUE(env.isTrue("0x141 == 0x0141"));  // odd digit count: a leading 0
  EXPECT_TRUE(env.isTrue("0X4142 == 'AB'"));
  EXPECT_TRUE(env.isTrue("1 == 0x00000001"));
  EXPECT_TRUE(env.isTrue("4294967295 == 0xffffffff"));
  EXPECT_TRUE(env.isTrue("10.0.0.1 == 0x0a000001"));
  EXPECT_TRUE(env.isTrue("::1 == 0x00000000000000000000000000000001"));
  EXPECT_TRUE(env.isTrue("addrtotext(::1) == '::1'"));
  // A malformed address literal is the empty string (TokenIpAddress).
  EXPECT_TRUE(env.isTrue("10.0.0.300 == ''"));
  EXPECT_TRUE(env.isTrue("'' == ''"));
  EXPECT_TRUE(env.isFalse("'a' == 'A'"));
}

TEST(ClassifyEval, IntegerConversions) {
  ClassifyEnv env;
  EXPECT_TRUE(env.isTrue("int8totext(0xff) == '-1'"));
  EXPECT_TRUE(env.isTrue("uint8totext(0xff) == '255'"));
  EXPECT_TRUE(env.isTrue("int16totext(0xfffe) == '-2'"));
  EXPECT_TRUE(env.isTrue("uint16totext(0xfffe) == '65534'"));
  EXPECT_TRUE(env.isTrue("int32totext(0xfffffffd) == '-3'"));
  EXPECT_TRUE(env.isTrue("uint32totext(0xfffffffd) == '4294967293'"));
  EXPECT_TRUE(env.isTrue("uint32totext(pkt4.transid) == '16909060'"));
  // An empty operand stays empty; a wrong size is an evaluation error.
  EXPECT_TRUE(env.isTrue("uint8totext('') == ''"));
  EXPECT_TRUE(env.isTrue("addrtotext('') == ''"));
  EXPECT_TRUE(env.isError("uint8totext(0x0102) == ''"));
  EXPECT_TRUE(env.isError("uint16totext(0x01) == ''"));
  EXPECT_TRUE(env.isError("int32totext(0x01) == ''"));
  EXPECT_TRUE(env.isError("addrtotext(0x010203) == ''"));
}

TEST(ClassifyEval, BooleanLogicEvaluatesBothSides) {
  ClassifyEnv env;
  env.setOpt(60, "x");
  EXPECT_TRUE(env.isTrue("option[60].exists and not option[61].exists"));
  EXPECT_TRUE(env.isTrue("option[61].exists or option[60].exists"));
  EXPECT_TRUE(env.isFalse("not option[60].exists"));
  EXPECT_TRUE(env.isTrue("not not option[60].exists"));
  // and binds tighter than or; not tighter than and.
  EXPECT_TRUE(env.isTrue("option[60].exists or option[61].exists and option[62].exists"));
  EXPECT_TRUE(env.isFalse("not option[60].exists and option[60].exists"));
  EXPECT_TRUE(env.isFalse("(option[60].exists or option[61].exists) and option[62].exists"));
  // Kea evaluates both operands, so an error on the other side still fails the test.
  EXPECT_TRUE(env.isError("option[60].exists or addrtotext(0x01) == ''"));
  EXPECT_TRUE(env.isError("not (addrtotext(0x01) == '')"));
}

TEST(ClassifyEval, Member) {
  ClassifyEnv env;
  EXPECT_TRUE(env.isFalse("member('gold')"));
  env.addClass("gold");
  env.addClass("KNOWN");
  EXPECT_TRUE(env.isTrue("member('gold')"));
  EXPECT_TRUE(env.isTrue("member('KNOWN') and not member('UNKNOWN')"));
  EXPECT_TRUE(env.isFalse("member('silver')"));
}

TEST(ClassifyEval, EvaluatorIsReusable) {
  ClassifyEnv env;
  env.setOpt(60, "abc");
  auto e = classify::compileExpression("concat(option[60].text, 'd') == 'abcd'", env.ctx);
  ASSERT_TRUE(e.ok());
  classify::PacketInput in{&env.pkt, env.iface, env.src, env.dst, &env.member};
  for (int k = 0; k < 3; ++k) EXPECT_EQ(env.ev.evaluate(*e, in), EvalResult::True);
  env.setOpt(60, "xyz");
  EXPECT_EQ(env.ev.evaluate(*e, in), EvalResult::False);
  (void)hex;
}

}  // namespace
}  // namespace tandem::test
