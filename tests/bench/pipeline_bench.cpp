// CPU cost of one DORA on the daemon's packet path, in process and without sockets: for each
// new client, DISCOVER bytes -> decode -> Engine -> encode OFFER, then REQUEST bytes ->
// decode -> Engine -> lease change applied to the real MemoryLeaseStore and formatted as the
// journal formats it (Kea CSV line, no I/O) -> encode ACK. This is what DhcpPipeline::process
// does per datagram minus the socket and fdatasync, so its ns per DORA is a floor for the
// daemon's CPU per DORA, and `valgrind --tool=callgrind` on it gives repeatable instruction
// counts even on a busy machine.
// The config and the packets mirror the perfdhcp runs of scripts/bench-dhcp.sh: one /15
// subnet with a routers option, perfdhcp acting as a relay (giaddr set), its parameter
// request list and client identifier.
// Run: build-*/tests/pipeline_bench [--benchmark_filter=...]
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>

#include "dhcpd/config/dhcp4_config.h"
#include "dhcpd/engine/engine.h"
#include "dhcpd/lease/lease_csv.h"
#include "dhcpd/lease/memory_lease_store.h"

namespace tandem {
namespace {

using proto::MessageType;
using proto::Packet4;
namespace opt = proto::opt;

constexpr const char* kConfig = R"({
  "Dhcp4": {
    "interfaces-config": { "interfaces": [ "eth0" ] },
    "valid-lifetime": 4000, "renew-timer": 1000, "rebind-timer": 2000,
    "subnet4": [ { "id": 1, "subnet": "198.18.0.0/15",
                   "pools": [ { "pool": "198.18.16.0 - 198.19.255.254" } ],
                   "option-data": [ { "name": "routers", "data": "198.18.0.1" } ] } ]
  }
})";
// Addresses in the pool above.
constexpr std::uint32_t kPoolSize = (Ipv4(198, 19, 255, 254).value - Ipv4(198, 18, 16, 0).value) + 1;

const Ipv4 kServer(198, 18, 0, 1);
const Ipv4 kRelay(198, 18, 0, 100);

// A wire-format query template whose per-client fields are patched in place, so the loop
// measures the server's work and not the building of the client's packets.
struct WireTemplate {
  std::vector<std::uint8_t> bytes;
  std::size_t requestedOffset = 0;  // data of option 50, 0 when absent
  std::size_t clientIdOffset = 0;   // data of option 61

  static WireTemplate make(MessageType t) {
    Packet4 p;
    p.hops = 1;
    p.giaddr = kRelay;
    p.set(opt::kMessageType, {std::uint8_t(t)});
    // perfdhcp's DISCOVER/REQUEST parameter request list.
    p.set(opt::kParameterRequestList, {1, 28, 2, 3, 15, 6, 12});
    // perfdhcp sends a client identifier: type 1 (Ethernet) + the MAC (RFC 2132 9.14).
    p.set(opt::kClientId, {1, 0, 0, 0, 0, 0, 0});
    if (t == MessageType::Request) {
      p.set(opt::kServerId, proto::ipBytes(kServer));
      p.set(opt::kRequestedAddress, proto::ipBytes(Ipv4()));
    }
    WireTemplate w;
    w.bytes = proto::encode(p).bytes;
    for (std::size_t i = 240; i + 1 < w.bytes.size() && w.bytes[i] != opt::kEnd; i += 2 + w.bytes[i + 1]) {
      if (w.bytes[i] == opt::kRequestedAddress) w.requestedOffset = i + 2;
      if (w.bytes[i] == opt::kClientId) w.clientIdOffset = i + 3;
    }
    return w;
  }

  std::span<const std::uint8_t> forClient(std::uint32_t n, Ipv4 requested = Ipv4()) {
    std::uint8_t* b = bytes.data();
    b[4] = std::uint8_t(n >> 24), b[5] = std::uint8_t(n >> 16), b[6] = std::uint8_t(n >> 8), b[7] = std::uint8_t(n);
    const std::uint8_t mac[6] = {
        0x02, 0x00, std::uint8_t(n >> 24), std::uint8_t(n >> 16), std::uint8_t(n >> 8), std::uint8_t(n)};
    std::memcpy(b + 28, mac, sizeof mac);
    std::memcpy(b + clientIdOffset, mac, sizeof mac);
    if (requestedOffset) {
      const std::uint32_t v = requested.value;
      b[requestedOffset] = std::uint8_t(v >> 24), b[requestedOffset + 1] = std::uint8_t(v >> 16);
      b[requestedOffset + 2] = std::uint8_t(v >> 8), b[requestedOffset + 3] = std::uint8_t(v);
    }
    return bytes;
  }
};

struct Pipeline {
  Pipeline() : cfg(parseDhcp4Config(kConfig, config::ParseContext{}).value()), eng(cfg, store) {
    meta.srcAddr = kRelay;
    meta.srcPort = 67;
    meta.dstAddr = kServer;
    meta.ifName = "eth0";
    meta.ifIndex = 2;
    meta.ifAddr = kServer;
  }

  // One datagram as DhcpPipeline::process handles it; returns the encoded reply (empty when
  // none).
  std::vector<std::uint8_t> process(std::span<const std::uint8_t> wire) {
    auto q = proto::decode(wire);
    if (!q) return {};
    engine::Decision d = eng.handle(*q, meta, clock.now());
    for (const auto& c : d.changes) {
      if (c.kind == engine::LeaseChange::Kind::Upsert) {
        (void)store.put(c.lease);
      } else {
        (void)store.erase(c.lease.address);
      }
      csv.clear();
      appendLeaseCsvLine(csv, c.lease);
    }
    if (!d.reply) return {};
    std::size_t maxSize = 1500;
    if (auto m = q->maxMessageSize()) maxSize = std::clamp<std::size_t>(*m, 576, 1500);
    return proto::encode(*d.reply, maxSize).bytes;
  }

  FakeClock clock;
  MemoryLeaseStore store;
  config::Dhcp4Config cfg;
  engine::Engine eng;
  engine::RecvMeta meta;
  std::string csv;
};

Ipv4 yiaddrOf(const std::vector<std::uint8_t>& reply) { return Ipv4(reply[16], reply[17], reply[18], reply[19]); }

// One DORA per iteration for a new client; the pool (~126k addresses) is refilled by
// starting a fresh server when it runs low, outside the timed region.
void BM_PipelineDora(benchmark::State& state) {
  auto p = std::make_unique<Pipeline>();
  WireTemplate discover = WireTemplate::make(MessageType::Discover);
  WireTemplate request = WireTemplate::make(MessageType::Request);
  std::uint32_t n = 0;
  std::size_t bytesOut = 0;
  for (auto _ : state) {
    if (n == kPoolSize - 16) {
      state.PauseTiming();
      p = std::make_unique<Pipeline>();
      n = 0;
      state.ResumeTiming();
    }
    const std::uint32_t client = n++;
    auto offer = p->process(discover.forClient(client));
    if (offer.size() < 240) {
      state.SkipWithError("no OFFER");
      break;
    }
    auto ack = p->process(request.forClient(client, yiaddrOf(offer)));
    if (ack.size() < 240) {
      state.SkipWithError("no ACK");
      break;
    }
    bytesOut += offer.size() + ack.size();
    benchmark::DoNotOptimize(ack.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["reply_bytes"] = benchmark::Counter(double(bytesOut), benchmark::Counter::kAvgIterations);
}

// A fixed number of DORAs in one go, for `valgrind --tool=callgrind --toggle-collect=...`:
// with --benchmark_filter=BM_PipelineDoraFixed the instruction count divided by the
// iterations is the instructions per DORA.
void BM_PipelineDoraFixed(benchmark::State& state) { BM_PipelineDora(state); }

BENCHMARK(BM_PipelineDora)->Unit(benchmark::kNanosecond);
BENCHMARK(BM_PipelineDoraFixed)->Iterations(20000)->Unit(benchmark::kNanosecond);

}  // namespace
}  // namespace tandem

BENCHMARK_MAIN();
