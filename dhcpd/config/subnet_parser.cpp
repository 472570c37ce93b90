// "subnet4" entries with their pools, relay, reservations and inherited values.
#include <fmt/format.h>

#include <algorithm>
#include <map>
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

  static constexpr std::string_view kIdentifiers[] = {"hw-address", "client-id", "duid", "circuit-id", "flex-id"};
  std::vector<std::string_view> given;
  for (auto id : kIdentifiers) {
    if (r.has(id)) given.push_back(id);
  }
  if (given.empty()) {
    diag.error(path, "a reservation needs an identifier: hw-address or client-id");
  } else if (given.size() > 1) {
    r.ignore(given[0]);
    r.ignore(given[1]);
    diag.error(path, fmt::format("'{}' and '{}' are mutually exclusive", given[0], given[1]));
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
  if (auto cid = r.string("client-id")) {
    identifierPath = r.pathOf("client-id");
    auto parsed = parseIdentifier(*cid);
    if (!parsed) {
      diag.error(identifierPath, fmt::format("'{}' is not a valid client identifier (hex or 'text')", *cid));
    } else {
      res.clientId = std::move(*parsed);
      identifierKey = "client-id " + toHexColon(res.clientId);
    }
  }
  for (auto unsupported : {"duid", "circuit-id", "flex-id"}) {
    r.reject(unsupported, "identifier type not supported yet (reservations match by hw-address or client-id)");
  }

  if (auto ip = r.string("ip-address")) {
    auto a = Ipv4::parse(*ip);
    if (!a) {
      diag.error(r.pathOf("ip-address"), fmt::format("'{}' is not a valid IPv4 address", *ip));
    } else if (!a->isZero()) {  // Kea: 0.0.0.0 means "no address reserved"
      res.address = *a;
      if (subnet && !subnet->prefix.contains(*a)) {
        diag.error(r.pathOf("ip-address"),
                   fmt::format("reserved address {} is not within subnet {}", a->toString(), subnet->prefix.toString()));
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

  // Kea refuses two hosts with the same identifier, and (ip-reservations-unique) two
  // hosts with the same address, in one subnet (or among the global reservations).
  if (auto [it, inserted] = index.byIdentifier.emplace(identifierKey, path); !inserted) {
    diag.error(identifierPath, fmt::format("duplicate reservation for {} (already reserved at {})", identifierKey, it->second));
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

void parseRelay(const json& relay, const std::string& path, Diagnostics& diag, Subnet4& s) {
  ObjectReader r(relay, path, diag);
  if (r.has("ip-address") && r.has("ip-addresses")) {
    diag.error(path, "specify either \"ip-address\" or \"ip-addresses\", not both");
  }
  if (auto a = parseAddress(r, "ip-address")) s.relayAddresses.push_back(*a);
  if (auto list = r.stringList("ip-addresses")) {
    for (std::size_t i = 0; i < list->size(); ++i) {
      auto a = Ipv4::parse((*list)[i]);
      if (!a) {
        diag.error(joinPath(r.pathOf("ip-addresses"), std::to_string(i)),
                   fmt::format("'{}' is not a valid IPv4 address", (*list)[i]));
      } else {
        s.relayAddresses.push_back(*a);
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
      diag.error(r.pathOf("pool"), fmt::format("'{}' is not a valid pool (\"first - last\" or \"prefix/length\")", *text));
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
        diag.error(r.pathOf("pool"), fmt::format("pool {} - {} overlaps pool {} - {} at {}", pool.first.toString(),
                                                 pool.last.toString(), other.first.toString(), other.last.toString(),
                                                 poolPaths[i]));
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
              fmt::format("rebind-timer ({}) is not below valid-lifetime ({}); T2 will not be sent", *t.rebind, *t.valid));
  }
  if (t.minValid && t.maxValid && *t.minValid > *t.maxValid) {
    diag.error(joinPath(path, "min-valid-lifetime"),
               fmt::format("min-valid-lifetime ({}) is greater than max-valid-lifetime ({})", *t.minValid, *t.maxValid));
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
    diag.error(joinPath(path, "t1-percent"), fmt::format("t1-percent ({}) must be less than t2-percent ({})", t.t1, t.t2));
  }
}

}  // namespace

void checkDdnsKeys(ObjectReader& r, const Dhcp4Config* globals) {
  r.boolean("ddns-send-updates");
  r.boolean("ddns-override-no-update");
  r.boolean("ddns-override-client-update");
  r.string("ddns-generated-prefix");
  r.boolean("ddns-update-on-renew");
  r.boolean("ddns-use-conflict-resolution");
  if (auto v = r.string("ddns-qualifying-suffix"); v && !v->empty()) {
    r.diag().error(r.pathOf("ddns-qualifying-suffix"),
                   "not supported yet: Kea appends it to the client's host name in answers even with DNS updates "
                   "off; remove it or set \"\"");
  }
  if (auto v = r.choice("ddns-replace-client-name", {"never", "always", "when-present", "when-not-present"});
      v && *v != "never") {
    r.diag().error(r.pathOf("ddns-replace-client-name"),
                   "not supported yet: Kea replaces the client's host name in answers even with DNS updates off; "
                   "remove it or set \"never\"");
  }
  if (!globals) return;
  if (auto v = r.string("hostname-char-set"); v && *v != globals->hostnameCharSet) {
    r.diag().error(r.pathOf("hostname-char-set"), "a per-subnet value is not supported yet; set it globally");
  }
  if (auto v = r.string("hostname-char-replacement"); v && *v != globals->hostnameCharReplacement) {
    r.diag().error(r.pathOf("hostname-char-replacement"), "a per-subnet value is not supported yet; set it globally");
  }
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
  const bool anyFlag = r.has("reservations-global") || r.has("reservations-in-subnet") || r.has("reservations-out-of-pool");
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

void parseSubnets(const json& list, const std::string& path, const Dhcp4Config& g, const ReservationFlags& flags,
                  Diagnostics& diag, std::vector<Subnet4>& out) {
  // Kea 2.2 numbers subnets without an "id" 1, 2, 3... in order, independently of the ids
  // given explicitly; a collision is an error. Doing the same keeps lease files compatible.
  std::uint32_t nextAutoId = 1;
  std::map<std::uint32_t, std::string> idOwners;
  std::map<std::pair<std::uint32_t, std::uint8_t>, std::string> prefixOwners;

  forEachObject(list, path, diag, [&](const json& entry, const std::string& p, std::size_t) {
    ObjectReader r(entry, p, diag);
    Subnet4 s;
    const std::size_t errorsBefore = diag.errorCount();

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
      s.id = nextAutoId++;
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

    // Values that inherit from the global scope.
    s.validLifetime = g.validLifetime;
    s.renewTimer = g.renewTimer;
    s.rebindTimer = g.rebindTimer;
    s.minValidLifetime = g.minValidLifetime;
    s.maxValidLifetime = g.maxValidLifetime;
    s.calculateTeeTimes = g.calculateTeeTimes;
    s.t1Percent = g.t1Percent;
    s.t2Percent = g.t2Percent;
    s.matchClientId = g.matchClientId;
    s.authoritative = g.authoritative;
    s.nextServer = g.nextServer;
    s.serverHostname = g.serverHostname;
    s.bootFileName = g.bootFileName;
    s.storeExtendedInfo = g.storeExtendedInfo;

    bool timersOverridden = false;
    for (auto key : {"valid-lifetime", "renew-timer", "rebind-timer", "min-valid-lifetime", "max-valid-lifetime",
                     "calculate-tee-times", "t1-percent", "t2-percent"}) {
      timersOverridden = timersOverridden || r.has(key);
    }
    if (auto v = r.u32("valid-lifetime")) s.validLifetime = *v;
    if (auto v = r.u32("renew-timer")) s.renewTimer = *v;
    if (auto v = r.u32("rebind-timer")) s.rebindTimer = *v;
    if (auto v = r.u32("min-valid-lifetime")) s.minValidLifetime = *v;
    if (auto v = r.u32("max-valid-lifetime")) s.maxValidLifetime = *v;
    if (auto v = r.boolean("calculate-tee-times")) s.calculateTeeTimes = *v;
    if (auto v = r.number("t1-percent")) s.t1Percent = *v;
    if (auto v = r.number("t2-percent")) s.t2Percent = *v;
    if (auto v = r.boolean("match-client-id")) s.matchClientId = *v;
    if (auto v = r.boolean("authoritative")) s.authoritative = *v;
    if (auto v = parseAddress(r, "next-server")) s.nextServer = *v;
    if (auto v = r.string("server-hostname")) s.serverHostname = *v;
    if (auto v = r.string("boot-file-name")) s.bootFileName = *v;
    if (auto v = r.boolean("store-extended-info")) s.storeExtendedInfo = *v;
    if (auto v = r.string("interface")) s.interface = *v;
    parseClassKeys(r, s.clientClass, s.clientClasses, s.requireClientClasses);

    ReservationFlags subnetFlags = flags;
    parseReservationFlags(r, subnetFlags);
    s.reservationsGlobal = subnetFlags.global;
    s.reservationsInSubnet = subnetFlags.inSubnet;
    s.reservationsOutOfPool = subnetFlags.outOfPool;

    if (const json* relay = r.object("relay")) parseRelay(*relay, r.pathOf("relay"), diag, s);
    if (const json* pools = r.array("pools")) parsePools(*pools, r.pathOf("pools"), g.optionDefs, diag, s, prefixValid);
    if (const json* opts = r.array("option-data")) {
      s.options = parseOptionDataList(*opts, r.pathOf("option-data"), g.optionDefs, diag);
    }
    if (const json* res = r.array("reservations")) {
      parseReservations(*res, r.pathOf("reservations"), prefixValid ? &s : nullptr, g.ipReservationsUnique,
                        g.optionDefs, diag, s.reservations);
    }

    // Kea writes these keys empty in config-get/config-write output of every subnet; empty
    // means "no DHCPv4-over-DHCPv6 for this subnet".
    for (auto key : {"4o6-interface", "4o6-interface-id", "4o6-subnet"}) {
      if (auto v = r.string(key); v && !v->empty()) {
        diag.error(r.pathOf(key), "DHCPv4-over-DHCPv6 (RFC 7341) is not supported");
      }
    }
    checkDdnsKeys(r, &g);
    checkLeaseCaching(r);
    r.finish();

    if (timersOverridden) {
      checkTimers(p, TimerValues{s.validLifetime, s.renewTimer, s.rebindTimer, s.minValidLifetime, s.maxValidLifetime,
                                 s.calculateTeeTimes, s.t1Percent, s.t2Percent},
                  diag);
    }
    if (s.id != 0) {
      if (auto [it, inserted] = idOwners.emplace(s.id, p); !inserted) {
        diag.error(autoId ? p : r.pathOf("id"),
                   autoId ? fmt::format("subnet id {} (assigned because \"id\" is missing; Kea numbers such subnets "
                                        "1, 2, ... in order) is already used by {}",
                                        s.id, it->second)
                          : fmt::format("subnet id {} is already used by {}", s.id, it->second));
      }
    }
    if (prefixValid) {
      if (auto [it, inserted] = prefixOwners.emplace(std::pair{s.prefix.network.value, s.prefix.length}, p);
          !inserted) {
        diag.error(r.pathOf("subnet"), fmt::format("subnet {} is already defined at {}", s.prefix.toString(), it->second));
      }
    }
    if (diag.errorCount() == errorsBefore) out.push_back(std::move(s));
  });
}

}  // namespace tandem::config
