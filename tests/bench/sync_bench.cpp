// Lease synchronisation, stage by stage (issue 11; not a test). Run:
//   build/tests/sync_bench --benchmark_min_time=1
// Every figure is per page; items_per_second gives the per-lease cost (1 / rate). The leases
// are those of scripts/bench-sync.sh (tandem-leasetool generate-range: MAC, client-id, a
// hostname on every third). Stages of a tandemd-to-tandemd pull (tandem-lease4-sync-page):
//   source: StorePage (the store's page()), EncodeSyncPage (answer arguments: CSV rows in a
//           JSON string), DumpAnswer (the HTTP body text);
//   puller: ParseSyncBody (the body's JSON, as PeerClient read it before issue 11),
//           DecodeSyncPage (that tree's rows into Lease structs), ReadSyncPage (both at once
//           from the text, sync/sync_answer_reader.h, what the puller does now), ApplyPage (merge into the store and the lease journal,
//           one durability wait per page; into an empty store, or one already holding the same
//           leases).
// Kea's protocol (lease4-get-page, an object per lease) is measured the same way for
// comparison, and the partner's side of tandem-lease4-bulk-apply (DecodeBulkApply: the tree
// path; ReadBulkApply: the direct reader; ApplyBulkUpdates: storing and journaling a batch).
// The journal writes to $TANDEM_BENCH_DIR (default /tmp), so fdatasync is the real disk's.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "dhcpd/api/command_registry.h"
#include "dhcpd/common/stats.h"
#include "dhcpd/lease/memfile_journal.h"
#include "dhcpd/lease/memory_lease_store.h"
#include "dhcpd/net/dhcp_lease_writer.h"
#include "sync/bulk_apply_json.h"
#include "sync/bulk_apply_reader.h"
#include "sync/ha_json.h"
#include "sync/lease_merge.h"
#include "sync/page_merge.h"
#include "sync/sync_answer_reader.h"
#include "sync/tandem_sync_json.h"

namespace tandem {
namespace {

using nlohmann::json;

constexpr std::uint32_t kFirst = 0x0a000001u;  // 10.0.0.1

// generate-range's lease n (tests/lease/tools/lease_tool.cpp), shifted by `offset` addresses.
Lease syncLease(std::uint32_t n, std::uint32_t offset = 0) {
  Lease l;
  l.subnetId = 2;
  l.address = Ipv4(kFirst + offset + n);
  std::uint8_t mac[6] = {0x02,
                         17,
                         static_cast<std::uint8_t>(n >> 24),
                         static_cast<std::uint8_t>(n >> 16),
                         static_cast<std::uint8_t>(n >> 8),
                         static_cast<std::uint8_t>(n)};
  l.hwAddr = HwAddr::fromBytes(mac);
  l.clientId.assign({0x01, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]});
  l.cltt = 1'750'000'000 - static_cast<std::int64_t>(n % 600);
  l.validLifetime = 864000 + (n % 7) * 60;
  l.hostname = n % 3 == 0 ? "h" + std::to_string(n) + ".sync.test" : "";
  l.fqdnFwd = l.fqdnRev = n % 3 == 0;
  return l;
}

std::vector<Lease> syncLeases(std::uint32_t count, std::uint32_t offset = 0) {
  std::vector<Lease> out;
  out.reserve(count);
  for (std::uint32_t i = 0; i < count; ++i) out.push_back(syncLease(i, offset));
  return out;
}

std::string benchFile() {
  const char* dir = std::getenv("TANDEM_BENCH_DIR");
  return std::string(dir ? dir : "/tmp") + "/tls-sync-bench-" + std::to_string(::getpid()) + ".csv";
}

// The body the source sends: the handler's answer list as the control listener writes it.
std::string answerBody(const json& answer) { return api::toKeaText(json::array({answer})); }

std::string syncPageBody(const std::vector<Lease>& leases) {
  return answerBody(api::makeAnswer(0, "page", sync::syncPageAnswerArgs("s1", leases, {}, false)));
}

void perLease(benchmark::State& state, std::size_t n) {
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
}

// ---- source ------------------------------------------------------------------------------

void BM_StorePage(benchmark::State& state) {
  const auto n = static_cast<std::uint32_t>(state.range(0));
  MemoryLeaseStore store;
  for (const Lease& l : syncLeases(n * 4)) (void)store.put(l);
  for (auto _ : state) benchmark::DoNotOptimize(store.page(Ipv4(kFirst + n), n));
  perLease(state, n);
}
BENCHMARK(BM_StorePage)->Arg(50'000)->Unit(benchmark::kMillisecond);

void BM_EncodeSyncPage(benchmark::State& state) {
  const auto leases = syncLeases(static_cast<std::uint32_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(sync::syncPageAnswerArgs("s1", leases, {}, false));
  perLease(state, leases.size());
}
BENCHMARK(BM_EncodeSyncPage)->Arg(50'000)->Unit(benchmark::kMillisecond);

void BM_DumpSyncAnswer(benchmark::State& state) {
  const auto leases = syncLeases(static_cast<std::uint32_t>(state.range(0)));
  const json answer = api::makeAnswer(0, "page", sync::syncPageAnswerArgs("s1", leases, {}, false));
  for (auto _ : state) benchmark::DoNotOptimize(answerBody(answer));
  perLease(state, leases.size());
}
BENCHMARK(BM_DumpSyncAnswer)->Arg(50'000)->Unit(benchmark::kMillisecond);

// ---- puller ------------------------------------------------------------------------------

void BM_ParseSyncBody(benchmark::State& state) {
  const auto leases = syncLeases(static_cast<std::uint32_t>(state.range(0)));
  const std::string body = syncPageBody(leases);
  for (auto _ : state) benchmark::DoNotOptimize(json::parse(body, nullptr, false));
  perLease(state, leases.size());
  state.counters["bytes_per_lease"] = static_cast<double>(body.size()) / static_cast<double>(leases.size());
}
BENCHMARK(BM_ParseSyncBody)->Arg(50'000)->Unit(benchmark::kMillisecond);

void BM_DecodeSyncPage(benchmark::State& state) {
  const auto leases = syncLeases(static_cast<std::uint32_t>(state.range(0)));
  const json body = json::parse(syncPageBody(leases));
  for (auto _ : state) {
    // As HaService: the transport's answer map, wrapped and checked as a peer answer.
    auto answer = sync::parsePeerAnswer(json::array({body.front()}));
    auto page = sync::parseSyncPageAnswer(*answer);
    if (!page || page->leases.size() != leases.size()) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(page);
  }
  perLease(state, leases.size());
}
BENCHMARK(BM_DecodeSyncPage)->Arg(50'000)->Unit(benchmark::kMillisecond);

// What the puller does since issue 11: the body text read directly (no tree), replacing
// ParseSyncBody + DecodeSyncPage.
void BM_ReadSyncPage(benchmark::State& state) {
  const auto leases = syncLeases(static_cast<std::uint32_t>(state.range(0)));
  const std::string body = syncPageBody(leases);
  for (auto _ : state) {
    auto page = sync::readSyncPageAnswer(body);
    if (!page || page->leases.size() != leases.size()) state.SkipWithError("read failed");
    benchmark::DoNotOptimize(page);
  }
  perLease(state, leases.size());
}
BENCHMARK(BM_ReadSyncPage)->Arg(50'000)->Unit(benchmark::kMillisecond);

// HaService::mergePage + Server::putLeases: the bulk-sync merge rule against the store, the
// winners written through the LeaseWriter (store, statistics, journal), one flush per page.
struct ApplyTarget {
  MemoryLeaseStore store;
  StatsRegistry stats;
  std::string path = benchFile();
  std::unique_ptr<MemfileJournal> journal;
  std::unique_ptr<net::LeaseWriter> writer;

  ApplyTarget() {
    auto opened = MemfileJournal::open(MemfileJournal::Options{.path = path});
    if (opened) journal = std::move(*opened);
    writer =
        std::make_unique<net::LeaseWriter>(store, journal.get(), stats, [] { return fromEpochSeconds(1'750'000'000); });
  }
  ~ApplyTarget() {
    journal.reset();
    std::filesystem::remove(path);
  }
  // inPlace: HaService::mergePage since issue 11 (sync::keepSyncWinners, the page's leases
  // moved); otherwise as before it (each stored lease copied out by byAddress, winners copied).
  std::size_t apply(std::vector<Lease> leases, bool inPlace) {
    std::vector<Lease> write;
    if (inPlace) {
      sync::keepSyncWinners(store, leases);
      write = std::move(leases);
    } else {
      write.reserve(leases.size());
      for (const Lease& l : leases) {
        if (sync::mergeForSync(store.byAddress(l.address), l) != sync::MergeAction::KeepLocal) write.push_back(l);
      }
    }
    std::uint64_t last = 0;
    for (const Lease& l : write) {
      auto seq = writer->putLease(l);
      if (seq) last = std::max(last, *seq);
    }
    if (last) (void)journal->flush();
    return write.size();
  }
};

// Arguments: page size, 1 = in place (today's puller), 0 = the copying merge before it.
void BM_ApplyPageIntoEmpty(benchmark::State& state) {
  const auto n = static_cast<std::uint32_t>(state.range(0));
  const bool inPlace = state.range(1) != 0;
  ApplyTarget t;
  if (!t.journal) return state.SkipWithError("cannot open the journal");
  std::uint32_t offset = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto leases = syncLeases(n, offset);  // addresses the store does not hold yet
    offset += n;
    state.ResumeTiming();
    if (t.apply(std::move(leases), inPlace) != n) state.SkipWithError("not all written");
  }
  perLease(state, n);
}
BENCHMARK(BM_ApplyPageIntoEmpty)->Args({50'000, 1})->Args({50'000, 0})->Unit(benchmark::kMillisecond)->Iterations(20);

void BM_ApplyPageIdentical(benchmark::State& state) {
  const auto n = static_cast<std::uint32_t>(state.range(0));
  const bool inPlace = state.range(1) != 0;
  ApplyTarget t;
  if (!t.journal) return state.SkipWithError("cannot open the journal");
  const auto leases = syncLeases(n);
  (void)t.apply(leases, inPlace);
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<Lease> page = leases;  // the received page, the puller's to consume
    state.ResumeTiming();
    if (t.apply(std::move(page), inPlace) != 0) state.SkipWithError("identical leases written again");
  }
  perLease(state, n);
}
BENCHMARK(BM_ApplyPageIdentical)->Args({50'000, 1})->Args({50'000, 0})->Unit(benchmark::kMillisecond);

// ---- Kea's lease4-get-page (an object per lease) -------------------------------------------

void BM_EncodeKeaPage(benchmark::State& state) {
  const auto leases = syncLeases(static_cast<std::uint32_t>(state.range(0)));
  for (auto _ : state) {
    json wire = sync::pageAnswer(leases);
    benchmark::DoNotOptimize(api::toKeaText(wire));
  }
  perLease(state, leases.size());
}
BENCHMARK(BM_EncodeKeaPage)->Arg(10'000)->Unit(benchmark::kMillisecond);

void BM_DecodeKeaPage(benchmark::State& state) {
  const auto leases = syncLeases(static_cast<std::uint32_t>(state.range(0)));
  const std::string body = api::toKeaText(sync::pageAnswer(leases));
  for (auto _ : state) {
    json doc = json::parse(body, nullptr, false);
    auto answer = sync::parsePeerAnswer(json::array({doc.front()}));
    auto page = sync::parsePageAnswer(*answer, static_cast<std::uint32_t>(leases.size()));
    if (!page || page->leases.size() != leases.size()) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(page);
  }
  perLease(state, leases.size());
  state.counters["bytes_per_lease"] = static_cast<double>(body.size()) / static_cast<double>(leases.size());
}
BENCHMARK(BM_DecodeKeaPage)->Arg(10'000)->Unit(benchmark::kMillisecond);

// ---- partner side of a batch of lease updates ------------------------------------------------

void BM_DecodeBulkApply(benchmark::State& state) {
  const auto leases = syncLeases(static_cast<std::uint32_t>(state.range(0)));
  std::vector<sync::UpdateBatcher::Item> items;
  for (const Lease& l : leases) {
    sync::UpdateBatcher::Item i;
    i.upsert = true;
    i.lease = l;
    items.push_back(std::move(i));
  }
  const std::string body = sync::makeCommand(sync::kBulkApplyCommand, sync::bulkApplyArgs("server1", items)).dump();
  for (auto _ : state) {
    json doc = json::parse(body, nullptr, false);
    auto req = sync::parseBulkApplyRequest(doc["arguments"]);
    if (!req || req->leases.size() != leases.size()) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(req);
  }
  perLease(state, leases.size());
}
BENCHMARK(BM_DecodeBulkApply)->Arg(1'000)->Arg(10)->Unit(benchmark::kMicrosecond);

// What the partner does since issue 11: the same body read without the tree
// (sync/bulk_apply_reader.h, the registry's text shortcut).
void BM_ReadBulkApply(benchmark::State& state) {
  const auto leases = syncLeases(static_cast<std::uint32_t>(state.range(0)));
  std::vector<sync::UpdateBatcher::Item> items;
  for (const Lease& l : leases) items.push_back({l, true, nullptr});
  const std::string body = sync::makeCommand(sync::kBulkApplyCommand, sync::bulkApplyArgs("server1", items)).dump();
  for (auto _ : state) {
    auto cmd = sync::readBulkApplyCommand(body);
    if (!cmd || cmd->request.leases.size() != leases.size()) state.SkipWithError("read failed");
    benchmark::DoNotOptimize(cmd);
  }
  perLease(state, leases.size());
}
BENCHMARK(BM_ReadBulkApply)->Arg(1'000)->Arg(10)->Unit(benchmark::kMicrosecond);

// The partner's apply of a batch of updates of leases it holds (each DHCPACK of a pair makes
// one at the partner): LeaseWriter::putLease per lease (store, statistics, journal queue),
// one durability wait per batch as the peer listener's group commit does.
void BM_ApplyBulkUpdates(benchmark::State& state) {
  const auto n = static_cast<std::uint32_t>(state.range(0));
  ApplyTarget t;
  if (!t.journal) return state.SkipWithError("cannot open the journal");
  auto leases = syncLeases(n);
  for (const Lease& l : leases) (void)t.writer->putLease(l);
  std::int64_t round = 0;
  for (auto _ : state) {
    ++round;
    std::uint64_t last = 0;
    for (Lease& l : leases) {
      l.cltt = 1'760'000'000 + round;
      auto seq = t.writer->putLease(l);
      if (seq) last = std::max(last, *seq);
    }
    if (last) (void)t.journal->flush();
  }
  perLease(state, n);
}
BENCHMARK(BM_ApplyBulkUpdates)->Arg(1'000)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace tandem

BENCHMARK_MAIN();
