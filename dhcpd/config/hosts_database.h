#pragma once
// Kea's "hosts-database" (one map) and "hosts-databases" (a list): host reservations kept in
// a database beside the configuration file's (Kea 2.2's HostMgr "alternate sources"):
// PostgreSQL or MySQL on Kea 2.2's schema (dhcpd/daemon/host_source.h). Read from the parsed document, as multi_threading.h is, so that dhcp4_config.h (which
// nearly every file includes) stays as it was; parseDhcp4Config has already checked the keys.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "dhcpd/config/dhcp4_config.h"

namespace tandem::config {

struct HostsDatabase {
  // The connection keys are the lease database's (Kea's DbAccessParser for both): type, name,
  // host, port, user, password, connect-timeout, max-reconnect-tries, reconnect-wait-time, on-fail.
  LeaseDatabase access;
  bool readonly = false;  // Kea's "readonly": reads only; reservation-add/-del are refused
  bool operator==(const HostsDatabase& o) const {
    return access.type == o.access.type && access.name == o.access.name && access.host == o.access.host &&
           access.port == o.access.port && access.user == o.access.user && access.password == o.access.password &&
           access.connectTimeout == o.access.connectTimeout && access.trustAnchor == o.access.trustAnchor &&
           access.certFile == o.access.certFile && access.keyFile == o.access.keyFile &&
           access.cipherList == o.access.cipherList && readonly == o.readonly;
  }
};

// The hosts databases of a parsed configuration, in Kea's order (the order HostMgr asks them).
std::vector<HostsDatabase> hostsDatabasesOf(const Dhcp4Config& cfg);

}  // namespace tandem::config
