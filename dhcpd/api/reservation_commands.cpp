#include "dhcpd/api/reservation_commands.h"

#include <algorithm>
#include <functional>
#include <memory>
#include <cctype>
#include <limits>
#include <string>
#include <vector>

#include "dhcpd/api/command_args.h"
#include "dhcpd/api/lease_json.h"
#include "dhcpd/config/host_row.h"

namespace tandem::api {
namespace {

// Kea's DHCPv4 host identifier types, in the order Kea lists them.
constexpr std::string_view kIdentifierTypes[] = {"hw-address", "duid", "circuit-id", "client-id", "flex-id"};

struct Identifier {
  std::string type;
  std::vector<std::uint8_t> bytes;
  bool operator==(const Identifier&) const = default;
};

bool isIdentifierType(std::string_view t) {
  return std::find(std::begin(kIdentifierTypes), std::end(kIdentifierTypes), t) != std::end(kIdentifierTypes);
}

// Hex ("01:02:03", "010203") or, as Kea allows for circuit-id/flex-id, a quoted string ('abc').
std::optional<std::vector<std::uint8_t>> identifierBytes(const std::string& text) {
  if (text.size() >= 2 && text.front() == '\'' && text.back() == '\'') {
    return std::vector<std::uint8_t>(text.begin() + 1, text.end() - 1);
  }
  auto bytes = parseHexBytes(text);
  if (!bytes || bytes->empty()) return std::nullopt;
  return bytes;
}

std::optional<Identifier> identifierOf(const json& host) {
  for (auto type : kIdentifierTypes) {
    auto it = host.find(type);
    if (it == host.end() || !it->is_string()) continue;
    auto bytes = identifierBytes(it->get<std::string>());
    if (!bytes) return std::nullopt;
    return Identifier{std::string(type), std::move(*bytes)};
  }
  return std::nullopt;
}

std::optional<Ipv4> addressOf(const json& host) {
  auto it = host.find("ip-address");
  if (it == host.end() || !it->is_string()) return std::nullopt;
  return Ipv4::parse(it->get<std::string>());
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// Where a subnet's reservations live in the config document; subnet-id 0 means the global
// reservations, as in Kea.
json* reservationsIn(json& doc, const config::Dhcp4Config& cfg, std::uint32_t subnetId) {
  auto& dhcp4 = doc["Dhcp4"];
  if (!dhcp4.is_object()) return nullptr;
  if (subnetId == 0) {
    if (!dhcp4.contains("reservations")) dhcp4["reservations"] = json::array();
    return &dhcp4["reservations"];
  }
  json* entry = nullptr;
  // The parser records where each subnet is (top-level "subnet4" or a shared network's).
  for (const auto& sn : cfg.subnets) {
    if (sn.id != subnetId || sn.sourcePointer.empty()) continue;
    const json::json_pointer ptr(sn.sourcePointer);
    if (doc.contains(ptr) && doc[ptr].is_object()) entry = &doc[ptr];
  }
  if (auto subnets = dhcp4.find("subnet4"); !entry && subnets != dhcp4.end() && subnets->is_array()) {
    for (auto& s : *subnets) {
      if (s.is_object() && s.contains("id") && s["id"].is_number_integer() && s["id"].get<std::int64_t>() == subnetId) {
        entry = &s;
        break;
      }
    }
  }
  if (!entry) return nullptr;
  if (!entry->contains("reservations")) (*entry)["reservations"] = json::array();
  return &(*entry)["reservations"];
}

// A reservation in Kea's host_cmds answer form: defaults filled in, plus its subnet-id.
json hostJson(const json& source, std::uint32_t subnetId) {
  json h = source.is_object() ? source : json::object();
  if (auto it = h.find("hw-address"); it != h.end() && it->is_string()) {
    if (auto hw = HwAddr::parse(it->get<std::string>())) *it = hw->toString();
  }
  if (!h.contains("boot-file-name")) h["boot-file-name"] = "";
  if (!h.contains("client-classes")) h["client-classes"] = json::array();
  if (!h.contains("hostname")) h["hostname"] = "";
  if (!h.contains("next-server")) h["next-server"] = "0.0.0.0";
  if (!h.contains("option-data")) h["option-data"] = json::array();
  if (!h.contains("server-hostname")) h["server-hostname"] = "";
  h["subnet-id"] = subnetId;
  return h;
}

struct HostRef {
  HostRef(std::uint32_t s, const json* h, std::shared_ptr<const json> o = nullptr)
      : subnetId(s), host(h), owned(std::move(o)) {}
  std::uint32_t subnetId;
  const json* host;
  std::shared_ptr<const json> owned;  // a database host's JSON (host points at it)
};

using RowFilter = std::function<bool(const config::HostRow&)>;

// Every reservation in document order: global first, then each subnet's; then the hosts
// databases' (Kea 2.2's HostMgr asks the configuration first), those rowFilter accepts.
std::vector<HostRef> allHosts(ServerControl& control, const RowFilter& rowFilter = nullptr) {
  std::vector<HostRef> out;
  const auto& cfg = control.config();
  static const json kEmpty = json::object();
  // A reference into the running config: HostRef points at its elements.
  const json& dhcp4 = cfg.source.contains("Dhcp4") ? cfg.source["Dhcp4"] : kEmpty;
  if (auto g = dhcp4.find("reservations"); g != dhcp4.end() && g->is_array()) {
    for (const auto& h : *g) out.push_back({0, &h});
  }
  // Each subnet where the parser found it: shared networks' subnets, then "subnet4".
  auto top = dhcp4.find("subnet4");
  for (const auto& sn : cfg.subnets) {
    const json* s = nullptr;
    if (!sn.sourcePointer.empty()) {
      const json::json_pointer ptr(sn.sourcePointer);
      if (cfg.source.contains(ptr)) s = &cfg.source[ptr];
    } else if (top != dhcp4.end() && top->is_array()) {
      // A configuration built in code: find the subnet by its "id".
      for (const auto& e : *top) {
        if (e.is_object() && e.contains("id") && e["id"].is_number_integer() && e["id"].get<std::int64_t>() == sn.id) {
          s = &e;
        }
      }
    }
    if (!s || !s->is_object()) continue;
    if (auto r = s->find("reservations"); r != s->end() && r->is_array()) {
      for (const auto& h : *r) out.push_back({sn.id, &h});
    }
  }
  if (HostsBackend* db = control.hostsBackend()) {
    for (const config::HostRow* row : db->hosts()) {
      if (rowFilter && !rowFilter(*row)) continue;
      auto j = std::make_shared<const json>(config::reservationJsonOf(*row));
      out.push_back({row->subnetId, j.get(), j});
    }
  }
  return out;
}

// Kea 2.2's host types in dhcp_identifier_type order.
std::uint8_t identifierTypeCode(const std::string& type) {
  for (std::uint8_t i = 0; i < std::size(kIdentifierTypes); ++i) {
    if (kIdentifierTypes[i] == type) return i;
  }
  return 0;
}

json hostListAnswer(const std::vector<HostRef>& hosts) {
  json list = json::array();
  for (const auto& h : hosts) list.push_back(hostJson(*h.host, h.subnetId));
  return makeAnswer(hosts.empty() ? kResultEmpty : kResultSuccess,
                    std::to_string(hosts.size()) + " IPv4 host(s) found.", json{{"hosts", std::move(list)}});
}

Result<std::uint32_t> requiredSubnetId(const json& args) {
  auto sid = optInt(args, "subnet-id", 0, std::numeric_limits<std::uint32_t>::max());
  if (!sid) return sid.error();
  if (!*sid) return makeError("Mandatory 'subnet-id' parameter missing.");
  return static_cast<std::uint32_t>(**sid);
}

Result<std::optional<std::uint32_t>> optionalSubnetId(const json& args) {
  auto sid = optInt(args, "subnet-id", 0, std::numeric_limits<std::uint32_t>::max());
  if (!sid) return sid.error();
  if (!*sid) return std::optional<std::uint32_t>{};
  return std::optional<std::uint32_t>{static_cast<std::uint32_t>(**sid)};
}

// The selector of reservation-get and reservation-del: subnet-id plus either ip-address or
// identifier-type/identifier.
struct Selector {
  std::uint32_t subnetId = 0;
  std::optional<Ipv4> address;
  std::optional<Identifier> identifier;
  bool matches(const HostRef& h) const {
    if (h.subnetId != subnetId) return false;
    if (address) return addressOf(*h.host) == address;
    return identifierOf(*h.host) == identifier;
  }
};

Result<Selector> selectorOf(const json& args) {
  if (!args.is_object()) return makeError("Parameters missing or are not a map.");
  Selector sel;
  auto sid = requiredSubnetId(args);
  if (!sid) return sid.error();
  sel.subnetId = *sid;
  auto ip = optString(args, "ip-address");
  if (!ip) return ip.error();
  if (*ip) {
    auto a = Ipv4::parse(**ip);
    if (!a) return makeError("Failed to convert '" + **ip + "' to address");
    sel.address = *a;
    return sel;
  }
  auto type = args.find("identifier-type");
  if (type == args.end() || !type->is_string()) {
    return makeError("No 'ip-address' provided and 'identifier-type' is either missing or not a string.");
  }
  auto ident = args.find("identifier");
  if (ident == args.end() || !ident->is_string()) {
    return makeError("No 'ip-address' provided and 'identifier' is either missing or not a string.");
  }
  const std::string t = type->get<std::string>();
  if (!isIdentifierType(t)) {
    return makeError("Invalid identifier type: " + t +
                     ", the supported values are: hw-address, duid, circuit-id, client-id, flex-id");
  }
  auto bytes = identifierBytes(ident->get<std::string>());
  if (!bytes) return makeError("'" + ident->get<std::string>() + "' is not a valid " + t);
  sel.identifier = Identifier{t, std::move(*bytes)};
  return sel;
}

std::string identifierText(const Identifier& id) { return id.type + " '" + toHexColon(id.bytes) + "'"; }

// Whether the lease holder is the reserved client (same identifier), for the conflict report.
bool leaseBelongsTo(const Lease& lease, const Identifier& id) {
  if (id.type == "hw-address")
    return std::equal(id.bytes.begin(), id.bytes.end(), lease.hwAddr.view().begin(), lease.hwAddr.view().end());
  if (id.type == "client-id") return lease.clientId == id.bytes;
  // RFC 4361: a client-id of type 255 carries the DUID after a 4-byte IAID.
  if (id.type == "duid") {
    return lease.clientId.size() > 5 && lease.clientId[0] == 255 &&
           std::equal(id.bytes.begin(), id.bytes.end(), lease.clientId.begin() + 5, lease.clientId.end());
  }
  return false;  // circuit-id and flex-id are not recorded in leases
}

// Where reservation-add / reservation-del go. Kea 2.2 (no operation-target yet) writes to
// the hosts databases only and refuses without one; tandemd keeps its config-file
// reservations without a database, and takes newer Kea's operation-target: "primary" (or
// "memory") = the configuration, "alternate" (or "database") = the databases, "all" and
// "default" = the databases when there are any.
enum class Target { Config, Database };
Result<Target> targetOf(ServerControl& control, const json& args, const char* verb) {
  auto target = optString(args, "operation-target");
  if (!target) return target.error();
  const bool haveDb = control.hostsBackend() != nullptr;
  if (*target && (**target == "primary" || **target == "memory")) return Target::Config;
  if (*target && (**target == "alternate" || **target == "database") && !haveDb) {
    return makeError(std::string("Unable to ") + verb + " because there is no hosts-database configured.");
  }
  return haveDb ? Target::Database : Target::Config;
}

// Kea's checkReadOnly text (PgSqlHostDataSourceImpl / MySqlHostDataSourceImpl).
std::string readOnlyText(const HostsBackend& db) {
  return std::string(db.product()) + " host database backend is configured to operate in read only mode";
}

void reservationAdd(ServerControl& control, const json& args, CommandReply reply) {
  if (!args.is_object()) return reply(makeAnswer(kResultError, "Parameters missing or are not a map."));
  auto target = targetOf(control, args, "add new host");
  if (!target) return reply(makeAnswer(kResultError, target.error().message));
  auto r = args.find("reservation");
  if (r == args.end()) return reply(makeAnswer(kResultError, "missing parameter 'reservation'"));
  if (!r->is_object()) return reply(makeAnswer(kResultError, "'reservation' parameter must be a map"));
  json host = *r;
  auto sid = requiredSubnetId(host);
  if (!sid) return reply(makeAnswer(kResultError, sid.error().message));
  host.erase("subnet-id");

  int identifiers = 0;
  for (auto type : kIdentifierTypes) identifiers += host.contains(type) ? 1 : 0;
  if (identifiers != 1) {
    return reply(makeAnswer(kResultError,
                            "exactly one of the host identifiers must be specified: hw-address, duid, circuit-id, "
                            "client-id, flex-id"));
  }
  auto id = identifierOf(host);
  if (!id) return reply(makeAnswer(kResultError, "invalid host identifier in reservation"));
  std::optional<Ipv4> address;
  if (host.contains("ip-address")) {
    address = addressOf(host);
    if (!address) return reply(makeAnswer(kResultError, "invalid 'ip-address' in reservation"));
  }

  const auto& cfg = control.config();
  if (*sid != 0) {
    const auto* subnet = findSubnet(cfg, *sid);
    if (!subnet) {
      return reply(makeAnswer(kResultError, "IPv4 subnet with id " + std::to_string(*sid) + " does not exist"));
    }
    if (address && !subnet->prefix.contains(*address)) {
      return reply(makeAnswer(kResultError, "specified reservation address " + address->toString() +
                                                " is not within the IPv4 subnet " + subnet->prefix.toString() +
                                                ", subnet-id=" + std::to_string(*sid)));
    }
  }
  for (const auto& h : allHosts(control, [&](const config::HostRow& row) { return row.subnetId == *sid; })) {
    if (h.subnetId != *sid) continue;
    if (identifierOf(*h.host) == id) {
      return reply(makeAnswer(kResultConflict, "failed to add new host using the " + identifierText(*id) +
                                                   " to the IPv4 subnet id '" + std::to_string(*sid) +
                                                   "' as this host has already been added"));
    }
    // With ip-reservations-unique false Kea lets several hosts reserve one address.
    if (address && cfg.ipReservationsUnique && addressOf(*h.host) == address) {
      return reply(makeAnswer(kResultConflict, "failed to add new host using the " + identifierText(*id) +
                                                   " to the IPv4 subnet id '" + std::to_string(*sid) +
                                                   "' for the address " + address->toString() +
                                                   ": There's already a reservation for this address"));
    }
  }

  // The reservation is in force, but a lease another client holds on the address stays
  // valid until it ends (Kea logs the same conflict when the client returns).
  auto added = [&control, address, id = *id]() {
    if (address) {
      if (auto lease = control.leases().byAddress(*address); lease && !leaseBelongsTo(*lease, id)) {
        std::string holder = "hw-address " + lease->hwAddr.toString();
        if (!lease->clientId.empty()) holder += ", client-id " + toHexColon(lease->clientId);
        json warn = json::array({"address " + address->toString() + " is currently leased to another client (" +
                                 holder + "); the reservation takes effect when that lease ends"});
        return makeAnswer(kResultSuccess, "Host added.", json{{"warnings", std::move(warn)}});
      }
    }
    return makeAnswer(kResultSuccess, "Host added.");
  };

  if (*target == Target::Database) {
    HostsBackend* db = control.hostsBackend();
    // The row Kea's PgSqlHostDataSource would write, checked by the configuration's rules.
    auto row = config::hostRowOf(host, *sid, cfg);
    if (!row) return reply(makeAnswer(kResultError, row.error().message));
    if (!db->writable()) return reply(makeAnswer(kResultError, readOnlyText(*db)));
    // Answered once the transaction committed (and the host is in force).
    db->addHost(std::move(*row), [reply, added](Result<void> done) {
      if (!done) return reply(makeAnswer(kResultError, done.error().message));
      reply(added());
    });
    return;
  }

  json doc = cfg.source;
  json* list = reservationsIn(doc, cfg, *sid);
  if (!list || !list->is_array()) {
    return reply(makeAnswer(kResultError, "cannot locate reservations of subnet " + std::to_string(*sid) +
                                              " in the running configuration"));
  }
  list->push_back(host);
  auto applied = control.applyConfig(doc);
  if (!applied) return reply(makeAnswer(kResultError, applied.error().message));
  reply(added());
}

json reservationGet(ServerControl& control, const json& args) {
  auto sel = selectorOf(args);
  if (!sel) return makeAnswer(kResultError, sel.error().message);
  auto rowMatches = [&](const config::HostRow& row) {
    if (row.subnetId != sel->subnetId) return false;
    if (sel->address) return row.ipv4Address == sel->address->value;
    return kIdentifierTypes[std::min<std::size_t>(row.identifierType, 4)] == sel->identifier->type &&
           row.identifier == sel->identifier->bytes;
  };
  for (const auto& h : allHosts(control, rowMatches)) {
    if (sel->matches(h)) return makeAnswer(kResultSuccess, "Host found.", hostJson(*h.host, h.subnetId));
  }
  return makeAnswer(kResultEmpty, "Host not found.");
}

void reservationDel(ServerControl& control, const json& args, CommandReply reply) {
  auto sel = selectorOf(args);
  if (!sel) return reply(makeAnswer(kResultError, sel.error().message));
  auto target = targetOf(control, args, "delete a host");
  if (!target) return reply(makeAnswer(kResultError, target.error().message));
  const auto& cfg = control.config();
  json doc = cfg.source;
  json* list = reservationsIn(doc, cfg, sel->subnetId);
  auto it = list && list->is_array() ? std::find_if(list->begin(), list->end(),
                                                    [&](const json& h) {
                                                      return sel->matches(HostRef{sel->subnetId, &h});
                                                    })
                                     : json::iterator{};
  const bool inConfig = list && list->is_array() && it != list->end();
  // A host of the configuration file is deleted there (tandemd's own reservations); another
  // goes to the hosts databases, as Kea 2.2's HostMgr::del.
  if (*target == Target::Database && !inConfig) {
    HostsBackend* db = control.hostsBackend();
    if (!db->writable()) return reply(makeAnswer(kResultError, readOnlyText(*db)));
    HostsBackend::HostSelector s;
    s.subnetId = sel->subnetId;
    s.address = sel->address;
    if (sel->identifier) {
      s.identifierType = identifierTypeCode(sel->identifier->type);
      s.identifier = sel->identifier->bytes;
    }
    db->delHost(std::move(s), [reply](Result<bool> done) {
      if (!done) return reply(makeAnswer(kResultError, done.error().message));
      reply(*done ? makeAnswer(kResultSuccess, "Host deleted.")
                  : makeAnswer(kResultEmpty, "Host not deleted (not found)."));
    });
    return;
  }
  if (!inConfig) return reply(makeAnswer(kResultEmpty, "Host not deleted (not found)."));
  list->erase(it);
  auto applied = control.applyConfig(doc);
  if (!applied) return reply(makeAnswer(kResultError, applied.error().message));
  reply(makeAnswer(kResultSuccess, "Host deleted."));
}

// reservation-get-all: a subnet with a hundred thousand reservations takes a while to turn
// into the answer, so it is built in slices (kHostSlice hosts each) with DHCP served between
// them, and its progress is shown (ServerControl::runOperation). The hosts point into the
// running configuration: a reload between two slices ends the command with an error.
constexpr std::size_t kHostSlice = 5000;

void reservationGetAll(ServerControl& control, const json& args, CommandReply reply) {
  if (!args.is_object()) return reply(makeAnswer(kResultError, "Parameters missing or are not a map."));
  auto sid = requiredSubnetId(args);
  if (!sid) return reply(makeAnswer(kResultError, sid.error().message));
  auto hosts = std::make_shared<std::vector<HostRef>>(
      allHosts(control, [&](const config::HostRow& row) { return row.subnetId == *sid; }));
  std::erase_if(*hosts, [&](const HostRef& h) { return h.subnetId != *sid; });
  auto progress = std::make_shared<OperationProgress>("reservation-get-all", "hosts", hosts->size(), control.now());
  auto list = std::make_shared<json>(json::array());
  const TimePoint configured = control.reloadTime();
  control.runOperation(progress, [&control, hosts, list, configured, reply](OperationProgress& p) {
    if (control.reloadTime() != configured) {
      reply(makeAnswer(kResultError, "the configuration changed while reservation-get-all ran; run it again"));
      return true;
    }
    const std::size_t from = list->size(), to = std::min(hosts->size(), from + kHostSlice);
    for (std::size_t i = from; i < to; ++i) list->push_back(hostJson(*(*hosts)[i].host, (*hosts)[i].subnetId));
    p.setDone(to);
    if (to < hosts->size()) return false;
    reply(makeAnswer(hosts->empty() ? kResultEmpty : kResultSuccess,
                     std::to_string(hosts->size()) + " IPv4 host(s) found.", json{{"hosts", std::move(*list)}}));
    return true;
  });
}

// Host "ids" for paging are 1-based positions in allHosts() order; "from" is the last id of
// the previous page, as with Kea's next.from.
json reservationGetPage(ServerControl& control, const json& args) {
  if (!args.is_object()) return makeAnswer(kResultError, "Parameters missing or are not a map.");
  auto sid = optionalSubnetId(args);
  if (!sid) return makeAnswer(kResultError, sid.error().message);
  auto limit = optInt(args, "limit", 0, std::numeric_limits<std::uint32_t>::max());
  if (!limit) return makeAnswer(kResultError, limit.error().message);
  if (!*limit) return makeAnswer(kResultError, "'limit' parameter not specified");
  if (**limit == 0) return makeAnswer(kResultError, "page size of retrieved hosts must not be 0");
  auto from = optInt(args, "from", 0, std::numeric_limits<std::int64_t>::max());
  if (!from) return makeAnswer(kResultError, from.error().message);
  auto sourceIndex = optInt(args, "source-index", 0, std::numeric_limits<std::int64_t>::max());
  if (!sourceIndex) return makeAnswer(kResultError, sourceIndex.error().message);
  if (*sourceIndex && **sourceIndex > 0) {
    // Index 0 is the configuration; there is no hosts database behind it.
    return makeAnswer(kResultEmpty, "0 IPv4 host(s) found.", json{{"count", 0}, {"hosts", json::array()}});
  }
  auto hosts = allHosts(control);
  json list = json::array();
  std::int64_t lastId = from->value_or(0);
  for (std::size_t i = static_cast<std::size_t>(from->value_or(0)); i < hosts.size(); ++i) {
    if (*sid && hosts[i].subnetId != **sid) continue;
    if (list.size() >= static_cast<std::size_t>(**limit)) break;
    list.push_back(hostJson(*hosts[i].host, hosts[i].subnetId));
    lastId = static_cast<std::int64_t>(i + 1);
  }
  const std::size_t count = list.size();
  json out = {{"count", count}, {"hosts", std::move(list)}};
  if (count) out["next"] = {{"from", lastId}, {"source-index", 0}};
  return makeAnswer(count ? kResultSuccess : kResultEmpty, std::to_string(count) + " IPv4 host(s) found.",
                    std::move(out));
}

json reservationGetByHostname(ServerControl& control, const json& args) {
  if (!args.is_object()) return makeAnswer(kResultError, "Parameters missing or are not a map.");
  auto name = optString(args, "hostname");
  if (!name) return makeAnswer(kResultError, name.error().message);
  if (!*name) return makeAnswer(kResultError, "'hostname' parameter not specified");
  if ((*name)->empty()) return makeAnswer(kResultError, "'hostname' parameter is empty");
  auto sid = optionalSubnetId(args);
  if (!sid) return makeAnswer(kResultError, sid.error().message);
  const std::string wanted = lower(**name);
  auto hosts = allHosts(control);
  std::erase_if(hosts, [&](const HostRef& h) {
    if (*sid && h.subnetId != **sid) return true;
    auto it = h.host->find("hostname");
    return it == h.host->end() || !it->is_string() || lower(it->get<std::string>()) != wanted;
  });
  return hostListAnswer(hosts);
}

json reservationGetByAddress(ServerControl& control, const json& args) {
  if (!args.is_object()) return makeAnswer(kResultError, "Parameters missing or are not a map.");
  auto ip = optString(args, "ip-address");
  if (!ip) return makeAnswer(kResultError, ip.error().message);
  if (!*ip) return makeAnswer(kResultError, "'ip-address' parameter not specified");
  auto address = Ipv4::parse(**ip);
  if (!address) return makeAnswer(kResultError, "Failed to convert '" + **ip + "' to address");
  auto sid = optionalSubnetId(args);
  if (!sid) return makeAnswer(kResultError, sid.error().message);
  auto hosts = allHosts(control);
  std::erase_if(hosts,
                [&](const HostRef& h) { return (*sid && h.subnetId != **sid) || addressOf(*h.host) != address; });
  return hostListAnswer(hosts);
}

}  // namespace

void registerReservationCommands(CommandRegistry& registry, ServerControl& control) {
  auto bind = [&control](json (*fn)(ServerControl&, const json&)) { return bindTarget(control, fn); };
  registry.addAsync("reservation-add", [&control](const json& args, const CommandContext&, CommandReply reply) {
    reservationAdd(control, args, std::move(reply));
  });
  registry.add("reservation-get", bind(reservationGet));
  registry.addAsync("reservation-del", [&control](const json& args, const CommandContext&, CommandReply reply) {
    reservationDel(control, args, std::move(reply));
  });
  registry.addAsync("reservation-get-all", [&control](const json& args, const CommandContext&, CommandReply reply) {
    reservationGetAll(control, args, std::move(reply));
  });
  registry.add("reservation-get-page", bind(reservationGetPage));
  registry.add("reservation-get-by-hostname", bind(reservationGetByHostname));
  registry.add("reservation-get-by-address", bind(reservationGetByAddress));
}

}  // namespace tandem::api
