#include "dhcpd/engine/flex_option_applier.h"

#include <algorithm>

#include "dhcpd/proto/option_defs.h"
#include "dhcpd/proto/sub_options.h"

namespace tandem::engine {
namespace {

using Action = config::FlexOptionRule::Action;
using proto::Option;
using proto::Packet4;

bool allowed(const std::optional<classify::ClassId>& guard, const classify::PacketInput& in) {
  return !guard || (in.classes && in.classes->has(*guard));
}

// Kea packs an answer's options with 53 first, then by code, 82 last (LibDHCP::packOptions4).
int packOrder(std::uint8_t code) { return code == 53 ? -1 : code == 82 ? 256 : code; }

// A container's bytes as Kea holds the option: its sub-options, or (bytes that do not parse
// as sub-options exactly, e.g. hex given with csv-format false) raw data that sub-options
// added by the hook follow.
struct Container {
  std::vector<std::uint8_t> raw;
  std::vector<Option> subs;

  explicit Container(const std::vector<std::uint8_t>& data) {
    subs = proto::unpackSubOptions(data);
    std::vector<std::uint8_t> again;
    proto::packSubOptions(subs, again);
    if (again != data) {
      subs.clear();
      raw = data;
    }
  }
  bool has(std::uint8_t code) const {
    return std::any_of(subs.begin(), subs.end(), [&](const Option& o) { return o.code == code; });
  }
  void erase(std::uint8_t code) {
    std::erase_if(subs, [&](const Option& o) { return o.code == code; });
  }
  std::vector<std::uint8_t> bytes() const {
    std::vector<std::uint8_t> out = raw;
    proto::packSubOptions(subs, out);
    return out;
  }
};

}  // namespace

bool FlexOptionApplier::value(const config::FlexOptionRule& r, const classify::PacketInput& in,
                              std::vector<std::uint8_t>& out) {
  eval_.evaluate(r.expr, in);  // a string expression: its value, not its truth, is wanted
  const std::string_view v = eval_.lastValue();
  // "Do nothing if the expression evaluates to empty" (Kea); an evaluation error leaves no
  // value either.
  if (v.empty()) return false;
  if (r.def) {
    // csv-format: the text is the option's comma separated values (Kea's optionFactory over
    // the split string); a value that does not fit makes Kea's callout fail: nothing changes.
    auto data = proto::encodeOptionData(&*r.def, v, true);
    if (!data) return false;
    out = std::move(data.value());
  } else {
    out.assign(v.begin(), v.end());
  }
  return true;
}

bool FlexOptionApplier::applyOption(const config::FlexOptionRule& r, const classify::PacketInput& in, Packet4& reply) {
  const bool present = reply.find(r.code) != nullptr;
  std::vector<std::uint8_t> data;
  switch (r.action) {
    case Action::Add:
      if (present || !value(r, in, data)) return false;
      reply.options.push_back(Option{r.code, std::move(data)});
      return true;
    case Action::Supersede:
      if (!value(r, in, data)) return false;
      reply.remove(r.code);
      reply.options.push_back(Option{r.code, std::move(data)});
      return true;
    case Action::Remove:
      if (!present || eval_.evaluate(r.expr, in) != classify::EvalResult::True) return false;
      reply.remove(r.code);
      return true;
  }
  return false;
}

bool FlexOptionApplier::applySubOption(const config::FlexOptionRule& r, const classify::PacketInput& in,
                                       Packet4& reply) {
  Option* opt = reply.find(r.code);
  const std::uint8_t sub = *r.subCode;
  std::vector<std::uint8_t> data;
  switch (r.action) {
    case Action::Add:
    case Action::Supersede: {
      // Without the container, only "container-add" (default) makes one.
      if (!opt && !r.containerAdd) return false;
      if (!value(r, in, data)) return false;
      Container c(opt ? opt->data : std::vector<std::uint8_t>{});
      if (r.action == Action::Add && c.has(sub)) return false;
      c.erase(sub);
      c.subs.push_back(Option{sub, std::move(data)});
      if (opt) {
        opt->data = c.bytes();
      } else {
        reply.options.push_back(Option{r.code, c.bytes()});
      }
      return true;
    }
    case Action::Remove: {
      if (!opt) return false;
      Container c(opt->data);
      if (!c.has(sub) || eval_.evaluate(r.expr, in) != classify::EvalResult::True) return false;
      c.erase(sub);
      if (r.containerRemove && c.subs.empty() && c.raw.empty()) {
        reply.remove(r.code);
      } else {
        opt->data = c.bytes();
      }
      return true;
    }
  }
  return false;
}

std::size_t FlexOptionApplier::apply(const classify::PacketInput& in, Packet4& reply) {
  if (empty()) return 0;
  std::size_t changed = 0;
  for (const auto& r : *rules_) {
    if (!allowed(r.containerGuard, in) || !allowed(r.guard, in)) continue;
    changed += r.subCode ? applySubOption(r, in, reply) : applyOption(r, in, reply);
  }
  if (changed) {
    std::stable_sort(reply.options.begin(), reply.options.end(),
                     [](const Option& a, const Option& b) { return packOrder(a.code) < packOrder(b.code); });
  }
  return changed;
}

}  // namespace tandem::engine
