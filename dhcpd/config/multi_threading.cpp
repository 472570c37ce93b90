#include "dhcpd/config/multi_threading.h"

namespace tandem::config {

MultiThreadingConfig multiThreadingOf(const Dhcp4Config& cfg) {
  MultiThreadingConfig mt;
  if (!cfg.source.is_object()) return mt;
  auto dhcp4 = cfg.source.find("Dhcp4");
  if (dhcp4 == cfg.source.end() || !dhcp4->is_object()) return mt;
  auto m = dhcp4->find("multi-threading");
  if (m == dhcp4->end() || !m->is_object()) return mt;
  if (auto v = m->find("enable-multi-threading"); v != m->end() && v->is_boolean()) mt.enabled = v->get<bool>();
  if (auto v = m->find("thread-pool-size"); v != m->end() && v->is_number_unsigned()) {
    mt.threadPoolSize = v->get<std::uint32_t>();
  }
  if (auto v = m->find("packet-queue-size"); v != m->end() && v->is_number_unsigned()) {
    mt.packetQueueSize = v->get<std::uint32_t>();
  }
  return mt;
}

}  // namespace tandem::config
