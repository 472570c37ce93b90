#pragma once
// One decoder for a lease4 row of either SQL backend (Kea 2.2's PostgreSQL and MySQL lease4
// tables have the same columns in the same order): the column checks and their error texts
// ("bad <column> '<value>' (lease <address>)") are written once, templated over the text
// format (dhcpd/common/sql_text.h: how a binary column and a boolean read). parsePgsqlLease
// and parseMysqlLease are its two instances. Pure.
#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

#include "dhcpd/common/result.h"
#include "dhcpd/lease/lease.h"
#include "dhcpd/lease/sql_lease4_columns.h"

namespace tandem {

// One result row of either backend's SELECT list (kPgsqlLease4Columns, kMysqlLease4Columns),
// columns as SqlLease4Columns; nullopt = SQL NULL.
using SqlLeaseTextRow = std::array<std::optional<std::string_view>, SqlLease4Columns::kColumns>;

// Text is sql::PgsqlText or sql::MysqlText (the two instances are in sql_lease_decoder.cpp).
// NULL hwaddr / client_id / hostname / user_context read as none, NULL flags as false (both
// Kea backends write none as NULL or empty); a NULL address, valid_lifetime, expire or
// subnet_id is an error, as are values out of their column's range.
template <class Text>
Result<Lease> decodeSqlLease(const SqlLeaseTextRow& row);

}  // namespace tandem
