#include "dhcpd/lease/mysql_lease_row.h"

#include <fmt/format.h>

#include "dhcpd/common/sql_text.h"
#include "dhcpd/lease/sql_lease_decoder.h"

namespace tandem {
namespace {

std::string bytesOrNull(const std::uint8_t* data, std::size_t n) {
  if (n == 0) return "NULL";
  return mysqlHexLiteral(std::string_view(reinterpret_cast<const char*>(data), n));
}

// The row the database holds (the UPDATE's / DELETE's own columns) against the new one:
// SameClientOrFree takes it only when it is expired or reclaimed, or is the same client's (the
// client-ids decide when both rows have one, else the hardware addresses), as PgsqlJournal's
// guard; StillExpired only while it is still expired. NOW() and the TIMESTAMP column are in the
// same session time zone.
std::string guardCondition(const MysqlLeaseRow& row, WriteGuard guard) {
  const std::string& cid = row.literals[MysqlLeaseRow::kClientId];
  const std::string& hw = row.literals[MysqlLeaseRow::kHwAddr];
  switch (guard) {
    case WriteGuard::None: return "TRUE";
    case WriteGuard::SameClientOrFree:
      return fmt::format(
          "(expire <= NOW() OR state = 2 "
          "OR (COALESCE(LENGTH(client_id), 0) > 0 AND COALESCE(LENGTH({0}), 0) > 0 AND client_id = {0}) "
          "OR ((COALESCE(LENGTH(client_id), 0) = 0 OR COALESCE(LENGTH({0}), 0) = 0) "
          "AND COALESCE(hwaddr, X'') = COALESCE({1}, X'')))",
          cid, hw);
    case WriteGuard::StillExpired: return "(expire <= NOW())";
  }
  return "FALSE";
}

}  // namespace

std::string mysqlHexLiteral(std::string_view bytes) { return sql::mysqlHexLiteral(bytes); }

Result<MysqlLeaseRow> MysqlLeaseRow::fromLease(const Lease& l) {
  // Kea (MySqlConnection::convertToDatabaseTime) refuses an expiry past MAX_DB_TIME (TIMESTAMP
  // ends in 2038).
  auto expire = expireOf(l);
  if (!expire) return expire.error();
  MysqlLeaseRow r;
  r.address = l.address.value;
  r.literals[kAddress] = std::to_string(l.address.value);
  r.literals[kHwAddr] = bytesOrNull(l.hwAddr.bytes.data(), l.hwAddr.length);
  r.literals[kClientId] = bytesOrNull(l.clientId.data(), l.clientId.size());
  r.literals[kValidLifetime] = std::to_string(l.validLifetime);
  // FROM_UNIXTIME(0) is NULL-free but TIMESTAMP's range starts at 1 s; Kea never writes 0.
  r.literals[kExpire] = fmt::format("FROM_UNIXTIME({})", *expire);
  r.literals[kSubnetId] = std::to_string(l.subnetId);
  r.literals[kFqdnFwd] = l.fqdnFwd ? "1" : "0";
  r.literals[kFqdnRev] = l.fqdnRev ? "1" : "0";
  r.literals[kHostname] = mysqlHexLiteral(l.hostname);
  r.literals[kState] = std::to_string(static_cast<unsigned>(l.state));
  r.literals[kUserContext] = l.userContext.empty() ? std::string("NULL") : mysqlHexLiteral(l.userContext);
  return r;
}

namespace {

std::string valuesList(const MysqlLeaseRow& row) {
  std::string out;
  for (std::size_t i = 0; i < MysqlLeaseRow::kColumns; ++i) {
    if (i) out += ", ";
    out += row.literals[i];
  }
  return out;
}

std::string setList(const MysqlLeaseRow& row) {
  std::string out;
  for (std::size_t i = 1; i < MysqlLeaseRow::kColumns; ++i) {
    if (i > 1) out += ", ";
    out += MysqlLeaseRow::kNames[i];
    out += " = ";
    out += row.literals[i];
  }
  return out;
}

constexpr std::string_view kInsertHead =
    "INSERT INTO lease4 (address, hwaddr, client_id, valid_lifetime, expire, subnet_id, fqdn_fwd, fqdn_rev, "
    "hostname, state, user_context) VALUES (";

}  // namespace

std::string mysqlUpsertSql(const MysqlLeaseRow& row) {
  std::string out(kInsertHead);
  out += valuesList(row);
  out += ") ON DUPLICATE KEY UPDATE ";
  out += setList(row);
  return out;
}

std::string mysqlGuardedUpdateSql(const MysqlLeaseRow& row, WriteGuard guard) {
  return fmt::format("UPDATE lease4 SET {} WHERE address = {} AND {}", setList(row),
                     row.literals[MysqlLeaseRow::kAddress], guardCondition(row, guard));
}

std::string mysqlInsertUnmatchedSql(const MysqlLeaseRow& row) {
  std::string out(kInsertHead.substr(0, kInsertHead.size() - std::string_view("VALUES (").size()));
  out += "SELECT ";
  out += valuesList(row);
  out += " FROM DUAL WHERE ROW_COUNT() = 0";
  return out;
}

std::string mysqlDeleteSql(const MysqlLeaseRow& row, WriteGuard guard) {
  if (guard == WriteGuard::None) return "DELETE FROM lease4 WHERE address = " + row.literals[MysqlLeaseRow::kAddress];
  return fmt::format("DELETE FROM lease4 WHERE address = {} AND {}", row.literals[MysqlLeaseRow::kAddress],
                     guardCondition(row, guard));
}

Result<Lease> parseMysqlLease(const MysqlTextRow& row) { return decodeSqlLease<sql::MysqlText>(row); }

}  // namespace tandem
