#include "dhcpd/classify/evaluator.h"

#include <arpa/inet.h>

#include <algorithm>
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

// Kea's TokenSubstring on a string of n bytes with the literal start and length: the range
// it keeps. An empty string stays empty whatever the literals; otherwise a literal that is
// not an int is an evaluation error (false).
bool substringRange(std::uint32_t size, const Instr& i, std::uint32_t& from, std::uint32_t& take) noexcept {
  from = take = 0;
  if (size == 0) return true;
  if (i.bad) return false;  // boost::lexical_cast<int> fails: EvalTypeError
  const int n = int(size);
  int start = i.start;
  int length = i.lengthAll ? n : i.length;
  if (start < -n || start >= n) return true;  // ""
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
  from = std::uint32_t(start);
  take = std::uint32_t(std::min(length, n - start));
  return true;
}

std::string_view chars(const std::uint8_t* p, std::size_t n) noexcept { return {reinterpret_cast<const char*>(p), n}; }

// A fused comparison's operand: the payload of an option as .hex shows it ("" when absent).
std::string_view payload(const proto::Option* o, bool trim) noexcept {
  if (!o) return {};
  std::size_t n = o->data.size();
  if (trim) {
    while (n > 0 && o->data[n - 1] == 0) --n;
  }
  return chars(o->data.data(), n);
}

// relay4[sub]'s payload, "" when there is no option 82 or no such sub-option.
std::string_view relayPayload(const proto::Packet4& p, std::uint8_t sub, bool trim) noexcept {
  const proto::Option* o = p.find(opt::kRelayAgentInfo);
  Bytes found;
  if (!o || !findSubOption(bytesOf(o->data), sub, found)) return {};
  std::size_t n = found.size();
  if (trim) {
    while (n > 0 && found[n - 1] == 0) --n;
  }
  return chars(found.data(), n);
}

// substring(v, start, length) == c; false on an evaluation error.
bool substringEquals(std::string_view v, const Instr& i, std::string_view c, bool& equal) noexcept {
  std::uint32_t from = 0, take = 0;
  if (!substringRange(std::uint32_t(v.size()), i, from, take)) return false;
  equal = v.substr(from, take) == c;
  return true;
}

// The value of a 4-byte packet field (FieldEq's code holds the accessor's Op).
std::uint32_t fieldValue(Op field, const proto::Packet4& p, const PacketInput& in) noexcept {
  switch (field) {
    case Op::PktSrc: return in.src.value;
    case Op::PktDst: return in.dst.value;
    case Op::PktLen: return keaPacketLength(p);
    case Op::Pkt4Hlen: return p.hlen;
    case Op::Pkt4Htype: return p.htype;
    case Op::Pkt4Ciaddr: return p.ciaddr.value;
    case Op::Pkt4Giaddr: return p.giaddr.value;
    case Op::Pkt4Yiaddr: return p.yiaddr.value;
    case Op::Pkt4Siaddr: return p.siaddr.value;
    case Op::Pkt4Msgtype: {
      auto t = p.messageType();
      return t ? std::uint32_t(*t) : 0;
    }
    case Op::Pkt4Transid: return p.xid;
    default: return 0;
  }
}

// The field as the 4 bytes it is in string context, compared with a constant.
bool fieldEquals(const Instr& i, std::string_view constants, const proto::Packet4& p, const PacketInput& in) noexcept {
  return i.b == 4 && be32(constants.substr(i.a, 4)) == fieldValue(Op(i.code), p, in);
}

bool relayHas(const proto::Packet4& p, std::uint8_t sub) noexcept {
  const proto::Option* o = p.find(opt::kRelayAgentInfo);
  Bytes found;
  return o && findSubOption(bytesOf(o->data), sub, found);
}

}  // namespace

EvalResult Evaluator::evaluatePredicate(const Expression& e, const PacketInput& in) {
  const proto::Packet4& p = *in.pkt;
  const std::string_view constants = e.constants;
  bool st[64];
  std::size_t top = 0;
  last_ = {};
  for (const Instr& i : e.code) {
    bool v = false;
    switch (i.op) {
      case Op::Member: v = in.classes && in.classes->has(ClassId(i.a)); break;
      case Op::Option: v = p.find(i.code) != nullptr; break;  // .exists
      case Op::Relay4: v = relayHas(p, i.sub); break;         // .exists
      case Op::OptionEq: v = payload(p.find(i.code), i.trim) == constants.substr(i.a, i.b); break;
      case Op::Relay4Eq: v = relayPayload(p, i.sub, i.trim) == constants.substr(i.a, i.b); break;
      case Op::OptionSubstrEq:
      case Op::Relay4SubstrEq: {
        const std::string_view s = i.op == Op::OptionSubstrEq ? payload(p.find(i.code), i.trim)
                                                              : relayPayload(p, i.sub, i.trim);
        if (!substringEquals(s, i, constants.substr(i.a, i.b), v)) return EvalResult::Error;
        break;
      }
      case Op::FieldEq: v = fieldEquals(i, constants, p, in); break;
      case Op::Not: st[top - 1] = !st[top - 1]; continue;
      case Op::And:
        --top;
        st[top - 1] = st[top - 1] && st[top];
        continue;
      case Op::Or:
        --top;
        st[top - 1] = st[top - 1] || st[top];
        continue;
      default: return EvalResult::Error;  // not a predicate program (fuseProgram decides)
    }
    st[top++] = v;
  }
  if (top != 1) return EvalResult::Error;
  last_ = st[0] ? kTrue : kFalse;
  return st[0] ? EvalResult::True : EvalResult::False;
}

std::string_view Evaluator::view(const Val& v) const noexcept {
  switch (v.where) {
    case Where::External: return chars(v.ptr, v.len);
    case Where::Arena: return std::string_view(arena_.data() + v.off, v.len);
    case Where::True: return kTrue;
    case Where::False: return kFalse;
  }
  return {};
}

Evaluator::Val Evaluator::copy(std::string_view s) {
  Val v = alloc(s.size());
  if (!s.empty()) std::memcpy(at(v.off), s.data(), s.size());
  return v;
}

void Evaluator::grow(std::size_t need) { arena_.resize(std::max<std::size_t>({need, arena_.size() * 2, 256})); }

Evaluator::Val Evaluator::u32(std::uint32_t x) {
  Val v = alloc(4);
  std::uint8_t* d = at(v.off);
  d[0] = std::uint8_t(x >> 24);
  d[1] = std::uint8_t(x >> 16);
  d[2] = std::uint8_t(x >> 8);
  d[3] = std::uint8_t(x);
  return v;
}

bool Evaluator::truth(const Val& v, bool& out) const noexcept {
  if (v.where == Where::True || v.where == Where::False) {
    out = v.where == Where::True;
    return true;
  }
  const std::string_view s = view(v);
  if (s == kTrue) {
    out = true;
    return true;
  }
  if (s == kFalse) {
    out = false;
    return true;
  }
  return false;
}

// An option (or sub-option) found: its value in the instruction's representation.
Evaluator::Val Evaluator::optionValue(const Instr& i, int space, std::uint8_t code, const std::uint8_t* data,
                                      std::size_t n) {
  switch (i.repr) {
    case Repr::Exists: return boolean(true);
    case Repr::Hex: {
      const Bytes h = optionHex(space, code, Bytes(data, n));
      return external(h.data(), h.size());
    }
    case Repr::Text: {
      // Formatted straight into the arena: cut it to its fill (keeping the capacity), append.
      Val v;
      v.where = Where::Arena;
      v.off = std::uint32_t(used_);
      arena_.resize(used_);
      optionText(space, code, Bytes(data, n), arena_);
      used_ = arena_.size();
      v.len = std::uint32_t(used_ - v.off);
      return v;
    }
  }
  return {};
}

EvalResult Evaluator::evaluate(const Expression& e, const PacketInput& in) {
  if (e.predicate && e.maxStack <= 64) return evaluatePredicate(e, in);
  // The stack is sized once per expression depth (known at compile time) and used through
  // an index: no capacity checks per push.
  if (stack_.size() < e.maxStack + 1) stack_.resize(e.maxStack + 1);
  top_ = 0;
  used_ = 0;
  last_ = {};
  const proto::Packet4& p = *in.pkt;
  Val* const st = stack_.data();
  const std::string_view constants = e.constants;
  // The common instructions are run here; the rest (text conversions, vendor options, packet
  // fields) by slow().
  for (const Instr& i : e.code) {
    switch (i.op) {
      case Op::Const: st[top_++] = external(constants.substr(i.a, i.b)); break;
      case Op::Member: st[top_++] = boolean(in.classes && in.classes->has(ClassId(i.a))); break;
      case Op::Option: {
        const proto::Option* o = p.find(i.code);
        if (!o) {
          // TokenOption::pushFailure: "" or "false" for .exists.
          st[top_++] = i.repr == Repr::Exists ? boolean(false) : Val{};
        } else {
          const Val v = optionValue(i, 0, i.code, o->data.data(), o->data.size());
          st[top_++] = v;
        }
        break;
      }
      case Op::Relay4: {
        const proto::Option* o = p.find(opt::kRelayAgentInfo);
        Bytes sub;
        if (o && findSubOption(bytesOf(o->data), i.sub, sub)) {
          const Val v = optionValue(i, 82, i.sub, sub.data(), sub.size());
          st[top_++] = v;
        } else {
          st[top_++] = i.repr == Repr::Exists ? boolean(false) : Val{};
        }
        break;
      }
      case Op::Equal: {
        const Val b = st[--top_], a = st[top_ - 1];
        const bool aBool = a.where == Where::True || a.where == Where::False;
        const bool bBool = b.where == Where::True || b.where == Where::False;
        st[top_ - 1] = boolean(aBool && bBool ? a.where == b.where : view(a) == view(b));
        break;
      }
      case Op::FieldEq: st[top_++] = boolean(fieldEquals(i, constants, p, in)); break;
      case Op::EqualConst: st[top_ - 1] = boolean(view(st[top_ - 1]) == constants.substr(i.a, i.b)); break;
      case Op::OptionEq: st[top_++] = boolean(payload(p.find(i.code), i.trim) == constants.substr(i.a, i.b)); break;
      case Op::Relay4Eq: st[top_++] = boolean(relayPayload(p, i.sub, i.trim) == constants.substr(i.a, i.b)); break;
      case Op::OptionSubstrEq:
      case Op::Relay4SubstrEq: {
        const std::string_view v = i.op == Op::OptionSubstrEq ? payload(p.find(i.code), i.trim)
                                                              : relayPayload(p, i.sub, i.trim);
        bool equal = false;
        if (!substringEquals(v, i, constants.substr(i.a, i.b), equal)) return EvalResult::Error;
        st[top_++] = boolean(equal);
        break;
      }
      case Op::Not: {
        bool v = false;
        if (!truth(st[top_ - 1], v)) return EvalResult::Error;
        st[top_ - 1] = boolean(!v);
        break;
      }
      case Op::And:
      case Op::Or: {
        bool a = false, b = false;
        if (!truth(st[top_ - 1], b) || !truth(st[top_ - 2], a)) return EvalResult::Error;
        --top_;
        st[top_ - 1] = boolean(i.op == Op::And ? (a && b) : (a || b));
        break;
      }
      case Op::Substring: {
        const Val s = sliceable(st[top_ - 1]);
        std::uint32_t from = 0, take = 0;
        if (!substringRange(s.len, i, from, take)) return EvalResult::Error;
        Val r = s;
        if (r.where == Where::Arena) {
          r.off += from;
        } else {
          r.ptr += from;
        }
        r.len = take;
        st[top_ - 1] = r;
        break;
      }
      default:
        if (!slow(i, in)) return EvalResult::Error;
        break;
    }
  }
  if (top_ != 1) return EvalResult::Error;
  const Val& result = st[0];
  last_ = view(result);
  // evaluateBool: the result must be exactly "true" or "false".
  bool b = false;
  if (!truth(result, b)) return EvalResult::Error;
  return b ? EvalResult::True : EvalResult::False;
}

bool Evaluator::slow(const Instr& i, const PacketInput& in) {
  const proto::Packet4& p = *in.pkt;
  auto push = [&](Val v) { stack_[top_++] = v; };
  auto pop = [&]() { return stack_[--top_]; };
  auto pushAddr = [&](Ipv4 a) { push(u32(a.value)); };
  auto pushMissing = [&]() { push(i.repr == Repr::Exists ? boolean(false) : Val{}); };
  // The *totext conversions leave an empty operand in place and refuse a wrong size.
  auto toText = [&](std::size_t size, auto&& format) {
    const std::string_view v = view(stack_[top_ - 1]);
    if (v.empty()) return true;
    if (v.size() != size) return false;
    char buf[48];
    const std::size_t n = format(reinterpret_cast<const std::uint8_t*>(v.data()), buf);
    --top_;
    push(copy(std::string_view(buf, n)));
    return true;
  };
  auto decimal = [](std::int64_t x, char* buf) { return std::size_t(std::to_chars(buf, buf + 24, x).ptr - buf); };

  switch (i.op) {
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
        push(optionValue(i, i.code == opt::kRelayAgentInfo ? 82 : -1, i.sub, sub.data(), sub.size()));
      } else {
        pushMissing();
      }
      return true;
    }
    case Op::PktIface: push(copy(in.iface)); return true;
    case Op::PktSrc: pushAddr(in.src); return true;
    case Op::PktDst: pushAddr(in.dst); return true;
    case Op::PktLen: push(u32(keaPacketLength(p))); return true;
    case Op::Pkt4Mac: push(external(p.chaddr.data(), std::min<std::size_t>(p.hlen, p.chaddr.size()))); return true;
    case Op::Pkt4Hlen: push(u32(p.hlen)); return true;
    case Op::Pkt4Htype: push(u32(p.htype)); return true;
    case Op::Pkt4Ciaddr: pushAddr(p.ciaddr); return true;
    case Op::Pkt4Giaddr: pushAddr(p.giaddr); return true;
    case Op::Pkt4Yiaddr: pushAddr(p.yiaddr); return true;
    case Op::Pkt4Siaddr: pushAddr(p.siaddr); return true;
    case Op::Pkt4Msgtype: {
      auto t = p.messageType();
      push(u32(t ? std::uint32_t(*t) : 0));
      return true;
    }
    case Op::Pkt4Transid: push(u32(p.xid)); return true;
    case Op::VendorExists:
    case Op::VendorEnterprise:
    case Op::VendorSubOption: {
      const proto::Option* o = p.find(kVivso);
      std::uint32_t ent = 0;
      Bytes area;
      if (!o || !vendorOption(bytesOf(o->data), ent, area) || (i.a && i.a != ent)) {
        pushMissing();
        return true;
      }
      if (i.op == Op::VendorExists) {
        push(boolean(true));
      } else if (i.op == Op::VendorEnterprise) {
        push(u32(ent));
      } else {
        Bytes sub;
        if (findSubOption(area, i.sub, sub)) {
          push(optionValue(i, -1, i.sub, sub.data(), sub.size()));
        } else {
          pushMissing();
        }
      }
      return true;
    }
    case Op::VendorClassExists:
    case Op::VendorClassEnterprise:
    case Op::VendorClassData: {
      const proto::Option* o = p.find(kVivco);
      std::uint32_t ent = 0;
      if (!o || !vendorClassOption(bytesOf(o->data), ent) || (i.a && i.a != ent)) {
        pushMissing();
        return true;
      }
      if (i.op == Op::VendorClassExists) {
        push(boolean(true));
      } else if (i.op == Op::VendorClassEnterprise) {
        push(u32(ent));
      } else {
        Bytes t;
        if (vendorClassTuple(bytesOf(o->data), i.b, t)) {
          push(external(t.data(), t.size()));
        } else {
          push(Val{});
        }
      }
      return true;
    }
    case Op::Split: {
      const Val delims = pop();
      const Val s = sliceable(pop());
      if (s.len == 0) {
        push(Val{});
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
      const bool one = d.size() == 1;
      for (std::size_t k = 0; k <= str.size(); ++k) {
        if (k == str.size() || (one ? str[k] == d[0] : d.find(str[k]) != std::string_view::npos)) {
          if (field == i.start) {
            Val r = s;
            if (r.where == Where::Arena) {
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
      push(Val{});
      return true;
    }
    case Op::Concat: {
      const Val b = pop(), a = pop();
      Val r = alloc(a.len + b.len);
      // alloc may move the arena: read the operands after it.
      const std::string_view av = view(a), bv = view(b);
      if (!av.empty()) std::memcpy(at(r.off), av.data(), av.size());
      if (!bv.empty()) std::memcpy(at(r.off) + av.size(), bv.data(), bv.size());
      push(r);
      return true;
    }
    case Op::IfElse: {
      const Val no = pop(), yes = pop();
      bool cond = false;
      if (!truth(pop(), cond)) return false;
      push(cond ? yes : no);
      return true;
    }
    case Op::ToHexString: {
      const Val sep = pop(), bin = pop();
      const std::size_t n = bin.len, sl = sep.len;
      Val r = alloc(n == 0 ? 0 : n * 2 + (n - 1) * sl);
      const std::string_view b = view(bin), s = view(sep);
      std::uint8_t* out = at(r.off);
      static constexpr char kDigits[] = "0123456789abcdef";
      for (std::size_t k = 0; k < n; ++k) {
        if (k && sl == 1) {
          *out++ = std::uint8_t(s[0]);
        } else if (k) {
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
      push(copy(buf));
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
    case Op::UInt8ToText: return toText(1, [&](const std::uint8_t* d, char* b) { return decimal(d[0], b); });
    case Op::UInt16ToText:
      return toText(2, [&](const std::uint8_t* d, char* b) { return decimal(std::uint16_t(d[0] << 8 | d[1]), b); });
    case Op::UInt32ToText:
      return toText(4, [&](const std::uint8_t* d, char* b) {
        return decimal(be32(std::string_view(reinterpret_cast<const char*>(d), 4)), b);
      });
    default: return false;  // the common instructions are run by evaluate()
  }
}

}  // namespace tandem::classify
