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
  // scratch arena (by offset: the arena may grow while views into it are live).
  struct Val {
    const std::uint8_t* ptr = nullptr;
    std::uint32_t off = 0, len = 0;
    bool inArena = false;
  };
  std::string_view view(const Val& v) const noexcept {
    const std::uint8_t* base = v.inArena ? arena_.data() + v.off : v.ptr;
    return {reinterpret_cast<const char*>(base), v.len};
  }
  Val external(std::string_view s) const noexcept {
    return Val{reinterpret_cast<const std::uint8_t*>(s.data()), 0, std::uint32_t(s.size()), false};
  }
  Val external(const std::uint8_t* p, std::size_t n) const noexcept { return Val{p, 0, std::uint32_t(n), false}; }
  // Reserves n bytes at the end of the arena; fill them via arena_.data() + result.off.
  Val alloc(std::size_t n) {
    Val v;
    v.inArena = true;
    v.off = std::uint32_t(arena_.size());
    v.len = std::uint32_t(n);
    arena_.resize(arena_.size() + n);
    return v;
  }
  Val copy(std::string_view s);

  bool step(const Instr& i, const Expression& e, const PacketInput& in);

  std::vector<Val> stack_;
  std::size_t top_ = 0;
  std::vector<std::uint8_t> arena_;
  std::string text_;  // scratch for option .text
  std::string_view last_;
};

}  // namespace tandem::classify
