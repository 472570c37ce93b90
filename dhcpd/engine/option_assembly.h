#pragma once
// Which configured options go into a reply, in which order (RFC 2131 4.3.1, RFC 2132 9.8).
#include <bitset>
#include <cstdint>
#include <vector>

#include "dhcpd/config/dhcp4_config.h"
#include "dhcpd/proto/packet4.h"

namespace tandem::engine {

// Option data sources, most specific first. Kea's precedence: reservation, pool, subnet,
// global; the first source defining a code wins.
struct OptionSources {
  const std::vector<config::OptionData>* reservation = nullptr;
  const std::vector<config::OptionData>* pool = nullptr;
  const std::vector<config::OptionData>* subnet = nullptr;
  const std::vector<config::OptionData>* global = nullptr;
};

// The most specific definition of code, or nullptr.
const config::OptionData* findConfiguredOption(const OptionSources& src, std::uint8_t code);

// Codes the engine computes itself (message type, server id, lease times, client-id and
// relay-agent echo, ...): configured values for these are ignored in replies.
bool isEngineManagedOption(std::uint8_t code) noexcept;

// Appends, ascending by code (a stable order keeps replies byte-identical across runs and
// servers), the options computed by the engine (`computed`: always sent, they win over a
// configured value of the same code) merged with the configured options the client should
// get: those in the parameter request list (option 55), those marked always-send, and those
// Kea sends whenever configured (routers, domain-name-servers, domain-name). never-send
// options and codes already present in `out` are skipped.
void appendOptions(const OptionSources& src, const std::bitset<256>& requested,
                   std::vector<proto::Option> computed, std::vector<proto::Option>& out);

}  // namespace tandem::engine
