// "subnet4" entries with their pools, relay, reservations and inherited values.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <regex>
#include <utility>

#include "dhcpd/config/parser_parts.h"

namespace tandem::config {

namespace {

using nlohmann::json;

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t");
  return s.substr(first, last - first + 1);
}

// "198.18.0.10 - 198.18.0.99" (spaces optional) or "198.18.0.0/25", as Kea accepts.
std::optional<std::pair<Ipv4, Ipv4>> parsePoolRange(std::string_view text) {
  text = trim(text);
  if (auto dash = text.find('-'); dash != std::string_view::npos) {
    auto first = Ipv4::parse(trim(text.substr(0, dash)));
    auto last = Ipv4::parse(trim(text.substr(dash + 1)));
    if (!first || !last || *first > *last) return std::nullopt;
    return std::make_pair(*first, *last);
  }
  if (auto prefix = Prefix4::parse(text)) {
    const std::uint32_t net = prefix->network.value & prefix->mask();
    return std::make_pair(Ipv4(net), Ipv4(net | ~prefix->mask()));
  }
  return std::nullopt;
}

// Kea writes identifiers as hex ("01:aa:bb" or "01aabb") or as a quoted text ('text').
std::optional<ByteVec> parseIdentifier(std::string_view text) {
  if (text.size() >= 2 && text.front() == '\'' && text.back() == '\'') {
    auto inner = text.substr(1, text.size() - 2);
    if (inner.empty()) return std::nullopt;
    return ByteVec(inner.begin(), inner.end());
  }
  auto bytes = parseHexBytes(text);
  if (!bytes || bytes->empty()) return std::nullopt;
  return bytes;
}

struct ReservationIndex {
  std::map<std::string, std::string> byIdentifier;  // "hw-address aa:bb.." -> path of first
  std::map<Ipv4, std::string> byAddress;
};

std::optional<Reservation> parseReservation(const json& entry, const std::string& path, const Subnet4* subnet,
                                            bool ipUnique, const proto::OptionDefSet& defs, Diagnostics& diag,
                                            ReservationIndex& index) {
  ObjectReader r(entry, path, diag);
  const std::size_t errorsBefore = diag.errorCount();
  Reservation res;
  res.source = entry;

  static constexpr std::string_view kIdentifiers[] = {"hw-address", "duid", "circuit-id", "client-id", "flex-id"};
  std::vector<std::string_view> given;
  for (auto id : kIdentifiers) {
    if (r.has(id)) given.push_back(id);
  }
  if (given.empty()) {
    diag.error(path, "a reservation needs an identifier: hw-address, duid, circuit-id, client-id or flex-id");
  } else if (given.size() > 1) {
    for (auto id : given) r.ignore(id);
    diag.error(path, fmt::format("'{}' and '{}' are mutually exclusive (one identifier per host)", given[0], given[1]));
  }
  std::string identifierKey, identifierPath;
  if (auto hw = r.string("hw-address")) {
    identifierPath = r.pathOf("hw-address");
    auto parsed = HwAddr::parse(*hw);
    if (!parsed || parsed->empty()) {
      diag.error(identifierPath, fmt::format("'{}' is not a valid hardware address", *hw));
    } else {
      res.hwAddr = *parsed;
      identifierKey = "hw-address " + parsed->toString();
    }
  }
  // The other identifiers: hex or 'quoted text', as Kea's Host accepts them.
  const std::pair<std::string_view, std::vector<std::uint8_t>*> byteIds[] = {{"duid", &res.duid},
                                                                             {"circuit-id", &res.circuitId},
                                                                             {"client-id", &res.clientId},
                                                                             {"flex-id", &res.flexId}};
  for (auto [key, target] : byteIds) {
    auto text = r.string(key);
    if (!text) continue;
    identifierPath = r.pathOf(key);
    if (text->empty()) {
      diag.error(identifierPath, "empty host identifier used");
      continue;
    }
    auto parsed = parseIdentifier(*text);
    if (!parsed) {
      diag.error(identifierPath, fmt::format("invalid host identifier value '{}' (hex or 'text')", *text));
      continue;
    }
    *target = std::move(*parsed);
    identifierKey = fmt::format("{} {}", key, toHexColon(*target));
  }

  if (auto ip = r.string("ip-address")) {
    auto a = Ipv4::parse(*ip);
    if (!a) {
      diag.error(r.pathOf("ip-address"), fmt::format("'{}' is not a valid IPv4 address", *ip));
    } else if (a->isZero()) {
      diag.error(r.pathOf("ip-address"), "must not make reservation for the '0.0.0.0' address");
    } else {
      res.address = *a;
      if (subnet && !subnet->prefix.contains(*a)) {
        diag.error(r.pathOf("ip-address"), fmt::format("reserved address {} is not within subnet {}", a->toString(),
                                                       subnet->prefix.toString()));
      }
    }
  }
  if (auto h = r.string("hostname")) res.hostname = *h;
  if (const json* opts = r.array("option-data")) {
    res.options = parseOptionDataList(*opts, r.pathOf("option-data"), defs, diag);
  }
  if (auto classes = r.stringList("client-classes")) res.clientClasses = std::move(*classes);
  if (auto ns = r.string("next-server")) {
    auto a = Ipv4::parse(*ns);
    if (!a) diag.error(r.pathOf("next-server"), fmt::format("'{}' is not a valid IPv4 address", *ns));
    else res.nextServer = *a;
  }
  if (auto s = r.string("server-hostname")) res.serverHostname = *s;
  if (auto s = r.string("boot-file-name")) res.bootFileName = *s;
  r.finish();
  if (diag.errorCount() != errorsBefore) return std::nullopt;
  // Kea 2.2 refuses a host that reserves nothing at all.
  if (!res.address && res.hostname.empty() && res.options.empty() && res.clientClasses.empty() && !res.nextServer &&
      res.serverHostname.empty() && res.bootFileName.empty()) {
    diag.error(path,
               "the reservation must include at least one resource, i.e. hostname, IPv4 address, options, "
               "client-classes, next-server, server-hostname or boot-file-name");
    return std::nullopt;
  }

  // Kea refuses two hosts with the same identifier, and (ip-reservations-unique) two
  // hosts with the same address, in one subnet (or among the global reservations).
  if (auto [it, inserted] = index.byIdentifier.emplace(identifierKey, path); !inserted) {
    diag.error(identifierPath,
               fmt::format("duplicate reservation for {} (already reserved at {})", identifierKey, it->second));
    return std::nullopt;
  }
  if (res.address && ipUnique) {
    if (auto [it, inserted] = index.byAddress.emplace(*res.address, path); !inserted) {
      diag.error(joinPath(path, "ip-address"),
                 fmt::format("address {} is already reserved at {}", res.address->toString(), it->second));
      return std::nullopt;
    }
  }
  return res;
}

std::optional<Ipv4> parseAddress(ObjectReader& r, std::string_view key) {
  auto s = r.string(key);
  if (!s) return std::nullopt;
  auto a = Ipv4::parse(*s);
  if (!a) r.diag().error(r.pathOf(key), fmt::format("'{}' is not a valid IPv4 address", *s));
  return a;
}

void parseRelay(const json& relay, const std::string& path, Diagnostics& diag, std::vector<Ipv4>& out) {
  ObjectReader r(relay, path, diag);
  if (r.has("ip-address") && r.has("ip-addresses")) {
    diag.error(path, "specify either \"ip-address\" or \"ip-addresses\", not both");
  }
  // "ip-address" is Kea's deprecated single-address form.
  if (auto a = parseAddress(r, "ip-address")) out.push_back(*a);
  if (auto list = r.stringList("ip-addresses")) {
    for (std::size_t i = 0; i < list->size(); ++i) {
      auto a = Ipv4::parse((*list)[i]);
      if (!a) {
        diag.error(joinPath(r.pathOf("ip-addresses"), std::to_string(i)),
                   fmt::format("'{}' is not a valid IPv4 address", (*list)[i]));
      } else {
        out.push_back(*a);
      }
    }
  }
  r.finish();
}

void parsePools(const json& list, const std::string& path, const proto::OptionDefSet& defs, Diagnostics& diag,
                Subnet4& s, bool prefixValid) {
  std::vector<std::string> poolPaths;
  forEachObject(list, path, diag, [&](const json& entry, const std::string& p, std::size_t) {
    ObjectReader r(entry, p, diag);
    Pool pool;
    auto text = r.string("pool");
    if (!text && !r.has("pool")) diag.error(p, "missing \"pool\"");
    if (const json* opts = r.array("option-data")) {
      pool.options = parseOptionDataList(*opts, r.pathOf("option-data"), defs, diag);
    }
    parseClassKeys(r, pool.clientClass, pool.clientClasses, pool.requireClientClasses);
    r.ignore("pool-id");  // newer Kea: only labels statistics
    r.finish();
    if (!text) return;
    auto range = parsePoolRange(*text);
    if (!range) {
      diag.error(r.pathOf("pool"),
                 fmt::format("'{}' is not a valid pool (\"first - last\" or \"prefix/length\")", *text));
      return;
    }
    pool.first = range->first;
    pool.last = range->second;
    if (prefixValid && (!s.prefix.contains(pool.first) || !s.prefix.contains(pool.last))) {
      diag.error(r.pathOf("pool"), fmt::format("pool {} - {} is outside its subnet {}", pool.first.toString(),
                                               pool.last.toString(), s.prefix.toString()));
      return;
    }
    for (std::size_t i = 0; i < s.pools.size(); ++i) {
      const Pool& other = s.pools[i];
      if (pool.first <= other.last && other.first <= pool.last) {
        diag.error(r.pathOf("pool"),
                   fmt::format("pool {} - {} overlaps pool {} - {} at {}", pool.first.toString(), pool.last.toString(),
                               other.first.toString(), other.last.toString(), poolPaths[i]));
        return;
      }
    }
    poolPaths.push_back(p);
    s.pools.push_back(std::move(pool));
  });
}

// Kea 2.2's checks on lifetimes and timers, at the scope where they are set.
struct TimerValues {
  std::optional<std::uint32_t> valid, renew, rebind, minValid, maxValid;
  bool calculate = false;
  double t1 = 0.5, t2 = 0.875;
};

void checkTimers(const std::string& path, const TimerValues& t, Diagnostics& diag) {
  if (t.renew && t.rebind && *t.renew > *t.rebind) {
    diag.error(joinPath(path, "renew-timer"),
               fmt::format("renew-timer ({}) is greater than rebind-timer ({})", *t.renew, *t.rebind));
  }
  if (t.valid && t.rebind && *t.rebind >= *t.valid) {
    diag.warn(joinPath(path, "rebind-timer"),
              fmt::format("rebind-timer ({}) is not below valid-lifetime ({}); T2 will not be sent", *t.rebind,
                          *t.valid));
  }
  if (t.minValid && t.maxValid && *t.minValid > *t.maxValid) {
    diag.error(joinPath(path, "min-valid-lifetime"),
               fmt::format("min-valid-lifetime ({}) is greater than max-valid-lifetime ({})", *t.minValid,
                           *t.maxValid));
  } else if (t.valid) {
    if (t.minValid && *t.valid < *t.minValid) {
      diag.error(joinPath(path, "valid-lifetime"),
                 fmt::format("valid-lifetime ({}) is less than min-valid-lifetime ({})", *t.valid, *t.minValid));
    }
    if (t.maxValid && *t.valid > *t.maxValid) {
      diag.error(joinPath(path, "valid-lifetime"),
                 fmt::format("valid-lifetime ({}) is greater than max-valid-lifetime ({})", *t.valid, *t.maxValid));
    }
  }
  for (auto [key, v] : {std::pair{"t1-percent", t.t1}, std::pair{"t2-percent", t.t2}}) {
    if (!(v > 0.0 && v < 1.0)) {
      diag.error(joinPath(path, key), fmt::format("{} must be greater than 0 and less than 1", v));
    }
  }
  if (t.calculate && t.t1 >= t.t2) {
    diag.error(joinPath(path, "t1-percent"),
               fmt::format("t1-percent ({}) must be less than t2-percent ({})", t.t1, t.t2));
  }
}

}  // namespace

void parseDdnsKeys(ObjectReader& r, DdnsSettings& d) {
  if (auto v = r.boolean("ddns-send-updates")) d.sendUpdates = *v;
  if (auto v = r.boolean("ddns-override-no-update")) d.overrideNoUpdate = *v;
  if (auto v = r.boolean("ddns-override-client-update")) d.overrideClientUpdate = *v;
  if (auto v = r.string("ddns-generated-prefix")) d.generatedPrefix = *v;
  if (auto v = r.string("ddns-qualifying-suffix")) d.qualifyingSuffix = *v;
  if (auto v = r.boolean("ddns-update-on-renew")) d.updateOnRenew = *v;
  if (auto v = r.boolean("ddns-use-conflict-resolution")) d.useConflictResolution = *v;
  if (auto v = parseReplaceClientName(r, "ddns-replace-client-name")) d.replaceClientName = *v;
  if (auto v = parseHostnameCharSet(r, "hostname-char-set")) d.hostnameCharSet = *v;
  if (auto v = r.string("hostname-char-replacement")) d.hostnameCharReplacement = *v;
}

std::optional<ReplaceClientName> parseReplaceClientName(ObjectReader& r, const char* key) {
  auto v = r.string(key);
  if (!v) return std::nullopt;
  auto mode = replaceClientNameFromString(*v);
  if (!mode) {
    r.diag().error(r.pathOf(key), fmt::format("'{}' is not one of never, always, when-present, when-not-present", *v));
  }
  return mode;
}

std::optional<std::string> parseHostnameCharSet(ObjectReader& r, const char* key) {
  auto v = r.string(key);
  if (!v) return std::nullopt;
  // Kea 2.2 compiles it (POSIX extended): a subnet's when parsed, the global one only when it
  // first sanitizes a name, after which every query carrying a name fails. Refused at every
  // scope: the engine relies on a valid expression.
  try {
    std::regex check(*v, std::regex::extended);
  } catch (const std::regex_error&) {
    r.diag().error(r.pathOf(key), fmt::format("'{}' is not a valid regular expression", *v));
    return std::nullopt;
  }
  return v;
}

void checkLeaseCaching(ObjectReader& r) {
  if (auto t = r.number("cache-threshold"); t && *t > 0.0 && *t <= 1.0) {
    r.diag().error(r.pathOf("cache-threshold"),
                   "lease caching is not supported yet: it changes the lease time of renewals' answers; "
                   "remove it (or set 0)");
  }
  if (auto a = r.u32("cache-max-age"); a && *a != 0) {
    r.diag().error(r.pathOf("cache-max-age"),
                   "lease caching is not supported yet: it changes the lease time of renewals' answers; "
                   "remove it (or set 0)");
  }
}

void parseReservationFlags(ObjectReader& r, ReservationFlags& flags) {
  const bool anyFlag = r.has("reservations-global") || r.has("reservations-in-subnet") ||
                       r.has("reservations-out-of-pool");
  if (r.has("reservation-mode")) {
    if (anyFlag) {
      r.diag().error(r.pathOf("reservation-mode"),
                     "invalid use of both 'reservation-mode' and one of 'reservations-global', "
                     "'reservations-in-subnet' or 'reservations-out-of-pool'");
    }
    auto mode = r.choice("reservation-mode", {"disabled", "out-of-pool", "global", "all"});
    if (mode) {
      r.diag().warn(r.pathOf("reservation-mode"),
                    "deprecated; use reservations-global, reservations-in-subnet and reservations-out-of-pool");
      // Kea's mapping of the deprecated modes to the three flags.
      if (*mode == "disabled") flags = {false, false, false};
      else if (*mode == "out-of-pool") flags = {false, true, true};
      else if (*mode == "global") flags = {true, false, false};
      else flags = {false, true, false};
    }
  }
  if (auto v = r.boolean("reservations-global")) flags.global = *v;
  if (auto v = r.boolean("reservations-in-subnet")) flags.inSubnet = *v;
  if (auto v = r.boolean("reservations-out-of-pool")) flags.outOfPool = *v;
}

void parseReservations(const json& list, const std::string& path, const Subnet4* subnet, bool ipUnique,
                       const proto::OptionDefSet& defs, Diagnostics& diag, std::vector<Reservation>& out) {
  ReservationIndex index;
  forEachObject(list, path, diag, [&](const json& entry, const std::string& p, std::size_t) {
    if (auto res = parseReservation(entry, p, subnet, ipUnique, defs, diag, index)) out.push_back(std::move(*res));
  });
}

SubnetDefaults globalSubnetDefaults(const Dhcp4Config& g, const ReservationFlags& flags) {
  SubnetDefaults d;
  d.validLifetime = g.validLifetime;
  d.renewTimer = g.renewTimer;
  d.rebindTimer = g.rebindTimer;
  d.minValidLifetime = g.minValidLifetime;
  d.maxValidLifetime = g.maxValidLifetime;
  d.calculateTeeTimes = g.calculateTeeTimes;
  d.t1Percent = g.t1Percent;
  d.t2Percent = g.t2Percent;
  d.matchClientId = g.matchClientId;
  d.authoritative = g.authoritative;
  d.storeExtendedInfo = g.storeExtendedInfo;
  d.nextServer = g.nextServer;
  d.serverHostname = g.serverHostname;
  d.bootFileName = g.bootFileName;
  d.flags = flags;
  d.ddns = g.ddns;
  d.globals = &g;
  return d;
}

std::string jsonPointerOf(const std::string& path) {
  std::string out;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    out += '/';
    for (char c : std::string_view(path).substr(start, slash - start)) {
      if (c == '~') out += "~0";
      else out += c;
    }
    start = slash + 1;
  }
  return out;
}

namespace {

// The settings a subnet and a shared network both take, read into d (which starts with the
// inherited values). Returns whether any lifetime/timer key was given (to check them).
bool readInheritable(ObjectReader& r, SubnetDefaults& d) {
  bool timersOverridden = false;
  for (auto key : {"valid-lifetime", "renew-timer", "rebind-timer", "min-valid-lifetime", "max-valid-lifetime",
                   "calculate-tee-times", "t1-percent", "t2-percent"}) {
    timersOverridden = timersOverridden || r.has(key);
  }
  if (auto v = r.u32("valid-lifetime")) d.validLifetime = *v;
  if (auto v = r.u32("renew-timer")) d.renewTimer = *v;
  if (auto v = r.u32("rebind-timer")) d.rebindTimer = *v;
  if (auto v = r.u32("min-valid-lifetime")) d.minValidLifetime = *v;
  if (auto v = r.u32("max-valid-lifetime")) d.maxValidLifetime = *v;
  if (auto v = r.boolean("calculate-tee-times")) d.calculateTeeTimes = *v;
  if (auto v = r.number("t1-percent")) d.t1Percent = *v;
  if (auto v = r.number("t2-percent")) d.t2Percent = *v;
  if (auto v = r.boolean("match-client-id")) d.matchClientId = *v;
  if (auto v = r.boolean("authoritative")) d.authoritative = *v;
  if (auto v = parseAddress(r, "next-server")) d.nextServer = *v;
  if (auto v = r.string("server-hostname")) d.serverHostname = *v;
  if (auto v = r.string("boot-file-name")) d.bootFileName = *v;
  if (auto v = r.boolean("store-extended-info")) d.storeExtendedInfo = *v;
  parseReservationFlags(r, d.flags);
  // Client name / DNS update settings (Kea's DdnsParams) and lease caching.
  parseDdnsKeys(r, d.ddns);
  checkLeaseCaching(r);
  return timersOverridden;
}

void checkDefaults(const std::string& path, const SubnetDefaults& d, Diagnostics& diag) {
  checkTimers(path,
              TimerValues{d.validLifetime, d.renewTimer, d.rebindTimer, d.minValidLifetime, d.maxValidLifetime,
                          d.calculateTeeTimes, d.t1Percent, d.t2Percent},
              diag);
}

}  // namespace

void parseSubnets(const json& list, const std::string& path, const SubnetDefaults& defaults, bool ipUnique,
                  SubnetRegistry& registry, Diagnostics& diag, std::vector<Subnet4>& out,
                  const SharedNetwork4* network) {
  static const proto::OptionDefSet kStandardOnly{};
  const proto::OptionDefSet& defs = defaults.globals ? defaults.globals->optionDefs : kStandardOnly;
  // Kea 2.2 numbers subnets without an "id" 1, 2, 3... in order, independently of the ids
  // given explicitly; a collision is an error. Doing the same keeps lease files compatible.
  // Kea refuses subnets of one shared network naming different interfaces (the network's own
  // included); the first one given is the reference.
  std::string networkInterface = network ? network->interface : std::string();
  std::string networkInterfaceOwner = network ? "the shared network" : std::string();

  forEachObject(list, path, diag, [&](const json& entry, const std::string& p, std::size_t) {
    ObjectReader r(entry, p, diag);
    Subnet4 s;
    const std::size_t errorsBefore = diag.errorCount();
    s.sourcePointer = jsonPointerOf(p);
    if (network) s.sharedNetwork = network->name;

    // 0 means "not given" in Kea too; 4294967295 is Kea's "unused" marker.
    const bool idGiven = r.has("id");
    const std::size_t errorsBeforeId = diag.errorCount();
    const std::uint32_t givenId = r.u32("id").value_or(0);
    const bool idTypeOk = diag.errorCount() == errorsBeforeId;
    bool autoId = false;
    if (givenId == 0xffffffffu) {
      diag.error(r.pathOf("id"), "4294967295 is reserved");
    } else if (givenId != 0) {
      s.id = givenId;
    } else if (!idGiven || idTypeOk) {
      s.id = registry.nextAutoId++;
      autoId = true;
    }

    bool prefixValid = false;
    if (auto text = r.string("subnet")) {
      if (auto prefix = Prefix4::parse(*text)) {
        s.prefix = Prefix4{Ipv4(prefix->network.value & prefix->mask()), prefix->length};
        prefixValid = true;
      } else {
        diag.error(r.pathOf("subnet"), fmt::format("'{}' is not a valid IPv4 prefix (\"address/length\")", *text));
      }
    } else if (!r.has("subnet")) {
      diag.error(p, "missing \"subnet\"");
    }

    SubnetDefaults d = defaults;
    const bool timersOverridden = readInheritable(r, d);
    s.validLifetime = d.validLifetime;
    s.renewTimer = d.renewTimer;
    s.rebindTimer = d.rebindTimer;
    s.minValidLifetime = d.minValidLifetime;
    s.maxValidLifetime = d.maxValidLifetime;
    s.calculateTeeTimes = d.calculateTeeTimes;
    s.t1Percent = d.t1Percent;
    s.t2Percent = d.t2Percent;
    s.matchClientId = d.matchClientId;
    s.authoritative = d.authoritative;
    s.nextServer = d.nextServer;
    s.serverHostname = d.serverHostname;
    s.bootFileName = d.bootFileName;
    s.storeExtendedInfo = d.storeExtendedInfo;
    s.ddns = d.ddns;
    s.reservationsGlobal = d.flags.global;
    s.reservationsInSubnet = d.flags.inSubnet;
    s.reservationsOutOfPool = d.flags.outOfPool;

    if (auto v = r.string("interface")) {
      s.interface = *v;
      if (network && !v->empty()) {
        if (networkInterface.empty()) {
          networkInterface = *v;
          networkInterfaceOwner = p;
        } else if (networkInterface != *v) {
          diag.error(r.pathOf("interface"),
                     fmt::format("subnet has interface '{}', but {} in the same shared network uses '{}'", *v,
                                 networkInterfaceOwner, networkInterface));
        }
      }
    }
    parseClassKeys(r, s.clientClass, s.clientClasses, s.requireClientClasses);

    if (const json* relay = r.object("relay")) parseRelay(*relay, r.pathOf("relay"), diag, s.relayAddresses);
    if (const json* pools = r.array("pools")) parsePools(*pools, r.pathOf("pools"), defs, diag, s, prefixValid);
    if (const json* opts = r.array("option-data"))
      s.options = parseOptionDataList(*opts, r.pathOf("option-data"), defs, diag);
    if (const json* res = r.array("reservations")) {
      parseReservations(*res, r.pathOf("reservations"), prefixValid ? &s : nullptr, ipUnique, defs, diag,
                        s.reservations);
    }

    // Kea writes these keys empty in config-get/config-write output of every subnet; empty
    // means "no DHCPv4-over-DHCPv6 for this subnet".
    for (auto key : {"4o6-interface", "4o6-interface-id", "4o6-subnet"}) {
      if (auto v = r.string(key); v && !v->empty()) {
        diag.error(r.pathOf(key), "DHCPv4-over-DHCPv6 (RFC 7341) is not supported");
      }
    }
    r.finish();

    if (timersOverridden) checkDefaults(p, d, diag);
    if (s.id != 0) {
      if (auto [it, inserted] = registry.idOwners.emplace(s.id, p); !inserted) {
        diag.error(autoId ? p : r.pathOf("id"),
                   autoId ? fmt::format("subnet id {} (assigned because \"id\" is missing; Kea numbers such subnets "
                                        "1, 2, ... in order, shared networks' subnets first) is already used by {}",
                                        s.id, it->second)
                          : fmt::format("subnet id {} is already used by {}", s.id, it->second));
      }
    }
    if (prefixValid) {
      if (auto [it, inserted] = registry.prefixOwners.emplace(std::pair{s.prefix.network.value, s.prefix.length}, p);
          !inserted) {
        diag.error(r.pathOf("subnet"),
                   fmt::format("subnet {} is already defined at {}", s.prefix.toString(), it->second));
      }
    }
    if (diag.errorCount() == errorsBefore) out.push_back(std::move(s));
  });
}

void parseSharedNetworks(const json& list, const std::string& path, const SubnetDefaults& globals,
                         SubnetRegistry& registry, Diagnostics& diag, Dhcp4Config& cfg) {
  std::map<std::string, std::string> names;
  forEachObject(list, path, diag, [&](const json& entry, const std::string& p, std::size_t) {
    ObjectReader r(entry, p, diag);
    SharedNetwork4 net;
    if (auto name = r.string("name")) {
      net.name = *name;
      if (name->empty()) {
        diag.error(r.pathOf("name"), "a shared network needs a non-empty name");
      } else if (auto [it, inserted] = names.emplace(*name, p); !inserted) {
        diag.error(r.pathOf("name"),
                   fmt::format("duplicate network '{}' found in the configuration (first at {})", *name, it->second));
      }
    } else if (!r.has("name")) {
      diag.error(p, "missing parameter 'name'");
    }
    SubnetDefaults d = globals;
    const bool timersOverridden = readInheritable(r, d);
    if (timersOverridden) checkDefaults(p, d, diag);
    if (auto v = r.string("interface")) net.interface = *v;
    parseClassKeys(r, net.clientClass, net.clientClasses, net.requireClientClasses);
    if (const json* relay = r.object("relay")) parseRelay(*relay, r.pathOf("relay"), diag, net.relayAddresses);
    if (const json* opts = r.array("option-data")) {
      net.options = parseOptionDataList(*opts, r.pathOf("option-data"), cfg.optionDefs, diag);
    }
    const std::size_t firstSubnet = cfg.subnets.size();
    if (const json* subnets = r.array("subnet4")) {
      parseSubnets(*subnets, r.pathOf("subnet4"), d, cfg.ipReservationsUnique, registry, diag, cfg.subnets, &net);
    }
    r.finish();
    for (std::size_t i = firstSubnet; i < cfg.subnets.size(); ++i) net.subnetIds.push_back(cfg.subnets[i].id);
    std::sort(net.subnetIds.begin(), net.subnetIds.end());
    cfg.sharedNetworks.push_back(std::move(net));
  });
}

}  // namespace tandem::config
