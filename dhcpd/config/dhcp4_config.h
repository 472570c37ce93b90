#pragma once
// Typed form of Kea's "Dhcp4" JSON configuration. parseDhcp4Config() fills it; every error
// and warning names its JSON path ("Dhcp4/subnet4/0/pools/1/pool: ...").
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "dhcpd/classify/class_set.h"
#include "dhcpd/classify/expression.h"
#include "dhcpd/config/flex_option_config.h"
#include "dhcpd/config/legal_log_config.h"
#include "dhcpd/config/run_script_config.h"
#include "dhcpd/common/hw_addr.h"
#include "dhcpd/common/ipv4.h"
#include "dhcpd/common/result.h"
#include "dhcpd/proto/option_def_set.h"

namespace tandem::config {

struct OptionData {
  std::uint8_t code = 0;
  std::string name;             // as given, or the definition's name for the code
  std::string space = "dhcp4";  // "dhcp4", a vendor space "vendor-<enterprise>", or a custom one
  // Encoded option payload (without code/length). For a carrier of an encapsulated space
  // (option 43, a custom option-def with "encapsulate"), the sub-options configured in the
  // same scope are already appended; option 125 is one vendor block (enterprise, data-len,
  // sub-options given as hex); the "vendor-<id>" options are added per reply by the engine.
  std::vector<std::uint8_t> payload;
  bool alwaysSend = false;  // Kea "always-send": send even if not in the PRL
  bool neverSend = false;   // Kea 2.4's "never-send" (not a Kea 2.2 keyword)
  bool csvFormat = true;    // how "data" was written (kept for config-get style output)
  std::string encapsulate;  // the definition's encapsulated space ("" = none)
  bool emptyType = false;   // the definition's type is "empty" (a pure container)
};

// Kea 2.2's ddns-replace-client-name (D2ClientConfig::ReplaceClientNameMode).
enum class ReplaceClientName : std::uint8_t { Never, Always, WhenPresent, WhenNotPresent };
std::string_view toString(ReplaceClientName m) noexcept;
// Kea's names, case-insensitively, and the old boolean spellings "true" (when-present) and
// "false" (never) that Kea 2.2 still maps.
std::optional<ReplaceClientName> replaceClientNameFromString(std::string_view s) noexcept;

// The client-name and DNS update behaviour of a scope (Kea 2.2's DdnsParams): global keys,
// overridden by a shared network's, overridden by a subnet's. Kea applies the name rules
// even with DNS updates off (dhcp-ddns enable-updates false).
struct DdnsSettings {
  bool sendUpdates = true;                                         // ddns-send-updates
  bool overrideNoUpdate = false;                                   // ddns-override-no-update
  bool overrideClientUpdate = false;                               // ddns-override-client-update
  ReplaceClientName replaceClientName = ReplaceClientName::Never;  // ddns-replace-client-name
  std::string generatedPrefix = "myhost";                          // ddns-generated-prefix
  std::string qualifyingSuffix;                                    // ddns-qualifying-suffix
  std::string hostnameCharSet = "[^A-Za-z0-9.-]", hostnameCharReplacement;
  bool updateOnRenew = false;         // ddns-update-on-renew
  bool useConflictResolution = true;  // ddns-use-conflict-resolution
  bool operator==(const DdnsSettings&) const = default;
};

// "dhcp-ddns": the connection to kea-dhcp-ddns (Kea's D2ClientConfig), Kea 2.2 defaults.
struct DhcpDdnsConfig {
  bool enableUpdates = false;
  Ipv4 serverIp{127, 0, 0, 1};
  std::uint16_t serverPort = 53001;
  Ipv4 senderIp{};
  std::uint16_t senderPort = 0;
  std::uint32_t maxQueueSize = 1024;
  std::string ncrProtocol = "UDP", ncrFormat = "JSON";
};

// Kea's DHCPv4 host identifier types (host-reservation-identifiers).
enum class HostIdType : std::uint8_t { HwAddress, Duid, CircuitId, ClientId, FlexId };
std::string_view toString(HostIdType t) noexcept;
std::optional<HostIdType> hostIdTypeFromString(std::string_view s) noexcept;

struct Reservation {
  // Exactly one identifier is set (Kea: one per host).
  std::optional<HwAddr> hwAddr;         // matched on the address bytes only, as Kea does
  std::vector<std::uint8_t> clientId;   // option 61 as sent (type byte included); empty = not by client-id
  std::vector<std::uint8_t> duid;       // RFC 4361 DUID: option 61 of type 255 after its IAID
  std::vector<std::uint8_t> circuitId;  // option 82 sub-option 1 (RFC 3046)
  std::vector<std::uint8_t> flexId;     // flex_id hook identifier; never matches without that hook
  std::optional<Ipv4> address;
  std::string hostname;
  std::vector<OptionData> options;
  std::vector<std::string> clientClasses;
  std::optional<Ipv4> nextServer;  // siaddr for this host
  std::string serverHostname;      // sname for this host ("" = not set)
  std::string bootFileName;        // file for this host ("" = not set)
  nlohmann::json source;           // the original JSON (for reservation-get)

  HostIdType identifierType() const noexcept;
  std::vector<std::uint8_t> identifier() const;  // bytes of the set identifier (hw-address: the address bytes)
};

struct Pool {
  Ipv4 first, last;  // inclusive
  std::vector<OptionData> options;
  std::string clientClass;                        // "" = any; e.g. "HA_server1"
  std::vector<std::string> clientClasses;         // Kea 3.x "client-classes": members of any of them
  std::vector<std::string> requireClientClasses;  // also Kea 3.x "evaluate-additional-classes"
  std::uint64_t size() const noexcept { return std::uint64_t(last.value) - first.value + 1; }
};

// Fields marked "effective" already include the value inherited from the global scope, so
// users of a subnet never need to look at Dhcp4Config for them (Kea's inheritance rules).
struct Subnet4 {
  std::uint32_t id = 0;  // given, or assigned 1, 2, ... in order as Kea 2.2 does
  Prefix4 prefix;
  // Name of the shared network holding this subnet ("" = none); see SharedNetwork4.
  std::string sharedNetwork;
  // Where the subnet is in the source document (JSON pointer, e.g. "/Dhcp4/subnet4/0" or
  // "/Dhcp4/shared-networks/1/subnet4/0"); used by the reservation commands.
  std::string sourcePointer;
  std::vector<Pool> pools;
  std::vector<OptionData> options;
  std::vector<Reservation> reservations;
  // The subnet's own "relay" and "interface" (not inherited: Kea falls back to the shared
  // network's values only when the subnet sets none, at subnet selection).
  std::vector<Ipv4> relayAddresses;  // "relay": {"ip-addresses": [...]}
  std::string interface;             // "interface": bind to an interface (local clients)
  std::optional<std::uint32_t> validLifetime, renewTimer, rebindTimer;  // effective
  std::optional<Ipv4> nextServer;                                       // siaddr, effective
  std::optional<std::uint32_t> minValidLifetime, maxValidLifetime;      // effective
  bool calculateTeeTimes = false;                                       // effective; see lease_times.h
  double t1Percent = 0.5, t2Percent = 0.875;                            // effective
  bool matchClientId = true;                                            // effective
  bool authoritative = false;                                           // effective
  std::string serverHostname, bootFileName;                             // sname / file, effective
  std::string clientClass;                        // only members of this class may use the subnet ("" = all)
  std::vector<std::string> clientClasses;         // Kea 3.x "client-classes": members of any of them
  std::vector<std::string> requireClientClasses;  // also Kea 3.x "evaluate-additional-classes"
  // Which host reservations apply (effective; Kea 2.2 defaults: global off, in-subnet on).
  bool reservationsGlobal = false, reservationsInSubnet = true, reservationsOutOfPool = false;
  bool storeExtendedInfo = false;  // effective
  DdnsSettings ddns;               // effective
};

// Kea "shared-networks" entry: several subnets on one link. Its scalar settings are already
// folded into its subnets' effective values (global > shared network > subnet); what stays
// here is what Kea looks up at the network level itself.
struct SharedNetwork4 {
  std::string name;
  std::vector<OptionData> options;         // between subnet and global in option precedence
  std::vector<Ipv4> relayAddresses;        // used for subnets without their own relay
  std::string interface;                   // used for subnets without their own interface
  std::string clientClass;                 // only members may use any subnet of the network
  std::vector<std::string> clientClasses;  // Kea 3.x "client-classes": members of any of them
  std::vector<std::string> requireClientClasses;
  std::vector<std::uint32_t> subnetIds;  // ascending (Kea iterates a network's subnets by id)
};

// Kea's lifetime triplet of a class (SimpleParser::parseIntTriplet): the value and the
// bounds a client's requested lease time (option 51) is clamped to.
struct LifetimeTriplet {
  std::uint32_t min = 0, value = 0, max = 0;
};

// One entry of "client-classes" (Kea 2.2's ClientClassDef).
struct ClientClassDef {
  std::string name;
  classify::ClassId id = 0;                  // in Dhcp4Config::classTable
  std::optional<classify::Expression> test;  // compiled "test"; none: assigned only by name
  bool onlyIfRequired = false;               // also Kea 3.x "only-in-additional-list"
  // The test names KNOWN or UNKNOWN, directly or through member() of such a class: it is
  // evaluated after the host reservation lookup (Kea's depend_on_known).
  bool dependsOnKnown = false;
  std::vector<OptionData> options;
  std::optional<Ipv4> nextServer;            // siaddr
  std::string serverHostname, bootFileName;  // sname / file ("" = not set)
  std::optional<LifetimeTriplet> validLifetime;
  nlohmann::json userContext;  // "user-context", kept for config-get
  // Hook for class "option-def" (options helper): definitions local to this class.
};

struct InterfaceSpec {
  std::string name;             // "eth0", or "*" for all
  std::optional<Ipv4> address;  // "eth0/198.18.0.1"
};

// Kea 2.2's on-fail: what the server does when the database connection is lost.
enum class DbOnFail { StopRetryExit, ServeRetryExit, ServeRetryContinue };

struct LeaseDatabase {
  std::string type = "memfile";  // "memfile", "postgresql" or "mysql"
  bool persist = true;
  // memfile: resolved absolute path of the CSV file; postgresql, mysql: the database name.
  std::string name;
  std::uint32_t lfcInterval = 3600;  // seconds, 0 = no compaction
  std::uint32_t maxRowErrors = 0;    // 0 = no limit on corrupt lines when loading
  // SQL connection (Kea 2.2's DbAccessParser keys; memfile accepts and ignores them).
  std::string host;        // empty: libpq's default ("localhost" in Kea)
  std::uint16_t port = 0;  // 0: the client library's default (5432)
  std::string user, password;
  std::uint32_t connectTimeout = 5;     // seconds (Kea's PGSQL_DEFAULT_CONNECTION_TIMEOUT)
  std::uint32_t maxReconnectTries = 0;  // 0: no reconnection (Kea 2.2's default)
  std::uint32_t reconnectWaitTime = 0;  // milliseconds between attempts
  DbOnFail onFail = DbOnFail::StopRetryExit;
  // TLS to a MySQL server (Kea 2.2 takes them for mysql only): trust-anchor is a CA file or a
  // directory of CA certificates, cert-file/key-file the client's own, cipher-list OpenSSL's.
  std::string trustAnchor, certFile, keyFile, cipherList;
  bool sql() const noexcept { return type == "postgresql" || type == "mysql"; }
  bool mysql() const noexcept { return type == "mysql"; }
};

struct ControlSocket {
  std::string socketType;  // "unix", "http", "https"
  std::string socketName;  // unix: resolved path
  std::string address;     // http(s): "socket-address"
  std::uint16_t port = 0;  // http(s): "socket-port"
  std::string certFile, keyFile, trustAnchor;
  bool certRequired = true;
  struct User {
    std::string user, password;
  };
  std::vector<User> users;  // "authentication": {"type": "basic", "clients": [...]}
  std::string realm;
  std::string authDirectory;  // "authentication": {"directory": ...}, resolved
};

struct LogOutput {
  std::string output;                // "stdout", "stderr", "syslog[:name]" or resolved file path
  std::uint64_t maxsize = 10240000;  // bytes before rotation (Kea default)
  std::uint32_t maxver = 1;          // rotated files kept (Kea default)
  bool flush = true;
  std::string pattern;  // "" = Kea's default pattern
};

struct Logger {
  std::string name;
  std::string severity = "INFO";
  int debugLevel = 0;
  std::vector<std::string> outputs;      // "stdout", "stderr", "syslog", or resolved file path
  std::vector<LogOutput> outputOptions;  // the same outputs with their options
};

struct ExpiredLeasesProcessing {
  std::uint32_t reclaimTimerWaitTime = 10;  // seconds
  std::uint32_t flushReclaimedTimerWaitTime = 25;
  std::uint32_t holdReclaimedTime = 3600;
  std::uint32_t maxReclaimLeases = 100;
  std::uint32_t maxReclaimTime = 250;  // ms
  std::uint32_t unwarnedReclaimCycles = 5;
};

struct Dhcp4Config {
  std::vector<InterfaceSpec> interfaces;
  std::string dhcpSocketType = "raw";  // "raw" or "udp"
  LeaseDatabase leaseDatabase;
  std::uint32_t validLifetime = 7200;
  std::optional<std::uint32_t> renewTimer, rebindTimer;  // default: 50% / 87.5% (RFC 2131 4.4.5)
  std::uint32_t declineProbationPeriod = 86400;
  std::uint32_t offerLifetime = 10;  // how long an OFFER holds its address (tandem extension)
  bool authoritative = false;        // NAK requests for unknown addresses on our subnets
  bool matchClientId = true;
  bool ignoreServerId = false;  // compatibility/ignore-dhcp-server-identifier (newer Kea)
  std::optional<Ipv4> nextServer;
  std::optional<std::uint32_t> minValidLifetime, maxValidLifetime;
  bool calculateTeeTimes = false;  // Kea 2.2 default for DHCPv4
  double t1Percent = 0.5, t2Percent = 0.875;
  bool echoClientId = true;  // RFC 6842
  std::string serverHostname, bootFileName;
  bool reservationsGlobal = false, reservationsInSubnet = true, reservationsOutOfPool = false;
  bool ipReservationsUnique = true;
  bool earlyGlobalReservationsLookup = false;
  bool storeExtendedInfo = false;
  std::string leaseChecks = "warn";                   // sanity-checks/lease-checks: none, warn, fix, fix-del, del
  std::string outboundInterface = "same-as-inbound";  // interfaces-config/outbound-interface
  DdnsSettings ddns;                                  // the global ddns-* and hostname-char-* values
  DhcpDdnsConfig dhcpDdns;
  nlohmann::json clientClasses = nlohmann::json::array();  // raw entries, as configured
  std::vector<ClientClassDef> classes;                     // typed, in configuration order (Kea's evaluation order)
  // Ids of every class name the configuration's expressions refer to (defined classes and
  // built-ins); the engine interns the names of pools, subnets and reservations on top.
  classify::ClassTable classTable;
  // Every subnet, those of shared networks included (they come first, as Kea parses
  // "shared-networks" before "subnet4" and numbers auto-ids in that order).
  std::vector<Subnet4> subnets;
  std::vector<SharedNetwork4> sharedNetworks;
  // host-reservation-identifiers: the order identifiers are tried in (Kea 2.2 default).
  std::vector<HostIdType> hostReservationIdentifiers{HostIdType::HwAddress, HostIdType::Duid, HostIdType::CircuitId,
                                                     HostIdType::ClientId};
  std::vector<OptionData> options;        // global option-data
  proto::OptionDefSet optionDefs;         // global "option-def" entries over Kea's standard ones
  std::vector<Reservation> reservations;  // global reservations
  std::vector<ControlSocket> controlSockets;
  std::vector<Logger> loggers;
  ExpiredLeasesProcessing expiredLeases;
  nlohmann::json hooksLibraries = nlohmann::json::array();  // entries kept for HA
  std::vector<FlexOptionRule> flexOptions;                  // libdhcp_flex_option.so parameters, in Kea's order
  std::optional<RunScriptConfig> runScript;                 // libdhcp_run_script.so parameters
  std::optional<LegalLogConfig> legalLog;                   // libdhcp_legal_log.so parameters
  std::string serverTag;
  // statistic-default-sample-count / -age (Kea's SrvConfig::updateStatistics applies them).
  std::optional<std::uint32_t> statisticDefaultSampleCount, statisticDefaultSampleAge;

  nlohmann::json source;              // the whole parsed document ({"Dhcp4": ...}) for config-get
  std::vector<std::string> warnings;  // "Dhcp4/foo: unknown key ignored"
};

// Reads an included file (<?include "path"?>); the daemon resolves path as kea-dhcp4 2.2 does
// (relative to the working directory). Pure code never opens files itself.
using IncludeReader = std::function<Result<std::string>(const std::string& path)>;

struct ParseContext {
  // Directory that relative paths resolve against. kea-dhcp4 2.2 resolves relative paths
  // in the config (lease file, control socket, log output) against its working directory.
  std::string baseDir;
  // Default lease file when lease-database has no "name" (Kea: <localstatedir>/lib/kea/kea-leases4.csv).
  std::string defaultLeaseFile = "/var/lib/kea/kea-leases4.csv";
  // Reader for <?include?> directives; without one an include is an error.
  IncludeReader readInclude;
};

// Accepts the document with comments (//, /* */, #) as Kea does. Returns the typed config
// or an error whose message starts with the JSON path of the offending element.
[[nodiscard]] Result<Dhcp4Config> parseDhcp4Config(std::string_view text, const ParseContext& ctx);
// Same, from an already-parsed JSON document ({"Dhcp4": {...}}), used by config-set.
[[nodiscard]] Result<Dhcp4Config> parseDhcp4Config(const nlohmann::json& doc, const ParseContext& ctx);
// std::string and string literals convert to both string_view and json; these pick the text form.
[[nodiscard]] inline Result<Dhcp4Config> parseDhcp4Config(const std::string& text, const ParseContext& ctx) {
  return parseDhcp4Config(std::string_view(text), ctx);
}
[[nodiscard]] inline Result<Dhcp4Config> parseDhcp4Config(const char* text, const ParseContext& ctx) {
  return parseDhcp4Config(std::string_view(text), ctx);
}
// Strips comments so nlohmann can parse; errors as Error with line:column.
[[nodiscard]] Result<nlohmann::json> parseJsonWithComments(std::string_view text);
// Same; Kea's syntax warnings (a trailing comma before } or ]) are appended to *warnings.
// Duplicate keys in one object are an error, as in Kea.
[[nodiscard]] Result<nlohmann::json> parseJsonWithComments(std::string_view text, std::vector<std::string>* warnings);
// Same, expanding <?include "path"?> directives (nested up to Kea's limit) with includes.
[[nodiscard]] Result<nlohmann::json> parseJsonWithComments(std::string_view text, std::vector<std::string>* warnings,
                                                           const IncludeReader* includes);

}  // namespace tandem::config
