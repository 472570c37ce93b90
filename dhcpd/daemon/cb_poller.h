#pragma once
// The configuration backend's poller (Kea's Dhcp4CBFetchTimer and cbFetchUpdates): one reader
// (dhcpd/config/cb_reader.h) on a thread of its own; the packet path never waits on it.
//
// fetch() reads every table (start-up, reload: on the caller's thread before start()). start()
// then looks every `period` at the audit stamp and, when it moved, reads the tables again and
// hands them to onChange. Kea 2.2 fetches only the audited objects; reading whole gives the
// same configuration without incremental bookkeeping. A failed look, read or apply is retried
// at the next period; after more than kMaxFetchFailures consecutive failures the poller
// stops, as Kea's cbFetchUpdates does.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "dhcpd/config/cb_reader.h"

namespace tandem::daemon {

class CbPoller {
 public:
  static constexpr unsigned kMaxFetchFailures = 10;  // Kea's cbFetchUpdates limit
  struct Counters {
    std::uint64_t polls = 0;     // looks at the audit trail
    std::uint64_t fetches = 0;   // complete reads of the tables
    std::uint64_t failures = 0;  // failed looks, reads or applies
    std::uint64_t lastFetchMicros = 0;
    unsigned consecutiveFailures = 0;
    bool exhausted = false;  // stopped after too many failures
    bool connected = true;
    std::string lastError;
  };
  // An error (the change could not be merged) counts as a failure and makes the next period
  // read again.
  using OnChange = std::function<Result<void>(config::CbSnapshot)>;
  // A failure (message); `exhausted`: the poller stops now.
  using OnError = std::function<void(const std::string& message, bool exhausted)>;

  explicit CbPoller(std::unique_ptr<config::CbReader> reader) : reader_(std::move(reader)) {}
  ~CbPoller();
  CbPoller(const CbPoller&) = delete;
  CbPoller& operator=(const CbPoller&) = delete;

  // Every CB table, and the audit stamp the poller compares against.
  Result<config::CbSnapshot> fetch();
  // period 0: no polling (config-fetch-wait-time 0).
  void start(std::chrono::milliseconds period, OnChange onChange, OnError onError);
  void stop();

  const config::LeaseDatabase& database() const noexcept { return reader_->database(); }
  Counters counters() const;

 private:
  void run();
  void poll();
  void fail(const std::string& message);

  std::unique_ptr<config::CbReader> reader_;
  std::string stamp_;  // of the last applied read
  std::chrono::milliseconds period_{30000};
  OnChange onChange_;
  OnError onError_;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  bool stop_ = false;
  Counters counters_;  // under mutex_
};

}  // namespace tandem::daemon
