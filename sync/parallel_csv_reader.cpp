#include "sync/parallel_csv_reader.h"

#include <algorithm>
#include <system_error>
#include <utility>

#include <fmt/format.h>

#include "dhcpd/lease/lease_csv.h"
#include "sync/tandem_sync_json.h"

namespace tandem::sync {

ParallelCsvReader::~ParallelCsvReader() {
  {
    std::lock_guard lk(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (helper_.joinable()) helper_.join();
}

void ParallelCsvReader::readSlice(Slice& s) {
  // leasesFromCsvInto's loop, into a fixed slice of the output.
  static const LeaseCsvHeader header = LeaseCsvHeader::kea22();
  std::string_view rows = s.text;
  s.count = s.lines = s.badRow = 0;
  while (!rows.empty()) {
    const auto nl = rows.find('\n');
    const std::string_view line = rows.substr(0, nl);
    rows = nl == std::string_view::npos ? std::string_view() : rows.substr(nl + 1);
    ++s.lines;
    if (line.empty()) continue;
    if (auto r = parseLeaseCsvLine(line, header, s.first[s.count]); !r) {
      s.badRow = s.lines;
      s.error = r.error();
      return;
    }
    ++s.count;
  }
}

void ParallelCsvReader::helperLoop() {
  std::unique_lock lk(mu_);
  while (true) {
    wake_.wait(lk, [this] { return stop_ || job_ != nullptr; });
    if (stop_) return;
    Slice* job = job_;
    lk.unlock();
    try {
      readSlice(*job);
    } catch (...) {
      job->thrown = std::current_exception();
    }
    lk.lock();
    job_ = nullptr;
    done_ = true;
    wake_.notify_all();
  }
}

Result<void> ParallelCsvReader::read(std::string_view rows, std::vector<Lease>& out) {
  if (rows.size() < kMinParallelBytes) return leasesFromCsvInto(rows, out);
  // Split after the line break nearest past the middle; the first half ends with it, so its
  // line count is its number of '\n'.
  const auto cut = rows.find('\n', rows.size() / 2);
  if (cut == std::string_view::npos || cut + 1 == rows.size()) return leasesFromCsvInto(rows, out);
  const std::string_view head = rows.substr(0, cut + 1), tail = rows.substr(cut + 1);
  const auto headLines = static_cast<std::size_t>(std::count(head.begin(), head.end(), '\n'));
  const std::size_t tailLines =
      static_cast<std::size_t>(std::count(tail.begin(), tail.end(), '\n')) + (tail.back() == '\n' ? 0 : 1);
  // At most one lease a line; every slot exists before either thread writes into its slice.
  out.resize(headLines + tailLines);
  Slice a, b;
  a.text = head;
  a.first = out.data();
  a.capacity = headLines;
  b.text = tail;
  b.first = out.data() + headLines;
  b.capacity = tailLines;
  {
    std::lock_guard lk(mu_);
    if (!helper_.joinable()) {
      try {
        helper_ = std::thread([this] { helperLoop(); });
      } catch (const std::system_error&) {
        return leasesFromCsvInto(rows, out);  // no thread to be had: read it alone
      }
    }
    job_ = &b;
    done_ = false;
  }
  wake_.notify_all();
  std::exception_ptr mine;
  try {
    readSlice(a);
  } catch (...) {
    mine = std::current_exception();
  }
  {
    std::unique_lock lk(mu_);
    wake_.wait(lk, [this] { return done_; });
  }
  ++splitReads_;
  if (mine) std::rethrow_exception(mine);
  if (b.thrown) std::rethrow_exception(b.thrown);
  // The first bad row in text order, numbered as leasesFromCsvInto numbers it.
  if (a.badRow || b.badRow) {
    const std::size_t row = a.badRow ? a.badRow : headLines + b.badRow;
    const Error& e = a.badRow ? a.error : b.error;
    out.resize(a.count);
    return makeError(fmt::format("row {}: {}", row, e.message));
  }
  // Empty lines in the head leave a gap before the tail's leases: close it (swaps keep each
  // lease's buffers for the next read).
  if (a.count < headLines) {
    for (std::size_t i = 0; i < b.count; ++i) std::swap(out[a.count + i], out[headLines + i]);
  }
  out.resize(a.count + b.count);
  return {};
}

}  // namespace tandem::sync
