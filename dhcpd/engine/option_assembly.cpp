#include "dhcpd/engine/option_assembly.h"

#include <array>

namespace tandem::engine {
namespace {
namespace opt = proto::opt;

// Kea's appendBasicOptions: sent when configured even if the client did not ask.
bool isBasicOption(std::uint8_t code) noexcept {
  return code == opt::kRouters || code == opt::kDomainNameServers || code == opt::kDomainName;
}
}  // namespace

const config::OptionData* findConfiguredOption(const OptionSources& src, std::uint8_t code) {
  for (const auto* list : {src.reservation, src.pool, src.subnet, src.global}) {
    if (!list) continue;
    for (const auto& o : *list) {
      if (o.code == code) return &o;
    }
  }
  return nullptr;
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

void appendOptions(const OptionSources& src, const std::bitset<256>& requested,
                   std::vector<proto::Option> computed, std::vector<proto::Option>& out) {
  std::array<const config::OptionData*, 256> chosen{};
  for (const auto* list : {src.reservation, src.pool, src.subnet, src.global}) {
    if (!list) continue;
    for (const auto& o : *list) {
      if (!chosen[o.code]) chosen[o.code] = &o;
    }
  }
  std::bitset<256> present;
  for (const auto& o : out) present.set(o.code);
  std::array<proto::Option*, 256> mine{};
  for (auto& o : computed) mine[o.code] = &o;
  for (unsigned code = 1; code < 255; ++code) {
    if (present.test(code)) continue;
    if (mine[code]) {
      out.push_back(std::move(*mine[code]));
      continue;
    }
    const config::OptionData* o = chosen[code];
    if (!o || o->neverSend || isEngineManagedOption(std::uint8_t(code))) continue;
    if (o->alwaysSend || requested.test(code) || isBasicOption(std::uint8_t(code))) {
      out.push_back(proto::Option{std::uint8_t(code), o->payload});
    }
  }
}

}  // namespace tandem::engine
