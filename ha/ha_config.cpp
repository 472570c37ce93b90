#include "ha/ha_config.h"

#include <algorithm>
#include <limits>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "dhcpd/common/ipv4.h"

namespace tandem::ha {

using nlohmann::json;

std::string_view toString(HaMode m) noexcept {
  switch (m) {
    case HaMode::LoadBalancing: return "load-balancing";
    case HaMode::HotStandby: return "hot-standby";
    case HaMode::PassiveBackup: return "passive-backup";
  }
  return "unknown";
}

std::string_view toString(Role r) noexcept {
  switch (r) {
    case Role::Primary: return "primary";
    case Role::Secondary: return "secondary";
    case Role::Standby: return "standby";
    case Role::Backup: return "backup";
  }
  return "unknown";
}

std::string_view toString(PauseMode p) noexcept {
  switch (p) {
    case PauseMode::Never: return "never";
    case PauseMode::Once: return "once";
    case PauseMode::Always: return "always";
  }
  return "unknown";
}

std::optional<HaMode> parseHaMode(std::string_view t) noexcept {
  for (HaMode m : {HaMode::LoadBalancing, HaMode::HotStandby, HaMode::PassiveBackup}) {
    if (toString(m) == t) return m;
  }
  return std::nullopt;
}

std::optional<Role> parseRole(std::string_view t) noexcept {
  for (Role r : {Role::Primary, Role::Secondary, Role::Standby, Role::Backup}) {
    if (toString(r) == t) return r;
  }
  return std::nullopt;
}

const PeerConfig& HaConfig::thisServer() const {
  const PeerConfig* p = find(thisServerName);
  // parseHaConfig guarantees the entry exists; a hand-built config without it is a bug.
  if (!p) throw std::logic_error("HaConfig without an entry for this-server-name");
  return *p;
}

const PeerConfig* HaConfig::find(std::string_view name) const noexcept {
  for (const auto& p : peers) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

const PeerConfig* HaConfig::partner() const noexcept {
  const PeerConfig* best = nullptr;
  for (const auto& p : peers) {
    if (p.name == thisServerName || p.role == Role::Backup) continue;
    if (!best || p.name < best->name) best = &p;
  }
  return best;
}

std::vector<const PeerConfig*> HaConfig::activeServers() const {
  std::vector<const PeerConfig*> out;
  for (const auto& p : peers) {
    if (p.role == Role::Primary) out.insert(out.begin(), &p);
  }
  for (const auto& p : peers) {
    if (p.role == Role::Secondary || p.role == Role::Standby) out.push_back(&p);
  }
  return out;
}

const PeerConfig& HaConfig::primary() const {
  for (const auto& p : peers) {
    if (p.role == Role::Primary) return p;
  }
  throw std::logic_error("HaConfig without a primary");
}

std::vector<const PeerConfig*> HaConfig::otherPeers() const {
  std::vector<const PeerConfig*> out;
  for (const auto& p : peers) {
    if (p.name != thisServerName) out.push_back(&p);
  }
  return out;
}

PauseMode HaConfig::pauseFor(HaState s) const noexcept {
  const auto it = pauses.find(s);
  return it == pauses.end() ? PauseMode::Never : it->second;
}

bool isHaLibrary(std::string_view library) noexcept {
  const auto slash = library.rfind('/');
  const std::string_view base = slash == std::string_view::npos ? library : library.substr(slash + 1);
  return base == "libdhcp_ha.so";
}

std::optional<std::size_t> findHaLibrary(const json& hooksLibraries) {
  if (!hooksLibraries.is_array()) return std::nullopt;
  for (std::size_t i = 0; i < hooksLibraries.size(); ++i) {
    const auto& e = hooksLibraries[i];
    if (e.is_object() && e.contains("library") && e["library"].is_string() &&
        isHaLibrary(e["library"].get<std::string>())) {
      return i;
    }
  }
  return std::nullopt;
}

std::vector<std::string> describeHaChanges(const HaConfig& before, const HaConfig& after) {
  std::vector<std::string> out;
  auto value = [&](std::string_view key, const auto& a, const auto& b, std::string_view unit = "") {
    if (a != b) out.push_back(fmt::format("{} {}{} -> {}{}", key, a, unit, b, unit));
  };
  auto flag = [&](std::string_view key, bool a, bool b) { value(key, a, b); };
  auto ms = [&](std::string_view key, std::chrono::milliseconds a, std::chrono::milliseconds b) {
    value(key, a.count(), b.count(), " ms");
  };
  auto file = [&](std::string_view key, const std::string& a, const std::string& b) {
    if (a != b) out.push_back(fmt::format("{} '{}' -> '{}'", key, a, b));
  };
  file("this-server-name", before.thisServerName, after.thisServerName);
  if (before.mode != after.mode)
    out.push_back(fmt::format("mode {} -> {}", toString(before.mode), toString(after.mode)));
  ms("heartbeat-delay", before.heartbeatDelay, after.heartbeatDelay);
  ms("max-response-delay", before.maxResponseDelay, after.maxResponseDelay);
  ms("max-ack-delay", before.maxAckDelay, after.maxAckDelay);
  value("max-unacked-clients", before.maxUnackedClients, after.maxUnackedClients);
  value("max-rejected-lease-updates", before.maxRejectedLeaseUpdates, after.maxRejectedLeaseUpdates);
  value("delayed-updates-limit", before.delayedUpdatesLimit, after.delayedUpdatesLimit);
  flag("send-lease-updates", before.sendLeaseUpdates, after.sendLeaseUpdates);
  flag("sync-leases", before.syncLeases, after.syncLeases);
  ms("sync-timeout", before.syncTimeout, after.syncTimeout);
  value("sync-page-limit", before.syncPageLimit, after.syncPageLimit);
  flag("wait-backup-ack", before.waitBackupAck, after.waitBackupAck);
  flag("require-client-certs", before.requireClientCerts, after.requireClientCerts);
  flag("restrict-commands", before.restrictCommands, after.restrictCommands);
  file("trust-anchor", before.trustAnchor, after.trustAnchor);
  file("cert-file", before.certFile, after.certFile);
  file("key-file", before.keyFile, after.keyFile);
  if (before.multiThreading != after.multiThreading) out.emplace_back("multi-threading");
  if (before.pauses != after.pauses) out.emplace_back("state-machine pauses");
  flag("pool-split", before.poolSplit, after.poolSplit);
  value("takeover-delay", before.takeoverDelay.count(), after.takeoverDelay.count(), " s");

  for (const auto& p : before.peers) {
    if (!after.find(p.name)) out.push_back(fmt::format("peer '{}' removed", p.name));
  }
  for (const auto& p : after.peers) {
    const PeerConfig* old = before.find(p.name);
    if (!old) {
      out.push_back(fmt::format("peer '{}' added ({}, {})", p.name, toString(p.role), p.url.text));
      continue;
    }
    if (old->role != p.role) {
      out.push_back(fmt::format("peer '{}' role {} -> {}", p.name, toString(old->role), toString(p.role)));
    }
    if (old->url != p.url) out.push_back(fmt::format("peer '{}' url {} -> {}", p.name, old->url.text, p.url.text));
    if (old->autoFailover != p.autoFailover) {
      out.push_back(fmt::format("peer '{}' auto-failover {} -> {}", p.name, old->autoFailover, p.autoFailover));
    }
    // Secrets are never logged, only that they changed.
    if (old->basicAuthUser != p.basicAuthUser || old->basicAuthPassword != p.basicAuthPassword ||
        old->basicAuthUserFile != p.basicAuthUserFile || old->basicAuthPasswordFile != p.basicAuthPasswordFile) {
      out.push_back(fmt::format("peer '{}' basic-auth credentials", p.name));
    }
    if (old->trustAnchor != p.trustAnchor || old->certFile != p.certFile || old->keyFile != p.keyFile) {
      out.push_back(fmt::format("peer '{}' TLS material", p.name));
    }
  }
  // Whatever the list above does not name (peer order, the relationship index) still counts.
  if (out.empty() && before != after) out.emplace_back("peer order or relationship position");
  return out;
}

bool listenerChanged(const HaConfig& before, const HaConfig& after) {
  const PeerConfig* a = before.find(before.thisServerName);
  const PeerConfig* b = after.find(after.thisServerName);
  if (!a || !b) return a != b;
  return a->url != b->url || a->trustAnchor != b->trustAnchor || a->certFile != b->certFile ||
         a->keyFile != b->keyFile || a->basicAuthUser != b->basicAuthUser ||
         a->basicAuthPassword != b->basicAuthPassword || before.requireClientCerts != after.requireClientCerts;
}

bool isLeaseWriteCommand(std::string_view command) noexcept {
  return command == "lease4-add" || command == "lease4-update" || command == "lease4-del" || command == "lease4-wipe";
}

bool peerListenerAllows(std::string_view command) noexcept {
  // Kea's restrict-commands list (reference 4.2) plus what tandem peers also send.
  static constexpr std::string_view kAllowed[] = {
      "ha-heartbeat",  "ha-scopes",   "ha-continue",       "ha-maintenance-notify", "ha-reset",
      "lease4-update", "lease4-del",  "lease4-bulk-apply", "lease4-get-page",       "lease4-get-all",
      "dhcp-disable",  "dhcp-enable", "status-get",        "list-commands",         "ha-sync-complete-notify"};
  for (std::string_view a : kAllowed) {
    if (command == a) return true;
  }
  return command.starts_with("tandem-") || command.starts_with("ha-sync");
}

namespace {

std::string trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

// Builds errors and warnings that start with the JSON path of the element concerned.
class Walker {
 public:
  Walker(std::vector<std::string>& warnings) : warnings_(warnings) {}

  static Error err(const std::string& path, std::string_view text) {
    return makeError(fmt::format("{}: {}", path, text));
  }
  void warn(const std::string& path, std::string_view text) { warnings_.push_back(fmt::format("{}: {}", path, text)); }

  // Kea's getAndValidateInteger<uint32_t>: integers only, not negative, <= 2^32-1.
  static Result<std::uint32_t> u32(const json& obj, const std::string& path, const char* key, std::uint32_t dflt) {
    if (!obj.contains(key)) return dflt;
    const json& v = obj[key];
    const std::string p = path + "/" + key;
    if (!v.is_number_integer()) return err(p, "must be an integer");
    if (v.is_number_unsigned()) {
      const auto x = v.get<std::uint64_t>();
      if (x > std::numeric_limits<std::uint32_t>::max()) return err(p, "must not be greater than 4294967295");
      return static_cast<std::uint32_t>(x);
    }
    const auto x = v.get<std::int64_t>();
    if (x < 0) return err(p, "must not be negative");
    if (x > std::int64_t(std::numeric_limits<std::uint32_t>::max())) {
      return err(p, "must not be greater than 4294967295");
    }
    return static_cast<std::uint32_t>(x);
  }
  static Result<bool> boolean(const json& obj, const std::string& path, const char* key, bool dflt) {
    if (!obj.contains(key)) return dflt;
    if (!obj[key].is_boolean()) return err(path + "/" + key, "must be a boolean");
    return obj[key].get<bool>();
  }
  static Result<std::optional<std::string>> string(const json& obj, const std::string& path, const char* key) {
    if (!obj.contains(key)) return std::optional<std::string>{};
    if (!obj[key].is_string()) return err(path + "/" + key, "must be a string");
    return std::optional<std::string>(obj[key].get<std::string>());
  }

  void unknownKeys(const json& obj, const std::string& path, std::initializer_list<std::string_view> known) {
    for (const auto& [k, v] : obj.items()) {
      // Kea-style comments and user context are always allowed.
      if (k == "comment" || k == "user-context") continue;
      if (std::find(known.begin(), known.end(), k) == known.end()) {
        warn(path + "/" + k, "unknown parameter ignored");
      }
    }
  }

 private:
  std::vector<std::string>& warnings_;
};

#define TRY_ASSIGN(lhs, expr)    \
  do {                           \
    auto r_ = (expr);            \
    if (!r_) return r_.error();  \
    lhs = std::move(r_.value()); \
  } while (0)

// Kea <= 3.2 stores these three as uint16 and rejects larger values (fixed in 3.3.0).
void warnKea22Range(Walker& w, const std::string& path, const char* key, std::uint32_t value) {
  if (value > 65535) {
    w.warn(path + "/" + key, "values above 65535 are rejected by Kea 2.2 peers sharing this configuration");
  }
}

Result<PeerConfig> parsePeer(const json& p, const std::string& path, const HaConfig& rel, Walker& w,
                             const HaParseOptions& opt) {
  if (!p.is_object()) return Walker::err(path, "peer configuration must be a map");
  w.unknownKeys(p, path,
                {"name", "url", "role", "auto-failover", "basic-auth-user", "basic-auth-password",
                 "basic-auth-user-file", "basic-auth-password-file", "trust-anchor", "cert-file", "key-file"});
  PeerConfig peer;
  std::optional<std::string> s;
  TRY_ASSIGN(s, Walker::string(p, path, "name"));
  if (!s) return Walker::err(path, "'name' parameter is required");
  peer.name = trim(*s);
  if (peer.name.empty()) return Walker::err(path + "/name", "peer name must not be empty");

  TRY_ASSIGN(s, Walker::string(p, path, "url"));
  if (!s) return Walker::err(path, "'url' parameter is required");
  auto url = parseHttpUrl(*s);
  if (!url) return Walker::err(path + "/url", fmt::format("{} for server {}", url.error().message, peer.name));
  peer.url = std::move(url.value());

  TRY_ASSIGN(s, Walker::string(p, path, "role"));
  if (!s) return Walker::err(path, "'role' parameter is required");
  const auto role = parseRole(*s);
  if (!role) return Walker::err(path + "/role", fmt::format("unsupported value '{}' for role parameter", *s));
  peer.role = *role;

  TRY_ASSIGN(peer.autoFailover, Walker::boolean(p, path, "auto-failover", true));

  // Basic auth (section 7): value and file forms are mutually exclusive; user without ':'.
  std::optional<std::string> user, userFile, pass, passFile;
  TRY_ASSIGN(user, Walker::string(p, path, "basic-auth-user"));
  TRY_ASSIGN(userFile, Walker::string(p, path, "basic-auth-user-file"));
  TRY_ASSIGN(pass, Walker::string(p, path, "basic-auth-password"));
  TRY_ASSIGN(passFile, Walker::string(p, path, "basic-auth-password-file"));
  if (pass && passFile) {
    return Walker::err(path, fmt::format("only one of basic-auth-password and basic-auth-password-file "
                                         "parameter can be configured in peer '{}'",
                                         peer.name));
  }
  if (user && userFile) {
    return Walker::err(path, fmt::format("only one of basic-auth-user and basic-auth-user-file "
                                         "parameter can be configured in peer '{}'",
                                         peer.name));
  }
  if (user) {
    if (user->find(':') != std::string::npos) {
      return Walker::err(path + "/basic-auth-user",
                         fmt::format("user '{}' must not contain a ':' in peer '{}'", *user, peer.name));
    }
    peer.basicAuthUser = *user;
  }
  if (pass) peer.basicAuthPassword = *pass;
  if (userFile) peer.basicAuthUserFile = *userFile;
  if (passFile) peer.basicAuthPasswordFile = *passFile;

  // TLS: peer values override the relationship ones; "" counts as unset (section 7).
  std::optional<std::string> ca, cert, key;
  TRY_ASSIGN(ca, Walker::string(p, path, "trust-anchor"));
  TRY_ASSIGN(cert, Walker::string(p, path, "cert-file"));
  TRY_ASSIGN(key, Walker::string(p, path, "key-file"));
  peer.trustAnchor = ca ? *ca : rel.trustAnchor;
  peer.certFile = cert ? *cert : rel.certFile;
  peer.keyFile = key ? *key : rel.keyFile;
  const bool any = !peer.trustAnchor.empty() || !peer.certFile.empty() || !peer.keyFile.empty();
  if (any) {
    std::vector<std::string> missing;
    if (peer.trustAnchor.empty()) missing.emplace_back("trust-anchor");
    if (peer.certFile.empty()) missing.emplace_back("cert-file");
    if (peer.keyFile.empty()) missing.emplace_back("key-file");
    if (!missing.empty()) {
      return Walker::err(path, fmt::format("bad TLS config for server {}: trust-anchor, cert-file and key-file "
                                           "must be set together (missing {})",
                                           peer.name, fmt::join(missing, ", ")));
    }
    if (opt.fileReadable) {
      for (const std::string* f : {&peer.trustAnchor, &peer.certFile, &peer.keyFile}) {
        if (!opt.fileReadable(*f)) {
          return Walker::err(path, fmt::format("bad TLS config for server {}: cannot read '{}'", peer.name, *f));
        }
      }
    }
  } else if (peer.url.https) {
    return Walker::err(path + "/url", fmt::format("bad url '{}': https scheme is not supported for server {} "
                                                  "where TLS is disabled",
                                                  peer.url.text, peer.name));
  }
  return peer;
}

Result<HaConfig> parseRelationship(const json& c, const std::string& path, std::size_t index, Walker& w,
                                   const HaParseOptions& opt) {
  if (!c.is_object()) return Walker::err(path, "expected list of maps in the HA configuration");
  w.unknownKeys(c, path,
                {"this-server-name",
                 "mode",
                 "heartbeat-delay",
                 "max-response-delay",
                 "max-ack-delay",
                 "max-unacked-clients",
                 "max-rejected-lease-updates",
                 "delayed-updates-limit",
                 "send-lease-updates",
                 "sync-leases",
                 "sync-timeout",
                 "sync-page-limit",
                 "wait-backup-ack",
                 "require-client-certs",
                 "restrict-commands",
                 "trust-anchor",
                 "cert-file",
                 "key-file",
                 "multi-threading",
                 "state-machine",
                 "peers",
                 "pool-split",
                 "takeover-delay"});
  HaConfig cfg;
  cfg.index = index;
  std::optional<std::string> s;

  TRY_ASSIGN(s, Walker::string(c, path, "this-server-name"));
  if (!s) return Walker::err(path, "'this-server-name' parameter is required");
  cfg.thisServerName = trim(*s);
  if (cfg.thisServerName.empty())
    return Walker::err(path + "/this-server-name", "'this-server-name' must not be empty");

  TRY_ASSIGN(s, Walker::string(c, path, "mode"));
  if (!s) return Walker::err(path, "'mode' parameter is required");
  const auto mode = parseHaMode(*s);
  if (!mode) return Walker::err(path + "/mode", fmt::format("unsupported value '{}' for mode parameter", *s));
  cfg.mode = *mode;

  std::uint32_t v = 0;
  TRY_ASSIGN(v, Walker::u32(c, path, "heartbeat-delay", 10000));
  warnKea22Range(w, path, "heartbeat-delay", v);
  cfg.heartbeatDelay = std::chrono::milliseconds(v);
  TRY_ASSIGN(v, Walker::u32(c, path, "max-response-delay", 60000));
  warnKea22Range(w, path, "max-response-delay", v);
  cfg.maxResponseDelay = std::chrono::milliseconds(v);
  TRY_ASSIGN(v, Walker::u32(c, path, "max-ack-delay", 10000));
  warnKea22Range(w, path, "max-ack-delay", v);
  cfg.maxAckDelay = std::chrono::milliseconds(v);
  TRY_ASSIGN(cfg.maxUnackedClients, Walker::u32(c, path, "max-unacked-clients", 10));
  TRY_ASSIGN(cfg.maxRejectedLeaseUpdates, Walker::u32(c, path, "max-rejected-lease-updates", 10));
  TRY_ASSIGN(cfg.delayedUpdatesLimit,
             Walker::u32(c, path, "delayed-updates-limit", cfg.mode == HaMode::LoadBalancing ? 100 : 0));
  TRY_ASSIGN(cfg.sendLeaseUpdates, Walker::boolean(c, path, "send-lease-updates", true));
  TRY_ASSIGN(cfg.syncLeases, Walker::boolean(c, path, "sync-leases", true));
  TRY_ASSIGN(v, Walker::u32(c, path, "sync-timeout", 60000));
  cfg.syncTimeout = std::chrono::milliseconds(v);
  TRY_ASSIGN(cfg.syncPageLimit, Walker::u32(c, path, "sync-page-limit", 10000));
  if (cfg.syncPageLimit == 0) return Walker::err(path + "/sync-page-limit", "must be greater than 0");
  TRY_ASSIGN(cfg.waitBackupAck, Walker::boolean(c, path, "wait-backup-ack", false));
  TRY_ASSIGN(cfg.requireClientCerts, Walker::boolean(c, path, "require-client-certs", true));
  TRY_ASSIGN(cfg.restrictCommands, Walker::boolean(c, path, "restrict-commands", false));
  TRY_ASSIGN(cfg.poolSplit, Walker::boolean(c, path, "pool-split", true));
  TRY_ASSIGN(v, Walker::u32(c, path, "takeover-delay", 3600));
  cfg.takeoverDelay = std::chrono::seconds(v);

  TRY_ASSIGN(s, Walker::string(c, path, "trust-anchor"));
  if (s) cfg.trustAnchor = *s;
  TRY_ASSIGN(s, Walker::string(c, path, "cert-file"));
  if (s) cfg.certFile = *s;
  TRY_ASSIGN(s, Walker::string(c, path, "key-file"));
  if (s) cfg.keyFile = *s;

  if (c.contains("multi-threading")) {
    const json& mt = c["multi-threading"];
    const std::string mp = path + "/multi-threading";
    if (!mt.is_object()) return Walker::err(mp, "multi-threading configuration must be a map");
    w.unknownKeys(mt, mp,
                  {"enable-multi-threading", "http-dedicated-listener", "http-listener-threads",
                   "http-client-threads"});
    TRY_ASSIGN(cfg.multiThreading.enableMultiThreading, Walker::boolean(mt, mp, "enable-multi-threading", true));
    TRY_ASSIGN(cfg.multiThreading.httpDedicatedListener, Walker::boolean(mt, mp, "http-dedicated-listener", true));
    TRY_ASSIGN(cfg.multiThreading.httpListenerThreads, Walker::u32(mt, mp, "http-listener-threads", 0));
    TRY_ASSIGN(cfg.multiThreading.httpClientThreads, Walker::u32(mt, mp, "http-client-threads", 0));
  }

  if (c.contains("state-machine")) {
    const json& sm = c["state-machine"];
    const std::string sp = path + "/state-machine";
    if (!sm.is_object()) return Walker::err(sp, "'state-machine' parameter must be a map");
    if (sm.contains("states")) {
      const json& states = sm["states"];
      if (!states.is_array()) return Walker::err(sp + "/states", "'states' parameter must be a list");
      for (std::size_t i = 0; i < states.size(); ++i) {
        const std::string ep = fmt::format("{}/states/{}", sp, i);
        const json& e = states[i];
        if (!e.is_object()) return Walker::err(ep, "state configuration must be a map");
        std::optional<std::string> name, pause;
        TRY_ASSIGN(name, Walker::string(e, ep, "state"));
        if (!name) return Walker::err(ep, "'state' parameter is required");
        const auto st = parseHaState(*name);
        if (!st || *st == HaState::Unavailable) {
          return Walker::err(ep + "/state", fmt::format("unknown state '{}'", *name));
        }
        TRY_ASSIGN(pause, Walker::string(e, ep, "pause"));
        PauseMode pm = PauseMode::Never;
        if (pause) {
          if (*pause == "always") pm = PauseMode::Always;
          else if (*pause == "once") pm = PauseMode::Once;
          else if (*pause != "never") {
            return Walker::err(ep + "/pause", fmt::format("unsupported value {} of 'pause' parameter", *pause));
          }
        }
        if (cfg.pauses.count(*st)) {
          return Walker::err(ep, fmt::format("duplicated configuration for the '{}' state", *name));
        }
        cfg.pauses[*st] = pm;
      }
    }
  }

  if (!c.contains("peers")) return Walker::err(path, "'peers' parameter missing in HA configuration");
  const json& peers = c["peers"];
  const std::string pp = path + "/peers";
  if (!peers.is_array()) return Walker::err(pp, "'peers' parameter must be a list");
  for (std::size_t i = 0; i < peers.size(); ++i) {
    const std::string ep = fmt::format("{}/{}", pp, i);
    auto peer = parsePeer(peers[i], ep, cfg, w, opt);
    if (!peer) return peer.error();
    if (cfg.find(peer->name)) {
      return Walker::err(ep + "/name", fmt::format("peer with name '{}' already specified", peer->name));
    }
    cfg.peers.push_back(std::move(peer.value()));
  }

  // HAConfig::validate(): cross-field rules (section 1.2).
  if (cfg.peers.empty()) return Walker::err(pp, "no peers configured");
  std::map<Role, unsigned> count;
  for (const auto& p : cfg.peers) ++count[p.role];
  if (count[Role::Primary] > 1) return Walker::err(pp, "multiple primary servers specified");
  if (count[Role::Secondary] > 1) return Walker::err(pp, "multiple secondary servers specified");
  if (count[Role::Standby] > 1) return Walker::err(pp, "multiple standby servers specified");
  if (count[Role::Primary] == 0) return Walker::err(pp, "primary server required");
  switch (cfg.mode) {
    case HaMode::LoadBalancing:
      if (count[Role::Secondary] == 0) {
        return Walker::err(pp, "secondary server required in the load balancing configuration");
      }
      if (count[Role::Standby] > 0) {
        return Walker::err(pp, "standby servers not allowed in the load balancing configuration");
      }
      break;
    case HaMode::HotStandby:
      if (count[Role::Standby] == 0) {
        return Walker::err(pp, "standby server required in the hot standby configuration");
      }
      if (count[Role::Secondary] > 0) {
        return Walker::err(pp, "secondary servers not allowed in the hot standby configuration");
      }
      break;
    case HaMode::PassiveBackup:
      if (count[Role::Secondary] > 0) {
        return Walker::err(pp, "secondary servers not allowed in the passive backup configuration");
      }
      if (count[Role::Standby] > 0) {
        return Walker::err(pp, "standby servers not allowed in the passive backup configuration");
      }
      break;
  }
  if (cfg.mode != HaMode::LoadBalancing && cfg.delayedUpdatesLimit > 0) {
    return Walker::err(path + "/delayed-updates-limit",
                       fmt::format("'delayed-updates-limit' must be set to 0 in the {} configuration",
                                   cfg.mode == HaMode::HotStandby ? "hot standby" : "passive backup"));
  }
  if (cfg.mode != HaMode::PassiveBackup && cfg.waitBackupAck) {
    return Walker::err(path + "/wait-backup-ack",
                       fmt::format("'wait-backup-ack' must be set to false in the {} configuration",
                                   cfg.mode == HaMode::HotStandby ? "hot standby" : "load balancing"));
  }
  if (!cfg.find(cfg.thisServerName)) {
    return Walker::err(path + "/this-server-name",
                       fmt::format("no peer configuration specified for the '{}'", cfg.thisServerName));
  }

  // Advice that does not stop start-up (reference section 12, items 1, 11, 5).
  if (cfg.heartbeatDelay.count() != 0 && cfg.maxResponseDelay <= cfg.heartbeatDelay) {
    w.warn(path + "/max-response-delay",
           "should be a multiple of heartbeat-delay; equal or smaller values cause false communication interruptions");
  }
  if (!cfg.sendLeaseUpdates) w.warn(path + "/send-lease-updates", "lease updates to peers are disabled");
  if (!cfg.syncLeases) w.warn(path + "/sync-leases", "lease database synchronisation is disabled");
  if (!cfg.thisServer().autoFailover && cfg.thisServer().role != Role::Backup) {
    w.warn(path, "auto-failover is disabled for this server: in partner-down it serves only its own scope");
  }
  return cfg;
}

}  // namespace

Result<HaConfigSet> parseHaConfig(const json& parameters, const HaParseOptions& opt) {
  HaConfigSet set;
  Walker w(set.warnings);
  const std::string& prefix = opt.pathPrefix;
  if (!parameters.is_object()) return Walker::err(prefix, "parameters must be a map");
  if (!parameters.contains("high-availability")) {
    return Walker::err(prefix, "'high-availability' parameter is required");
  }
  const json& list = parameters["high-availability"];
  const std::string lp = prefix + "/high-availability";
  if (!list.is_array()) return Walker::err(lp, "HA configuration must be a list");
  if (list.empty()) return Walker::err(lp, "HA configuration must not be empty");
  for (std::size_t i = 0; i < list.size(); ++i) {
    auto rel = parseRelationship(list[i], fmt::format("{}/{}", lp, i), i, w, opt);
    if (!rel) return rel.error();
    set.relationships.push_back(std::move(rel.value()));
  }
  // Hub-and-spoke (section 10): names unique across all relationships (a peer name, sent as
  // "server-name", selects the relationship) and each relationship needs its own listener
  // address. Kea accepts only hot-standby relationships there; tandemd also runs load-balancing
  // ones (a deliberate extension: each relationship has its own scope filter and pool split,
  // tied to its own subnets), but not passive-backup, which has no partner to hand a subnet to.
  if (set.relationships.size() > 1) {
    std::set<std::string> names, listeners;
    for (const auto& rel : set.relationships) {
      const std::string rp = fmt::format("{}/{}", lp, rel.index);
      if (rel.mode == HaMode::PassiveBackup) {
        return Walker::err(rp + "/mode",
                           "multiple HA relationships are only supported in the hot-standby and load-balancing modes");
      }
      for (std::size_t j = 0; j < rel.peers.size(); ++j) {
        if (!names.insert(rel.peers[j].name).second) {
          return Walker::err(fmt::format("{}/peers/{}/name", rp, j),
                             fmt::format("peer name '{}' is used in more than one relationship", rel.peers[j].name));
        }
      }
      if (!listeners.insert(rel.thisServer().url.hostPort()).second) {
        return Walker::err(rp + "/this-server-name",
                           fmt::format("listener address {} is used by more than one relationship",
                                       rel.thisServer().url.hostPort()));
      }
    }
  }
  return set;
}

}  // namespace tandem::ha
