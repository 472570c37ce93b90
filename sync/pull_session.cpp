#include "sync/pull_session.h"

#include <fmt/format.h>

namespace tandem::sync {

void ChangeLog::record(const Lease& lease, bool deleted) {
  if (overflowed_) return;
  auto it = entries_.find(lease.address.value);
  if (it != entries_.end()) {
    it->second = Entry{deleted, lease};
    return;
  }
  if (entries_.size() >= max_) {
    overflowed_ = true;
    entries_.clear();
    return;
  }
  entries_.emplace(lease.address.value, Entry{deleted, lease});
}

void ChangeLog::upsert(const Lease& lease) { record(lease, false); }
void ChangeLog::erase(const Lease& deleted) { record(deleted, true); }

ChangeLog::Changes ChangeLog::take() {
  Changes c;
  for (auto& [addr, e] : entries_) {
    (e.deleted ? c.deletes : c.upserts).push_back(std::move(e.lease));
  }
  entries_.clear();
  return c;
}

std::string PullSessions::open(const std::string& puller, SteadyTime now) {
  expire(now);
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    it = it->second.puller == puller ? sessions_.erase(it) : std::next(it);
  }
  // Unique within this process's life; a restarted partner knows no session, so an old id
  // from before its restart is refused and the puller starts over.
  const std::string id = fmt::format("{}-{}-{}", puller, now.time_since_epoch().count(), nextId_++);
  sessions_.emplace(id, Session{puller, now, ChangeLog(maxEntries_)});
  return id;
}

void PullSessions::expire(SteadyTime now) {
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    it = now - it->second.lastUsed > idle_ ? sessions_.erase(it) : std::next(it);
  }
}

ChangeLog* PullSessions::find(const std::string& id, SteadyTime now) {
  expire(now);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return nullptr;
  it->second.lastUsed = now;
  return &it->second.log;
}

std::optional<ChangeLog::Changes> PullSessions::close(const std::string& id, SteadyTime now) {
  expire(now);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return std::nullopt;
  if (it->second.log.overflowed()) {
    sessions_.erase(it);
    return std::nullopt;
  }
  auto changes = it->second.log.take();
  sessions_.erase(it);
  return changes;
}

void PullSessions::recordUpsert(const Lease& lease, SteadyTime now) {
  if (sessions_.empty()) return;
  expire(now);
  for (auto& [id, s] : sessions_) s.log.upsert(lease);
}

void PullSessions::recordDelete(const Lease& lease, SteadyTime now) {
  if (sessions_.empty()) return;
  expire(now);
  for (auto& [id, s] : sessions_) s.log.erase(lease);
}

MergeAction mergeChange(const std::optional<Lease>& local, const Lease& changed) noexcept {
  if (!local) return MergeAction::Insert;
  return local->cltt > changed.cltt ? MergeAction::KeepLocal : MergeAction::Overwrite;
}

bool shouldErase(const std::optional<Lease>& local, const Lease& deleted) noexcept {
  return local && local->cltt <= deleted.cltt;
}

}  // namespace tandem::sync
