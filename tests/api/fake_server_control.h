#pragma once
// In-memory ServerControl for command handler tests: the engine tests' map-based lease store
// (tests/engine/fake_lease_store.h), a config that the test builds directly, and recorded
// calls for the daemon-side effects.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "dhcpd/api/server_control.h"
#include "tests/engine/fake_lease_store.h"

namespace tandem::api::testing {

class FakeServerControl : public ServerControl {
 public:
  FakeClock clock;
  StatsRegistry statsRegistry;
  config::Dhcp4Config cfg;
  tandem::test::FakeLeaseStore store;
  std::string file = "/etc/tandem/tandem.conf";

  // Recorded effects.
  std::vector<std::pair<Lease, Origin>> puts;
  std::vector<std::pair<Ipv4, Origin>> deletes;
  bool ddns = false;
  std::vector<std::pair<bool, Lease>> nameChanges;  // (add, lease) asked for by commands
  std::vector<nlohmann::json> applied;
  std::optional<Error> applyError, reloadError, testError, writeLeaseError, putError;
  std::optional<std::pair<std::string, std::optional<std::uint32_t>>> lastDisable;
  std::optional<std::string> lastEnable;
  std::optional<int> shutdownCode;
  std::optional<bool> reclaimRemove;
  std::string leaseFileWritten;
  bool enabled = true;
  int reloads = 0;
  nlohmann::json extras = nlohmann::json::object();
  TimePoint started = clock.now();
  TimePoint reloaded = clock.now();

  HostsBackend* hostsDb = nullptr;  // hosts-database(s): none unless a test sets one
  HostsBackend* hostsBackend() override { return hostsDb; }

  TimePoint now() const override { return clock.now(); }
  // Steady time moves with the fake wall clock, except by the wall-clock steps of stepWall().
  SteadyTime steadyNow() const override { return fakeSteady(clock) - wallSteps; }
  void stepWall(Clock::duration d) {
    clock.advance(d);
    wallSteps += d;
  }
  Clock::duration wallSteps{};
  StatsRegistry& stats() override { return statsRegistry; }
  const config::Dhcp4Config& config() const override { return cfg; }
  std::string configFile() const override { return file; }
  // Keeps the typed subnets the test built and takes the document as the new source, which
  // is all the handlers read back.
  Result<void> applyConfig(const nlohmann::json& doc) override {
    if (applyError) return *applyError;
    applied.push_back(doc);
    cfg.source = doc;
    reloaded = clock.now();
    return {};
  }
  Result<void> testConfig(const nlohmann::json&) const override {
    if (testError) return *testError;
    return {};
  }
  Result<void> reloadConfig() override {
    if (reloadError) return *reloadError;
    ++reloads;
    reloaded = clock.now();
    return {};
  }
  TimePoint reloadTime() const override { return reloaded; }
  TimePoint startTime() const override { return started; }
  const LeaseStore& leases() const override { return store; }
  Result<void> putLease(const Lease& lease, Origin origin) override {
    if (putError) return *putError;
    puts.emplace_back(lease, origin);
    return store.put(lease);
  }
  Result<void> deleteLease(Ipv4 address, Origin origin) override {
    deletes.emplace_back(address, origin);
    return store.erase(address);
  }
  std::size_t wipeLeases(std::optional<std::uint32_t> subnetId, Origin) override {
    std::vector<Ipv4> victims;
    store.forEach([&](const Lease& l) {
      if (!subnetId || l.subnetId == *subnetId) victims.push_back(l.address);
    });
    for (auto a : victims) (void)store.erase(a);
    return victims.size();
  }
  Result<void> writeLeaseFile(const std::string& path) override {
    if (writeLeaseError) return *writeLeaseError;
    leaseFileWritten = path;
    return {};
  }
  std::size_t reclaimLeases(bool removeLeases) override {
    reclaimRemove = removeLeases;
    return 0;
  }
  void disableDhcp(const std::string& origin, std::optional<std::uint32_t> maxPeriodSeconds) override {
    lastDisable = {origin, maxPeriodSeconds};
    enabled = false;
  }
  void enableDhcp(const std::string& origin) override {
    lastEnable = origin;
    enabled = true;
  }
  bool dhcpEnabled() const override { return enabled; }
  bool ddnsEnabled() const override { return ddns; }
  void sendNameChange(bool add, const Lease& lease) override { nameChanges.emplace_back(add, lease); }
  void shutdown(int exitCode) override { shutdownCode = exitCode; }
  nlohmann::json statusExtras() const override { return extras; }
  // sliced: long commands wait here for the test to run their slices (stepOperation()), as the
  // daemon runs them between packets; otherwise they run at once (the default).
  bool sliced = false;
  std::shared_ptr<OperationProgress> operation;
  OperationStep operationStep;
  void runOperation(std::shared_ptr<OperationProgress> progress, OperationStep step) override {
    if (!sliced) return ServerControl::runOperation(std::move(progress), std::move(step));
    operation = std::move(progress);
    operationStep = std::move(step);
  }
  // Runs one slice; true when the operation finished.
  bool stepOperation() {
    if (!operationStep) return true;
    if (!operationStep(*operation)) return false;
    operationStep = nullptr;
    return true;
  }
};

// Two subnets as in the Kea probes: 1 = 198.18.16.0/24 (pool .10-.100), 2 = 198.18.17.0/24;
// the typed config and its source document agree.
inline void setUpTwoSubnets(FakeServerControl& c) {
  config::Subnet4 s1;
  s1.id = 1;
  s1.prefix = *Prefix4::parse("198.18.16.0/24");
  config::Pool p1;
  p1.first = Ipv4(198, 18, 16, 10);
  p1.last = Ipv4(198, 18, 16, 100);
  s1.pools.push_back(p1);
  config::Subnet4 s2;
  s2.id = 2;
  s2.prefix = *Prefix4::parse("198.18.17.0/24");
  config::Pool p2;
  p2.first = Ipv4(198, 18, 17, 10);
  p2.last = Ipv4(198, 18, 17, 100);
  s2.pools.push_back(p2);
  s2.validLifetime = 600;
  c.cfg.subnets = {s1, s2};
  c.cfg.validLifetime = 7200;
  c.cfg.source = nlohmann::json::parse(R"({"Dhcp4": {"valid-lifetime": 7200, "subnet4": [
      {"id": 1, "subnet": "198.18.16.0/24", "pools": [{"pool": "198.18.16.10 - 198.18.16.100"}],
       "reservations": [{"hw-address": "aa:bb:cc:dd:ee:01", "ip-address": "198.18.16.5", "hostname": "res1"}]},
      {"id": 2, "subnet": "198.18.17.0/24", "valid-lifetime": 600,
       "pools": [{"pool": "198.18.17.10 - 198.18.17.100"}]}]}})");
}

}  // namespace tandem::api::testing
