#include "dhcpd/mysql/mysql_session.h"

#include "dhcpd/lease/mysql_lease_row.h"
#include "dhcpd/mysql/mysql_lease_loader.h"

namespace tandem::mysql {
namespace {

// What one statement of the batch text is.
enum class Kind : std::uint8_t { Begin, Upsert, GuardedUpdate, GuardedInsert, Delete, Commit };
struct Stmt {
  Kind kind;
  std::size_t op;  // index in the batch (Begin/Commit: unused)
};

}  // namespace

Result<std::optional<Lease>> MysqlSession::get(Ipv4 address) { return MysqlLeaseLoader::get(*conn_, address); }

SqlSession::BatchResult MysqlSession::write(const std::vector<SqlWrite>& batch) {
  BatchResult out;
  std::string sql = "START TRANSACTION";
  std::vector<Stmt> stmts{{Kind::Begin, 0}};
  stmts.reserve(batch.size() * 2 + 2);
  sql.reserve(batch.size() * 700);
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const SqlWrite& op = batch[i];
    // Encoded first: a lease Kea could not store either (a hostname longer than the column)
    // is refused before anything is sent.
    auto row = MysqlLeaseRow::fromLease(op.lease);
    if (!row) {
      out.outcome = Outcome::Rejected;
      out.bad = i;
      out.message = row.error().message;
      return out;
    }
    if (op.remove) {
      sql += ';';
      sql += row->deleteStatement(op.guard);
      stmts.push_back({Kind::Delete, i});
      continue;
    }
    auto parts = row->upsertStatements(op.guard);
    for (std::size_t k = 0; k < parts.size(); ++k) {
      sql += ';';
      sql += parts[k];
      const Kind kind = parts.size() == 1 ? Kind::Upsert : k == 0 ? Kind::GuardedUpdate : Kind::GuardedInsert;
      stmts.push_back({kind, i});
    }
  }
  sql += ";COMMIT";
  stmts.push_back({Kind::Commit, 0});

  MYSQL* c = conn_->raw();
  // Per guarded write: did its UPDATE match or its INSERT add the row.
  std::vector<std::uint8_t> won(batch.size(), 0);
  std::size_t index = 0;
  int status = mysql_real_query(c, sql.data(), sql.size());
  while (status == 0) {
    // Each statement's result: none has a result set; the counts say what happened.
    if (MYSQL_RES* extra = mysql_store_result(c)) mysql_free_result(extra);
    if (index < stmts.size()) {
      const Stmt& s = stmts[index];
      const my_ulonglong affected = mysql_affected_rows(c);
      switch (s.kind) {
        case Kind::GuardedUpdate: {
          const char* info = mysql_info(c);
          const auto matched = info ? mysqlRowsMatched(info) : std::nullopt;
          if (matched.value_or(affected) > 0) won[s.op] = 1;
          break;
        }
        case Kind::GuardedInsert:
        case Kind::Delete:
          if (affected != static_cast<my_ulonglong>(-1) && affected > 0) won[s.op] = 1;
          break;
        default: break;
      }
    }
    if (!mysql_more_results(c)) break;
    status = mysql_next_result(c);
    if (status < 0) break;
    ++index;
  }
  if (status > 0 || (status != 0 && status != -1)) {
    const unsigned int e = mysql_errno(c);
    out.message = conn_->lastMessage();
    if (isConnectionError(e)) {
      out.outcome = Outcome::ConnectionLost;
      return out;
    }
    // The statements after the refused one did not run; the transaction is still open
    // (InnoDB already rolled it back for a deadlock). Nothing of the batch stays.
    if (mysql_real_query(c, "ROLLBACK", 8) != 0) {
      out.outcome = Outcome::ConnectionLost;
      out.message += "; ROLLBACK: " + conn_->lastMessage();
      return out;
    }
    if (isTransientError(e) || index >= stmts.size() || stmts[index].kind == Kind::Begin ||
        stmts[index].kind == Kind::Commit) {
      out.outcome = Outcome::Retry;
      return out;
    }
    out.outcome = Outcome::Rejected;
    out.bad = stmts[index].op;
    return out;
  }
  if (index + 1 != stmts.size()) {
    // Fewer results than statements and no error: the connection broke mid-way.
    out.outcome = Outcome::ConnectionLost;
    out.message = "the batch ended after " + std::to_string(index + 1) + " of " + std::to_string(stmts.size()) +
                  " statements";
    return out;
  }
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (batch[i].guard != WriteGuard::None && !won[i]) out.unmatched.push_back(i);
  }
  out.outcome = Outcome::Committed;
  return out;
}

std::unique_ptr<SqlJournal> openMysqlJournal(const config::LeaseDatabase& db, std::unique_ptr<MyConnection> conn) {
  SqlJournal::Options o;
  o.maxReconnectTries = db.maxReconnectTries;
  o.reconnectWaitTime = db.reconnectWaitTime;
  o.retryForever = db.onFail == config::DbOnFail::ServeRetryContinue;
  return SqlJournal::open(o, std::make_unique<MysqlSession>(std::move(conn)),
                          [db]() -> Result<std::unique_ptr<SqlSession>> {
                            auto c = MyConnection::open(db);
                            if (!c) return c.error();
                            return std::unique_ptr<SqlSession>(std::make_unique<MysqlSession>(std::move(*c)));
                          });
}

}  // namespace tandem::mysql
