#include "ha/ha_status_view.h"

#include <algorithm>
#include <cstdlib>
#include <sstream>

namespace tandem::ha {
namespace {

using nlohmann::json;

// Tolerant readers: the answer may come from a newer tandemd or from Kea (whose 2.2 status-get
// lacks state-reason, clock-skew and unsent-update-count), so a missing or odd field is "-".
std::string text(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

std::optional<std::int64_t> integer(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<std::int64_t>();
}

std::optional<bool> boolean(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_boolean()) return std::nullopt;
  return it->get<bool>();
}

std::string list(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_array()) return "";
  std::string out;
  for (const auto& s : *it) {
    if (!out.empty()) out += ", ";
    out += s.is_string() ? s.get<std::string>() : s.dump();
  }
  return out.empty() ? "(none)" : out;
}

const json& sub(const json& j, const char* key) {
  static const json kEmpty = json::object();
  auto it = j.find(key);
  return it != j.end() && it->is_object() ? *it : kEmpty;
}

const json* haList(const json& statusArgs) {
  if (!statusArgs.is_object()) return nullptr;
  auto it = statusArgs.find("high-availability");
  if (it == statusArgs.end() || !it->is_array() || it->empty()) return nullptr;
  return &*it;
}

std::string orDash(std::string s) { return s.empty() ? "-" : s; }

std::string yesNo(std::optional<bool> b) {
  if (!b) return "-";
  return *b ? "yes" : "no";
}

std::string number(std::optional<std::int64_t> n) { return n ? std::to_string(*n) : "-"; }

std::string skewText(std::optional<std::int64_t> s) {
  if (!s) return "-";
  return (*s > 0 ? "+" : "") + std::to_string(*s) + " s";
}

void assessRelationship(const json& rel, std::vector<std::string>& problems) {
  const json& servers = sub(rel, "ha-servers");
  const json& local = sub(servers, "local");
  const std::string name = orDash(text(local, "server-name"));
  const std::string state = text(local, "state");
  if (!isNormalHaState(state)) {
    std::string p = "this server (" + name + ") is in " + orDash(state);
    if (auto why = text(local, "state-reason"); !why.empty()) p += ": " + why;
    problems.push_back(std::move(p));
  }
  auto r = servers.find("remote");
  if (r == servers.end() || !r->is_object()) return;  // backup, or passive-backup: no partner
  const json& remote = *r;
  const std::string partner = orDash(text(remote, "server-name"));
  const std::string last = text(remote, "last-state");
  const bool inTouch = boolean(remote, "in-touch").value_or(false);
  // Kea reports a partner that stopped answering heartbeats as "unavailable".
  const bool unreachable = !inTouch || last.empty() || last == "unavailable";
  if (unreachable) {
    const auto age = integer(remote, "age");
    std::string p = "partner " + partner + " is unreachable (no heartbeat answer";
    if (inTouch && age) p += " for " + std::to_string(*age) + " s";
    if (!last.empty() && last != "unavailable") p += ", last seen in " + last;
    problems.push_back(p + ")");
  } else if (!isNormalHaState(last)) {
    problems.push_back("partner " + partner + " is in " + last);
  }
  if (!unreachable && boolean(remote, "communication-interrupted") == true) {
    problems.push_back("communication with " + partner + " is interrupted (" + number(integer(remote, "age")) +
                       " s since the last heartbeat, " + number(integer(remote, "unacked-clients")) +
                       " unacked clients)");
  }
  if (auto skew = integer(remote, "clock-skew"); skew && std::llabs(*skew) > kHaClockSkewWarnSeconds) {
    problems.push_back("clock skew with " + partner + " is " + skewText(skew) + " (HA terminates above 60 s)");
  }
}

}  // namespace

bool isNormalHaState(std::string_view state) {
  return state == "load-balancing" || state == "hot-standby" || state == "passive-backup" || state == "backup";
}

HaAssessment assessHaStatus(const json& statusArgs) {
  HaAssessment a;
  const json* ha = haList(statusArgs);
  if (!ha) return a;
  for (const auto& rel : *ha) assessRelationship(rel, a.problems);
  a.health = a.problems.empty() ? HaHealth::Healthy : HaHealth::Degraded;
  return a;
}

std::optional<std::uint64_t> assignedAddresses(const json& statLeaseArgs) {
  if (!statLeaseArgs.is_object()) return std::nullopt;
  const json& rs = sub(statLeaseArgs, "result-set");
  auto cols = rs.find("columns");
  auto rows = rs.find("rows");
  if (cols == rs.end() || rows == rs.end() || !cols->is_array() || !rows->is_array()) return std::nullopt;
  auto col = std::find(cols->begin(), cols->end(), json("assigned-addresses"));
  if (col == cols->end()) return std::nullopt;
  const auto index = static_cast<std::size_t>(col - cols->begin());
  std::uint64_t sum = 0;
  for (const auto& row : *rows) {
    if (!row.is_array() || row.size() <= index || !row[index].is_number_integer()) return std::nullopt;
    sum += row[index].get<std::uint64_t>();
  }
  return sum;
}

std::vector<HaBackupPeer> haBackupPeers(const json& configArgs) {
  std::vector<HaBackupPeer> out;
  if (!configArgs.is_object()) return out;
  const json& dhcp4 = sub(configArgs, "Dhcp4");
  auto hooks = dhcp4.find("hooks-libraries");
  if (hooks == dhcp4.end() || !hooks->is_array()) return out;
  for (const auto& lib : *hooks) {
    if (!lib.is_object()) continue;
    const json& params = sub(lib, "parameters");
    auto rels = params.find("high-availability");
    if (rels == params.end() || !rels->is_array()) continue;
    for (const auto& rel : *rels) {
      if (!rel.is_object() || !rel.contains("peers") || !rel["peers"].is_array()) continue;
      for (const auto& peer : rel["peers"]) {
        if (peer.is_object() && text(peer, "role") == "backup") out.push_back({text(peer, "name"), text(peer, "url")});
      }
    }
  }
  return out;
}

std::string formatHaStatus(const json& statusArgs, const HaStatusExtras& extras, const HaAssessment& assessment) {
  std::ostringstream o;
  const json* ha = haList(statusArgs);
  if (!ha) return "HA not configured\n";
  std::size_t index = 0;
  for (const auto& rel : *ha) {
    ++index;
    const json& servers = sub(rel, "ha-servers");
    const json& local = sub(servers, "local");
    const bool hasRemote = servers.contains("remote") && servers["remote"].is_object();
    const json& remote = sub(servers, "remote");
    std::vector<std::pair<std::string, std::pair<std::string, std::string>>> rows;
    auto row = [&](std::string label, std::string mine, std::string theirs) {
      rows.push_back({std::move(label), {std::move(mine), std::move(theirs)}});
    };
    std::string contact = "-";
    if (hasRemote) {
      const auto age = integer(remote, "age");
      const bool inTouch = boolean(remote, "in-touch").value_or(false);
      contact = inTouch ? (age ? std::to_string(*age) + " s ago" : std::string("in touch")) : "never / lost";
      if (inTouch && boolean(remote, "communication-interrupted") == true) contact += " (interrupted)";
    }
    std::string unacked = "-";
    if (hasRemote && integer(remote, "unacked-clients")) {
      unacked = number(integer(remote, "unacked-clients"));
      // Kea counts down unacked-clients-left while interrupted; once failed over it means nothing.
      if (auto left = integer(remote, "unacked-clients-left");
          left && *left > 0 && text(local, "state") != "partner-down") {
        unacked += " (" + std::to_string(*left) + " more before partner-down)";
      }
    }
    row("name", orDash(text(local, "server-name")), hasRemote ? orDash(text(remote, "server-name")) : "");
    row("role", orDash(text(local, "role")), hasRemote ? orDash(text(remote, "role")) : "");
    row("state", orDash(text(local, "state")), hasRemote ? orDash(text(remote, "last-state")) : "");
    row("scopes served", orDash(list(local, "scopes")), hasRemote ? orDash(list(remote, "last-scopes")) : "");
    if (hasRemote) {
      row("last heartbeat", "", contact);
      row("clock skew", "", skewText(integer(remote, "clock-skew")));
      row("comm. interrupted", "", yesNo(boolean(remote, "communication-interrupted")));
      row("connecting clients", "", number(integer(remote, "connecting-clients")));
      row("unacked clients", "", unacked);
    }
    row("unsent updates", number(integer(local, "unsent-update-count")),
        hasRemote ? number(integer(remote, "unsent-update-count")) : "");
    row("leases held", extras.leasesHeld ? std::to_string(*extras.leasesHeld) : "-", hasRemote ? "-" : "");

    std::size_t w0 = 0, w1 = std::string_view("this server").size();
    for (const auto& [label, v] : rows) {
      w0 = std::max(w0, label.size());
      w1 = std::max(w1, v.first.size());
    }
    auto pad = [](const std::string& s, std::size_t w) {
      return s + std::string(w > s.size() ? w - s.size() : 0, ' ');
    };
    // A hub (several relationships): each block says which one it is.
    if (ha->size() > 1) o << "HA relationship " << index << " of " << ha->size() << ": ";
    else o << "HA ";
    o << orDash(text(rel, "ha-mode")) << "\n";
    o << "  " << pad("", w0) << "  " << pad("this server", w1);
    if (hasRemote) o << "  partner";
    o << "\n";
    for (const auto& [label, v] : rows) {
      std::string line = "  " + pad(label, w0) + "  " + pad(v.first.empty() ? "" : v.first, w1);
      if (hasRemote) line += "  " + v.second;
      while (!line.empty() && line.back() == ' ') line.pop_back();
      o << line << "\n";
    }
    if (auto why = text(local, "state-reason"); !why.empty()) o << "  why: " << why << "\n";
    if (auto t = text(local, "system-time"); !t.empty()) o << "  local time: " << t << "\n";
  }
  for (const auto& b : extras.backups) {
    o << "backup: " << b.name << (b.url.empty() ? "" : " (" + b.url + ")")
      << ", receives lease updates; backups send no heartbeats, so their state is not shown here\n";
  }
  switch (assessment.health) {
    case HaHealth::Healthy: o << "pair: HEALTHY\n"; break;
    case HaHealth::Degraded:
      o << "pair: DEGRADED\n";
      for (const auto& p : assessment.problems) o << "  - " << p << "\n";
      break;
    case HaHealth::NotConfigured: break;
  }
  return o.str();
}

}  // namespace tandem::ha
