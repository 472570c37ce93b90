#include "dhcpd/pgsql/pgsql_cb_reader.h"

#include <fmt/format.h>

#include "dhcpd/lease/pgsql_lease_row.h"

namespace tandem::pgsql {
namespace {

// The columns of Kea 2.2's schema 13.0 that carry configuration (see README "Configuration
// backend"); modification_ts and the *_server association timestamps are not read. A row of
// an object associated with several servers repeats once per server tag.
constexpr const char* kNetworkColumns =
    "boot_file_name, client_class, interface, match_client_id, host(next_server) AS next_server, rebind_timer, "
    "relay, renew_timer, require_client_classes, server_hostname, user_context, valid_lifetime, authoritative, "
    "calculate_tee_times, t1_percent, t2_percent, min_valid_lifetime, max_valid_lifetime, ddns_send_updates, "
    "ddns_override_no_update, ddns_override_client_update, ddns_replace_client_name, ddns_generated_prefix, "
    "ddns_qualifying_suffix, reservations_global, reservations_in_subnet, reservations_out_of_pool, "
    "cache_threshold, cache_max_age";

std::string globalsQuery() {
  return "SELECT g.id, g.name, g.value, g.parameter_type, s.tag AS server_tag FROM dhcp4_global_parameter g "
         "JOIN dhcp4_global_parameter_server a ON a.parameter_id = g.id JOIN dhcp4_server s ON s.id = a.server_id "
         "ORDER BY g.id, s.id";
}
std::string optionDefsQuery() {
  return "SELECT d.id, d.code, d.name, d.space, d.type, d.is_array, d.encapsulate, d.record_types, d.class_id, "
         "s.tag AS server_tag FROM dhcp4_option_def d LEFT JOIN dhcp4_option_def_server a ON a.option_def_id = d.id "
         "LEFT JOIN dhcp4_server s ON s.id = a.server_id ORDER BY d.id, s.id";
}
std::string optionsQuery() {
  // Scope 3 (host) belongs to the hosts backend; 6 (pd-pool) is DHCPv6's.
  return "SELECT o.option_id, o.code, o.value, o.formatted_value, o.space, o.persistent, o.scope_id, "
         "o.dhcp4_subnet_id, o.shared_network_name, o.pool_id, o.dhcp_client_class, s.tag AS server_tag "
         "FROM dhcp4_options o LEFT JOIN dhcp4_options_server a ON a.option_id = o.option_id "
         "LEFT JOIN dhcp4_server s ON s.id = a.server_id WHERE o.scope_id IN (0, 1, 2, 4, 5) "
         "ORDER BY o.option_id, s.id";
}
std::string networksQuery() {
  return fmt::format(
      "SELECT n.id, n.name, {}, s.tag AS server_tag FROM dhcp4_shared_network n "
      "JOIN dhcp4_shared_network_server a ON a.shared_network_id = n.id "
      "JOIN dhcp4_server s ON s.id = a.server_id ORDER BY n.id, s.id",
      kNetworkColumns);
}
std::string subnetsQuery() {
  return fmt::format(
      "SELECT n.subnet_id, n.subnet_prefix, n.interface_4o6, n.interface_id_4o6, n.subnet_4o6, "
      "n.shared_network_name, {}, s.tag AS server_tag FROM dhcp4_subnet n "
      "JOIN dhcp4_subnet_server a ON a.subnet_id = n.subnet_id "
      "JOIN dhcp4_server s ON s.id = a.server_id ORDER BY n.subnet_id, s.id",
      kNetworkColumns);
}
std::string poolsQuery() {
  return "SELECT id, host(start_address) AS start_address, host(end_address) AS end_address, subnet_id, "
         "client_class, require_client_classes, user_context FROM dhcp4_pool ORDER BY id";
}
std::string classesQuery() {
  return "SELECT c.id, c.name, c.test, host(c.next_server) AS next_server, c.server_hostname, c.boot_file_name, "
         "c.only_if_required, c.valid_lifetime, c.min_valid_lifetime, c.max_valid_lifetime, c.user_context, "
         "o.order_index, s.tag AS server_tag FROM dhcp4_client_class c "
         "LEFT JOIN dhcp4_client_class_order o ON o.class_id = c.id "
         "JOIN dhcp4_client_class_server a ON a.class_id = c.id JOIN dhcp4_server s ON s.id = a.server_id "
         "ORDER BY o.order_index, c.id, s.id";
}

Result<std::vector<config::CbRow>> rowsOf(PgConnection& conn, const std::string& sql, const char* table) {
  auto res = conn.exec(sql);
  if (!res) return makeError(fmt::format("reading {}: {}", table, res.error().message));
  const PGresult* r = res->get();
  const int n = PQntuples(r), cols = PQnfields(r);
  std::vector<config::CbRow> out;
  out.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    config::CbRow row;
    for (int c = 0; c < cols; ++c) {
      if (PQgetisnull(r, i, c)) row[PQfname(r, c)] = std::nullopt;
      else row[PQfname(r, c)] = std::string(PQgetvalue(r, i, c), static_cast<std::size_t>(PQgetlength(r, i, c)));
    }
    out.push_back(std::move(row));
  }
  return out;
}

}  // namespace

Result<std::unique_ptr<PgsqlCbReader>> PgsqlCbReader::open(const config::LeaseDatabase& db) {
  auto conn = PgConnection::open(db);
  if (!conn) return makeError("Unable to open database: " + conn.error().message);
  if (auto r = (*conn)->checkSchemaVersion(kPgsqlSchemaMajor, kPgsqlSchemaMinor); !r) {
    return makeError("Unable to open database: " + r.error().message);
  }
  return std::unique_ptr<PgsqlCbReader>(new PgsqlCbReader(db, std::move(*conn)));
}

Result<std::string> PgsqlCbReader::auditStamp() {
  auto res = conn_->exec("SELECT coalesce(max(id), 0), count(*) FROM dhcp4_audit");
  if (!res) return makeError("reading dhcp4_audit: " + res.error().message);
  return fmt::format("{}/{}", PQgetvalue(res->get(), 0, 0), PQgetvalue(res->get(), 0, 1));
}

Result<config::CbSnapshot> PgsqlCbReader::readTables(std::string* stamp) {
  PgConnection& conn = *conn_;
  // One consistent view of all tables (a writer's transaction is seen whole or not at all).
  if (auto r = conn.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"); !r) return r.error();
  auto body = [&]() -> Result<config::CbSnapshot> {
    config::CbSnapshot s;
    auto st = auditStamp();
    if (!st) return st.error();
    if (stamp) *stamp = *st;
    struct Part {
      std::vector<config::CbRow>* out;
      std::string sql;
      const char* table;
    } parts[] = {{&s.globals, globalsQuery(), "dhcp4_global_parameter"},
                 {&s.optionDefs, optionDefsQuery(), "dhcp4_option_def"},
                 {&s.options, optionsQuery(), "dhcp4_options"},
                 {&s.sharedNetworks, networksQuery(), "dhcp4_shared_network"},
                 {&s.subnets, subnetsQuery(), "dhcp4_subnet"},
                 {&s.pools, poolsQuery(), "dhcp4_pool"},
                 {&s.clientClasses, classesQuery(), "dhcp4_client_class"}};
    for (auto& p : parts) {
      auto rows = rowsOf(conn, p.sql, p.table);
      if (!rows) return rows.error();
      *p.out = std::move(*rows);
    }
    return s;
  };
  auto s = body();
  (void)conn.exec(s ? "COMMIT" : "ROLLBACK");
  return s;
}

bool PgsqlCbReader::ensureConnected(std::string* error) {
  if (conn_->ok()) return true;
  PQreset(conn_->raw());
  if (conn_->ok()) return true;
  if (error) *error = "connection lost: " + conn_->lastMessage();
  return false;
}

}  // namespace tandem::pgsql
