// Cost of one GET /metrics scrape on a big server (issue 14 target: 2 M leases and 1,000
// subnets, under 100 ms, without stalling DHCP service). Builds that state in process: the
// configuration (1,000 /21 subnets, one 2,000-address pool each), 2 M leases in the real
// MemoryLeaseStore, the statistics as the server keeps them (LeaseWriter::recount, once, as at
// start-up) and a packet pipeline; then times daemon::renderMetrics, the function the /metrics
// route runs on the io thread (the thread of the packet path: while it runs, no DHCP packet is
// processed, so its time is also the longest stall a scrape causes), with a writer kept from
// scrape to scrape as the server keeps it. The statistics registry's mutex is held while the
// Kea statistics are written (no other thread uses the registry; the packet path publishes on
// the same io thread); that part is printed too. The HTTP part (Beast, kernel) runs beside it
// and is measured by scripts/bench-metrics.sh.
// Run: build/tests/metrics_bench [leases] [subnets] [repetitions]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "dhcpd/api/kea_metrics.h"
#include "dhcpd/common/logger.h"
#include "dhcpd/common/stats.h"
#include "dhcpd/config/dhcp4_config.h"
#include "dhcpd/daemon/metrics_page.h"
#include "dhcpd/engine/engine.h"
#include "dhcpd/lease/memory_lease_store.h"
#include "dhcpd/net/dhcp_lease_writer.h"
#include "dhcpd/net/dhcp_pipeline.h"

using namespace tandem;
using Ms = std::chrono::duration<double, std::milli>;

namespace {

std::string configText(std::size_t subnets, std::size_t poolSize) {
  std::string s = R"({"Dhcp4": {"interfaces-config": {"interfaces": []},
    "lease-database": {"type": "memfile", "persist": false}, "valid-lifetime": 4000, "subnet4": [)";
  for (std::size_t i = 0; i < subnets; ++i) {
    const Ipv4 net(std::uint32_t((10u << 24) + i * 2048));
    const Ipv4 first(net.value + 10), last(net.value + 10 + std::uint32_t(poolSize) - 1);
    if (i) s += ',';
    s += "{\"id\": " + std::to_string(i + 1) + ", \"subnet\": \"" + net.toString() +
         "/21\", \"pools\": [{\"pool\": \"" + first.toString() + " - " + last.toString() + "\"}]}";
  }
  return s + "]}}";
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t leases = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 2'000'000;
  const std::size_t subnets = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 1000;
  const int reps = argc > 3 ? std::atoi(argv[3]) : 20;
  const std::size_t perSubnet = (leases + subnets - 1) / subnets;
  const std::size_t poolSize = std::max<std::size_t>(perSubnet, 2000);
  if (poolSize > 2030) {
    std::fprintf(stderr, "at most 2030 leases per subnet (/21 subnets)\n");
    return 2;
  }
  auto t0 = std::chrono::steady_clock::now();
  auto cfg =
      config::parseDhcp4Config(configText(subnets, poolSize), config::ParseContext{"/tmp", "/tmp/leases.csv", {}});
  if (!cfg) {
    std::fprintf(stderr, "config: %s\n", cfg.error().message.c_str());
    return 1;
  }
  MemoryLeaseStore store;
  store.reserve(leases);
  const std::int64_t now = 1'750'000'000;
  std::size_t made = 0;
  for (std::size_t i = 0; i < subnets && made < leases; ++i) {
    const std::uint32_t first = std::uint32_t((10u << 24) + i * 2048 + 10);
    for (std::size_t j = 0; j < perSubnet && made < leases; ++j, ++made) {
      Lease l;
      l.address = Ipv4(first + std::uint32_t(j));
      const std::uint8_t mac[6] = {0x02,
                                   std::uint8_t(made >> 32),
                                   std::uint8_t(made >> 24),
                                   std::uint8_t(made >> 16),
                                   std::uint8_t(made >> 8),
                                   std::uint8_t(made)};
      l.hwAddr = HwAddr::fromBytes(mac);
      l.validLifetime = 4000;
      l.cltt = now - std::int64_t(made % 3000);
      l.subnetId = std::uint32_t(i + 1);
      l.state = made % 50 == 0 ? LeaseState::Declined : LeaseState::Default;
      if (auto r = store.put(l); !r) {
        std::fprintf(stderr, "put: %s\n", r.error().message.c_str());
        return 1;
      }
    }
  }
  StatsRegistry stats;
  const TimePoint tnow = fromEpochSeconds(now);
  net::LeaseWriter writer(store, nullptr, stats, [tnow] { return tnow; });
  writer.recount(*cfg, tnow);
  engine::Engine engine(*cfg, store);
  Logger log;
  log.setSeverity(Severity::Fatal);
  net::DhcpPipeline pipeline(engine, writer, stats, log, net::DhcpPipeline::Options{});
  pipeline.publish(tnow);  // Kea's start-up packet statistics
  const auto built = Ms(std::chrono::steady_clock::now() - t0).count();

  daemon::MetricsInputs in{stats, *cfg};
  in.leases = store.size();
  in.pipeline = &pipeline;
  in.now = tnow;
  api::PrometheusText text;
  in.writer = &text;
  std::vector<double> scrape, lock;
  std::size_t bytes = 0, lines = 0;
  for (int r = 0; r < reps; ++r) {
    auto a = std::chrono::steady_clock::now();
    const std::string body = daemon::renderMetrics(in);
    auto b = std::chrono::steady_clock::now();
    scrape.push_back(Ms(b - a).count());
    bytes = body.size();
    lines = std::size_t(std::count(body.begin(), body.end(), '\n'));
    // The part under the registry lock: the Kea statistics through KeaMetricsWriter.
    const auto labels = api::subnetMetricLabels(*cfg);
    auto c = std::chrono::steady_clock::now();
    {
      api::KeaMetricsWriter kea(text, labels);
      stats.forEachNewest([&](std::string_view n, const StatsRegistry::Sample& s) { kea.add(n, s.value); });
      auto d = std::chrono::steady_clock::now();
      lock.push_back(Ms(d - c).count());
      (void)text.finish();
    }
  }
  std::printf("state: %zu leases, %zu subnets, %zu statistics (built in %.0f ms)\n", store.size(), subnets,
              stats.all().size(), built);
  std::printf("scrape body: %zu bytes, %zu lines\n", bytes, lines);
  std::printf("scrape time (renderMetrics, io thread): min %.2f ms, median %.2f ms, max %.2f ms over %d\n",
              *std::min_element(scrape.begin(), scrape.end()), median(scrape),
              *std::max_element(scrape.begin(), scrape.end()), reps);
  std::printf("of which under the statistics registry lock: median %.2f ms, max %.2f ms\n", median(lock),
              *std::max_element(lock.begin(), lock.end()));
  return median(scrape) < 100.0 ? 0 : 1;
}
