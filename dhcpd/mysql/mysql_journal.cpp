#include "dhcpd/mysql/mysql_journal.h"

#include <fmt/format.h>

#include "dhcpd/lease/mysql_batch.h"
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
  // The whole transaction as one multi-statement query (MysqlBatch): one round trip instead
  // of one per statement, and one more per lost write.
  std::vector<MysqlBatch::Write> writes;
  writes.reserve(batch.size());
  for (std::size_t i = 0; i < batch.size(); ++i) writes.push_back({batch[i].remove, batch[i].guard, &rows[i]});
  MysqlBatch plan(writes);
  while (!plan.done()) {
    roundTrips_.fetch_add(1, std::memory_order_relaxed);
    auto failure = c.executeMulti(plan.nextQuery(),
                                  [&](std::size_t index, std::uint64_t affected) { plan.onResult(index, affected); });
    if (!failure) {
      plan.onCompleted();
      break;
    }
    const MyError& e = failure->error;
    if (e.connectionLost()) {
      message = fmt::format("{} (error {})", e.message, e.code);
      return BatchOutcome::ConnectionLost;  // the outcome is unknown: the batch is sent again
    }
    switch (plan.onError(failure->index, e.duplicateKey())) {
      case MysqlBatch::Failure::Resume: continue;
      case MysqlBatch::Failure::Commit:
        message = fmt::format("COMMIT: {} (error {})", e.message, e.code);
        if (e.retryTransaction() && rollback()) return BatchOutcome::Retry;
        // Outcome unknown: reconnect and send the batch again (the writes are idempotent).
        return BatchOutcome::ConnectionLost;
      case MysqlBatch::Failure::Statement: return failed(e, plan.failedWrite());
    }
  }
  unmatched = plan.unmatched();
  return BatchOutcome::Committed;
}

}  // namespace tandem::mysql
