#pragma once
// Reading Kea 2.2's hosts tables (hosts LEFT JOIN dhcp4_options of scope "host"), the same
// SELECT on PostgreSQL and MySQL (both schemas have the same columns), into HostRows: one
// decoder templated over the backend's text format (dhcpd/common/sql_text.h), so a row reads
// the same, with the same errors, from either database. Pure: the adapters (dhcpd/pgsql/
// pgsql_host_backend.h, dhcpd/mysql/mysql_host_backend.h) hand over the cells.
#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dhcpd/common/result.h"
#include "dhcpd/config/host_row.h"

namespace tandem::config {

// Kea 2.2's PgSqlHostDataSource and MySqlHostDataSource read hosts joined with their options
// the same way (their GET_HOST_* queries, LEFT JOIN on dhcp4_options); scope 3 is "host".
// Only IPv4 hosts (dhcp4_subnet_id not NULL), in host_id order, a host's options in
// option_id order.
inline constexpr const char* kSelectHostsSql =
    "SELECT h.host_id, h.dhcp_identifier, h.dhcp_identifier_type, h.dhcp4_subnet_id, h.ipv4_address, h.hostname, "
    "h.dhcp4_client_classes, h.dhcp4_next_server, h.dhcp4_server_hostname, h.dhcp4_boot_file_name, "
    "h.user_context, o.option_id, o.code, o.value, o.formatted_value, o.space, o.persistent, o.user_context "
    "FROM hosts h LEFT JOIN dhcp4_options o ON o.host_id = h.host_id AND o.scope_id = 3 "
    "WHERE h.dhcp4_subnet_id IS NOT NULL ORDER BY h.host_id, o.option_id";

enum HostColumn : std::size_t {
  kHostId,
  kHostIdentifier,
  kHostIdentifierType,
  kHostSubnetId,
  kHostIpv4Address,
  kHostHostname,
  kHostClientClasses,
  kHostNextServer,
  kHostServerHostname,
  kHostBootFileName,
  kHostUserContext,
  kOptionId,
  kOptionCode,
  kOptionValue,
  kOptionFormattedValue,
  kOptionSpace,
  kOptionPersistent,
  kOptionUserContext,
  kHostColumns
};

// One result row of kSelectHostsSql; nullopt = SQL NULL.
using HostTextRow = std::array<std::optional<std::string_view>, kHostColumns>;

// Adds one result row to rows: a new host when its host_id differs from the last one's,
// then its option (if the row has one). Errors name the host and the column:
// "hosts host_id 42: dhcp4_subnet_id: '-1' is out of range". NULL numbers read as 0 and NULL
// texts as empty, as Kea reads them. Text is sql::PgsqlText or sql::MysqlText.
template <class Text>
Result<void> appendHostRow(const HostTextRow& row, std::vector<HostRow>& rows);

// The key (hostKeyOf) of a host given its identifier and identifier type cells, as a delete
// returns them.
template <class Text>
Result<std::string> hostKeyOfCells(std::uint32_t subnetId, std::optional<std::string_view> identifier,
                                   std::optional<std::string_view> type);

}  // namespace tandem::config
