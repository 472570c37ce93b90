#pragma once
// The option sets of queries whose classes bring option-data, one per distinct chain of
// sources (pool, subnet, shared network, the classes in the order the client joined them,
// global): resolved the first time a query needs it, then reused. Resolving per packet
// (OptionSet::assign walks all 254 codes) was most of what class option-data cost a DORA.
// The sources are the configuration's, which does not change while the engine serves it (the
// engine clears the cache when it is reconfigured). Sets with reservation option-data are
// never cached: reservations are not a stable key.
#include <cstddef>
#include <unordered_map>
#include <vector>

#include "dhcpd/engine/option_assembly.h"

namespace tandem::engine {

class OptionSetCache {
 public:
  // The resolved set of src; nullptr when src has reservation option-data or the cache is
  // full (kMaxSets chains), and the caller resolves it itself.
  const OptionSet* find(const OptionSources& src);
  void clear() noexcept { sets_.clear(); }
  std::size_t size() const noexcept { return sets_.size(); }

  // Distinct class combinations seen; bounds the memory a client mix can make the cache use.
  static constexpr std::size_t kMaxSets = 4096;

 private:
  struct KeyHash {
    std::size_t operator()(const std::vector<const void*>& k) const noexcept;
  };
  std::vector<const void*> key_;  // the lookup key, reused: a hit allocates nothing
  // Node-based: the sets stay where they are when the map grows.
  std::unordered_map<std::vector<const void*>, OptionSet, KeyHash> sets_;
};

}  // namespace tandem::engine
