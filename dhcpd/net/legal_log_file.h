#pragma once
// The forensic log's files, as Kea's RotatingFile keeps them: <path>/<base-name>.CCYYMMDD.txt
// (time-unit day, month or year) or <path>/<base-name>.T<20-digit epoch seconds>.txt (second),
// a new file when `count` units have passed since the current one was opened (day/month/year
// by calendar date in local time), the newest existing file reused at start while its period
// lasts. Each line is "<timestamp> <text>". The time is passed in (tests inject it); the
// writer thread (legal_log_writer.h) is the only user.
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

#include "dhcpd/common/result.h"
#include "dhcpd/config/legal_log_config.h"

namespace tandem::net {

class LegalLogFile {
 public:
  explicit LegalLogFile(const config::LegalLogConfig& cfg);
  ~LegalLogFile();
  LegalLogFile(const LegalLogFile&) = delete;
  LegalLogFile& operator=(const LegalLogFile&) = delete;

  struct Rotation {
    std::string closed;  // empty at the first open
    std::string opened;
  };
  // Adds one entry (each of its '\n'-separated lines with the timestamp of `when`) to the
  // file, opening or rotating it first as `when` requires (what is buffered for the old file
  // is written to it first); `rotated` is set when a file was opened. Fails only when no file
  // can be opened (the entry is then lost: the caller counts it).
  Result<void> write(std::string_view entry, const timespec& when, std::optional<Rotation>& rotated);
  // Writes the buffered lines (one write(2) per batch, O_APPEND). Returns how many lines were
  // lost to a write error (0 when all reached the file) and sets `error`.
  std::size_t flush(std::string& error);
  void close();
  const std::string& fileName() const noexcept { return fileName_; }

  // Kea's BackendStore::getTimeString: strftime in local time, %Q = milliseconds.microseconds.
  static std::string timestamp(const timespec& t, const std::string& format);

 private:
  bool due(const timespec& when) const;
  Result<void> open(const timespec& when, bool useExisting);
  std::string nameFor(std::time_t stamp) const;

  config::LegalLogConfig cfg_;
  int fd_ = -1;
  std::string buffer_;
  std::size_t bufferedLines_ = 0;
  std::size_t lostAtRotation_ = 0;  // lines of the old file a rotation could not write
  std::string lastError_;
  std::string fileName_;
  std::time_t opened_ = 0;  // Kea's timestamp_: the open time, or the reused file's date at midnight
};

}  // namespace tandem::net
