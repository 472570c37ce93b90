#pragma once
// Lease CSV rows read on two threads (issue 11: 2,000,000 leases synced in under 3 s). The
// puller's thread is CPU-bound during a pull (TLS, HTTP, reading, storing one page after the
// other), and reading a page's rows into leases was a quarter of it (0.3 us a lease) while the
// second core was mostly idle. Here the rows of a big text are split at a line near the
// middle: a helper thread, kept for the reader's life, reads the second half into the tail of
// the output while the caller reads the first half into its head.
//
// The result is exactly leasesFromCsvInto's (sync/tandem_sync_json.h): the same leases in the
// same order, the buffers of `out`'s leases reused, empty lines skipped, and on a bad row the
// error of the first bad row in text order ("row N: ..."). Texts shorter than
// kMinParallelBytes (about 3,000 rows) are read on the caller's thread alone (a hand-off
// costs two wake-ups, ~50 us on this VM).
//
// Thread use: one caller at a time (the daemon's thread); the helper touches only the second
// half's text and its own slice of `out`, and the caller waits for it before returning.
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <mutex>
#include <string_view>
#include <thread>
#include <vector>

#include "dhcpd/common/result.h"
#include "dhcpd/lease/lease.h"

namespace tandem::sync {

class ParallelCsvReader {
 public:
  static constexpr std::size_t kMinParallelBytes = 256 * 1024;

  ParallelCsvReader() = default;
  ~ParallelCsvReader();
  ParallelCsvReader(const ParallelCsvReader&) = delete;
  ParallelCsvReader& operator=(const ParallelCsvReader&) = delete;

  // As leasesFromCsvInto(rows, out).
  [[nodiscard]] Result<void> read(std::string_view rows, std::vector<Lease>& out);

  // Texts read with the helper so far (tests: the split really happened).
  std::size_t splitReads() const noexcept { return splitReads_; }

 private:
  // Reads the lines of `text` into out[first...], at most `capacity` leases; sets `count` to
  // the leases read, `lines` to the lines seen; on a bad row returns its error with the row
  // number counted from `text`'s first line (the caller adds the lines before it).
  struct Slice {
    std::string_view text;
    Lease* first = nullptr;
    std::size_t capacity = 0;
    std::size_t count = 0;
    std::size_t lines = 0;
    std::size_t badRow = 0;  // 0: none, else its line number within the slice
    Error error;
    std::exception_ptr thrown;  // the helper's exception (bad_alloc), rethrown by read()
  };
  static void readSlice(Slice& s);
  void helperLoop();

  std::mutex mu_;
  std::condition_variable wake_;
  Slice* job_ = nullptr;  // set by read(), cleared by the helper when done
  bool done_ = false;
  bool stop_ = false;
  std::thread helper_;  // started on the first split read
  std::size_t splitReads_ = 0;
};

}  // namespace tandem::sync
