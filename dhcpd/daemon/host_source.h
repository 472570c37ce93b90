#pragma once
// One hosts database (Kea 2.2's schema, PostgreSQL or MySQL: `hosts` and `dhcp4_options` of
// scope "host") read whole into memory, kept current by a background refresh, and written by
// the reservation commands. The database work is the backend's (config::HostDatabaseBackend:
// dhcpd/pgsql/pgsql_host_backend.h, dhcpd/mysql/mysql_host_backend.h); this is everything
// else, the same for both: its own thread, so the packet path never waits on a database.
//
// loadAll() (start-up, reload; blocking, on the caller's thread before start()) reads every
// IPv4 host. start() then re-reads the tables every `period` on the source's thread, compares
// with the previous read (config::diffHosts) and hands only the difference to onDiff, so
// hosts another program inserts, changes or deletes take effect within one period (Kea 2.2
// instead queries the database for every packet). Writes (addHost/delHost) run on the same
// thread in one transaction each; their difference goes through onDiff before their done()
// is called, so a command answers once the host is both committed and in force.
//
// A refresh that fails (database restarted, connection lost) keeps the hosts of the last good
// read, counts the failure, reconnects at the next period and reads again.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "dhcpd/config/host_database_backend.h"
#include "dhcpd/config/host_diff.h"
#include "dhcpd/config/hosts_database.h"

namespace tandem::daemon {

class HostSource {
 public:
  struct Counters {
    std::uint64_t refreshes = 0;  // complete reads by the refresh
    std::uint64_t refreshFailures = 0;
    std::uint64_t changesApplied = 0;     // host upserts + removals handed to onDiff
    std::uint64_t lastRefreshMicros = 0;  // duration of the last complete read + diff
    std::uint64_t hosts = 0;              // rows of the last read
    std::string lastError;
    bool connected = true;
  };
  using OnDiff = std::function<void(config::HostDiff diff)>;

  // Connects (bounded by connect-timeout) and checks Kea's schema_version, by db.access.type.
  static Result<std::unique_ptr<HostSource>> open(const config::HostsDatabase& db);
  HostSource(config::HostsDatabase db, std::unique_ptr<config::HostDatabaseBackend> backend)
      : db_(std::move(db)), backend_(std::move(backend)) {}
  ~HostSource();
  HostSource(const HostSource&) = delete;
  HostSource& operator=(const HostSource&) = delete;

  // Every IPv4 host (dhcp4_subnet_id not NULL) with its options. Also becomes the refresh's
  // starting point. Duplicate keys (a table without Kea's unique index) go to *duplicates.
  Result<config::HostMap> loadAll(std::vector<std::int64_t>* duplicates = nullptr);
  // Starts the refresh thread; onDiff is called on it.
  void start(std::chrono::milliseconds period, OnDiff onDiff);
  void stop();

  const config::HostsDatabase& database() const noexcept { return db_; }
  const char* product() const noexcept { return backend_->product(); }
  Counters counters() const;

  // Writes (on the source's thread; done called there, after onDiff for the change).
  void addHost(config::HostRow row, std::function<void(Result<void>)> done);
  void delHost(config::HostRowSelector sel, std::function<void(Result<bool>)> done);

 private:
  void run();
  void refresh();
  bool ensureConnected();
  void post(std::function<void()> job);
  void publish(config::HostDiff diff);

  config::HostsDatabase db_;
  std::unique_ptr<config::HostDatabaseBackend> backend_;  // used by the thread once started
  config::HostMap snapshot_;                              // the last read, as the thread knows it
  std::chrono::milliseconds period_{5000};
  OnDiff onDiff_;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::deque<std::function<void()>> jobs_;
  Counters counters_;  // under mutex_
};

}  // namespace tandem::daemon
