#pragma once
// The hosts databases (hosts-database / hosts-databases) as the reservation commands see
// them: the hosts as last read (the in-memory view the engine serves from), and writes that
// answer once the database committed them. The daemon implements it over
// dhcpd/daemon/host_source.h (PostgreSQL or MySQL); handler tests use a fake.
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "dhcpd/common/ipv4.h"
#include "dhcpd/common/result.h"
#include "dhcpd/config/host_row.h"

namespace tandem::api {

class HostsBackend {
 public:
  virtual ~HostsBackend() = default;
  // Every host in force from the databases (the first database wins for a key), in database
  // then host_id order.
  virtual std::vector<const config::HostRow*> hosts() const = 0;
  // Whether a write can go anywhere (a database without "readonly": true).
  virtual bool writable() const = 0;
  // "PostgreSQL" or "MySQL": the first database's backend, which Kea 2.2's HostMgr::add asks
  // first and whose read-only refusal names it.
  virtual const char* product() const = 0;
  // Kea 2.2's HostMgr::add: inserts row (one transaction, its options included) into the first
  // writable database. done runs on the server's thread after the commit, the host already
  // in force; an error carries the database's message.
  virtual void addHost(config::HostRow row, std::function<void(Result<void>)> done) = 0;
  // Kea 2.2's HostMgr::del / del4: deletes the host of subnetId with that address, or with
  // that identifier, from the writable databases; done(true) when a row was deleted.
  struct HostSelector {
    std::uint32_t subnetId = 0;
    std::optional<Ipv4> address;
    std::uint8_t identifierType = 0;
    std::vector<std::uint8_t> identifier;
  };
  virtual void delHost(HostSelector selector, std::function<void(Result<bool>)> done) = 0;
};

}  // namespace tandem::api
