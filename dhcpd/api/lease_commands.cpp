#include "dhcpd/api/lease_commands.h"

#include <algorithm>
#include <filesystem>
#include <cctype>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "dhcpd/api/command_args.h"
#include "dhcpd/api/lease_json.h"
#include "dhcpd/api/time_text.h"
#include "dhcpd/lease/memfile_paths.h"

namespace tandem::api {
namespace {

std::vector<Lease> allLeasesSorted(const LeaseStore& store) {
  return store.page(Ipv4(0), std::numeric_limits<std::size_t>::max());
}

json leaseListAnswer(const std::vector<Lease>& leases) {
  json list = json::array();
  for (const auto& l : leases) list.push_back(leaseToJson(l));
  return makeAnswer(leases.empty() ? kResultEmpty : kResultSuccess,
                    std::to_string(leases.size()) + " IPv4 lease(s) found.", json{{"leases", std::move(list)}});
}

// HA peers mark their updates so they are applied without being replicated back.
Origin originOf(const json& args) {
  auto it = args.find("origin");
  if (it != args.end() && it->is_string() && it->get<std::string>() == "ha-partner") return Origin::Partner;
  return Origin::Admin;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// The lookup shared by lease4-get and lease4-del: by "ip-address", or by subnet-id plus
// identifier-type/identifier. Returns the lease (nullopt = not found) or a result-1 error.
Result<std::optional<Lease>> locateLease(const json& args, const LeaseStore& store) {
  auto ip = optString(args, "ip-address");
  if (!ip) return ip.error();
  if (*ip) {
    auto address = Ipv4::parse(**ip);
    if (!address) return makeError("Failed to convert '" + **ip + "' to address");
    return store.byAddress(*address);
  }
  auto subnetId = optInt(args, "subnet-id", 0, std::numeric_limits<std::uint32_t>::max());
  if (!subnetId) return subnetId.error();
  if (!*subnetId) return makeError("Mandatory 'subnet-id' parameter missing.");
  auto type = args.find("identifier-type");
  if (type == args.end() || !type->is_string()) {
    return makeError("No 'ip-address' provided and 'identifier-type' is either missing or not a string.");
  }
  auto ident = args.find("identifier");
  if (ident == args.end() || !ident->is_string()) {
    return makeError("No 'ip-address' provided and 'identifier' is either missing or not a string.");
  }
  const std::string kind = type->get<std::string>();
  const std::string text = ident->get<std::string>();
  const auto sid = static_cast<std::uint32_t>(**subnetId);
  if (kind == "hw-address") {
    auto hw = HwAddr::parse(text);
    if (!hw || hw->empty()) return makeError("'" + text + "' is not a valid hw-address");
    return store.byHwAddr(*hw, sid);
  }
  if (kind == "client-id") {
    auto bytes = parseHexBytes(text);
    if (!bytes || bytes->empty()) return makeError("'" + text + "' is not a valid string of hexadecimal digits");
    return store.byClientId(*bytes, sid);
  }
  if (kind == "duid") return makeError("Query by duid is not allowed in v4.");
  return makeError("Incorrect identifier type: " + kind + ", the only supported values are: address, hw-address, duid");
}

json lease4Add(ServerControl& control, const json& args) {
  if (!args.is_object()) return makeAnswer(kResultError, "no parameters specified for the command");
  auto lease = leaseFromJson(args, control.config(), toEpochSeconds(control.now()));
  if (!lease) return makeAnswer(kResultError, lease.error().message);
  if (control.leases().byAddress(lease->address)) return makeAnswer(kResultError, "IPv4 lease already exists.");
  auto put = control.putLease(*lease, originOf(args));
  if (!put) return makeAnswer(kResultError, put.error().message);
  return makeAnswer(kResultSuccess, "Lease for address " + lease->address.toString() + ", subnet-id " +
                                        std::to_string(lease->subnetId) + " added.");
}

json lease4Update(ServerControl& control, const json& args) {
  if (!args.is_object()) return makeAnswer(kResultError, "no parameters specified for the command");
  auto force = optBool(args, "force-create");
  if (!force) return makeAnswer(kResultError, force.error().message);
  auto lease = leaseFromJson(args, control.config(), toEpochSeconds(control.now()));
  if (!lease) {
    int code = lease.error().code == kLeaseConfigConflict ? kResultConflict : kResultError;
    return makeAnswer(code, lease.error().message);
  }
  const auto mine = control.leases().clttAt(lease->address);
  const bool exists = mine.has_value();
  // An HA partner's update older than the lease held here is stale (sent before a partition,
  // retransmitted by TCP after it: sync/lease_merge.h, partnerUpdateIsStale): kept out, as the
  // tandemd partners' batches keep it out. Kea 2.2 applies it; its sender reads only "result".
  if (exists && *mine > lease->cltt && originOf(args) == Origin::Partner) {
    return makeAnswer(kResultSuccess, "IPv4 lease kept: the lease held for the address is newer.");
  }
  if (!exists && !force->value_or(false)) {
    return makeAnswer(kResultError, "failed to update the lease with address " + lease->address.toString() +
                                        " either because the lease has been deleted or it has changed in the "
                                        "database, in both cases a retry might succeed");
  }
  auto put = control.putLease(*lease, originOf(args));
  if (!put) return makeAnswer(kResultError, put.error().message);
  return makeAnswer(kResultSuccess, exists ? "IPv4 lease updated." : "IPv4 lease added.");
}

json lease4Get(ServerControl& control, const json& args) {
  if (!args.is_object()) return makeAnswer(kResultError, "no parameters specified for the command");
  auto found = locateLease(args, control.leases());
  if (!found) return makeAnswer(kResultError, found.error().message);
  if (!*found) return makeAnswer(kResultEmpty, "Lease not found.");
  return makeAnswer(kResultSuccess, "IPv4 lease found.", leaseToJson(**found));
}

json lease4Del(ServerControl& control, const json& args) {
  if (!args.is_object()) return makeAnswer(kResultError, "no parameters specified for the command");
  auto found = locateLease(args, control.leases());
  if (!found) return makeAnswer(kResultError, found.error().message);
  if (!*found) {
    if (auto ip = args.find("ip-address"); ip != args.end() && ip->is_string()) {
      if (auto a = Ipv4::parse(ip->get<std::string>())) control.leaseDeleteMissed(*a, originOf(args));
    }
    return makeAnswer(kResultEmpty, "IPv4 lease not found.");
  }
  // Kea 2.2: "update-ddns": true also removes the lease's DNS entries (queueNCR CHG_REMOVE).
  bool updateDdns = false;
  if (auto u = args.find("update-ddns"); u != args.end()) {
    if (!u->is_boolean()) return makeAnswer(kResultError, "'update-ddns' is not a boolean");
    updateDdns = u->get<bool>();
  }
  const Lease deleted = **found;
  if (originOf(args) == Origin::Partner) {
    // The partner's deletion of an older lease than the one held here is stale (see
    // lease4Update); only when the request carries the deleted lease's times.
    auto theirs = leaseFromJson(args, control.config(), toEpochSeconds(control.now()));
    if (theirs && deleted.cltt > theirs->cltt) {
      return makeAnswer(kResultSuccess, "IPv4 lease kept: the lease held for the address is newer.");
    }
  }
  auto del = control.deleteLease(deleted.address, originOf(args));
  if (!del) return makeAnswer(kResultError, del.error().message);
  if (updateDdns && control.ddnsEnabled()) control.sendNameChange(false, deleted);
  return makeAnswer(kResultSuccess, "IPv4 lease deleted.");
}

// lease4-resend-ddns (Kea 2.2 lease_cmds): queue an add NCR for the lease's hostname. Texts
// and result codes as kea-dhcp4 2.2 answers them (tests/api: captured from the real hook).
json lease4ResendDdns(ServerControl& control, const json& args) {
  if (!args.is_object()) return makeAnswer(kResultError, "no parameters specified for the command");
  auto ip = args.find("ip-address");
  if (ip == args.end()) return makeAnswer(kResultError, "'ip-address' parameter is missing.");
  if (!ip->is_string()) return makeAnswer(kResultError, "'ip-address' is not a string.");
  const std::string text = ip->get<std::string>();
  auto address = Ipv4::parse(text);
  if (!address) {
    if (text.find(':') != std::string::npos) {
      return makeAnswer(kResultError, "Invalid IPv4 address specified: " + text);
    }
    return makeAnswer(kResultError, "'" + text + "' is not a valid IP address.");
  }
  if (!control.ddnsEnabled()) return makeAnswer(kResultError, "DDNS updating is not enabled");
  const std::optional<Lease> lease = control.leases().byAddress(*address);
  if (!lease) return makeAnswer(kResultEmpty, "No lease found for: " + text);
  if (lease->hostname.empty()) {
    return makeAnswer(kResultError, "Lease for: " + text + ", has no hostname, nothing to update");
  }
  if (!lease->fqdnFwd && !lease->fqdnRev) {
    return makeAnswer(kResultError, "Neither forward nor reverse updates enabled for lease for: " + text);
  }
  control.sendNameChange(true, *lease);
  return makeAnswer(kResultSuccess, "NCR generated for: " + text + ", hostname: " + lease->hostname);
}

json lease4GetAll(ServerControl& control, const json& args) {
  auto leases = allLeasesSorted(control.leases());
  if (args.is_null()) return leaseListAnswer(leases);
  auto subnets = args.find("subnets");
  if (subnets == args.end()) return makeAnswer(kResultError, "'subnets' parameter not specified");
  if (!subnets->is_array()) return makeAnswer(kResultError, "'subnets' parameter must be a list");
  std::set<std::uint32_t> wanted;
  for (const auto& id : *subnets) {
    if (!id.is_number_integer()) return makeAnswer(kResultError, "listed subnet identifiers must be numbers");
    wanted.insert(id.get<std::uint32_t>());
  }
  std::erase_if(leases, [&](const Lease& l) { return !wanted.contains(l.subnetId); });
  return leaseListAnswer(leases);
}

json lease4GetPage(ServerControl& control, const json& args) {
  if (!args.is_object()) return makeAnswer(kResultError, "no parameters specified for the lease4-get-page command");
  auto from = args.find("from");
  if (from == args.end()) return makeAnswer(kResultError, "'from' parameter not specified");
  if (!from->is_string()) return makeAnswer(kResultError, "'from' parameter must be a string");
  Ipv4 after(0);
  const std::string fromText = from->get<std::string>();
  if (fromText != "start") {
    auto address = Ipv4::parse(fromText);
    if (!address) {
      if (fromText.find(':') != std::string::npos) {
        return makeAnswer(kResultError, "'from' parameter value " + fromText + " is not an IPv4 address");
      }
      return makeAnswer(kResultError, "'from' parameter value is neither 'start' keyword nor a valid IPv4 address");
    }
    after = *address;
  }
  auto limit = args.find("limit");
  if (limit == args.end()) return makeAnswer(kResultError, "'limit' parameter not specified");
  if (!limit->is_number_integer()) return makeAnswer(kResultError, "'limit' parameter must be a number");
  if (limit->is_number_integer() && !limit->is_number_unsigned() && limit->get<std::int64_t>() < 0) {
    return makeAnswer(kResultError, "'limit' parameter must not be negative");
  }
  auto size = limit->get<std::uint64_t>();
  if (size == 0) return makeAnswer(kResultError, "page size of retrieved leases must not be 0");
  if (size > std::numeric_limits<std::uint32_t>::max()) {
    return makeAnswer(kResultError, "page size of retrieved leases must not be greater than 4294967295");
  }
  auto leases = control.leases().page(after, static_cast<std::size_t>(size));
  json list = json::array();
  for (const auto& l : leases) list.push_back(leaseToJson(l));
  json out = {{"count", leases.size()}, {"leases", std::move(list)}};
  return makeAnswer(leases.empty() ? kResultEmpty : kResultSuccess,
                    std::to_string(leases.size()) + " IPv4 lease(s) found.", std::move(out));
}

json lease4GetByHw(ServerControl& control, const json& args) {
  if (!args.is_object()) return makeAnswer(kResultError, "Command arguments missing or a not a map.");
  auto it = args.find("hw-address");
  if (it == args.end()) return makeAnswer(kResultError, "'hw-address' parameter not specified");
  if (!it->is_string()) return makeAnswer(kResultError, "'hw-address' parameter must be a string");
  auto hw = HwAddr::parse(it->get<std::string>());
  if (!hw || hw->empty()) return makeAnswer(kResultError, "'" + it->get<std::string>() + "' is not a valid hw-address");
  auto leases = control.leases().allByHwAddr(*hw);
  std::sort(leases.begin(), leases.end(), [](const Lease& a, const Lease& b) { return a.address < b.address; });
  return leaseListAnswer(leases);
}

json lease4GetByClientId(ServerControl& control, const json& args) {
  if (!args.is_object()) return makeAnswer(kResultError, "Command arguments missing or a not a map.");
  auto it = args.find("client-id");
  if (it == args.end()) return makeAnswer(kResultError, "'client-id' parameter not specified");
  if (!it->is_string()) return makeAnswer(kResultError, "'client-id' parameter must be a string");
  auto bytes = parseHexBytes(it->get<std::string>());
  if (!bytes || bytes->empty()) {
    return makeAnswer(kResultError, "'" + it->get<std::string>() + "' is not a valid string of hexadecimal digits");
  }
  auto leases = control.leases().allByClientId(*bytes);
  std::sort(leases.begin(), leases.end(), [](const Lease& a, const Lease& b) { return a.address < b.address; });
  return leaseListAnswer(leases);
}

json lease4GetByHostname(ServerControl& control, const json& args) {
  if (!args.is_object()) return makeAnswer(kResultError, "Command arguments missing or a not a map.");
  auto it = args.find("hostname");
  if (it == args.end()) return makeAnswer(kResultError, "'hostname' parameter not specified");
  if (!it->is_string()) return makeAnswer(kResultError, "'hostname' parameter must be a string");
  // Kea lower-cases the query and the stored names (host names are case-insensitive, RFC 4343).
  const std::string wanted = lower(it->get<std::string>());
  if (wanted.empty()) return makeAnswer(kResultError, "'hostname' parameter is empty");
  std::vector<Lease> leases;
  control.leases().forEach([&](const Lease& l) {
    if (lower(l.hostname) == wanted) leases.push_back(l);
  });
  std::sort(leases.begin(), leases.end(), [](const Lease& a, const Lease& b) { return a.address < b.address; });
  return leaseListAnswer(leases);
}

// lease4-wipe: millions of leases take seconds to delete, so the work is done in slices
// (kWipeSlice leases each) with DHCP served between them, and its progress is shown
// (ServerControl::runOperation). The addresses are taken when the command starts; a lease
// that left the subnet meanwhile is not deleted.
constexpr std::size_t kWipeSlice = 20000;

void lease4Wipe(ServerControl& control, const json& args, CommandReply reply) {
  auto subnetId = optInt(args, "subnet-id", 0, std::numeric_limits<std::uint32_t>::max());
  if (!subnetId) return reply(makeAnswer(kResultError, subnetId.error().message));
  std::optional<std::uint32_t> subnet;
  std::string ids;
  Origin origin = args.is_object() ? originOf(args) : Origin::Admin;
  if (*subnetId && **subnetId != 0) {
    subnet = static_cast<std::uint32_t>(**subnetId);
    ids = std::to_string(*subnet);
  } else {
    for (const auto& s : control.config().subnets) {
      if (!ids.empty()) ids += ' ';
      ids += std::to_string(s.id);
    }
  }
  auto addresses = std::make_shared<std::vector<Ipv4>>();
  control.leases().forEach([&](const Lease& l) {
    if (!subnet || l.subnetId == *subnet) addresses->push_back(l.address);
  });
  auto progress = std::make_shared<OperationProgress>("lease4-wipe", "leases", addresses->size(), control.now());
  struct Wipe {
    std::size_t next = 0;
    std::size_t deleted = 0;
  };
  auto wipe = std::make_shared<Wipe>();
  control.runOperation(progress, [&control, addresses, wipe, subnet, origin, ids, reply](OperationProgress& p) {
    const std::size_t n = std::min(kWipeSlice, addresses->size() - wipe->next);
    wipe->deleted += control.deleteLeases(std::span<const Ipv4>(addresses->data() + wipe->next, n), subnet, origin);
    wipe->next += n;
    p.setDone(wipe->next);
    if (wipe->next < addresses->size()) return false;
    reply(makeAnswer(wipe->deleted ? kResultSuccess : kResultEmpty,
                     "Deleted " + std::to_string(wipe->deleted) + " IPv4 lease(s) from subnet(s) " + ids));
    return true;
  });
}

json lease4Write(ServerControl& control, const json& args) {
  if (!args.is_object()) return makeAnswer(kResultError, "no parameters specified for the command");
  auto it = args.find("filename");
  if (it == args.end()) return makeAnswer(kResultError, "'filename' parameter not specified");
  if (!it->is_string()) return makeAnswer(kResultError, "'filename' parameter must be a string");
  const std::string file = it->get<std::string>();
  if (file.empty()) return makeAnswer(kResultError, "'filename' parameter is empty");
  // Kea 2.2 has no lease4-write (lease_cmds answers "'lease4-write' command not supported.");
  // tandemd has the command of later Kea versions. Writing over the file the journal appends
  // to, or over one of its cleanup (LFC) files, would lose rows appended meanwhile or be
  // undone by the next cleanup, so those names are refused.
  if (const auto& db = control.config().leaseDatabase; db.type == "memfile" && db.persist && !db.name.empty()) {
    std::error_code ec;
    const auto target = std::filesystem::weakly_canonical(std::filesystem::absolute(file, ec), ec);
    const MemfilePaths paths{db.name};
    for (const std::string& own :
         {paths.current(), paths.input(), paths.previous(), paths.output(), paths.completed()}) {
      std::error_code ec2;
      if (target == std::filesystem::weakly_canonical(own, ec2)) {
        return makeAnswer(kResultError,
                          "'filename' parameter must not name the lease file in use or its cleanup files: '" + own +
                              "'");
      }
    }
  }
  auto written = control.writeLeaseFile(file);
  if (!written) return makeAnswer(kResultError, written.error().message);
  return makeAnswer(kResultSuccess, "IPv4 lease database into '" + file + "'.");
}

// stat_cmds: rows computed from the lease store, as Kea's memfile query does:
// assigned = default + declined leases, declined = declined leases.
json statLease4Get(ServerControl& control, const json& args) {
  const auto& cfg = control.config();
  std::optional<std::uint32_t> first, last;
  std::string label = "all subnets";
  if (args.is_object()) {
    auto sid = args.find("subnet-id");
    auto range = args.find("subnet-range");
    if (sid != args.end() && range != args.end()) {
      return makeAnswer(kResultError, "cannot specify both subnet-id and subnet-range");
    }
    if (sid != args.end()) {
      if (!sid->is_number_integer()) return makeAnswer(kResultError, "'subnet-id' parameter is not integer");
      if (sid->get<std::int64_t>() <= 0) return makeAnswer(kResultError, "'subnet-id' parameter must be > 0");
      first = last = sid->get<std::uint32_t>();
      label = "subnet-id=" + std::to_string(*first);
    } else if (range != args.end()) {
      if (!range->is_object()) return makeAnswer(kResultError, "'subnet-range' parameter is not a map");
      auto f = range->find("first-subnet-id");
      if (f == range->end() || !f->is_number_integer()) {
        return makeAnswer(kResultError, "'first-subnet-id' parameter missing or not an integer");
      }
      auto l = range->find("last-subnet-id");
      if (l == range->end() || !l->is_number_integer()) {
        return makeAnswer(kResultError, "'last-subnet-id' parameter missing or not an integer");
      }
      first = f->get<std::uint32_t>();
      last = l->get<std::uint32_t>();
      if (*last <= *first) return makeAnswer(kResultError, "'last-subnet-id' must be greater than 'first-subnet-id'");
      label = "subnets " + std::to_string(*first) + " through " + std::to_string(*last);
    }
  }
  std::vector<const config::Subnet4*> selected;
  for (const auto& s : cfg.subnets) {
    if (!first || (s.id >= *first && s.id <= *last)) selected.push_back(&s);
  }
  std::sort(selected.begin(), selected.end(), [](auto* a, auto* b) { return a->id < b->id; });
  const std::string prefix = "stat-lease4-get[" + label + "]: ";
  if (selected.empty()) {
    std::string why = first && *first == *last && label.starts_with("subnet-id")
                          ? "subnet-id: " + std::to_string(*first) + " does not exist"
                      : first ? "selected ID range: " + std::to_string(*first) + " through " + std::to_string(*last) +
                                    " includes no known subnets"
                              : "no subnets configured";
    return makeAnswer(kResultEmpty, prefix + "no matching data, " + why, json::object());
  }
  struct Counts {
    std::int64_t assigned = 0, declined = 0;
  };
  std::map<std::uint32_t, Counts> counts;
  control.leases().forEach([&](const Lease& l) {
    if (l.state == LeaseState::ExpiredReclaimed) return;
    auto& c = counts[l.subnetId];
    ++c.assigned;
    if (l.state == LeaseState::Declined) ++c.declined;
  });
  json rows = json::array();
  for (const auto* s : selected) {
    std::uint64_t total = 0;
    for (const auto& p : s->pools) total += p.size();
    const auto& c = counts[s->id];
    std::int64_t cumulative =
        control.stats().value("subnet[" + std::to_string(s->id) + "].cumulative-assigned-addresses");
    rows.push_back(json::array({s->id, total, cumulative, c.assigned, c.declined}));
  }
  json resultSet = {{"columns",
                     {"subnet-id", "total-addresses", "cumulative-assigned-addresses", "assigned-addresses",
                      "declined-addresses"}},
                    {"rows", rows},
                    {"timestamp", formatKeaTimestamp(control.now())}};
  return makeAnswer(kResultSuccess, prefix + std::to_string(rows.size()) + " rows found",
                    json{{"result-set", std::move(resultSet)}});
}

}  // namespace

void registerLeaseCommands(CommandRegistry& registry, ServerControl& control) {
  auto bind = [&control](json (*fn)(ServerControl&, const json&)) { return bindTarget(control, fn); };
  registry.add("lease4-add", bind(lease4Add));
  registry.add("lease4-update", bind(lease4Update));
  registry.add("lease4-get", bind(lease4Get));
  registry.add("lease4-del", bind(lease4Del));
  registry.add("lease4-get-all", bind(lease4GetAll));
  registry.add("lease4-get-page", bind(lease4GetPage));
  registry.add("lease4-get-by-hw-address", bind(lease4GetByHw));
  registry.add("lease4-get-by-client-id", bind(lease4GetByClientId));
  registry.add("lease4-get-by-hostname", bind(lease4GetByHostname));
  registry.add("lease4-resend-ddns", bind(lease4ResendDdns));
  registry.addAsync("lease4-wipe", [&control](const json& args, const CommandContext&, CommandReply reply) {
    lease4Wipe(control, args, std::move(reply));
  });
  registry.add("lease4-write", bind(lease4Write));
  registry.add("stat-lease4-get", bind(statLease4Get));
}

}  // namespace tandem::api
