// Kea "Dhcp4" JSON -> Dhcp4Config. Key sets and defaults follow kea-dhcp4 2.2 (checked with
// `kea-dhcp4 -t`); keys Kea knows but tandemd does not implement are warnings when ignoring
// them cannot change what clients get, errors otherwise.
#include "dhcpd/config/dhcp4_config.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "dhcpd/config/json_reader.h"
#include "dhcpd/config/parser_parts.h"

namespace tandem::config {

namespace {

using nlohmann::json;

std::optional<Ipv4> parseAddressKey(ObjectReader& r, std::string_view key) {
  auto s = r.string(key);
  if (!s) return std::nullopt;
  auto a = Ipv4::parse(*s);
  if (!a) r.diag().error(r.pathOf(key), fmt::format("'{}' is not a valid IPv4 address", *s));
  return a;
}

void parseInterfaces(const json& obj, const std::string& path, Diagnostics& diag, Dhcp4Config& cfg) {
  ObjectReader r(obj, path, diag);
  if (auto list = r.stringList("interfaces")) {
    for (std::size_t i = 0; i < list->size(); ++i) {
      const std::string& text = (*list)[i];
      const std::string p = joinPath(r.pathOf("interfaces"), std::to_string(i));
      InterfaceSpec spec;
      const auto slash = text.find('/');
      spec.name = text.substr(0, slash);
      if (spec.name.empty() || spec.name.find_first_of(" \t") != std::string::npos) {
        diag.error(p, fmt::format("'{}' is not a valid interface name", text));
        continue;
      }
      if (slash != std::string::npos) {
        auto a = Ipv4::parse(std::string_view(text).substr(slash + 1));
        if (!a || spec.name == "*") {
          diag.error(p, fmt::format("'{}' is not \"name\", \"name/address\" or \"*\"", text));
          continue;
        }
        spec.address = *a;
      }
      cfg.interfaces.push_back(std::move(spec));
    }
  }
  if (auto t = r.choice("dhcp-socket-type", {"raw", "udp"})) cfg.dhcpSocketType = *t;
  if (auto o = r.choice("outbound-interface", {"same-as-inbound", "use-routing"})) cfg.outboundInterface = *o;
  r.ignore("re-detect");  // interfaces are looked up at each (re)configuration anyway
  // How often Kea retries opening a socket that failed at start-up: they decide whether the
  // server starts, never what a client is answered.
  r.boolean("service-sockets-require-all");
  r.u32("service-sockets-retry-wait-time");
  r.u32("service-sockets-max-retries");
  r.finish();
}

void parseLeaseDatabase(const json& obj, const std::string& path, const ParseContext& ctx, Diagnostics& diag,
                        Dhcp4Config& cfg) {
  // Kea 2.2 takes neither "comment" nor "user-context" here.
  ObjectReader r(obj, path, diag, /*allowContext=*/false);
  LeaseDatabase& db = cfg.leaseDatabase;
  if (auto type = r.string("type")) {
    if (*type == "cql") {
      diag.error(r.pathOf("type"),
                 "lease database type 'cql' is not supported (Kea 2.2 deprecates Cassandra); use memfile, "
                 "postgresql or mysql");
    } else if (*type != "memfile" && *type != "postgresql" && *type != "mysql") {
      diag.error(r.pathOf("type"),
                 fmt::format("unknown lease database type '{}' (expected memfile, postgresql or mysql)", *type));
    }
    db.type = *type;
  } else if (!r.has("type")) {
    diag.error(path, "missing \"type\" (memfile, postgresql or mysql)");
  }
  if (auto v = r.boolean("persist")) db.persist = *v;
  if (auto v = r.u32("lfc-interval")) db.lfcInterval = *v;
  if (auto v = r.u32("max-row-errors")) db.maxRowErrors = *v;
  parseDbAccessKeys(r, db);
  if (!db.sql()) db.name = resolvePath(ctx, !db.name.empty() ? db.name : ctx.defaultLeaseFile);
  r.finish();
}

// Kea's user-file / password-file hold the credential itself; a password-file alone may hold
// "user:password".
std::optional<std::string> readCredentialFile(const std::string& file, const std::string& path, Diagnostics& diag) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    diag.error(path, fmt::format("cannot read '{}'", file));
    return std::nullopt;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();  // files written with echo
  return s;
}

void parseAuthentication(const json& obj, const std::string& path, const ParseContext& ctx, Diagnostics& diag,
                         ControlSocket& cs) {
  ObjectReader r(obj, path, diag);
  if (auto type = r.string("type")) {
    if (*type != "basic")
      diag.error(r.pathOf("type"), fmt::format("authentication type '{}' is not supported (basic)", *type));
  } else if (!r.has("type")) {
    diag.error(path, "missing \"type\" (basic)");
  }
  if (auto realm = r.string("realm")) cs.realm = *realm;
  if (auto dir = r.string("directory")) cs.authDirectory = resolvePath(ctx, *dir);
  const ParseContext fileCtx{cs.authDirectory.empty() ? ctx.baseDir : cs.authDirectory, ctx.defaultLeaseFile, {}};
  if (const json* clients = r.array("clients")) {
    forEachObject(*clients, r.pathOf("clients"), diag, [&](const json& entry, const std::string& p, std::size_t) {
      ObjectReader c(entry, p, diag);
      ControlSocket::User user;
      auto name = c.string("user");
      auto password = c.string("password");
      auto userFile = c.string("user-file");
      auto passwordFile = c.string("password-file");
      c.finish();
      if (name) user.user = *name;
      if (password) user.password = *password;
      if (userFile) {
        if (auto v = readCredentialFile(resolvePath(fileCtx, *userFile), joinPath(p, "user-file"), diag))
          user.user = *v;
      }
      if (passwordFile) {
        if (auto v = readCredentialFile(resolvePath(fileCtx, *passwordFile), joinPath(p, "password-file"), diag)) {
          if (!name && !userFile) {
            const auto colon = v->find(':');
            if (colon == std::string::npos) {
              diag.error(joinPath(p, "password-file"), "without \"user\" the file must hold \"user:password\"");
              return;
            }
            user.user = v->substr(0, colon);
            user.password = v->substr(colon + 1);
          } else {
            user.password = *v;
          }
        }
      }
      if (user.user.empty() && !passwordFile) {
        diag.error(p, "missing \"user\" (or \"user-file\")");
        return;
      }
      if (user.user.find(':') != std::string::npos) {
        diag.error(p, "user names cannot contain ':' (RFC 7617 section 2)");
        return;
      }
      cs.users.push_back(std::move(user));
    });
  }
  r.finish();
}

void parseControlSocket(const json& obj, const std::string& path, const ParseContext& ctx, Diagnostics& diag,
                        Dhcp4Config& cfg) {
  ObjectReader r(obj, path, diag);
  ControlSocket cs;
  const std::size_t errorsBefore = diag.errorCount();
  if (auto t = r.choice("socket-type", {"unix", "http", "https"})) cs.socketType = *t;
  else if (!r.has("socket-type")) diag.error(path, "missing \"socket-type\" (unix, http or https)");
  if (auto name = r.string("socket-name")) cs.socketName = resolvePath(ctx, *name);
  if (auto a = r.string("socket-address")) cs.address = *a;
  if (auto port = r.unsignedInt("socket-port", 65535)) cs.port = static_cast<std::uint16_t>(*port);
  if (auto f = r.string("cert-file")) cs.certFile = resolvePath(ctx, *f);
  if (auto f = r.string("key-file")) cs.keyFile = resolvePath(ctx, *f);
  if (auto f = r.string("trust-anchor")) cs.trustAnchor = resolvePath(ctx, *f);
  if (auto v = r.boolean("cert-required")) cs.certRequired = *v;
  if (const json* auth = r.object("authentication"))
    parseAuthentication(*auth, r.pathOf("authentication"), ctx, diag, cs);
  r.ignoreWithWarning("http-headers", "extra HTTP response headers are not implemented; ignored");
  r.finish();
  if (diag.errorCount() != errorsBefore) return;

  if (cs.socketType == "unix") {
    if (cs.socketName.empty()) diag.error(path, "missing \"socket-name\" for a unix socket");
  } else {
    // Defaults of Kea's HTTP control socket (and of kea-ctrl-agent).
    if (cs.address.empty()) cs.address = "127.0.0.1";
    if (cs.port == 0) cs.port = 8000;
    if (cs.socketType == "https" && (cs.certFile.empty() || cs.keyFile.empty())) {
      diag.error(path, "an https socket needs \"cert-file\" and \"key-file\"");
    }
    if (cs.socketType == "https" && cs.certRequired && cs.trustAnchor.empty()) {
      diag.error(path, "\"cert-required\" needs a \"trust-anchor\" to verify client certificates");
    }
  }
  cfg.controlSockets.push_back(std::move(cs));
}

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
  return s;
}

void parseLoggers(const json& list, const std::string& path, const ParseContext& ctx, Diagnostics& diag,
                  Dhcp4Config& cfg) {
  forEachObject(list, path, diag, [&](const json& entry, const std::string& p, std::size_t) {
    ObjectReader r(entry, p, diag);
    Logger logger;
    if (auto name = r.string("name")) logger.name = *name;
    else if (!r.has("name")) diag.error(p, "missing \"name\"");
    if (auto sev = r.string("severity")) {
      logger.severity = upper(*sev);
      static const std::set<std::string> kSeverities{"FATAL", "ERROR", "WARN", "INFO", "DEBUG", "NONE"};
      if (!kSeverities.contains(logger.severity)) {
        diag.error(r.pathOf("severity"), fmt::format("'{}' is not one of FATAL, ERROR, WARN, INFO, DEBUG, NONE", *sev));
      }
    }
    if (auto level = r.unsignedInt("debuglevel", 99)) logger.debugLevel = static_cast<int>(*level);
    // Kea 2.2 writes "output_options", newer Kea "output-options".
    if (r.has("output_options") && r.has("output-options")) {
      diag.error(p, "give either \"output_options\" or \"output-options\", not both");
    }
    for (auto key : {"output_options", "output-options"}) {
      const json* outputs = r.array(key);
      if (!outputs) continue;
      forEachObject(*outputs, r.pathOf(key), diag, [&](const json& o, const std::string& op, std::size_t) {
        ObjectReader orr(o, op, diag);
        LogOutput out;
        out.output = orr.string("output").value_or("stdout");
        if (out.output != "stdout" && out.output != "stderr" && out.output != "syslog" &&
            !out.output.starts_with("syslog:")) {
          out.output = resolvePath(ctx, out.output);
        }
        if (auto v = orr.unsignedInt("maxsize", UINT64_MAX)) out.maxsize = *v;
        if (auto v = orr.u32("maxver")) out.maxver = *v;
        if (auto v = orr.boolean("flush")) out.flush = *v;
        if (auto v = orr.string("pattern")) out.pattern = *v;
        orr.finish();
        logger.outputs.push_back(out.output);
        logger.outputOptions.push_back(std::move(out));
      });
    }
    r.finish();
    cfg.loggers.push_back(std::move(logger));
  });
}

// What tandemd does with a Kea hook library named in "hooks-libraries". tandemd loads no
// shared objects: a library is either built in (its commands and, for HA, its parameters are
// served by tandemd itself), harmless to leave out (it only adds control commands or
// statistics: a warning), or a feature that would change answers or side effects, which is
// an error so that no configuration runs without what it asks for.
struct HookVerdict {
  enum Kind { kBuiltin, kWarn, kError } kind;
  std::string_view why;
};

HookVerdict hookVerdict(std::string_view library) {
  std::string base = std::filesystem::path(library).filename().string();
  static const std::map<std::string, HookVerdict, std::less<>> kKnown{
      {"libdhcp_ha.so", {HookVerdict::kBuiltin, ""}},
      {"libdhcp_lease_cmds.so", {HookVerdict::kBuiltin, ""}},
      {"libdhcp_stat_cmds.so", {HookVerdict::kBuiltin, ""}},
      {"libdhcp_host_cmds.so", {HookVerdict::kBuiltin, ""}},  // reservation-* commands
      {"libdhcp_subnet_cmds.so",
       {HookVerdict::kWarn,
        "its subnet4-*/network4-* commands are not implemented; the library is ignored "
        "(answers are unaffected)"}},
      {"libdhcp_class_cmds.so",
       {HookVerdict::kWarn,
        "its class-* commands are not implemented; the library is ignored (answers are unaffected)"}},
      {"libdhcp_perfmon.so",
       {HookVerdict::kWarn,
        "performance monitoring is not implemented; the library is ignored (answers are unaffected)"}},
      // config-control/config-databases is read by tandemd itself (dhcpd/config/cb_merge.h);
      // the backend type (postgresql; mysql not yet) is checked there.
      {"libdhcp_mysql_cb.so", {HookVerdict::kBuiltin, ""}},
      {"libdhcp_pgsql_cb.so", {HookVerdict::kBuiltin, ""}},
      {"libdhcp_cb_cmds.so",
       {HookVerdict::kWarn,
        "its remote-* commands are not implemented; the library is ignored (the configuration "
        "backend's tables are still read)"}},
      {"libdhcp_mysql.so", {HookVerdict::kError, "SQL database backends are not supported yet (issue 13)"}},
      {"libdhcp_pgsql.so", {HookVerdict::kError, "SQL database backends are not supported yet (issue 13)"}},
      {"libdhcp_flex_id.so",
       {HookVerdict::kError, "flexible identifiers (flex_id) are not supported; they select reservations"}},
      {"libdhcp_flex_option.so", {HookVerdict::kBuiltin, ""}},  // parseFlexOptionHook
      {"libdhcp_bootp.so", {HookVerdict::kError, "BOOTP (the bootp hook) is not supported; it answers BOOTP clients"}},
      {"libdhcp_run_script.so", {HookVerdict::kBuiltin, ""}},  // parseRunScriptHook
      {"libdhcp_legal_log.so", {HookVerdict::kBuiltin, ""}},   // parseLegalLogHook
      {"libdhcp_limits.so",
       {HookVerdict::kError, "rate and lease limits (limits) are not supported; they drop answers"}},
      {"libdhcp_lease_query.so", {HookVerdict::kError, "lease query (RFC 4388) is not supported"}},
      {"libdhcp_ping_check.so",
       {HookVerdict::kError, "ping check is not supported; it makes the server skip addresses that answer a ping"}},
      {"libdhcp_host_cache.so", {HookVerdict::kError, "host cache is not supported; it serves reservations"}},
      {"libdhcp_radius.so",
       {HookVerdict::kError, "RADIUS is not supported; it authorizes clients and assigns addresses"}},
      {"libdhcp_ddns_gss_tsig.so", {HookVerdict::kError, "GSS-TSIG is a kea-dhcp-ddns library; DDNS is issue 14"}},
  };
  if (auto it = kKnown.find(base); it != kKnown.end()) return it->second;
  return {HookVerdict::kError,
          "not a library tandemd has built in, and tandemd cannot load Kea hook libraries; a hook can change "
          "answers, so it is refused (remove the entry if the library is not needed)"};
}

void parseHooks(const json& list, const std::string& path, Diagnostics& diag, Dhcp4Config& cfg) {
  forEachObject(list, path, diag, [&](const json& entry, const std::string& p, std::size_t) {
    ObjectReader r(entry, p, diag);
    auto library = r.string("library");
    if (!library && !r.has("library")) diag.error(p, "missing \"library\"");
    r.object("parameters");  // interpreted by the feature it configures (HA reads its own)
    r.finish();
    if (library && library->empty()) diag.error(joinPath(p, "library"), "empty library path");
    if (!library || library->empty()) return;
    const HookVerdict v = hookVerdict(*library);
    const std::string where = joinPath(p, "library");
    if (v.kind == HookVerdict::kWarn) diag.warn(where, fmt::format("hook library '{}': {}", *library, v.why));
    if (v.kind == HookVerdict::kError) diag.error(where, fmt::format("hook library '{}': {}", *library, v.why));
  });
  cfg.hooksLibraries = list;
}

void parseExpiredLeases(const json& obj, const std::string& path, Diagnostics& diag, Dhcp4Config& cfg) {
  ObjectReader r(obj, path, diag);
  ExpiredLeasesProcessing& e = cfg.expiredLeases;
  if (auto v = r.u32("reclaim-timer-wait-time")) e.reclaimTimerWaitTime = *v;
  if (auto v = r.u32("flush-reclaimed-timer-wait-time")) e.flushReclaimedTimerWaitTime = *v;
  if (auto v = r.u32("hold-reclaimed-time")) e.holdReclaimedTime = *v;
  if (auto v = r.u32("max-reclaim-leases")) e.maxReclaimLeases = *v;
  if (auto v = r.u32("max-reclaim-time")) e.maxReclaimTime = *v;
  if (auto v = r.u32("unwarned-reclaim-cycles")) e.unwarnedReclaimCycles = *v;
  r.finish();
}

// "dhcp-ddns" (Kea's D2ClientConfig). Kea 2.2 still takes seven of the old per-server
// client-name settings here and moves each to the global ddns-* / hostname-char-* parameter
// when that is not given (checked with kea-dhcp4 2.2: they change the answers).
void parseDhcpDdns(const json& obj, const std::string& path, Diagnostics& diag, const ObjectReader& globals,
                   Dhcp4Config& cfg) {
  ObjectReader r(obj, path, diag);
  DhcpDdnsConfig& d = cfg.dhcpDdns;
  if (auto enable = r.boolean("enable-updates")) {
    d.enableUpdates = *enable;
  } else if (!r.has("enable-updates")) {
    diag.error(path, "missing parameter 'enable-updates' (Kea requires it in dhcp-ddns)");
  }
  auto address = [&](const char* key, Ipv4& out) {
    auto v = r.string(key);
    if (!v) return;
    if (v->empty()) return;  // Kea: "" is the default (0.0.0.0 for sender-ip)
    if (auto a = Ipv4::parse(*v)) {
      out = *a;
    } else if (v->find(':') != std::string::npos) {
      diag.error(r.pathOf(key), fmt::format("'{}': IPv6 towards kea-dhcp-ddns is not supported yet; use IPv4", *v));
    } else {
      diag.error(r.pathOf(key), fmt::format("Failed to convert '{}' to address", *v));
    }
  };
  address("server-ip", d.serverIp);
  address("sender-ip", d.senderIp);
  if (auto v = r.unsignedInt("server-port", 65535)) d.serverPort = std::uint16_t(*v);
  if (auto v = r.unsignedInt("sender-port", 65535)) d.senderPort = std::uint16_t(*v);
  if (auto v = r.u32("max-queue-size")) d.maxQueueSize = *v;
  if (auto v = r.string("ncr-protocol")) {
    std::string upper = *v;
    for (char& c : upper) c = char(std::toupper(static_cast<unsigned char>(c)));
    if (upper == "UDP") {
      d.ncrProtocol = "UDP";
    } else if (upper == "TCP") {
      diag.error(r.pathOf("ncr-protocol"), "D2ClientConfig error: NCR Protocol: TCP is not supported.");
    } else {
      diag.error(r.pathOf("ncr-protocol"), fmt::format("'{}' is not a NCR protocol (UDP)", *v));
    }
  }
  if (auto v = r.string("ncr-format")) {
    std::string upper = *v;
    for (char& c : upper) c = char(std::toupper(static_cast<unsigned char>(c)));
    if (upper != "JSON") diag.error(r.pathOf("ncr-format"), fmt::format("'{}' is not a NCR format (JSON)", *v));
  }
  if (d.serverIp == d.senderIp && d.serverPort == d.senderPort) {
    diag.error(path, fmt::format("D2ClientConfig error: server and sender cannot share the exact same IP "
                                 "address/port: {}/{}",
                                 d.serverIp.toString(), d.serverPort));
  }
  DdnsSettings& g = cfg.ddns;
  if (auto v = r.boolean("override-no-update"); v && !globals.has("ddns-override-no-update")) g.overrideNoUpdate = *v;
  if (auto v = r.boolean("override-client-update"); v && !globals.has("ddns-override-client-update")) {
    g.overrideClientUpdate = *v;
  }
  if (auto v = parseReplaceClientName(r, "replace-client-name"); v && !globals.has("ddns-replace-client-name")) {
    g.replaceClientName = *v;
  }
  if (auto v = r.string("generated-prefix"); v && !globals.has("ddns-generated-prefix")) g.generatedPrefix = *v;
  if (auto v = r.string("qualifying-suffix"); v && !globals.has("ddns-qualifying-suffix")) g.qualifyingSuffix = *v;
  if (auto v = parseHostnameCharSet(r, "hostname-char-set"); v && !globals.has("hostname-char-set")) {
    g.hostnameCharSet = *v;
  }
  if (auto v = r.string("hostname-char-replacement"); v && !globals.has("hostname-char-replacement")) {
    g.hostnameCharReplacement = *v;
  }
  r.finish();
}

// Kea's packet-processing threads, checked as Kea 2.2 checks them; tandemd maps the values to
// its packet workers (config/multi_threading.h reads them from the parsed document).
void parseMultiThreading(const json& obj, const std::string& path, Diagnostics& diag) {
  ObjectReader r(obj, path, diag);
  if (!r.has("enable-multi-threading")) {
    diag.error(path, "missing parameter 'enable-multi-threading' (Kea 2.2 requires it)");
  }
  r.boolean("enable-multi-threading");
  r.u32("thread-pool-size");
  r.u32("packet-queue-size");
  r.finish();
}

// Kea's optional queue between the socket and the worker threads: it only decides which
// packets are dropped under overload, which tandemd decides its own way. The map takes any
// further entries (parameters of custom queue implementations), as in Kea.
void parseDhcpQueueControl(const json& obj, const std::string& path, Diagnostics& diag) {
  ObjectReader r(obj, path, diag);
  if (!r.has("enable-queue")) diag.error(path, "missing parameter 'enable-queue' (Kea 2.2 requires it)");
  r.boolean("enable-queue");
  r.string("queue-type");
  r.u32("capacity");
  for (auto it = obj.begin(); it != obj.end(); ++it) r.ignore(it.key());
  r.finish();
}

// Kea 2.2's "compatibility" map has one flag, lenient-option-parsing: with it Kea accepts
// some malformed options in queries instead of dropping the packet. tandemd parses strictly,
// so the flag set to true would change which clients are answered: refused.
// ignore-dhcp-server-identifier is newer Kea's (Kea 2.2 refuses it): a message is accepted
// whatever server identifier (option 54) it carries; implemented as Kea 2.4 does it.
void parseCompatibility(const json& obj, const std::string& path, Diagnostics& diag, Dhcp4Config& cfg) {
  ObjectReader r(obj, path, diag);
  if (auto v = r.boolean("lenient-option-parsing"); v && *v) {
    diag.error(r.pathOf("lenient-option-parsing"), "lenient option parsing is not supported yet; set it to false");
  }
  if (auto v = r.boolean("ignore-dhcp-server-identifier")) cfg.ignoreServerId = *v;
  r.finish();
}

// Kea checks each lease it loads against the subnet its subnet-id names: "none" and "warn"
// (the default: a log message) keep every lease as tandemd does; "fix", "fix-del" and "del"
// rewrite or drop mismatched leases, which changes which addresses are free, and tandemd's
// lease loader does not do that yet.
void parseSanityChecks(const json& obj, const std::string& path, Diagnostics& diag, Dhcp4Config& cfg) {
  ObjectReader r(obj, path, diag);
  if (auto v = r.choice("lease-checks", {"none", "warn", "fix", "fix-del", "del"})) {
    cfg.leaseChecks = *v;
    if (*v != "none" && *v != "warn") {
      diag.error(r.pathOf("lease-checks"),
                 fmt::format("'{}' is not supported yet (it rewrites or drops leases whose subnet-id does not match); "
                             "use \"warn\"",
                             *v));
    }
  }
  r.choice("extended-info-checks", {"none", "fix", "strict", "pedantic"});
  r.finish();
}

void parseTopLevel(const json& doc, Diagnostics& diag) {
  for (auto it = doc.begin(); it != doc.end(); ++it) {
    const std::string& key = it.key();
    if (key == "Dhcp4") continue;
    if (key == "Logging") {
      diag.error(key, "top-level \"Logging\" is not accepted by Kea 2.2; move its \"loggers\" into \"Dhcp4\"");
    } else if (key == "Dhcp6" || key == "DhcpDdns" || key == "Control-agent" || key == "Netconf") {
      diag.warn(key, "configuration for another Kea daemon; ignored");
    } else {
      diag.error(key, "unknown parameter");
    }
  }
}

void checkGlobalTimers(ObjectReader& r, const Dhcp4Config& cfg, Diagnostics& diag) {
  if (cfg.renewTimer && cfg.rebindTimer && *cfg.renewTimer > *cfg.rebindTimer) {
    diag.error(r.pathOf("renew-timer"),
               fmt::format("renew-timer ({}) is greater than rebind-timer ({})", *cfg.renewTimer, *cfg.rebindTimer));
  }
  if (cfg.rebindTimer && *cfg.rebindTimer >= cfg.validLifetime) {
    diag.warn(r.pathOf("rebind-timer"),
              fmt::format("rebind-timer ({}) is not below valid-lifetime ({}); T2 will not be sent", *cfg.rebindTimer,
                          cfg.validLifetime));
  }
  if (cfg.minValidLifetime && cfg.maxValidLifetime && *cfg.minValidLifetime > *cfg.maxValidLifetime) {
    diag.error(r.pathOf("min-valid-lifetime"),
               fmt::format("min-valid-lifetime ({}) is greater than max-valid-lifetime ({})", *cfg.minValidLifetime,
                           *cfg.maxValidLifetime));
  } else {
    if (cfg.minValidLifetime && cfg.validLifetime < *cfg.minValidLifetime) {
      diag.error(r.pathOf("valid-lifetime"), fmt::format("valid-lifetime ({}) is less than min-valid-lifetime ({})",
                                                         cfg.validLifetime, *cfg.minValidLifetime));
    }
    if (cfg.maxValidLifetime && cfg.validLifetime > *cfg.maxValidLifetime) {
      diag.error(r.pathOf("valid-lifetime"), fmt::format("valid-lifetime ({}) is greater than max-valid-lifetime ({})",
                                                         cfg.validLifetime, *cfg.maxValidLifetime));
    }
  }
  for (auto [key, v] : {std::pair{"t1-percent", cfg.t1Percent}, std::pair{"t2-percent", cfg.t2Percent}}) {
    if (!(v > 0.0 && v < 1.0)) diag.error(r.pathOf(key), fmt::format("{} must be greater than 0 and less than 1", v));
  }
  if (cfg.calculateTeeTimes && cfg.t1Percent >= cfg.t2Percent) {
    diag.error(r.pathOf("t1-percent"),
               fmt::format("t1-percent ({}) must be less than t2-percent ({})", cfg.t1Percent, cfg.t2Percent));
  }
}

void parseGlobals(ObjectReader& r, const ParseContext& ctx, Diagnostics& diag, Dhcp4Config& cfg) {
  // Definitions first: option-data anywhere (classes, subnets, pools, reservations) uses them.
  if (const json* defs = r.array("option-def")) parseOptionDefList(*defs, r.pathOf("option-def"), diag, cfg.optionDefs);
  if (auto v = r.u32("valid-lifetime")) cfg.validLifetime = *v;
  if (auto v = r.u32("min-valid-lifetime")) cfg.minValidLifetime = *v;
  if (auto v = r.u32("max-valid-lifetime")) cfg.maxValidLifetime = *v;
  if (auto v = r.u32("renew-timer")) cfg.renewTimer = *v;
  if (auto v = r.u32("rebind-timer")) cfg.rebindTimer = *v;
  if (auto v = r.boolean("calculate-tee-times")) cfg.calculateTeeTimes = *v;
  if (auto v = r.number("t1-percent")) cfg.t1Percent = *v;
  if (auto v = r.number("t2-percent")) cfg.t2Percent = *v;
  checkGlobalTimers(r, cfg, diag);
  if (auto v = r.u32("decline-probation-period")) cfg.declineProbationPeriod = *v;
  if (auto v = r.boolean("authoritative")) cfg.authoritative = *v;
  if (auto v = r.boolean("match-client-id")) cfg.matchClientId = *v;
  if (auto v = r.boolean("echo-client-id")) cfg.echoClientId = *v;
  if (auto v = parseAddressKey(r, "next-server")) cfg.nextServer = *v;
  if (auto v = r.string("server-hostname")) cfg.serverHostname = *v;
  if (auto v = r.string("boot-file-name")) cfg.bootFileName = *v;
  if (auto v = r.string("server-tag")) cfg.serverTag = *v;
  if (auto v = r.boolean("store-extended-info")) cfg.storeExtendedInfo = *v;
  if (auto v = r.boolean("ip-reservations-unique")) cfg.ipReservationsUnique = *v;
  if (auto v = r.boolean("early-global-reservations-lookup")) cfg.earlyGlobalReservationsLookup = *v;
  // Kea then looks global reservations up before choosing the subnet, so that classes they
  // assign can select subnets and pools; tandemd looks them up after.
  if (cfg.earlyGlobalReservationsLookup) {
    diag.error(r.pathOf("early-global-reservations-lookup"),
               "not supported yet (global reservations are looked up after subnet selection)");
  }
  if (auto v = r.u32("offer-lifetime")) {
    // Newer Kea's offer-lifetime 0 means "do not hold offered addresses"; tandemd always
    // holds them briefly (RFC 2131 4.3.1), so 0 keeps the default.
    if (*v == 0) diag.warn(r.pathOf("offer-lifetime"), fmt::format("0 keeps the default of {} s", cfg.offerLifetime));
    else cfg.offerLifetime = *v;
  }
  if (auto ids = r.stringList("host-reservation-identifiers")) {
    const std::string listPath = r.pathOf("host-reservation-identifiers");
    if (ids->empty()) diag.error(listPath, "the list must name at least one identifier type");
    std::vector<HostIdType> order;
    for (std::size_t i = 0; i < ids->size(); ++i) {
      const std::string p = joinPath(listPath, std::to_string(i));
      auto t = hostIdTypeFromString((*ids)[i]);
      if (!t) {
        diag.error(p, fmt::format("'{}' is not a host reservation identifier type", (*ids)[i]));
      } else if (std::find(order.begin(), order.end(), *t) != order.end()) {
        diag.error(p, fmt::format("duplicate host identifier '{}'", (*ids)[i]));
      } else {
        order.push_back(*t);
      }
    }
    if (!order.empty()) cfg.hostReservationIdentifiers = std::move(order);
  }

  if (auto v = r.u32("statistic-default-sample-count")) cfg.statisticDefaultSampleCount = *v;
  if (auto v = r.u32("statistic-default-sample-age")) cfg.statisticDefaultSampleAge = *v;
  // Kea parks a query while a hook (HA's lease update) works on it; the limit only drops
  // queries beyond it under overload (tandemd sheds load its own way, see README).
  r.u32("parked-packet-limit");
  // Whether Kea looks up reservations before or after the lease database for a
  // multi-threaded renewal: an order of lookups, not a different answer.
  r.boolean("reservations-lookup-first");
  parseDdnsKeys(r, cfg.ddns);
  checkLeaseCaching(r);
  // The port of the DHCPv4-over-DHCPv6 channel to kea-dhcp6. Only subnets with 4o6-* keys
  // serve such queries, and those are refused in subnet4, so the port alone changes nothing.
  r.unsignedInt("dhcp4o6-port", 65535);
  if (const json* o = r.object("dhcp-queue-control")) parseDhcpQueueControl(*o, r.pathOf("dhcp-queue-control"), diag);
  if (const json* o = r.object("compatibility")) parseCompatibility(*o, r.pathOf("compatibility"), diag, cfg);
  // Configuration backends (dhcpd/config/config_control.h): checked here, read by the daemon.
  if (const json* o = r.object("config-control")) parseConfigControl(*o, r.pathOf("config-control"), diag, nullptr);
  // PostgreSQL host reservations (dhcpd/config/hosts_database.h): checked here, read by the
  // daemon with hostsDatabasesOf().
  parseHostsDatabases(r, nullptr);

  if (const json* o = r.object("interfaces-config")) parseInterfaces(*o, r.pathOf("interfaces-config"), diag, cfg);
  if (const json* o = r.object("lease-database")) {
    parseLeaseDatabase(*o, r.pathOf("lease-database"), ctx, diag, cfg);
  } else {
    cfg.leaseDatabase.name = resolvePath(ctx, ctx.defaultLeaseFile);
  }
  if (const json* o = r.object("control-socket")) parseControlSocket(*o, r.pathOf("control-socket"), ctx, diag, cfg);
  if (const json* list = r.array("control-sockets")) {
    forEachObject(*list, r.pathOf("control-sockets"), diag,
                  [&](const json& e, const std::string& p, std::size_t) { parseControlSocket(e, p, ctx, diag, cfg); });
  }
  if (const json* list = r.array("loggers")) parseLoggers(*list, r.pathOf("loggers"), ctx, diag, cfg);
  if (const json* list = r.array("hooks-libraries")) parseHooks(*list, r.pathOf("hooks-libraries"), diag, cfg);
  if (const json* o = r.object("expired-leases-processing")) {
    parseExpiredLeases(*o, r.pathOf("expired-leases-processing"), diag, cfg);
  }
  if (const json* list = r.array("client-classes")) parseClientClasses(*list, r.pathOf("client-classes"), diag, cfg);
  if (const json* o = r.object("dhcp-ddns")) {
    parseDhcpDdns(*o, r.pathOf("dhcp-ddns"), diag, r, cfg);
  }
  if (const json* o = r.object("multi-threading")) parseMultiThreading(*o, r.pathOf("multi-threading"), diag);
  if (const json* o = r.object("sanity-checks")) parseSanityChecks(*o, r.pathOf("sanity-checks"), diag, cfg);
}

}  // namespace

std::string_view toString(ReplaceClientName m) noexcept {
  switch (m) {
    case ReplaceClientName::Never: return "never";
    case ReplaceClientName::Always: return "always";
    case ReplaceClientName::WhenPresent: return "when-present";
    case ReplaceClientName::WhenNotPresent: return "when-not-present";
  }
  return "never";
}

std::optional<ReplaceClientName> replaceClientNameFromString(std::string_view s) noexcept {
  std::string lower(s);
  for (char& c : lower) c = char(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "never" || lower == "false") return ReplaceClientName::Never;
  if (lower == "always") return ReplaceClientName::Always;
  if (lower == "when-present" || lower == "true") return ReplaceClientName::WhenPresent;
  if (lower == "when-not-present") return ReplaceClientName::WhenNotPresent;
  return std::nullopt;
}

std::string_view toString(HostIdType t) noexcept {
  switch (t) {
    case HostIdType::HwAddress: return "hw-address";
    case HostIdType::Duid: return "duid";
    case HostIdType::CircuitId: return "circuit-id";
    case HostIdType::ClientId: return "client-id";
    case HostIdType::FlexId: return "flex-id";
  }
  return "unknown";
}

std::optional<HostIdType> hostIdTypeFromString(std::string_view s) noexcept {
  for (auto t :
       {HostIdType::HwAddress, HostIdType::Duid, HostIdType::CircuitId, HostIdType::ClientId, HostIdType::FlexId}) {
    if (toString(t) == s) return t;
  }
  return std::nullopt;
}

HostIdType Reservation::identifierType() const noexcept {
  if (hwAddr) return HostIdType::HwAddress;
  if (!duid.empty()) return HostIdType::Duid;
  if (!circuitId.empty()) return HostIdType::CircuitId;
  if (!flexId.empty()) return HostIdType::FlexId;
  return HostIdType::ClientId;
}

std::vector<std::uint8_t> Reservation::identifier() const {
  switch (identifierType()) {
    case HostIdType::HwAddress: return {hwAddr->bytes.begin(), hwAddr->bytes.begin() + hwAddr->length};
    case HostIdType::Duid: return duid;
    case HostIdType::CircuitId: return circuitId;
    case HostIdType::FlexId: return flexId;
    default: return clientId;
  }
}

std::string resolvePath(const ParseContext& ctx, std::string_view path) {
  if (path.empty()) return {};
  std::filesystem::path p(path);
  if (p.is_absolute() || ctx.baseDir.empty()) return p.lexically_normal().string();
  return (std::filesystem::path(ctx.baseDir) / p).lexically_normal().string();
}

Result<Dhcp4Config> parseDhcp4Config(const json& doc, const ParseContext& ctx) {
  Diagnostics diag;
  if (!doc.is_object()) {
    return makeError(fmt::format("(top level): expected a map with \"Dhcp4\", got {}", describeType(doc)));
  }
  parseTopLevel(doc, diag);
  auto it = doc.find("Dhcp4");
  if (it == doc.end()) return makeError("(top level): missing \"Dhcp4\"");
  if (!it->is_object()) return makeError(fmt::format("Dhcp4: expected a map, got {}", describeType(*it)));

  Dhcp4Config cfg;
  ObjectReader r(*it, "Dhcp4", diag);
  parseGlobals(r, ctx, diag, cfg);

  ReservationFlags flags;
  parseReservationFlags(r, flags);
  cfg.reservationsGlobal = flags.global;
  cfg.reservationsInSubnet = flags.inSubnet;
  cfg.reservationsOutOfPool = flags.outOfPool;

  if (const json* list = r.array("option-data")) {
    cfg.options = parseOptionDataList(*list, r.pathOf("option-data"), cfg.optionDefs, diag);
  }
  if (const json* list = r.array("reservations")) {
    parseReservations(*list, r.pathOf("reservations"), nullptr, cfg.ipReservationsUnique, cfg.optionDefs, diag,
                      cfg.reservations);
  }
  // Kea parses "shared-networks" before "subnet4": their subnets take the first auto-ids.
  const SubnetDefaults defaults = globalSubnetDefaults(cfg, flags);
  SubnetRegistry registry;
  if (const json* list = r.array("shared-networks")) {
    parseSharedNetworks(*list, r.pathOf("shared-networks"), defaults, registry, diag, cfg);
  }
  if (const json* list = r.array("subnet4")) {
    parseSubnets(*list, r.pathOf("subnet4"), defaults, cfg.ipReservationsUnique, registry, diag, cfg.subnets);
  }
  parseFlexOptionHook(cfg.hooksLibraries, "Dhcp4/hooks-libraries", diag, cfg);
  parseRunScriptHook(cfg.hooksLibraries, "Dhcp4/hooks-libraries", ctx, diag, cfg);
  parseLegalLogHook(cfg.hooksLibraries, "Dhcp4/hooks-libraries", ctx, diag, cfg);
  const bool globalReservationsUsed =
      cfg.reservationsGlobal ||
      std::any_of(cfg.subnets.begin(), cfg.subnets.end(), [](const Subnet4& s) { return s.reservationsGlobal; });
  if (!cfg.reservations.empty() && !globalReservationsUsed) {
    diag.warn(r.pathOf("reservations"),
              "global reservations are used only with \"reservations-global\": true (Kea 2.2 default is false)");
  }
  r.finish();

  if (diag.failed()) {
    std::string message;
    for (const auto& e : diag.errors()) {
      if (!message.empty()) message += '\n';
      message += e;
    }
    return makeError(std::move(message));
  }
  cfg.source = doc;
  cfg.warnings = std::move(diag.warnings());
  return cfg;
}

Result<Dhcp4Config> parseDhcp4Config(std::string_view text, const ParseContext& ctx) {
  std::vector<std::string> syntaxWarnings;
  auto doc = parseJsonWithComments(text, &syntaxWarnings, ctx.readInclude ? &ctx.readInclude : nullptr);
  if (!doc) return doc.error();
  auto cfg = parseDhcp4Config(doc.value(), ctx);
  if (!cfg) return cfg;
  cfg->warnings.insert(cfg->warnings.begin(), syntaxWarnings.begin(), syntaxWarnings.end());
  return cfg;
}

}  // namespace tandem::config
