#include "dhcpd/config/mysql_host_sql.h"

#include <fmt/format.h>

#include "dhcpd/common/sql_text.h"

namespace tandem::config {
namespace {

std::string bytes(const std::vector<std::uint8_t>& b) {
  return sql::mysqlHexLiteral(std::string_view(reinterpret_cast<const char*>(b.data()), b.size()));
}
std::string textOrNull(const std::string& s) { return s.empty() ? std::string("NULL") : sql::mysqlHexLiteral(s); }
std::string numberOrNull(std::uint32_t v) { return v == 0 ? std::string("NULL") : std::to_string(v); }

}  // namespace

std::string mysqlInsertHostSql(const HostRow& row) {
  return fmt::format(
      "INSERT INTO hosts (dhcp_identifier, dhcp_identifier_type, dhcp4_subnet_id, dhcp6_subnet_id, ipv4_address, "
      "hostname, dhcp4_client_classes, dhcp4_next_server, dhcp4_server_hostname, dhcp4_boot_file_name, "
      "user_context) VALUES ({}, {}, {}, NULL, {}, {}, {}, {}, {}, {}, {})",
      bytes(row.identifier), int(row.identifierType), row.subnetId, numberOrNull(row.ipv4Address),
      textOrNull(row.hostname), textOrNull(row.clientClasses), numberOrNull(row.nextServer),
      textOrNull(row.serverHostname), textOrNull(row.bootFileName), textOrNull(row.userContext));
}

std::string mysqlInsertHostOptionSql(const HostOptionRow& o, std::int64_t hostId) {
  const bool formatted = !o.formattedValue.empty();
  return fmt::format(
      "INSERT INTO dhcp4_options (code, value, formatted_value, space, persistent, user_context, host_id, "
      "scope_id) VALUES ({}, {}, {}, {}, {}, {}, {}, 3)",
      int(o.code), formatted ? std::string("NULL") : bytes(o.value),
      formatted ? sql::mysqlHexLiteral(o.formattedValue) : std::string("NULL"), textOrNull(o.space),
      o.persistent ? 1 : 0, textOrNull(o.userContext), hostId);
}

std::string mysqlSelectHostsToDeleteSql(const HostRowSelector& sel) {
  if (sel.address) {
    return fmt::format(
        "SELECT host_id, dhcp_identifier, dhcp_identifier_type FROM hosts "
        "WHERE dhcp4_subnet_id = {} AND ipv4_address = {} FOR UPDATE",
        sel.subnetId, *sel.address);
  }
  return fmt::format(
      "SELECT host_id, dhcp_identifier, dhcp_identifier_type FROM hosts "
      "WHERE dhcp4_subnet_id = {} AND dhcp_identifier_type = {} AND dhcp_identifier = {} FOR UPDATE",
      sel.subnetId, int(sel.identifierType), bytes(sel.identifier));
}

std::string mysqlDeleteHostsSql(const std::vector<std::int64_t>& hostIds) {
  std::string list;
  for (auto id : hostIds) {
    if (!list.empty()) list += ", ";
    list += std::to_string(id);
  }
  return "DELETE FROM hosts WHERE host_id IN (" + (list.empty() ? std::string("NULL") : list) + ")";
}

}  // namespace tandem::config
