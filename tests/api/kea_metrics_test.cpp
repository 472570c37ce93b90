// The mapping of Kea's statistics to Prometheus metrics, as kea-exporter
// (github.com/mweinelt/kea-exporter, kea_exporter/exporter.py) names them. The tables here ARE
// the documentation: Kea statistic -> the exact exposition line /metrics gives for it.
#include "dhcpd/api/kea_metrics.h"

#include <set>
#include <sstream>

#include <gtest/gtest.h>

namespace tandem::api {
namespace {

config::Dhcp4Config twoSubnets() {
  config::Dhcp4Config cfg;
  config::Subnet4 a;
  a.id = 1;
  a.prefix = *Prefix4::parse("192.0.2.0/24");
  config::Pool p0;
  p0.first = *Ipv4::parse("192.0.2.10");
  p0.last = *Ipv4::parse("192.0.2.200");
  config::Pool p1;  // a CIDR block: Kea's config-get writes it as a prefix
  p1.first = *Ipv4::parse("192.0.2.224");
  p1.last = *Ipv4::parse("192.0.2.239");
  a.pools = {p0, p1};
  config::Subnet4 b;
  b.id = 20;
  b.prefix = *Prefix4::parse("198.51.100.0/25");
  b.sharedNetwork = "net";  // kea-exporter drops these; tandemd labels them like any other
  cfg.subnets = {a, b};
  return cfg;
}

std::string render(const std::vector<std::pair<std::string, std::int64_t>>& stats) {
  std::vector<std::pair<std::string, StatsRegistry::Sample>> in;
  for (const auto& [n, v] : stats) in.push_back({n, StatsRegistry::Sample{v, {}}});
  PrometheusText out;
  writeKeaMetrics(out, in, subnetMetricLabels(twoSubnets()));
  return out.finish();
}

std::vector<std::string> sampleLines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    if (!l.starts_with("#")) out.push_back(l);
  }
  return out;
}

struct Row {
  const char* statistic;
  const char* line;  // with the value 5
};

// Every Kea 2.2 DHCPv4 statistic tandemd keeps, global and per subnet / pool.
const Row kTable[] = {
    // Packets (global), kea_dhcp4_packets_{received,sent}_total{operation}.
    {"pkt4-discover-received", "kea_dhcp4_packets_received_total{operation=\"discover\"} 5"},
    {"pkt4-offer-received", "kea_dhcp4_packets_received_total{operation=\"offer\"} 5"},
    {"pkt4-request-received", "kea_dhcp4_packets_received_total{operation=\"request\"} 5"},
    {"pkt4-ack-received", "kea_dhcp4_packets_received_total{operation=\"ack\"} 5"},
    {"pkt4-nak-received", "kea_dhcp4_packets_received_total{operation=\"nak\"} 5"},
    {"pkt4-release-received", "kea_dhcp4_packets_received_total{operation=\"release\"} 5"},
    {"pkt4-decline-received", "kea_dhcp4_packets_received_total{operation=\"decline\"} 5"},
    {"pkt4-inform-received", "kea_dhcp4_packets_received_total{operation=\"inform\"} 5"},
    {"pkt4-unknown-received", "kea_dhcp4_packets_received_total{operation=\"unknown\"} 5"},
    {"pkt4-parse-failed", "kea_dhcp4_packets_received_total{operation=\"parse-failed\"} 5"},
    {"pkt4-receive-drop", "kea_dhcp4_packets_received_total{operation=\"drop\"} 5"},
    {"pkt4-offer-sent", "kea_dhcp4_packets_sent_total{operation=\"offer\"} 5"},
    {"pkt4-ack-sent", "kea_dhcp4_packets_sent_total{operation=\"ack\"} 5"},
    {"pkt4-nak-sent", "kea_dhcp4_packets_sent_total{operation=\"nak\"} 5"},
    // Per subnet: pool="" (kea-exporter sets it empty for subnet-level series).
    {"subnet[1].total-addresses", "kea_dhcp4_addresses_total{subnet=\"192.0.2.0/24\",subnet_id=\"1\",pool=\"\"} 5"},
    {"subnet[1].assigned-addresses",
     "kea_dhcp4_addresses_assigned_total{subnet=\"192.0.2.0/24\",subnet_id=\"1\",pool=\"\"} 5"},
    {"subnet[1].declined-addresses",
     "kea_dhcp4_addresses_declined_total{subnet=\"192.0.2.0/24\",subnet_id=\"1\",pool=\"\"} 5"},
    {"subnet[1].reclaimed-declined-addresses",
     "kea_dhcp4_addresses_declined_reclaimed_total{subnet=\"192.0.2.0/24\",subnet_id=\"1\",pool=\"\"} 5"},
    {"subnet[1].reclaimed-leases",
     "kea_dhcp4_addresses_reclaimed_total{subnet=\"192.0.2.0/24\",subnet_id=\"1\",pool=\"\"} 5"},
    {"subnet[1].v4-reservation-conflicts",
     "kea_dhcp4_reservation_conflicts_total{subnet=\"192.0.2.0/24\",subnet_id=\"1\"} 5"},
    {"subnet[1].v4-lease-reuses", "kea_dhcp4_leases_reused_total{subnet=\"192.0.2.0/24\",subnet_id=\"1\"} 5"},
    {"subnet[1].v4-allocation-fail-subnet",
     "kea_dhcp4_allocations_failed_total{subnet=\"192.0.2.0/24\",subnet_id=\"1\",context=\"subnet\"} 5"},
    {"subnet[1].v4-allocation-fail-shared-network",
     "kea_dhcp4_allocations_failed_total{subnet=\"192.0.2.0/24\",subnet_id=\"1\",context=\"shared-network\"} 5"},
    {"subnet[1].v4-allocation-fail-no-pools",
     "kea_dhcp4_allocations_failed_total{subnet=\"192.0.2.0/24\",subnet_id=\"1\",context=\"no-pools\"} 5"},
    {"subnet[1].v4-allocation-fail-classes",
     "kea_dhcp4_allocations_failed_total{subnet=\"192.0.2.0/24\",subnet_id=\"1\",context=\"classes\"} 5"},
    // Per pool: pool = the pool as Kea's config-get writes it.
    {"subnet[1].pool[0].total-addresses",
     "kea_dhcp4_addresses_total{subnet=\"192.0.2.0/24\",subnet_id=\"1\",pool=\"192.0.2.10-192.0.2.200\"} 5"},
    {"subnet[1].pool[1].total-addresses",
     "kea_dhcp4_addresses_total{subnet=\"192.0.2.0/24\",subnet_id=\"1\",pool=\"192.0.2.224/28\"} 5"},
    {"subnet[1].pool[0].assigned-addresses",
     "kea_dhcp4_addresses_assigned_total{subnet=\"192.0.2.0/24\",subnet_id=\"1\",pool=\"192.0.2.10-192.0.2.200\"} 5"},
    {"subnet[1].pool[0].declined-addresses",
     "kea_dhcp4_addresses_declined_total{subnet=\"192.0.2.0/24\",subnet_id=\"1\",pool=\"192.0.2.10-192.0.2.200\"} 5"},
    {"subnet[1].pool[0].reclaimed-declined-addresses",
     "kea_dhcp4_addresses_declined_reclaimed_total{subnet=\"192.0.2.0/24\",subnet_id=\"1\",pool=\"192.0.2.10-192.0.2."
     "200\"} 5"},
    {"subnet[1].pool[0].reclaimed-leases",
     "kea_dhcp4_addresses_reclaimed_total{subnet=\"192.0.2.0/24\",subnet_id=\"1\",pool=\"192.0.2.10-192.0.2.200\"} 5"},
    {"subnet[20].assigned-addresses",
     "kea_dhcp4_addresses_assigned_total{subnet=\"198.51.100.0/25\",subnet_id=\"20\",pool=\"\"} 5"},
    // kea-exporter leaves these out (global sums of the series above, cumulative counts);
    // tandemd still exports them, by name.
    {"pkt4-received", "tandem_kea_statistic{statistic=\"pkt4-received\"} 5"},
    {"pkt4-sent", "tandem_kea_statistic{statistic=\"pkt4-sent\"} 5"},
    {"cumulative-assigned-addresses", "tandem_kea_statistic{statistic=\"cumulative-assigned-addresses\"} 5"},
    {"declined-addresses", "tandem_kea_statistic{statistic=\"declined-addresses\"} 5"},
    {"reclaimed-leases", "tandem_kea_statistic{statistic=\"reclaimed-leases\"} 5"},
    {"reclaimed-declined-addresses", "tandem_kea_statistic{statistic=\"reclaimed-declined-addresses\"} 5"},
    {"v4-allocation-fail", "tandem_kea_statistic{statistic=\"v4-allocation-fail\"} 5"},
    {"v4-allocation-fail-subnet", "tandem_kea_statistic{statistic=\"v4-allocation-fail-subnet\"} 5"},
    {"v4-allocation-fail-shared-network", "tandem_kea_statistic{statistic=\"v4-allocation-fail-shared-network\"} 5"},
    {"v4-allocation-fail-no-pools", "tandem_kea_statistic{statistic=\"v4-allocation-fail-no-pools\"} 5"},
    {"v4-allocation-fail-classes", "tandem_kea_statistic{statistic=\"v4-allocation-fail-classes\"} 5"},
    {"v4-reservation-conflicts", "tandem_kea_statistic{statistic=\"v4-reservation-conflicts\"} 5"},
    {"subnet[1].cumulative-assigned-addresses",
     "tandem_kea_statistic{statistic=\"subnet[1].cumulative-assigned-addresses\"} 5"},
    {"subnet[1].pool[0].cumulative-assigned-addresses",
     "tandem_kea_statistic{statistic=\"subnet[1].pool[0].cumulative-assigned-addresses\"} 5"},
    {"subnet[1].v4-allocation-fail", "tandem_kea_statistic{statistic=\"subnet[1].v4-allocation-fail\"} 5"},
    // tandemd's own drop counters (each also counted in pkt4-receive-drop).
    {"pkt4-ack-not-durable-drop", "tandem_dhcp4_packets_dropped_total{reason=\"ack-not-durable\"} 5"},
    {"pkt4-not-for-us", "tandem_dhcp4_packets_dropped_total{reason=\"not-for-us\"} 5"},
    {"pkt4-ha-update-failed-drop", "tandem_dhcp4_packets_dropped_total{reason=\"ha-update-failed\"} 5"},
    {"pkt4-lease-file-fail-drop", "tandem_dhcp4_packets_dropped_total{reason=\"lease-file-fail\"} 5"},
    {"pkt4-ha-backpressure-drop", "tandem_dhcp4_packets_dropped_total{reason=\"ha-backpressure\"} 5"},
    {"pkt4-lease-db-conflict-drop", "tandem_dhcp4_packets_dropped_total{reason=\"lease-db-conflict\"} 5"},
    {"pkt4-lease-backpressure-drop", "tandem_dhcp4_packets_dropped_total{reason=\"lease-backpressure\"} 5"},
    // Statistics of a subnet no longer configured, of a pool index beyond the subnet's pools,
    // and any name unknown here: kept, by name.
    {"subnet[7].assigned-addresses", "tandem_kea_statistic{statistic=\"subnet[7].assigned-addresses\"} 5"},
    {"subnet[1].pool[5].assigned-addresses",
     "tandem_kea_statistic{statistic=\"subnet[1].pool[5].assigned-addresses\"} 5"},
    {"subnet[1].pool[0].v4-reservation-conflicts",
     "tandem_kea_statistic{statistic=\"subnet[1].pool[0].v4-reservation-conflicts\"} 5"},
    {"some-hook-counter", "tandem_kea_statistic{statistic=\"some-hook-counter\"} 5"},
};

TEST(KeaMetricsTest, EachStatisticMapsToItsKeaExporterLine) {
  for (const Row& r : kTable) {
    SCOPED_TRACE(r.statistic);
    EXPECT_EQ(sampleLines(render({{r.statistic, 5}})), std::vector<std::string>{r.line});
  }
}

TEST(KeaMetricsTest, FamiliesAreKeaExporterGaugesWithItsHelpTexts) {
  const std::string text = render({});
  for (const char* decl : {
           "# HELP kea_dhcp4_packets_sent_total Packets sent\n# TYPE kea_dhcp4_packets_sent_total gauge\n",
           "# HELP kea_dhcp4_packets_received_total Packets received\n# TYPE kea_dhcp4_packets_received_total gauge\n",
           "# HELP kea_dhcp4_allocations_failed_total Allocation fail count\n"
           "# TYPE kea_dhcp4_allocations_failed_total gauge\n",
           "# HELP kea_dhcp4_addresses_assigned_total Assigned addresses\n"
           "# TYPE kea_dhcp4_addresses_assigned_total gauge\n",
           "# HELP kea_dhcp4_addresses_declined_total Declined counts\n"
           "# TYPE kea_dhcp4_addresses_declined_total gauge\n",
           "# HELP kea_dhcp4_addresses_declined_reclaimed_total Declined addresses that were reclaimed\n"
           "# TYPE kea_dhcp4_addresses_declined_reclaimed_total gauge\n",
           "# HELP kea_dhcp4_addresses_reclaimed_total Expired addresses that were reclaimed\n"
           "# TYPE kea_dhcp4_addresses_reclaimed_total gauge\n",
           "# HELP kea_dhcp4_addresses_total Size of subnet address pool\n# TYPE kea_dhcp4_addresses_total gauge\n",
           "# HELP kea_dhcp4_reservation_conflicts_total Reservation conflict count\n"
           "# TYPE kea_dhcp4_reservation_conflicts_total gauge\n",
           "# HELP kea_dhcp4_leases_reused_total Number of times an IPv4 lease has been renewed in memory\n"
           "# TYPE kea_dhcp4_leases_reused_total gauge\n",
           "# TYPE tandem_dhcp4_packets_dropped_total counter\n",
       }) {
    EXPECT_NE(text.find(decl), std::string::npos) << decl;
  }
}

TEST(KeaMetricsTest, ManyStatisticsOneHelpAndTypePerFamily) {
  std::vector<std::pair<std::string, std::int64_t>> all;
  for (const Row& r : kTable) all.push_back({r.statistic, 5});
  const std::string text = render(all);
  std::set<std::string> seen;
  std::string current;
  std::istringstream in(text);
  std::size_t samples = 0;
  for (std::string l; std::getline(in, l);) {
    if (l.starts_with("# TYPE ")) {
      const std::string name = l.substr(7, l.find(' ', 7) - 7);
      EXPECT_TRUE(seen.insert(name).second) << "second TYPE for " << name;
      EXPECT_TRUE(validMetricName(name));
      if (l.ends_with(" counter")) {
        EXPECT_TRUE(name.ends_with("_total")) << name;
      }
      current = name;
      continue;
    }
    if (l.starts_with("#")) continue;
    ++samples;
    // Every sample belongs to the family declared last: families are never interleaved.
    EXPECT_EQ(l.substr(0, l.find_first_of("{ ")), current) << l;
  }
  EXPECT_EQ(samples, std::size(kTable));
}

TEST(KeaMetricsTest, PoolTextAsKeaConfigGet) {
  auto ip = [](const char* s) { return *Ipv4::parse(s); };
  EXPECT_EQ(keaPoolText(ip("10.0.0.0"), ip("10.0.0.255")), "10.0.0.0/24");
  EXPECT_EQ(keaPoolText(ip("10.0.0.5"), ip("10.0.0.5")), "10.0.0.5/32");
  EXPECT_EQ(keaPoolText(ip("10.0.0.1"), ip("10.0.0.254")), "10.0.0.1-10.0.0.254");
  EXPECT_EQ(keaPoolText(ip("10.0.0.8"), ip("10.0.0.23")), "10.0.0.8-10.0.0.23");  // 16 addresses, unaligned
  EXPECT_EQ(keaPoolText(ip("0.0.0.0"), ip("255.255.255.255")), "0.0.0.0/0");
}

TEST(KeaMetricsTest, MalformedSubnetNamesAreKeptByName) {
  for (const char* n : {"subnet[].assigned-addresses", "subnet[1]assigned-addresses", "subnet[1].pool[x].a",
                        "subnet[99999999999].assigned-addresses", "subnet[1].a.b"}) {
    SCOPED_TRACE(n);
    EXPECT_EQ(sampleLines(render({{n, 1}})),
              std::vector<std::string>{std::string("tandem_kea_statistic{statistic=\"") + n + "\"} 1"});
  }
}

}  // namespace
}  // namespace tandem::api
