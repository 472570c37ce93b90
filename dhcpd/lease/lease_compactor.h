#pragma once
// Lease-file cleanup (Kea's LFC, in-process). Every lfc-interval seconds: the journal moves
// `name` to name.1 and continues in a fresh `name`; a background thread then merges name.2
// (the previous result) and name.1 into name.output (the latest row per address, deletions
// applied, as kea-lfc does), syncs it, renames it to name.completed, removes name.2 and
// name.1 and renames name.completed to name.2. Each step is a rename or unlink, and start-up
// (MemfileLoader::recover/load) handles a crash between any two of them.
//
// Serving is never blocked: appenders only see the journal's rotation as one more batch.
// There is no timer inside: the owner calls tick(now) (design.md: injected time).
#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "dhcpd/common/result.h"
#include "dhcpd/lease/memfile_journal.h"
#include "dhcpd/lease/memfile_paths.h"

namespace tandem {

struct CompactionReport {
  std::size_t leasesWritten = 0;
  std::size_t corruptLines = 0;
};

class LeaseCompactor {
 public:
  // lfcIntervalSeconds 0 disables periodic compaction (Kea's default). The journal must
  // outlive the compactor.
  LeaseCompactor(MemfileJournal& journal, std::uint32_t lfcIntervalSeconds);
  ~LeaseCompactor();  // waits for a running compaction
  LeaseCompactor(const LeaseCompactor&) = delete;
  LeaseCompactor& operator=(const LeaseCompactor&) = delete;

  // Starts a background compaction when lfc-interval has passed since the first tick or the
  // last start, and none is running. Returns true when one was started.
  bool tick(std::int64_t now);
  // Starts one now (the `lease4-lfc`-style manual trigger); false if one is running.
  bool start();
  bool running() const noexcept { return running_.load(); }
  void wait();
  std::optional<Error> lastError() const;
  std::optional<CompactionReport> lastReport() const;

  // kea-lfc's work on the files alone: merge name.2 + name.1 into name.2 via name.output and
  // name.completed (or, when name.completed exists, only finish its renames).
  static Result<CompactionReport> compactFiles(const MemfilePaths& paths);

 private:
  void runOnce();

  MemfileJournal& journal_;
  MemfilePaths paths_;
  std::uint32_t interval_;
  std::optional<std::int64_t> lastStart_;
  std::atomic<bool> running_{false};
  std::thread worker_;
  mutable std::mutex mu_;
  std::optional<Error> lastError_;
  std::optional<CompactionReport> lastReport_;
};

}  // namespace tandem
