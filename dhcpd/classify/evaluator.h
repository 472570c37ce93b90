#pragma once
// Runs compiled expressions against one packet (Kea's evaluateBool over token.cc's
// semantics). An Evaluator keeps its value stack and scratch bytes between evaluations, so
// after the first packets it allocates nothing; one per thread.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dhcpd/classify/class_set.h"
#include "dhcpd/classify/expression.h"
#include "dhcpd/common/ipv4.h"
#include "dhcpd/proto/packet4.h"

namespace tandem::classify {

// What an expression can look at besides the packet: where it came from (pkt.iface,
// pkt.src, pkt.dst) and the classes it already has (member()).
struct PacketInput {
  const proto::Packet4* pkt = nullptr;
  std::string_view iface;
  Ipv4 src, dst;
  const ClassSet* classes = nullptr;
};

// Kea: a test that raises an evaluation error (e.g. addrtotext of 3 bytes) does not
// assign the class; it is logged as an error.
enum class EvalResult : std::uint8_t { False, True, Error };

class Evaluator {
 public:
  EvalResult evaluate(const Expression& e, const PacketInput& in);
  // The value left on the stack, for tests of string expressions (the last evaluate()'s
  // result as bytes; empty after an error).
  std::string_view lastValue() const noexcept { return last_; }

 private:
  // A value is a view of bytes owned by the expression (constants), the packet, or the
  // scratch arena (by offset: the arena may grow while views into it are live), or one of
  // the booleans, kept as a tag so that and/or/not/ifelse need no string compares (their
  // bytes are "true" / "false" wherever they are used as a string).
  enum class Where : std::uint8_t { External, Arena, True, False };
  struct Val {
    const std::uint8_t* ptr = nullptr;
    std::uint32_t off = 0, len = 0;
    Where where = Where::External;
  };
  std::string_view view(const Val& v) const noexcept;
  static Val external(std::string_view s) noexcept {
    return Val{reinterpret_cast<const std::uint8_t*>(s.data()), 0, std::uint32_t(s.size()), Where::External};
  }
  static Val external(const std::uint8_t* p, std::size_t n) noexcept {
    return Val{p, 0, std::uint32_t(n), Where::External};
  }
  static Val boolean(bool b) noexcept { return Val{nullptr, 0, b ? 4u : 5u, b ? Where::True : Where::False}; }
  // Reserves n bytes at the end of the arena; fill them via at(result.off). The arena keeps
  // its size between evaluations (used_ is its fill), so this is a bump of used_.
  Val alloc(std::size_t n) {
    Val v;
    v.where = Where::Arena;
    v.off = std::uint32_t(used_);
    v.len = std::uint32_t(n);
    if (used_ + n > arena_.size()) grow(used_ + n);
    used_ += n;
    return v;
  }
  void grow(std::size_t need);
  std::uint8_t* at(std::uint32_t off) noexcept { return reinterpret_cast<std::uint8_t*>(arena_.data()) + off; }
  Val copy(std::string_view s);
  Val u32(std::uint32_t x);
  // The value as its bytes' view, so that it can be sliced (booleans become "true"/"false").
  Val sliceable(const Val& v) const noexcept {
    return v.where == Where::True || v.where == Where::False ? external(view(v)) : v;
  }
  // Kea's toBool: "true" or "false" exactly, else an evaluation error (false returned).
  bool truth(const Val& v, bool& out) const noexcept;

  bool slow(const Instr& i, const PacketInput& in);
  // Expression::predicate programs: every value a boolean, kept as bits.
  EvalResult evaluatePredicate(const Expression& e, const PacketInput& in);
  Val optionValue(const Instr& i, int space, std::uint8_t code, const std::uint8_t* data, std::size_t n);

  std::vector<Val> stack_;
  std::size_t top_ = 0;
  std::string arena_;
  std::size_t used_ = 0;
  std::string_view last_;
};

}  // namespace tandem::classify
