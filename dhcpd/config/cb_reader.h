#pragma once
// What a configuration backend's database adapter offers (dhcpd/pgsql/pgsql_cb_reader.h,
// dhcpd/mysql/mysql_cb_reader.h): the CB tables as rows, and a cheap stamp of Kea's audit
// trail that changes whenever a CB table changes. Blocking calls, made on the start-up/reload
// thread or on the poller's own thread (dhcpd/daemon/cb_poller.h), never on the packet path.
#include <string>

#include "dhcpd/common/result.h"
#include "dhcpd/config/cb_merge.h"
#include "dhcpd/config/dhcp4_config.h"

namespace tandem::config {

class CbReader {
 public:
  virtual ~CbReader() = default;
  virtual const LeaseDatabase& database() const noexcept = 0;
  // "max-id/count" of dhcp4_audit (Kea's triggers add entries for every change).
  virtual Result<std::string> auditStamp() = 0;
  // Every table in one consistent read; *stamp gets the audit stamp of that view.
  virtual Result<CbSnapshot> readTables(std::string* stamp) = 0;
  // Reconnects when the connection was lost; false (with *error) when it cannot.
  virtual bool ensureConnected(std::string* error) = 0;
  virtual bool connected() const = 0;
};

}  // namespace tandem::config
