// Server: host reservations of hosts-database / hosts-databases (Kea 2.2's PostgreSQL or
// MySQL hosts schema; dhcpd/daemon/host_source.h). Every host is read at start-up and at each reload into the engine's reservation
// index, beside the configuration file's (which win on the same identifier in the same
// subnet, as Kea's HostMgr asks the configuration first). A refresh thread per database
// re-reads it every kHostsRefreshPeriod and posts the difference here, applied under the
// packet path's lock; reservation-add/-del write through the same thread.
#include <algorithm>

#include <boost/asio/post.hpp>
#include <fmt/format.h>

#include "dhcpd/config/hosts_database.h"
#include "dhcpd/daemon/server.h"

namespace tandem::daemon {

namespace asio = boost::asio;

Result<Server::HostsPlan> Server::openHostsDatabases(const config::Dhcp4Config& cfg) {
  HostsPlan plan;
  for (const auto& db : config::hostsDatabasesOf(cfg)) {
    // Kea's DHCPSRV_PGSQL_HOST_DB / DHCPSRV_MYSQL_HOST_DB (the password is never logged).
    const bool my = db.access.type == "mysql";
    log_.info(LogSource::Hosts, my ? "DHCPSRV_MYSQL_HOST_DB" : "DHCPSRV_PGSQL_HOST_DB",
              "Connecting to {} hosts database: {} connect-timeout={} readonly={} type={} universe=4",
              my ? "MySQL" : "PostgreSQL",
              my ? mysql::describeConnection(db.access) : pgsql::describeConnection(db.access),
              db.access.connectTimeout, db.readonly ? "true" : "false", db.access.type);
    // As at Kea 2.2's start-up: an unreachable database or an unknown schema is fatal.
    auto source = HostSource::open(db);
    if (!source) return makeError("hosts-database " + db.access.name + ": " + source.error().message);
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<std::int64_t> duplicates;
    auto map = (*source)->loadAll(&duplicates);
    if (!map) return makeError("hosts-database " + db.access.name + ": " + map.error().message);
    for (auto id : duplicates) {
      log_.warn(LogSource::Hosts, "DHCP4_HOSTS_DB_DUPLICATE",
                "hosts database {}: host_id {} repeats the identifier of an earlier host in its subnet; ignored",
                db.access.name, id);
    }
    log_.info(LogSource::Hosts, "DHCP4_HOSTS_LOADED", "{} hosts read from {} hosts database {} in {} ms", map->size(),
              (*source)->product(), db.access.name,
              std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count());
    plan.sources.push_back(std::move(*source));
    plan.maps.push_back(std::move(*map));
  }
  return plan;
}

void Server::stopHostSources() {
  for (auto& s : hostSources_) s->stop();
  hostSources_.clear();
  ++hostsGeneration_;
}

void Server::installHosts(HostsPlan plan) {
  stopHostSources();
  engine_->clearDatabaseHosts();
  hostRows_ = config::HostSources(plan.sources.size());
  const auto t0 = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < plan.maps.size(); ++i) {
    config::HostDiff all;
    all.upserts.reserve(plan.maps[i].size());
    for (auto& [key, row] : plan.maps[i]) all.upserts.push_back(std::move(row));
    applyHostChanges(hostRows_.apply(i, all));
  }
  if (!plan.sources.empty()) {
    log_.info(LogSource::Hosts, "DHCP4_HOSTS_INSTALLED", "{} hosts from {} hosts database(s) in force ({} ms)",
              engine_->databaseHostCount(), plan.sources.size(),
              std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count());
  }
  hostSources_ = std::move(plan.sources);
  const std::uint64_t generation = hostsGeneration_;
  // The refresh threads resolve changed rows against a copy of this configuration, so the io
  // thread only indexes them (a bulk INSERT of many hosts costs the lock little).
  auto snapshot = std::make_shared<const config::Dhcp4Config>(cfg_);
  for (std::size_t i = 0; i < hostSources_.size(); ++i) {
    hostSources_[i]->start(kHostsRefreshPeriod,
                           [this, generation, i, snapshot, alive = std::weak_ptr<bool>(alive_)](config::HostDiff diff) {
                             for (auto& row : diff.upserts) {
                               auto r = config::reservationOf(row, *snapshot);
                               if (r) row.resolved = std::make_shared<const config::Reservation>(std::move(*r));
                               else row.resolveError = r.error().message;
                             }
                             // The source's thread: the change is applied on the io thread, where commands and (with
                             // packet workers, under stateMutex_) packets read the engine.
                             asio::post(io_, [this, generation, i, alive, diff = std::move(diff)]() mutable {
                               if (alive.expired()) return;
                               onHostDiff(generation, i, std::move(diff));
                             });
                           });
  }
}

void Server::onHostDiff(std::uint64_t generation, std::size_t source, config::HostDiff diff) {
  if (generation != hostsGeneration_) return;  // a source replaced by a reload since
  auto state = lockState();
  const auto t0 = std::chrono::steady_clock::now();
  const std::size_t upserts = diff.upserts.size(), removed = diff.removed.size();
  applyHostChanges(hostRows_.apply(source, diff));
  log_.info(LogSource::Hosts, "DHCP4_HOSTS_REFRESHED",
            "hosts database {}: {} hosts added or changed, {} removed ({} us under the lock); {} hosts in force",
            hostSources_[source]->database().access.name, upserts, removed,
            std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0).count(),
            engine_->databaseHostCount());
}

void Server::applyHostChanges(const std::vector<config::HostSources::Change>& changes) {
  for (const auto& c : changes) {
    if (!c.row) {
      engine_->removeDatabaseHost(c.key);
      continue;
    }
    std::shared_ptr<const config::Reservation> res = c.row->resolved;
    std::string error = c.row->resolveError;
    if (!res && error.empty()) {
      auto r = config::reservationOf(*c.row, cfg_);
      if (r) res = std::make_shared<const config::Reservation>(std::move(*r));
      else error = r.error().message;
    }
    if (!res) {
      engine_->removeDatabaseHost(c.key);
      log_.limited(LogSource::Hosts, Severity::Warn, "DHCP4_HOSTS_DB_BAD_ROW", "host not served: {}", error);
      continue;
    }
    engine_->putDatabaseHost(c.key, c.row->subnetId, std::move(res));
  }
}

std::vector<const config::HostRow*> Server::hosts() const {
  std::vector<const config::HostRow*> out;
  const auto& maps = hostRows_.maps();
  for (std::size_t i = 0; i < maps.size(); ++i) {
    std::vector<const config::HostRow*> mine;
    for (const auto& [key, row] : maps[i]) {
      std::size_t from = 0;
      if (hostRows_.find(key, &from) == &row) mine.push_back(&row);
    }
    std::sort(mine.begin(), mine.end(), [](auto* a, auto* b) { return a->hostId < b->hostId; });
    out.insert(out.end(), mine.begin(), mine.end());
  }
  return out;
}

bool Server::writable() const {
  return std::any_of(hostSources_.begin(), hostSources_.end(), [](const auto& s) { return !s->database().readonly; });
}

void Server::addHost(config::HostRow row, std::function<void(Result<void>)> done) {
  // Kea 2.2's HostMgr::add writes to every database and fails on a readonly one; tandemd
  // writes to the first writable one (with one database, the same), and with none answers
  // the readonly error of Kea's backend (PostgreSQL or MySQL).
  HostSource* target = nullptr;
  for (auto& s : hostSources_) {
    if (!s->database().readonly) {
      target = s.get();
      break;
    }
  }
  if (!target) target = hostSources_.front().get();  // answers Kea's readonly error
  target->addHost(std::move(row), [this, done = std::move(done), alive = std::weak_ptr<bool>(alive_)](Result<void> r) {
    asio::post(io_, [this, done, alive, r = std::move(r)] {
      if (alive.expired()) return;
      auto state = lockState();
      done(r);
    });
  });
}

void Server::delHost(HostSelector sel, std::function<void(Result<bool>)> done) {
  config::HostRowSelector s{sel.subnetId, std::nullopt, sel.identifierType, sel.identifier};
  if (sel.address) s.address = sel.address->value;
  // Kea 2.2's HostMgr::del: the databases in order, until one deleted the host. Here the
  // database the host is in force from (or the first writable one).
  HostSource* target = nullptr;
  for (const config::HostRow* h : hosts()) {
    const bool match = h->subnetId == sel.subnetId &&
                       (sel.address ? h->ipv4Address == sel.address->value
                                    : (h->identifierType == sel.identifierType && h->identifier == sel.identifier));
    if (!match) continue;
    std::size_t from = 0;
    if (hostRows_.find(config::hostKeyOf(*h), &from)) target = hostSources_[from].get();
    break;
  }
  if (!target) {
    for (auto& src : hostSources_) {
      if (!src->database().readonly) {
        target = src.get();
        break;
      }
    }
  }
  if (!target) target = hostSources_.front().get();
  target->delHost(std::move(s), [this, done = std::move(done), alive = std::weak_ptr<bool>(alive_)](Result<bool> r) {
    asio::post(io_, [this, done, alive, r = std::move(r)] {
      if (alive.expired()) return;
      auto state = lockState();
      done(r);
    });
  });
}

nlohmann::json Server::hostsStatus() const {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& s : hostSources_) {
    const auto c = s->counters();
    list.push_back({{"name", s->database().access.name},
                    {"type", s->database().access.type},
                    {"readonly", s->database().readonly},
                    {"connected", c.connected},
                    {"hosts", c.hosts},
                    {"refresh-period-ms", kHostsRefreshPeriod.count()},
                    {"refreshes", c.refreshes},
                    {"refresh-failures", c.refreshFailures},
                    {"last-refresh-us", c.lastRefreshMicros},
                    {"changes-applied", c.changesApplied},
                    {"last-error", c.lastError}});
  }
  return list;
}

}  // namespace tandem::daemon
