#include "dhcpd/lease/memfile_journal.h"

#include <algorithm>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "dhcpd/lease/lease_csv.h"
#include "dhcpd/lease/memfile_loader.h"

namespace tandem {
namespace {

Error sysError(const std::string& what, const std::string& path, int err) {
  return makeError(what + " " + path + ": " + std::strerror(err), err);
}

std::string headerLine() { return std::string(kKea22Lease4Header) + "\n"; }

// Reads the first line (at most 4 KiB) of an open file.
std::string readFirstLine(int fd) {
  char buf[4096];
  ssize_t n = ::pread(fd, buf, sizeof buf, 0);
  if (n <= 0) return {};
  std::string_view s(buf, static_cast<std::size_t>(n));
  auto nl = s.find('\n');
  s = s.substr(0, nl);
  if (!s.empty() && s.back() == '\r') s.remove_suffix(1);
  return std::string(s);
}

// Rewrites `path` in Kea 2.2 form via a temporary file and an atomic rename.
Result<void> convertToKea22(const std::string& path) {
  const std::string tmp = path + ".convert";
  std::string out = headerLine();
  LoadReport ignored;
  auto r = MemfileLoader::readRows(
      path, ignored, [&](const Lease& l) { appendLeaseCsvLine(out, l); }, true);
  if (!r) return r;
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return sysError("cannot create", tmp, errno);
  std::size_t off = 0;
  while (off < out.size()) {
    ssize_t n = ::write(fd, out.data() + off, out.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return sysError("cannot write", tmp, e);
    }
    off += static_cast<std::size_t>(n);
  }
  if (::fdatasync(fd) != 0) {
    int e = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    return sysError("cannot sync", tmp, e);
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) return sysError("cannot rename", tmp, errno);
  return syncDirectoryOf(path);
}

}  // namespace

MemfileJournal::MemfileJournal(Options options) : options_(std::move(options)) {
  if (!options_.ops.write) options_.ops.write = [](int fd, const void* b, std::size_t n) { return ::write(fd, b, n); };
  if (!options_.ops.fdatasync) options_.ops.fdatasync = [](int fd) { return ::fdatasync(fd); };
}

Result<std::unique_ptr<MemfileJournal>> MemfileJournal::open(Options options) {
  std::unique_ptr<MemfileJournal> j(new MemfileJournal(std::move(options)));
  if (!j->options_.persist) return j;

  const std::string& path = j->options_.path;
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return sysError("cannot open lease file", path, errno);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int e = errno;
    ::close(fd);
    return sysError("cannot stat", path, e);
  }
  if (st.st_size > 0 && readFirstLine(fd) != kKea22Lease4Header) {
    ::close(fd);
    if (auto r = convertToKea22(path); !r) return r.error();
    fd = ::open(path.c_str(), O_RDWR | O_APPEND | O_CLOEXEC);
    if (fd < 0 || ::fstat(fd, &st) != 0) return sysError("cannot reopen lease file", path, errno);
  }
  j->fd_ = fd;
  j->fileSize_ = st.st_size;

  std::string prefix;
  if (st.st_size == 0) {
    prefix = headerLine();
  } else {
    char last = 0;
    if (::pread(fd, &last, 1, st.st_size - 1) == 1 && last != '\n') prefix = "\n";
  }
  if (!prefix.empty()) {
    if (auto r = j->writeAll(prefix); !r) return r.error();
    if (auto r = j->sync(); !r) return r.error();
    j->fileSize_ += static_cast<off_t>(prefix.size());
  }
  j->writer_ = std::thread([p = j.get()] { p->run(); });
  return j;
}

MemfileJournal::~MemfileJournal() {
  {
    std::lock_guard lk(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (writer_.joinable()) writer_.join();
  if (fd_ >= 0) ::close(fd_);
}

std::uint64_t MemfileJournal::enqueue(const Lease& lease) {
  // Format outside the lock so appenders hold it only for a memcpy.
  thread_local std::string line;
  line.clear();
  appendLeaseCsvLine(line, lease);
  return enqueueRows(line, 1);
}

std::uint64_t MemfileJournal::appendAll(std::span<const Lease> leases) {
  if (leases.empty()) return 0;
  // A whole sync page formatted outside the lock, then queued under it once with one
  // wake-up: per row that was a lock, a sequence store and a check of the writer.
  thread_local std::string rows;
  rows.clear();
  for (const Lease& l : leases) appendLeaseCsvLine(rows, l);
  return enqueueRows(rows, leases.size());
}

std::uint64_t MemfileJournal::enqueueRows(const std::string& text, std::uint64_t rows) {
  std::uint64_t seq;
  if (!options_.persist) {
    std::function<void(std::uint64_t)> cb;
    {
      std::lock_guard lk(mu_);
      seq = lastSeq_.load(std::memory_order_relaxed) + rows;
      lastSeq_.store(seq);
      durableSeq_.store(seq);
      cb = onDurable_;
    }
    if (cb) cb(seq);
    return seq;
  }
  bool wake;
  {
    std::lock_guard lk(mu_);
    // The writer waits for the first row, or (in the commit window) for commitBytes; any other
    // row finds it busy or already woken, and a wake-up per row would cost a context switch.
    const std::size_t before = pending_.size();
    pending_ += text;
    wake = before == 0 || (before < options_.commitBytes && pending_.size() >= options_.commitBytes);
    seq = lastSeq_.load(std::memory_order_relaxed) + rows;
    lastSeq_.store(seq);
    pendingSeq_ = seq;
  }
  if (wake) wake_.notify_one();
  return seq;
}

std::uint64_t MemfileJournal::append(const Lease& lease) { return enqueue(lease); }

std::uint64_t MemfileJournal::appendDelete(const Lease& lease) {
  // Kea's deletion record: the lease with valid_lifetime 0 (Memfile_LeaseMgr::deleteLease).
  Lease copy = lease;
  copy.validLifetime = 0;
  return enqueue(copy);
}

std::uint64_t MemfileJournal::durableSeq() const noexcept { return durableSeq_.load(); }
std::uint64_t MemfileJournal::lastSeq() const noexcept { return lastSeq_.load(); }

std::optional<Error> MemfileJournal::lastError() const {
  std::lock_guard lk(mu_);
  return lastError_;
}

std::uint64_t MemfileJournal::syncedBatches() const {
  std::lock_guard lk(mu_);
  return batches_;
}

std::uint64_t MemfileJournal::failedAttempts() const {
  std::lock_guard lk(mu_);
  return failures_;
}

void MemfileJournal::setOnDurable(std::function<void(std::uint64_t)> cb) {
  std::lock_guard lk(mu_);
  onDurable_ = std::move(cb);
}

Result<void> MemfileJournal::flush() {
  if (!options_.persist) return {};
  std::unique_lock lk(mu_);
  const std::uint64_t target = lastSeq_.load();
  const std::uint64_t failuresBefore = failures_;
  // Returns on success, or on the first failed attempt after the call: shutdown on a full
  // disk must not hang; the caller reports the error.
  done_.wait(lk, [&] { return announcedSeq_ >= target || failures_ != failuresBefore || writerDone_; });
  if (announcedSeq_ >= target) return {};
  if (lastError_) return *lastError_;
  return makeError("lease journal stopped before " + std::to_string(target) + " was durable");
}

Result<void> MemfileJournal::rotate(const std::string& to) {
  if (!options_.persist) return makeError("lease journal has no file to rotate (persist is false)");
  std::unique_lock lk(mu_);
  if (rotateTo_) return makeError("a rotation is already in progress");
  rotateTo_ = to;
  rotateAfter_ = lastSeq_.load();
  const std::uint64_t before = rotations_;
  wake_.notify_all();
  done_.wait(lk, [&] { return rotations_ != before || writerDone_; });
  if (rotations_ == before) return makeError("lease journal stopped before the rotation");
  if (rotateError_) return *rotateError_;
  return {};
}

Result<void> MemfileJournal::writeAll(const std::string& data, std::size_t* written) {
  std::size_t off = 0;
  if (written) *written = 0;
  while (off < data.size()) {
    ssize_t n = options_.ops.write(fd_, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return sysError("cannot write", options_.path, errno);
    if (n == 0) return makeError("cannot write " + options_.path + ": no progress", EIO);
    off += static_cast<std::size_t>(n);
    if (written) *written = off;
  }
  return {};
}

Result<void> MemfileJournal::repairIfTruncated() {
  struct stat st {};
  if (::fstat(fd_, &st) != 0) return sysError("cannot stat", options_.path, errno);
  if (st.st_size >= fileSize_) {
    fileSize_ = st.st_size;
    return {};
  }
  fileSize_ = st.st_size;
  std::string prefix;
  if (st.st_size == 0) {
    prefix = headerLine();
  } else {
    char last = 0;
    if (::pread(fd_, &last, 1, st.st_size - 1) == 1 && last != '\n') prefix = "\n";
  }
  if (prefix.empty()) return {};
  if (auto r = writeAll(prefix); !r) {
    cutBackTo(fileSize_);
    return r;
  }
  fileSize_ += static_cast<off_t>(prefix.size());
  return {};
}

void MemfileJournal::cutBackTo(off_t size) {
  // Best effort: if even this fails the retry appends after the partial row, which the
  // loader then reports as one corrupt line.
  while (::ftruncate(fd_, size) != 0 && errno == EINTR) {
  }
}

Result<void> MemfileJournal::sync() {
  if (options_.ops.fdatasync(fd_) != 0) return sysError("cannot sync", options_.path, errno);
  return {};
}

Result<void> MemfileJournal::doRotate(const std::string& to) {
  const std::string& path = options_.path;
  if (::rename(path.c_str(), to.c_str()) != 0) return sysError("cannot rename " + path + " to", to, errno);
  int nfd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
  if (nfd < 0) {
    int e = errno;
    // Put the file back so appends keep going to a file that loads at start-up.
    ::rename(to.c_str(), path.c_str());
    return sysError("cannot create", path, e);
  }
  const int oldFd = fd_;
  const off_t oldSize = fileSize_;
  fd_ = nfd;
  fileSize_ = 0;
  const std::string header = headerLine();
  auto r = writeAll(header);
  if (r) r = sync();
  if (!r) {
    ::close(nfd);
    fd_ = oldFd;
    fileSize_ = oldSize;
    ::rename(to.c_str(), path.c_str());
    return r;
  }
  ::close(oldFd);
  fileSize_ = static_cast<off_t>(header.size());
  return syncDirectoryOf(path);
}

void MemfileJournal::run() {
  std::string batch;
  std::uint64_t batchSeq = 0;
  bool haveBatch = false;
  bool loaded = false;  // rows arrived while the previous batch was written, synced and announced
  std::unique_lock lk(mu_);
  while (true) {
    if (!haveBatch) {
      wake_.wait(lk, [&] { return stop_ || !pending_.empty() || (rotateTo_ && durableSeq_.load() >= rotateAfter_); });
      if (rotateTo_ && durableSeq_.load() >= rotateAfter_) {
        std::string to = *rotateTo_;
        lk.unlock();
        auto r = doRotate(to);
        lk.lock();
        rotateError_ = r ? std::nullopt : std::optional<Error>(r.error());
        rotateTo_.reset();
        ++rotations_;
        done_.notify_all();
        continue;
      }
      if (pending_.empty()) {
        if (stop_) break;
        continue;
      }
      // Rows that arrived during the previous sync mean a steady stream: let more join them
      // (bounded by the window). A row on an idle journal is written at once.
      if (loaded && options_.commitWindow.count() > 0 && !stop_) {
        const auto until = std::chrono::steady_clock::now() + options_.commitWindow;
        wake_.wait_until(lk, until, [&] { return stop_ || pending_.size() >= options_.commitBytes || rotateTo_; });
      }
      batch.swap(pending_);
      pending_.clear();
      batchSeq = pendingSeq_;
      haveBatch = true;
    } else if (!pending_.empty()) {
      // Retrying after a failure: rows that arrived meanwhile join the same attempt.
      batch += pending_;
      pending_.clear();
      batchSeq = pendingSeq_;
    }
    lk.unlock();
    std::size_t landed = 0;
    auto r = repairIfTruncated();
    const off_t batchStart = fileSize_;
    if (r) r = writeAll(batch, &landed);
    if (r) r = sync();
    lk.lock();
    // Only a short write qualifies: after a failed fdatasync the pages may be gone, so that
    // batch is rewritten whole (see the header).
    if (!r && landed > 0) {
      std::size_t keep = 0;
      // A full disk accepted part of the batch. Keep the complete rows that landed (one row
      // per sequence number, in order) and make them durable, so their ACKs leave and the
      // retry only carries the rest: otherwise a batch that grows while the disk is full
      // could never fit again, even after space is freed. The partial row after them goes.
      const std::size_t rowsEnd = landed < batch.size() ? batch.rfind('\n', landed - 1) : std::string::npos;
      if (rowsEnd != std::string::npos) keep = rowsEnd + 1;
      lk.unlock();
      cutBackTo(batchStart + static_cast<off_t>(keep));
      const bool kept = keep > 0 && sync().ok();
      if (!kept) cutBackTo(batchStart);
      lk.lock();
      if (kept) {
        const auto rows = static_cast<std::uint64_t>(std::count(batch.begin(), batch.begin() + keep, '\n'));
        const std::uint64_t seq = durableSeq_.load() + rows;
        fileSize_ += static_cast<off_t>(keep);
        batch.erase(0, keep);
        durableSeq_.store(seq);
        auto cb = onDurable_;
        lk.unlock();
        if (cb) cb(seq);
        lk.lock();
        announcedSeq_ = seq;
      }
    }
    if (r) {
      fileSize_ += static_cast<off_t>(batch.size());
      batch.clear();
      haveBatch = false;
      ++batches_;
      durableSeq_.store(batchSeq);
      lastError_.reset();
      failing_.store(false, std::memory_order_relaxed);
      auto cb = onDurable_;
      lk.unlock();
      if (cb) cb(batchSeq);
      lk.lock();
      // After the callback: it may send the ACKs itself (the packet loop's
      // releaseDurableHere), and rows that arrive meanwhile are the same stream; judged
      // before it, they would go out alone in a sync of their own.
      loaded = !pending_.empty();
      // flush() returns only after the callback saw the rows, so shutdown sends every ACK.
      announcedSeq_ = batchSeq;
      done_.notify_all();
      continue;
    }
    lastError_ = r.error();
    failing_.store(true, std::memory_order_relaxed);
    ++failures_;
    done_.notify_all();
    if (stop_) break;
    wake_.wait_for(lk, options_.retryInterval, [&] { return stop_; });
  }
  writerDone_ = true;
  done_.notify_all();
}

}  // namespace tandem
