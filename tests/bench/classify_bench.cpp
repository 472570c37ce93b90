// CPU per DISCOVER+REQUEST through the engine with 20 realistic client classes (option 60
// prefixes, option 82 circuit/remote ids, member(), hexstring of the MAC, KNOWN, a required
// class; some with options, boot fields and lifetimes) against the same config without
// classes. Prints the ratio at the end (target: at most 1.10).
// Run: build/tests/classify_bench [--benchmark_min_time=...]
#include <benchmark/benchmark.h>

#include <cstdio>
#include <map>
#include <memory>
#include <string>

#include "dhcpd/config/dhcp4_config.h"
#include "dhcpd/engine/engine.h"
#include "dhcpd/engine/packet_classifier.h"
#include "dhcpd/lease/memory_lease_store.h"

namespace tandem {
namespace {

using proto::MessageType;
using proto::Packet4;
namespace opt = proto::opt;

// 10.0.0.0/11 (never on the wire: a pure in-memory benchmark), relayed through 10.0.0.1.
constexpr const char* kSubnet = R"json(
  "valid-lifetime": 7200,
  "option-data": [{"name": "domain-name-servers", "data": "10.0.0.2"}],
  "subnet4": [{"id": 1, "subnet": "10.0.0.0/11", "pools": [{"pool": "10.0.0.10 - 10.31.255.250"}],
               "option-data": [{"name": "routers", "data": "10.0.0.1"}]}]
)json";

constexpr const char* kClasses = R"json(,
  "client-classes": [
    {"name": "pxe-bios", "test": "substring(option[60].hex, 0, 20) == 'PXEClient:Arch:00000'",
     "boot-file-name": "pxelinux.0", "next-server": "10.0.0.5"},
    {"name": "pxe-efi", "test": "substring(option[60].hex, 0, 20) == 'PXEClient:Arch:00007'",
     "boot-file-name": "grubx64.efi", "next-server": "10.0.0.5"},
    {"name": "ipxe", "test": "option[77].hex == 'iPXE'", "boot-file-name": "http://10.0.0.5/boot.ipxe"},
    {"name": "windows", "test": "substring(option[60].hex, 0, 8) == 'MSFT 5.0'"},
    {"name": "aastra", "test": "substring(option[60].hex, 0, 6) == 'Aastra'",
     "option-data": [{"name": "tftp-server-name", "data": "tftp.phones.example"}]},
    {"name": "polycom", "test": "substring(option[60].hex, 0, 7) == 'Polycom'",
     "option-data": [{"name": "tftp-server-name", "data": "tftp.polycom.example"}]},
    {"name": "docsis", "test": "member('VENDOR_CLASS_docsis3.0')", "valid-lifetime": 86400},
    {"name": "port-a", "test": "relay4[1].hex == 'eth1/1/1:100'"},
    {"name": "port-b", "test": "relay4[1].hex == 'eth1/1/1:200'"},
    {"name": "remote-x", "test": "relay4[2].hex == 0x0102030405"},
    {"name": "relayed", "test": "relay4[2].exists and pkt4.giaddr == 10.0.0.1"},
    {"name": "lab-macs", "test": "substring(hexstring(pkt4.mac, ':'), 0, 8) == '02:00:00'"},
    {"name": "one-mac", "test": "hexstring(pkt4.mac, '') == '020000000001'"},
    {"name": "vip", "test": "member('pxe-efi') and member('port-a')",
     "option-data": [{"name": "ntp-servers", "data": "10.0.0.123"}]},
    {"name": "not-vip", "test": "not member('vip')"},
    {"name": "site", "test": "split(relay4[1].text, ':', 2) == '100'"},
    {"name": "lab-host", "test": "option[host-name].exists and substring(option[12].hex, 0, 3) == 'lab'"},
    {"name": "has-cid", "test": "option[61].exists or option[55].exists"},
    {"name": "known-phone", "test": "member('KNOWN') and member('aastra')", "valid-lifetime": 600},
    {"name": "late", "test": "ifelse(option[60].exists, option[60].hex, 'none') == 'none'", "only-if-required": true,
     "option-data": [{"name": "domain-name", "data": "late.example"}]}
  ]
)json";

config::Dhcp4Config makeConfig(bool withClasses) {
  std::string text = std::string("{\"Dhcp4\": {") + kSubnet + (withClasses ? kClasses : "") + "}}";
  auto cfg = config::parseDhcp4Config(text, config::ParseContext{});
  if (!cfg) {
    std::fprintf(stderr, "config: %s\n", cfg.error().message.c_str());
    std::abort();
  }
  if (withClasses) cfg->subnets[0].requireClientClasses = {"late"};
  return std::move(cfg.value());
}

const char* const kVendors[] = {"PXEClient:Arch:00007:UNDI:003016", "MSFT 5.0",     "Aastra6731i", "docsis3.0",
                                "PXEClient:Arch:00000:UNDI:002001", "udhcp 1.36.1", "Polycom-VVX", "dhcpcd-9.4.1"};
const char* const kCircuits[] = {"eth1/1/1:100", "eth1/1/1:200", "eth1/1/2:300"};

Packet4 clientPacket(MessageType t, std::uint32_t n) {
  Packet4 p;
  p.xid = n;
  p.chaddr = {0x02, 0x00, std::uint8_t(n >> 24), std::uint8_t(n >> 16), std::uint8_t(n >> 8), std::uint8_t(n)};
  p.giaddr = Ipv4(10, 0, 0, 1);
  p.set(opt::kMessageType, {std::uint8_t(t)});
  p.set(opt::kParameterRequestList, {1, 3, 6, 15, 42, 51, 54, 66, 67});
  const std::string vc = kVendors[n % 8];
  p.set(opt::kVendorClassId, std::vector<std::uint8_t>(vc.begin(), vc.end()));
  if (n % 4 == 0) p.set(opt::kHostName, {'l', 'a', 'b', '-', std::uint8_t('0' + n % 10)});
  const std::string circuit = kCircuits[n % 3];
  std::vector<std::uint8_t> rai{1, std::uint8_t(circuit.size())};
  rai.insert(rai.end(), circuit.begin(), circuit.end());
  rai.insert(rai.end(), {2, 5, 1, 2, 3, 4, std::uint8_t(n % 7)});
  p.set(opt::kRelayAgentInfo, rai);
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

void runDora(benchmark::State& state, bool withClasses) {
  FakeClock clock;
  MemoryLeaseStore store;
  config::Dhcp4Config cfg = makeConfig(withClasses);
  engine::Engine eng(cfg, store);
  engine::RecvMeta meta;
  meta.ifName = "eth0";
  meta.ifAddr = Ipv4(10, 0, 0, 1);
  meta.srcAddr = Ipv4(10, 0, 0, 1);
  meta.dstAddr = Ipv4(10, 0, 0, 1);
  std::uint32_t next = 0;
  for (auto _ : state) {
    if (next >= 2'000'000) {
      state.SkipWithError("pool exhausted: lower --benchmark_min_time");
      break;
    }
    const std::uint32_t n = next++;
    engine::Decision offer = eng.handle(clientPacket(MessageType::Discover, n), meta, clock.now());
    if (!offer.reply) {
      state.SkipWithError(offer.note.c_str());
      break;
    }
    Packet4 req = clientPacket(MessageType::Request, n);
    req.set(opt::kServerId, proto::ipBytes(meta.ifAddr));
    req.set(opt::kRequestedAddress, proto::ipBytes(offer.reply->yiaddr));
    engine::Decision ack = eng.handle(req, meta, clock.now());
    if (!ack.reply || ack.reply->messageType() != MessageType::Ack) {
      state.SkipWithError(ack.note.c_str());
      break;
    }
    apply(store, ack);
    benchmark::DoNotOptimize(ack);
  }
  state.SetItemsProcessed(state.iterations());
}

// The classification alone (every pass the engine runs for one query: early, after the host
// lookup, the subnet's required class) on the same mix of queries: the evaluator's cost
// without the rest of the engine, per query.
void BM_ClassifyQuery(benchmark::State& state) {
  config::Dhcp4Config cfg = makeConfig(true);
  engine::PacketClassifier classifier(cfg);
  const std::vector<classify::ClassId> late = classifier.ids(cfg.subnets[0].requireClientClasses);
  classifier.finalize();
  std::vector<Packet4> queries;
  for (std::uint32_t n = 0; n < 24; ++n) queries.push_back(clientPacket(MessageType::Discover, n));
  engine::PacketClasses classes;
  const std::vector<classify::ClassId>* required[] = {&late};
  std::size_t k = 0, matched = 0;
  for (auto _ : state) {
    const engine::PacketClassifier::Input in{&queries[k], "eth0", Ipv4(10, 0, 0, 1), Ipv4(10, 0, 0, 1)};
    if (++k == queries.size()) k = 0;
    classifier.early(classes, in, {});
    classifier.afterHostLookup(classes, in, false, {});
    classifier.required(classes, in, required);
    matched += classes.order.size();
  }
  benchmark::DoNotOptimize(matched);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ClassifyQuery);

// One class test at a time (argument: its index in the configuration) on the same queries.
void BM_ClassTest(benchmark::State& state) {
  config::Dhcp4Config cfg = makeConfig(true);
  const config::ClientClassDef& d = cfg.classes.at(std::size_t(state.range(0)));
  state.SetLabel(d.name);
  std::vector<Packet4> queries;
  for (std::uint32_t n = 0; n < 24; ++n) queries.push_back(clientPacket(MessageType::Discover, n));
  classify::ClassSet member;
  member.reset(cfg.classTable.size());
  classify::Evaluator ev;
  std::size_t k = 0, matched = 0;
  for (auto _ : state) {
    const classify::PacketInput in{&queries[k], "eth0", Ipv4(10, 0, 0, 1), Ipv4(10, 0, 0, 1), &member};
    if (++k == queries.size()) k = 0;
    matched += ev.evaluate(*d.test, in) == classify::EvalResult::True;
  }
  benchmark::DoNotOptimize(matched);
}
BENCHMARK(BM_ClassTest)->DenseRange(0, 19);

void BM_DoraWithoutClasses(benchmark::State& state) { runDora(state, false); }
void BM_DoraWith20Classes(benchmark::State& state) { runDora(state, true); }
BENCHMARK(BM_DoraWithoutClasses);
BENCHMARK(BM_DoraWith20Classes);

// Console output as usual, plus the CPU time per DORA of each run for the ratio.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    // One figure per benchmark: the run itself, or the mean of its repetitions.
    for (const auto& r : runs) {
      if (r.error_occurred) continue;
      if (r.run_type == Run::RT_Aggregate && r.aggregate_name != "mean") continue;
      cpu[r.run_name.function_name] = r.GetAdjustedCPUTime();
    }
  }
  std::map<std::string, double> cpu;
};

}  // namespace
}  // namespace tandem

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  tandem::RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  auto without = reporter.cpu.find("BM_DoraWithoutClasses");
  auto with = reporter.cpu.find("BM_DoraWith20Classes");
  if (without != reporter.cpu.end() && with != reporter.cpu.end() && without->second > 0) {
    std::printf("CPU per DORA with 20 classes / without: %.3f (%.0f ns vs %.0f ns)\n", with->second / without->second,
                with->second, without->second);
  }
  benchmark::Shutdown();
  return 0;
}
