// Lease journal and store throughput (not a test). Run:
//   build/tests/lease_journal_bench --benchmark_min_time=2
// Journal files go to $TANDEM_BENCH_DIR (default /tmp), so the sync cost is the real disk's.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <thread>

#include "dhcpd/lease/memfile_journal.h"
#include "dhcpd/lease/memory_lease_store.h"

namespace tandem {
namespace {

Lease benchLease(std::uint32_t n) {
  Lease l;
  l.address = Ipv4(0x0a000000u + n);
  std::uint8_t mac[6] = {2,
                         0x42,
                         static_cast<std::uint8_t>(n >> 24),
                         static_cast<std::uint8_t>(n >> 16),
                         static_cast<std::uint8_t>(n >> 8),
                         static_cast<std::uint8_t>(n)};
  l.hwAddr = HwAddr::fromBytes(mac);
  l.clientId.assign({1, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]});
  l.validLifetime = 3600;
  l.cltt = 1'750'000'000;
  l.subnetId = 1;
  l.hostname = "host-" + std::to_string(n);
  return l;
}

std::string benchFile() {
  const char* dir = std::getenv("TANDEM_BENCH_DIR");
  return std::string(dir ? dir : "/tmp") + "/tls-journal-bench-" + std::to_string(::getpid()) + ".csv";
}

// The server's pattern: `clients` requests in flight, each appends its lease and waits for
// it to be durable before the next (an ACK leaves only after the sync). Rows per second
// counts durable rows; syncs_per_s shows the grouping.
void BM_JournalDurableAppends(benchmark::State& state) {
  const int clients = static_cast<int>(state.range(0));
  const std::string path = benchFile();
  std::atomic<std::uint64_t> syncs{0};
  MemfileJournal::Options o{.path = path};
  o.ops.fdatasync = [&](int fd) {
    ++syncs;
    return ::fdatasync(fd);
  };
  auto opened = MemfileJournal::open(o);
  if (!opened) {
    state.SkipWithError(opened.error().message.c_str());
    return;
  }
  auto& journal = *opened.value();
  std::mutex m;
  std::condition_variable cv;
  journal.setOnDurable([&](std::uint64_t) {
    std::lock_guard lk(m);
    cv.notify_all();
  });
  const int kPerClient = std::max(20000 / clients, 50);
  std::uint64_t rows = 0;
  syncs = 0;
  for (auto _ : state) {
    std::vector<std::thread> threads;
    for (int c = 0; c < clients; ++c) {
      threads.emplace_back([&, c] {
        for (int i = 0; i < kPerClient; ++i) {
          auto seq = journal.append(benchLease(static_cast<std::uint32_t>(c * kPerClient + i)));
          std::unique_lock lk(m);
          cv.wait(lk, [&] { return journal.durableSeq() >= seq; });
        }
      });
    }
    for (auto& t : threads) t.join();
    rows += static_cast<std::uint64_t>(clients) * kPerClient;
  }
  state.counters["rows_per_s"] = benchmark::Counter(static_cast<double>(rows), benchmark::Counter::kIsRate);
  state.counters["syncs_per_s"] = benchmark::Counter(static_cast<double>(syncs.load()), benchmark::Counter::kIsRate);
  opened.value().reset();
  std::filesystem::remove(path);
}
BENCHMARK(BM_JournalDurableAppends)->Arg(1)->Arg(16)->Arg(64)->Arg(256)->UseRealTime()->Unit(benchmark::kMillisecond);

// Appenders that do not wait: how fast the writer drains rows into grouped syncs. Each
// iteration appends 100,000 rows from `threads` threads, then flush() waits until all are durable.
void BM_JournalAppendThroughput(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  const std::string path = benchFile();
  std::atomic<std::uint64_t> syncs{0};
  MemfileJournal::Options o{.path = path};
  o.ops.fdatasync = [&](int fd) {
    ++syncs;
    return ::fdatasync(fd);
  };
  auto opened = MemfileJournal::open(o);
  if (!opened) {
    state.SkipWithError(opened.error().message.c_str());
    return;
  }
  auto& journal = *opened.value();
  constexpr int kRows = 100'000;
  std::uint64_t rows = 0;
  syncs = 0;
  for (auto _ : state) {
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([&, t] {
        for (int i = t; i < kRows; i += threads) journal.append(benchLease(static_cast<std::uint32_t>(i)));
      });
    }
    for (auto& w : workers) w.join();
    if (!journal.flush()) state.SkipWithError("flush failed");
    rows += kRows;
  }
  state.counters["rows_per_s"] = benchmark::Counter(static_cast<double>(rows), benchmark::Counter::kIsRate);
  state.counters["syncs_per_s"] = benchmark::Counter(static_cast<double>(syncs.load()), benchmark::Counter::kIsRate);
  opened.value().reset();
  std::filesystem::remove(path);
}
BENCHMARK(BM_JournalAppendThroughput)->Arg(1)->Arg(4)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_StorePutRenew(benchmark::State& state) {
  MemoryLeaseStore store;
  const auto n = static_cast<std::uint32_t>(state.range(0));
  for (std::uint32_t i = 0; i < n; ++i) (void)store.put(benchLease(i));
  std::uint32_t i = 0;
  Lease l = benchLease(0);
  for (auto _ : state) {
    l.address = Ipv4(0x0a000000u + (i * 2654435761u) % n);
    l.cltt += 1;
    benchmark::DoNotOptimize(store.put(l));
    ++i;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_StorePutRenew)->Arg(1'000'000);

void BM_StoreByAddress(benchmark::State& state) {
  MemoryLeaseStore store;
  const auto n = static_cast<std::uint32_t>(state.range(0));
  for (std::uint32_t i = 0; i < n; ++i) (void)store.put(benchLease(i));
  std::uint32_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(store.byAddress(Ipv4(0x0a000000u + (i++ * 2654435761u) % n)));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_StoreByAddress)->Arg(1'000'000);

void BM_StoreCountInRange(benchmark::State& state) {
  MemoryLeaseStore store;
  const auto n = static_cast<std::uint32_t>(state.range(0));
  for (std::uint32_t i = 0; i < n; ++i) (void)store.put(benchLease(i));
  for (auto _ : state) benchmark::DoNotOptimize(store.countInRange(Ipv4(0x0a000000u), Ipv4(0x0a000000u + n)));
}
BENCHMARK(BM_StoreCountInRange)->Arg(2'000'000)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace tandem

BENCHMARK_MAIN();
