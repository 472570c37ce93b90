#pragma once
// The client lease lookup on PostgreSQL (ClientLeaseLookup, dhcpd/lease/sql_lease_lookup.h):
// Kea's GET_LEASE4_HWADDR_SUBID and GET_LEASE4_CLIENTID_SUBID for every waiting lookup in one
// prepared statement (arrays of identifiers: one round trip, one execution per batch), on a
// connection of its own (the journal's writer keeps its own).
#include <memory>

#include "dhcpd/config/dhcp4_config.h"
#include "dhcpd/lease/sql_lease_lookup.h"
#include "dhcpd/pgsql/pg_connection.h"

namespace tandem::pgsql {

class PgsqlLeaseLookup final : public SqlLeaseLookup {
 public:
  struct Options {
    config::LeaseDatabase db;
    std::size_t maxBatch = 256;
    std::size_t capacity = 2048;
    std::chrono::microseconds gather{1000};  // SqlLeaseLookup::Policy::gather
  };
  // Prepares the statement on `conn` (connected, schema checked) and starts the thread.
  static Result<std::unique_ptr<PgsqlLeaseLookup>> open(Options options, std::unique_ptr<PgConnection> conn);
  ~PgsqlLeaseLookup() override;

 private:
  explicit PgsqlLeaseLookup(Options options);
  static Result<void> prepare(PgConnection& conn);
  bool connected() const noexcept override { return conn_ != nullptr; }
  Result<void> reconnect() override;
  void disconnect() override { conn_.reset(); }
  Result<void> lookupBatch(const std::vector<const ClientLeaseQuery*>& batch,
                           std::vector<std::vector<Lease>>& rows) override;

  Options options_;
  std::unique_ptr<PgConnection> conn_;  // lookup thread only (after open)
};

}  // namespace tandem::pgsql
