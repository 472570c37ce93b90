#include "dhcpd/mysql/mysql_cb_reader.h"

#include <fmt/format.h>

#include "dhcpd/lease/mysql_lease_row.h"

namespace tandem::mysql {
namespace {

// Kea 2.2's MySQL schema 14.0. The session runs at READ COMMITTED (my_connection.h): the
// snapshot transaction asks for REPEATABLE READ with its snapshot taken at its start.
const config::CbSqlDialect kDialect{
    .address = "INET_NTOA({})",
    .bytes = "CONCAT('\\\\x', LOWER(HEX({})))",
    .subnet4o6 =
        "n.`4o6_interface` AS interface_4o6, n.`4o6_interface_id` AS interface_id_4o6, "
        "n.`4o6_subnet` AS subnet_4o6",
    .beginSnapshot = {"SET TRANSACTION ISOLATION LEVEL REPEATABLE READ",
                      "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY"},
};

}  // namespace

MysqlCbReader::MysqlCbReader(config::LeaseDatabase db, std::unique_ptr<MyConnection> conn)
    : SqlCbReader(kDialect), db_(std::move(db)), conn_(std::move(conn)) {}

Result<std::unique_ptr<MysqlCbReader>> MysqlCbReader::open(const config::LeaseDatabase& db) {
  auto conn = MyConnection::open(db);
  if (!conn) return makeError("Unable to open database: " + conn.error().message);
  if (auto r = (*conn)->checkSchemaVersion(kMysqlSchemaMajor, kMysqlSchemaMinor); !r) {
    return makeError("Unable to open database: " + r.error().message);
  }
  return std::unique_ptr<MysqlCbReader>(new MysqlCbReader(db, std::move(*conn)));
}

void MysqlCbReader::noteFailure(const MyError& e) {
  // A server error leaves the session usable; a client error (CR_*) or a killed session
  // does not: ensureConnected() opens a new one before the next look.
  if (e.connectionLost()) ok_ = false;
}

Result<void> MysqlCbReader::execute(std::string_view sql) {
  if (auto e = conn_->execute(std::string(sql))) {
    noteFailure(*e);
    return makeError(fmt::format("{} (error {})", e->message, e->code));
  }
  return {};
}

Result<std::vector<config::CbRow>> MysqlCbReader::select(const std::string& sql) {
  MYSQL* c = conn_->raw();
  if (mysql_real_query(c, sql.data(), sql.size()) != 0) {
    const MyError e{mysql_errno(c), mysql_error(c)};
    noteFailure(e);
    return makeError(fmt::format("{} (error {})", e.message, e.code));
  }
  MyResult res(mysql_store_result(c));
  if (!res) {
    const MyError e{mysql_errno(c), mysql_errno(c) ? mysql_error(c) : "the statement returned no rows"};
    noteFailure(e);
    return makeError(fmt::format("{} (error {})", e.message, e.code));
  }
  MYSQL_RES* r = res.get();
  const unsigned cols = mysql_num_fields(r);
  MYSQL_FIELD* fields = mysql_fetch_fields(r);
  std::vector<config::CbRow> out;
  out.reserve(mysql_num_rows(r));
  while (MYSQL_ROW row = mysql_fetch_row(r)) {
    const unsigned long* lengths = mysql_fetch_lengths(r);
    config::CbRow cb;
    for (unsigned i = 0; i < cols; ++i) {
      if (row[i]) cb[fields[i].name] = std::string(row[i], lengths[i]);
      else cb[fields[i].name] = std::nullopt;
    }
    out.push_back(std::move(cb));
  }
  return out;
}

bool MysqlCbReader::ensureConnected(std::string* error) {
  if (ok_ && mysql_ping(conn_->raw()) == 0) return true;
  // Kea sets no automatic reconnection (my_connection.h): a new session, same settings.
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
