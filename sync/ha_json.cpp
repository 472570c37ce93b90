#include "sync/ha_json.h"

#include <algorithm>
#include <cctype>
#include <limits>

#include <fmt/format.h>

#include "dhcpd/api/command_args.h"
#include "dhcpd/api/lease_json.h"
#include "dhcpd/common/hw_addr.h"
#include "heartbeat/http_date.h"

namespace tandem::sync {

namespace {

Error bad(std::string text) { return makeError(std::move(text)); }

// Unsigned 32-bit integer field; nullopt when absent.
Result<std::optional<std::uint32_t>> u32(const json& j, const char* key) {
  if (!j.contains(key)) return std::optional<std::uint32_t>{};
  const json& v = j[key];
  if (!v.is_number_integer()) return bad(fmt::format("'{}' is not an integer", key));
  if (v.is_number_unsigned() ? v.get<std::uint64_t>() > std::numeric_limits<std::uint32_t>::max()
                             : (v.get<std::int64_t>() < 0 ||
                                v.get<std::int64_t>() > std::int64_t(std::numeric_limits<std::uint32_t>::max()))) {
    return bad(fmt::format("'{}' is out of range", key));
  }
  return std::optional<std::uint32_t>(static_cast<std::uint32_t>(v.get<std::int64_t>()));
}

Result<std::optional<std::string>> string(const json& j, const char* key) {
  if (!j.contains(key)) return std::optional<std::string>{};
  if (!j[key].is_string()) return bad(fmt::format("'{}' is not a string", key));
  return std::optional<std::string>(j[key].get<std::string>());
}

#define TRY_SET(lhs, expr)      \
  do {                          \
    auto r_ = (expr);           \
    if (!r_) return r_.error(); \
    lhs = std::move(*r_);       \
  } while (0)

}  // namespace

json makeCommand(std::string_view name, const json& arguments) {
  json c = {{"command", name}, {"service", json::array({"dhcp4"})}};
  if (!arguments.is_null()) c["arguments"] = arguments;
  return c;
}

json makeAnswer(int result, std::string_view text, const json& arguments) {
  json a = {{"result", result}, {"text", text}};
  if (!arguments.is_null()) a["arguments"] = arguments;
  return json::array({a});
}

Result<PeerAnswer> parsePeerAnswer(const json& body) {
  if (body.is_object()) {
    const std::string text = body.contains("text") && body["text"].is_string() ? body["text"].get<std::string>() : "";
    return bad(fmt::format("peer answered with a map, not a list (HTTP-level error?): {}", text));
  }
  if (!body.is_array() || body.size() != 1 || !body[0].is_object()) {
    return bad("peer answer must be a list holding one map");
  }
  const json& a = body[0];
  if (!a.contains("result") || !a["result"].is_number_integer()) return bad("peer answer has no integer 'result'");
  // A result beyond int used to be truncated (4294967296 read as 0, success): refused, as the
  // sync answers' direct reader refuses it (sync/sync_answer_reader.h).
  const json& result = a["result"];
  if (result.is_number_unsigned() ? result.get<std::uint64_t>() > std::uint64_t(std::numeric_limits<int>::max())
                                  : (result.get<std::int64_t>() < std::numeric_limits<int>::min() ||
                                     result.get<std::int64_t>() > std::numeric_limits<int>::max())) {
    return bad("peer answer has no integer 'result'");
  }
  PeerAnswer out;
  out.result = result.get<int>();
  if (a.contains("text") && a["text"].is_string()) out.text = a["text"].get<std::string>();
  if (a.contains("arguments")) out.arguments = a["arguments"];
  return out;
}

// One lease JSON encoder in the tree (issue 11): Kea's Lease4::toElement is api::leaseToJson
// (lease commands); the HA forms are it with Kea's HA hook edits (CommandCreator::
// createLease4Update / insertLeaseExpireTime: "cltt" replaced by "expire").
json leaseToJson(const Lease& l) {
  json j = api::leaseToJson(l);
  j.erase("cltt");
  return j;
}

json leaseToPageEntry(const Lease& l) { return api::leaseToJson(l); }

json leaseUpdateArgs(const Lease& l) {
  json j = leaseToJson(l);
  j["expire"] = l.expire();
  j["force-create"] = true;
  j["origin"] = "ha-partner";
  return j;
}

json leaseDelArgs(const Lease& l) {
  json j = leaseToJson(l);
  j["expire"] = l.expire();
  j["origin"] = "ha-partner";
  return j;
}

// One lease decoder in the tree (issue 11): api::leaseFromJson, in its HA peer form (no
// subnets given: subnet-id as sent, valid-lft required, Kea >= 2.7's state 3 accepted).
Result<Lease> leaseFromUpdateArgs(const json& args, TimePoint now) {
  return api::leaseFromJson(args, api::LeaseJsonForm{}, toEpochSeconds(now));
}

Result<Lease> leaseFromPageEntry(const json& entry) {
  auto l = api::leaseFromJson(entry, api::LeaseJsonForm{.subnets = nullptr, .cltt = true}, 0);
  if (!l) return l.error();
  // Kea's HA sync writes page leases with their subnet-id (Lease4::fromElement requires it).
  if (l->subnetId == 0) return bad(api::missingParameter("subnet-id"));
  std::transform(l->hostname.begin(), l->hostname.end(), l->hostname.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return l;
}

Result<Ipv4> addressFromDelArgs(const json& args) {
  if (!args.is_object()) return bad("arguments must be a map");
  std::optional<std::string> s;
  TRY_SET(s, string(args, "ip-address"));
  if (!s) return bad("'ip-address' is required");
  const auto a = Ipv4::parse(*s);
  if (!a) return bad(fmt::format("'{}' is not an IPv4 address", *s));
  return *a;
}

json pageRequestArgs(std::optional<Ipv4> after, std::uint32_t limit) {
  return {{"from", after ? after->toString() : std::string("start")}, {"limit", limit}};
}

Result<PageRequest> parsePageRequest(const json& args) {
  if (!args.is_object()) return bad("arguments must be a map");
  PageRequest r;
  std::optional<std::string> from;
  TRY_SET(from, string(args, "from"));
  if (!from) return bad("'from' parameter is mandatory");
  if (*from != "start") {
    const auto a = Ipv4::parse(*from);
    if (!a) return bad(fmt::format("'from' parameter value {} is neither 'start' nor a valid IPv4 address", *from));
    r.after = *a;
  }
  std::optional<std::uint32_t> limit;
  TRY_SET(limit, u32(args, "limit"));
  if (!limit) return bad("'limit' parameter is mandatory");
  if (*limit == 0) return bad("page size of the retrieved leases must not be 0");
  r.limit = *limit;
  return r;
}

json pageAnswer(const std::vector<Lease>& leases) {
  json list = json::array();
  for (const auto& l : leases) list.push_back(leaseToPageEntry(l));
  return makeAnswer(leases.empty() ? kResultEmpty : kResultSuccess,
                    fmt::format("{} IPv4 lease(s) found.", leases.size()),
                    {{"leases", std::move(list)}, {"count", leases.size()}});
}

Result<LeasePage> parsePageAnswer(const PeerAnswer& answer, std::uint32_t limit) {
  LeasePage page;
  if (answer.result == kResultEmpty) return page;
  if (answer.result != kResultSuccess) {
    return bad(fmt::format("lease4-get-page failed with result {}: {}", answer.result, answer.text));
  }
  if (!answer.arguments.is_object() || !answer.arguments.contains("leases") || !answer.arguments["leases"].is_array()) {
    return bad("lease4-get-page answer has no 'leases' list");
  }
  const json& list = answer.arguments["leases"];
  for (std::size_t i = 0; i < list.size(); ++i) {
    auto l = leaseFromPageEntry(list[i]);
    if (l) {
      page.leases.push_back(std::move(l.value()));
    } else {
      page.errors.push_back(fmt::format("lease {}: {}", i, l.error().message));
    }
  }
  // Paging continues from the last address on the wire, parsed or not.
  if (!list.empty() && list.back().is_object() && list.back().contains("ip-address") &&
      list.back()["ip-address"].is_string()) {
    page.next = Ipv4::parse(list.back()["ip-address"].get<std::string>());
  }
  page.last = list.size() < limit || !page.next;
  return page;
}

ha::LeaseUpdateResult::Outcome classifyLeaseUpdateAnswer(const Result<PeerAnswer>& answer) noexcept {
  using O = ha::LeaseUpdateResult::Outcome;
  if (!answer) return O::Failed;
  switch (answer->result) {
    case kResultSuccess:
    case kResultEmpty: return O::Ok;
    case kResultConflict: return O::Conflict;
    default: return O::Failed;
  }
}

json heartbeatArgs(std::string_view serverName) { return {{"server-name", serverName}}; }

json heartbeatAnswerArgs(const ha::HeartbeatReply& reply, TimePoint now) {
  return {{"state", ha::toString(reply.state)},
          {"date-time", heartbeat::formatRfc1123(now)},
          {"scopes", reply.scopes},
          {"unsent-update-count", reply.unsentUpdateCount}};
}

Result<ha::HeartbeatAnswered> parseHeartbeatAnswer(const PeerAnswer& answer) {
  if (answer.result != kResultSuccess) {
    return bad(fmt::format("ha-heartbeat failed with result {}: {}", answer.result, answer.text));
  }
  const json& a = answer.arguments;
  if (!a.is_object()) return bad("returned arguments in the response must be a map");
  if (!a.contains("state") || !a["state"].is_string()) {
    return bad("server state not returned in response to a ha-heartbeat command or it is not a string");
  }
  const std::string state = a["state"].get<std::string>();
  const auto st = ha::parseHaState(state);
  if (!st) return bad(fmt::format("partner returned an unknown state '{}'", state));
  if (!a.contains("date-time") || !a["date-time"].is_string()) {
    return bad("date-time not returned in response to a ha-heartbeat command or it is not a string");
  }
  const auto when = heartbeat::parseRfc1123(a["date-time"].get<std::string>());
  if (!when) return bad(fmt::format("date-time '{}' is not an RFC 1123 date", a["date-time"].get<std::string>()));
  ha::HeartbeatAnswered out;
  out.partnerState = *st;
  out.partnerTime = *when;
  // Old peers may omit scopes; a malformed list is ignored as Kea does.
  if (a.contains("scopes") && a["scopes"].is_array() &&
      std::all_of(a["scopes"].begin(), a["scopes"].end(), [](const json& s) { return s.is_string(); })) {
    out.scopes = a["scopes"].get<std::vector<std::string>>();
  }
  if (a.contains("unsent-update-count")) {
    if (!a["unsent-update-count"].is_number_integer()) {
      return bad("unsent-update-count returned in the ha-heartbeat response is not an integer");
    }
    // Kea reads it as int64 and casts to uint64.
    out.unsentUpdateCount = static_cast<std::uint64_t>(a["unsent-update-count"].get<std::int64_t>());
  }
  return out;
}

json dhcpDisableArgs(int originId, std::uint32_t maxPeriodSeconds) {
  json j = {{"origin-id", originId}, {"origin", "ha-partner"}};
  if (maxPeriodSeconds > 0) j["max-period"] = maxPeriodSeconds;
  return j;
}

json dhcpEnableArgs(int originId) { return {{"origin-id", originId}, {"origin", "ha-partner"}}; }

Result<int> parseOrigin(const json& args, int absent) {
  if (args.is_null()) return absent;
  if (!args.is_object()) return bad("arguments must be a map");
  if (args.contains("origin-id")) {
    if (!args["origin-id"].is_number_integer()) return bad("'origin-id' argument must be a number");
    return args["origin-id"].get<int>();
  }
  if (!args.contains("origin")) return absent;
  const json& o = args["origin"];
  if (o.is_number_integer()) return o.get<int>();
  if (o.is_string()) {
    if (o == "ha-partner") return 2000;
    if (o == "user") return 1;
    return bad(fmt::format("invalid value used for 'origin' parameter: {}", o.get<std::string>()));
  }
  return bad("'origin' argument must be a string or a number");
}

json syncCompleteNotifyArgs(std::string_view serverName, int originId) {
  return {{"server-name", serverName}, {"origin-id", originId}, {"origin", originId}};
}

json haResetArgs(std::string_view serverName) { return {{"server-name", serverName}}; }

json maintenanceNotifyArgs(std::string_view serverName, bool cancel, ha::HaState state) {
  return {{"server-name", serverName}, {"cancel", cancel}, {"state", ha::toString(state)}};
}

Result<ha::MaintenanceNotifyCommand> parseMaintenanceNotify(const json& args) {
  if (!args.is_object()) return bad("arguments must be a map");
  if (!args.contains("cancel") || !args["cancel"].is_boolean()) {
    return bad("'cancel' is mandatory for the 'ha-maintenance-notify' command and must be a boolean");
  }
  ha::MaintenanceNotifyCommand c;
  c.cancel = args["cancel"].get<bool>();
  if (args.contains("state")) {
    if (!args["state"].is_string()) return bad("'state' must be a string");
    const auto st = ha::parseHaState(args["state"].get<std::string>());
    if (!st) return bad(fmt::format("unknown state '{}'", args["state"].get<std::string>()));
    c.senderState = *st;
  }
  return c;
}

Result<ha::ScopesCommand> parseScopesArgs(const json& args) {
  if (!args.is_object() || !args.contains("scopes")) return bad("'scopes' is mandatory for the 'ha-scopes' command");
  const json& s = args["scopes"];
  if (!s.is_array()) return bad("'scopes' must be a list");
  ha::ScopesCommand c;
  for (const auto& e : s) {
    if (!e.is_string()) return bad("scope name must be a string in the 'scopes' argument");
    c.scopes.push_back(e.get<std::string>());
  }
  return c;
}

ha::MaintenanceNotifyFinished maintenanceNotifyFinished(const Result<PeerAnswer>& answer) {
  ha::MaintenanceNotifyFinished f;
  if (!answer) {
    f.transportError = true;
    f.text = answer.error().message;
    return f;
  }
  f.result = answer->result;
  f.text = answer->text;
  if (answer->arguments.is_object() && answer->arguments.contains("state") && answer->arguments["state"].is_string()) {
    f.partnerState = ha::parseHaState(answer->arguments["state"].get<std::string>());
  }
  return f;
}

json statusHaSection(const ha::HaStatus& s, TimePoint now) {
  json local = {{"role", ha::toString(s.localRole)},
                {"scopes", s.scopes},
                {"server-name", s.localName},
                {"state", ha::toString(s.state)},
                {"system-time", heartbeat::formatSystemTime(now)},
                {"state-reason", s.stateReason},
                {"unsent-update-count", s.unsentUpdateCount}};
  json servers = {{"local", std::move(local)}};
  if (s.hasRemote) {
    json remote = {{"role", ha::toString(s.remoteRole)},
                   {"server-name", s.remoteName},
                   {"in-touch", s.inTouch},
                   {"age", s.age},
                   {"last-state", s.lastState ? std::string(ha::toString(*s.lastState)) : std::string()},
                   {"last-scopes", s.lastScopes},
                   {"communication-interrupted", s.communicationInterrupted},
                   {"connecting-clients", s.connectingClients},
                   {"unacked-clients", s.unackedClients},
                   {"unacked-clients-left", s.unackedClientsLeft},
                   {"analyzed-packets", s.analyzedPackets},
                   {"system-time", s.systemTime ? json(heartbeat::formatSystemTime(*s.systemTime)) : json(nullptr)},
                   {"clock-skew", s.clockSkew ? json(*s.clockSkew) : json(nullptr)}};
    if (s.partnerUnsentUpdateCount) remote["unsent-update-count"] = *s.partnerUnsentUpdateCount;
    servers["remote"] = std::move(remote);
  }
  return {{"ha-mode", ha::toString(s.mode)}, {"ha-servers", std::move(servers)}};
}

}  // namespace tandem::sync
