// Fused instructions (fuseProgram) give exactly the results of the instructions they
// replace: every expression below is compiled twice, fused and not, and both programs are
// run on the same packets (missing, empty, NUL-terminated, truncated options; substring
// starts and lengths past either end, negative, not an int).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/classify/classify_test_util.h"

namespace tandem::test {
namespace {

using classify::EvalResult;
using classify::Op;

std::vector<Op> ops(const classify::Expression& e) {
  std::vector<Op> o;
  for (const auto& i : e.code) o.push_back(i.op);
  return o;
}

classify::Expression compile(ClassifyEnv& env, const std::string& text, bool fuse) {
  classify::CompileContext ctx = env.ctx;
  ctx.fuse = fuse;
  auto e = classify::compileExpression(text, ctx);
  EXPECT_TRUE(e.ok()) << text;
  return e.ok() ? std::move(e.value()) : classify::Expression{};
}

TEST(ClassifyFused, CommonTestsBecomeOneInstruction) {
  ClassifyEnv env;
  struct Case {
    const char* text;
    std::vector<Op> code;
  };
  for (const Case& c : {
           Case{"option[77].hex == 'iPXE'", {Op::OptionEq}},
           Case{"'iPXE' == option[77].hex", {Op::OptionEq}},
           Case{"option[60].text == 'x'", {Op::OptionEq}},  // a string option: .text is .hex
           Case{"substring(option[60].hex, 0, 20) == 'PXEClient:Arch:00000'", {Op::OptionSubstrEq}},
           Case{"relay4[1].hex == 'eth1/1/1:100'", {Op::Relay4Eq}},
           Case{"relay4[6].text == 'sub'", {Op::Relay4Eq}},  // subscriber-id is a string
           Case{"substring(relay4[2].hex, 0, 2) == 0x0102", {Op::Relay4SubstrEq}},
           // Not fused into an option compare: .text of a binary option is formatted text.
           Case{"option[61].text == 'x'", {Op::Option, Op::EqualConst}},
           Case{"relay4[1].text == 'x'", {Op::Relay4, Op::EqualConst}},
           Case{"pkt4.giaddr == 10.0.0.1", {Op::FieldEq}},
           Case{"10.0.0.1 == pkt4.giaddr", {Op::FieldEq}},
           Case{"pkt.src == 10.0.0.1", {Op::FieldEq}},
           Case{"pkt4.mac == 0x020000aabbcc", {Op::Pkt4Mac, Op::EqualConst}},
           Case{"hexstring(pkt4.mac, '') == '02'", {Op::Pkt4Mac, Op::Const, Op::ToHexString, Op::EqualConst}},
           Case{"relay4[2].exists and option[60].hex == 'a'", {Op::Relay4, Op::OptionEq, Op::And}},
           Case{"option[60].hex == option[61].hex", {Op::Option, Op::Option, Op::Equal}},
       }) {
    EXPECT_EQ(ops(compile(env, c.text, true)), c.code) << c.text;
  }
  // Programs of booleans only run on the bit stack; any string value rules it out.
  for (const char* text : {"option[77].hex == 'iPXE'", "member('gold') and not member('silver')",
                           "relay4[2].exists and pkt4.giaddr == 10.0.0.1",
                           "option[12].exists and substring(option[12].hex, 0, 3) == 'lab' or option[61].exists"}) {
    EXPECT_TRUE(compile(env, text, true).predicate) << text;
    EXPECT_FALSE(compile(env, text, false).predicate) << text;
  }
  for (const char* text : {"option[61].text == 'x'", "member('gold') and hexstring(pkt4.mac, '') == '02'",
                           "ifelse(option[60].exists, 'a', 'b') == 'a'", "vendor[*].exists"}) {
    EXPECT_FALSE(compile(env, text, true).predicate) << text;
  }
  // Unfused, the plain postfix form.
  EXPECT_EQ(ops(compile(env, "option[77].hex == 'iPXE'", false)), (std::vector<Op>{Op::Option, Op::Const, Op::Equal}));
}

// Option payloads to try: absent (nullopt), empty, with trailing NULs, shorter and longer
// than the constants.
using Payload = std::optional<std::string>;

std::vector<Payload> payloads() {
  return {std::nullopt,
          std::string(),
          std::string("f"),
          std::string("foo"),
          std::string("foobar"),
          std::string("foobar\0\0", 8),
          std::string("\0", 1),
          std::string("foo\0bar", 7),
          std::string("PXEClient:Arch:00007:UNDI:003016")};
}

// Option 82 contents: sub-options 1 (circuit-id, binary), 2 (remote-id, binary) and 6
// (subscriber-id, a string), empty sub-options, a truncated one.
std::vector<Payload> relayAreas() {
  auto sub = [](std::uint8_t code, const std::string& v) {
    return std::string(1, char(code)) + std::string(1, char(v.size())) + v;
  };
  return {std::nullopt,
          std::string(),
          sub(1, "foo"),
          sub(1, "foobar") + sub(2, std::string("\x01\x02\x00", 3)),
          sub(1, "") + sub(6, std::string("foo\0", 4)),
          sub(2, "foobar") + std::string("\x06\x09x", 3),  // 6 runs past the end: dropped
          sub(6, "foobar") + sub(1, std::string("\0\0", 2)),
          std::string("\x01\x05"
                      "fo",
                      4)};  // truncated first sub-option: nothing
}

std::vector<std::string> expressions() {
  const std::vector<std::string> constants = {
      "''", "'f'", "'foo'", "'foobar'", "0x666f6f626172", "0x00", "0x66006f", "0x666f6f62617200", "'PXEClient'"};
  const std::vector<std::string> starts = {"-9", "-7", "-6", "-3", "-1", "0", "1", "3", "5", "6", "7", "99999999999"};
  const std::vector<std::string> lengths = {"all", "-10", "-3", "-1", "0", "1", "2", "3", "6", "100", "99999999999"};
  const std::vector<std::string> sources = {"option[60].hex", "option[60].text", "option[61].hex", "option[12].text",
                                            "option[77].hex", "relay4[1].hex",   "relay4[1].text", "relay4[2].hex",
                                            "relay4[6].hex",  "relay4[6].text"};
  std::vector<std::string> out;
  for (const auto& src : sources) {
    for (const auto& c : constants) {
      out.push_back(src + " == " + c);
      out.push_back(c + " == " + src);
      out.push_back("not (" + src + " == " + c + ")");
    }
    for (const auto& s : starts) {
      for (const auto& l : lengths) {
        for (const auto& c : {std::string("''"), std::string("'f'"), std::string("'foo'"), std::string("'bar'"),
                              std::string("'foobar'"), std::string("'o'"), std::string("0x00")}) {
          out.push_back("substring(" + src + ", " + s + ", " + l + ") == " + c);
        }
      }
    }
  }
  // Mixed with the other instructions.
  out.insert(out.end(), {"option[60].exists and substring(option[60].hex, 0, 3) == 'foo'",
                         "relay4[2].exists or relay4[1].hex == 'foo'",
                         "member('gold') and relay4[6].hex == 'foo'",
                         "ifelse(option[60].exists, option[60].hex, 'none') == 'none'",
                         "split(relay4[1].text, ':', 2) == ' 66'",
                         "substring(hexstring(pkt4.mac, ':'), 0, 8) == '02:00:00'",
                         "hexstring(option[60].hex, '') == '666f6f'",
                         "concat(option[60].hex, 'x') == 'foox'",
                         "substring(concat(option[60].hex, relay4[1].hex), 2, 4) == 'ofoo'",
                         "substring(option[60].hex, 1, all) == substring(option[12].text, 1, all)",
                         "pkt4.giaddr == 198.18.0.1",
                         "198.18.0.0 == pkt4.giaddr",
                         "pkt4.giaddr == 0x00",
                         "pkt4.giaddr == 0xc6120001ff",
                         "pkt4.giaddr == ''",
                         "pkt4.hlen == 6 and pkt4.htype == 1",
                         "pkt4.msgtype == 1 or pkt4.transid == 0x01020304",
                         "pkt4.ciaddr == 0.0.0.0 and pkt4.yiaddr == 0.0.0.0 and pkt4.siaddr == 0.0.0.0",
                         "pkt.src == 198.18.0.2 and not (pkt.dst == 255.255.255.255)",
                         "pkt.len == 239 or pkt.len == 250",
                         "not option[60].exists or option[61].exists and member('gold')",
                         "relay4[1].exists and not relay4[9].exists or not member('silver')",
                         "not (member('gold') and (option[12].exists or substring(option[12].hex, 9, 2) == 'x'))",
                         "'' == ''"});
  return out;
}

TEST(ClassifyFused, SameResultsAsUnfusedOnManyPackets) {
  ClassifyEnv env;
  env.addClass("gold");
  const auto exprs = expressions();
  std::vector<classify::Expression> fused, plain;
  std::size_t shorter = 0;
  for (const auto& text : exprs) {
    fused.push_back(compile(env, text, true));
    plain.push_back(compile(env, text, false));
    if (fused.back().code.size() < plain.back().code.size()) ++shorter;
  }
  // The comparison means something only if most programs were fused.
  EXPECT_GT(shorter, exprs.size() * 9 / 10);

  const auto values = payloads();
  const auto relays = relayAreas();
  classify::Evaluator other;
  std::size_t runs = 0, trues = 0, errors = 0;
  for (std::size_t k = 0; k < values.size() * relays.size(); ++k) {
    env.pkt.options.clear();
    env.pkt.set(proto::opt::kMessageType, {1});
    env.pkt.giaddr = Ipv4(198, 18, 0, std::uint8_t(k % 2));
    auto put = [&](std::uint8_t code, const Payload& v) {
      if (v) env.setOpt(code, std::vector<std::uint8_t>(v->begin(), v->end()));
    };
    put(60, values[k % values.size()]);
    put(61, values[(k / 3) % values.size()]);
    put(12, values[(k / 5) % values.size()]);
    put(77, values[(k / 7) % values.size()]);
    put(82, relays[k % relays.size()]);
    classify::PacketInput in{&env.pkt, env.iface, env.src, env.dst, &env.member};
    for (std::size_t x = 0; x < exprs.size(); ++x) {
      const EvalResult a = env.ev.evaluate(fused[x], in);
      const EvalResult b = other.evaluate(plain[x], in);
      ASSERT_EQ(a, b) << exprs[x] << " on packet " << k;
      if (a != EvalResult::Error) {
        ASSERT_EQ(env.ev.lastValue(), other.lastValue()) << exprs[x] << " on packet " << k;
      }
      ++runs;
      trues += a == EvalResult::True;
      errors += a == EvalResult::Error;
    }
  }
  // Both outcomes and the error path were exercised.
  EXPECT_GT(trues, runs / 50);
  EXPECT_GT(runs - trues - errors, runs / 2);
  EXPECT_GT(errors, 0u);
}

TEST(ClassifyFused, SubstringOfMissingOptionIgnoresBadLiteral) {
  ClassifyEnv env;
  // Kea converts the literals only once there is a string to cut.
  EXPECT_TRUE(env.isTrue("substring(option[60].hex, 99999999999, 1) == ''"));
  env.setOpt(60, "abc");
  EXPECT_TRUE(env.isError("substring(option[60].hex, 99999999999, 1) == ''"));
  EXPECT_TRUE(env.isError("substring(option[60].hex, 0, 99999999999) == ''"));
  env.setOpt(60, "");
  EXPECT_TRUE(env.isTrue("substring(option[60].hex, 0, 99999999999) == ''"));
}

TEST(ClassifyFused, TrailingNulsOnlyTrimmedForStringOptions) {
  ClassifyEnv env;
  env.setOpt(60, std::string_view("ab\0", 3));
  env.setOpt(61, std::string_view("ab\0", 3));
  EXPECT_TRUE(env.isTrue("option[60].hex == 'ab'"));
  EXPECT_TRUE(env.isTrue("option[61].hex == 0x616200"));
  EXPECT_TRUE(env.isTrue("substring(option[60].hex, -1, 1) == 'b'"));
  EXPECT_TRUE(env.isTrue("substring(option[61].hex, -1, 1) == 0x00"));
  env.setOpt(82, std::vector<std::uint8_t>{6, 3, 'a', 'b', 0, 1, 3, 'a', 'b', 0});
  EXPECT_TRUE(env.isTrue("relay4[6].hex == 'ab'"));
  EXPECT_TRUE(env.isTrue("relay4[1].hex == 0x616200"));
}

}  // namespace
}  // namespace tandem::test

namespace tandem::test {
namespace {

// The generic .text form is built without printf: the same text for empty and long options.
TEST(ClassifyFused, GenericTextForm) {
  ClassifyEnv env;
  env.setOpt(61, std::vector<std::uint8_t>{});
  EXPECT_TRUE(env.isTrue("option[61].text == 'type=061, len=000: '"));
  env.setOpt(61, std::vector<std::uint8_t>(300, 0xab));  // RFC 3396 concatenated
  std::string want = "type=061, len=300: ab";
  for (int k = 1; k < 300; ++k) want += ":ab";
  EXPECT_TRUE(env.isTrue("option[61].text == '" + want + "'"));
  env.setOpt(82, std::vector<std::uint8_t>{9, 1, 0x0f});
  EXPECT_TRUE(env.isTrue("relay4[9].text == 'type=009, len=001: 0f'"));
}

}  // namespace
}  // namespace tandem::test
