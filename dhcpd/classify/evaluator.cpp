#include "dhcpd/classify/evaluator.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

#include "dhcpd/classify/option_view.h"

namespace tandem::classify {
namespace {

constexpr std::string_view kTrue = "true", kFalse = "false";
namespace opt = proto::opt;
// RFC 3925: V-I Vendor Class (124) and V-I Vendor-Specific Information (125).
constexpr std::uint8_t kVivco = 124, kVivso = 125;

Bytes bytesOf(const std::vector<std::uint8_t>& v) noexcept { return {v.data(), v.size()}; }

std::uint32_t be32(std::string_view s) noexcept {
  const auto* p = reinterpret_cast<const std::uint8_t*>(s.data());
  return std::uint32_t(p[0]) << 24 | std::uint32_t(p[1]) << 16 | std::uint32_t(p[2]) << 8 | p[3];
}

// Kea's Pkt4::len(): the fixed header plus every option with its 2-byte header.
std::uint32_t keaPacketLength(const proto::Packet4& p) noexcept {
  std::uint32_t n = 236;
  for (const auto& o : p.options) n += 2 + std::uint32_t(o.data.size());
  return n;
}

}  // namespace

Evaluator::Val Evaluator::copy(std::string_view s) {
  Val v = alloc(s.size());
  if (!s.empty()) std::memcpy(arena_.data() + v.off, s.data(), s.size());
  return v;
}

EvalResult Evaluator::evaluate(const Expression& e, const PacketInput& in) {
  // The stack is sized once per expression depth (known at compile time) and used through
  // an index: no capacity checks per push.
  if (stack_.size() < e.maxStack + 1) stack_.resize(e.maxStack + 1);
  top_ = 0;
  arena_.clear();
  last_ = {};
  for (const Instr& i : e.code) {
    if (!step(i, e, in)) return EvalResult::Error;
  }
  if (top_ != 1) return EvalResult::Error;
  last_ = view(stack_[0]);
  // evaluateBool: the result must be exactly "true" or "false".
  if (last_ == kTrue) return EvalResult::True;
  if (last_ == kFalse) return EvalResult::False;
  return EvalResult::Error;
}

bool Evaluator::step(const Instr& i, const Expression& e, const PacketInput& in) {
  const proto::Packet4& p = *in.pkt;
  auto push = [&](Val v) { stack_[top_++] = v; };
  auto pushBool = [&](bool b) { stack_[top_++] = external(b ? kTrue : kFalse); };
  auto pop = [&]() {
    Val v = stack_[--top_];
    return v;
  };
  auto pushU32 = [&](std::uint32_t x) {
    Val v = alloc(4);
    std::uint8_t* d = arena_.data() + v.off;
    d[0] = std::uint8_t(x >> 24);
    d[1] = std::uint8_t(x >> 16);
    d[2] = std::uint8_t(x >> 8);
    d[3] = std::uint8_t(x);
    push(v);
  };
  auto pushAddr = [&](Ipv4 a) { pushU32(a.value); };
  auto pushText = [&](std::string_view s) { push(copy(s)); };
  // An option (or sub-option) found: push it in the wanted representation.
  auto pushOption = [&](int space, std::uint8_t code, Bytes data) {
    switch (i.repr) {
      case Repr::Exists: pushBool(true); return;
      case Repr::Hex: {
        const Bytes h = optionHex(space, code, data);
        push(external(h.data(), h.size()));
        return;
      }
      case Repr::Text: {
        text_.clear();
        optionText(space, code, data, text_);
        pushText(text_);
        return;
      }
    }
  };
  // TokenOption::pushFailure: "" or "false" for .exists.
  auto pushMissing = [&]() { push(external(i.repr == Repr::Exists ? kFalse : std::string_view())); };
  // The *totext conversions leave an empty operand in place and refuse a wrong size.
  auto toText = [&](std::size_t size, auto&& format) {
    const std::string_view v = view(stack_[top_ - 1]);
    if (v.empty()) return true;
    if (v.size() != size) return false;
    char buf[48];
    const std::size_t n = format(reinterpret_cast<const std::uint8_t*>(v.data()), buf);
    --top_;
    pushText(std::string_view(buf, n));
    return true;
  };
  auto decimal = [](std::int64_t x, char* buf) {
    return std::size_t(std::to_chars(buf, buf + 24, x).ptr - buf);
  };

  switch (i.op) {
    case Op::Const:
      push(external(std::string_view(e.constants).substr(i.a, i.b)));
      return true;
    case Op::Option: {
      const proto::Option* o = p.find(i.code);
      if (!o) {
        pushMissing();
      } else {
        pushOption(0, i.code, bytesOf(o->data));
      }
      return true;
    }
    case Op::SubOption: {
      const proto::Option* o = p.find(i.code);
      Bytes sub;
      bool found = false;
      if (o && hasSubOptions(i.code)) {
        found = findSubOption(bytesOf(o->data), i.sub, sub);
      } else if (o && i.code == kVivso) {
        std::uint32_t ent = 0;
        Bytes area;
        found = vendorOption(bytesOf(o->data), ent, area) && findSubOption(area, i.sub, sub);
      }
      if (found) {
        pushOption(i.code == opt::kRelayAgentInfo ? 82 : -1, i.sub, sub);
      } else {
        pushMissing();
      }
      return true;
    }
    case Op::Relay4: {
      const proto::Option* o = p.find(opt::kRelayAgentInfo);
      Bytes sub;
      if (o && findSubOption(bytesOf(o->data), i.sub, sub)) {
        pushOption(82, i.sub, sub);
      } else {
        pushMissing();
      }
      return true;
    }
    case Op::PktIface: pushText(in.iface); return true;
    case Op::PktSrc: pushAddr(in.src); return true;
    case Op::PktDst: pushAddr(in.dst); return true;
    case Op::PktLen: pushU32(keaPacketLength(p)); return true;
    case Op::Pkt4Mac: push(external(p.chaddr.data(), std::min<std::size_t>(p.hlen, p.chaddr.size()))); return true;
    case Op::Pkt4Hlen: pushU32(p.hlen); return true;
    case Op::Pkt4Htype: pushU32(p.htype); return true;
    case Op::Pkt4Ciaddr: pushAddr(p.ciaddr); return true;
    case Op::Pkt4Giaddr: pushAddr(p.giaddr); return true;
    case Op::Pkt4Yiaddr: pushAddr(p.yiaddr); return true;
    case Op::Pkt4Siaddr: pushAddr(p.siaddr); return true;
    case Op::Pkt4Msgtype: {
      auto t = p.messageType();
      pushU32(t ? std::uint32_t(*t) : 0);
      return true;
    }
    case Op::Pkt4Transid: pushU32(p.xid); return true;
    case Op::VendorExists: case Op::VendorEnterprise: case Op::VendorSubOption: {
      const proto::Option* o = p.find(kVivso);
      std::uint32_t ent = 0;
      Bytes area;
      if (!o || !vendorOption(bytesOf(o->data), ent, area) || (i.a && i.a != ent)) {
        pushMissing();
        return true;
      }
      if (i.op == Op::VendorExists) {
        pushBool(true);
      } else if (i.op == Op::VendorEnterprise) {
        pushU32(ent);
      } else {
        Bytes sub;
        if (findSubOption(area, i.sub, sub)) {
          pushOption(-1, i.sub, sub);
        } else {
          pushMissing();
        }
      }
      return true;
    }
    case Op::VendorClassExists: case Op::VendorClassEnterprise: case Op::VendorClassData: {
      const proto::Option* o = p.find(kVivco);
      std::uint32_t ent = 0;
      if (!o || !vendorClassOption(bytesOf(o->data), ent) || (i.a && i.a != ent)) {
        pushMissing();
        return true;
      }
      if (i.op == Op::VendorClassExists) {
        pushBool(true);
      } else if (i.op == Op::VendorClassEnterprise) {
        pushU32(ent);
      } else {
        Bytes t;
        if (vendorClassTuple(bytesOf(o->data), i.b, t)) {
          push(external(t.data(), t.size()));
        } else {
          push(external(std::string_view()));
        }
      }
      return true;
    }
    case Op::Equal: {
      const std::string_view b = view(pop()), a = view(pop());
      pushBool(a == b);
      return true;
    }
    case Op::Substring: {
      Val s = pop();
      if (s.len == 0) {
        push(s);
        return true;
      }
      if (i.bad) return false;  // boost::lexical_cast<int> fails: EvalTypeError
      const int n = int(s.len);
      int start = i.start;
      int length = i.lengthAll ? n : i.length;
      if (start < -n || start >= n) {
        push(external(std::string_view()));
        return true;
      }
      if (start < 0) start += n;
      if (length < 0) {
        length = -length;
        if (length <= start) {
          start -= length;
        } else {
          length = start;
          start = 0;
        }
      }
      // std::string::substr(start, length): length is clamped to what remains.
      const std::uint32_t take = std::uint32_t(std::min(length, n - start));
      Val r = s;
      if (r.inArena) {
        r.off += std::uint32_t(start);
      } else {
        r.ptr += start;
      }
      r.len = take;
      push(r);
      return true;
    }
    case Op::Split: {
      Val delims = pop();
      Val s = pop();
      if (s.len == 0) {
        push(external(std::string_view()));
        return true;
      }
      if (i.bad) return false;
      if (delims.len == 0) {
        push(s);
        return true;
      }
      // boost::split with is_any_of and token_compress_off: every delimiter ends a field.
      const std::string_view str = view(s), d = view(delims);
      int field = 1;
      std::size_t begin = 0;
      for (std::size_t k = 0; k <= str.size(); ++k) {
        if (k == str.size() || d.find(str[k]) != std::string_view::npos) {
          if (field == i.start) {
            Val r = s;
            if (r.inArena) {
              r.off += std::uint32_t(begin);
            } else {
              r.ptr += begin;
            }
            r.len = std::uint32_t(k - begin);
            push(r);
            return true;
          }
          ++field;
          begin = k + 1;
        }
      }
      push(external(std::string_view()));
      return true;
    }
    case Op::Concat: {
      const Val b = pop(), a = pop();
      Val r = alloc(a.len + b.len);
      // alloc may move the arena: read the operands after it.
      const std::string_view av = view(a), bv = view(b);
      if (!av.empty()) std::memcpy(arena_.data() + r.off, av.data(), av.size());
      if (!bv.empty()) std::memcpy(arena_.data() + r.off + av.size(), bv.data(), bv.size());
      push(r);
      return true;
    }
    case Op::IfElse: {
      const Val no = pop(), yes = pop();
      const std::string_view cond = view(pop());
      if (cond != kTrue && cond != kFalse) return false;
      push(cond == kTrue ? yes : no);
      return true;
    }
    case Op::ToHexString: {
      const Val sep = pop(), bin = pop();
      const std::size_t n = bin.len, sl = sep.len;
      Val r = alloc(n == 0 ? 0 : n * 2 + (n - 1) * sl);
      const std::string_view b = view(bin), s = view(sep);
      std::uint8_t* out = arena_.data() + r.off;
      static constexpr char kDigits[] = "0123456789abcdef";
      for (std::size_t k = 0; k < n; ++k) {
        if (k) {
          std::memcpy(out, s.data(), sl);
          out += sl;
        }
        const auto c = std::uint8_t(b[k]);
        *out++ = std::uint8_t(kDigits[c >> 4]);
        *out++ = std::uint8_t(kDigits[c & 15]);
      }
      push(r);
      return true;
    }
    case Op::AddrToText: {
      const std::string_view v = view(stack_[top_ - 1]);
      if (v.empty()) return true;
      char buf[INET6_ADDRSTRLEN];
      if (v.size() == 4) {
        inet_ntop(AF_INET, v.data(), buf, sizeof buf);
      } else if (v.size() == 16) {
        inet_ntop(AF_INET6, v.data(), buf, sizeof buf);
      } else {
        return false;
      }
      --top_;
      pushText(buf);
      return true;
    }
    case Op::Int8ToText:
      return toText(1, [&](const std::uint8_t* d, char* b) { return decimal(std::int8_t(d[0]), b); });
    case Op::Int16ToText:
      return toText(2, [&](const std::uint8_t* d, char* b) { return decimal(std::int16_t(d[0] << 8 | d[1]), b); });
    case Op::Int32ToText:
      return toText(4, [&](const std::uint8_t* d, char* b) {
        return decimal(std::int32_t(be32(std::string_view(reinterpret_cast<const char*>(d), 4))), b);
      });
    case Op::UInt8ToText:
      return toText(1, [&](const std::uint8_t* d, char* b) { return decimal(d[0], b); });
    case Op::UInt16ToText:
      return toText(2, [&](const std::uint8_t* d, char* b) { return decimal(std::uint16_t(d[0] << 8 | d[1]), b); });
    case Op::UInt32ToText:
      return toText(4, [&](const std::uint8_t* d, char* b) {
        return decimal(be32(std::string_view(reinterpret_cast<const char*>(d), 4)), b);
      });
    case Op::Not: {
      const std::string_view v = view(pop());
      if (v != kTrue && v != kFalse) return false;
      pushBool(v == kFalse);
      return true;
    }
    case Op::And: case Op::Or: {
      const std::string_view b = view(pop()), a = view(pop());
      if ((a != kTrue && a != kFalse) || (b != kTrue && b != kFalse)) return false;
      pushBool(i.op == Op::And ? (a == kTrue && b == kTrue) : (a == kTrue || b == kTrue));
      return true;
    }
    case Op::Member:
      pushBool(in.classes && in.classes->has(ClassId(i.a)));
      return true;
  }
  return false;
}

}  // namespace tandem::classify
