#pragma once
// Helpers for expression tests: a class table with a few defined classes, a packet builder.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "dhcpd/classify/evaluator.h"
#include "dhcpd/classify/expression.h"

namespace tandem::test {

struct ClassifyEnv {
  classify::ClassTable table;
  classify::ClassSet member;
  classify::CompileContext ctx;
  proto::Packet4 pkt;
  std::string iface = "eth0";
  Ipv4 src{198, 18, 0, 2}, dst{255, 255, 255, 255};
  classify::Evaluator ev;

  ClassifyEnv() {
    for (const char* n : {"ALL", "KNOWN", "UNKNOWN", "gold", "silver"}) table.intern(n);
    ctx.classId = [this](std::string_view n) -> std::optional<classify::ClassId> {
      classify::ClassId id;
      if (table.find(n, id)) return id;
      return std::nullopt;
    };
    member.reset(table.size());
    pkt.op = proto::Packet4::kBootRequest;
    pkt.htype = 1;
    pkt.hlen = 6;
    pkt.xid = 0x01020304;
    pkt.chaddr = {0x02, 0x00, 0x00, 0xaa, 0xbb, 0xcc};
    pkt.set(proto::opt::kMessageType, {1});
  }

  void addClass(std::string_view n) {
    classify::ClassId id;
    ASSERT_TRUE(table.find(n, id));
    member.add(id);
  }

  classify::EvalResult eval(std::string_view text) {
    auto e = classify::compileExpression(text, ctx);
    EXPECT_TRUE(e.ok()) << text << ": " << (e.ok() ? "" : e.error().message);
    if (!e.ok()) return classify::EvalResult::Error;
    classify::PacketInput in{&pkt, iface, src, dst, &member};
    return ev.evaluate(*e, in);
  }
  bool isTrue(std::string_view text) { return eval(text) == classify::EvalResult::True; }
  bool isFalse(std::string_view text) { return eval(text) == classify::EvalResult::False; }
  bool isError(std::string_view text) { return eval(text) == classify::EvalResult::Error; }

  // The compile error message, "" when it compiles.
  std::string error(std::string_view text) {
    auto e = classify::compileExpression(text, ctx);
    return e.ok() ? std::string() : e.error().message;
  }

  void setOpt(std::uint8_t code, std::string_view data) {
    pkt.set(code, std::vector<std::uint8_t>(data.begin(), data.end()));
  }
  void setOpt(std::uint8_t code, std::vector<std::uint8_t> data) { pkt.set(code, std::move(data)); }
};

}  // namespace tandem::test
