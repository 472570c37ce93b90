#include "dhcpd/daemon/server.h"

#include <unordered_map>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <limits>
#include <sstream>
#include <thread>

#include <boost/asio/post.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "dhcpd/lease/lease_csv.h"
#include "dhcpd/net/dashboard_routes.h"
#include "dhcpd/net/interface_table.h"
#include "dhcpd/api/daemon_commands.h"
#include "dhcpd/api/lease_commands.h"
#include "dhcpd/api/lease_json.h"
#include "dhcpd/api/legal_log_commands.h"
#include "dhcpd/api/reservation_commands.h"
#include "dhcpd/api/stat_commands.h"
#include "dhcpd/lease/memfile_loader.h"
#include "dhcpd/lease/pgsql_lease_row.h"
#include "dhcpd/config/config_control.h"
#include "dhcpd/pgsql/pgsql_lease_loader.h"
#include "dhcpd/lease/mysql_lease_row.h"
#include "dhcpd/mysql/mysql_lease_loader.h"
#include "ha/service/ha_setup.h"
#include "sync/bulk_apply_json.h"

namespace tandem::daemon {

namespace asio = boost::asio;
using namespace std::chrono_literals;

Result<config::Dhcp4Config> loadConfigFile(const std::string& path, const std::string& baseDir) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return makeError("cannot read configuration file " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  config::ParseContext ctx;
  ctx.baseDir = baseDir;
  // <?include "file"?>: kea-dhcp4 2.2's lexer opens the file with fopen(), so a relative path
  // is relative to the working directory (baseDir), not to the including file.
  ctx.readInclude = [baseDir](const std::string& name) -> Result<std::string> {
    const std::string file = name.empty() || name.front() == '/' || baseDir.empty() ? name : baseDir + "/" + name;
    std::ifstream f(file, std::ios::binary);
    if (!f) return makeError(std::string(std::strerror(errno)));
    std::stringstream content;
    content << f.rdbuf();
    return content.str();
  };
  auto cfg = config::parseDhcp4Config(std::string_view(text), ctx);
  if (!cfg) return cfg;
  // The HA hook's parameters are part of the configuration (tandemd -t checks them too).
  if (auto ha = haRelationshipsFrom(*cfg); !ha) return ha.error();
  return cfg;
}

Server::Server(asio::io_context& io, Logger& log, ServerOptions opts)
    : io_(io),
      log_(log),
      opts_(std::move(opts)),
      signals_(io, SIGHUP, SIGTERM, SIGINT),
      houseTimer_(io),
      reclaimTimer_(io) {}

Server::~Server() {
  // The packet thread first: it uses everything below (not with stateMutex_ held: it may wait for it).
  if (loop_) loop_->stopThread();
  // The journal thread must not reach the loop (or this object) once they are gone.
  if (journal_) journal_->setOnDurable(nullptr);
  leaseLookup_.reset();  // its thread wakes the loop and the workers
  stopHostSources();     // their threads post to this object
  stopConfigBackend();
  stopWorkers();
  haListener_.reset();
  ha_.reset();
  control_.reset();
  loop_.reset();
  compactor_.reset();  // waits for a running compaction
  if (journal_) (void)journal_->flush();
}

TimePoint Server::now() const { return Clock::now(); }
SteadyTime Server::steadyNow() const { return SteadyClock::now(); }

void Server::applyLoggers(const config::Dhcp4Config& cfg) {
  // Kea's "loggers": each entry names one of Kea's loggers ("kea-dhcp4", "kea-dhcp4.packets",
  // ...) with its severity, debug level and outputs; common/logger.h routes each message.
  std::vector<LoggerSpec> specs;
  for (const auto& l : cfg.loggers) {
    LoggerSpec s;
    s.name = l.name;
    if (!parseSeverity(l.severity, s.severity)) s.severity = Severity::Info;
    s.debugLevel = l.debugLevel;
    for (const auto& o : l.outputOptions) {
      s.outputs.push_back(LogOutputSpec{o.output, o.maxsize, o.maxver, o.flush, o.pattern});
    }
    specs.push_back(std::move(s));
  }
  const auto failed = log_.configure(specs);
  // Kea's -d: everything at DEBUG with the highest debug level.
  if (opts_.debug) log_.setSeverity(Severity::Debug, 99);
  for (const auto& f : failed) log_.error("DHCP4_LOG_OUTPUT_FAIL", "cannot open log output {}", f);
}

Result<void> Server::start() {
  startTime_ = now();
  reloadTime_ = startTime_;
  auto cfg = loadConfigFile(opts_.configFile, opts_.baseDir);
  if (!cfg) return cfg.error();
  applyLoggers(*cfg);
  for (const auto& w : cfg->warnings) log_.warn("DHCP4_CONFIG_WARNING", "{}", w);
  std::unique_ptr<CbPoller> cb;
  nlohmann::json fileDoc = cfg->source;
  {
    auto merged = withConfigBackend(std::move(*cfg), &cb);
    if (!merged) return merged.error();
    cfg_ = std::move(*merged);
  }

  if (auto r = openLeaseDatabase(); !r) return r;
  engine_ = std::make_unique<engine::Engine>(cfg_, store_);
  {
    auto hosts = openHostsDatabases(cfg_);
    if (!hosts) return hosts.error();
    installHosts(std::move(*hosts));
  }
  writer_ = std::make_unique<net::LeaseWriter>(store_, journal_.get(), stats_, [this] { return now(); });
  net::DhcpPipeline::Options popts;
  pipeline_ = std::make_unique<net::DhcpPipeline>(*engine_, *writer_, stats_, log_, popts);
  pipeline_->publish(now());  // Kea's packet statistics exist (at 0) from start-up
  ncr_ = std::make_unique<net::NcrSender>(io_, log_);
  pipeline_->setLeaseObserver([this](const std::vector<engine::LeaseChange>& changes) { queueNameChanges(changes); });
  scripts_ = std::make_unique<net::ScriptRunner>(log_, net::ScriptRunner::Options{});
  legal_ = std::make_unique<net::LegalLogWriter>(log_);
  pipeline_->setQueryObserver([this](const proto::Packet4& query, const engine::RecvMeta& meta,
                                     const engine::Decision& d) { runQueryHooks(query, meta, d); });
  loop_ = std::make_unique<PacketLoop>(io_, *pipeline_, log_, [] { return Clock::now(); });
  loop_->setCoalesceWindow(opts_.coalesceWindow);
  // The HA service's Asio side, used by the packet thread's rounds through the gate (issue 11).
  haGate_ = std::make_unique<HaIoGate>(io_, stateMutex_, [this] { return loop_ && loop_->onThread(); });
  loop_->setRoundHook([gate = haGate_.get()] { gate->kick(); });
  haGate_->setCompletionHook([this] {
    if (loop_) loop_->flushAcked();  // gone once shutdown ran
  });
  startWorkers(ha::findHaLibrary(cfg_.hooksLibraries).has_value());
  if (journal_) {
    PacketLoop* loop = loop_.get();
    // One post per burst of syncs releases both the parked replies and the HA peer
    // listener's waiting commands (a post from another thread wakes the reactor: a system
    // call or two, once is enough).
    loop_->setDurableHook([this] {
      if (!durableWaiters_.empty()) releaseDurableWaiters();
    });
    std::vector<PacketWorker*> workers;
    for (auto& w : workers_) workers.push_back(w.get());
    // The lease file's writer calls back on its own thread, holding nothing of ours, right
    // after each fdatasync: it may release and send the ACKs itself when the loop's thread
    // sleeps (PacketLoop::releaseDurableHere). The SQL journals wake the loop as before.
    const bool releaseHere = memfile_ != nullptr;
    journal_->setOnDurable([this, loop, workers, releaseHere](std::uint64_t seq) {
      if (releaseHere) {
        loop->releaseDurableHere();
      } else {
        loop->notifyDurable();
      }
      for (PacketWorker* w : workers) w->notifyDurable();
      // The HA peer listener's answers (and a sync's completion) waiting for this sync: the
      // thread drive runs no durable hook, so the io thread is woken for them, and only when
      // this sync reached the first of them (waiterAdded() is the other half).
      if (loop->threaded() && seq >= waitFloor_.load()) postWaiterRelease();
    });
    // A lookup's answer is picked up where the journal's progress is (releaseDurable).
    if (leaseLookup_) {
      pipeline_->setClientLookup(leaseLookup_.get(), [loop] { loop->notifyDurable(); });
      for (std::size_t i = 0; i < workers.size(); ++i) {
        workerPipelines_[i]->setClientLookup(leaseLookup_.get(), [w = workers[i]] { w->notifyDurable(); });
      }
    }
  }
  if (auto r = install(cfg_, true); !r) return r;
  auto ha = planHa(cfg_);
  if (!ha) return ha.error();
  if (auto r = applyHa(std::move(*ha), true); !r) return r;
  for (auto& w : workers_) w->start();
  commands_.setGuard(&stateMutex_);  // commands exclude the packet thread (refreshDrive)
  refreshDrive();
  armSignals();
  armHousekeeping();
  if (cb) installConfigBackend(std::move(cb), std::move(fileDoc), config::configControlOf(cfg_).fetchWaitTime);
  log_.info("DHCP4_STARTED", "Kea DHCPv4 server version {} started", TANDEM_VERSION " (tandemd)");
  log_.log(LogSource::Dhcp4, Severity::Debug, kDbgStartShut, "DHCP4_STARTED_DETAIL",
           "{} subnets, {} leases, {} sockets", cfg_.subnets.size(), store_.size(), loop_->socketCount());
  // Everything that listens is open (sockets accept connections before io runs): systemd may
  // start what is ordered after tandemd.service.
  notify(ServiceEvent::Ready, fmt::format("serving {} subnets on {} DHCP sockets, {} leases", cfg_.subnets.size(),
                                          loop_->socketCount(), store_.size()));
  return {};
}

void Server::notify(ServiceEvent event, std::string_view status) {
  if (opts_.notify) opts_.notify(event, status);
}

// Kea's SrvConfig::updateStatistics: statistic-default-sample-count sets the default limit
// and, unless 0 (which switches the default to the age limit), every statistic's; the age
// default is applied to every statistic only when no count is configured.
void Server::applyStatisticDefaults(const config::Dhcp4Config& cfg) {
  std::uint32_t count = 0;
  if (cfg.statisticDefaultSampleCount) {
    count = *cfg.statisticDefaultSampleCount;
    stats_.setMaxSampleCountDefault(count);
    if (count != 0) stats_.setMaxSampleCountAll(count);
  }
  if (cfg.statisticDefaultSampleAge) {
    const StatsRegistry::Duration age(*cfg.statisticDefaultSampleAge);
    stats_.setMaxSampleAgeDefault(age);
    if (count == 0) stats_.setMaxSampleAgeAll(age);
  }
}

// Applies a validated configuration to the running parts. On the initial call errors are
// fatal; on reload the caller has already validated, and socket failures are logged.
Result<void> Server::install(config::Dhcp4Config cfg, bool initial) {
  if (!initial) {
    applyLoggers(cfg);
    cfg_ = std::move(cfg);
    engine_->reconfigure(cfg_);
  }
  auto selection = net::selectInterfaces(cfg_.interfaces, net::listSystemInterfaces());
  for (const auto& w : selection.warnings) log_.warn("DHCP4_INTERFACE_SKIPPED", "{}", w);
  net::ReplyPorts ports;
  ports.server = opts_.serverPort.value_or(67);
  ports.client = opts_.clientPort.value_or(68);
  // Reopening drops what waits in the socket queues, so only do it when something changed.
  if (initial || selection.served != served_ || ports.server != ports_.server || ports.client != ports_.client) {
    if (auto r = loop_->open(selection.served, ports); !r && initial) return r;
    served_ = selection.served;
    ports_ = ports;
  }
  if (selection.served.empty()) {
    log_.warn("DHCP4_NO_INTERFACES", "no interface selected by interfaces-config: not serving DHCP");
  }
  applyStatisticDefaults(cfg_);
  if (auto r = ncr_->configure(cfg_.dhcpDdns); !r) {
    if (initial) return r;
    log_.error("DHCP4_DDNS_SENDER_FAIL", "{}", r.error().message);
  }
  configureDdns();
  configureScripts();
  configureLegalLog();
  writer_->recount(cfg_, now());
  if (auto r = openControl(); !r && initial) return r;
  armReclaim();
  configureLfc();
  return {};
}

Result<void> Server::applyConfig(const nlohmann::json& doc) {
  config::ParseContext ctx;
  ctx.baseDir = opts_.baseDir;
  auto fileCfg = config::parseDhcp4Config(doc, ctx);
  if (!fileCfg) return fileCfg.error();
  // The configuration backend's tables are read (and merged) before anything changes: an
  // unreachable database refuses the reload, as it fails Kea 2.2's.
  std::unique_ptr<CbPoller> cb;
  auto cfg = withConfigBackend(std::move(*fileCfg), &cb);
  if (!cfg) return cfg.error();
  const std::uint32_t fetchWait = config::configControlOf(*cfg).fetchWaitTime;
  if (auto r = applyParsed(std::move(*cfg)); !r) return r;
  if (cb) installConfigBackend(std::move(cb), doc, fetchWait);
  else stopConfigBackend();
  return {};
}

Result<void> Server::applyParsed(config::Dhcp4Config parsed) {
  std::optional<config::Dhcp4Config> cfg(std::move(parsed));
  // Validated (and its peer clients built) before anything changes: a bad HA section refuses
  // the whole reload and the running configuration stays, as with any other error.
  auto ha = planHa(*cfg);
  if (!ha) return ha.error();
  // Every host of the new configuration's hosts databases is read before anything changes: an
  // unreachable database refuses the reload, as it fails Kea 2.2's.
  auto hosts = openHostsDatabases(*cfg);
  if (!hosts) return hosts.error();
  if (cfg->leaseDatabase.type != cfg_.leaseDatabase.type || cfg->leaseDatabase.name != cfg_.leaseDatabase.name ||
      cfg->leaseDatabase.persist != cfg_.leaseDatabase.persist || cfg->leaseDatabase.host != cfg_.leaseDatabase.host ||
      cfg->leaseDatabase.port != cfg_.leaseDatabase.port || cfg->leaseDatabase.user != cfg_.leaseDatabase.user) {
    log_.warn("DHCP4_RECONFIGURE_LEASE_DB", "lease-database changes take effect after a restart");
  }
  for (const auto& w : cfg->warnings) log_.warn("DHCP4_CONFIG_WARNING", "{}", w);
  const config::MultiThreadingConfig mt = config::multiThreadingOf(*cfg);
  if (auto r = install(std::move(*cfg), false); !r) return r;
  installHosts(std::move(*hosts));       // over the new configuration (option definitions, subnets)
  (void)applyHa(std::move(*ha), false);  // on reload its failures are logged, DHCP goes on
  refreshDispatch();
  refreshDrive();
  if (mt != mtStarted_) {
    log_.warn("DHCP4_MULTI_THREADING_RESTART", "multi-threading changes take effect after a restart");
  }
  reloadTime_ = now();
  log_.info("DHCP4_RECONFIGURED", "configuration applied: {} subnets", cfg_.subnets.size());
  return {};
}

Result<void> Server::reloadConfig() {
  auto cfg = loadConfigFile(opts_.configFile, opts_.baseDir);
  if (!cfg) return cfg.error();
  return applyConfig(cfg->source);
}

void Server::armSignals() {
  signals_.async_wait([this](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    if (sig == SIGHUP) {
      auto state = lockState();
      log_.info("DHCP4_RELOAD", "SIGHUP: reloading {}", opts_.configFile);
      // systemd shows the unit as "reloading" until the next READY=1 (sd_notify(3)).
      notify(ServiceEvent::Reloading, fmt::format("reloading {}", opts_.configFile));
      if (auto r = reloadConfig(); !r) {
        log_.error("DHCP4_RELOAD_FAIL", "configuration not reloaded, keeping the running one: {}", r.error().message);
        notify(ServiceEvent::Ready, fmt::format("reload failed, running configuration kept: {}", r.error().message));
      } else {
        // Kea's message once a configuration is in force (scripts and tests wait for it).
        log_.info("DHCP4_CONFIG_COMPLETE",
                  "DHCPv4 server has completed configuration: added IPv4 subnets: {}; DDNS: {}", cfg_.subnets.size(),
                  cfg_.dhcpDdns.enableUpdates ? "enabled" : "disabled");
        notify(ServiceEvent::Ready, fmt::format("configuration reloaded: serving {} subnets", cfg_.subnets.size()));
      }
      armSignals();
      return;
    }
    log_.info("DHCP4_SHUTDOWN_REQUEST", "signal {} received, shutting down", sig);
    shutdown(0);
  });
}

void Server::armHousekeeping() {
  houseTimer_.expires_after(250ms);
  houseTimer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopping_) return;
    auto state = lockState();
    const TimePoint t = now();
    engine_->expireOffers(t);
    pipeline_->expireParked();
    releaseDurableWaiters();
    if (reenableAt_ && t >= *reenableAt_) {
      reenableAt_.reset();
      disabledBy_.clear();
      setServing(true);
      log_.info("DHCP4_SERVICE_ENABLED", "DHCP service re-enabled after max-period");
    }
    watchPgsql(t);
    if (memfile_) {
      if (auto e = journal_->lastError()) {
        log_.limited(Severity::Error, "DHCP4_LEASE_FILE_WRITE_FAIL",
                     "lease file write failing, no new lease is acknowledged until it recovers: {}", e->message);
      }
    }
    if (compactor_) {
      if (compactor_->tick(toEpochSeconds(t))) log_.info("DHCP4_LFC_START", "lease file cleanup started");
      if (auto e = compactor_->lastError(); e && !lfcErrorLogged_) {
        log_.error("DHCP4_LFC_FAIL", "lease file cleanup failed: {}", e->message);
      }
      lfcErrorLogged_ = compactor_->lastError().has_value();
    }
    pipeline_->publish(t);
    publishScriptCounters(t);
    armHousekeeping();
  });
}

void Server::armReclaim() {
  reclaimTimer_.cancel();
  const auto wait = cfg_.expiredLeases.reclaimTimerWaitTime;
  if (wait == 0) return;
  reclaimTimer_.expires_after(std::chrono::seconds(wait));
  reclaimTimer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopping_) return;
    auto state = lockState();
    std::size_t limit = cfg_.expiredLeases.maxReclaimLeases;
    if (limit == 0) limit = std::numeric_limits<std::size_t>::max();
    reclaim(limit, false);
    armReclaim();
  });
}

void Server::configureDdns() {
  std::unordered_map<std::uint32_t, ddns::DdnsRules> rules;
  for (const auto& sn : cfg_.subnets) {
    rules[sn.id] = ddns::DdnsRules{sn.ddns.sendUpdates, sn.ddns.updateOnRenew, sn.ddns.useConflictResolution};
  }
  // Kea uses conflict resolution for a lease whose subnet is gone.
  ncrPlanner_ =
      std::make_unique<ddns::NcrPlanner>(cfg_.dhcpDdns.enableUpdates, [rules = std::move(rules)](std::uint32_t id) {
        auto it = rules.find(id);
        return it == rules.end() ? ddns::DdnsRules{} : it->second;
      });
}

void Server::queueNameChanges(const std::vector<engine::LeaseChange>& changes) {
  if (!ncrPlanner_ || !ncrPlanner_->enabled()) return;
  std::vector<ddns::NameChangeRequest> out;
  for (const auto& c : changes) {
    if (c.kind == engine::LeaseChange::Kind::Delete) {
      ncrPlanner_->removed(c.previous ? *c.previous : c.lease, out);
    } else {
      ncrPlanner_->upserted(c.lease, c.previous, out);
    }
  }
  if (out.empty()) return;
  if (!workers_.empty() || loop_->threaded()) {
    // A packet worker's or the packet loop's thread: the sender belongs to the io_context's.
    asio::post(io_, [this, out = std::move(out), alive = std::weak_ptr<bool>(alive_)] {
      if (alive.expired()) return;
      for (const auto& r : out) ncr_->send(r);
    });
    return;
  }
  for (const auto& r : out) ncr_->send(r);
}

void Server::sendNameChange(bool add, const Lease& lease) {
  if (!ncrPlanner_) return;
  std::vector<ddns::NameChangeRequest> out;
  ncrPlanner_->requested(add ? ddns::ChangeType::Add : ddns::ChangeType::Remove, lease, out);
  for (const auto& r : out) ncr_->send(r);
}

void Server::configureScripts() {
  if (cfg_.runScript) {
    scripts_->configure(cfg_.runScript->name);
    scriptEvents_ = std::make_unique<engine::ScriptEvents>(cfg_);
    log_.info(LogSource::RunScript, "RUN_SCRIPT_LOAD", "Run Script hooks library has been loaded ({})",
              cfg_.runScript->name);
  } else {
    if (scriptEvents_)
      log_.info(LogSource::RunScript, "RUN_SCRIPT_UNLOAD", "Run Script hooks library has been unloaded");
    scripts_->configure(std::nullopt);
    scriptEvents_.reset();
  }
}

void Server::configureLegalLog() {
  legal_->configure(cfg_.legalLog);
  if (cfg_.legalLog) {
    legalEntries_ =
        std::make_unique<engine::LegalLogEntries>(*cfg_.legalLog, engine::LegalLogEntries::silentSubnets(cfg_));
    log_.info(LogSource::LegalLog, "LEGAL_LOG_LOAD", "Forensic Logging hooks library loaded ({}/{}.*.txt)",
              cfg_.legalLog->path, cfg_.legalLog->baseName);
  } else {
    legalEntries_.reset();
  }
}

void Server::legalLogCommand(const std::string& name, const api::json& args, const api::json& answer) {
  if (!legalEntries_) return;
  timespec when{};
  ::clock_gettime(CLOCK_REALTIME, &when);
  auto submit = [&](std::string_view command, const api::json& a, const api::json& result) {
    auto line = api::legalLogCommandEntry(command, a, result, when.tv_sec, legalEntries_->silent());
    if (line) (void)legal_->submit(std::move(*line), when);
  };
  if (name != sync::kBulkApplyCommand) return submit(name, args, answer);
  // A tandemd partner's batched updates: a line per lease it applied, as Kea's hook writes
  // for its partner's lease6-bulk-apply (each lease as a lease6-del / lease6-update with the
  // request's origin; the failed ones left out). There is no lease4 bulk command in Kea.
  auto result = answer.find("result");
  if (result == answer.end() || !result->is_number_integer() || result->get<int>() != api::kResultSuccess) return;
  auto req = sync::parseBulkApplyRequest(args);
  if (!req) return;
  std::set<std::string> failed;
  if (auto a = answer.find("arguments"); a != answer.end() && a->is_object()) {
    if (auto f = a->find("failed"); f != a->end() && f->is_array()) {
      for (const auto& item : *f) {
        if (item.is_object() && item.contains("ip-address") && item["ip-address"].is_string()) {
          failed.insert(item["ip-address"].get<std::string>());
        }
      }
    }
  }
  const api::json applied = api::makeAnswer(api::kResultSuccess, "");
  auto each = [&](std::string_view command, const std::vector<Lease>& leases) {
    for (const Lease& l : leases) {
      api::json a = api::leaseToJson(l);
      if (failed.count(a.value("ip-address", ""))) continue;
      a["origin"] = "ha-partner";
      submit(command, a, applied);
    }
  };
  each("lease4-del", req->deleted);
  each("lease4-update", req->leases);
}

// Any packet worker's thread, with the shared state held: the runner's and the forensic
// log's queues are thread-safe.
void Server::runQueryHooks(const proto::Packet4& query, const engine::RecvMeta& meta, const engine::Decision& d) {
  if (scriptEvents_) {
    std::vector<engine::ScriptCall> calls;
    scriptEvents_->forQuery(query, meta, ports_.server, d, calls);
    submitScripts(calls);
  }
  if (legalEntries_) {
    std::vector<std::string> entries;
    legalEntries_->forQuery(query, meta, d, entries);
    if (!entries.empty()) {
      timespec when{};
      ::clock_gettime(CLOCK_REALTIME, &when);
      for (auto& e : entries) (void)legal_->submit(std::move(e), when);
    }
  }
}

void Server::submitScripts(std::vector<engine::ScriptCall>& calls) {
  for (auto& c : calls) (void)scripts_->submit(std::move(c));
}

void Server::publishScriptCounters(TimePoint t) {
  if (!scripts_) return;
  // tandemd's own statistics, present once they count something (as its other drop counters).
  const auto c = scripts_->counters();
  auto& seen = scriptCountersSeen_;
  auto publish = [&](const char* name, std::uint64_t now, std::uint64_t& before) {
    if (now != before) stats_.add(name, static_cast<std::int64_t>(now - before), t);
    before = now;
  };
  publish("run-script-started", c.started, seen.started);
  publish("run-script-queue-full-drop", c.dropped, seen.dropped);
  publish("run-script-spawn-failed", c.spawnFailed, seen.spawnFailed);
  publish("run-script-failed-exit", c.failedExit, seen.failedExit);
  publish("run-script-timeout-killed", c.killed, seen.killed);
  if (!legal_) return;
  const auto l = legal_->counters();
  auto& ls = legalCountersSeen_;
  publish("legal-log-written", l.written, ls.written);
  publish("legal-log-queue-full-drop", l.dropped, ls.dropped);
  publish("legal-log-write-lost", l.lost, ls.lost);
}

std::size_t Server::reclaim(std::size_t limit, bool remove) {
  const TimePoint t = now();
  auto changes = engine_->reclaimExpired(t, limit);
  std::size_t done = 0;
  for (auto& c : changes) {
    if (remove && c.kind == engine::LeaseChange::Kind::Upsert) {
      c.kind = engine::LeaseChange::Kind::Delete;
    }
    auto r = writer_->reclaim(c);
    if (!r) {
      log_.error("DHCP4_RECLAIM_FAIL", "reclaiming {} failed: {}", c.lease.address.toString(), r.error().message);
      continue;
    }
    // In a pair both peers hold the lease and both reclaim it: only the one serving its client
    // now asks kea-dhcp-ddns to remove the name, so it is removed once (Kea 2.2's peers both
    // send it). The survivor of a partner-down serves every client, so nothing is lost.
    if (!ha_ || ha_->servesScopeOf(c.previous ? *c.previous : c.lease)) queueNameChanges({c});
    if (scriptEvents_) {
      std::vector<engine::ScriptCall> calls;
      // Kea's remove_lease: asked for, or the flush timer is off (CfgExpiration::setupTimers).
      scriptEvents_->forReclaim(c, remove || cfg_.expiredLeases.flushReclaimedTimerWaitTime == 0, calls);
      submitScripts(calls);
    }
    ++done;
  }
  if (done) log_.debug("DHCP4_LEASES_RECLAIMED", "{} expired leases reclaimed", done);
  // Reclaimed leases reach the partner and backups too (no reply waits for them).
  if (ha_ && !changes.empty()) ha_->onLeasesCommitted(changes, [](bool) {});
  return done;
}

std::size_t Server::reclaimLeases(bool removeLeases) {
  return reclaim(std::numeric_limits<std::size_t>::max(), removeLeases);
}

void Server::configureLfc() {
  if (!memfile_) return;  // lease file cleanup is memfile's (a database keeps its own rows)
  // The compactor counts lfc-interval from its first tick; a reload only replaces it when
  // the interval changed (the destructor waits for a compaction in progress).
  if (compactor_ && lfcInterval_ == cfg_.leaseDatabase.lfcInterval) return;
  compactor_.reset();
  lfcInterval_ = cfg_.leaseDatabase.lfcInterval;
  compactor_ = std::make_unique<LeaseCompactor>(*memfile_, lfcInterval_);
}

Result<void> Server::waitDurable(std::uint64_t seq) {
  if (!journal_ || seq == 0) return {};
  if (deferWrites_) {
    deferredSeq_ = std::max(deferredSeq_, seq);
    return {};
  }
  if (auto r = journal_->flush(); !r) return r;
  if (journal_->durableSeq() < seq) return makeError("lease not written to the lease file");
  return {};
}

void Server::deferWrites(bool on) {
  deferWrites_ = on;
  if (on) deferredSeq_ = 0;
}

void Server::whenDurable(std::function<void(Result<void>)> done) {
  const std::uint64_t seq = std::exchange(deferredSeq_, 0);
  if (!journal_ || seq == 0 || journal_->durableSeq() >= seq) return done({});
  durableWaiters_.push_back(DurableWaiter{seq, now(), std::move(done)});
  waiterAdded();
}

void Server::waiterAdded() {
  if (durableWaiters_.size() != 1) return;  // the floor is an older waiter's
  // Dekker with the journal's callback (which stores durableSeq, then reads the floor): the
  // floor is stored before durableSeq is read again, both sequentially consistent, so either
  // the callback sees this waiter or this sees its sync.
  waitFloor_.store(durableWaiters_.front().seq);
  if (loop_ && loop_->threaded() && journal_->durableSeq() >= durableWaiters_.front().seq) postWaiterRelease();
}

void Server::postWaiterRelease() {
  if (waiterPostPending_.exchange(true)) return;
  asio::post(io_, [this, alive = std::weak_ptr<bool>(alive_)] {
    if (alive.expired()) return;
    waiterPostPending_ = false;
    // A waiter's answer may drive the HA service (a sync's completion): with the state lock.
    auto state = lockState();
    releaseDurableWaiters();
  });
}

void Server::releaseDurableWaiters() {
  // As long as a parked DHCPACK (DhcpPipeline::Options::parkTimeout): the partner's own
  // request timeout is longer, so it hears of the failure instead of timing out.
  constexpr auto kDurableWaitLimit = std::chrono::seconds(5);
  const std::uint64_t durable = journal_ ? journal_->durableSeq() : std::numeric_limits<std::uint64_t>::max();
  const TimePoint t = now();
  while (!durableWaiters_.empty()) {
    DurableWaiter& w = durableWaiters_.front();
    Result<void> r;
    if (w.seq <= durable) {
      r = {};
    } else if (t - w.since >= kDurableWaitLimit) {
      const auto e = journal_ ? journal_->lastError() : std::nullopt;
      r = makeError(e ? e->message : "lease file sync too slow");
    } else {
      break;
    }
    auto done = std::move(w.done);
    durableWaiters_.pop_front();
    waitFloor_.store(durableWaiters_.empty() ? std::numeric_limits<std::uint64_t>::max() : durableWaiters_.front().seq);
    done(std::move(r));
  }
}

Result<void> Server::putLease(const Lease& lease, Origin origin) {
  std::optional<Lease> previous = ha_ && origin == Origin::Admin ? store_.byAddress(lease.address) : std::nullopt;
  std::optional<Lease> mine = ha_ && origin == Origin::Partner && lease.state == LeaseState::ExpiredReclaimed &&
                                      ddnsEnabled()
                                  ? store_.byAddress(lease.address)
                                  : std::nullopt;
  auto seq = writer_->putLease(lease);
  if (!seq) return seq.error();
  // HA: a lease command's write must not be undone by an older page of a sync in flight,
  // and peers pulling from us get it in their change log (ha_service.h).
  if (ha_) ha_->onLeaseWrittenByCommand(lease);
  auto durable = waitDurable(*seq);
  if (durable && origin == Origin::Admin) {
    engine::LeaseChange c;
    c.lease = lease;
    c.previous = std::move(previous);
    replicateOperatorChanges({std::move(c)});
  }
  if (durable && mine) removeNameReclaimedByPartner(*mine);
  return durable;
}

Result<void> Server::deleteLease(Ipv4 address, Origin origin) {
  std::optional<Lease> existing = store_.byAddress(address);
  if (ha_) ha_->onLeaseDeletedByCommand(address, existing);
  auto seq = writer_->deleteLease(address);
  if (!seq) return seq.error();
  auto durable = waitDurable(*seq);
  if (durable && origin == Origin::Admin && existing) {
    engine::LeaseChange c;
    c.kind = engine::LeaseChange::Kind::Delete;
    c.lease = *existing;
    replicateOperatorChanges({std::move(c)});
  }
  if (durable && origin == Origin::Partner && existing && ddnsEnabled()) removeNameReclaimedByPartner(*existing);
  return durable;
}

void Server::removeNameReclaimedByPartner(const Lease& mine) {
  // Both peers reclaim an expired lease; the one serving its client's scope removes the name
  // (reclaim()). When the partner's reclamation reaches us first, our copy is gone before our
  // own reclaim sees it: if we held it expired (within a clock skew) and not yet reclaimed, and
  // its client is ours, the removal is ours to send now. A release or an operator's delete on
  // the partner touches no unexpired lease here.
  constexpr std::int64_t kSkew = 30;
  if (!ha_ || mine.state != LeaseState::Default || mine.expire() > toEpochSeconds(now()) + kSkew) return;
  if (!ha_->servesScopeOf(mine)) return;
  engine::LeaseChange c;
  c.kind = engine::LeaseChange::Kind::Delete;
  c.lease = mine;
  queueNameChanges({c});
}

void Server::replicateOperatorChanges(const std::vector<engine::LeaseChange>& changes) {
  // An operator's lease4-add/-update/-del/-wipe reaches the partner and backups as a served
  // lease does (lease4-update / lease4-del with origin "ha-partner", so a tandemd partner does
  // not send it back; a Kea 2.2 partner never forwards lease commands). Nobody waits for the
  // acknowledgement: the command already answered for this server, and a failed update is
  // kept for the communication-recovery replay like any other.
  if (ha_ && !changes.empty()) ha_->onLeasesCommitted(changes, [](bool) {});
}

void Server::leaseDeleteMissed(Ipv4 address, Origin) {
  if (ha_) ha_->onLeaseDeletedByCommand(address, std::nullopt);
}

Result<void> Server::putLeases(std::span<const Lease> leases, Origin) {
  // One journal wait for the whole batch (a sync page), not one per lease.
  auto seq = writer_->putLeases(leases);
  if (!seq) return seq.error();
  return waitDurable(*seq);
}

Result<void> Server::storeLeases(std::span<const Lease> leases, Origin origin) {
  // A shared database may refuse a row: that is learnt by waiting, as putLeases() does.
  if (!journal_ || journal_->mayRefuse()) return putLeases(leases, origin);
  auto seq = writer_->putLeases(leases);
  if (!seq) return seq.error();
  // The journal's thread writes while the pull goes on; rows wait in memory only up to a
  // bound (a disk slower than the pull), beyond which this page waits for the disk.
  constexpr std::uint64_t kMaxUnsyncedRows = 200'000;
  if (journal_->lastSeq() - journal_->durableSeq() > kMaxUnsyncedRows) return waitDurable(*seq);
  return {};
}

void Server::whenLeasesDurable(std::function<void(Result<void>)> done) {
  const std::uint64_t seq = journal_ ? journal_->lastSeq() : 0;
  if (!journal_ || seq == 0 || journal_->durableSeq() >= seq) return done({});
  // releaseDurableWaiters() answers it after the journal's next sync (or fails it after
  // kDurableWaitLimit).
  durableWaiters_.push_back(DurableWaiter{seq, now(), std::move(done)});
  waiterAdded();
}

std::size_t Server::wipeLeases(std::optional<std::uint32_t> subnetId, Origin origin) {
  std::vector<Ipv4> victims;
  store_.forEach([&](const Lease& l) {
    if (!subnetId || l.subnetId == *subnetId) victims.push_back(l.address);
  });
  return deleteLeases(victims, subnetId, origin);
}

std::size_t Server::deleteLeases(std::span<const Ipv4> addresses, std::optional<std::uint32_t> subnetId,
                                 Origin origin) {
  std::uint64_t last = 0;
  std::vector<engine::LeaseChange> deleted;
  for (Ipv4 a : addresses) {
    std::optional<Lease> l = store_.byAddress(a);
    if (!l || (subnetId && l->subnetId != *subnetId)) continue;
    if (ha_) ha_->onLeaseDeletedByCommand(a, l);
    auto seq = writer_->deleteLease(a);
    if (seq) {
      last = std::max(last, *seq);
      engine::LeaseChange c;
      c.kind = engine::LeaseChange::Kind::Delete;
      c.lease = std::move(*l);
      deleted.push_back(std::move(c));
    }
  }
  if (auto r = waitDurable(last); !r) {
    log_.error("DHCP4_LEASE_WIPE_FAIL", "{}", r.error().message);
  } else if (origin == Origin::Admin) {
    replicateOperatorChanges(deleted);
  }
  return deleted.size();
}

Result<void> Server::writeLeaseFile(const std::string& path) {
  // Written beside the target and renamed, so a reader never sees half a file.
  const std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "w");
  if (!f) return makeError("cannot write " + path);
  std::string buf(kKea22Lease4Header);
  buf += '\n';
  store_.forEach([&](const Lease& l) {
    appendLeaseCsvLine(buf, l);
    buf += '\n';
    if (buf.size() > (1 << 20)) {
      std::fwrite(buf.data(), 1, buf.size(), f);
      buf.clear();
    }
  });
  bool ok = std::fwrite(buf.data(), 1, buf.size(), f) == buf.size();
  ok = (std::fclose(f) == 0) && ok;
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return makeError("cannot write " + path);
  }
  return {};
}

void Server::disableDhcp(const std::string& origin, std::optional<std::uint32_t> maxPeriodSeconds) {
  disabledBy_.insert(origin.empty() ? "user" : origin);
  setServing(false);
  if (maxPeriodSeconds && *maxPeriodSeconds > 0) {
    reenableAt_ = now() + std::chrono::seconds(*maxPeriodSeconds);
  }
  log_.info("DHCP4_SERVICE_DISABLED", "DHCP service disabled by {}", origin);
}

void Server::enableDhcp(const std::string& origin) {
  disabledBy_.erase(origin.empty() ? "user" : origin);
  if (disabledBy_.empty()) {
    reenableAt_.reset();
    setServing(true);
    log_.info("DHCP4_SERVICE_ENABLED", "DHCP service enabled by {}", origin);
  }
}

void Server::shutdown(int exitCode) {
  if (stopping_) return;
  stopping_ = true;
  exitCode_ = exitCode;
  notify(ServiceEvent::Stopping, "shutting down");
  // Posted: a command handler calling shutdown() still gets to send its answer first.
  asio::post(io_, [this] {
    // From here on the packets are this thread's again (nothing is read any more): the
    // flush below and the release of what it made durable run here.
    loop_->stopThread();
    signals_.cancel();
    if (ha_) ha_->stop();
    if (haListener_) haListener_->stop();
    houseTimer_.cancel();
    reclaimTimer_.cancel();
    if (control_) control_->stop();
    compactor_.reset();  // lets a running cleanup finish its renames
    loop_->setDispatch(false);
    // A lookup answered later would wake a packet loop or worker that is gone (seen as a
    // crash at SIGTERM under load on a SQL lease database).
    if (leaseLookup_) leaseLookup_->stop();
    if (journal_) {
      auto state = lockState();  // what the workers appended so far is in this flush
      if (auto r = journal_->flush(); !r) {
        log_.error("DHCP4_SHUTDOWN_FLUSH_FAIL", "lease file not fully written: {}", r.error().message);
      }
    }
    stopWorkers();  // their durable replies leave, the rest is dropped
                    // Everything appended is durable now: parked ACKs may still go out.
    releaseDurableWaiters();
    loop_->flushParked();
    // Peer connections may still deliver lease updates until io stops: their syncs must not
    // reach the loop about to go.
    if (journal_) journal_->setOnDurable(nullptr);
    loop_.reset();
    pipeline_->publish(now());
    log_.info("DHCP4_SHUTDOWN", "server shutdown");
    log_.log(LogSource::Dhcp4, Severity::Debug, kDbgStartShut, "DHCP4_SHUTDOWN_DETAIL",
             "pkt4-received {}, pkt4-receive-drop {}, pkt4-parse-failed {}, pkt4-offer-sent {}, pkt4-ack-sent {}, "
             "pkt4-nak-sent {}",
             stats_.value("pkt4-received"), stats_.value("pkt4-receive-drop"), stats_.value("pkt4-parse-failed"),
             stats_.value("pkt4-offer-sent"), stats_.value("pkt4-ack-sent"), stats_.value("pkt4-nak-sent"));
    // Give a shutdown command's answer (and other in-flight control replies) a moment to
    // be written; run() also returns earlier if nothing is left to do.
    houseTimer_.expires_after(300ms);
    houseTimer_.async_wait([this](const boost::system::error_code&) { io_.stop(); });
  });
}

void Server::runOperation(std::shared_ptr<api::OperationProgress> progress, OperationStep step) {
  operations_.push_back(progress);
  runSlice(std::move(progress), std::make_shared<OperationStep>(std::move(step)), 0);
}

void Server::runSlice(std::shared_ptr<api::OperationProgress> progress, std::shared_ptr<OperationStep> step,
                      std::size_t slices) {
  const bool finished = (*step)(*progress);
  const TimePoint t = now();
  if (finished) {
    std::erase(operations_, progress);
    // Only the big ones (more than one slice) are worth a line.
    if (slices > 0) log_.info("DHCP4_OPERATION_DONE", "{}", progress->finishLine(t));
    return;
  }
  if (auto line = progress->lineDue(t)) log_.info("DHCP4_OPERATION_PROGRESS", "{}", *line);
  // Behind the packets and commands already queued: DHCP is served between two slices.
  asio::post(io_, [this, progress = std::move(progress), step = std::move(step), slices,
                   alive = std::weak_ptr<bool>(alive_)]() mutable {
    if (alive.expired()) return;
    auto state = lockState();
    runSlice(std::move(progress), std::move(step), slices + 1);
  });
}

nlohmann::json Server::statusExtras() const {
  nlohmann::json extras = nlohmann::json::object();
  if (ha_) extras["high-availability"] = ha_->statusSection();
  // Long commands running now (lease4-wipe, reservation-get-all): tandemctl draws its bar.
  if (!operations_.empty()) {
    nlohmann::json ops = nlohmann::json::array();
    for (const auto& p : operations_) ops.push_back(p->toJson(now()));
    extras["operations"] = std::move(ops);
  }
  if (!hostSources_.empty()) extras["hosts-databases"] = hostsStatus();
  if (cb_) extras["config-backend"] = configBackendStatus();
  if (const SqlJournal* db = sqlJournal()) {
    // tandemd's own: the lease backend's state (Kea's status-get has no such section).
    const auto c = db->counters();
    const auto e = db->lastError();
    extras["lease-database"] = {{"type", cfg_.leaseDatabase.type},
                                {"state", SqlJournal::toString(db->state())},
                                {"queued", db->queued()},
                                {"committed", c.committed},
                                {"transactions", c.transactions},
                                {"refused", c.rejected},
                                {"lost", c.lost},
                                {"retried", c.retried},
                                {"connection-losses", c.connectionLosses},
                                {"reconnects", c.reconnects},
                                {"reconnect-attempts", c.reconnectAttempts},
                                {"last-error", e ? e->message : std::string()}};
    if (mysql_) extras["lease-database"]["round-trips"] = mysql_->roundTrips();
  }
  return extras;
}

Result<Server::HaPlan> Server::planHa(const config::Dhcp4Config& cfg) {
  auto found = haRelationshipsFrom(cfg);
  if (!found) return found.error();
  HaPlan plan;
  plan.config = std::move(*found);
  if (plan.config) plan.stamp = haMaterialStamp(*plan.config);
  plan.changed = plan.config != haConfig_ || plan.stamp != haStamp_;
  if (plan.changed && plan.config) {
    try {
      for (const auto& rel : plan.config->relationships) {
        plan.peers.push_back(makePeerTransports(io_, rel, log_));
        // The packet thread's requests are queued for the io thread, answers taken with the
        // state lock (ha/service/ha_io_gate.h).
        gatePeerTransports(plan.peers.back(), *haGate_);
      }
    } catch (const std::exception& e) {
      const auto index = ha::findHaLibrary(cfg.hooksLibraries);
      return makeError(fmt::format("Dhcp4/hooks-libraries/{}/parameters/high-availability/0/peers: HA peer client: {}",
                                   index.value_or(0), e.what()));
    }
  }
  return plan;
}

Result<void> Server::applyHa(HaPlan plan, bool initial) {
  if (!plan.changed) {
    if (!ha_) return {};
    refreshHaAllocFilter();  // the DHCP pools may have changed
    if (!haListening_) return openHaListener(false);
    return {};
  }
  if (!initial) {
    if (haConfig_ && plan.config) {
      auto changes = ha::describeHaChanges(*haConfig_, *plan.config);
      // The running config's own files, re-read: a new peer's files alone are no rotation.
      if (haMaterialStamp(*haConfig_) != haStamp_) changes.emplace_back("TLS files changed on disk");
      log_.info("HA_RECONFIGURE",
                "HA configuration changed ({}): restarting the HA service, which syncs with "
                "its partner again",
                fmt::join(changes, "; "));
    } else if (plan.config) {
      log_.info("HA_RECONFIGURE", "HA hook added: starting the HA service as {}", plan.config->first().thisServerName);
    } else {
      log_.info("HA_RECONFIGURE", "HA hook removed: stopping the HA service, this server now serves every client");
    }
  }
  stopHa(!plan.config);
  const bool listenerMoved = !haConfig_ || !plan.config || ha::listenerChanged(*haConfig_, *plan.config);
  haConfig_ = std::move(plan.config);
  haStamp_ = std::move(plan.stamp);
  if (!haConfig_) {
    if (haListener_) haListener_->stop();
    haListener_.reset();
    haListening_ = false;
    haRestrict_ = false;
    return {};
  }
  haRestrict_ = false;  // one listener for every relationship: restricted if any asks for it
  for (const auto& rel : haConfig_->relationships) haRestrict_ = haRestrict_ || rel.restrictCommands;
  ha_ = std::make_unique<HaHub>(
      *haConfig_, cfg_, *this, std::move(plan.peers),
      [this] { return gateTimers(*haGate_, std::make_unique<AsioHaTimers>(io_, [this] { return steadyNow(); })); },
      log_);
  // The names the service registers, so a reload that turns HA off can take them away again.
  api::CommandRegistry names;
  ha_->registerCommands(names);
  haCommandNames_ = names.names();
  ha_->registerCommands(commands_);
  exposePeerCommands(peerCommands_, commands_, haRestrict_);
  refreshHaAllocFilter();
  ha_->setLocalFailure([this]() -> std::optional<std::string> {
    if (!journal_ || !journal_->failing()) return std::nullopt;
    auto e = journal_->lastError();
    return e ? e->message : std::string("the lease file cannot be written");
  });
  HaHub* service = ha_.get();
  PacketLoop* loop = loop_.get();
  net::DhcpPipeline::HaHooks hooks;
  hooks.shouldServe = [service](const proto::Packet4& q, engine::RecvMeta& m) { return service->shouldServe(q, m); };
  hooks.leasesCommitted = [service](const std::vector<engine::LeaseChange>& c, std::function<void(bool)> done) {
    service->onLeasesCommitted(c, std::move(done));
  };
  // An acknowledgement (io thread, state lock held; or inside the round that parked the ACK)
  // sends what it completes without waking the packet thread.
  hooks.wake = [loop] { loop->releaseAcked(); };
  hooks.partnerQuery = [service](std::span<const std::uint8_t> b) { return service->partnerQueryType(b); };
  pipeline_->setHaHooks(std::move(hooks));
  if (ha_->hub()) {
    // A hub decides at subnet selection: the subnet names the relationship (HaHub).
    engine_->setSubnetGate([service](const proto::Packet4& q, std::uint32_t subnet, std::vector<std::string>& join) {
      return service->subnetGate(q, subnet, join);
    });
  }
  if (listenerMoved || !haListening_) {
    if (auto r = openHaListener(initial); !r && initial) return r;
  }
  ha_->start();
  for (const auto& hc : haConfig_->relationships) {
    log_.info("HA_SERVICE_READY", "HA {} as {} ({}), listening for peers on {}{}", ha::toString(hc.mode),
              hc.thisServerName, ha::toString(hc.thisServer().role), hc.thisServer().url.text,
              hc.restrictCommands ? " (restrict-commands: peer commands only)" : "");
  }
  return {};
}

Result<void> Server::openHaListener(bool initial) {
  // Kea's http-dedicated-listener: the peers' commands arrive on this server's own URL.
  // listen() closes a socket whose settings changed before opening the new one, so the same
  // port with new TLS material rebinds cleanly.
  if (!haListener_) {
    // A partner sends one lease4-update per DHCPACK: let concurrent ones share an fdatasync
    // instead of each blocking this thread for its own (the answers still wait for the disk).
    net::ControlServerOptions o;
    o.deferWrites = [this](bool on) { deferWrites(on); };
    o.whenDurable = [this](std::function<void(Result<void>)> done) { whenDurable(std::move(done)); };
    // The configured peers always get in, whatever else holds the listener (runs on io_, where
    // a reload replaces haConfig_).
    o.reservedAddress = [this](std::string_view address) {
      if (!haConfig_) return false;
      for (const auto& rel : haConfig_->relationships) {
        for (const auto& p : rel.peers) {
          if (p.name != rel.thisServerName && p.url.host == address) return true;
        }
      }
      return false;
    };
    haListener_ = std::make_unique<net::ControlServer>(io_, peerCommands_, log_, o);
  }
  try {
    std::vector<config::ControlSocket> sockets;  // a hub: one per relationship
    for (const auto& rel : haConfig_->relationships) sockets.push_back(peerListenerSocket(rel));
    haListener_->listen(sockets);
    haListening_ = true;
  } catch (const std::exception& e) {
    haListening_ = false;
    if (initial) return makeError(std::string("HA peer listener: ") + e.what());
    log_.error("HA_LISTENER_FAIL",
               "HA peer listener on {} not opened, peers cannot reach this server (DHCP is "
               "still served; a reload retries): {}",
               haConfig_->first().thisServer().url.text, e.what());
    return makeError(e.what());
  }
  return {};
}

void Server::stopHa(bool haOff) {
  if (!ha_) return;
  // Nothing may point at the old service when it goes: the engine's filter and the pipeline's
  // hooks hold raw pointers to it. Replies parked for its acknowledgements are dropped as the
  // hooks go (DhcpPipeline::setHaHooks) and the clients retry, as after a failed lease update.
  engine_->setAllocFilter({});
  engine_->setSubnetGate({});
  pipeline_->setHaHooks({});
  ha_->stop();
  for (const auto& name : haCommandNames_) commands_.remove(name);
  haCommandNames_.clear();
  ha_.reset();
  // The old state machine's dhcp-disable ("ha-local") dies with it; the new one disables again
  // where its state requires. A partner's sync disable ("ha-partner", bounded by max-period)
  // stays unless HA is gone altogether.
  auto lift = [this](const std::string& origin) {
    if (disabledBy_.count(origin)) enableDhcp(origin);
  };
  std::vector<std::string> local;  // "ha-local", and "ha-local-N" of a hub's relationship N
  for (const auto& o : disabledBy_) {
    if (o.rfind("ha-local", 0) == 0) local.push_back(o);
  }
  for (const auto& o : local) lift(o);
  if (haOff) lift("ha-partner");
}

void Server::refreshHaAllocFilter() {
  if (!ha_ || !haConfig_) return;
  engine_->setAllocFilter(ha_->allocFilter(cfg_, [this] { return steadyNow(); }));
}

}  // namespace tandem::daemon

namespace tandem::daemon {

Result<void> Server::openJournal() {
  MemfileJournal::Options o;
  o.path = cfg_.leaseDatabase.name;
  o.persist = true;
  o.commitWindow = opts_.commitWindow;
  auto j = MemfileJournal::open(std::move(o));
  if (!j) return makeError("opening lease file " + cfg_.leaseDatabase.name + ": " + j.error().message);
  memfile_ = j->get();
  journal_ = std::move(*j);
  return {};
}

Result<void> Server::openPgsql() {
  const auto& db = cfg_.leaseDatabase;
  // Kea's DHCPSRV_PGSQL_DB (the password is never logged).
  log_.info(LogSource::Dhcpsrv, "DHCPSRV_PGSQL_DB",
            "opening PostgreSQL lease database: {} connect-timeout={} "
            "max-reconnect-tries={} reconnect-wait-time={} type=postgresql universe=4",
            pgsql::describeConnection(db), db.connectTimeout, db.maxReconnectTries, db.reconnectWaitTime);
  // As Kea 2.2 at start-up: an unreachable database or an unknown schema is fatal (no retry).
  auto conn = pgsql::PgConnection::open(db);
  if (!conn) return makeError("Unable to open database: " + conn.error().message);
  if (auto r = (*conn)->checkSchemaVersion(kPgsqlSchemaMajor, kPgsqlSchemaMinor); !r) {
    return makeError("Unable to open database: " + r.error().message);
  }
  const auto loadStart = std::chrono::steady_clock::now();
  auto report = pgsql::PgsqlLeaseLoader::load(**conn, store_);
  if (!report) return makeError("loading leases from PostgreSQL: " + report.error().message);
  for (const auto& p : report->problems) log_.warn("DHCP4_LEASE_DB_BAD_ROW", "{}", p);
  log_.info("DHCP4_LEASES_LOADED", "{} leases loaded from PostgreSQL database {} ({} rows, {} unreadable) in {} ms",
            report->leasesLoaded, db.name, report->linesRead, report->corruptLines,
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - loadStart).count());
  pgsql::PgsqlJournal::Options o;
  o.db = db;
  auto j = pgsql::PgsqlJournal::open(std::move(o), std::move(*conn));
  if (!j) return makeError("Unable to open database: " + j.error().message);
  pgsql_ = j->get();
  journal_ = std::move(*j);
  // Several servers may share the database (Kea's model): a connection of its own for the
  // client lease lookups, so that they never wait behind a commit.
  auto lconn = pgsql::PgConnection::open(db);
  if (!lconn) return makeError("Unable to open database: " + lconn.error().message);
  pgsql::PgsqlLeaseLookup::Options lo;
  lo.db = db;
  auto lookup = pgsql::PgsqlLeaseLookup::open(std::move(lo), std::move(*lconn));
  if (!lookup) return makeError("Unable to open database: " + lookup.error().message);
  leaseLookup_ = std::move(*lookup);
  return {};
}

Result<void> Server::openMysql() {
  const auto& db = cfg_.leaseDatabase;
  // Kea's DHCPSRV_MYSQL_DB (the password is never logged).
  log_.info(LogSource::Dhcpsrv, "DHCPSRV_MYSQL_DB",
            "opening MySQL lease database: {} connect-timeout={} "
            "max-reconnect-tries={} reconnect-wait-time={} type=mysql universe=4",
            mysql::describeConnection(db), db.connectTimeout, db.maxReconnectTries, db.reconnectWaitTime);
  // As Kea 2.2 at start-up: an unreachable database or an unknown schema is fatal (no retry).
  auto conn = mysql::MyConnection::open(db);
  if (!conn) return makeError("Unable to open database: " + conn.error().message);
  if (auto r = (*conn)->checkSchemaVersion(kMysqlSchemaMajor, kMysqlSchemaMinor); !r) {
    return makeError("Unable to open database: " + r.error().message);
  }
  const auto loadStart = std::chrono::steady_clock::now();
  auto report = mysql::MysqlLeaseLoader::load(**conn, store_);
  if (!report) return makeError("loading leases from MySQL: " + report.error().message);
  for (const auto& p : report->problems) log_.warn("DHCP4_LEASE_DB_BAD_ROW", "{}", p);
  log_.info("DHCP4_LEASES_LOADED", "{} leases loaded from MySQL database {} ({} rows, {} unreadable) in {} ms",
            report->leasesLoaded, db.name, report->linesRead, report->corruptLines,
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - loadStart).count());
  mysql::MysqlJournal::Options o;
  o.db = db;
  auto j = mysql::MysqlJournal::open(std::move(o), std::move(*conn));
  if (!j) return makeError("Unable to open database: " + j.error().message);
  mysql_ = j->get();
  journal_ = std::move(*j);
  // The client lease lookups of a shared database, on a connection of their own (openPgsql).
  auto lconn = mysql::MyConnection::open(db);
  if (!lconn) return makeError("Unable to open database: " + lconn.error().message);
  mysql::MysqlLeaseLookup::Options lo;
  lo.db = db;
  leaseLookup_ = mysql::MysqlLeaseLookup::open(std::move(lo), std::move(*lconn));
  return {};
}

void Server::watchPgsql(TimePoint t) {
  SqlJournal* sql = sqlJournal();
  if (!sql) return;
  for (const auto& r : sql->takeRejections()) {
    log_.error("DHCP4_LEASE_DB_WRITE_REFUSED", "the database refused a lease write (its reply is not sent): {}", r);
  }
  using State = SqlJournal::State;
  const State st = sql->state();
  const auto e = sql->lastError();
  const std::string why = e ? e->message : std::string("no error");
  // tandemd's own statistics of the backend (Kea has none): 1 while connected.
  stats_.set("lease-database-connected", st == State::Connected ? 1 : 0, t);
  stats_.set("lease-database-queued", static_cast<std::int64_t>(sql->queued()), t);
  if (leaseLookup_) stats_.set("lease-database-lookups-queued", static_cast<std::int64_t>(leaseLookup_->queued()), t);
  if (st == pgsqlState_) {
    if (st == State::Reconnecting) log_.limited(Severity::Warn, "DHCP4_DB_RECONNECT_ATTEMPT", "{}", why);
    return;
  }
  const State before = std::exchange(pgsqlState_, st);
  const auto& db = cfg_.leaseDatabase;
  switch (st) {
    case State::Connected:
      log_.info("DHCP4_DB_RECONNECT_SUCCEEDED",
                "database connection recovered: lease writes resume, DHCP service "
                "resumes");
      return;
    case State::Reconnecting:
      // Kea's on-fail "stop-*" disables the DHCP service; tandemd's pipeline sheds every
      // lease-changing query while the journal reports failing(), whatever on-fail says,
      // because no lease can be committed (no ACK is sent for an uncommitted lease).
      log_.error("DHCP4_DB_RECONNECT_LOST_CONNECTION",
                 "{}: lease-changing queries are dropped, reconnecting every {} "
                 "ms (at most {} attempts)",
                 why, db.reconnectWaitTime, db.maxReconnectTries);
      return;
    case State::Failed:
      if (before == State::Connected) {
        log_.error("DHCP4_DB_RECONNECT_DISABLED", "{}: max-reconnect-tries is {}", why, db.maxReconnectTries);
      }
      if (db.onFail == config::DbOnFail::ServeRetryContinue) {
        log_.error("DHCP4_DB_RECONNECT_FAILED",
                   "maximum number of database reconnect attempts reached; on-fail "
                   "serve-retry-continue: still trying every {} ms",
                   std::max<std::uint32_t>(db.reconnectWaitTime, 1));
        return;
      }
      log_.error("DHCP4_DB_RECONNECT_FAILED",
                 "maximum number of database reconnect attempts reached ({}): shutting "
                 "down (on-fail {})",
                 why, db.onFail == config::DbOnFail::StopRetryExit ? "stop-retry-exit" : "serve-retry-exit");
      shutdown(1);
      return;
  }
}

Result<void> Server::openLeaseDatabase() {
  const auto& db = cfg_.leaseDatabase;
  if (db.mysql()) return openMysql();
  if (db.sql()) return openPgsql();
  if (db.type != "memfile") {
    return makeError("Dhcp4/lease-database/type: only memfile, postgresql and mysql are supported");
  }
  // Kea's start-up messages of the memfile backend (dhcpsrv_messages.mes).
  log_.info(LogSource::Dhcpsrv, "DHCPSRV_MEMFILE_DB",
            "opening memory file lease database: lfc-interval={} name={} persist={} type=memfile universe=4",
            db.lfcInterval, db.name, db.persist ? "true" : "false");
  if (!db.persist) {
    log_.warn("DHCP4_LEASE_PERSIST_OFF", "lease-database persist is false: leases live in memory only");
    return {};
  }
  MemfilePaths paths{db.name};
  log_.info(LogSource::Dhcpsrv, "DHCPSRV_MEMFILE_LEASE_FILE_LOAD", "loading leases from file {}", db.name);
  // A progress line every 2 s for big files (millions of leases take seconds to load), so an
  // operator watching the log or the journal knows the daemon is not stuck.
  const auto loadStart = std::chrono::steady_clock::now();
  auto lastLine = loadStart;
  auto progress = [&](const LoadProgress& p) {
    const auto t = std::chrono::steady_clock::now();
    if (t - lastLine < std::chrono::seconds(2)) return;
    lastLine = t;
    log_.info(LogSource::Dhcpsrv, "DHCP4_LEASE_FILE_LOADING",
              "loading {}: {} rows so far, {}% of this file ({} of {} MB)", p.file, p.rows,
              p.bytesTotal ? p.bytesDone * 100 / p.bytesTotal : 100, p.bytesDone >> 20, p.bytesTotal >> 20);
  };
  auto report = MemfileLoader::load(paths, store_, progress);
  if (!report) return makeError("loading leases from " + db.name + ": " + report.error().message);
  for (const auto& p : report->problems) log_.warn("DHCP4_LEASE_FILE_CORRUPT_LINE", "{}", p);
  if (db.maxRowErrors && report->corruptLines > db.maxRowErrors) {
    return makeError(fmt::format("{}: {} corrupt lines, more than max-row-errors {}", db.name, report->corruptLines,
                                 db.maxRowErrors));
  }
  log_.info("DHCP4_LEASES_LOADED", "{} leases loaded from {} ({} lines, {} corrupt) in {} ms", report->leasesLoaded,
            db.name, report->linesRead, report->corruptLines,
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - loadStart).count());
  return openJournal();
}

Result<void> Server::openControl() {
  if (commands_.names().empty()) {
    api::registerDaemonCommands(commands_, *this);
    api::registerLeaseCommands(commands_, *this);
    api::registerReservationCommands(commands_, *this);
    api::registerStatCommands(commands_, *this);
    const std::string observed[] = {"lease4-add", "lease4-update", "lease4-del", std::string(sync::kBulkApplyCommand)};
    for (const std::string& name : observed) {
      commands_.observe(name, [this](const std::string& n, const api::json& args, const api::json& answer) {
        legalLogCommand(n, args, answer);
      });
    }
  }
  if (!control_) {
    net::ControlServerOptions options;
    addGetRoutes(options.getRoutes);
    control_ = std::make_unique<net::ControlServer>(io_, commands_, log_, options);
  }
  try {
    control_->listen(cfg_.controlSockets);
  } catch (const std::exception& e) {
    // At start-up this is fatal (as in Kea); on reload the sockets that did open keep running.
    log_.error("DHCP4_CONTROL_SOCKET_FAIL", "{}", e.what());
    return makeError(e.what());
  }
  return {};
}

// GET routes on the HTTP(S) control sockets, behind the same auth as the commands. Each
// feature adds its own here (one line each): /metrics (Prometheus), the dashboard.
void Server::addGetRoutes(std::map<std::string, net::HttpGetHandler>& routes) {
  net::addDashboardRoutes(routes);
  routes["/metrics"] = [this](std::string_view, std::string_view) {
    auto state = lockState();
    return metricsPage();
  };
}

}  // namespace tandem::daemon

namespace tandem::daemon {

void Server::startWorkers(bool ha) {
  const config::MultiThreadingConfig mt = config::multiThreadingOf(cfg_);
  mtStarted_ = mt;
  const unsigned cores = std::thread::hardware_concurrency();
  const std::size_t n = PacketWorker::countFor(mt, ha, cores);
  if (ha && PacketWorker::countFor(mt, false, cores) > 1) {
    log_.warn("DHCP4_MULTI_THREADING_HA",
              "multi-threading: high-availability is configured, so one packet worker "
              "serves instead of {}: the HA lease update queue, the replies parked for the partner's "
              "acknowledgements and the heartbeats are single-threaded",
              PacketWorker::countFor(mt, false, cores));
  }
  // Kea's DHCP4_MULTI_THREADING_INFO.
  log_.info("DHCP4_MULTI_THREADING_INFO", "enabled: {}, number of threads: {}, queue size: {}", n > 1 ? "yes" : "no",
            n > 1 ? n : 0, n > 1 ? mt.packetQueueSize : 0);
  if (n <= 1) return;
  pipeline_->setSharedState(&stateMutex_);
  commands_.setGuard(&stateMutex_);
  net::ReplyPorts ports;
  ports.server = opts_.serverPort.value_or(67);
  ports.client = opts_.clientPort.value_or(68);
  std::vector<PacketWorker*> raw;
  for (std::size_t i = 1; i < n; ++i) {
    auto p = std::make_unique<net::DhcpPipeline>(*engine_, *writer_, stats_, log_, net::DhcpPipeline::Options{});
    p->setPorts(ports);
    p->setSharedState(&stateMutex_);
    p->setEnabled(pipeline_->enabled());
    p->setLeaseObserver([this](const std::vector<engine::LeaseChange>& changes) { queueNameChanges(changes); });
    p->setQueryObserver([this](const proto::Packet4& q, const engine::RecvMeta& m, const engine::Decision& d) {
      runQueryHooks(q, m, d);
    });
    auto w = std::make_unique<PacketWorker>(
        i, *p, [] { return Clock::now(); }, mt.packetQueueSize, ports.server);
    raw.push_back(w.get());
    workerPipelines_.push_back(std::move(p));
    workers_.push_back(std::move(w));
  }
  loop_->setWorkers(std::move(raw));
}

void Server::stopWorkers() {
  // Never with stateMutex_ held: a worker may be waiting for it.
  for (auto& w : workers_) w->stop();
}

std::unique_lock<std::mutex> Server::lockState() {
  if (workers_.empty() && !loop_->threaded()) return {};
  return std::unique_lock<std::mutex>(stateMutex_);
}

void Server::refreshDrive() {
  // HA runs on the thread drive too (issue 11): its hooks run in the rounds under the state
  // lock, its Asio side through haGate_. Packet workers keep the io drive (with HA, the one
  // worker that serves it is the loop on this thread).
  if (!workers_.empty() || stopping_) {
    // Safe with the state lock held: no round of the thread runs after this.
    loop_->runOnIo();
    return;
  }
  if (loop_->threaded()) return;
  // Posted: the thread takes stateMutex_ for each round, and the handler calling this may be
  // using the state without it (lockState() was empty).
  asio::post(io_, [this, alive = std::weak_ptr<bool>(alive_)] {
    if (alive.expired() || stopping_ || !workers_.empty()) return;
    loop_->runOnThread(stateMutex_);
  });
}

void Server::setServing(bool on) {
  pipeline_->setEnabled(on);
  for (auto& p : workerPipelines_) p->setEnabled(on);
}

void Server::refreshDispatch() {
  if (workers_.empty()) return;
  const bool on = !haConfig_;
  if (on == loop_->dispatching()) return;
  loop_->setDispatch(on);
  if (on) {
    log_.info("DHCP4_MULTI_THREADING_INFO", "high-availability removed: {} packet workers serve again",
              workers_.size() + 1);
  } else {
    log_.warn("DHCP4_MULTI_THREADING_HA",
              "multi-threading: high-availability was added, so one packet worker "
              "serves until it is removed: the HA lease update queue, the replies parked for the partner's "
              "acknowledgements and the heartbeats are single-threaded");
  }
}

}  // namespace tandem::daemon
