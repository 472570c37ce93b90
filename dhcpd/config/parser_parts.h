#pragma once
// Pieces of the Dhcp4 parser shared between its translation units (not a public API).
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "dhcpd/config/dhcp4_config.h"
#include "dhcpd/config/config_control.h"
#include "dhcpd/config/hosts_database.h"
#include "dhcpd/config/json_reader.h"

namespace tandem::config {

// kea-dhcp4 2.2 opens relative paths from its working directory; the daemon passes it as baseDir.
std::string resolvePath(const ParseContext& ctx, std::string_view path);

// "option-data": [...] at any scope, resolved against the config's option definitions.
std::vector<OptionData> parseOptionDataList(const nlohmann::json& list, const std::string& path,
                                            const proto::OptionDefSet& defs, Diagnostics& diag);
// Same with Kea's standard definitions only.
std::vector<OptionData> parseOptionDataList(const nlohmann::json& list, const std::string& path, Diagnostics& diag);

// The parameters of every libdhcp_flex_option.so entry of "hooks-libraries" (path is that
// list's) into cfg.flexOptions; after option-def and client-classes are parsed.
void parseFlexOptionHook(const nlohmann::json& hooks, const std::string& path, Diagnostics& diag, Dhcp4Config& cfg);

// The parameters of the libdhcp_run_script.so entry of "hooks-libraries" into cfg.runScript.
void parseRunScriptHook(const nlohmann::json& hooks, const std::string& path, const ParseContext& ctx,
                        Diagnostics& diag, Dhcp4Config& cfg);

// The parameters of the libdhcp_legal_log.so entry of "hooks-libraries" into cfg.legalLog.
void parseLegalLogHook(const nlohmann::json& hooks, const std::string& path, const ParseContext& ctx, Diagnostics& diag,
                       Dhcp4Config& cfg);
// Kea's ProcessSpawn check of a program named in a hook's parameters ("File not found: X",
// "File not executable: X"); empty when it may be run. `given` is the configured text.
std::string programProblem(const std::string& resolved, const std::string& given);

// Kea 2.2's DbAccessParser keys of lease-database and hosts-database(s) maps: name (checked
// for SQL types; db.type is already set), host, port, user, password, connect-timeout,
// max-reconnect-tries, reconnect-wait-time, on-fail, and the TLS keys refused for PostgreSQL.
void parseDbAccessKeys(ObjectReader& r, LeaseDatabase& db);
// "hosts-database" / "hosts-databases" of the Dhcp4 map r (dhcpd/config/hosts_database.h);
// appended to *out when given.
void parseHostsDatabases(ObjectReader& r, std::vector<HostsDatabase>* out);

// "config-control" (dhcpd/config/config_control.h); *out filled when given.
void parseConfigControl(const nlohmann::json& obj, const std::string& path, Diagnostics& diag, ConfigControl* out);

// "option-def": [...] (global); adds each valid definition to defs.
void parseOptionDefList(const nlohmann::json& list, const std::string& path, Diagnostics& diag,
                        proto::OptionDefSet& defs);
// "option-def" inside a client class: Kea 2.2 allows only option 43 there.
std::vector<proto::OptionDef> parseClassOptionDefs(const nlohmann::json& list, const std::string& path,
                                                   Diagnostics& diag);

// One entry of "reservations" (global when subnet is null); appends to out.
void parseReservations(const nlohmann::json& list, const std::string& path, const Subnet4* subnet, bool ipUnique,
                       const proto::OptionDefSet& defs, Diagnostics& diag, std::vector<Reservation>& out);

// Kea's reservation flags: "reservation-mode" (deprecated) or the three booleans, not both.
struct ReservationFlags {
  bool global = false, inSubnet = true, outOfPool = false;
};
void parseReservationFlags(ObjectReader& r, ReservationFlags& flags);

// The values a subnet inherits when it does not set them: the global ones, or the global ones
// overridden by its shared network's (Kea: global > shared network > subnet).
struct SubnetDefaults {
  std::optional<std::uint32_t> validLifetime, renewTimer, rebindTimer, minValidLifetime, maxValidLifetime;
  bool calculateTeeTimes = false;
  double t1Percent = 0.5, t2Percent = 0.875;
  bool matchClientId = true, authoritative = false, storeExtendedInfo = false;
  std::optional<Ipv4> nextServer;
  std::string serverHostname, bootFileName;
  ReservationFlags flags;
  DdnsSettings ddns;
  const Dhcp4Config* globals = nullptr;  // the global scope (option definitions)
};
SubnetDefaults globalSubnetDefaults(const Dhcp4Config& g, const ReservationFlags& flags);

// Subnet ids and prefixes are unique across "subnet4" and every shared network's list; Kea's
// auto-numbering of subnets without "id" runs across all of them in parse order.
struct SubnetRegistry {
  std::uint32_t nextAutoId = 1;
  std::map<std::uint32_t, std::string> idOwners;
  std::map<std::pair<std::uint32_t, std::uint8_t>, std::string> prefixOwners;
};

// A "subnet4" list (top level, or a shared network's when network is given), with Kea's
// inheritance already applied.
void parseSubnets(const nlohmann::json& list, const std::string& path, const SubnetDefaults& defaults, bool ipUnique,
                  SubnetRegistry& registry, Diagnostics& diag, std::vector<Subnet4>& out,
                  const SharedNetwork4* network = nullptr);

// "shared-networks": appends the networks to cfg.sharedNetworks and their subnets to cfg.subnets.
void parseSharedNetworks(const nlohmann::json& list, const std::string& path, const SubnetDefaults& globals,
                         SubnetRegistry& registry, Diagnostics& diag, Dhcp4Config& cfg);

// JSON path "Dhcp4/subnet4/0" -> JSON pointer "/Dhcp4/subnet4/0".
std::string jsonPointerOf(const std::string& path);

// Kea's lease caching ("cache-threshold", "cache-max-age" at global or subnet scope): a
// renewal of a young enough lease is answered with the lease's remaining lifetime instead of
// a new one. tandemd always extends the lease, so values that enable caching are refused;
// the values with which Kea caches nothing (threshold <= 0 or > 1, max-age 0) are accepted.
void checkLeaseCaching(ObjectReader& r);

// The ddns-* and hostname-char-* keys of a global, shared-network or subnet scope (Kea
// 2.2's DdnsParams), read over the inherited values in d.
void parseDdnsKeys(ObjectReader& r, DdnsSettings& d);
// ddns-replace-client-name / dhcp-ddns replace-client-name; nullopt (with an error) when invalid.
std::optional<ReplaceClientName> parseReplaceClientName(ObjectReader& r, const char* key);
// hostname-char-set: a POSIX extended regular expression; nullopt (with an error) when invalid.
std::optional<std::string> parseHostnameCharSet(ObjectReader& r, const char* key);

// "client-classes" (the list of class definitions), into cfg.classes / cfg.classTable.
void parseClientClasses(const nlohmann::json& list, const std::string& path, Diagnostics& diag, Dhcp4Config& cfg);

// The class keys of a pool, subnet or shared network: "client-class" (Kea 2.2) or
// "client-classes" (Kea 3.x list), and "require-client-classes" (Kea 2.2) or
// "evaluate-additional-classes" (Kea 3.x); each pair is exclusive.
void parseClassKeys(ObjectReader& r, std::string& clientClass, std::vector<std::string>& clientClasses,
                    std::vector<std::string>& requireClientClasses);

// Calls fn(reader) for each element of a list that must contain maps.
template <class Fn>
void forEachObject(const nlohmann::json& list, const std::string& path, Diagnostics& diag, Fn&& fn) {
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string p = joinPath(path, std::to_string(i));
    if (!list[i].is_object()) {
      diag.error(p, "expected a map, got " + describeType(list[i]));
      continue;
    }
    fn(list[i], p, i);
  }
}

}  // namespace tandem::config
