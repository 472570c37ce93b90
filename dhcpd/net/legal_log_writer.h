#pragma once
// Writes the forensic log off the packet path: submit() appends an entry (text and the time it
// happened) to a bounded queue; a writer thread adds the queued entries to the current file
// (net::LegalLogFile: Kea's names, rotation and line format) and writes them with one write(2)
// per batch. Nothing is lost silently: an entry that finds the queue full, or lines a write
// error (full disk) or an unopenable file lose, are counted and logged (rate-limited). On
// rotation the prerotate/postrotate programs are started with the file's name, not waited for
// (as Kea). The destructor writes everything still queued.
#include <condition_variable>
#include <ctime>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "dhcpd/common/logger.h"
#include "dhcpd/config/legal_log_config.h"
#include "dhcpd/net/legal_log_file.h"
#include "dhcpd/net/script_runner.h"

namespace tandem::net {

class LegalLogWriter {
 public:
  struct Counters {
    std::uint64_t written = 0;  // lines that reached the file
    std::uint64_t dropped = 0;  // entries refused: the queue was full
    std::uint64_t lost = 0;     // lines lost to write errors or a file that could not be opened
  };
  explicit LegalLogWriter(Logger& log, std::size_t queueCapacity = 65536);
  ~LegalLogWriter();
  LegalLogWriter(const LegalLogWriter&) = delete;
  LegalLogWriter& operator=(const LegalLogWriter&) = delete;

  // The files to write (a changed configuration closes the current file first), or none.
  void configure(std::optional<config::LegalLogConfig> cfg);
  // Never blocks beyond a short lock; false when dropped (queue full) or not configured.
  bool submit(std::string entry, const timespec& when);
  Counters counters() const;
  // Waits until everything submitted so far is written (tests, shutdown), at most `limit`.
  bool waitIdle(std::chrono::milliseconds limit);
  std::string currentFile() const;

 private:
  struct Entry {
    std::string text;
    timespec when;
  };
  void work();

  Logger& log_;
  const std::size_t capacity_;
  ScriptRunner rotateScripts_;
  mutable std::mutex mutex_;
  std::condition_variable wake_, idle_;
  std::deque<Entry> queue_;
  std::optional<config::LegalLogConfig> cfg_;
  std::uint64_t generation_ = 0;  // bumped by configure(): entries belong to one configuration
  bool busy_ = false;
  bool stop_ = false;
  Counters counters_;
  std::string currentFile_;
  std::thread worker_;
};

}  // namespace tandem::net
