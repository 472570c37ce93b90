#pragma once
// What command handlers may do to the running server. The daemon (dhcpd/main.cpp wiring)
// implements it; handler unit tests use a fake. Keeps handlers free of sockets and globals.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include <nlohmann/json.hpp>

#include "dhcpd/common/steady_time.h"
#include "dhcpd/common/result.h"
#include "dhcpd/common/stats.h"
#include "dhcpd/api/hosts_backend.h"
#include "dhcpd/api/operation_progress.h"
#include "dhcpd/config/dhcp4_config.h"
#include "dhcpd/lease/lease.h"
#include "dhcpd/lease/lease_store.h"

namespace tandem::api {

class ServerControl {
 public:
  virtual ~ServerControl() = default;

  virtual TimePoint now() const = 0;
  // For deadlines and elapsed times (HA timers, failure detection): immune to wall-clock steps.
  virtual SteadyTime steadyNow() const = 0;
  virtual StatsRegistry& stats() = 0;

  // Configuration.
  virtual const config::Dhcp4Config& config() const = 0;
  virtual std::string configFile() const = 0;
  // Validates and applies a whole {"Dhcp4": ...} document without dropping leases; on error
  // the running configuration is untouched.
  virtual Result<void> applyConfig(const nlohmann::json& doc) = 0;
  // config-test: validates a whole {"Dhcp4": ...} document without applying anything.
  // The default parses it with paths relative to the config file's directory; the daemon
  // may override it to use exactly the ParseContext it uses for applyConfig().
  virtual Result<void> testConfig(const nlohmann::json& doc) const {
    config::ParseContext ctx;
    const std::string file = configFile();
    const auto slash = file.rfind('/');
    ctx.baseDir = slash == std::string::npos ? std::string(".") : file.substr(0, slash == 0 ? 1 : slash);
    auto parsed = config::parseDhcp4Config(doc, ctx);
    if (!parsed) return parsed.error();
    return {};
  }
  virtual Result<void> reloadConfig() = 0;  // re-read configFile()
  virtual TimePoint reloadTime() const = 0;
  virtual TimePoint startTime() const = 0;

  // Leases: reads go to the store; writes are journaled (on disk before they return OK
  // when persistence is on) and, once HA lands, replicated unless origin is Partner.
  virtual const LeaseStore& leases() const = 0;
  virtual Result<void> putLease(const Lease& lease, Origin origin) = 0;
  virtual Result<void> deleteLease(Ipv4 address, Origin origin) = 0;
  // lease4-del found no lease at `address`. The HA layer still notes it: a bulk sync in flight
  // may deliver an older copy of that lease afterwards. Default: nothing.
  virtual void leaseDeleteMissed(Ipv4 /*address*/, Origin /*origin*/) {}
  // Bulk lease synchronisation: stores every lease as putLease() would, but waits for the
  // journal once at the end instead of once per lease. Stops at the first error. The default
  // stores them one by one.
  virtual Result<void> putLeases(std::span<const Lease> leases, Origin origin) {
    for (const Lease& l : leases) {
      if (auto r = putLease(l, origin); !r) return r;
    }
    return {};
  }
  // A lease synchronisation's page: stored as putLeases() stores it, but without waiting for
  // the journal (its thread writes while the pull goes on); whenLeasesDurable() then tells
  // once everything stored so far is durable. Defaults: putLeases(), and at once.
  virtual Result<void> storeLeases(std::span<const Lease> leases, Origin origin) { return putLeases(leases, origin); }
  virtual void whenLeasesDurable(std::function<void(Result<void>)> done) { done({}); }
  // A lease synchronisation is about to store about `leases` leases: the store may size its
  // indexes once now instead of growing them as they come. Default: nothing.
  virtual void expectLeases(std::size_t /*leases*/) {}
  virtual std::size_t wipeLeases(std::optional<std::uint32_t> subnetId, Origin origin) = 0;
  // Deletes the leases at `addresses` that are (still) in subnet `subnetId` (any subnet when
  // unset), as wipeLeases() does: one wait for the journal at the end, the operator's
  // deletions replicated to HA peers. Returns how many it deleted. The default deletes them
  // one by one.
  virtual std::size_t deleteLeases(std::span<const Ipv4> addresses, std::optional<std::uint32_t> subnetId,
                                   Origin origin) {
    std::size_t n = 0;
    for (Ipv4 a : addresses) {
      auto l = leases().byAddress(a);
      if (!l || (subnetId && l->subnetId != *subnetId)) continue;
      if (deleteLease(a, origin)) ++n;
    }
    return n;
  }
  // A long command (lease4-wipe, a big reservation-get-all) done in slices: `step` is called
  // until it returns true, and records its progress in `progress`. The daemon serves DHCP and
  // other commands between slices, shows the progress in status-get ("operations") and logs
  // it every 2 s, then a closing line. The default runs every slice at once.
  using OperationStep = std::function<bool(OperationProgress& progress)>;
  virtual void runOperation(std::shared_ptr<OperationProgress> progress, OperationStep step) {
    while (!step(*progress)) {
    }
  }
  virtual Result<void> writeLeaseFile(const std::string& path) = 0;  // lease4-write
  virtual std::size_t reclaimLeases(bool removeLeases) = 0;          // leases-reclaim

  // DNS updates asked for by lease commands (lease4-resend-ddns, lease4-del with
  // update-ddns), as Kea's lease_cmds queueNCR: false when dhcp-ddns enable-updates is off.
  virtual bool ddnsEnabled() const { return false; }
  // Queues a NameChangeRequest adding (add) or removing the lease's name; nothing when the
  // lease has no hostname or neither direction. Never waits for kea-dhcp-ddns.
  virtual void sendNameChange(bool /*add*/, const Lease& /*lease*/) {}

  // DHCP service switch (dhcp-disable / dhcp-enable with origin and max-period).
  virtual void disableDhcp(const std::string& origin, std::optional<std::uint32_t> maxPeriodSeconds) = 0;
  virtual void enableDhcp(const std::string& origin) = 0;
  virtual bool dhcpEnabled() const = 0;

  virtual void shutdown(int exitCode) = 0;

  // The hosts databases (hosts-database(s)); nullptr when none is configured.
  virtual HostsBackend* hostsBackend() { return nullptr; }
  // Extra sections for status-get (HA adds "high-availability").
  virtual nlohmann::json statusExtras() const = 0;
};

}  // namespace tandem::api
