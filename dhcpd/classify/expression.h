#pragma once
// Kea 2.2's client classification expression language (src/lib/eval: lexer.ll, parser.yy,
// token.cc), parsed once and compiled to a flat postfix program that Evaluator runs per
// packet on a small stack of byte strings.
//
// Values are byte strings, as in Kea: booleans are the strings "true" and "false", integers
// in string context are 4 bytes in network order, a missing option is "" (or "false" for
// .exists).
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dhcpd/classify/class_set.h"
#include "dhcpd/common/result.h"

namespace tandem::classify {

// How an option accessor presents the option (Kea's TokenOption::RepresentationType).
enum class Repr : std::uint8_t { Text, Hex, Exists };

enum class Op : std::uint8_t {
  Const,      // push constants[a .. a+b)
  Option,     // option[code].repr
  SubOption,  // option[code].option[sub].repr
  Relay4,     // relay4[sub].repr (option 82 sub-option)
  PktIface,
  PktSrc,
  PktDst,
  PktLen,
  Pkt4Mac,
  Pkt4Hlen,
  Pkt4Htype,
  Pkt4Ciaddr,
  Pkt4Giaddr,
  Pkt4Yiaddr,
  Pkt4Siaddr,
  Pkt4Msgtype,
  Pkt4Transid,
  VendorExists,           // vendor[a].exists (a = 0: any enterprise)
  VendorEnterprise,       // vendor.enterprise
  VendorSubOption,        // vendor[a].option[sub].repr
  VendorClassExists,      // vendor-class[a].exists
  VendorClassEnterprise,  // vendor-class.enterprise
  VendorClassData,        // vendor-class[a].data[b]
  Equal,
  Substring,
  Split,
  Concat,
  IfElse,
  ToHexString,
  AddrToText,
  Int8ToText,
  Int16ToText,
  Int32ToText,
  UInt8ToText,
  UInt16ToText,
  UInt32ToText,
  Not,
  And,
  Or,
  Member,  // member(classes[a])
  // Fused instructions (see fuseProgram): the common shapes of class tests as one step
  // each, with the same result as the instructions they replace.
  EqualConst,      // top == constants[a .. a+b)   ([Const][Equal])
  OptionEq,        // option[code].hex == constants[a .. a+b)
  OptionSubstrEq,  // substring(option[code].hex, start, length) == constants[a .. a+b)
  Relay4Eq,        // relay4[sub].hex == constants[a .. a+b)
  Relay4SubstrEq,  // substring(relay4[sub].hex, start, length) == constants[a .. a+b)
  FieldEq,         // a 4-byte packet field (the Op in code: Pkt4Giaddr, PktSrc, ...) == constants[a .. a+b)
};

struct Instr {
  Op op = Op::Const;
  Repr repr = Repr::Hex;
  std::uint8_t code = 0;  // option code
  std::uint8_t sub = 0;   // sub-option code
  std::uint32_t a = 0;    // constant offset, enterprise id, class id, substring start
  std::uint32_t b = 0;    // constant length, tuple index, substring length
  // Substring/Split: the literal integers as Kea sees them (text converted at run time by
  // boost::lexical_cast<int>); `bad` marks a literal that does not fit an int, which Kea
  // reports as an evaluation error.
  std::int32_t start = 0, length = 0;
  bool lengthAll = false, bad = false;
  // Fused option instructions: the option is a string option (its .hex and .text are the
  // data without trailing NULs), decided at compile time.
  bool trim = false;
};

struct Expression {
  std::string text;              // as configured
  std::vector<Instr> code;       // postfix
  std::string constants;         // literal bytes, referenced by Const
  std::vector<ClassId> members;  // classes named in member(), in order
  std::size_t maxStack = 0;      // deepest stack the program reaches
  // Every instruction yields a boolean from the packet or the booleans below it (fused
  // compares, .exists, member(), and/or/not): run on a stack of bits (fuseProgram sets it).
  bool predicate = false;
};

struct CompileContext {
  // The id of a class member() may name (defined earlier, or built-in); nullopt otherwise
  // (Kea: "Not defined client class 'X'").
  std::function<std::optional<ClassId>(std::string_view)> classId;
  // The code of an option name in the dhcp4 space (standard or option-def); nullopt when
  // unknown. Unset: the standard definitions only.
  std::function<std::optional<std::uint8_t>(std::string_view)> optionCode;
  // Replace common instruction sequences by fused instructions (fuseProgram). Off only in
  // tests comparing both programs.
  bool fuse = true;
  // Compile a string expression (Kea's PARSER_STRING, e.g. the flex_option hook's "add")
  // instead of a boolean one; Evaluator::lastValue() then holds its value.
  bool stringResult = false;
};

// Compiles a boolean expression (a class "test"). Errors read as Kea's parser's: the
// position as line.column[-end] then the message, e.g. "1.8-13: Not defined client class 'X'".
[[nodiscard]] Result<Expression> compileExpression(std::string_view text, const CompileContext& ctx);

// Rewrites a postfix program with fused instructions where a sequence has one (compileExpression
// does it unless told not to): [Const][Equal] -> EqualConst, [Const][leaf][Equal] ->
// [leaf][EqualConst] (== is symmetric), option[N].hex / relay4[N].hex (or .text of a string
// option), optionally through substring(), compared with a constant -> one instruction.
void fuseProgram(Expression& e);

}  // namespace tandem::classify
