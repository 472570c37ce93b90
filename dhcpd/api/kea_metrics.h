#pragma once
// Kea's statistics (statistic-get-all) as Prometheus metrics with the names, types, HELP
// texts and labels that kea-exporter (github.com/mweinelt/kea-exporter, kea_exporter/
// exporter.py) gives them, so Grafana dashboards built for Kea + kea-exporter work unchanged:
//   pkt4-discover-received           -> kea_dhcp4_packets_received_total{operation="discover"}
//   subnet[1].assigned-addresses     -> kea_dhcp4_addresses_assigned_total{subnet="192.0.2.0/24",subnet_id="1",pool=""}
//   subnet[1].pool[0].total-addresses-> kea_dhcp4_addresses_total{subnet=...,subnet_id="1",pool="192.0.2.10-192.0.2.200"}
// kea-exporter exports every family as a gauge (even those named *_total); so does this.
// The subnet label is the subnet's prefix, the pool label the pool as Kea's config-get
// writes it ("first-last", or "prefix/len" when the range is one CIDR block).
//
// Statistics kea-exporter leaves out (global sums of exported series, cumulative-assigned-
// addresses, v4-allocation-fail) and tandemd's own drop counters are exported too, so that
// every statistic is scrapeable: tandem_dhcp4_packets_dropped_total{reason} for the drop
// counters, tandem_kea_statistic{statistic="<name>"} for the rest. See kea_metrics_test.cpp
// for the whole table.
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "dhcpd/api/prometheus_text.h"
#include "dhcpd/common/stats.h"
#include "dhcpd/config/dhcp4_config.h"

namespace tandem::api {

// Labels of one subnet: its prefix text and its pools in config order (the pool[i] index of
// Kea's statistic names).
struct SubnetMetricLabels {
  std::string subnet;
  std::string subnetId;
  std::vector<std::string> pools;
};
using SubnetLabelMap = std::unordered_map<std::uint32_t, SubnetMetricLabels>;

// Every configured subnet, shared networks' included (kea-exporter reads only the top-level
// subnet4 list and drops the statistics of subnets in shared networks; tandemd does not).
SubnetLabelMap subnetMetricLabels(const config::Dhcp4Config& cfg);
// Kea's Pool4::toElement form: "192.0.2.0/25" for a CIDR-aligned block, else "first-last".
std::string keaPoolText(Ipv4 first, Ipv4 last);

// Declares the families (so HELP and TYPE come out even before the first sample) and then
// writes one statistic at a time (its newest value, as statistic-get-all answers it).
class KeaMetricsWriter {
 public:
  KeaMetricsWriter(PrometheusText& out, const SubnetLabelMap& subnets);
  void add(std::string_view statistic, std::int64_t value);

 private:
  void fallback(std::string_view statistic, std::int64_t value);

  PrometheusText& out_;
  const SubnetLabelMap& subnets_;
  std::array<PrometheusText::Family*, 10> families_{};  // kea-exporter's, in its order
  PrometheusText::Family* drops_ = nullptr;
  PrometheusText::Family* other_ = nullptr;
};

// Every statistic of `stats` through a KeaMetricsWriter.
void writeKeaMetrics(PrometheusText& out, std::span<const std::pair<std::string, StatsRegistry::Sample>> stats,
                     const SubnetLabelMap& subnets);

}  // namespace tandem::api
