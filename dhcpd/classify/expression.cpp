// Recursive-descent form of Kea 2.2's LALR grammar (src/lib/eval/parser.yy). The one place
// where the grammar needs Bison's lookahead, "(" starting either a boolean or a string
// group, is decided by the token after the matching ")": only a string group can be followed
// by "==" or "+".
#include "dhcpd/classify/expression.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <limits>

#include "dhcpd/classify/lexer.h"
#include "dhcpd/classify/option_view.h"
#include "dhcpd/proto/option_defs.h"

namespace tandem::classify {
namespace {

struct ParseFailure {
  std::string message;
};

class Parser {
 public:
  Parser(std::string_view text, const CompileContext& ctx) : ctx_(ctx), toks_(tokenize(text)) {
    expr_.text = std::string(text);
  }

  Result<Expression> run() {
    try {
      if (ctx_.stringResult) {
        parseString();
      } else {
        parseBool();
      }
      expect({Tok::End});
    } catch (const ParseFailure& f) {
      return makeError(f.message);
    }
    computeMaxStack();  // of the unfused program: fusing only lowers the depth
    if (ctx_.fuse) fuseProgram(expr_);
    return std::move(expr_);
  }

 private:
  const Token& peek(std::size_t ahead = 0) const { return toks_[std::min(pos_ + ahead, toks_.size() - 1)]; }
  Tok kind() const { return peek().kind; }
  const Token& next() {
    const Token& t = peek();
    if (t.kind == Tok::Error) fail(t, "Invalid character: " + t.text);
    if (pos_ + 1 < toks_.size()) ++pos_;
    return t;
  }

  [[noreturn]] static void fail(const Token& t, const std::string& msg) {
    throw ParseFailure{formatLocation(t) + ": " + msg};
  }

  [[noreturn]] void unexpected(std::initializer_list<Tok> expected) const {
    const Token& t = peek();
    if (t.kind == Tok::Error) fail(t, "Invalid character: " + t.text);
    std::string msg = "syntax error, unexpected " + std::string(tokenName(t.kind));
    if (expected.size() > 0 && expected.size() <= 4) {
      msg += ", expecting ";
      bool first = true;
      for (Tok e : expected) {
        if (!first) msg += " or ";
        first = false;
        msg += tokenName(e);
      }
    }
    fail(t, msg);
  }

  const Token& expect(std::initializer_list<Tok> kinds) {
    for (Tok k : kinds) {
      if (kind() == k) return next();
    }
    unexpected(kinds);
  }

  void emit(Instr i) { expr_.code.push_back(i); }
  void emitOp(Op op) {
    Instr i;
    i.op = op;
    emit(i);
  }
  void emitConst(std::string_view bytes) {
    Instr i;
    i.op = Op::Const;
    i.a = std::uint32_t(expr_.constants.size());
    i.b = std::uint32_t(bytes.size());
    expr_.constants.append(bytes);
    emit(i);
  }

  // ---- value conversions (EvalContext::convert*) -------------------------------------------

  static bool parseInt64(const std::string& s, std::int64_t& v) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return ec == std::errc() && p == s.data() + s.size();
  }

  std::uint8_t optionCodeOf(const Token& t) {
    std::int64_t v = 0;
    if (!parseInt64(t.text, v) || v < 0 || v > 255) {
      fail(t, "Option code has invalid value in " + t.text + ". Allowed range: 0..255");
    }
    return std::uint8_t(v);
  }

  std::uint8_t optionCode() {
    const Token& t = expect({Tok::Integer, Tok::OptionName});
    if (t.kind == Tok::Integer) return optionCodeOf(t);
    std::optional<std::uint8_t> code;
    if (ctx_.optionCode) {
      code = ctx_.optionCode(t.text);
    } else if (const auto* def = proto::findOptionDef(std::string_view(t.text))) {
      code = def->code;
    }
    if (!code) fail(t, "option '" + t.text + "' is not defined");
    return *code;
  }

  std::uint8_t subOptionCode() { return optionCodeOf(expect({Tok::Integer})); }

  std::uint32_t uint32Of(const Token& t) {
    std::int64_t v = 0;
    if (!parseInt64(t.text, v) || v < 0 || v > 4294967295LL) {
      fail(t, "Invalid value in " + t.text + ". Allowed range: 0..4294967295");
    }
    return std::uint32_t(v);
  }

  std::uint32_t enterpriseId() {
    const Token& t = expect({Tok::Integer, Tok::Any});
    return t.kind == Tok::Any ? 0 : uint32Of(t);
  }

  Repr reprType() {
    const Token& t = expect({Tok::Text, Tok::Hex});
    return t.kind == Tok::Text ? Repr::Text : Repr::Hex;
  }

  // ---- boolean expressions ------------------------------------------------------------------

  void parseBool() { parseOr(); }

  void parseOr() {
    parseAnd();
    while (kind() == Tok::Or) {
      next();
      parseAnd();
      emitOp(Op::Or);
    }
  }

  void parseAnd() {
    parseNot();
    while (kind() == Tok::And) {
      next();
      parseNot();
      emitOp(Op::And);
    }
  }

  void parseNot() {
    if (kind() == Tok::Not) {
      next();
      parseNot();
      emitOp(Op::Not);
      return;
    }
    parseBoolPrimary();
  }

  // Whether the "(" at the current position opens a string group: the token after its
  // matching ")" is "==" or "+", which can only follow a string_expr.
  bool parenIsString() const {
    int depth = 0;
    for (std::size_t i = pos_; i < toks_.size(); ++i) {
      const Tok k = toks_[i].kind;
      if (k == Tok::End || k == Tok::Error) return false;
      if (k == Tok::LParen) ++depth;
      if (k == Tok::RParen && --depth == 0) {
        const Tok after = i + 1 < toks_.size() ? toks_[i + 1].kind : Tok::End;
        return after == Tok::Equal || after == Tok::Plus;
      }
    }
    return false;
  }

  void parseBoolPrimary() {
    switch (kind()) {
      case Tok::LParen:
        if (!parenIsString()) {
          next();
          parseBool();
          expect({Tok::RParen});
          return;
        }
        break;
      case Tok::Member: {
        next();
        expect({Tok::LParen});
        const Token& name = expect({Tok::String});
        std::optional<ClassId> id = ctx_.classId ? ctx_.classId(name.text) : std::nullopt;
        if (!id) fail(name, "Not defined client class '" + name.text + "'");
        expect({Tok::RParen});
        Instr i;
        i.op = Op::Member;
        i.a = *id;
        emit(i);
        expr_.members.push_back(*id);
        return;
      }
      case Tok::Option:
      case Tok::Relay4:
      case Tok::Vendor:
      case Tok::VendorClass:
        if (parseAccessor(true)) return;  // an .exists form: a boolean on its own
        parseConcatTail();
        expectEqualTail();
        return;
      case Tok::Relay6: fail(peek(), "relay6 can only be used in DHCPv6.");
      default: break;
    }
    parseString();
    expectEqualTail();
  }

  void expectEqualTail() {
    expect({Tok::Equal, Tok::Plus});
    parseString();
    emitOp(Op::Equal);
  }

  // ---- string expressions -------------------------------------------------------------------

  void parseString() {
    parseStringPrimary();
    parseConcatTail();
  }

  // string_expr "+" string_expr: left-associative concatenation.
  void parseConcatTail() {
    while (kind() == Tok::Plus) {
      next();
      parseStringPrimary();
      emitOp(Op::Concat);
    }
  }

  // option / relay4 / vendor / vendor-class accessors. Returns true when the form was an
  // ".exists" (a boolean), which only a bool_expr may use.
  bool parseAccessor(bool allowExists) {
    const Token& head = next();
    Instr i;
    switch (head.kind) {
      case Tok::Option: {
        expect({Tok::LBracket});
        i.code = optionCode();
        expect({Tok::RBracket});
        expect({Tok::Dot});
        i.op = Op::Option;
        if (kind() == Tok::Option) {
          next();
          expect({Tok::LBracket});
          i.sub = subOptionCode();
          expect({Tok::RBracket});
          expect({Tok::Dot});
          i.op = Op::SubOption;
        }
        break;
      }
      case Tok::Relay4: {
        expect({Tok::LBracket});
        i.sub = subOptionCode();
        expect({Tok::RBracket});
        expect({Tok::Dot});
        i.op = Op::Relay4;
        break;
      }
      case Tok::Vendor: {
        if (parseVendorHead(i, Op::VendorEnterprise)) return false;
        if (kind() == Tok::Exists) {
          if (!allowExists) unexpected({Tok::Option});
          i.op = Op::VendorExists;
          return emitExists(i);
        }
        expect({Tok::Option, Tok::Exists});
        expect({Tok::LBracket});
        i.sub = subOptionCode();
        expect({Tok::RBracket});
        expect({Tok::Dot});
        i.op = Op::VendorSubOption;
        break;
      }
      case Tok::VendorClass: {
        if (parseVendorHead(i, Op::VendorClassEnterprise)) return false;
        if (kind() == Tok::Exists && allowExists) {
          i.op = Op::VendorClassExists;
          return emitExists(i);
        }
        expect({Tok::Data});
        i.op = Op::VendorClassData;
        if (kind() == Tok::LBracket) {
          next();
          const Token& idx = expect({Tok::Integer});
          std::int64_t v = 0;
          if (!parseInt64(idx.text, v) || v < 0 || v > 255) {
            fail(idx, "Invalid value in " + idx.text + ". Allowed range: 0..255");
          }
          i.b = std::uint32_t(v);
          expect({Tok::RBracket});
        }
        emit(i);
        return false;
      }
      default: unexpected({});
    }
    // option / sub-option / relay4 / vendor sub-option: the representation.
    if (kind() == Tok::Exists && allowExists) return emitExists(i);
    i.repr = reprType();
    emit(i);
    return false;
  }

  // The head both vendor accessors share (Kea's parser.yy: VENDOR / VENDOR_CLASS "." ENTERPRISE,
  // or "[" enterprise_id "]" "."). The ".enterprise" form is complete: it is emitted with
  // `enterpriseOp` and true returned. Otherwise the enterprise-id (0 for `*`) is in i.a and
  // the accessor goes on after the dot.
  bool parseVendorHead(Instr& i, Op enterpriseOp) {
    if (kind() == Tok::Dot) {
      next();
      expect({Tok::Enterprise});
      i.op = enterpriseOp;
      emit(i);
      return true;
    }
    expect({Tok::LBracket, Tok::Dot});
    i.a = enterpriseId();
    expect({Tok::RBracket});
    expect({Tok::Dot});
    return false;
  }

  // An accessor's ".exists" (the current token): i as a boolean. Returns true, parseAccessor's
  // answer for that form.
  bool emitExists(Instr& i) {
    next();
    i.repr = Repr::Exists;
    emit(i);
    return true;
  }

  void pushIntegerText(const Token& t, std::int32_t& value, bool& bad) {
    std::int64_t v = 0;
    if (!parseInt64(t.text, v) || v < std::numeric_limits<int>::min() || v > std::numeric_limits<int>::max()) {
      bad = true;
    } else {
      value = std::int32_t(v);
    }
  }

  void unary(Op op) {
    next();
    expect({Tok::LParen});
    parseString();
    expect({Tok::RParen});
    emitOp(op);
  }

  void parseStringPrimary() {
    const Token& t = peek();
    switch (t.kind) {
      case Tok::String:
        next();
        emitConst(t.text);
        return;
      case Tok::HexString: {
        next();
        // TokenHexString: an odd number of digits gets a leading 0.
        std::string digits = t.text.substr(2);
        if (digits.size() % 2) digits.insert(digits.begin(), '0');
        std::string bytes;
        for (std::size_t k = 0; k < digits.size(); k += 2) {
          bytes.push_back(char(std::stoi(digits.substr(k, 2), nullptr, 16)));
        }
        emitConst(bytes);
        return;
      }
      case Tok::IpAddress: {
        next();
        // TokenIpAddress: 4 or 16 bytes; a malformed address is the empty string.
        unsigned char buf[16];
        if (t.text.find(':') == std::string::npos) {
          emitConst(inet_pton(AF_INET, t.text.c_str(), buf) == 1 ? std::string_view(reinterpret_cast<char*>(buf), 4)
                                                                 : std::string_view());
        } else {
          emitConst(inet_pton(AF_INET6, t.text.c_str(), buf) == 1 ? std::string_view(reinterpret_cast<char*>(buf), 16)
                                                                  : std::string_view());
        }
        return;
      }
      case Tok::Integer: {
        next();
        const std::uint32_t v = uint32Of(t);
        const char b[4] = {char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
        emitConst(std::string_view(b, 4));
        return;
      }
      case Tok::Option:
      case Tok::Relay4:
      case Tok::Vendor:
      case Tok::VendorClass: parseAccessor(false); return;
      case Tok::Relay6: fail(t, "relay6 can only be used in DHCPv6.");
      case Tok::Pkt6: fail(t, "pkt6 can only be used in DHCPv6.");
      case Tok::Pkt: {
        next();
        expect({Tok::Dot});
        const Token& f = expect({Tok::Iface, Tok::Src, Tok::Dst, Tok::Len});
        emitOp(f.kind == Tok::Iface ? Op::PktIface
               : f.kind == Tok::Src ? Op::PktSrc
               : f.kind == Tok::Dst ? Op::PktDst
                                    : Op::PktLen);
        return;
      }
      case Tok::Pkt4: {
        next();
        expect({Tok::Dot});
        const Token& f = peek();
        Op op;
        switch (f.kind) {
          case Tok::Mac: op = Op::Pkt4Mac; break;
          case Tok::Hlen: op = Op::Pkt4Hlen; break;
          case Tok::Htype: op = Op::Pkt4Htype; break;
          case Tok::Ciaddr: op = Op::Pkt4Ciaddr; break;
          case Tok::Giaddr: op = Op::Pkt4Giaddr; break;
          case Tok::Yiaddr: op = Op::Pkt4Yiaddr; break;
          case Tok::Siaddr: op = Op::Pkt4Siaddr; break;
          case Tok::Msgtype: op = Op::Pkt4Msgtype; break;
          case Tok::Transid: op = Op::Pkt4Transid; break;
          default: unexpected({});
        }
        next();
        emitOp(op);
        return;
      }
      case Tok::Substring: {
        next();
        expect({Tok::LParen});
        parseString();
        expect({Tok::Comma});
        Instr i;
        i.op = Op::Substring;
        pushIntegerText(expect({Tok::Integer}), i.start, i.bad);
        expect({Tok::Comma});
        const Token& len = expect({Tok::Integer, Tok::All});
        if (len.kind == Tok::All) {
          i.lengthAll = true;
        } else {
          pushIntegerText(len, i.length, i.bad);
        }
        expect({Tok::RParen});
        emit(i);
        return;
      }
      case Tok::Split: {
        next();
        expect({Tok::LParen});
        parseString();
        expect({Tok::Comma});
        parseString();
        expect({Tok::Comma});
        Instr i;
        i.op = Op::Split;
        pushIntegerText(expect({Tok::Integer}), i.start, i.bad);
        expect({Tok::RParen});
        emit(i);
        return;
      }
      case Tok::Concat:
      case Tok::ToHexString: {
        const Op op = t.kind == Tok::Concat ? Op::Concat : Op::ToHexString;
        next();
        expect({Tok::LParen});
        parseString();
        expect({Tok::Comma});
        parseString();
        expect({Tok::RParen});
        emitOp(op);
        return;
      }
      case Tok::IfElse: {
        next();
        expect({Tok::LParen});
        parseBool();
        expect({Tok::Comma});
        parseString();
        expect({Tok::Comma});
        parseString();
        expect({Tok::RParen});
        emitOp(Op::IfElse);
        return;
      }
      case Tok::AddrToText: unary(Op::AddrToText); return;
      case Tok::Int8ToText: unary(Op::Int8ToText); return;
      case Tok::Int16ToText: unary(Op::Int16ToText); return;
      case Tok::Int32ToText: unary(Op::Int32ToText); return;
      case Tok::UInt8ToText: unary(Op::UInt8ToText); return;
      case Tok::UInt16ToText: unary(Op::UInt16ToText); return;
      case Tok::UInt32ToText: unary(Op::UInt32ToText); return;
      case Tok::LParen:
        next();
        parseString();
        expect({Tok::RParen});
        return;
      default: unexpected({});
    }
  }

  void computeMaxStack() {
    std::size_t depth = 0, maxDepth = 0;
    for (const Instr& i : expr_.code) {
      switch (i.op) {
        case Op::Equal:
        case Op::Concat:
        case Op::ToHexString:
        case Op::And:
        case Op::Or: --depth; break;
        case Op::Split: depth -= 1; break;
        case Op::IfElse: depth -= 2; break;
        case Op::Substring:
        case Op::Not:
        case Op::AddrToText:
        case Op::Int8ToText:
        case Op::Int16ToText:
        case Op::Int32ToText:
        case Op::UInt8ToText:
        case Op::UInt16ToText:
        case Op::UInt32ToText: break;
        default: ++depth; break;
      }
      maxDepth = std::max(maxDepth, depth);
    }
    expr_.maxStack = maxDepth;
  }

  const CompileContext& ctx_;
  std::vector<Token> toks_;
  std::size_t pos_ = 0;
  Expression expr_;
};

// Instructions that push one value and pop none.
bool isLeaf(Op op) noexcept {
  switch (op) {
    case Op::Const:
    case Op::Option:
    case Op::SubOption:
    case Op::Relay4:
    case Op::PktIface:
    case Op::PktSrc:
    case Op::PktDst:
    case Op::PktLen:
    case Op::Pkt4Mac:
    case Op::Pkt4Hlen:
    case Op::Pkt4Htype:
    case Op::Pkt4Ciaddr:
    case Op::Pkt4Giaddr:
    case Op::Pkt4Yiaddr:
    case Op::Pkt4Siaddr:
    case Op::Pkt4Msgtype:
    case Op::Pkt4Transid:
    case Op::VendorExists:
    case Op::VendorEnterprise:
    case Op::VendorSubOption:
    case Op::VendorClassExists:
    case Op::VendorClassEnterprise:
    case Op::VendorClassData:
    case Op::Member: return true;
    default: return false;
  }
}

// An option accessor whose value is the option's payload as .hex shows it: .hex, or .text
// of an option Kea shows as a string (the same bytes). The space of relay4 sub-options is 82.
bool payloadAccessor(const Instr& i) noexcept {
  if (i.op != Op::Option && i.op != Op::Relay4) return false;
  const int space = i.op == Op::Relay4 ? 82 : 0;
  const std::uint8_t code = i.op == Op::Relay4 ? i.sub : i.code;
  return i.repr == Repr::Hex || (i.repr == Repr::Text && isStringOption(space, code));
}

// The packet fields whose value is 4 bytes in network order (u32 in the evaluator).
bool isFixedField(Op op) noexcept {
  switch (op) {
    case Op::PktSrc:
    case Op::PktDst:
    case Op::PktLen:
    case Op::Pkt4Hlen:
    case Op::Pkt4Htype:
    case Op::Pkt4Ciaddr:
    case Op::Pkt4Giaddr:
    case Op::Pkt4Yiaddr:
    case Op::Pkt4Siaddr:
    case Op::Pkt4Msgtype:
    case Op::Pkt4Transid: return true;
    default: return false;
  }
}

// Instructions the bit-stack evaluator runs (Expression::predicate).
bool isPredicateOp(const Instr& i) noexcept {
  switch (i.op) {
    case Op::Member:
    case Op::OptionEq:
    case Op::OptionSubstrEq:
    case Op::Relay4Eq:
    case Op::Relay4SubstrEq:
    case Op::FieldEq:
    case Op::And:
    case Op::Or:
    case Op::Not: return true;
    case Op::Option:
    case Op::Relay4: return i.repr == Repr::Exists;
    default: return false;
  }
}

}  // namespace

void fuseProgram(Expression& e) {
  std::vector<Instr> out;
  out.reserve(e.code.size());
  for (const Instr& in : e.code) {
    out.push_back(in);
    if (in.op != Op::Equal) continue;
    const std::size_t n = out.size();
    Instr eq;
    eq.op = Op::EqualConst;
    if (n >= 2 && out[n - 2].op == Op::Const) {
      // [..][Const][Equal]: the constant is the right operand.
      eq.a = out[n - 2].a;
      eq.b = out[n - 2].b;
      out.resize(n - 2);
    } else if (n >= 3 && out[n - 3].op == Op::Const && isLeaf(out[n - 2].op)) {
      // [Const][leaf][Equal]: the leaf's value is compared with the constant below it.
      eq.a = out[n - 3].a;
      eq.b = out[n - 3].b;
      out[n - 3] = out[n - 2];
      out.resize(n - 2);
    } else {
      continue;
    }
    const std::size_t m = out.size();
    if (m >= 1 && payloadAccessor(out[m - 1])) {
      Instr f = out[m - 1];
      f.op = f.op == Op::Relay4 ? Op::Relay4Eq : Op::OptionEq;
      f.trim = f.op == Op::Relay4Eq ? isStringOption(82, f.sub) : isStringOption(0, f.code);
      f.a = eq.a;
      f.b = eq.b;
      out[m - 1] = f;
    } else if (m >= 2 && out[m - 1].op == Op::Substring && payloadAccessor(out[m - 2])) {
      Instr f = out[m - 1];  // keeps start, length, lengthAll, bad
      const Instr& acc = out[m - 2];
      f.op = acc.op == Op::Relay4 ? Op::Relay4SubstrEq : Op::OptionSubstrEq;
      f.code = acc.code;
      f.sub = acc.sub;
      f.trim = acc.op == Op::Relay4 ? isStringOption(82, acc.sub) : isStringOption(0, acc.code);
      f.a = eq.a;
      f.b = eq.b;
      out.resize(m - 2);
      out.push_back(f);
    } else if (m >= 1 && isFixedField(out[m - 1].op)) {
      Instr f = eq;
      f.op = Op::FieldEq;
      f.code = std::uint8_t(out[m - 1].op);
      out[m - 1] = f;
    } else {
      out.push_back(eq);
    }
  }
  e.code = std::move(out);
  e.predicate = !e.code.empty() && std::all_of(e.code.begin(), e.code.end(), isPredicateOp);
}

Result<Expression> compileExpression(std::string_view text, const CompileContext& ctx) {
  Parser p(text, ctx);
  return p.run();
}

}  // namespace tandem::classify
