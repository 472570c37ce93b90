#pragma once
// Which configured options go into a reply, in which order (RFC 2131 4.3.1, RFC 2132 9.8).
#include <bitset>
#include <cstdint>
#include <span>
#include <vector>

#include "dhcpd/config/dhcp4_config.h"
#include "dhcpd/proto/packet4.h"

namespace tandem::engine {

// Option data sources, most specific first. Kea 2.2's precedence (buildCfgOptionList):
// reservation, pool, subnet, shared network, the client's classes in the order it joined them,
// global; the
// first source defining a code wins.
struct OptionSources {
  const std::vector<config::OptionData>* reservation = nullptr;
  const std::vector<config::OptionData>* pool = nullptr;
  const std::vector<config::OptionData>* subnet = nullptr;
  const std::vector<config::OptionData>* network = nullptr;  // the subnet's shared network
  const std::vector<config::OptionData>* global = nullptr;
  std::span<const std::vector<config::OptionData>* const> classes{};  // between subnet and global
};

// The most specific definition of code, or nullptr.
const config::OptionData* findConfiguredOption(const OptionSources& src, std::uint8_t code);

// Codes the engine computes itself (message type, server id, lease times, client-id and
// relay-agent echo, ...): configured values for these are ignored in replies.
bool isEngineManagedOption(std::uint8_t code) noexcept;

// The configured options one scope chain can put into a reply, resolved once (at
// (re)configuration time for subnets and pools) so that a reply only filters this short list
// by the client's parameter request list instead of resolving precedence over 254 codes per
// packet. Points into the OptionData of the sources: valid while they are.
class OptionSet {
 public:
  struct Entry {
    std::uint8_t code = 0;
    bool unconditional = false;  // always-send, or one of Kea's basic options
    const std::vector<std::uint8_t>* payload = nullptr;
  };

  OptionSet() = default;
  explicit OptionSet(const OptionSources& src);
  // Re-resolves in place, keeping the capacity (per-packet sets allocate nothing).
  void assign(const OptionSources& src);

  // Sendable options (never-send and engine-managed codes removed), ascending by code.
  std::span<const Entry> entries() const noexcept { return entries_; }
  // The most specific subnet-mask definition (option 1), never-send or not: the engine
  // sends a mask in every OFFER/ACK and takes a configured one over the prefix's.
  const config::OptionData* subnetMask() const noexcept { return subnetMask_; }

 private:
  std::vector<Entry> entries_;
  const config::OptionData* subnetMask_ = nullptr;
};

// Appends, ascending by code (a stable order keeps replies byte-identical across runs and
// servers), the options computed by the engine (`computed`: always sent, they win over a
// configured value of the same code) merged with the configured options the client should
// get: those in the parameter request list (option 55), those marked always-send, and those
// Kea sends whenever configured (routers, domain-name-servers, domain-name). never-send
// options and codes already present in `out` are skipped. `computed` is consumed (moved from).
void appendOptions(const OptionSet& configured, const std::bitset<256>& requested,
                   std::span<proto::Option> computed, std::vector<proto::Option>& out);

// Same, resolving the sources on the spot (a reservation's options, rare).
void appendOptions(const OptionSources& src, const std::bitset<256>& requested,
                   std::vector<proto::Option> computed, std::vector<proto::Option>& out);

}  // namespace tandem::engine
