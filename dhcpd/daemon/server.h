#pragma once
// The running DHCPv4 server: owns the configuration, lease store, journal, engine, packet
// loop, timers and signal handling, and implements api::ServerControl for the command
// handlers. Everything but the packet path runs on one io_context thread; the journal's
// writer thread talks back through PacketLoop::notifyDurable. The packet loop runs on its
// own thread (PacketLoop::runOnThread) unless packet workers need it on the io thread; with
// HA too, the HA service's Asio side reached through HaIoGate (ha/service/ha_io_gate.h).
// With Kea's multi-threading on, packet workers (daemon/packet_worker.h) run beside it. While
// either runs, the engine, store and lease writer are used under stateMutex_, which this
// thread holds for every command, timer and reload (lockState()).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "dhcpd/api/command_registry.h"
#include "dhcpd/api/prometheus_text.h"
#include "dhcpd/api/server_control.h"
#include "dhcpd/common/logger.h"
#include "dhcpd/common/stats.h"
#include "dhcpd/config/dhcp4_config.h"
#include "ha/service/ha_hub.h"
#include "ha/service/ha_io_gate.h"
#include "ha/service/ha_service.h"
#include "dhcpd/ddns/ncr_planner.h"
#include "ha/service/ha_timers.h"
#include "dhcpd/daemon/packet_loop.h"
#include "dhcpd/engine/engine.h"
#include "dhcpd/lease/lease_compactor.h"
#include "dhcpd/lease/memfile_journal.h"
#include "dhcpd/lease/memory_lease_store.h"
#include "dhcpd/daemon/cb_poller.h"
#include "dhcpd/daemon/host_source.h"
#include "dhcpd/pgsql/pgsql_journal.h"
#include "dhcpd/pgsql/pgsql_lease_lookup.h"
#include "dhcpd/mysql/mysql_journal.h"
#include "dhcpd/mysql/mysql_lease_lookup.h"
#include "dhcpd/config/host_diff.h"
#include "dhcpd/net/dhcp_lease_writer.h"
#include "dhcpd/net/control_server.h"
#include "dhcpd/net/dhcp_pipeline.h"
#include "dhcpd/net/ncr_sender.h"
#include "dhcpd/net/legal_log_writer.h"
#include "dhcpd/net/script_runner.h"
#include "dhcpd/engine/legal_log_entries.h"
#include "ha/ha_config.h"

namespace tandem::daemon {

enum class ServiceEvent { Ready, Reloading, Stopping };

// Long enough to gather the leases of a busy second into a few dozen syncs, short beside a
// client's retransmission time (4 s, RFC 2131 4.1) and perfdhcp's 1 s drop time.
inline constexpr std::chrono::microseconds kDefaultCommitWindow{1000};
// At most this much later than without the window is a datagram read that arrives while a
// stream of clients is being served (PacketLoop::setCoalesceWindow): at 4,000 DORA/s it
// gathers the datagrams of about two DORAs per wake-up; it is small beside a client's
// retransmission time (4 s, RFC 2131 4.1) and the commit window's millisecond.
inline constexpr std::chrono::microseconds kDefaultCoalesceWindow{500};

struct ServerOptions {
  std::string configFile;
  std::string baseDir;                      // relative config paths resolve here (cwd)
  std::optional<std::uint16_t> serverPort;  // -p
  std::optional<std::uint16_t> clientPort;  // -P
  bool debug = false;                       // -d
  // --commit-window: how long the lease file's writer may wait, under load, for more leases
  // to share one fdatasync (MemfileJournal::Options::commitWindow); 0 = never waits.
  std::chrono::microseconds commitWindow{kDefaultCommitWindow};
  // --coalesce-window: how long the packet thread, after a round of a few datagrams that left
  // ACKs waiting for a sync, leaves its sockets before it reads what arrived meanwhile
  // (PacketLoop::setCoalesceWindow); 0 = never waits.
  std::chrono::microseconds coalesceWindow{kDefaultCoalesceWindow};
  // Service manager notifications (systemd's sd_notify, daemon/systemd_notifier.h): Ready
  // once every listener (DHCP sockets, control sockets, HA peer listener) is open, Reloading
  // then Ready around a SIGHUP reload, Stopping when shutdown begins. Unset: nobody listens.
  std::function<void(ServiceEvent, std::string_view status)> notify;
};

// How often the hosts databases are read again (HostSource): a host another program
// inserts, changes or deletes is served within this period. Kea 2.2 queries the database for
// every packet instead; reading in the background keeps the packet path off the database.
inline constexpr std::chrono::milliseconds kHostsRefreshPeriod{5000};

// Reads, parses and validates a config file; errors carry the JSON path.
Result<config::Dhcp4Config> loadConfigFile(const std::string& path, const std::string& baseDir);

class Server final : public api::ServerControl, public api::HostsBackend {
 public:
  Server(boost::asio::io_context& io, Logger& log, ServerOptions opts);
  ~Server() override;
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Loads config and leases, opens the journal, sockets and control channels, arms timers
  // and signal handlers. On error nothing keeps running.
  Result<void> start();
  int exitCode() const noexcept { return exitCode_; }

  // api::ServerControl
  TimePoint now() const override;
  SteadyTime steadyNow() const override;
  StatsRegistry& stats() override { return stats_; }
  const config::Dhcp4Config& config() const override { return cfg_; }
  std::string configFile() const override { return opts_.configFile; }
  Result<void> applyConfig(const nlohmann::json& doc) override;
  Result<void> reloadConfig() override;
  TimePoint reloadTime() const override { return reloadTime_; }
  TimePoint startTime() const override { return startTime_; }
  const LeaseStore& leases() const override { return store_; }
  bool ddnsEnabled() const override { return ncrPlanner_ && ncrPlanner_->enabled(); }
  void sendNameChange(bool add, const Lease& lease) override;
  Result<void> putLease(const Lease& lease, Origin origin) override;
  Result<void> deleteLease(Ipv4 address, Origin origin) override;
  Result<void> putLeases(std::span<const Lease> leases, Origin origin) override;  // HA bulk sync
  Result<void> storeLeases(std::span<const Lease> leases, Origin origin) override;
  void whenLeasesDurable(std::function<void(Result<void>)> done) override;
  void expectLeases(std::size_t leases) override { store_.reserve(leases); }
  void leaseDeleteMissed(Ipv4 address, Origin origin) override;  // HA bulk sync
  std::size_t wipeLeases(std::optional<std::uint32_t> subnetId, Origin origin) override;
  std::size_t deleteLeases(std::span<const Ipv4> addresses, std::optional<std::uint32_t> subnetId,
                           Origin origin) override;
  // One slice per turn of the event loop (DHCP packets and other commands in between).
  void runOperation(std::shared_ptr<api::OperationProgress> progress, OperationStep step) override;
  Result<void> writeLeaseFile(const std::string& path) override;
  std::size_t reclaimLeases(bool removeLeases) override;
  void disableDhcp(const std::string& origin, std::optional<std::uint32_t> maxPeriodSeconds) override;
  void enableDhcp(const std::string& origin) override;
  bool dhcpEnabled() const override { return disabledBy_.empty(); }
  void shutdown(int exitCode) override;
  nlohmann::json statusExtras() const override;
  api::HostsBackend* hostsBackend() override { return hostSources_.empty() ? nullptr : this; }

  // api::HostsBackend (hosts-database / hosts-databases; dhcpd/daemon/server_hosts.cpp)
  std::vector<const config::HostRow*> hosts() const override;
  const char* product() const override { return hostSources_.empty() ? "PostgreSQL" : hostSources_.front()->product(); }
  bool writable() const override;
  void addHost(config::HostRow row, std::function<void(Result<void>)> done) override;
  void delHost(HostSelector selector, std::function<void(Result<bool>)> done) override;

 private:
  // Hosts databases: opened and read whole before anything of the running server changes
  // (start-up, reload), then installed: the engine gets every host, the refresh threads start.
  struct HostsPlan {
    std::vector<std::unique_ptr<HostSource>> sources;
    std::vector<config::HostMap> maps;
  };
  Result<HostsPlan> openHostsDatabases(const config::Dhcp4Config& cfg);
  void installHosts(HostsPlan plan);
  void stopHostSources();
  // Puts the hosts now in force into the engine (reservationOf against cfg_); a row the
  // configuration cannot read is logged and left out, as Kea cannot serve it either.
  void applyHostChanges(const std::vector<config::HostSources::Change>& changes);
  // A source's difference, on the io thread under the packet path's lock.
  void onHostDiff(std::uint64_t generation, std::size_t source, config::HostDiff diff);
  nlohmann::json hostsStatus() const;
  // config-control (Kea 2.2's configuration backend; dhcpd/daemon/server_cb.cpp). When the
  // configuration names config-databases, the tables are read and merged into fileCfg before
  // anything of the running server changes; *backend gets the open backend (its poller not
  // started). An unreachable database or an unmergeable configuration is an error, as Kea's
  // "during update from config backend database".
  Result<config::Dhcp4Config> withConfigBackend(config::Dhcp4Config fileCfg, std::unique_ptr<CbPoller>* backend);
  // Replaces the running backend (stopping its poller) and starts the new one's, merging its
  // changes into fileDoc (the configuration file's document).
  void installConfigBackend(std::unique_ptr<CbPoller> backend, nlohmann::json fileDoc, std::uint32_t fetchWaitTime);
  void stopConfigBackend();
  // A merged configuration from the poller, on the io thread.
  void onConfigBackendUpdate(std::uint64_t generation, config::CbMergeResult merged);
  void logBadRows(const std::vector<std::string>& badRows);
  nlohmann::json configBackendStatus() const;
  // The tail of applyConfig: a parsed (and, with a backend, merged) configuration applied.
  Result<void> applyParsed(config::Dhcp4Config cfg);
  // HA: lease changes made by operator commands, sent to the partner and backups.
  void replicateOperatorChanges(const std::vector<engine::LeaseChange>& changes);
  void addGetRoutes(std::map<std::string, net::HttpGetHandler>& routes);
  // GET /metrics: Prometheus text (dhcpd/daemon/metrics_page.cpp).
  net::HttpGetReply metricsPage() const;
  mutable api::PrometheusText metricsWriter_;  // its buffers outlive a scrape
  void applyStatisticDefaults(const config::Dhcp4Config& cfg);
  Result<void> install(config::Dhcp4Config cfg, bool initial);
  void applyLoggers(const config::Dhcp4Config& cfg);
  Result<void> openLeaseDatabase();
  Result<void> openControl();
  Result<void> openJournal();
  // lease-database type postgresql: connect, check Kea's schema version, load lease4 into the
  // store, start the journal (dhcpd/pgsql/pgsql_journal.h).
  Result<void> openPgsql();
  // lease-database type mysql: the same with Kea 2.2's MySQL schema (dhcpd/mysql/mysql_journal.h).
  Result<void> openMysql();
  // Housekeeping: logs the backend's state changes and refused writes; on-fail decides
  // whether a database given up on ends the process.
  // Either SQL journal (pgsql_ or mysql_).
  void watchPgsql(TimePoint now);
  SqlJournal* sqlJournal() const noexcept {
    return pgsql_ ? static_cast<SqlJournal*>(pgsql_) : static_cast<SqlJournal*>(mysql_);
  }
  Result<void> waitDurable(std::uint64_t seq);
  // Group commit for the HA peer listener (net::ControlServerOptions::deferWrites/whenDurable):
  // while deferred, putLease/deleteLease journal without waiting for the disk; whenDurable()
  // answers once the command's writes are durable, from releaseDurableWaiters().
  void deferWrites(bool on);
  void whenDurable(std::function<void(Result<void>)> done);
  // Called on the io thread after every journal sync (PacketLoop's durable hook) and by housekeeping, which
  // also fails waiters whose writes did not become durable within kDurableWaitLimit.
  void releaseDurableWaiters();
  // The thread drive has no durable hook: the journal's thread asks the io thread to release
  // the waiters only when its sync reached the first of them (waitFloor_), one post per burst.
  void waiterAdded();
  void postWaiterRelease();
  // Packet workers (Kea's multi-threading): created at start-up, as many as
  // PacketWorker::countFor says; a reload changing multi-threading is applied at restart.
  void startWorkers(bool ha);
  void stopWorkers();
  // Engaged (stateMutex_ held) only while packet workers or the packet loop's thread run
  // beside this thread.
  std::unique_lock<std::mutex> lockState();
  // The packet loop's drive: its own thread unless HA is configured or packet workers run
  // (both need the packets on this thread). Called at start and after each reload.
  void refreshDrive();
  // dhcp-disable / dhcp-enable on every pipeline.
  void setServing(bool on);
  // HA is served by one worker: a reload adding HA keeps every packet on the loop.
  void refreshDispatch();
  void armSignals();
  void notify(ServiceEvent event, std::string_view status);
  void armHousekeeping();
  void armReclaim();
  void configureLfc();
  // HA hook (libdhcp_ha.so entry). A configuration's HA part is planned first (validated, peer
  // clients built: everything that can fail), before anything of the running server changes,
  // so a bad HA section refuses the whole reload; applying the plan cannot fail afterwards.
  struct HaPlan {
    std::optional<ha::HaRelationships> config;  // nullopt: no HA hook
    std::string stamp;                          // haMaterialStamp of config
    bool changed = false;                       // differs from the running one: rebuild the service
    std::vector<HaService::Peers> peers;        // per relationship, built only when changed
  };
  Result<HaPlan> planHa(const config::Dhcp4Config& cfg);
  // Runs the plan: identical config = nothing happens (no state reset); otherwise the old
  // service goes (hooks and filter first) and a new one starts in waiting. At start-up an
  // error (peer listener) is fatal; on reload it is logged and DHCP keeps being served.
  Result<void> applyHa(HaPlan plan, bool initial);
  // Detaches the pipeline hooks, allocation filter and commands of the running HaService,
  // then destroys it. `haOff`: no HA follows, so its dhcp-disable origins are lifted too.
  void stopHa(bool haOff);
  // The pool-split filter over the current cfg_ pools (after every reload).
  void refreshHaAllocFilter();
  Result<void> openHaListener(bool initial);
  std::size_t reclaim(std::size_t limit, bool remove);
  // DDNS: the planner for the current configuration, and the NameChangeRequests of committed
  // lease changes (DHCPACK, RELEASE, DECLINE, expiry) handed to the sender.
  void configureDdns();
  void queueNameChanges(const std::vector<engine::LeaseChange>& changes);
  // HA: the partner's update reclaimed (or deleted) `mine` before this server reclaimed it.
  void removeNameReclaimedByPartner(const Lease& mine);
  // run_script hook (libdhcp_run_script.so entry): the calls of a processed query or of a
  // reclaimed lease, handed to the runner (never waited for).
  void configureScripts();
  void runQueryHooks(const proto::Packet4& query, const engine::RecvMeta& meta, const engine::Decision& d);
  void submitScripts(std::vector<engine::ScriptCall>& calls);
  void publishScriptCounters(TimePoint now);
  // Forensic log hook (libdhcp_legal_log.so entry): the lines of a processed query, queued for
  // the writer thread.
  void configureLegalLog();
  void runSlice(std::shared_ptr<api::OperationProgress> progress, std::shared_ptr<OperationStep> step,
                std::size_t slices);
  // The lines of an answered lease command (Kea's command_processed callout), the partner's
  // batched updates included.
  void legalLogCommand(const std::string& name, const api::json& args, const api::json& answer);

  boost::asio::io_context& io_;
  Logger& log_;
  ServerOptions opts_;
  StatsRegistry stats_;
  config::Dhcp4Config cfg_;
  MemoryLeaseStore store_;
  std::unique_ptr<LeaseJournal> journal_;
  MemfileJournal* memfile_ = nullptr;     // journal_ when lease-database is memfile (LFC)
  pgsql::PgsqlJournal* pgsql_ = nullptr;  // journal_ when it is postgresql
  mysql::MysqlJournal* mysql_ = nullptr;  // journal_ when it is mysql
  // A shared SQL database: the lease of a client this server knows nothing of is read from it
  // before the engine decides (dhcpd/lease/client_lease_lookup.h). Null with memfile.
  std::unique_ptr<SqlLeaseLookup> leaseLookup_;
  SqlJournal::State pgsqlState_ = SqlJournal::State::Connected;  // last logged (either SQL journal)
  std::unique_ptr<LeaseCompactor> compactor_;
  std::unique_ptr<engine::Engine> engine_;
  std::vector<std::unique_ptr<HostSource>> hostSources_;  // hosts-database(s), Kea's order
  config::HostSources hostRows_;                          // their hosts, as the engine serves them
  std::unique_ptr<CbPoller> cb_;                          // config-control's first database, if any
  std::uint64_t cbGeneration_ = 0;                        // bumped when cb_ is replaced (stale updates are dropped)
  std::uint64_t cbUpdates_ = 0;                           // updates applied since start
  std::uint64_t cbBadRows_ = 0;                           // rows left out, counted per fetch
  std::size_t cbSubnets_ = 0;                             // subnets of the last merge from the database
  std::uint64_t hostsGeneration_ = 0;  // bumped when the sources are replaced (stale posts are dropped)
  std::unique_ptr<net::LeaseWriter> writer_;
  std::unique_ptr<net::DhcpPipeline> pipeline_;
  std::unique_ptr<net::NcrSender> ncr_;
  std::unique_ptr<ddns::NcrPlanner> ncrPlanner_;
  std::unique_ptr<net::ScriptRunner> scripts_;
  std::unique_ptr<engine::ScriptEvents> scriptEvents_;  // null: no run_script hook
  net::ScriptRunner::Counters scriptCountersSeen_;
  std::unique_ptr<net::LegalLogWriter> legal_;
  std::unique_ptr<engine::LegalLogEntries> legalEntries_;  // null: no legal_log hook
  net::LegalLogWriter::Counters legalCountersSeen_;
  std::unique_ptr<PacketLoop> loop_;
  std::mutex stateMutex_;
  config::MultiThreadingConfig mtStarted_;  // the multi-threading the workers were started with
  std::vector<std::unique_ptr<net::DhcpPipeline>> workerPipelines_;
  std::vector<std::unique_ptr<PacketWorker>> workers_;  // stopped before their pipelines go
  api::CommandRegistry commands_;
  std::vector<std::shared_ptr<api::OperationProgress>> operations_;  // running, for status-get
  std::unique_ptr<net::ControlServer> control_;
  boost::asio::signal_set signals_;
  boost::asio::steady_timer houseTimer_;
  boost::asio::steady_timer reclaimTimer_;
  std::vector<net::ServedInterface> served_;
  net::ReplyPorts ports_;
  std::set<std::string> disabledBy_;
  std::optional<TimePoint> reenableAt_;
  TimePoint startTime_{};
  TimePoint reloadTime_{};
  int exitCode_ = 0;
  bool stopping_ = false;
  std::uint32_t lfcInterval_ = 0;
  bool lfcErrorLogged_ = false;
  struct DurableWaiter {
    std::uint64_t seq = 0;
    TimePoint since{};
    std::function<void(Result<void>)> done;
  };
  bool deferWrites_ = false;
  std::uint64_t deferredSeq_ = 0;             // highest journal seq written while deferred
  std::deque<DurableWaiter> durableWaiters_;  // in seq order (the journal's seq only grows)
  // The seq of durableWaiters_.front() (max: none), read by the journal's thread.
  std::atomic<std::uint64_t> waitFloor_{std::numeric_limits<std::uint64_t>::max()};
  std::atomic<bool> waiterPostPending_{false};
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // guards posts from that thread
  // Declared last so they go first: their callbacks reach the pipeline and the loop.
  std::optional<ha::HaRelationships> haConfig_;  // the running HA relationship(s)
  std::string haStamp_;
  std::vector<std::string> haCommandNames_;  // registered in commands_ by the running service
  bool haRestrict_ = false;                  // restrict-commands of the running config
  bool haListening_ = false;
  // The peer listener's own registry: forwards to commands_, filtered by haRestrict_.
  api::CommandRegistry peerCommands_;
  // The HA service's transports and timers go through it (packet thread: queued; io thread:
  // completions under stateMutex_). Outlives ha_.
  std::unique_ptr<HaIoGate> haGate_;
  std::unique_ptr<HaHub> ha_;
  std::unique_ptr<net::ControlServer> haListener_;
};

}  // namespace tandem::daemon
