// Decisions per second of the DHCP engine on a 2M-address pool, with the real in-memory
// lease store and lease changes applied as the daemon applies them (no I/O).
// Run: build-*/tests/engine_bench [--benchmark_filter=...]
#include <benchmark/benchmark.h>

#include <memory>

#include "dhcpd/engine/engine.h"
#include "dhcpd/lease/memory_lease_store.h"

namespace tandem {
namespace {

using proto::MessageType;
using proto::Packet4;
namespace opt = proto::opt;

// 10.0.0.0/11: 2,097,152 addresses, never on the wire (pure in-memory benchmark).
config::Dhcp4Config bigPoolConfig() {
  config::Dhcp4Config c;
  config::Subnet4 s;
  s.id = 1;
  s.prefix = Prefix4::parse("10.0.0.0/11").value();
  s.interface = "eth0";
  config::Pool p;
  p.first = Ipv4(10, 0, 0, 1);
  p.last = Ipv4(10, 31, 255, 254);
  s.pools.push_back(p);
  config::OptionData routers;
  routers.code = opt::kRouters;
  routers.payload = proto::ipBytes(Ipv4(10, 0, 0, 1));
  s.options.push_back(routers);
  c.subnets.push_back(s);
  config::OptionData dns;
  dns.code = opt::kDomainNameServers;
  dns.payload = proto::ipBytes(Ipv4(10, 0, 0, 2));
  c.options.push_back(dns);
  return c;
}

Packet4 clientPacket(MessageType t, std::uint32_t n) {
  Packet4 p;
  p.xid = n;
  p.chaddr = {0x02, 0x00, std::uint8_t(n >> 24), std::uint8_t(n >> 16), std::uint8_t(n >> 8), std::uint8_t(n)};
  p.set(opt::kMessageType, {std::uint8_t(t)});
  p.set(opt::kParameterRequestList, {1, 3, 6, 15, 51, 54});
  return p;
}

void apply(LeaseStore& store, const engine::Decision& d) {
  for (const auto& c : d.changes) {
    if (c.kind == engine::LeaseChange::Kind::Upsert) {
      (void)store.put(c.lease);
    } else {
      (void)store.erase(c.lease.address);
    }
  }
}

struct Bench {
  explicit Bench(double prefill) {
    // Prefill a fraction of the pool spread evenly, as left by earlier clients.
    if (prefill > 0) {
      std::uint32_t step = std::uint32_t(1.0 / prefill);
      std::uint32_t count = 0;
      store.reserve(2'100'000);
      for (std::uint32_t a = Ipv4(10, 0, 0, 1).value; a <= Ipv4(10, 31, 255, 254).value; a += step) {
        Lease l;
        l.address = Ipv4(a);
        std::uint32_t id = 0x80000000u | count++;
        l.hwAddr = HwAddr::fromBytes(std::vector<std::uint8_t>{0x04, 0, std::uint8_t(id >> 24), std::uint8_t(id >> 16),
                                                               std::uint8_t(id >> 8), std::uint8_t(id)});
        l.validLifetime = 7200;
        l.cltt = toEpochSeconds(clock.now());
        l.subnetId = 1;
        (void)store.put(l);
      }
    }
    eng = std::make_unique<engine::Engine>(cfg, store);
    meta.ifName = "eth0";
    meta.ifAddr = Ipv4(10, 0, 0, 1);
    meta.dstAddr = Ipv4::broadcast();
  }
  FakeClock clock;
  MemoryLeaseStore store;
  config::Dhcp4Config cfg = bigPoolConfig();
  std::unique_ptr<engine::Engine> eng;
  engine::RecvMeta meta;
  std::uint32_t next = 0;
};

// One DISCOVER + REQUEST (SELECTING) per iteration for a new client, lease applied.
void runDora(benchmark::State& state, double prefill) {
  Bench b(prefill);
  std::size_t free = 2'097'150 - b.store.size();
  for (auto _ : state) {
    if (b.next >= free - 16) {
      state.SkipWithError("pool exhausted: lower --benchmark_min_time");
      break;
    }
    std::uint32_t n = b.next++;
    engine::Decision offer = b.eng->handle(clientPacket(MessageType::Discover, n), b.meta, b.clock.now());
    if (!offer.reply) {
      state.SkipWithError(offer.note.c_str());
      break;
    }
    Packet4 req = clientPacket(MessageType::Request, n);
    req.set(opt::kServerId, proto::ipBytes(b.meta.ifAddr));
    req.set(opt::kRequestedAddress, proto::ipBytes(offer.reply->yiaddr));
    engine::Decision ack = b.eng->handle(req, b.meta, b.clock.now());
    if (!ack.reply || ack.reply->messageType() != MessageType::Ack) {
      state.SkipWithError(ack.note.c_str());
      break;
    }
    apply(b.store, ack);
    benchmark::DoNotOptimize(ack);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["leases"] = double(b.store.size());
}

void BM_DoraEmptyPool(benchmark::State& state) { runDora(state, 0); }
void BM_DoraHalfFullPool(benchmark::State& state) { runDora(state, 0.5); }

// RENEWING of existing leases (the steady-state load of a busy server).
void BM_Renew(benchmark::State& state) {
  Bench b(0);
  constexpr std::uint32_t kClients = 100'000;
  std::vector<Ipv4> addr(kClients);
  for (std::uint32_t n = 0; n < kClients; ++n) {
    auto offer = b.eng->handle(clientPacket(MessageType::Discover, n), b.meta, b.clock.now());
    Packet4 req = clientPacket(MessageType::Request, n);
    req.set(opt::kServerId, proto::ipBytes(b.meta.ifAddr));
    req.set(opt::kRequestedAddress, proto::ipBytes(offer.reply->yiaddr));
    auto ack = b.eng->handle(req, b.meta, b.clock.now());
    apply(b.store, ack);
    addr[n] = offer.reply->yiaddr;
  }
  std::uint32_t i = 0;
  for (auto _ : state) {
    std::uint32_t n = i++ % kClients;
    Packet4 req = clientPacket(MessageType::Request, n);
    req.ciaddr = addr[n];
    auto ack = b.eng->handle(req, b.meta, b.clock.now());
    apply(b.store, ack);
    benchmark::DoNotOptimize(ack);
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_DoraEmptyPool)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_DoraHalfFullPool)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Renew)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace tandem

BENCHMARK_MAIN();
