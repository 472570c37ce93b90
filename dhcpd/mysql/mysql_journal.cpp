#include "dhcpd/mysql/mysql_journal.h"

#include <fmt/format.h>

#include "dhcpd/mysql/mysql_lease_loader.h"

namespace tandem::mysql {

MysqlJournal::MysqlJournal(Options options) : SqlJournal(Policy::of(options)), options_(std::move(options)) {}

Result<std::unique_ptr<MysqlJournal>> MysqlJournal::open(Options options, std::unique_ptr<MyConnection> conn) {
  std::unique_ptr<MysqlJournal> j(new MysqlJournal(std::move(options)));
  if (auto e = conn->allowMultiStatements()) return makeError("enabling multi-statement batches: " + e->message);
  j->conn_ = std::move(conn);
  j->startWriter();
  return j;
}

MysqlJournal::~MysqlJournal() { stopWriter(); }

Result<void> MysqlJournal::reconnect() {
  auto conn = MyConnection::open(options_.db);
  if (!conn) return conn.error();
  if (auto e = (*conn)->allowMultiStatements()) return makeError("enabling multi-statement batches: " + e->message);
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
  // The whole transaction as one multi-statement query: one round trip instead of one per
  // statement (and two per new address). See the header for why the outcome is the same.
  enum class Kind : std::uint8_t { Begin, Write, GuardUpdate, GuardInsert, Commit };
  struct Stmt {
    Kind kind;
    std::size_t op;
  };
  std::vector<Stmt> plan;
  std::vector<std::string> sql;
  plan.reserve(2 * batch.size() + 2);
  sql.reserve(2 * batch.size() + 2);
  auto add = [&](Kind k, std::size_t op, std::string text) {
    plan.push_back({k, op});
    sql.push_back(std::move(text));
  };
  add(Kind::Begin, 0, "START TRANSACTION");
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const Op& op = batch[i];
    if (op.remove) {
      add(Kind::Write, i, mysqlDeleteSql(rows[i], op.guard));
    } else if (op.guard == WriteGuard::None) {
      add(Kind::Write, i, mysqlUpsertSql(rows[i]));
    } else {
      add(Kind::GuardUpdate, i, mysqlGuardedUpdateSql(rows[i], op.guard));
      add(Kind::GuardInsert, i, mysqlInsertUnmatchedSql(rows[i]));
    }
  }
  add(Kind::Commit, 0, "COMMIT");

  std::vector<bool> updated(batch.size(), false);  // the guarded UPDATE matched: won
  std::size_t from = 0;                            // the first statement not run yet
  std::string query;
  while (from < plan.size()) {
    query.clear();
    for (std::size_t k = from; k < plan.size(); ++k) {
      if (k > from) query += ";\n";
      query += sql[k];
    }
    roundTrips_.fetch_add(1, std::memory_order_relaxed);
    auto failure = c.executeMulti(query, [&](std::size_t index, std::uint64_t affected) {
      const Stmt& st = plan[from + index];
      switch (st.kind) {
        case Kind::Write:
          // A guarded DELETE that matched nothing: the row the database holds was kept.
          if (batch[st.op].guard != WriteGuard::None && affected == 0) unmatched.push_back(st.op);
          break;
        case Kind::GuardUpdate: updated[st.op] = affected > 0; break;
        case Kind::GuardInsert:
          // Not updated and nothing inserted cannot happen (ROW_COUNT() was 0); if it did,
          // the write is not known to be in the database: lost, never answered.
          if (!updated[st.op] && affected == 0) unmatched.push_back(st.op);
          break;
        case Kind::Begin:
        case Kind::Commit: break;
      }
    });
    if (!failure) return BatchOutcome::Committed;  // every statement ran, COMMIT last
    const Stmt& st = plan[from + failure->index];
    const MyError& e = failure->error;
    if (st.kind == Kind::GuardInsert && e.duplicateKey()) {
      // The key refused the INSERT: another client's row holds the address (lost), unless
      // the UPDATE before it matched (then the write won; ROW_COUNT() should have kept the
      // INSERT from running at all). InnoDB rolled back only that statement and the server
      // ran none after it: the transaction goes on with the rest, COMMIT included, in one
      // more round trip.
      if (!updated[st.op]) unmatched.push_back(st.op);
      from += failure->index + 1;
      continue;
    }
    if (st.kind == Kind::Commit) {
      message = fmt::format("COMMIT: {} (error {})", e.message, e.code);
      if (e.retryTransaction() && rollback()) return BatchOutcome::Retry;
      // Outcome unknown: reconnect and send the batch again (the writes are idempotent).
      return BatchOutcome::ConnectionLost;
    }
    return failed(e, st.op);
  }
  return BatchOutcome::Committed;
}

}  // namespace tandem::mysql
