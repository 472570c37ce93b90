#include "dhcpd/classify/lexer.h"

#include <array>
#include <utility>

namespace tandem::classify {
namespace {

struct Keyword {
  std::string_view text;
  Tok tok;
};

// lexer.ll's fixed strings.
constexpr std::array kKeywords{
    Keyword{"==", Tok::Equal},
    Keyword{"option", Tok::Option},
    Keyword{"relay4", Tok::Relay4},
    Keyword{"relay6", Tok::Relay6},
    Keyword{"peeraddr", Tok::PeerAddr},
    Keyword{"linkaddr", Tok::LinkAddr},
    Keyword{"text", Tok::Text},
    Keyword{"hex", Tok::Hex},
    Keyword{"exists", Tok::Exists},
    Keyword{"pkt", Tok::Pkt},
    Keyword{"iface", Tok::Iface},
    Keyword{"src", Tok::Src},
    Keyword{"dst", Tok::Dst},
    Keyword{"len", Tok::Len},
    Keyword{"pkt4", Tok::Pkt4},
    Keyword{"mac", Tok::Mac},
    Keyword{"hlen", Tok::Hlen},
    Keyword{"htype", Tok::Htype},
    Keyword{"ciaddr", Tok::Ciaddr},
    Keyword{"giaddr", Tok::Giaddr},
    Keyword{"yiaddr", Tok::Yiaddr},
    Keyword{"siaddr", Tok::Siaddr},
    Keyword{"substring", Tok::Substring},
    Keyword{"split", Tok::Split},
    Keyword{"all", Tok::All},
    Keyword{"concat", Tok::Concat},
    Keyword{"ifelse", Tok::IfElse},
    Keyword{"hexstring", Tok::ToHexString},
    Keyword{"addrtotext", Tok::AddrToText},
    Keyword{"int8totext", Tok::Int8ToText},
    Keyword{"int16totext", Tok::Int16ToText},
    Keyword{"int32totext", Tok::Int32ToText},
    Keyword{"uint8totext", Tok::UInt8ToText},
    Keyword{"uint16totext", Tok::UInt16ToText},
    Keyword{"uint32totext", Tok::UInt32ToText},
    Keyword{"pkt6", Tok::Pkt6},
    Keyword{"msgtype", Tok::Msgtype},
    Keyword{"transid", Tok::Transid},
    Keyword{"vendor-class", Tok::VendorClass},
    Keyword{"vendor", Tok::Vendor},
    Keyword{"data", Tok::Data},
    Keyword{"enterprise", Tok::Enterprise},
    Keyword{"not", Tok::Not},
    Keyword{"and", Tok::And},
    Keyword{"or", Tok::Or},
    Keyword{"member", Tok::Member},
    Keyword{".", Tok::Dot},
    Keyword{"(", Tok::LParen},
    Keyword{")", Tok::RParen},
    Keyword{"[", Tok::LBracket},
    Keyword{"]", Tok::RBracket},
    Keyword{",", Tok::Comma},
    Keyword{"+", Tok::Plus},
    Keyword{"*", Tok::Any},
};

bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isHex(char c) { return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool isAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool isAlnum(char c) { return isAlpha(c) || isDigit(c); }

// Length of the longest match of each literal rule at s (0: no match).
std::size_t matchInt(std::string_view s) {  // \-?[0-9]+
  std::size_t i = (!s.empty() && s[0] == '-') ? 1 : 0;
  std::size_t j = i;
  while (j < s.size() && isDigit(s[j])) ++j;
  return j > i ? j : 0;
}

std::size_t matchHexString(std::string_view s) {  // 0[xX][0-9a-fA-F]+
  if (s.size() < 3 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X') || !isHex(s[2])) return 0;
  std::size_t j = 2;
  while (j < s.size() && isHex(s[j])) ++j;
  return j;
}

std::size_t matchAddr4(std::string_view s) {  // [0-9]+\.[0-9]+\.[0-9]+\.[0-9]+
  std::size_t j = 0;
  for (int part = 0; part < 4; ++part) {
    if (part) {
      if (j >= s.size() || s[j] != '.') return 0;
      ++j;
    }
    const std::size_t b = j;
    while (j < s.size() && isDigit(s[j])) ++j;
    if (j == b) return 0;
  }
  return j;
}

std::size_t matchAddr6(std::string_view s) {  // [0-9a-fA-F]*\:[0-9a-fA-F]*\:[0-9a-fA-F:.]*
  std::size_t j = 0;
  while (j < s.size() && isHex(s[j])) ++j;
  if (j >= s.size() || s[j] != ':') return 0;
  ++j;
  while (j < s.size() && isHex(s[j])) ++j;
  if (j >= s.size() || s[j] != ':') return 0;
  ++j;
  while (j < s.size() && (isHex(s[j]) || s[j] == ':' || s[j] == '.')) ++j;
  return j;
}

// [A-Za-z]([-_A-Za-z0-9]*[A-Za-z0-9])?/({blank}|\n)*] : an option name, only when a ']'
// follows. Returns the name's length (the trailing context counts for longest match).
std::size_t matchOptionName(std::string_view s, std::size_t& withContext) {
  if (s.empty() || !isAlpha(s[0])) return 0;
  std::size_t j = 1;
  while (j < s.size() && (isAlnum(s[j]) || s[j] == '-' || s[j] == '_')) ++j;
  // Back off to the last alphanumeric character.
  while (j > 1 && !isAlnum(s[j - 1])) --j;
  // Try the longest name first, then shorter ones ending in an alphanumeric character.
  for (std::size_t n = j; n >= 1; --n) {
    if (!isAlnum(s[n - 1])) continue;
    std::size_t k = n;
    while (k < s.size() && (s[k] == ' ' || s[k] == '\t' || s[k] == '\n')) ++k;
    if (k < s.size() && s[k] == ']') {
      withContext = k + 1;
      return n;
    }
    if (n == 1) break;
  }
  return 0;
}

}  // namespace

std::string_view tokenName(Tok t) noexcept {
  switch (t) {
    case Tok::End: return "end of file";
    case Tok::String: return "constant string";
    case Tok::Integer: return "integer";
    case Tok::HexString: return "constant hexstring";
    case Tok::OptionName: return "option name";
    case Tok::IpAddress: return "ip address";
    case Tok::Error: return "invalid character";
    default: break;
  }
  for (const auto& k : kKeywords) {
    if (k.tok == t) return k.text;
  }
  return "?";
}

std::string formatLocation(const Token& t) {
  std::string s = std::to_string(t.line) + "." + std::to_string(t.column);
  if (t.endColumn > t.column) s += "-" + std::to_string(t.endColumn);
  return s;
}

std::vector<Token> tokenize(std::string_view text) {
  std::vector<Token> out;
  int line = 1, column = 1;
  std::size_t i = 0;
  auto emit = [&](Tok kind, std::size_t len, std::string value) {
    Token t;
    t.kind = kind;
    t.text = std::move(value);
    t.line = line;
    t.column = column;
    t.endColumn = column + int(len) - 1;
    out.push_back(std::move(t));
    column += int(len);
    i += len;
  };
  while (i < text.size()) {
    const char c = text[i];
    if (c == ' ' || c == '\t') {
      ++i;
      ++column;
      continue;
    }
    if (c == '\n') {
      ++i;
      ++line;
      column = 1;
      continue;
    }
    const std::string_view rest = text.substr(i);
    if (c == '\'') {
      std::size_t j = 1;
      while (j < rest.size() && rest[j] != '\'' && rest[j] != '\n') ++j;
      if (j < rest.size() && rest[j] == '\'') {
        emit(Tok::String, j + 1, std::string(rest.substr(1, j - 1)));
        continue;
      }
    }
    // Longest match across the rules; on a tie the earlier rule of lexer.ll wins (literals
    // and option names come before the keywords there).
    Tok best = Tok::Error;
    std::size_t bestLen = 0, bestValueLen = 0;
    auto consider = [&](Tok t, std::size_t len, std::size_t valueLen) {
      if (len > bestLen) {
        best = t;
        bestLen = len;
        bestValueLen = valueLen;
      }
    };
    if (std::size_t n = matchHexString(rest)) consider(Tok::HexString, n, n);
    if (std::size_t n = matchInt(rest)) consider(Tok::Integer, n, n);
    if (std::size_t n = matchAddr4(rest)) consider(Tok::IpAddress, n, n);
    if (std::size_t n = matchAddr6(rest)) consider(Tok::IpAddress, n, n);
    std::size_t ctxLen = 0;
    if (std::size_t n = matchOptionName(rest, ctxLen)) consider(Tok::OptionName, ctxLen, n);
    for (const auto& k : kKeywords) {
      if (rest.substr(0, k.text.size()) == k.text) consider(k.tok, k.text.size(), k.text.size());
    }
    if (best == Tok::Error) {
      emit(Tok::Error, 1, std::string(1, c));
      return out;
    }
    // A token emitted with trailing context consumes only its own text.
    emit(best, bestValueLen, std::string(rest.substr(0, bestValueLen)));
  }
  Token end;
  end.kind = Tok::End;
  end.line = line;
  end.column = end.endColumn = column;
  out.push_back(std::move(end));
  return out;
}

}  // namespace tandem::classify
