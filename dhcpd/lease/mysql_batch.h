#pragma once
// One transaction of the MySQL lease journal (dhcpd/mysql/mysql_journal.h) as multi-statement
// queries, and what each statement's outcome means. Pure: the statements come from
// mysql_lease_row.h, the outcomes from the adapter, which sends nextQuery() and reports back.
//
// The statements: START TRANSACTION; per write a DELETE, an upsert (unguarded), or a guarded
// UPDATE followed by INSERT ... WHERE ROW_COUNT() = 0; COMMIT. The server runs them in order
// and stops at the first that fails, so COMMIT runs only when every write before it did.
// A guarded write won when its UPDATE matched a row or its INSERT added one; it lost when the
// primary key refused the INSERT (a row the guard kept holds the address): that statement
// alone is rolled back and the rest, COMMIT included, is the next query. A guarded DELETE that
// matched nothing lost too. Any other failure ends the batch (the journal rolls it back).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "dhcpd/lease/lease_journal.h"
#include "dhcpd/lease/mysql_lease_row.h"

namespace tandem {

class MysqlBatch {
 public:
  struct Write {
    bool remove = false;
    WriteGuard guard = WriteGuard::None;
    const MysqlLeaseRow* row = nullptr;  // outlives the batch
  };
  // What a failed statement means.
  enum class Failure {
    Resume,     // a guarded INSERT refused by the key: the write lost; send nextQuery()
    Commit,     // COMMIT failed: the outcome depends on the error (the caller decides)
    Statement,  // a write (failedWrite()) or START TRANSACTION failed: the batch ends
  };

  explicit MysqlBatch(const std::vector<Write>& writes);

  bool done() const noexcept { return from_ >= plan_.size(); }
  // The statements not run yet, ';'-separated (the first query: all of them).
  std::string nextQuery() const;
  // Statement `index` of the last query succeeded with `affected` rows (matched rows for an
  // UPDATE: CLIENT_FOUND_ROWS).
  void onResult(std::size_t index, std::uint64_t affected);
  // Statement `index` of the last query failed (the server ran none after it).
  Failure onError(std::size_t index, bool duplicateKey);
  // Every statement ran (the last query returned no error).
  void onCompleted() { from_ = plan_.size(); }

  // The index (in `writes`) of the failed write after Failure::Statement (0 for START
  // TRANSACTION).
  std::size_t failedWrite() const noexcept { return failedWrite_; }
  // The writes the database's row kept (lost), in order.
  const std::vector<std::size_t>& unmatched() const noexcept { return unmatched_; }

 private:
  enum class Kind : std::uint8_t { Begin, Write, GuardedDelete, GuardUpdate, GuardInsert, Commit };
  struct Stmt {
    Kind kind;
    std::size_t write;
    std::string sql;
  };
  std::vector<Stmt> plan_;
  std::vector<bool> updated_;  // per write: its guarded UPDATE matched (won)
  std::vector<std::size_t> unmatched_;
  std::size_t from_ = 0;  // the first statement of the last query
  std::size_t failedWrite_ = 0;
};

}  // namespace tandem
