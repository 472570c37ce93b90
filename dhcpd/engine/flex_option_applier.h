#pragma once
// Kea 2.2's flex_option hook (libdhcp_flex_option.so) applied to a finished answer, as Kea's
// pkt4_send callout does: each rule adds, supersedes or removes an option, or a sub-option
// of an encapsulating option such as 43, with a value computed from the query.
#include <vector>

#include "dhcpd/classify/evaluator.h"
#include "dhcpd/config/flex_option_config.h"
#include "dhcpd/proto/packet4.h"

namespace tandem::engine {

class FlexOptionApplier {
 public:
  FlexOptionApplier() = default;
  // rules must outlive the applier (the engine's configuration holds them).
  explicit FlexOptionApplier(const std::vector<config::FlexOptionRule>& rules) : rules_(&rules) {}

  bool empty() const noexcept { return !rules_ || rules_->empty(); }
  // in: the query (its classes decide the client-class guards); reply: its answer. Returns
  // the number of rules that changed the answer.
  std::size_t apply(const classify::PacketInput& in, proto::Packet4& reply);

 private:
  bool applyOption(const config::FlexOptionRule& r, const classify::PacketInput& in, proto::Packet4& reply);
  bool applySubOption(const config::FlexOptionRule& r, const classify::PacketInput& in, proto::Packet4& reply);
  // The value of an add/supersede rule as the option's data; false when there is none (an
  // empty string, an evaluation error, or text that does not fit the definition).
  bool value(const config::FlexOptionRule& r, const classify::PacketInput& in, std::vector<std::uint8_t>& out);

  const std::vector<config::FlexOptionRule>* rules_ = nullptr;
  classify::Evaluator eval_;
};

}  // namespace tandem::engine
