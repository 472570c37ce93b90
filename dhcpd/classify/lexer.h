#pragma once
// Tokens of Kea 2.2's expression language (src/lib/eval/lexer.ll): the same keywords,
// literals and longest-match rules, with Kea's locations (line.column, 1-based).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tandem::classify {

enum class Tok : std::uint8_t {
  End,
  LParen,
  RParen,
  Not,
  And,
  Or,
  Equal,
  Option,
  Relay4,
  Relay6,
  Member,
  PeerAddr,
  LinkAddr,
  LBracket,
  RBracket,
  Dot,
  Text,
  Hex,
  Exists,
  Pkt,
  Iface,
  Src,
  Dst,
  Len,
  Pkt4,
  Mac,
  Hlen,
  Htype,
  Ciaddr,
  Giaddr,
  Yiaddr,
  Siaddr,
  Substring,
  Split,
  All,
  Comma,
  Concat,
  Plus,
  IfElse,
  ToHexString,
  AddrToText,
  Int8ToText,
  Int16ToText,
  Int32ToText,
  UInt8ToText,
  UInt16ToText,
  UInt32ToText,
  Pkt6,
  Msgtype,
  Transid,
  VendorClass,
  Vendor,
  Any,
  Data,
  Enterprise,
  String,
  Integer,
  HexString,
  OptionName,
  IpAddress,
  Error,  // a character no rule matches: "Invalid character: X"
};

// Bison's name for the token in "unexpected ..." messages ("constant string", "==", ...).
std::string_view tokenName(Tok t) noexcept;

struct Token {
  Tok kind = Tok::End;
  std::string text;                         // literal contents (string without quotes, digits, name)
  int line = 1, column = 1, endColumn = 1;  // endColumn inclusive
};

// "1.8-13" / "1.8" as Bison prints a location.
std::string formatLocation(const Token& t);

// The whole input as tokens, ending with End, or with Error at the first bad character
// (the parser reports it when it gets there, as Kea's on-demand lexer would).
std::vector<Token> tokenize(std::string_view text);

}  // namespace tandem::classify
