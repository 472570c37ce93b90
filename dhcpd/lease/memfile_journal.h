#pragma once
// The memfile lease journal: appends Kea 2.2 lease4 rows to `name` with group commit.
//
// append() formats the row and adds it to a shared buffer under a short lock; one writer
// thread swaps the buffer out, writes it at the file's end and fdatasync()s it, then
// publishes durableSeq and calls onDurable. However many leases arrive during one sync share
// the next one, so the sync rate stays bounded while throughput grows with load.
//
// The file is opened with O_APPEND, as Kea's CSV lease file is: every write lands at the
// file's current end, so an operator who truncates the file while the server runs
// (`: > leases4.csv`) gets the new rows at the start of the file, not after a hole of NUL
// bytes up to the old offset. The writer notices the truncation and first writes the CSV
// header (or ends a cut row), so the file still loads.
//
// Commit window (Options::commitWindow): under load, rows arrive while the writer is in
// write()+fdatasync(); they would start the next sync at once, each sync taking only the few
// rows that came during the previous one. With a window, a writer that finds rows which
// arrived during its previous sync waits up to the window (or until commitBytes are pending)
// before it writes, so more rows share one fdatasync: fewer syncs per lease, less CPU, at
// the price of at most the window's extra delay before those ACKs. An idle server (the queue
// was empty when the previous sync ended and onDurable returned) writes a new row at once,
// so a lone client never waits for the window.
//
// Failures (ENOSPC, EIO) are kept in lastError(); durableSeq does not move, so no ACK leaves
// for a lease that is not on disk, and the writer retries the batch every retryInterval
// until it succeeds. Whatever part of a failed batch landed is cut off again (ftruncate)
// before the retry, except whole rows that could be made durable: rewriting the batch also
// covers a failed fdatasync, after which Linux may have dropped the dirty pages.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <sys/types.h>
#include <thread>

#include "dhcpd/lease/lease_journal.h"

namespace tandem {

class MemfileJournal final : public LeaseJournal {
 public:
  // A seam for failure injection in tests; empty members mean the real system calls.
  struct FileOps {
    std::function<ssize_t(int fd, const void* buf, std::size_t n)> write;  // appends (O_APPEND)
    std::function<int(int fd)> fdatasync;
  };
  struct Options {
    std::string path;     // the lease file (`name`); unused when persist is false
    bool persist = true;  // Kea's lease-database.persist: false = durable at once, no file
    std::chrono::milliseconds retryInterval{200};
    // The commit window (see above): 0 = write as soon as the previous sync returns.
    std::chrono::microseconds commitWindow{0};
    // The window ends early once this many bytes of rows are pending (about 1,000 rows).
    std::size_t commitBytes = 128 * 1024;
    // Back-pressure: with this many rows or more appended but not yet durable (a slow or
    // stalled disk), behind() is true and the packet path stops starting new exchanges
    // (drops DISCOVERs) while it still answers the REQUESTs of clients already offered.
    // At 15,000 leases a second that is about a quarter of a second of sync latency, far
    // more than a healthy disk's batch; well before the parking lot's own limit (32,768).
    std::size_t shedWater = 4096;
    FileOps ops{};
  };

  // Opens or creates the file. A new file gets the Kea 2.2 header; an existing file whose
  // header differs (newer Kea's pool_id) is first rewritten in Kea 2.2 form, since rows are
  // appended in that form; a last row torn by a crash is closed with '\n' so the next row
  // starts on its own line.
  static Result<std::unique_ptr<MemfileJournal>> open(Options options);
  ~MemfileJournal() override;
  MemfileJournal(const MemfileJournal&) = delete;
  MemfileJournal& operator=(const MemfileJournal&) = delete;

  std::uint64_t append(const Lease& lease) override;
  std::uint64_t appendDelete(const Lease& lease) override;
  std::uint64_t appendAll(std::span<const Lease> leases) override;
  std::uint64_t durableSeq() const noexcept override;
  std::uint64_t lastSeq() const noexcept override;
  // Returns once every row appended before the call is durable and onDurable has seen it,
  // or with the error of the first failed attempt after the call (a full disk at shutdown).
  Result<void> flush() override;
  void setOnDurable(std::function<void(std::uint64_t)> cb) override;
  std::optional<Error> lastError() const override;
  bool failing() const noexcept override { return failing_.load(std::memory_order_relaxed); }
  bool behind() const noexcept override {
    return lastSeq_.load(std::memory_order_relaxed) - durableSeq_.load(std::memory_order_relaxed) >= options_.shedWater;
  }

  // Lease-file cleanup support: once every row appended before the call is durable, moves
  // the file to `to` and continues in a fresh `path` with the header. Appenders are never
  // blocked; only the caller waits.
  Result<void> rotate(const std::string& to);

  const std::string& path() const noexcept { return options_.path; }
  bool persistent() const noexcept { return options_.persist; }
  std::uint64_t failedAttempts() const;
  // Batches written and synced so far (each is one write() and one fdatasync()).
  std::uint64_t syncedBatches() const;

 private:
  explicit MemfileJournal(Options options);
  std::uint64_t enqueue(const Lease& lease);
  // Queues formatted rows (`rows` of them, each ending in '\n'); returns the last sequence.
  std::uint64_t enqueueRows(const std::string& text, std::uint64_t rows);
  void run();
  // `written` reports how many bytes landed, also when the write fails part-way (full disk).
  Result<void> writeAll(const std::string& data, std::size_t* written = nullptr);
  // Before each batch: if someone truncated the file, continue at its new end with a header
  // (empty file) or a line break (cut row). Sets fileSize_ to the file's real end.
  Result<void> repairIfTruncated();
  // Cuts the file back to `size` (removing rows of a failed attempt).
  void cutBackTo(off_t size);
  Result<void> sync();
  Result<void> doRotate(const std::string& to);

  Options options_;
  int fd_ = -1;
  off_t fileSize_ = 0;  // writer thread only (and open/rotate before/within it)

  mutable std::mutex mu_;
  std::condition_variable wake_;  // the writer waits here
  std::condition_variable done_;  // flush() and rotate() wait here
  std::string pending_;
  std::uint64_t pendingSeq_ = 0;  // guarded by mu_: highest seq in pending_
  std::atomic<std::uint64_t> lastSeq_{0};
  std::atomic<std::uint64_t> durableSeq_{0};
  std::uint64_t announcedSeq_ = 0;  // guarded by mu_: durable and passed to onDurable
  std::optional<Error> lastError_;
  std::atomic<bool> failing_{false};
  std::uint64_t failures_ = 0;
  std::uint64_t batches_ = 0;  // guarded by mu_
  std::function<void(std::uint64_t)> onDurable_;
  bool stop_ = false;
  bool writerDone_ = false;
  std::optional<std::string> rotateTo_;
  std::uint64_t rotateAfter_ = 0;
  std::uint64_t rotations_ = 0;
  std::optional<Error> rotateError_;
  std::thread writer_;
};

}  // namespace tandem
