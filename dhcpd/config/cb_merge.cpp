#include "dhcpd/config/cb_merge.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <set>
#include <span>
#include <string_view>

#include "dhcpd/common/hw_addr.h"

namespace tandem::config {

using nlohmann::json;

namespace {

constexpr std::size_t kMaxRounds = 64;  // each round leaves at least one DB item out

std::optional<std::string> col(const CbRow& r, std::string_view name) {
  auto it = r.find(name);
  if (it == r.end()) return std::nullopt;
  return it->second;
}

std::string colOr(const CbRow& r, std::string_view name, std::string fallback = {}) {
  auto v = col(r, name);
  return v ? *v : fallback;
}

Result<std::int64_t> toInt(std::string_view column, const std::string& s) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) {
    return makeError(fmt::format("{}: '{}' is not an integer", column, s));
  }
  return v;
}

// A number as the JSON parser reads it from a file (non-negative: unsigned).
json intJson(std::int64_t v) { return v >= 0 ? json(static_cast<std::uint64_t>(v)) : json(v); }

Result<double> toReal(std::string_view column, const std::string& s) {
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size()) return makeError(fmt::format("{}: '{}' is not a number", column, s));
  return v;
}

// PostgreSQL's boolean output ("t"/"f"); Kea's StampedValue text ("true"/"false", "1"/"0").
Result<bool> toBool(std::string_view column, const std::string& s) {
  if (s == "t" || s == "true" || s == "1") return true;
  if (s == "f" || s == "false" || s == "0") return false;
  return makeError(fmt::format("{}: '{}' is not a boolean", column, s));
}

Result<json> toJson(std::string_view column, const std::string& s) {
  json v = json::parse(s, nullptr, false);
  if (v.is_discarded()) return makeError(fmt::format("{}: '{}' is not JSON", column, s));
  return v;
}

// inet output: "198.18.0.1" (a /32 host prints without its mask; strip one if present).
Result<std::string> toAddress(std::string_view column, const std::string& s) {
  std::string a = s;
  if (auto slash = a.find('/'); slash != std::string::npos) {
    if (a.substr(slash) != "/32") return makeError(fmt::format("{}: '{}' is not an IPv4 address", column, s));
    a.resize(slash);
  }
  if (!Ipv4::parse(a)) return makeError(fmt::format("{}: '{}' is not an IPv4 address", column, s));
  return a;
}

Result<json> stringList(std::string_view column, const std::string& s) {
  auto v = toJson(column, s);
  if (!v) return v.error();
  if (!v->is_array()) return makeError(fmt::format("{}: '{}' is not a JSON list", column, s));
  for (const auto& e : *v) {
    if (!e.is_string()) return makeError(fmt::format("{}: the elements of '{}' must be strings", column, s));
  }
  return v;
}

std::string hexOf(const std::vector<std::uint8_t>& b) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  for (std::uint8_t c : b) {
    s.push_back(kHex[c >> 4]);
    s.push_back(kHex[c & 15]);
  }
  return s;
}

// Kea's OptionDataType numbers (dhcp/option_data_types.h) as stored in dhcp4_option_def.type
// and record_types, to the names of the JSON grammar.
constexpr std::string_view kOptionTypes[] = {"empty",        "binary",       "boolean",     "int8",   "int16",
                                             "int32",        "uint8",        "uint16",      "uint32", "any-address",
                                             "ipv4-address", "ipv6-address", "ipv6-prefix", "psid",   "string",
                                             "tuple",        "fqdn",         "record"};

Result<std::string> optionTypeName(std::string_view column, std::int64_t t) {
  if (t < 0 || t >= static_cast<std::int64_t>(std::size(kOptionTypes))) {
    return makeError(fmt::format("{}: {} is not an option data type", column, t));
  }
  return std::string(kOptionTypes[t]);
}

// Columns shared by dhcp4_subnet and dhcp4_shared_network (Kea's Network4 properties), each
// the key of the grammar it was stored from.
enum class ColType { Str, Int, Bool, Real, Address, List, Json, Relay, ReplaceName };
struct ColMap {
  std::string_view column, key;
  ColType type;
};

constexpr ColMap kNetworkColumns[] = {
    {"boot_file_name", "boot-file-name", ColType::Str},
    {"client_class", "client-class", ColType::Str},
    {"interface", "interface", ColType::Str},
    {"match_client_id", "match-client-id", ColType::Bool},
    {"next_server", "next-server", ColType::Address},
    {"rebind_timer", "rebind-timer", ColType::Int},
    {"relay", "relay", ColType::Relay},
    {"renew_timer", "renew-timer", ColType::Int},
    {"require_client_classes", "require-client-classes", ColType::List},
    {"server_hostname", "server-hostname", ColType::Str},
    {"user_context", "user-context", ColType::Json},
    {"valid_lifetime", "valid-lifetime", ColType::Int},
    {"authoritative", "authoritative", ColType::Bool},
    {"calculate_tee_times", "calculate-tee-times", ColType::Bool},
    {"t1_percent", "t1-percent", ColType::Real},
    {"t2_percent", "t2-percent", ColType::Real},
    {"min_valid_lifetime", "min-valid-lifetime", ColType::Int},
    {"max_valid_lifetime", "max-valid-lifetime", ColType::Int},
    {"ddns_send_updates", "ddns-send-updates", ColType::Bool},
    {"ddns_override_no_update", "ddns-override-no-update", ColType::Bool},
    {"ddns_override_client_update", "ddns-override-client-update", ColType::Bool},
    {"ddns_replace_client_name", "ddns-replace-client-name", ColType::ReplaceName},
    {"ddns_generated_prefix", "ddns-generated-prefix", ColType::Str},
    {"ddns_qualifying_suffix", "ddns-qualifying-suffix", ColType::Str},
    {"reservations_global", "reservations-global", ColType::Bool},
    {"reservations_in_subnet", "reservations-in-subnet", ColType::Bool},
    {"reservations_out_of_pool", "reservations-out-of-pool", ColType::Bool},
    {"cache_threshold", "cache-threshold", ColType::Real},
    {"cache_max_age", "cache-max-age", ColType::Int},
};

constexpr ColMap kSubnetColumns[] = {
    {"interface_4o6", "4o6-interface", ColType::Str},
    {"interface_id_4o6", "4o6-interface-id", ColType::Str},
    {"subnet_4o6", "4o6-subnet", ColType::Str},
};

Result<void> mapColumns(const CbRow& row, std::span<const ColMap> cols, json& out) {
  for (const ColMap& c : cols) {
    auto v = col(row, c.column);
    if (!v) continue;  // NULL: not specified, inherited as in Kea
    json value;
    switch (c.type) {
      case ColType::Str: value = *v; break;
      case ColType::Int: {
        auto n = toInt(c.column, *v);
        if (!n) return n.error();
        value = intJson(*n);
        break;
      }
      case ColType::Bool: {
        auto b = toBool(c.column, *v);
        if (!b) return b.error();
        value = *b;
        break;
      }
      case ColType::Real: {
        auto d = toReal(c.column, *v);
        if (!d) return d.error();
        value = *d;
        break;
      }
      case ColType::Address: {
        auto a = toAddress(c.column, *v);
        if (!a) return a.error();
        value = *a;
        break;
      }
      case ColType::List: {
        auto l = stringList(c.column, *v);
        if (!l) return l.error();
        if (l->empty()) continue;  // Kea writes [] for none
        value = std::move(*l);
        break;
      }
      case ColType::Json: {
        auto j = toJson(c.column, *v);
        if (!j) return j.error();
        if (j->is_null()) continue;
        value = std::move(*j);
        break;
      }
      case ColType::Relay: {
        // Kea's addRelayBinding: a JSON list of address strings.
        auto l = stringList(c.column, *v);
        if (!l) return l.error();
        if (l->empty()) continue;
        value = json{{"ip-addresses", std::move(*l)}};
        break;
      }
      case ColType::ReplaceName: {
        // ddns_replace_client_name_types: Kea's D2ClientConfig::ReplaceClientNameMode.
        static constexpr std::string_view kModes[] = {"never", "always", "when-present", "when-not-present"};
        auto n = toInt(c.column, *v);
        if (!n) return n.error();
        if (*n < 0 || *n > 3) return makeError(fmt::format("{}: {} is not a replace-client-name mode", c.column, *n));
        value = std::string(kModes[*n]);
        break;
      }
    }
    out[std::string(c.key)] = std::move(value);
  }
  return {};
}

// A DB item in the merged document: its key ("dhcp4_subnet 7") names the row in messages
// and in the set of items left out.
struct Item {
  std::string key;
  json value;
  std::vector<Item> options;  // option-data of a subnet, network, pool or class
  std::vector<Item> pools;    // pools of a subnet
  std::vector<Item> defs;     // option-def of a class
  std::string name;           // global's name, network's name, class's name
  std::string network;        // subnet: its shared network ("" = top level)
  std::int64_t id = 0;        // subnet id, pool id, option code
  std::string space;          // option / definition space
  std::int64_t order = 0;     // class order_index
};

// A row of an object associated with servers: kept when one of its tags is this server's.
bool tagSelects(const std::string& tag, const std::string& serverTag) {
  if (tag == "all") return true;
  return !serverTag.empty() && tag == serverTag;
}

// Rows grouped per object (first appearance order), with the tags that select it.
struct Grouped {
  const CbRow* row = nullptr;
  bool selected = false;
  bool explicitTag = false;  // selected by this server's own tag (not only "all")
};

std::vector<Grouped> groupByObject(const std::vector<CbRow>& rows, std::string_view idColumn,
                                   const std::string& serverTag) {
  std::vector<Grouped> out;
  std::map<std::string, std::size_t> index;
  for (const CbRow& r : rows) {
    const std::string id = colOr(r, idColumn);
    auto [it, fresh] = index.emplace(id, out.size());
    if (fresh) out.push_back(Grouped{&r});
    Grouped& g = out[it->second];
    const std::string tag = colOr(r, "server_tag");
    if (tagSelects(tag, serverTag)) {
      g.selected = true;
      if (tag != "all") g.explicitTag = true;
    }
  }
  return out;
}

struct Model {
  std::vector<Item> globals, optionDefs, options, networks, subnets, classes;
  std::vector<std::string> badRows;  // rows that could not be turned into JSON
};

Result<Item> optionItem(const CbRow& r) {
  Item it;
  it.key = "dhcp4_options " + colOr(r, "option_id");
  auto code = toInt("code", colOr(r, "code"));
  if (!code) return code.error();
  if (*code < 0 || *code > 255) return makeError(fmt::format("code: {} is out of range (0..255)", *code));
  it.id = *code;
  it.space = colOr(r, "space", "dhcp4");
  if (it.space.empty()) it.space = "dhcp4";
  json o{{"code", intJson(*code)}, {"space", it.space}};
  // Kea's processOptionRow: the formatted value when there is one, else the binary value.
  if (auto fv = col(r, "formatted_value"); fv && !fv->empty()) {
    o["csv-format"] = true;
    o["data"] = *fv;
  } else if (auto bin = col(r, "value"); bin && bin->size() > 2) {
    std::string_view s(*bin);
    if (!s.starts_with("\\x")) return makeError("value: not in bytea hex format");
    auto bytes = parseHexBytes(s.substr(2));
    if (!bytes) return makeError("value: bad bytea");
    o["csv-format"] = false;
    o["data"] = hexOf(*bytes);
  }
  if (auto p = col(r, "persistent")) {
    auto b = toBool("persistent", *p);
    if (!b) return b.error();
    o["always-send"] = *b;
  }
  it.value = std::move(o);
  return it;
}

Result<Item> optionDefItem(const CbRow& r) {
  Item it;
  it.key = "dhcp4_option_def " + colOr(r, "id");
  auto code = toInt("code", colOr(r, "code"));
  if (!code) return code.error();
  it.id = *code;
  it.space = colOr(r, "space", "dhcp4");
  auto type = toInt("type", colOr(r, "type"));
  if (!type) return type.error();
  auto typeName = optionTypeName("type", *type);
  if (!typeName) return typeName.error();
  json d{{"name", colOr(r, "name")}, {"code", intJson(*code)}, {"space", it.space}, {"type", *typeName}};
  auto array = toBool("is_array", colOr(r, "is_array", "f"));
  if (!array) return array.error();
  d["array"] = *array;
  if (auto enc = col(r, "encapsulate"); enc && !enc->empty()) d["encapsulate"] = *enc;
  if (auto rt = col(r, "record_types"); rt && !rt->empty()) {
    // Kea's createUpdateOptionDef: a JSON list of type numbers.
    auto list = toJson("record_types", *rt);
    if (!list) return list.error();
    if (!list->is_array()) return makeError(fmt::format("record_types: '{}' is not a JSON list", *rt));
    std::string names;
    for (const auto& e : *list) {
      if (!e.is_number_integer()) return makeError("record_types: record type values must be integers");
      auto n = optionTypeName("record_types", e.get<std::int64_t>());
      if (!n) return n.error();
      if (!names.empty()) names += ", ";
      names += *n;
    }
    if (!names.empty()) d["record-types"] = names;
  }
  it.value = std::move(d);
  return it;
}

Result<Item> globalItem(const CbRow& r) {
  Item it;
  it.name = colOr(r, "name");
  it.key = "dhcp4_global_parameter " + it.name;
  const std::string value = colOr(r, "value");
  auto type = toInt("parameter_type", colOr(r, "parameter_type"));
  if (!type) return type.error();
  // parameter_data_type: 0 integer, 1 real, 2 boolean, 4 string.
  switch (*type) {
    case 0: {
      auto n = toInt("value", value);
      if (!n) return n.error();
      it.value = intJson(*n);
      break;
    }
    case 1: {
      auto d = toReal("value", value);
      if (!d) return d.error();
      it.value = *d;
      break;
    }
    case 2: {
      auto b = toBool("value", value);
      if (!b) return b.error();
      it.value = *b;
      break;
    }
    case 4: it.value = value; break;
    default: return makeError(fmt::format("parameter_type: {} is not a parameter data type", *type));
  }
  if (it.name.empty()) return makeError("name: empty");
  return it;
}

Result<Item> poolItem(const CbRow& r) {
  Item it;
  it.key = "dhcp4_pool " + colOr(r, "id");
  auto id = toInt("id", colOr(r, "id"));
  if (!id) return id.error();
  it.id = *id;
  auto first = toAddress("start_address", colOr(r, "start_address"));
  if (!first) return first.error();
  auto last = toAddress("end_address", colOr(r, "end_address"));
  if (!last) return last.error();
  json p{{"pool", *first + " - " + *last}};
  static constexpr ColMap kPoolColumns[] = {
      {"client_class", "client-class", ColType::Str},
      {"require_client_classes", "require-client-classes", ColType::List},
      {"user_context", "user-context", ColType::Json},
  };
  if (auto m = mapColumns(r, kPoolColumns, p); !m) return m.error();
  it.value = std::move(p);
  return it;
}

Result<Item> networkItem(const CbRow& r) {
  Item it;
  it.name = colOr(r, "name");
  it.key = "dhcp4_shared_network " + it.name;
  json n{{"name", it.name}};
  if (auto m = mapColumns(r, kNetworkColumns, n); !m) return m.error();
  it.value = std::move(n);
  return it;
}

Result<Item> subnetItem(const CbRow& r) {
  Item it;
  it.key = "dhcp4_subnet " + colOr(r, "subnet_id");
  auto id = toInt("subnet_id", colOr(r, "subnet_id"));
  if (!id) return id.error();
  it.id = *id;
  json s{{"id", intJson(*id)}, {"subnet", colOr(r, "subnet_prefix")}};
  if (auto m = mapColumns(r, kNetworkColumns, s); !m) return m.error();
  if (auto m = mapColumns(r, kSubnetColumns, s); !m) return m.error();
  it.network = colOr(r, "shared_network_name");
  it.value = std::move(s);
  return it;
}

Result<Item> classItem(const CbRow& r) {
  Item it;
  it.name = colOr(r, "name");
  it.key = "dhcp4_client_class " + it.name;
  json c{{"name", it.name}};
  if (auto t = col(r, "test"); t && !t->empty()) c["test"] = *t;
  // Kea stores 0.0.0.0 and "" for a class that sets none of the boot fields.
  if (auto ns = col(r, "next_server"); ns && !ns->empty()) {
    auto a = toAddress("next_server", *ns);
    if (!a) return a.error();
    if (*a != "0.0.0.0") c["next-server"] = *a;
  }
  if (auto v = col(r, "server_hostname"); v && !v->empty()) c["server-hostname"] = *v;
  if (auto v = col(r, "boot_file_name"); v && !v->empty()) c["boot-file-name"] = *v;
  if (auto v = col(r, "only_if_required")) {
    auto b = toBool("only_if_required", *v);
    if (!b) return b.error();
    if (*b) c["only-if-required"] = true;
  }
  static constexpr ColMap kClassColumns[] = {
      {"valid_lifetime", "valid-lifetime", ColType::Int},
      {"min_valid_lifetime", "min-valid-lifetime", ColType::Int},
      {"max_valid_lifetime", "max-valid-lifetime", ColType::Int},
      {"user_context", "user-context", ColType::Json},
  };
  if (auto m = mapColumns(r, kClassColumns, c); !m) return m.error();
  if (auto o = col(r, "order_index")) {
    auto n = toInt("order_index", *o);
    if (!n) return n.error();
    it.order = *n;
  }
  it.value = std::move(c);
  return it;
}

// Among the selected rows of one name (or code and space), this server's own row wins over
// the "all" row (Kea's getGlobalParameters / getOptionDefs / getOptions).
template <class KeyFn>
std::vector<const Grouped*> preferExplicit(const std::vector<Grouped>& groups, KeyFn keyOf) {
  std::map<std::string, const Grouped*> best;
  std::vector<std::string> order;
  for (const Grouped& g : groups) {
    if (!g.selected) continue;
    const std::string k = keyOf(*g.row);
    auto [it, fresh] = best.emplace(k, &g);
    if (fresh) {
      order.push_back(k);
    } else if (g.explicitTag && !it->second->explicitTag) {
      it->second = &g;
    }
  }
  std::vector<const Grouped*> out;
  for (const auto& k : order) out.push_back(best[k]);
  return out;
}

Model modelOf(const CbSnapshot& snap, const std::string& serverTag) {
  Model m;
  auto bad = [&](const std::string& key, const std::string& msg) { m.badRows.push_back(key + ": " + msg); };

  // Globals.
  // (The grouped rows are kept in locals: preferExplicit returns pointers into them.)
  const std::vector<Grouped> globalGroups = groupByObject(snap.globals, "id", serverTag);
  for (const Grouped* g : preferExplicit(globalGroups, [](const CbRow& r) { return colOr(r, "name"); })) {
    auto it = globalItem(*g->row);
    if (!it) bad("dhcp4_global_parameter " + colOr(*g->row, "name"), it.error().message);
    else m.globals.push_back(std::move(*it));
  }

  // Option definitions: global ones selected by tag; those of a class (class_id) follow it.
  std::map<std::string, std::vector<Item>> classDefs;
  std::vector<CbRow> globalDefRows;
  std::set<std::string> classDefIds;
  for (const CbRow& r : snap.optionDefs) {
    if (!col(r, "class_id")) {
      globalDefRows.push_back(r);
      continue;
    }
    if (!classDefIds.insert(colOr(r, "id")).second) continue;  // one row per server tag
    auto it = optionDefItem(r);
    if (!it) bad("dhcp4_option_def " + colOr(r, "id"), it.error().message);
    else classDefs[colOr(r, "class_id")].push_back(std::move(*it));
  }
  const std::vector<Grouped> defGroups = groupByObject(globalDefRows, "id", serverTag);
  for (const Grouped* g :
       preferExplicit(defGroups, [](const CbRow& r) { return colOr(r, "space") + "/" + colOr(r, "code"); })) {
    auto it = optionDefItem(*g->row);
    if (!it) bad("dhcp4_option_def " + colOr(*g->row, "id"), it.error().message);
    else m.optionDefs.push_back(std::move(*it));
  }

  // Options: global ones selected by tag; the others follow their owner.
  std::vector<Grouped> optGroups = groupByObject(snap.options, "option_id", serverTag);
  std::vector<Grouped> globalOpts;
  std::map<std::string, std::vector<Item>> subnetOpts, networkOpts, poolOpts, classOpts;
  for (const Grouped& g : optGroups) {
    const CbRow& r = *g.row;
    const std::string scope = colOr(r, "scope_id");
    if (scope == "0") {
      globalOpts.push_back(g);
      continue;
    }
    auto it = optionItem(r);
    if (!it) {
      bad("dhcp4_options " + colOr(r, "option_id"), it.error().message);
      continue;
    }
    if (scope == "1") subnetOpts[colOr(r, "dhcp4_subnet_id")].push_back(std::move(*it));
    else if (scope == "4") networkOpts[colOr(r, "shared_network_name")].push_back(std::move(*it));
    else if (scope == "5") poolOpts[colOr(r, "pool_id")].push_back(std::move(*it));
    else if (scope == "2") classOpts[colOr(r, "dhcp_client_class")].push_back(std::move(*it));
  }
  for (const Grouped* g :
       preferExplicit(globalOpts, [](const CbRow& r) { return colOr(r, "space", "dhcp4") + "/" + colOr(r, "code"); })) {
    auto it = optionItem(*g->row);
    if (!it) bad("dhcp4_options " + colOr(*g->row, "option_id"), it.error().message);
    else m.options.push_back(std::move(*it));
  }

  // Shared networks.
  for (const Grouped& g : groupByObject(snap.sharedNetworks, "id", serverTag)) {
    if (!g.selected) continue;
    auto it = networkItem(*g.row);
    if (!it) {
      bad("dhcp4_shared_network " + colOr(*g.row, "name"), it.error().message);
      continue;
    }
    if (auto o = networkOpts.find(it->name); o != networkOpts.end()) it->options = std::move(o->second);
    m.networks.push_back(std::move(*it));
  }

  // Pools by subnet.
  std::map<std::string, std::vector<Item>> pools;
  for (const CbRow& r : snap.pools) {
    auto it = poolItem(r);
    if (!it) {
      bad("dhcp4_pool " + colOr(r, "id"), it.error().message);
      continue;
    }
    if (auto o = poolOpts.find(colOr(r, "id")); o != poolOpts.end()) it->options = std::move(o->second);
    pools[colOr(r, "subnet_id")].push_back(std::move(*it));
  }

  // Subnets, in id order (Kea's subnet index).
  for (const Grouped& g : groupByObject(snap.subnets, "subnet_id", serverTag)) {
    if (!g.selected) continue;
    auto it = subnetItem(*g.row);
    if (!it) {
      bad("dhcp4_subnet " + colOr(*g.row, "subnet_id"), it.error().message);
      continue;
    }
    const std::string id = colOr(*g.row, "subnet_id");
    if (auto o = subnetOpts.find(id); o != subnetOpts.end()) it->options = std::move(o->second);
    if (auto p = pools.find(id); p != pools.end()) it->pools = std::move(p->second);
    m.subnets.push_back(std::move(*it));
  }
  std::stable_sort(m.subnets.begin(), m.subnets.end(), [](const Item& a, const Item& b) { return a.id < b.id; });

  // Client classes, in Kea's order (dhcp4_client_class_order.order_index).
  for (const Grouped& g : groupByObject(snap.clientClasses, "id", serverTag)) {
    if (!g.selected) continue;
    auto it = classItem(*g.row);
    if (!it) {
      bad("dhcp4_client_class " + colOr(*g.row, "name"), it.error().message);
      continue;
    }
    if (auto o = classOpts.find(it->name); o != classOpts.end()) it->options = std::move(o->second);
    if (auto d = classDefs.find(colOr(*g.row, "id")); d != classDefs.end()) it->defs = std::move(d->second);
    m.classes.push_back(std::move(*it));
  }
  std::stable_sort(m.classes.begin(), m.classes.end(), [](const Item& a, const Item& b) { return a.order < b.order; });
  return m;
}

struct Built {
  json doc;
  std::vector<std::pair<std::string, std::string>> paths;     // JSON path of a DB item -> its key
  std::vector<std::pair<std::string, std::string>> unplaced;  // key -> why it cannot be merged
};

std::string spaceOf(const json& entry) {
  auto it = entry.find("space");
  return it != entry.end() && it->is_string() ? it->get<std::string>() : std::string("dhcp4");
}

bool sameCode(const json& entry, const Item& item) {
  auto it = entry.find("code");
  return it != entry.end() && it->is_number_integer() && it->get<std::int64_t>() == item.id &&
         spaceOf(entry) == item.space;
}

// Appends the item's non-excluded children under `path`/<list>/k, recording their paths.
void addChildren(json& owner, const std::string& path, const char* list, const std::vector<Item>& items,
                 const std::set<std::string>& excluded, Built& b) {
  json out = json::array();
  for (const Item& c : items) {
    if (excluded.count(c.key)) continue;
    json v = c.value;
    const std::string p = fmt::format("{}/{}/{}", path, list, out.size());
    if (!c.options.empty()) addChildren(v, p, "option-data", c.options, excluded, b);
    b.paths.emplace_back(p, c.key);
    out.push_back(std::move(v));
  }
  if (!out.empty()) owner[list] = std::move(out);
}

Built build(const json& fileDoc, const Model& m, const std::set<std::string>& excluded) {
  Built b;
  b.doc = fileDoc;
  json& d = b.doc["Dhcp4"];

  for (const Item& g : m.globals) {
    if (excluded.count(g.key)) continue;
    d[g.name] = g.value;
    b.paths.emplace_back("Dhcp4/" + g.name, g.key);
  }

  auto mergeList = [&](const char* list, const std::vector<Item>& items) {
    std::vector<const Item*> in;
    for (const Item& it : items) {
      if (!excluded.count(it.key)) in.push_back(&it);
    }
    if (in.empty()) return;
    json out = json::array();
    if (auto f = d.find(list); f != d.end() && f->is_array()) {
      for (const json& e : *f) {
        if (std::none_of(in.begin(), in.end(), [&](const Item* it) { return sameCode(e, *it); })) out.push_back(e);
      }
    }
    for (const Item* it : in) {
      b.paths.emplace_back(fmt::format("Dhcp4/{}/{}", list, out.size()), it->key);
      out.push_back(it->value);
    }
    d[list] = std::move(out);
  };
  mergeList("option-def", m.optionDefs);
  mergeList("option-data", m.options);

  // Classes: the DB's list replaces the file's when it holds any.
  {
    json out = json::array();
    for (const Item& c : m.classes) {
      if (excluded.count(c.key)) continue;
      json v = c.value;
      const std::string p = fmt::format("Dhcp4/client-classes/{}", out.size());
      addChildren(v, p, "option-def", c.defs, excluded, b);
      addChildren(v, p, "option-data", c.options, excluded, b);
      b.paths.emplace_back(p, c.key);
      out.push_back(std::move(v));
    }
    if (!out.empty()) d["client-classes"] = std::move(out);
  }

  // Shared networks: a DB network takes the place (and the subnets) of the file's one.
  json networks = d.contains("shared-networks") && d["shared-networks"].is_array() ? d["shared-networks"]
                                                                                   : json::array();
  for (const Item& n : m.networks) {
    if (excluded.count(n.key)) continue;
    json v = n.value;
    std::size_t at = networks.size();
    for (std::size_t i = 0; i < networks.size(); ++i) {
      if (networks[i].is_object() && networks[i].value("name", std::string()) == n.name) at = i;
    }
    if (at < networks.size() && networks[at].contains("subnet4")) v["subnet4"] = networks[at]["subnet4"];
    const std::string p = fmt::format("Dhcp4/shared-networks/{}", at);
    addChildren(v, p, "option-data", n.options, excluded, b);
    b.paths.emplace_back(p, n.key);
    if (at < networks.size()) networks[at] = std::move(v);
    else networks.push_back(std::move(v));
  }

  // Subnets: the file's subnet with a DB subnet's id goes, wherever it was.
  std::set<std::int64_t> ids;
  for (const Item& s : m.subnets) {
    if (!excluded.count(s.key)) ids.insert(s.id);
  }
  auto dropIds = [&](json& list) {
    if (!list.is_array()) return;
    json kept = json::array();
    for (json& e : list) {
      auto id = e.is_object() ? e.find("id") : e.end();
      if (id != e.end() && id->is_number_integer() && ids.count(id->get<std::int64_t>())) continue;
      kept.push_back(std::move(e));
    }
    list = std::move(kept);
  };
  json subnets = d.contains("subnet4") && d["subnet4"].is_array() ? d["subnet4"] : json::array();
  dropIds(subnets);
  for (json& n : networks) {
    if (n.is_object() && n.contains("subnet4")) dropIds(n["subnet4"]);
  }
  for (const Item& s : m.subnets) {
    if (excluded.count(s.key)) continue;
    json v = s.value;
    std::string p;
    json* list = &subnets;
    std::string base = "Dhcp4/subnet4";
    if (!s.network.empty()) {
      std::size_t at = networks.size();
      for (std::size_t i = 0; i < networks.size(); ++i) {
        if (networks[i].is_object() && networks[i].value("name", std::string()) == s.network) at = i;
      }
      if (at == networks.size()) {
        // Kea's CfgSubnets4::merge: "Cannot assign subnet ID of N to shared network: X,
        // network does not exist" (the whole fetch fails there).
        b.unplaced.emplace_back(s.key, fmt::format("Cannot assign subnet ID of {} to shared network: {}, network "
                                                   "does not exist (for this server)",
                                                   s.id, s.network));
        continue;
      }
      if (!networks[at].contains("subnet4") || !networks[at]["subnet4"].is_array()) {
        networks[at]["subnet4"] = json::array();
      }
      list = &networks[at]["subnet4"];
      base = fmt::format("Dhcp4/shared-networks/{}/subnet4", at);
    }
    p = fmt::format("{}/{}", base, list->size());
    addChildren(v, p, "pools", s.pools, excluded, b);
    addChildren(v, p, "option-data", s.options, excluded, b);
    b.paths.emplace_back(p, s.key);
    list->push_back(std::move(v));
  }
  if (!networks.empty()) d["shared-networks"] = std::move(networks);
  if (!subnets.empty() || d.contains("subnet4")) d["subnet4"] = std::move(subnets);
  return b;
}

// The DB item an error line is about: the longest recorded path the line's path starts with.
std::optional<std::string> blame(const std::string& line, const Built& b) {
  const std::size_t colon = line.find(": ");
  const std::string path = line.substr(0, colon);
  std::optional<std::string> key;
  std::size_t best = 0;
  for (const auto& [p, k] : b.paths) {
    if (p.size() <= best) continue;
    if (path == p || (path.size() > p.size() && path.starts_with(p) && path[p.size()] == '/')) {
      key = k;
      best = p.size();
    }
  }
  return key;
}

template <class Fn>
void forEachLine(const std::string& text, Fn&& fn) {
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) fn(text.substr(start, end - start));
    start = end + 1;
  }
}

}  // namespace

Result<CbMergeResult> mergeConfigBackend(const json& fileDoc, const CbSnapshot& rows, const ParseContext& ctx) {
  if (!fileDoc.is_object() || !fileDoc.contains("Dhcp4") || !fileDoc["Dhcp4"].is_object()) {
    return makeError("the configuration has no \"Dhcp4\" map");
  }
  std::string serverTag;
  if (auto t = fileDoc["Dhcp4"].find("server-tag"); t != fileDoc["Dhcp4"].end() && t->is_string()) {
    serverTag = t->get<std::string>();
  }
  Model m = modelOf(rows, serverTag);
  CbMergeResult out;
  out.badRows = std::move(m.badRows);
  std::set<std::string> excluded;
  for (std::size_t round = 0; round < kMaxRounds; ++round) {
    Built b = build(fileDoc, m, excluded);
    if (!b.unplaced.empty()) {
      for (auto& [key, why] : b.unplaced) {
        excluded.insert(key);
        out.badRows.push_back(key + ": " + why);
      }
      continue;
    }
    auto cfg = parseDhcp4Config(b.doc, ctx);
    if (cfg) {
      out.config = std::move(*cfg);
      out.document = std::move(b.doc);
      auto count = [&](const std::vector<Item>& items) {
        return static_cast<std::size_t>(
            std::count_if(items.begin(), items.end(), [&](const Item& i) { return !excluded.count(i.key); }));
      };
      out.globals = count(m.globals);
      out.optionDefs = count(m.optionDefs);
      out.options = count(m.options);
      out.sharedNetworks = count(m.networks);
      out.subnets = count(m.subnets);
      out.clientClasses = count(m.classes);
      return out;
    }
    // Leave out every DB item an error names; errors naming none (a global making a file
    // value invalid elsewhere) leave out the DB's globals, once.
    std::map<std::string, std::string> blamed;
    bool unblamed = false;
    forEachLine(cfg.error().message, [&](const std::string& line) {
      if (auto k = blame(line, b)) {
        auto& msg = blamed[*k];
        msg += msg.empty() ? line : "; " + line;
      } else {
        unblamed = true;
      }
    });
    if (blamed.empty() && unblamed) {
      for (const Item& g : m.globals) {
        if (excluded.count(g.key)) continue;
        blamed[g.key] = "left out with the other global parameters: " + cfg.error().message;
      }
    }
    if (blamed.empty()) {
      return makeError("the configuration with the configuration backend's items is invalid: " + cfg.error().message);
    }
    for (auto& [key, msg] : blamed) {
      excluded.insert(key);
      out.badRows.push_back(key + ": " + msg);
    }
  }
  return makeError("the configuration backend's items could not be merged (too many bad rows)");
}

}  // namespace tandem::config
