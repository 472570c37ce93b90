#include "dhcpd/lease/memfile_loader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "dhcpd/lease/lease_csv.h"

namespace tandem {
namespace {

constexpr std::size_t kReadChunk = 4 << 20;
constexpr std::size_t kMaxProblems = 100;

Error sysError(const std::string& what, const std::string& path) {
  return makeError(what + " " + path + ": " + std::strerror(errno), errno);
}

std::string baseName(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const noexcept { return fd_; }

 private:
  int fd_;
};

Result<void> removeIfPresent(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return sysError("cannot remove", path);
  return {};
}

}  // namespace

bool fileExists(const std::string& path) noexcept {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

Result<void> syncDirectoryOf(const std::string& path) {
  auto slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return sysError("cannot open directory", dir);
  if (::fsync(fd.get()) != 0) return sysError("cannot sync directory", dir);
  return {};
}

Result<void> MemfileLoader::recover(const MemfilePaths& paths) {
  bool changed = false;
  if (fileExists(paths.completed())) {
    // The compaction finished: its output holds everything .2 and .1 held (kea-lfc's
    // fileRotate). Removing .2 before .1 keeps every intermediate state loadable.
    if (auto r = removeIfPresent(paths.previous()); !r) return r;
    if (auto r = removeIfPresent(paths.input()); !r) return r;
    if (::rename(paths.completed().c_str(), paths.previous().c_str()) != 0) {
      return sysError("cannot rename", paths.completed());
    }
    changed = true;
  }
  if (fileExists(paths.output())) {
    if (auto r = removeIfPresent(paths.output()); !r) return r;
    changed = true;
  }
  if (changed) return syncDirectoryOf(paths.current());
  return {};
}

Result<LoadReport> MemfileLoader::load(const MemfilePaths& paths, LeaseStore& store, const LoadProgressFn& progress) {
  if (auto r = recover(paths); !r) return r.error();
  store.clear();
  LoadReport report;
  for (const std::string& path : {paths.previous(), paths.input(), paths.current()}) {
    if (auto r = loadFile(path, store, report, false, progress); !r) return r.error();
  }
  report.leasesLoaded = store.size();
  return report;
}

Result<void> MemfileLoader::loadFile(const std::string& path, LeaseStore& store, LoadReport& report, bool mustExist,
                                     const LoadProgressFn& progress) {
  return readRows(
      path, report,
      [&](const Lease& lease) {
        if (lease.validLifetime == 0) {
          // Kea's deletion record; erasing an absent address is fine.
          (void)store.erase(lease.address);
        } else if (auto r = store.put(lease); !r) {
          ++report.corruptLines;
          if (report.problems.size() < kMaxProblems)
            report.problems.push_back(baseName(path) + ": " + r.error().message);
        }
      },
      mustExist, progress);
}

Result<void> MemfileLoader::readRows(const std::string& path, LoadReport& report,
                                     const std::function<void(const Lease&)>& fn, bool mustExist,
                                     const LoadProgressFn& progress) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT && !mustExist) return {};
    return sysError("cannot open", path);
  }
  LoadProgress where;
  if (progress) {
    struct stat st {};
    where.file = path;
    if (::fstat(fd.get(), &st) == 0) where.bytesTotal = static_cast<std::uint64_t>(st.st_size);
  }
  const std::string shortName = baseName(path);
  auto problem = [&](std::size_t line, const std::string& what) {
    ++report.corruptLines;
    if (report.problems.size() < kMaxProblems) {
      report.problems.push_back(shortName + ":" + std::to_string(line) + ": " + what);
    }
  };

  std::unique_ptr<char[]> buf(new char[kReadChunk]);
  std::size_t have = 0;  // bytes in buf not yet consumed
  std::size_t lineNo = 0;
  bool eof = false;
  bool skippingLongLine = false;
  std::optional<LeaseCsvHeader> header;
  Lease lease;

  auto handleLine = [&](std::string_view line) -> Result<void> {
    ++lineNo;
    if (!header) {
      auto h = LeaseCsvHeader::parse(line);
      if (!h) return makeError(path + ":1: " + h.error().message);
      header = *h;
      return {};
    }
    if (line.empty() || line == "\r") return {};
    ++report.linesRead;
    if (auto r = parseLeaseCsvLine(line, *header, lease); !r) {
      problem(lineNo, r.error().message);
      return {};
    }
    fn(lease);
    return {};
  };

  while (!eof || have > 0) {
    if (!eof && have < kReadChunk) {
      ssize_t n = ::read(fd.get(), buf.get() + have, kReadChunk - have);
      if (n < 0) {
        if (errno == EINTR) continue;
        return sysError("cannot read", path);
      }
      if (n == 0) eof = true;
      have += static_cast<std::size_t>(n);
      if (progress) {
        where.bytesDone += static_cast<std::uint64_t>(n);
        where.rows = report.linesRead;
        progress(where);
      }
    }
    std::string_view data(buf.get(), have);
    std::size_t start = 0;
    while (true) {
      std::size_t nl = data.find('\n', start);
      if (nl == std::string_view::npos) break;
      if (skippingLongLine) {
        skippingLongLine = false;
      } else if (auto r = handleLine(data.substr(start, nl - start)); !r) {
        return r;
      }
      start = nl + 1;
    }
    if (start == 0 && have == kReadChunk) {
      // A line longer than the buffer: report it and drop bytes up to its newline.
      if (!skippingLongLine) {
        ++lineNo;
        ++report.linesRead;
        problem(lineNo, "line longer than " + std::to_string(kReadChunk) + " bytes");
        skippingLongLine = true;
      }
      have = 0;
      continue;
    }
    std::memmove(buf.get(), buf.get() + start, have - start);
    have -= start;
    if (eof && have > 0) {
      // Last line without '\n': usually a write cut short by a crash. Parse it anyway
      // (a complete row loads, a torn one is reported as corrupt).
      if (!skippingLongLine) {
        if (auto r = handleLine(std::string_view(buf.get(), have)); !r) return r;
      }
      have = 0;
    }
  }
  return {};
}

}  // namespace tandem
