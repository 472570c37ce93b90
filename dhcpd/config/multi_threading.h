#pragma once
// Kea's "multi-threading" map (Kea 2.2 defaults: off, 0 threads = one per core, a queue of
// 64), which tandemd maps to its packet workers (dhcpd/daemon/packet_worker.h): with it on,
// thread-pool-size workers (0 = std::thread::hardware_concurrency(), as Kea's
// MultiThreadingMgr::apply) share the packets, each worker's queue bounded by
// packet-queue-size (0 = unbounded, as Kea's thread pool).
#include <cstdint>

#include "dhcpd/config/dhcp4_config.h"

namespace tandem::config {

struct MultiThreadingConfig {
  bool enabled = false;
  std::uint32_t threadPoolSize = 0;
  std::uint32_t packetQueueSize = 64;
  bool operator==(const MultiThreadingConfig&) const = default;
};

// The settings of a parsed configuration (parseDhcp4Config checked the map: its keys, types
// and the mandatory enable-multi-threading); Kea's defaults where a key is absent.
MultiThreadingConfig multiThreadingOf(const Dhcp4Config& cfg);

}  // namespace tandem::config
