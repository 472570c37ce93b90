#include "ha/service/ha_setup.h"

#include "ha/service/gated_ha_timers.h"
#include "ha/service/gated_peer_transport.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <string>

#include <fmt/format.h>

namespace tandem::daemon {

namespace {

Result<std::string> firstLine(const std::string& path, const std::string& where) {
  std::ifstream in(path);
  if (!in) return makeError(where + ": cannot read " + path);
  std::string line;
  std::getline(in, line);
  return line;
}

}  // namespace

Result<ResolvedHost> resolveHostName(const std::string& name) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const int rc = ::getaddrinfo(name.c_str(), nullptr, &hints, &found);
  if (rc != 0 || !found) return makeError(rc != 0 ? ::gai_strerror(rc) : "no address");
  const addrinfo* pick = found;
  for (const addrinfo* a = found; a; a = a->ai_next) {
    if (a->ai_family == AF_INET) {
      pick = a;
      break;
    }
  }
  char text[INET6_ADDRSTRLEN] = {};
  const void* raw = pick->ai_family == AF_INET
                        ? static_cast<const void*>(&reinterpret_cast<const sockaddr_in*>(pick->ai_addr)->sin_addr)
                        : static_cast<const void*>(&reinterpret_cast<const sockaddr_in6*>(pick->ai_addr)->sin6_addr);
  const bool ok = ::inet_ntop(pick->ai_family, raw, text, sizeof text) != nullptr;
  const bool v6 = pick->ai_family == AF_INET6;
  ::freeaddrinfo(found);
  if (!ok) return makeError("no printable address");
  return ResolvedHost{text, v6};
}

namespace {

// A peer URL with a DNS name (tandemd extension; Kea 2.2 takes addresses only) is resolved
// once, here at (re)configuration.
Result<void> resolvePeerHost(ha::PeerUrl& url, const std::string& where, const std::string& peer,
                             const HostResolver& resolve) {
  if (url.resolved()) return {};
  auto r = resolve(url.hostname);
  if (!r) {
    return makeError(fmt::format("{}: cannot resolve host name '{}' of peer '{}': {}", where, url.hostname, peer,
                                 r.error().message));
  }
  url.host = r->address;
  url.ipv6 = r->ipv6;
  return {};
}

}  // namespace

namespace {

Result<void> readPeerFiles(ha::HaConfig& ha, const std::string& prefix, const HostResolver& resolve) {
  for (std::size_t i = 0; i < ha.peers.size(); ++i) {
    auto& p = ha.peers[i];
    const std::string where = fmt::format("{}/high-availability/{}/peers/{}", prefix, ha.index, i);
    if (auto r = resolvePeerHost(p.url, where + "/url", p.name, resolve); !r) return r.error();
    if (!p.basicAuthUserFile.empty()) {
      auto u = firstLine(p.basicAuthUserFile, where + "/basic-auth-user-file");
      if (!u) return u.error();
      p.basicAuthUser = *u;
    }
    if (!p.basicAuthPasswordFile.empty()) {
      auto pw = firstLine(p.basicAuthPasswordFile, where + "/basic-auth-password-file");
      if (!pw) return pw.error();
      p.basicAuthPassword = *pw;
    }
  }
  return {};
}

}  // namespace

Result<std::optional<ha::HaConfig>> haConfigFrom(const config::Dhcp4Config& cfg) {
  return haConfigFrom(cfg, resolveHostName);
}

Result<std::optional<ha::HaRelationships>> haRelationshipsFrom(const config::Dhcp4Config& cfg) {
  return haRelationshipsFrom(cfg, resolveHostName);
}

Result<std::optional<ha::HaConfig>> haConfigFrom(const config::Dhcp4Config& cfg, const HostResolver& resolve) {
  auto rels = haRelationshipsFrom(cfg, resolve);
  if (!rels) return rels.error();
  if (!*rels) return std::optional<ha::HaConfig>();
  return std::optional<ha::HaConfig>(std::move((*rels)->relationships.front()));
}

Result<std::optional<ha::HaRelationships>> haRelationshipsFrom(const config::Dhcp4Config& cfg,
                                                               const HostResolver& resolve) {
  const auto index = ha::findHaLibrary(cfg.hooksLibraries);
  if (!index) return std::optional<ha::HaRelationships>();
  const std::string prefix = fmt::format("Dhcp4/hooks-libraries/{}/parameters", *index);
  const auto& entry = cfg.hooksLibraries.at(*index);
  auto params = entry.find("parameters");
  if (params == entry.end()) return makeError(prefix + ": missing (the HA hook needs high-availability parameters)");
  ha::HaParseOptions opts;
  opts.pathPrefix = prefix;
  opts.fileReadable = [](const std::string& p) { return ::access(p.c_str(), R_OK) == 0; };
  auto set = ha::parseHaConfig(*params, opts);
  if (!set) return set.error();
  for (auto& ha : set->relationships) {
    if (auto r = readPeerFiles(ha, prefix, resolve); !r) return r.error();
  }
  auto rels = ha::tieSubnets(std::move(set->relationships), cfg);
  if (!rels) return rels.error();
  return std::optional<ha::HaRelationships>(std::move(*rels));
}


HaService::Peers makePeerTransports(boost::asio::io_context& io, const ha::HaConfig& cfg, Logger& log) {
  HaService::Peers peers;
  for (const ha::PeerConfig* p : cfg.otherPeers()) {
    net::PeerClientConfig c;
    c.url = p->url.addressText();  // a host name is already resolved (haConfigFrom)
    c.basicAuthUser = p->basicAuthUser;
    c.basicAuthPassword = p->basicAuthPassword;
    // The peer's entry supplies the client-side TLS material (reference 7).
    if (p->tls()) {
      c.trustAnchor = p->trustAnchor;
      c.certFile = p->certFile;
      c.keyFile = p->keyFile;
    }
    peers[p->name] = std::make_unique<PeerClientTransport>(io, std::move(c), log);
  }
  return peers;
}

void gatePeerTransports(HaService::Peers& peers, HaIoGate& gate) {
  for (auto& [name, t] : peers) t = std::make_unique<GatedPeerTransport>(gate, std::move(t));
}

std::unique_ptr<HaTimers> gateTimers(HaIoGate& gate, std::unique_ptr<HaTimers> timers) {
  return std::make_unique<GatedHaTimers>(gate, std::move(timers));
}

config::ControlSocket peerListenerSocket(const ha::HaConfig& cfg) {
  const ha::PeerConfig& me = cfg.thisServer();
  config::ControlSocket s;
  s.socketType = me.url.https ? "https" : "http";
  s.address = me.url.host;
  s.port = me.url.effectivePort();
  if (me.tls()) {
    s.certFile = me.certFile;
    s.keyFile = me.keyFile;
    s.trustAnchor = me.trustAnchor;
    s.certRequired = cfg.requireClientCerts;
  }
  if (!me.basicAuthUser.empty()) {
    s.users.push_back({me.basicAuthUser, me.basicAuthPassword});
    s.realm = "tandem-ha";
  }
  return s;
}

std::string haMaterialStamp(const ha::HaRelationships& rels) {
  std::string stamp;
  for (const auto& r : rels.relationships) stamp += haMaterialStamp(r);
  return stamp;
}

std::string haMaterialStamp(const ha::HaConfig& cfg) {
  std::set<std::string> files;
  for (const auto& p : cfg.peers) {
    for (const std::string* f : {&p.trustAnchor, &p.certFile, &p.keyFile}) {
      if (!f->empty()) files.insert(*f);
    }
  }
  std::string stamp;
  for (const auto& f : files) {
    struct stat st {};
    if (::stat(f.c_str(), &st) != 0) {
      stamp += fmt::format("{}:missing;", f);
      continue;
    }
    stamp += fmt::format("{}:{}:{}.{};", f, st.st_size, st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
  }
  return stamp;
}

void exposePeerCommands(api::CommandRegistry& listener, const api::CommandRegistry& all, const bool& restricted) {
  for (const std::string& name : all.names()) {
    if (listener.has(name)) continue;
    listener.addAsync(name, [&all, &restricted, name](const api::json& args, const api::CommandContext& ctx,
                                                      api::CommandReply reply) {
      if (restricted && !ha::peerListenerAllows(name)) {
        return reply(api::makeAnswer(api::kResultUnsupported,
                                     "'" + name +
                                         "' is not accepted on the HA peer listener (restrict-commands is "
                                         "true); use the control socket"));
      }
      // Lease writes arriving here come from a peer (Kea 2.2's HA sends no "origin"): mark
      // them so this server does not replicate them back as an operator's change.
      if (ha::isLeaseWriteCommand(name) && args.is_object() && !args.contains("origin")) {
        api::json marked = args;
        marked["origin"] = "ha-partner";
        return all.executeAsync(name, marked, ctx, std::move(reply));
      }
      all.executeAsync(name, args, ctx, std::move(reply));
    });
  }
  // Bodies with a direct reader (the partner's batched updates) skip the JSON tree here too;
  // they are tandem peer commands, which restrict-commands always lets through. Set once, like
  // the entries (it looks the shortcut up in `all` when called).
  if (!listener.hasTextShortcut())
    listener.setTextShortcut(
        [&all](std::string_view body, const api::CommandContext& ctx, std::function<void(std::string)>& done) {
          return all.tryTextShortcut(body, ctx, done);
        });
}

engine::Engine::AllocFilter haAllocFilter(const HaService& service, std::shared_ptr<const ha::PoolSplit> pools,
                                          std::function<SteadyTime()> now) {
  return [&service, pools = std::move(pools), now = std::move(now)](Ipv4 a) {
    if (!pools->enabled() || pools->inOwnShare(a) || !pools->inSplitPool(a)) return true;
    const auto from = service.poolSplit().partnerShareUsableFrom();
    return from && now() >= *from;
  };
}

}  // namespace tandem::daemon
