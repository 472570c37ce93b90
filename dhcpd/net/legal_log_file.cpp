#include "dhcpd/net/legal_log_file.h"

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <set>
#include <utility>

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

namespace tandem::net {
namespace {

namespace chr = std::chrono;
using Unit = config::LegalLogConfig::TimeUnit;

chr::year_month_day dateOf(std::time_t t) {
  std::tm tm{};
  ::localtime_r(&t, &tm);
  return chr::year_month_day{chr::year{tm.tm_year + 1900}, chr::month{unsigned(tm.tm_mon + 1)},
                             chr::day{unsigned(tm.tm_mday)}};
}

// boost::gregorian's month arithmetic (Kea's): the last day of a month stays the last day,
// other days are clamped to the end of a shorter month.
chr::year_month_day addMonths(chr::year_month_day d, long months) {
  const bool last = d == chr::year_month_day{chr::year_month_day_last{d.year(), chr::month_day_last{d.month()}}};
  chr::year_month ym = chr::year_month{d.year(), d.month()} + chr::months(static_cast<chr::months::rep>(months));
  const chr::day end = chr::year_month_day_last{ym.year(), chr::month_day_last{ym.month()}}.day();
  return {ym.year(), ym.month(), last || d.day() > end ? end : d.day()};
}

// The date a period of `count` units that began on `d` ends.
chr::year_month_day periodEnd(chr::year_month_day d, Unit unit, std::uint32_t count) {
  switch (unit) {
    case Unit::Day: return chr::sys_days{d} + chr::days(static_cast<chr::days::rep>(count));
    case Unit::Month: return addMonths(d, count);
    case Unit::Year: return addMonths(d, 12L * count);
    case Unit::Second: break;
  }
  return d;
}

std::time_t localMidnight(chr::year_month_day d) {
  std::tm tm{};
  tm.tm_year = int(d.year()) - 1900;
  tm.tm_mon = int(unsigned(d.month())) - 1;
  tm.tm_mday = int(unsigned(d.day()));
  tm.tm_isdst = -1;
  return std::mktime(&tm);
}

}  // namespace

LegalLogFile::LegalLogFile(const config::LegalLogConfig& cfg) : cfg_(cfg) {}

LegalLogFile::~LegalLogFile() { close(); }

void LegalLogFile::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

std::string LegalLogFile::timestamp(const timespec& t, const std::string& format) {
  std::string f;
  f.reserve(format.size() + 8);
  for (std::size_t i = 0; i < format.size(); ++i) {
    if (format[i] == '%' && i + 1 < format.size()) {
      if (format[i + 1] == 'Q') {
        const long usec = t.tv_nsec / 1000;
        f += fmt::format("{:03}.{:03}", usec / 1000, usec % 1000);
      } else {
        f += format[i];
        f += format[i + 1];
      }
      ++i;
      continue;
    }
    f += format[i];
  }
  std::tm tm{};
  ::localtime_r(&t.tv_sec, &tm);
  char buf[128];
  const std::size_t n = std::strftime(buf, sizeof buf, f.c_str(), &tm);
  return std::string(buf, n);
}

std::string LegalLogFile::nameFor(std::time_t stamp) const {
  if (cfg_.timeUnit == Unit::Second) {
    return fmt::format("{}/{}.T{:020}.txt", cfg_.path, cfg_.baseName, static_cast<std::uint64_t>(stamp));
  }
  const auto d = dateOf(stamp);
  return fmt::format("{}/{}.{:04}{:02}{:02}.txt", cfg_.path, cfg_.baseName, int(d.year()), unsigned(d.month()),
                     unsigned(d.day()));
}

bool LegalLogFile::due(const timespec& when) const {
  if (fd_ < 0) return true;
  if (cfg_.count == 0) return false;
  if (cfg_.timeUnit == Unit::Second) return std::time_t(cfg_.count) <= when.tv_sec - opened_;
  return chr::sys_days{periodEnd(dateOf(opened_), cfg_.timeUnit, cfg_.count)} <= chr::sys_days{dateOf(when.tv_sec)};
}

Result<void> LegalLogFile::open(const timespec& when, bool useExisting) {
  std::time_t stamp = when.tv_sec;
  std::string name = nameFor(stamp);
  if (useExisting) {
    // RotatingFile::useExistingFiles: the newest <base-name>.<tag>.txt whose period has not
    // ended is appended to (a restart within the day keeps one file).
    const std::size_t tagSize = cfg_.timeUnit == Unit::Second ? 21 : 8;
    std::set<std::string> tags;
    if (DIR* dir = ::opendir(cfg_.path.c_str())) {
      while (dirent* e = ::readdir(dir)) {
        const std::string n = e->d_name;
        if (n.size() != cfg_.baseName.size() + 1 + tagSize + 4 ||
            n.compare(0, cfg_.baseName.size(), cfg_.baseName) != 0 || n[cfg_.baseName.size()] != '.' ||
            n.compare(n.size() - 4, 4, ".txt") != 0) {
          continue;
        }
        std::string tag = n.substr(cfg_.baseName.size() + 1, tagSize);
        std::size_t i = 0;
        if (cfg_.timeUnit == Unit::Second) {
          if (tag[0] != 'T') continue;
          i = 1;
        }
        bool digits = true;
        for (; i < tag.size(); ++i) digits = digits && std::isdigit(static_cast<unsigned char>(tag[i]));
        if (digits) tags.insert(tag);
      }
      ::closedir(dir);
    }
    if (!tags.empty()) {
      const std::string& tag = *tags.rbegin();
      if (cfg_.timeUnit == Unit::Second) {
        const std::time_t t = std::time_t(std::stoull(tag.substr(1)));
        if (when.tv_sec < t + std::time_t(cfg_.count)) {
          stamp = t;
          name = fmt::format("{}/{}.{}.txt", cfg_.path, cfg_.baseName, tag);
        }
      } else {
        const chr::year_month_day d{chr::year{std::stoi(tag.substr(0, 4))},
                                    chr::month{unsigned(std::stoi(tag.substr(4, 2)))},
                                    chr::day{unsigned(std::stoi(tag.substr(6, 2)))}};
        if (d.ok() && chr::sys_days{dateOf(when.tv_sec)} < chr::sys_days{periodEnd(d, cfg_.timeUnit, cfg_.count)}) {
          stamp = localMidnight(d);
          name = fmt::format("{}/{}.{}.txt", cfg_.path, cfg_.baseName, tag);
        }
      }
    }
  }
  const int fd = ::open(name.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return makeError(fmt::format("cannot open file:{} reason: {}", name, std::strerror(errno)), errno);
  fd_ = fd;
  fileName_ = name;
  opened_ = stamp;
  return {};
}

Result<void> LegalLogFile::write(std::string_view entry, const timespec& when, std::optional<Rotation>& rotated) {
  if (entry.empty()) return {};
  if (due(when)) {
    const bool first = fileName_.empty();
    Rotation r;
    r.closed = fd_ >= 0 ? fileName_ : std::string();
    if (fd_ >= 0 && !buffer_.empty()) {
      std::string error;
      lostAtRotation_ += flush(error);
      if (lostAtRotation_) lastError_ = error;
    }
    close();
    if (auto o = open(when, first); !o) return o;
    r.opened = fileName_;
    rotated = std::move(r);
  }
  const std::string stamp = timestamp(when, cfg_.timestampFormat);
  std::string& out = buffer_;
  // Kea writes each '\n'-separated line of an entry with the timestamp (getline: no empty
  // last line after a trailing newline).
  std::size_t start = 0;
  while (start < entry.size()) {
    std::size_t nl = entry.find('\n', start);
    if (nl == std::string_view::npos) nl = entry.size();
    out += stamp;
    out += ' ';
    out.append(entry.substr(start, nl - start));
    out += '\n';
    ++bufferedLines_;
    start = nl + 1;
  }
  return {};
}

std::size_t LegalLogFile::flush(std::string& error) {
  std::size_t lost = std::exchange(lostAtRotation_, 0);
  if (lost) error = lastError_;
  if (buffer_.empty()) return lost;
  std::size_t done = 0;
  while (done < buffer_.size()) {
    const ssize_t n = ::write(fd_, buffer_.data() + done, buffer_.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int e = n < 0 ? errno : EIO;
      error = fmt::format("error writing to file:{} reason: {}", fileName_, std::strerror(e));
      // The lines whose end did not reach the file are lost (a partial one included).
      std::size_t written = 0;
      for (std::size_t i = 0; i < done; ++i) written += buffer_[i] == '\n';
      lost += bufferedLines_ - written;
      break;
    }
    done += std::size_t(n);
  }
  buffer_.clear();
  bufferedLines_ = 0;
  return lost;
}

}  // namespace tandem::net
