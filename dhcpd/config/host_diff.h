#pragma once
// The difference between two reads of a hosts database (pure): what the background refresh
// (dhcpd/daemon/host_source.h) hands to the server, which applies only that to the
// engine's reservation index, so an unchanged table costs the packet path nothing.
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "dhcpd/config/host_row.h"

namespace tandem::config {

// A database's hosts by hostKeyOf (subnet, identifier type, identifier).
using HostMap = std::unordered_map<std::string, HostRow>;

struct HostDiff {
  std::vector<HostRow> upserts;      // new hosts and hosts whose content changed
  std::vector<std::string> removed;  // keys of hosts gone
  bool empty() const noexcept { return upserts.empty() && removed.empty(); }
};

// Rows into a map. Kea's unique index (dhcp_identifier, type, dhcp4_subnet_id) makes keys
// unique; should a table lack it, the first row (lowest host_id) wins, as Kea's get4 returns
// the first, and the others' host_ids go to *duplicates.
HostMap hostMapOf(std::vector<HostRow> rows, std::vector<std::int64_t>* duplicates = nullptr);

// What turns `before` into `after` (content compared with HostRow::sameContent).
HostDiff diffHosts(const HostMap& before, const HostMap& after);

// Applies d to m.
void applyHostDiff(HostMap& m, const HostDiff& d);

// The hosts of several databases (hosts-databases, in Kea's order) merged as Kea 2.2's HostMgr
// asks them: for one key the first database holding it wins. Feed each database's diffs;
// each call returns the keys whose effective host changed and the host now in force
// (nullptr: none), pointing into this object until the next call.
class HostSources {
 public:
  explicit HostSources(std::size_t count = 0) : maps_(count) {}
  struct Change {
    std::string key;
    const HostRow* row = nullptr;  // nullptr: the host is gone
    std::size_t source = 0;        // the database it comes from (when row)
  };
  std::vector<Change> apply(std::size_t source, const HostDiff& d);
  // The effective host for a key (nullptr: none).
  const HostRow* find(const std::string& key, std::size_t* source = nullptr) const;
  const std::vector<HostMap>& maps() const noexcept { return maps_; }
  std::size_t size() const noexcept;  // effective hosts

 private:
  std::vector<HostMap> maps_;
};

}  // namespace tandem::config
