#include "dhcpd/mysql/mysql_cb_reader.h"

#include <fmt/format.h>

#include "dhcpd/lease/mysql_lease_row.h"

namespace tandem::mysql {
namespace {

// The same columns as the PostgreSQL reader's (dhcpd/pgsql/pgsql_cb_reader.cpp), Kea 2.2's
// MySQL schema 14.0.
constexpr const char* kNetworkColumns =
    "n.boot_file_name, n.client_class, n.interface, n.match_client_id, INET_NTOA(n.next_server) AS next_server, "
    "n.rebind_timer, n.relay, n.renew_timer, n.require_client_classes, n.server_hostname, n.user_context, "
    "n.valid_lifetime, n.authoritative, n.calculate_tee_times, n.t1_percent, n.t2_percent, n.min_valid_lifetime, "
    "n.max_valid_lifetime, n.ddns_send_updates, n.ddns_override_no_update, n.ddns_override_client_update, "
    "n.ddns_replace_client_name, n.ddns_generated_prefix, n.ddns_qualifying_suffix, n.reservations_global, "
    "n.reservations_in_subnet, n.reservations_out_of_pool, n.cache_threshold, n.cache_max_age";

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
  return "SELECT o.option_id, o.code, CONCAT('\\\\x', LOWER(HEX(o.value))) AS value, o.formatted_value, o.space, "
         "o.persistent, o.scope_id, o.dhcp4_subnet_id, o.shared_network_name, o.pool_id, o.dhcp_client_class, "
         "s.tag AS server_tag FROM dhcp4_options o LEFT JOIN dhcp4_options_server a ON a.option_id = o.option_id "
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
      "SELECT n.subnet_id, n.subnet_prefix, n.`4o6_interface` AS interface_4o6, "
      "n.`4o6_interface_id` AS interface_id_4o6, n.`4o6_subnet` AS subnet_4o6, n.shared_network_name, "
      "{}, s.tag AS server_tag FROM dhcp4_subnet n JOIN dhcp4_subnet_server a ON a.subnet_id = n.subnet_id "
      "JOIN dhcp4_server s ON s.id = a.server_id ORDER BY n.subnet_id, s.id",
      kNetworkColumns);
}
std::string poolsQuery() {
  return "SELECT id, INET_NTOA(start_address) AS start_address, INET_NTOA(end_address) AS end_address, subnet_id, "
         "client_class, require_client_classes, user_context FROM dhcp4_pool ORDER BY id";
}
std::string classesQuery() {
  return "SELECT c.id, c.name, c.test, INET_NTOA(c.next_server) AS next_server, c.server_hostname, c.boot_file_name, "
         "c.only_if_required, c.valid_lifetime, c.min_valid_lifetime, c.max_valid_lifetime, c.user_context, "
         "o.order_index, s.tag AS server_tag FROM dhcp4_client_class c "
         "LEFT JOIN dhcp4_client_class_order o ON o.class_id = c.id "
         "JOIN dhcp4_client_class_server a ON a.class_id = c.id JOIN dhcp4_server s ON s.id = a.server_id "
         "ORDER BY o.order_index, c.id, s.id";
}

}  // namespace

Result<std::unique_ptr<MysqlCbReader>> MysqlCbReader::open(const config::LeaseDatabase& db) {
  auto conn = MyConnection::open(db);
  if (!conn) return makeError("Unable to open database: " + conn.error().message);
  if (auto r = (*conn)->checkSchemaVersion(kMysqlSchemaMajor, kMysqlSchemaMinor); !r) {
    return makeError("Unable to open database: " + r.error().message);
  }
  return std::unique_ptr<MysqlCbReader>(new MysqlCbReader(db, std::move(*conn)));
}

Result<std::vector<config::CbRow>> MysqlCbReader::rows(const std::string& sql, const char* table) {
  auto res = conn_->query(sql);
  if (!res) {
    ok_ = mysql_ping(conn_->raw()) == 0;
    return makeError(fmt::format("reading {}: {}", table, res.error().message));
  }
  MYSQL_RES* r = res->get();
  const unsigned cols = mysql_num_fields(r);
  MYSQL_FIELD* fields = mysql_fetch_fields(r);
  std::vector<config::CbRow> out;
  while (MYSQL_ROW row = mysql_fetch_row(r)) {
    const unsigned long* lengths = mysql_fetch_lengths(r);
    config::CbRow cb;
    for (unsigned c = 0; c < cols; ++c) {
      if (row[c]) cb[fields[c].name] = std::string(row[c], lengths[c]);
      else cb[fields[c].name] = std::nullopt;
    }
    out.push_back(std::move(cb));
  }
  return out;
}

Result<std::string> MysqlCbReader::auditStamp() {
  auto r = rows("SELECT COALESCE(MAX(id), 0) AS id, COUNT(*) AS n FROM dhcp4_audit", "dhcp4_audit");
  if (!r) return r.error();
  if (r->size() != 1) return makeError("reading dhcp4_audit: no row");
  const config::CbRow& row = r->front();
  return fmt::format("{}/{}", row.at("id").value_or(""), row.at("n").value_or(""));
}

Result<config::CbSnapshot> MysqlCbReader::readTables(std::string* stamp) {
  // One consistent view of all tables: the session runs at READ COMMITTED (my_connection.h),
  // this one transaction at REPEATABLE READ with a snapshot taken at its start.
  if (auto e = conn_->execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")) return makeError(e->message);
  if (auto e = conn_->execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")) {
    ok_ = !e->connectionLost();
    return makeError(e->message);
  }
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
      auto r = rows(p.sql, p.table);
      if (!r) return r.error();
      *p.out = std::move(*r);
    }
    return s;
  };
  auto s = body();
  (void)conn_->execute(s ? "COMMIT" : "ROLLBACK");
  return s;
}

bool MysqlCbReader::ensureConnected(std::string* error) {
  if (ok_ && mysql_ping(conn_->raw()) == 0) return true;
  auto conn = MyConnection::open(db_);
  if (!conn) {
    ok_ = false;
    if (error) *error = "connection lost: " + conn.error().message;
    return false;
  }
  conn_ = std::move(*conn);
  ok_ = true;
  return true;
}

}  // namespace tandem::mysql
