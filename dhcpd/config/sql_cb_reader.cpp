#include "dhcpd/config/sql_cb_reader.h"

#include <fmt/format.h>

namespace tandem::config {
namespace {

// The network columns of Kea 2.2's schemas (PostgreSQL 13.0, MySQL 14.0) that carry
// configuration (see README "Configuration backend"); modification_ts and the *_server
// association timestamps are not read. A row of an object associated with several servers
// repeats once per server tag.
std::string networkColumns(const CbSqlDialect& d) {
  return fmt::format(
      "n.boot_file_name, n.client_class, n.interface, n.match_client_id, {} AS next_server, n.rebind_timer, "
      "n.relay, n.renew_timer, n.require_client_classes, n.server_hostname, n.user_context, n.valid_lifetime, "
      "n.authoritative, n.calculate_tee_times, n.t1_percent, n.t2_percent, n.min_valid_lifetime, "
      "n.max_valid_lifetime, n.ddns_send_updates, n.ddns_override_no_update, n.ddns_override_client_update, "
      "n.ddns_replace_client_name, n.ddns_generated_prefix, n.ddns_qualifying_suffix, n.reservations_global, "
      "n.reservations_in_subnet, n.reservations_out_of_pool, n.cache_threshold, n.cache_max_age",
      fmt::format(fmt::runtime(d.address), "n.next_server"));
}

}  // namespace

CbQueries cbQueries(const CbSqlDialect& d) {
  auto address = [&](std::string_view column) { return fmt::format(fmt::runtime(d.address), column); };
  CbQueries q;
  q.globals =
      "SELECT g.id, g.name, g.value, g.parameter_type, s.tag AS server_tag FROM dhcp4_global_parameter g "
      "JOIN dhcp4_global_parameter_server a ON a.parameter_id = g.id JOIN dhcp4_server s ON s.id = a.server_id "
      "ORDER BY g.id, s.id";
  q.optionDefs =
      "SELECT d.id, d.code, d.name, d.space, d.type, d.is_array, d.encapsulate, d.record_types, d.class_id, "
      "s.tag AS server_tag FROM dhcp4_option_def d LEFT JOIN dhcp4_option_def_server a ON a.option_def_id = d.id "
      "LEFT JOIN dhcp4_server s ON s.id = a.server_id ORDER BY d.id, s.id";
  // Scope 3 (host) belongs to the hosts backend; 6 (pd-pool) is DHCPv6's.
  q.options = fmt::format(
      "SELECT o.option_id, o.code, {} AS value, o.formatted_value, o.space, o.persistent, o.scope_id, "
      "o.dhcp4_subnet_id, o.shared_network_name, o.pool_id, o.dhcp_client_class, s.tag AS server_tag "
      "FROM dhcp4_options o LEFT JOIN dhcp4_options_server a ON a.option_id = o.option_id "
      "LEFT JOIN dhcp4_server s ON s.id = a.server_id WHERE o.scope_id IN (0, 1, 2, 4, 5) "
      "ORDER BY o.option_id, s.id",
      fmt::format(fmt::runtime(d.bytes), "o.value"));
  q.sharedNetworks = fmt::format(
      "SELECT n.id, n.name, {}, s.tag AS server_tag FROM dhcp4_shared_network n "
      "JOIN dhcp4_shared_network_server a ON a.shared_network_id = n.id "
      "JOIN dhcp4_server s ON s.id = a.server_id ORDER BY n.id, s.id",
      networkColumns(d));
  q.subnets = fmt::format(
      "SELECT n.subnet_id, n.subnet_prefix, {}, n.shared_network_name, {}, s.tag AS server_tag "
      "FROM dhcp4_subnet n JOIN dhcp4_subnet_server a ON a.subnet_id = n.subnet_id "
      "JOIN dhcp4_server s ON s.id = a.server_id ORDER BY n.subnet_id, s.id",
      d.subnet4o6, networkColumns(d));
  q.pools = fmt::format(
      "SELECT p.id, {} AS start_address, {} AS end_address, p.subnet_id, p.client_class, "
      "p.require_client_classes, p.user_context FROM dhcp4_pool p ORDER BY p.id",
      address("p.start_address"), address("p.end_address"));
  q.clientClasses = fmt::format(
      "SELECT c.id, c.name, c.test, {} AS next_server, c.server_hostname, c.boot_file_name, c.only_if_required, "
      "c.valid_lifetime, c.min_valid_lifetime, c.max_valid_lifetime, c.user_context, o.order_index, "
      "s.tag AS server_tag FROM dhcp4_client_class c LEFT JOIN dhcp4_client_class_order o ON o.class_id = c.id "
      "JOIN dhcp4_client_class_server a ON a.class_id = c.id JOIN dhcp4_server s ON s.id = a.server_id "
      "ORDER BY o.order_index, c.id, s.id",
      address("c.next_server"));
  q.audit = "SELECT COALESCE(MAX(id), 0) AS id, COUNT(*) AS n FROM dhcp4_audit";
  return q;
}

Result<std::string> SqlCbReader::auditStamp() {
  auto rows = select(queries_.audit);
  if (!rows) return makeError("reading dhcp4_audit: " + rows.error().message);
  if (rows->size() != 1) return makeError("reading dhcp4_audit: no row");
  const CbRow& row = rows->front();
  auto text = [&](const char* column) {
    auto it = row.find(column);
    return it != row.end() && it->second ? *it->second : std::string();
  };
  return fmt::format("{}/{}", text("id"), text("n"));
}

Result<CbSnapshot> SqlCbReader::readTables(std::string* stamp) {
  // One consistent view of all tables (a writer's transaction is seen whole or not at all).
  for (std::string_view sql : dialect_.beginSnapshot) {
    if (auto r = execute(sql); !r) return r.error();
  }
  auto body = [&]() -> Result<CbSnapshot> {
    CbSnapshot s;
    auto st = auditStamp();
    if (!st) return st.error();
    if (stamp) *stamp = *st;
    struct Part {
      std::vector<CbRow>* out;
      const std::string* sql;
      const char* table;
    } parts[] = {{&s.globals, &queries_.globals, "dhcp4_global_parameter"},
                 {&s.optionDefs, &queries_.optionDefs, "dhcp4_option_def"},
                 {&s.options, &queries_.options, "dhcp4_options"},
                 {&s.sharedNetworks, &queries_.sharedNetworks, "dhcp4_shared_network"},
                 {&s.subnets, &queries_.subnets, "dhcp4_subnet"},
                 {&s.pools, &queries_.pools, "dhcp4_pool"},
                 {&s.clientClasses, &queries_.clientClasses, "dhcp4_client_class"}};
    for (auto& p : parts) {
      auto rows = select(*p.sql);
      if (!rows) return makeError(fmt::format("reading {}: {}", p.table, rows.error().message));
      *p.out = std::move(*rows);
    }
    return s;
  };
  auto s = body();
  (void)execute(s ? "COMMIT" : "ROLLBACK");
  return s;
}

}  // namespace tandem::config
