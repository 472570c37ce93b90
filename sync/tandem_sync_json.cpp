#include "sync/tandem_sync_json.h"

#include <algorithm>

#include <fmt/format.h>

#include "dhcpd/lease/lease_csv.h"

namespace tandem::sync {

namespace {

Error bad(std::string text) { return makeError(std::move(text)); }

Result<std::string> requiredString(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return bad(fmt::format("'{}' must be a string", key));
  return it->get<std::string>();
}

Result<ChangeLog::Changes> changesFrom(const json& args) {
  ChangeLog::Changes c;
  auto up = requiredString(args, "changes");
  if (!up) return up.error();
  auto del = requiredString(args, "deleted");
  if (!del) return del.error();
  auto u = leasesFromCsv(*up);
  if (!u) return makeError("changes: " + u.error().message);
  auto d = leasesFromCsv(*del);
  if (!d) return makeError("deleted: " + d.error().message);
  c.upserts = std::move(*u);
  c.deletes = std::move(*d);
  return c;
}

}  // namespace

int tandemSyncVersion(const json& args) noexcept { return announcedVersion(args, kTandemSyncKey); }

int announcedVersion(const json& args, std::string_view key) noexcept {
  if (!args.is_object()) return 0;
  auto it = args.find(key);
  if (it == args.end() || !it->is_number_integer()) return 0;
  const auto v = it->get<std::int64_t>();
  return v > 0 && v < 1000 ? static_cast<int>(v) : 0;
}

std::string leasesToCsv(const std::vector<Lease>& leases) {
  std::string out;
  out.reserve(leases.size() * 96);
  for (const Lease& l : leases) appendLeaseCsvLine(out, l);
  return out;
}

Result<std::vector<Lease>> leasesFromCsv(std::string_view rows) {
  std::vector<Lease> out;
  // One allocation for the list (a row per '\n'), each lease parsed in its final place.
  out.reserve(static_cast<std::size_t>(std::count(rows.begin(), rows.end(), '\n')) + 1);
  if (auto r = leasesFromCsvInto(rows, out); !r) return r.error();
  return out;
}

Result<void> leasesFromCsvInto(std::string_view rows, std::vector<Lease>& out) {
  static const LeaseCsvHeader header = LeaseCsvHeader::kea22();
  std::size_t lineNo = 0, n = 0;
  while (!rows.empty()) {
    const auto nl = rows.find('\n');
    std::string_view line = rows.substr(0, nl);
    rows = nl == std::string_view::npos ? std::string_view() : rows.substr(nl + 1);
    ++lineNo;
    if (line.empty()) continue;
    // parseLeaseCsvLine sets every field, reusing the lease's buffers (client-id, hostname).
    if (n == out.size()) out.emplace_back();
    if (auto r = parseLeaseCsvLine(line, header, out[n]); !r) {
      out.resize(n);
      return bad(fmt::format("row {}: {}", lineNo, r.error().message));
    }
    ++n;
  }
  out.resize(n);
  return {};
}

json syncPageRequestArgs(const SyncPageRequest& r) {
  json j = pageRequestArgs(r.after, r.limit);
  j["server-name"] = r.serverName;
  if (r.session) j["session"] = *r.session;
  if (r.delta) j["delta"] = true;
  return j;
}

Result<SyncPageRequest> parseSyncPageRequest(const json& args) {
  auto page = parsePageRequest(args);
  if (!page) return page.error();
  SyncPageRequest r;
  auto name = requiredString(args, "server-name");
  if (!name) return name.error();
  r.serverName = *name;
  if (args.contains("session")) {
    auto s = requiredString(args, "session");
    if (!s) return s.error();
    r.session = *s;
  }
  r.after = page->after;
  r.limit = page->limit;
  if (auto d = args.find("delta"); d != args.end()) {
    if (!d->is_boolean()) return bad("'delta' must be a boolean");
    r.delta = d->get<bool>();
  }
  return r;
}

json syncPageAnswerArgs(const std::string& session, const std::vector<Lease>& leases, const ChangeLog::Changes& c,
                        bool last, bool delta, std::uint64_t total) {
  json j = {{"session", session},
            {"count", leases.size()},
            {"last", last},
            {"leases", leasesToCsv(leases)},
            {"changes", leasesToCsv(c.upserts)},
            {"deleted", leasesToCsv(c.deletes)}};
  if (delta) j["delta"] = true;
  if (total) j["total"] = total;
  return j;
}

Result<SyncPage> parseSyncPageAnswer(const PeerAnswer& answer) {
  if (answer.result != kResultSuccess) return bad(fmt::format("result {}: {}", answer.result, answer.text));
  const json& a = answer.arguments;
  if (!a.is_object()) return bad("answer has no arguments");
  SyncPage p;
  auto session = requiredString(a, "session");
  if (!session) return session.error();
  p.session = *session;
  auto rows = requiredString(a, "leases");
  if (!rows) return rows.error();
  auto leases = leasesFromCsv(*rows);
  if (!leases) return makeError("leases: " + leases.error().message);
  p.leases = std::move(*leases);
  auto last = a.find("last");
  if (last == a.end() || !last->is_boolean()) return bad("'last' must be a boolean");
  p.last = last->get<bool>();
  if (auto d = a.find("delta"); d != a.end()) {
    if (!d->is_boolean()) return bad("'delta' must be a boolean");
    p.delta = d->get<bool>();
  }
  if (auto t = a.find("total"); t != a.end()) {
    if (!t->is_number_unsigned()) return bad("'total' must be a non-negative integer");
    p.total = t->get<std::uint64_t>();
  }
  auto c = changesFrom(a);
  if (!c) return c.error();
  p.changes = std::move(*c);
  return p;
}

json syncDoneRequestArgs(const std::string& serverName, const std::string& session) {
  return {{"server-name", serverName}, {"session", session}};
}

Result<SyncDoneRequest> parseSyncDoneRequest(const json& args) {
  if (!args.is_object()) return bad("arguments must be a map");
  SyncDoneRequest r;
  auto name = requiredString(args, "server-name");
  if (!name) return name.error();
  auto session = requiredString(args, "session");
  if (!session) return session.error();
  r.serverName = *name;
  r.session = *session;
  return r;
}

json syncDoneAnswerArgs(const ChangeLog::Changes& c) {
  return {{"changes", leasesToCsv(c.upserts)}, {"deleted", leasesToCsv(c.deletes)}};
}

Result<ChangeLog::Changes> parseSyncDoneAnswer(const PeerAnswer& answer) {
  if (answer.result != kResultSuccess) return bad(fmt::format("result {}: {}", answer.result, answer.text));
  if (!answer.arguments.is_object()) return bad("answer has no arguments");
  return changesFrom(answer.arguments);
}

}  // namespace tandem::sync
