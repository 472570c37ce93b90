#pragma once
// Which configured options go into a reply, in which order (RFC 2131 4.3.1, RFC 2132 9.8),
// as Kea 2.2's Dhcpv4Srv does it (appendRequestedOptions, appendBasicOptions,
// appendRequestedVendorOptions).
#include <array>
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

// The most specific dhcp4-space definition of code, or nullptr.
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
    // Sent without a request: always-send on any level's copy of the code (Kea collects the
    // "persistent" codes from every level, then sends the most specific value), or one of
    // Kea's basic options.
    bool unconditional = false;
    const std::vector<std::uint8_t>* payload = nullptr;
  };
  // An option of a "vendor-<enterprise>" space (RFC 3925 section 4 sub-options of 125).
  struct VendorEntry {
    std::uint32_t enterprise = 0;
    std::uint8_t code = 0;
    bool persistent = false;  // always-send on any level
    const std::vector<std::uint8_t>* payload = nullptr;
  };

  OptionSet() = default;
  explicit OptionSet(const OptionSources& src);
  // Re-resolves in place, keeping the capacity (per-packet sets allocate nothing).
  void assign(const OptionSources& src);

  // Sendable dhcp4 options (never-send and engine-managed codes removed), ascending by code.
  std::span<const Entry> entries() const noexcept { return entries_; }
  // Vendor options, ascending by enterprise then code.
  std::span<const VendorEntry> vendorEntries() const noexcept { return vendor_; }
  const VendorEntry* findVendor(std::uint32_t enterprise, std::uint8_t code) const noexcept;
  // The most specific subnet-mask definition (option 1), never-send or not. The engine's
  // OFFER/ACK carry the subnet prefix's mask instead, as Kea 2.2's do.
  const config::OptionData* subnetMask() const noexcept { return subnetMask_; }

 private:
  std::vector<Entry> entries_;
  std::vector<VendorEntry> vendor_;
  const config::OptionData* subnetMask_ = nullptr;
};

// Appends, ascending by code, the options computed by the engine (`computed`: always sent,
// they win over a configured value of the same code) merged with the configured options the
// client should get: those in the parameter request list (option 55), those marked
// always-send, and those Kea sends whenever configured (routers, domain-name-servers,
// domain-name). never-send options and codes already present in `out` are skipped.
// Then option 125 as Kea's appendRequestedVendorOptions builds it: the enterprise is the one
// of the 125 already in the reply, else the first block of the client's 125 (clientVivso,
// may be null); the vendor options the client asked for in a DOCSIS (4491) vendor ORO and the
// always-send ones of that enterprise are added into the reply's 125, or into a new one.
// `computed` is consumed (moved from).
void appendOptions(const OptionSet& configured, const std::bitset<256>& requested, const proto::Option* clientVivso,
                   std::span<proto::Option> computed, std::vector<proto::Option>& out);
void appendOptions(const OptionSet& configured, const std::bitset<256>& requested, std::span<proto::Option> computed,
                   std::vector<proto::Option>& out);

// Same, resolving the sources on the spot (a reservation's options, rare).
void appendOptions(const OptionSources& src, const std::bitset<256>& requested, std::vector<proto::Option> computed,
                   std::vector<proto::Option>& out);

// Kea's wire order of a reply's options (LibDHCP::packOptions4): message type (53) first,
// then ascending by code, relay agent information (82) last. Stable for repeated codes.
void sortReplyOptions(std::vector<proto::Option>& options);

}  // namespace tandem::engine
