#include "dhcpd/engine/option_assembly.h"

#include <algorithm>
#include <utility>

#include "dhcpd/proto/option_defs.h"
#include "dhcpd/proto/sub_options.h"

namespace tandem::engine {
namespace {
namespace opt = proto::opt;

constexpr std::uint8_t kVivso = 125;    // RFC 3925 section 4
constexpr std::uint8_t kDocsisOro = 1;  // vendor-4491 option 1: the client's vendor ORO

// Kea's appendBasicOptions: sent when configured even if the client did not ask.
bool isBasicOption(std::uint8_t code) noexcept {
  return code == opt::kRouters || code == opt::kDomainNameServers || code == opt::kDomainName;
}

bool isDhcp4(const config::OptionData& o) noexcept { return o.space == proto::kDhcp4Space; }

// Sorts the engine's options by code in place. Insertion sort: the list has a handful of
// entries at most, and it is stable, so of repeated codes the last one stays last.
void sortByCode(std::span<proto::Option> list) {
  for (std::size_t i = 1; i < list.size(); ++i) {
    for (std::size_t j = i; j > 0 && list[j - 1].code > list[j].code; --j) std::swap(list[j - 1], list[j]);
  }
}

// Kea's appendRequestedVendorOptions (see appendOptions in the header).
void appendVendorOptions(const OptionSet& configured, const proto::Option* clientVivso,
                         std::vector<proto::Option>& out) {
  std::optional<proto::VendorBlock> request;
  if (clientVivso) request = proto::parseVendorBlock(clientVivso->data);
  auto reply = std::find_if(out.begin(), out.end(), [](const proto::Option& o) { return o.code == kVivso; });
  std::optional<proto::VendorBlock> block;
  if (reply != out.end()) block = proto::parseVendorBlock(reply->data);
  if (!request && !block) return;
  const std::uint32_t enterprise = block ? block->enterprise : request->enterprise;

  std::vector<std::uint8_t> wanted;
  if (enterprise == proto::kCableLabsEnterprise && request && request->enterprise == proto::kCableLabsEnterprise) {
    for (const auto& sub : request->subs) {
      if (sub.code == kDocsisOro) {
        wanted.insert(wanted.end(), sub.data.begin(), sub.data.end());
        break;
      }
    }
  }
  for (const auto& e : configured.vendorEntries()) {
    if (e.enterprise == enterprise && e.persistent) wanted.push_back(e.code);
  }
  if (wanted.empty()) return;
  if (!block) block = proto::VendorBlock{enterprise, {}};
  bool added = false;
  for (std::uint8_t code : wanted) {
    const bool present =
        std::any_of(block->subs.begin(), block->subs.end(), [&](const proto::Option& s) { return s.code == code; });
    if (present) continue;
    if (const auto* e = configured.findVendor(enterprise, code)) {
      block->subs.push_back(proto::Option{code, *e->payload});
      added = true;
    }
  }
  if (!added) return;
  if (reply != out.end()) {
    reply->data = proto::packVendorBlock(*block);
  } else {
    out.push_back(proto::Option{kVivso, proto::packVendorBlock(*block)});
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
      if (!found && o.code == code && isDhcp4(o)) found = &o;
    }
  });
  return found;
}

bool isEngineManagedOption(std::uint8_t code) noexcept {
  switch (code) {
    case opt::kPad:
    case opt::kRequestedAddress:
    case opt::kLeaseTime:
    case opt::kOverload:
    case opt::kMessageType:
    case opt::kServerId:
    case opt::kParameterRequestList:
    case opt::kMessage:
    case opt::kMaxMessageSize:
    case opt::kRenewalTime:
    case opt::kRebindingTime:
    case opt::kClientId:
    case opt::kRelayAgentInfo:
    case opt::kEnd: return true;
    default: return false;
  }
}

OptionSet::OptionSet(const OptionSources& src) { assign(src); }

void OptionSet::assign(const OptionSources& src) {
  entries_.clear();
  vendor_.clear();  // assign() reuses the set: no vendor entry of the previous sources may stay
  std::array<const config::OptionData*, 256> chosen{};
  std::bitset<256> persistent;
  forEachSource(src, [&](const std::vector<config::OptionData>& list) {
    for (const auto& o : list) {
      if (isDhcp4(o)) {
        if (!chosen[o.code]) chosen[o.code] = &o;
        if (o.alwaysSend) persistent.set(o.code);
      } else if (auto enterprise = proto::vendorSpaceId(o.space)) {
        auto it = std::find_if(vendor_.begin(), vendor_.end(),
                               [&](const VendorEntry& e) { return e.enterprise == *enterprise && e.code == o.code; });
        if (it == vendor_.end()) {
          vendor_.push_back(VendorEntry{*enterprise, o.code, o.alwaysSend, &o.payload});
        } else {
          it->persistent = it->persistent || o.alwaysSend;
        }
      }
    }
  });
  std::sort(vendor_.begin(), vendor_.end(), [](const VendorEntry& a, const VendorEntry& b) {
    return a.enterprise != b.enterprise ? a.enterprise < b.enterprise : a.code < b.code;
  });
  subnetMask_ = chosen[opt::kSubnetMask];
  for (unsigned code = 1; code < 255; ++code) {
    const config::OptionData* o = chosen[code];
    if (!o || o->neverSend || isEngineManagedOption(std::uint8_t(code))) continue;
    entries_.push_back(
        Entry{std::uint8_t(code), persistent.test(code) || isBasicOption(std::uint8_t(code)), &o->payload});
  }
}

const OptionSet::VendorEntry* OptionSet::findVendor(std::uint32_t enterprise, std::uint8_t code) const noexcept {
  for (const auto& e : vendor_) {
    if (e.enterprise == enterprise && e.code == code) return &e;
  }
  return nullptr;
}

void appendOptions(const OptionSet& configured, const std::bitset<256>& requested, const proto::Option* clientVivso,
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
  if (clientVivso || !configured.vendorEntries().empty()) appendVendorOptions(configured, clientVivso, out);
}

void appendOptions(const OptionSet& configured, const std::bitset<256>& requested, std::span<proto::Option> computed,
                   std::vector<proto::Option>& out) {
  appendOptions(configured, requested, nullptr, computed, out);
}

void appendOptions(const OptionSources& src, const std::bitset<256>& requested, std::vector<proto::Option> computed,
                   std::vector<proto::Option>& out) {
  appendOptions(OptionSet(src), requested, nullptr, computed, out);
}

void sortReplyOptions(std::vector<proto::Option>& options) {
  auto rank = [](std::uint8_t code) {
    if (code == opt::kMessageType) return -1;
    if (code == opt::kRelayAgentInfo) return 256;
    return int(code);
  };
  // A stable insertion sort: a reply has a dozen options, mostly in order already, and
  // std::stable_sort would allocate a buffer for every reply.
  for (std::size_t i = 1; i < options.size(); ++i) {
    const int r = rank(options[i].code);
    std::size_t j = i;
    while (j > 0 && rank(options[j - 1].code) > r) --j;
    if (j != i)
      std::rotate(options.begin() + std::ptrdiff_t(j), options.begin() + std::ptrdiff_t(i),
                  options.begin() + std::ptrdiff_t(i) + 1);
  }
}

}  // namespace tandem::engine
