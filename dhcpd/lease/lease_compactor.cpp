#include "dhcpd/lease/lease_compactor.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "dhcpd/lease/lease_csv.h"
#include "dhcpd/lease/memfile_loader.h"
#include "dhcpd/lease/memory_lease_store.h"

namespace tandem {
namespace {

Error sysError(const std::string& what, const std::string& path) {
  return makeError(what + " " + path + ": " + std::strerror(errno), errno);
}

Result<void> writeFully(int fd, const std::string& data, const std::string& path) {
  std::size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return sysError("cannot write", path);
    off += static_cast<std::size_t>(n);
  }
  return {};
}

Result<std::size_t> writeOutput(const std::string& path, const MemoryLeaseStore& store) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return sysError("cannot create", path);
  constexpr std::size_t kFlushAt = 1 << 20;
  constexpr std::size_t kPage = 4096;
  std::string buf(kKea22Lease4Header);
  buf += '\n';
  std::size_t written = 0;
  Result<void> r;
  Ipv4 after(0);
  bool first = true;
  while (r) {
    // page() is strictly "after", so the very first page also needs address 0.0.0.0.
    std::vector<Lease> leases;
    if (first) {
      if (auto zero = store.byAddress(Ipv4(0))) leases.push_back(*zero);
      first = false;
    }
    auto more = store.page(after, kPage);
    leases.insert(leases.end(), more.begin(), more.end());
    if (leases.empty()) break;
    for (const Lease& l : leases) appendLeaseCsvLine(buf, l);
    written += leases.size();
    after = leases.back().address;
    if (buf.size() >= kFlushAt) {
      r = writeFully(fd, buf, path);
      buf.clear();
    }
    if (more.size() < kPage) break;
  }
  if (r) r = writeFully(fd, buf, path);
  if (r && ::fsync(fd) != 0) r = sysError("cannot sync", path);
  ::close(fd);
  if (!r) return r.error();
  return written;
}

}  // namespace

LeaseCompactor::LeaseCompactor(MemfileJournal& journal, std::uint32_t lfcIntervalSeconds)
    : journal_(journal), paths_{journal.path()}, interval_(lfcIntervalSeconds) {}

LeaseCompactor::~LeaseCompactor() { wait(); }

bool LeaseCompactor::tick(std::int64_t now) {
  if (interval_ == 0 || !journal_.persistent()) return false;
  if (!lastStart_) {
    lastStart_ = now;
    return false;
  }
  if (now - *lastStart_ < static_cast<std::int64_t>(interval_) || running_.load()) return false;
  lastStart_ = now;
  return start();
}

bool LeaseCompactor::start() {
  if (!journal_.persistent() || running_.exchange(true)) return false;
  if (worker_.joinable()) worker_.join();
  worker_ = std::thread([this] { runOnce(); });
  return true;
}

void LeaseCompactor::wait() {
  if (worker_.joinable()) worker_.join();
}

std::optional<Error> LeaseCompactor::lastError() const {
  std::lock_guard lk(mu_);
  return lastError_;
}

std::optional<CompactionReport> LeaseCompactor::lastReport() const {
  std::lock_guard lk(mu_);
  return lastReport_;
}

void LeaseCompactor::runOnce() {
  Result<CompactionReport> result = makeError("not run");
  // Kea's LFCSetup: an existing name.1 means an earlier cleanup did not finish; compact it
  // first instead of overwriting it with a new rotation.
  Result<void> rotated;
  if (!fileExists(paths_.input())) rotated = journal_.rotate(paths_.input());
  if (rotated) {
    result = compactFiles(paths_);
  } else {
    result = rotated.error();
  }
  {
    std::lock_guard lk(mu_);
    if (result) {
      lastError_.reset();
      lastReport_ = *result;
    } else {
      lastError_ = result.error();
    }
  }
  running_.store(false);
}

Result<CompactionReport> LeaseCompactor::compactFiles(const MemfilePaths& paths) {
  CompactionReport report;
  if (!fileExists(paths.completed())) {
    MemoryLeaseStore store;
    LoadReport load;
    if (auto r = MemfileLoader::loadFile(paths.previous(), store, load); !r) return r.error();
    if (auto r = MemfileLoader::loadFile(paths.input(), store, load); !r) return r.error();
    report.corruptLines = load.corruptLines;
    auto written = writeOutput(paths.output(), store);
    if (!written) return written.error();
    report.leasesWritten = *written;
    if (::rename(paths.output().c_str(), paths.completed().c_str()) != 0) {
      return sysError("cannot rename", paths.output());
    }
    if (auto r = syncDirectoryOf(paths.completed()); !r) return r.error();
  }
  // kea-lfc's fileRotate; MemfileLoader::recover performs the same steps at start-up.
  if (auto r = MemfileLoader::recover(paths); !r) return r.error();
  return report;
}

}  // namespace tandem
