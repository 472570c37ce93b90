#include "dhcpd/net/legal_log_writer.h"

#include <algorithm>
#include <iterator>
#include <vector>

namespace tandem::net {

LegalLogWriter::LegalLogWriter(Logger& log, std::size_t queueCapacity)
    : log_(log), capacity_(queueCapacity), rotateScripts_(log, ScriptRunner::Options{}) {
  worker_ = std::thread([this] { work(); });
}

LegalLogWriter::~LegalLogWriter() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  worker_.join();
}

void LegalLogWriter::configure(std::optional<config::LegalLogConfig> cfg) {
  {
    std::lock_guard lock(mutex_);
    cfg_ = std::move(cfg);
    ++generation_;
  }
  wake_.notify_all();
}

bool LegalLogWriter::submit(std::string entry, const timespec& when) {
  {
    std::lock_guard lock(mutex_);
    if (!cfg_ || stop_) return false;
    if (queue_.size() >= capacity_) {
      ++counters_.dropped;
      log_.limited(LogSource::LegalLog, Severity::Error, "LEGAL_LOG_QUEUE_FULL",
                   "{} forensic log entries waiting to be written: entry dropped ({} dropped so far): {}",
                   queue_.size(), counters_.dropped, entry);
      return false;
    }
    queue_.push_back(Entry{std::move(entry), when});
  }
  wake_.notify_one();
  return true;
}

LegalLogWriter::Counters LegalLogWriter::counters() const {
  std::lock_guard lock(mutex_);
  return counters_;
}

std::string LegalLogWriter::currentFile() const {
  std::lock_guard lock(mutex_);
  return currentFile_;
}

bool LegalLogWriter::waitIdle(std::chrono::milliseconds limit) {
  {
    std::unique_lock lock(mutex_);
    if (!idle_.wait_for(lock, limit, [this] { return queue_.empty() && !busy_; })) return false;
  }
  return rotateScripts_.waitIdle(limit);
}

void LegalLogWriter::work() {
  std::unique_ptr<LegalLogFile> file;
  std::uint64_t fileGeneration = 0;
  std::optional<config::LegalLogConfig> cfg;
  std::vector<Entry> batch;
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [this] { return stop_ || !queue_.empty(); });
    if (queue_.empty() && stop_) break;
    batch.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(queue_.end()));
    queue_.clear();
    busy_ = true;
    if (generation_ != fileGeneration) {
      file.reset();  // closes the old configuration's file
      cfg = cfg_;
      fileGeneration = generation_;
      if (cfg) file = std::make_unique<LegalLogFile>(*cfg);
    }
    lock.unlock();

    std::uint64_t written = 0, lost = 0;
    std::string error;
    for (const Entry& e : batch) {
      // An entry queued under a configuration since replaced goes to the new files.
      if (!file) {
        ++lost;
        continue;
      }
      std::optional<LegalLogFile::Rotation> rotated;
      if (auto r = file->write(e.text, e.when, rotated); !r) {
        ++lost;
        error = r.error().message;
        continue;
      }
      ++written;
      if (rotated) {
        log_.info(LogSource::LegalLog, "LEGAL_LOG_STORE_OPENED", "Legal store opened: {}", rotated->opened);
        if (!rotated->closed.empty()) {
          log_.info(LogSource::LegalLog, "LEGAL_LOG_STORE_CLOSED", "Legal store closed: {}", rotated->closed);
          if (!cfg->prerotate.empty()) rotateScripts_.submit(engine::ScriptCall{rotated->closed, {}, cfg->prerotate});
          if (!cfg->postrotate.empty()) rotateScripts_.submit(engine::ScriptCall{rotated->opened, {}, cfg->postrotate});
        }
      }
    }
    std::size_t flushLost = 0;
    if (file) {
      std::string flushError;
      flushLost = file->flush(flushError);
      if (flushLost) error = flushError;
    }
    // Lines that failed to flush were counted as written above.
    written -= std::min<std::uint64_t>(written, flushLost);
    lost += flushLost;
    if (lost) {
      log_.limited(LogSource::LegalLog, Severity::Error, "LEGAL_LOG_LEASE4_WRITE_ERROR",
                   "Could not add a forensic log entry: {} ({} lost in this batch)", error, lost);
    }
    lock.lock();
    counters_.written += written;
    counters_.lost += lost;
    if (file) currentFile_ = file->fileName();
    busy_ = false;
    if (queue_.empty()) idle_.notify_all();
  }
}

}  // namespace tandem::net
