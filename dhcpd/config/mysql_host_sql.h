#pragma once
// The statements the MySQL hosts backend (dhcpd/mysql/mysql_host_backend.h) sends to write
// Kea 2.2's MySQL hosts schema (`kea-admin db-init mysql`, schema 14.0) over the text
// protocol, as Kea's MySqlHostDataSource writes it (INSERT_HOST, INSERT_V4_HOST_OPTION,
// DEL_HOST_ADDR4, DEL_HOST_SUBID4_ID). Every value is a SQL literal built here: numbers, X'..'
// hex literals for binary and text columns (binary-safe, nothing to escape), NULL for what Kea
// writes as NULL. Pure.
#include <cstdint>
#include <string>
#include <vector>

#include "dhcpd/config/host_database_backend.h"
#include "dhcpd/config/host_row.h"

namespace tandem::config {

// INSERT INTO hosts: no address (0) is NULL, as Kea's MySqlHostExchange binds it (the schema's
// index on (ipv4_address, dhcp4_subnet_id) must not see two hosts "at" 0); an empty hostname,
// class list, server hostname, boot file name or user context is NULL; dhcp6_subnet_id NULL.
std::string mysqlInsertHostSql(const HostRow& row);
// INSERT INTO dhcp4_options for host hostId, scope 3: a formatted value alone (value NULL),
// otherwise the payload (formatted_value NULL), as Kea stores them.
std::string mysqlInsertHostOptionSql(const HostOptionRow& option, std::int64_t hostId);
// The hosts a selector matches, locked until the transaction ends: host_id, dhcp_identifier,
// dhcp_identifier_type (MySQL has no DELETE ... RETURNING).
std::string mysqlSelectHostsToDeleteSql(const HostRowSelector& selector);
// DELETE FROM hosts by host_id (Kea's host_BDEL trigger deletes their options).
std::string mysqlDeleteHostsSql(const std::vector<std::int64_t>& hostIds);

}  // namespace tandem::config
