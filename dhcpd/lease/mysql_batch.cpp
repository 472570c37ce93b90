#include "dhcpd/lease/mysql_batch.h"

namespace tandem {

MysqlBatch::MysqlBatch(const std::vector<Write>& writes) : updated_(writes.size(), false) {
  plan_.reserve(2 * writes.size() + 2);
  plan_.push_back({Kind::Begin, 0, "START TRANSACTION"});
  for (std::size_t i = 0; i < writes.size(); ++i) {
    const Write& w = writes[i];
    if (w.remove) {
      plan_.push_back(
          {w.guard == WriteGuard::None ? Kind::Write : Kind::GuardedDelete, i, mysqlDeleteSql(*w.row, w.guard)});
    } else if (w.guard == WriteGuard::None) {
      plan_.push_back({Kind::Write, i, mysqlUpsertSql(*w.row)});
    } else {
      plan_.push_back({Kind::GuardUpdate, i, mysqlGuardedUpdateSql(*w.row, w.guard)});
      plan_.push_back({Kind::GuardInsert, i, mysqlInsertUnmatchedSql(*w.row)});
    }
  }
  plan_.push_back({Kind::Commit, 0, "COMMIT"});
}

std::string MysqlBatch::nextQuery() const {
  std::size_t size = 0;
  for (std::size_t k = from_; k < plan_.size(); ++k) size += plan_[k].sql.size() + 2;
  std::string q;
  q.reserve(size);
  for (std::size_t k = from_; k < plan_.size(); ++k) {
    if (k > from_) q += ";\n";
    q += plan_[k].sql;
  }
  return q;
}

void MysqlBatch::onResult(std::size_t index, std::uint64_t affected) {
  const Stmt& st = plan_[from_ + index];
  switch (st.kind) {
    case Kind::GuardedDelete:
      // Matched nothing: the row the database holds was kept (or is gone already).
      if (affected == 0) unmatched_.push_back(st.write);
      break;
    case Kind::GuardUpdate: updated_[st.write] = affected > 0; break;
    case Kind::GuardInsert:
      // Not updated and nothing inserted cannot happen (ROW_COUNT() was 0); if it did, the
      // write is not known to be in the database: lost, never answered.
      if (!updated_[st.write] && affected == 0) unmatched_.push_back(st.write);
      break;
    case Kind::Begin:
    case Kind::Write:
    case Kind::Commit: break;
  }
}

MysqlBatch::Failure MysqlBatch::onError(std::size_t index, bool duplicateKey) {
  const std::size_t at = from_ + index;
  const Stmt& st = plan_[at];
  if (st.kind == Kind::GuardInsert && duplicateKey) {
    // Lost, unless the UPDATE before it matched (then the write won; ROW_COUNT() should have
    // kept the INSERT from running at all).
    if (!updated_[st.write]) unmatched_.push_back(st.write);
    from_ = at + 1;
    return Failure::Resume;
  }
  if (st.kind == Kind::Commit) return Failure::Commit;
  failedWrite_ = st.write;
  return Failure::Statement;
}

}  // namespace tandem
