#include "dhcpd/mysql/mysql_journal.h"

#include <fmt/format.h>

#include "dhcpd/mysql/mysql_lease_loader.h"

namespace tandem::mysql {

MysqlJournal::MysqlJournal(Options options) : SqlJournal(Policy::of(options)), options_(std::move(options)) {}

Result<std::unique_ptr<MysqlJournal>> MysqlJournal::open(Options options, std::unique_ptr<MyConnection> conn) {
  std::unique_ptr<MysqlJournal> j(new MysqlJournal(std::move(options)));
  j->conn_ = std::move(conn);
  j->startWriter();
  return j;
}

MysqlJournal::~MysqlJournal() { stopWriter(); }

Result<void> MysqlJournal::reconnect() {
  auto conn = MyConnection::open(options_.db);
  if (!conn) return conn.error();
  conn_ = std::move(*conn);
  return {};
}

Result<std::optional<Lease>> MysqlJournal::readLease(Ipv4 address) { return MysqlLeaseLoader::get(*conn_, address); }

MysqlJournal::BatchOutcome MysqlJournal::writeBatch(const std::vector<Op>& batch, std::size_t& bad,
                                                    std::string& message, std::vector<std::size_t>& unmatched) {
  unmatched.clear();
  MyConnection& c = *conn_;
  // Ends the open transaction; a connection that broke meanwhile says so.
  auto rollback = [&] {
    auto rb = c.execute("ROLLBACK");
    return !(rb && rb->connectionLost());
  };
  // What a failed statement means for the transaction.
  auto failed = [&](const MyError& e, std::size_t index) {
    message = fmt::format("{} (error {})", e.message, e.code);
    if (e.connectionLost()) return BatchOutcome::ConnectionLost;
    // A deadlock already rolled the transaction back; a lock-wait timeout only the statement:
    // end it either way and send the whole transaction again.
    if (!rollback()) return BatchOutcome::ConnectionLost;
    if (e.retryTransaction()) return BatchOutcome::Retry;
    bad = index;
    return BatchOutcome::Rejected;
  };
  // Encoded first: a lease Kea could not store either is refused before anything is sent.
  std::vector<MysqlLeaseRow> rows;
  rows.reserve(batch.size());
  for (std::size_t i = 0; i < batch.size(); ++i) {
    auto row = MysqlLeaseRow::fromLease(batch[i].lease);
    if (!row) {
      bad = i;
      message = row.error().message;
      return BatchOutcome::Rejected;
    }
    rows.push_back(std::move(*row));
  }
  if (auto e = c.execute("START TRANSACTION")) return failed(*e, 0);
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const Op& op = batch[i];
    const MysqlLeaseRow& row = rows[i];
    std::optional<MyError> e;
    if (op.remove) {
      e = c.execute(mysqlDeleteSql(row, op.guard));
      if (!e && op.guard != WriteGuard::None && c.affectedRows() == 0) unmatched.push_back(i);
    } else if (op.guard == WriteGuard::None) {
      e = c.execute(mysqlUpsertSql(row));
    } else {
      e = c.execute(mysqlGuardedUpdateSql(row, op.guard));
      if (!e && c.affectedRows() == 0) {
        // No row the guard allows replacing: either there is no row (the INSERT takes the
        // address) or another client's live row holds it (the key refuses the INSERT: lost).
        // InnoDB rolls back only the refused statement, the transaction goes on.
        e = c.execute(mysqlInsertSql(row));
        if (e && e->duplicateKey()) {
          unmatched.push_back(i);
          e.reset();
        }
      }
    }
    if (e) return failed(*e, i);
  }
  if (auto e = c.execute("COMMIT")) {
    message = fmt::format("COMMIT: {} (error {})", e->message, e->code);
    if (e->retryTransaction() && rollback()) return BatchOutcome::Retry;
    // Outcome unknown: reconnect and send the batch again (the writes are idempotent).
    return BatchOutcome::ConnectionLost;
  }
  return BatchOutcome::Committed;
}

}  // namespace tandem::mysql
