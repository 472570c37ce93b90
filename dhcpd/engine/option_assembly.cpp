#include "dhcpd/engine/option_assembly.h"

#include <array>
#include <utility>

namespace tandem::engine {
namespace {
namespace opt = proto::opt;

// Kea's appendBasicOptions: sent when configured even if the client did not ask.
bool isBasicOption(std::uint8_t code) noexcept {
  return code == opt::kRouters || code == opt::kDomainNameServers || code == opt::kDomainName;
}

// Sorts the engine's options by code in place. Insertion sort: the list has a handful of
// entries at most, and it is stable, so of repeated codes the last one stays last.
void sortByCode(std::span<proto::Option> list) {
  for (std::size_t i = 1; i < list.size(); ++i) {
    for (std::size_t j = i; j > 0 && list[j - 1].code > list[j].code; --j) std::swap(list[j - 1], list[j]);
  }
}
}  // namespace

namespace {
// Calls fn(list) for each source in precedence order.
template <class Fn>
void forEachSource(const OptionSources& src, Fn&& fn) {
  for (const auto* list : {src.reservation, src.pool, src.subnet, src.network}) {
    if (list) fn(*list);
  }
  for (const auto* list : src.classes) {
    if (list) fn(*list);
  }
  if (src.global) fn(*src.global);
}
}  // namespace

const config::OptionData* findConfiguredOption(const OptionSources& src, std::uint8_t code) {
  const config::OptionData* found = nullptr;
  forEachSource(src, [&](const std::vector<config::OptionData>& list) {
    for (const auto& o : list) {
      if (!found && o.code == code) found = &o;
    }
  });
  return found;
}

bool isEngineManagedOption(std::uint8_t code) noexcept {
  switch (code) {
    case opt::kPad: case opt::kRequestedAddress: case opt::kLeaseTime: case opt::kOverload:
    case opt::kMessageType: case opt::kServerId: case opt::kParameterRequestList: case opt::kMessage:
    case opt::kMaxMessageSize: case opt::kRenewalTime: case opt::kRebindingTime: case opt::kClientId:
    case opt::kRelayAgentInfo: case opt::kEnd:
      return true;
    default:
      return false;
  }
}

OptionSet::OptionSet(const OptionSources& src) { assign(src); }

void OptionSet::assign(const OptionSources& src) {
  entries_.clear();
  std::array<const config::OptionData*, 256> chosen{};
  forEachSource(src, [&](const std::vector<config::OptionData>& list) {
    for (const auto& o : list) {
      if (!chosen[o.code]) chosen[o.code] = &o;
    }
  });
  subnetMask_ = chosen[opt::kSubnetMask];
  for (unsigned code = 1; code < 255; ++code) {
    const config::OptionData* o = chosen[code];
    if (!o || o->neverSend || isEngineManagedOption(std::uint8_t(code))) continue;
    entries_.push_back(Entry{std::uint8_t(code), o->alwaysSend || isBasicOption(std::uint8_t(code)), &o->payload});
  }
}

void appendOptions(const OptionSet& configured, const std::bitset<256>& requested,
                   std::span<proto::Option> computed, std::vector<proto::Option>& out) {
  std::bitset<256> present;
  for (const auto& o : out) present.set(o.code);
  sortByCode(computed);
  const auto entries = configured.entries();
  std::size_t i = 0, j = 0;
  // A merge of two lists ascending by code; on a tie the engine's option wins.
  while (i < entries.size() || j < computed.size()) {
    if (j < computed.size() && (i == entries.size() || computed[j].code <= entries[i].code)) {
      // Of repeated codes the last computed one wins.
      while (j + 1 < computed.size() && computed[j + 1].code == computed[j].code) ++j;
      const std::uint8_t code = computed[j].code;
      if (code != opt::kPad && code != opt::kEnd && !present.test(code)) out.push_back(std::move(computed[j]));
      ++j;
      while (i < entries.size() && entries[i].code == code) ++i;
      continue;
    }
    const OptionSet::Entry& e = entries[i++];
    if (present.test(e.code)) continue;
    if (e.unconditional || requested.test(e.code)) out.push_back(proto::Option{e.code, *e.payload});
  }
}

void appendOptions(const OptionSources& src, const std::bitset<256>& requested,
                   std::vector<proto::Option> computed, std::vector<proto::Option>& out) {
  appendOptions(OptionSet(src), requested, computed, out);
}

}  // namespace tandem::engine
