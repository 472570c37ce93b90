// Server: config-control (Kea 2.2's configuration backend, libdhcp_pgsql_cb.so's tables). The
// tables are read at start-up and at each reload, merged with the file (config::
// mergeConfigBackend) and applied as one configuration; then a poller on its own thread looks
// at the audit trail every config-fetch-wait-time seconds and, after a change, reads and merges
// again off the packet path and posts the result here, where it is applied through the reload
// path (applyParsed: leases kept, hosts re-read, HA kept when unchanged).
#include <boost/asio/post.hpp>
#include <fmt/format.h>

#include "dhcpd/config/config_control.h"
#include "dhcpd/daemon/server.h"
#include "dhcpd/mysql/mysql_cb_reader.h"
#include "dhcpd/pgsql/pgsql_cb_reader.h"

namespace tandem::daemon {

namespace asio = boost::asio;

void Server::logBadRows(const std::vector<std::string>& badRows) {
  for (const auto& b : badRows) {
    // tandemd's own: Kea 2.2 refuses the whole fetch on such a row.
    log_.warn(LogSource::Dhcpsrv, "DHCP4_CB_BAD_ROW", "configuration backend row left out: {}", b);
  }
  cbBadRows_ += badRows.size();
}

Result<config::Dhcp4Config> Server::withConfigBackend(config::Dhcp4Config fileCfg, std::unique_ptr<CbPoller>* backend) {
  const config::ConfigControl cc = config::configControlOf(fileCfg);
  if (cc.databases.empty()) return fileCfg;
  const config::LeaseDatabase& db = cc.databases.front();
  // Kea's DCTL_OPEN_CONFIG_DB and DCTL_CONFIG_FETCH (the password is never logged).
  std::unique_ptr<config::CbReader> reader;
  if (db.mysql()) {
    log_.info(LogSource::Dhcp4, "DCTL_OPEN_CONFIG_DB", "Opening configuration database: {} type=mysql",
              mysql::describeConnection(db));
    auto r = mysql::MysqlCbReader::open(db);
    if (!r) return makeError("during update from config backend database: " + r.error().message);
    reader = std::move(*r);
  } else {
    log_.info(LogSource::Dhcp4, "DCTL_OPEN_CONFIG_DB", "Opening configuration database: {} type=postgresql",
              pgsql::describeConnection(db));
    auto r = pgsql::PgsqlCbReader::open(db);
    if (!r) return makeError("during update from config backend database: " + r.error().message);
    reader = std::move(*r);
  }
  auto opened = std::make_unique<CbPoller>(std::move(reader));
  log_.info(LogSource::Dhcp4, "DCTL_CONFIG_FETCH", "Fetching configuration data from config backends.");
  auto rows = opened->fetch();
  if (!rows) return makeError("during update from config backend database: " + rows.error().message);
  config::ParseContext ctx;
  ctx.baseDir = opts_.baseDir;
  auto merged = config::mergeConfigBackend(fileCfg.source, *rows, ctx);
  if (!merged) return makeError("during update from config backend database: " + merged.error().message);
  logBadRows(merged->badRows);
  cbSubnets_ = merged->subnets;
  log_.info(LogSource::Dhcpsrv, "DHCPSRV_CFGMGR_CONFIG4_MERGED",
            "Configuration backend data has been merged: {} globals, {} option definitions, {} options, {} shared "
            "networks, {} subnets, {} client classes from {} ({} rows left out)",
            merged->globals, merged->optionDefs, merged->options, merged->sharedNetworks, merged->subnets,
            merged->clientClasses, db.name, merged->badRows.size());
  *backend = std::move(opened);
  return std::move(merged->config);
}

void Server::stopConfigBackend() {
  if (cb_) cb_->stop();
  cb_.reset();
  ++cbGeneration_;
}

void Server::installConfigBackend(std::unique_ptr<CbPoller> backend, nlohmann::json fileDoc,
                                  std::uint32_t fetchWaitTime) {
  stopConfigBackend();
  cb_ = std::move(backend);
  if (fetchWaitTime == 0) return;  // Kea: no periodic fetch
  const std::uint64_t generation = cbGeneration_;
  auto doc = std::make_shared<const nlohmann::json>(std::move(fileDoc));
  const std::string baseDir = opts_.baseDir;
  cb_->start(
      std::chrono::seconds(fetchWaitTime),
      // The poller's thread: merge and parse there, so the io thread only applies.
      [this, generation, doc, baseDir, alive = std::weak_ptr<bool>(alive_)](config::CbSnapshot rows) {
        config::ParseContext ctx;
        ctx.baseDir = baseDir;
        auto merged = config::mergeConfigBackend(*doc, rows, ctx);
        if (!merged) return Result<void>(merged.error());  // logged by the error callback
        asio::post(io_, [this, generation, alive, merged = std::move(*merged)]() mutable {
          if (alive.expired()) return;
          onConfigBackendUpdate(generation, std::move(merged));
        });
        return Result<void>();
      },
      [this, alive = std::weak_ptr<bool>(alive_)](const std::string& message, bool exhausted) {
        asio::post(io_, [this, alive, message, exhausted] {
          if (alive.expired()) return;
          // Kea's cbFetchUpdates messages.
          log_.error("DHCP4_CB_PERIODIC_FETCH_UPDATES_FAIL",
                     "error on attempt to fetch configuration updates from the configuration backend(s): {}", message);
          if (exhausted) {
            log_.error("DHCP4_CB_PERIODIC_FETCH_UPDATES_RETRIES_EXHAUSTED",
                       "maximum number of configuration fetch attempts: {}, has been exhausted without success",
                       CbPoller::kMaxFetchFailures);
          }
        });
      });
}

void Server::onConfigBackendUpdate(std::uint64_t generation, config::CbMergeResult merged) {
  if (generation != cbGeneration_ || stopping_) return;  // a reload replaced the backend since
  auto state = lockState();
  log_.info(LogSource::Dhcp4, "DCTL_CONFIG_FETCH", "Fetching configuration data from config backends.");
  logBadRows(merged.badRows);
  const std::size_t subnets = merged.subnets;
  // A change for other servers, or one only to rows left out: nothing to reconfigure.
  if (merged.document == cfg_.source) {
    log_.log(LogSource::Dhcpsrv, Severity::Debug, kDbgTraceBasic, "DHCP4_CB_UNCHANGED",
             "the configuration backend changed, but not this server's configuration");
    return;
  }
  if (auto r = applyParsed(std::move(merged.config)); !r) {
    log_.error("DHCP4_CB_PERIODIC_FETCH_UPDATES_FAIL",
               "error on attempt to fetch configuration updates from the configuration backend(s): {}",
               r.error().message);
    return;
  }
  ++cbUpdates_;
  cbSubnets_ = subnets;
  log_.info(LogSource::Dhcpsrv, "DHCPSRV_CFGMGR_CONFIG4_MERGED",
            "Configuration backend data has been merged: {} subnets from the database, {} in force", subnets,
            cfg_.subnets.size());
}

nlohmann::json Server::configBackendStatus() const {
  const auto c = cb_->counters();
  return {{"name", cb_->database().name},
          {"connected", c.connected},
          {"polls", c.polls},
          {"fetches", c.fetches},
          {"updates-applied", cbUpdates_},
          {"failures", c.failures},
          {"polling-stopped", c.exhausted},
          {"bad-rows", cbBadRows_},
          {"subnets", cbSubnets_},
          {"last-fetch-us", c.lastFetchMicros},
          {"last-error", c.lastError}};
}

}  // namespace tandem::daemon
