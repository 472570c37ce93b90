#pragma once
// GET /metrics on the HTTP(S) control sockets: Kea's statistics with kea-exporter's names
// (dhcpd/api/kea_metrics.h) plus what Kea lacks, prefixed tandem_: the HA state of this server
// and of its partner (state as a label, value 1), time in state, lease updates in flight and
// unsent, the update round-trip and packet processing latency histograms, the backlog and the
// progress of a lease sync. Every figure is a counter or a size the server already keeps: a
// scrape never walks the lease store, so its cost depends on the number of statistics
// (subnets and pools), not of leases.
#include <string>
#include <string_view>
#include <vector>

#include "dhcpd/api/prometheus_text.h"
#include "dhcpd/common/steady_time.h"
#include "dhcpd/common/stats.h"
#include "dhcpd/config/dhcp4_config.h"
#include "ha/service/ha_service.h"
#include "dhcpd/net/dhcp_pipeline.h"

namespace tandem::daemon {

// What one scrape reads. Everything but the statistics registry (its own mutex) is read on
// the io thread that also runs the packet path, so no lock is needed.
struct MetricsInputs {
  const StatsRegistry& stats;
  const config::Dhcp4Config& config;
  std::size_t leases = 0;  // lease store size (kept by the store, not counted here)
  bool dhcpEnabled = true;
  const net::DhcpPipeline* pipeline = nullptr;
  std::vector<const HaService*> ha{};  // one per HA relationship (a hub has several)
  TimePoint now{};
  SteadyTime steadyNow{};  // for the HA state machine's times
  // A writer kept from scrape to scrape (its buffers stay allocated); null: a temporary one.
  api::PrometheusText* writer = nullptr;
};
// The whole /metrics body.
std::string renderMetrics(const MetricsInputs& in);

void writePipelineMetrics(api::PrometheusText& out, const net::DhcpPipeline& pipeline);
// `pipeline` (may be null): the DHCPACKs waiting for the partner and the update latency.
void writeHaMetrics(api::PrometheusText& out, const HaService& ha, const net::DhcpPipeline* pipeline, TimePoint now,
                    SteadyTime steadyNow, std::string_view relationship = {});

}  // namespace tandem::daemon
