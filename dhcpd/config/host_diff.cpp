#include "dhcpd/config/host_diff.h"

#include <algorithm>
#include <unordered_set>

namespace tandem::config {

HostMap hostMapOf(std::vector<HostRow> rows, std::vector<std::int64_t>* duplicates) {
  std::sort(rows.begin(), rows.end(), [](const HostRow& a, const HostRow& b) { return a.hostId < b.hostId; });
  HostMap m;
  m.reserve(rows.size());
  for (auto& r : rows) {
    std::string key = hostKeyOf(r);
    const std::int64_t id = r.hostId;
    if (!m.try_emplace(std::move(key), std::move(r)).second && duplicates) duplicates->push_back(id);
  }
  return m;
}

HostDiff diffHosts(const HostMap& before, const HostMap& after) {
  HostDiff d;
  for (const auto& [key, row] : after) {
    auto it = before.find(key);
    if (it == before.end() || !it->second.sameContent(row)) d.upserts.push_back(row);
  }
  for (const auto& [key, row] : before) {
    if (!after.count(key)) d.removed.push_back(key);
  }
  return d;
}

void applyHostDiff(HostMap& m, const HostDiff& d) {
  for (const auto& k : d.removed) m.erase(k);
  for (const auto& r : d.upserts) m.insert_or_assign(hostKeyOf(r), r);
}

const HostRow* HostSources::find(const std::string& key, std::size_t* source) const {
  for (std::size_t i = 0; i < maps_.size(); ++i) {
    if (auto it = maps_[i].find(key); it != maps_[i].end()) {
      if (source) *source = i;
      return &it->second;
    }
  }
  return nullptr;
}

std::vector<HostSources::Change> HostSources::apply(std::size_t source, const HostDiff& d) {
  if (source >= maps_.size()) maps_.resize(source + 1);
  std::vector<std::string> keys;
  keys.reserve(d.upserts.size() + d.removed.size());
  for (const auto& k : d.removed) keys.push_back(k);
  for (const auto& r : d.upserts) keys.push_back(hostKeyOf(r));
  // Only keys this database wins (no earlier database holds them) change what is in force.
  auto shadowed = [&](const std::string& k) {
    for (std::size_t i = 0; i < source; ++i) {
      if (maps_[i].count(k)) return true;
    }
    return false;
  };
  applyHostDiff(maps_[source], d);
  std::vector<Change> out;
  std::unordered_set<std::string> seen;
  for (auto& k : keys) {
    if (shadowed(k) || !seen.insert(k).second) continue;
    Change c;
    c.row = find(k, &c.source);
    c.key = std::move(k);
    out.push_back(std::move(c));
  }
  return out;
}

std::size_t HostSources::size() const noexcept {
  if (maps_.size() == 1) return maps_[0].size();
  std::unordered_set<std::string> keys;
  for (const auto& m : maps_) {
    for (const auto& [k, r] : m) keys.insert(k);
  }
  return keys.size();
}

}  // namespace tandem::config
