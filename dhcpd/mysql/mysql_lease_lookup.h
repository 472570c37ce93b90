#pragma once
// The client lease lookup on MySQL/MariaDB (ClientLeaseLookup, dhcpd/lease/sql_lease_lookup.h):
// Kea's GET_LEASE4_HWADDR_SUBID and GET_LEASE4_CLIENTID_SUBID for every waiting lookup in one
// SELECT (one round trip per batch; the text protocol has no pipeline), on a connection of
// its own. The rows are handed back to the lookups they match.
#include <memory>

#include "dhcpd/config/dhcp4_config.h"
#include "dhcpd/lease/sql_lease_lookup.h"
#include "dhcpd/mysql/my_connection.h"

namespace tandem::mysql {

class MysqlLeaseLookup final : public SqlLeaseLookup {
 public:
  struct Options {
    config::LeaseDatabase db;
    std::size_t maxBatch = 256;
    std::size_t capacity = 2048;
    std::chrono::microseconds gather{1000};  // SqlLeaseLookup::Policy::gather
  };
  // `conn`: connected, schema checked. Starts the thread.
  static std::unique_ptr<MysqlLeaseLookup> open(Options options, std::unique_ptr<MyConnection> conn);
  ~MysqlLeaseLookup() override;

 private:
  explicit MysqlLeaseLookup(Options options);
  bool connected() const noexcept override { return conn_ != nullptr; }
  Result<void> reconnect() override;
  void disconnect() override { conn_.reset(); }
  Result<void> lookupBatch(const std::vector<const ClientLeaseQuery*>& batch,
                           std::vector<std::vector<Lease>>& rows) override;

  Options options_;
  std::unique_ptr<MyConnection> conn_;  // lookup thread only (after open)
};

}  // namespace tandem::mysql
