#pragma once
// Kea 2.2's PostgreSQL configuration backend tables (what libdhcp_pgsql_cb.so reads), read
// whole by tandemd: adapter, libpq on its own connection and its own thread; the packet path
// never waits on it. The rows are turned into configuration by config::mergeConfigBackend.
//
// fetch() reads every table in one read-only transaction (start-up, reload: on the caller's
// thread before start()). start() then looks every `period` at the audit trail Kea's triggers
// keep (dhcp4_audit: every INSERT/UPDATE/DELETE of a CB table adds entries) and, when it
// changed, reads the tables again and hands them to onChange. Kea 2.2 fetches only the audited
// objects; reading whole gives the same configuration and needs no incremental bookkeeping.
// A failed look or read is retried at the next period; after more than kMaxFetchFailures
// consecutive failures the poller stops, as Kea's cbFetchUpdates does.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "dhcpd/config/cb_merge.h"
#include "dhcpd/pgsql/pg_connection.h"

namespace tandem::pgsql {

class PgsqlConfigBackend {
 public:
  static constexpr unsigned kMaxFetchFailures = 10;  // Kea's cbFetchUpdates limit
  struct Counters {
    std::uint64_t polls = 0;     // looks at the audit trail
    std::uint64_t fetches = 0;   // complete reads of the tables
    std::uint64_t failures = 0;  // failed looks, reads or merges
    std::uint64_t lastFetchMicros = 0;
    unsigned consecutiveFailures = 0;
    bool exhausted = false;      // stopped after too many failures
    bool connected = true;
    std::string lastError;
  };
  // Returns true when the change was applied; false makes the next period read again.
  using OnChange = std::function<bool(config::CbSnapshot)>;
  // A failure (message); `exhausted`: the poller stops now.
  using OnError = std::function<void(const std::string& message, bool exhausted)>;

  // Connects (bounded by connect-timeout) and checks Kea's schema_version.
  static Result<std::unique_ptr<PgsqlConfigBackend>> open(const config::LeaseDatabase& db);
  ~PgsqlConfigBackend();
  PgsqlConfigBackend(const PgsqlConfigBackend&) = delete;
  PgsqlConfigBackend& operator=(const PgsqlConfigBackend&) = delete;

  // Every CB table, and the audit stamp the poller compares against.
  Result<config::CbSnapshot> fetch();
  // period 0: no polling (config-fetch-wait-time 0).
  void start(std::chrono::milliseconds period, OnChange onChange, OnError onError);
  void stop();

  const config::LeaseDatabase& database() const noexcept { return db_; }
  Counters counters() const;

  // "max-id/count" of dhcp4_audit: changes whenever a CB table changes (Kea's triggers).
  static Result<std::string> auditStamp(PgConnection& conn);
  // The tables in one REPEATABLE READ transaction; *stamp gets the audit stamp of that view.
  static Result<config::CbSnapshot> readTables(PgConnection& conn, std::string* stamp);

 private:
  PgsqlConfigBackend(config::LeaseDatabase db, std::unique_ptr<PgConnection> conn)
      : db_(std::move(db)), conn_(std::move(conn)) {}
  void run();
  void poll();
  void fail(const std::string& message);

  config::LeaseDatabase db_;
  std::unique_ptr<PgConnection> conn_;
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

}  // namespace tandem::pgsql
