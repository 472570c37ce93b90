#include "dhcpd/mysql/mysql_host_backend.h"

#include <fmt/format.h>

#include "dhcpd/common/sql_text.h"
#include "dhcpd/config/host_row_decoder.h"
#include "dhcpd/config/mysql_host_sql.h"
#include "dhcpd/lease/mysql_lease_row.h"  // kMysqlSchemaMajor / Minor

namespace tandem::mysql {
namespace {

std::optional<std::string_view> cell(MYSQL_ROW row, const unsigned long* lengths, std::size_t c) {
  if (!row[c]) return std::nullopt;
  return std::string_view(row[c], lengths[c]);
}

}  // namespace

Result<std::unique_ptr<config::HostDatabaseBackend>> MysqlHostBackend::open(const config::LeaseDatabase& db) {
  auto conn = MyConnection::open(db);
  if (!conn) return makeError("Unable to open database: " + conn.error().message);
  if (auto r = (*conn)->checkSchemaVersion(kMysqlSchemaMajor, kMysqlSchemaMinor); !r) {
    return makeError("Unable to open database: " + r.error().message);
  }
  return std::unique_ptr<config::HostDatabaseBackend>(new MysqlHostBackend(db, std::move(*conn)));
}

Error MysqlHostBackend::failed(const std::string& what) {
  const MyError e{mysql_errno(conn_->raw()), mysql_error(conn_->raw())};
  if (e.connectionLost()) ok_ = false;
  lastError_ = what + ": " + (e.message.empty() ? std::string("unknown error") : e.message);
  return makeError(lastError_);
}

Error MysqlHostBackend::abort(const std::string& what) {
  Error e = failed(what);
  if (ok_) (void)conn_->execute("ROLLBACK");
  return e;
}

bool MysqlHostBackend::ensureConnected() {
  if (ok_) return true;
  auto conn = MyConnection::open(db_);
  if (!conn) {
    lastError_ = conn.error().message;
    return false;
  }
  conn_ = std::move(*conn);
  ok_ = true;
  return true;
}

Result<std::vector<config::HostRow>> MysqlHostBackend::readHosts() {
  auto res = conn_->query(config::kSelectHostsSql);
  if (!res) return failed("reading hosts");
  MYSQL_RES* r = res->get();
  if (mysql_num_fields(r) != config::kHostColumns) return makeError("hosts: unexpected column count");
  std::vector<config::HostRow> rows;
  config::HostTextRow row;
  while (MYSQL_ROW cells = mysql_fetch_row(r)) {
    const unsigned long* lengths = mysql_fetch_lengths(r);
    for (std::size_t c = 0; c < config::kHostColumns; ++c) row[c] = cell(cells, lengths, c);
    if (auto ok = config::appendHostRow<sql::MysqlText>(row, rows); !ok) return ok.error();
  }
  return rows;
}

Result<std::int64_t> MysqlHostBackend::insertHost(const config::HostRow& row) {
  if (conn_->execute("START TRANSACTION")) return failed("START TRANSACTION");
  if (conn_->execute(config::mysqlInsertHostSql(row))) return abort("INSERT INTO hosts");
  const auto hostId = static_cast<std::int64_t>(mysql_insert_id(conn_->raw()));
  for (const auto& o : row.options) {
    if (conn_->execute(config::mysqlInsertHostOptionSql(o, hostId))) return abort("INSERT INTO dhcp4_options");
  }
  if (conn_->execute("COMMIT")) return failed("COMMIT");
  return hostId;
}

Result<std::vector<std::string>> MysqlHostBackend::deleteHosts(const config::HostRowSelector& sel) {
  if (conn_->execute("START TRANSACTION")) return failed("START TRANSACTION");
  auto res = conn_->query(config::mysqlSelectHostsToDeleteSql(sel));
  if (!res) return abort("selecting the hosts to delete");
  std::vector<std::int64_t> ids;
  std::vector<std::string> keys;
  while (MYSQL_ROW cells = mysql_fetch_row(res->get())) {
    const unsigned long* lengths = mysql_fetch_lengths(res->get());
    std::int64_t id = 0;
    if (!cells[0] || !sql::parseNumber(std::string_view(cells[0], lengths[0]), id)) continue;
    ids.push_back(id);
    auto key = config::hostKeyOfCells<sql::MysqlText>(sel.subnetId, cell(cells, lengths, 1), cell(cells, lengths, 2));
    if (key) keys.push_back(std::move(*key));
  }
  res.value().reset();
  if (!ids.empty() && conn_->execute(config::mysqlDeleteHostsSql(ids))) return abort("DELETE FROM hosts");
  if (conn_->execute("COMMIT")) return failed("COMMIT");
  return keys;
}

}  // namespace tandem::mysql
