#include "dhcpd/daemon/ha_setup.h"

#include <fstream>
#include <string>
#include <unistd.h>

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

Result<std::optional<ha::HaConfig>> haConfigFrom(const config::Dhcp4Config& cfg) {
  const auto index = ha::findHaLibrary(cfg.hooksLibraries);
  if (!index) return std::optional<ha::HaConfig>();
  const std::string prefix = fmt::format("Dhcp4/hooks-libraries/{}/parameters", *index);
  const auto& entry = cfg.hooksLibraries.at(*index);
  auto params = entry.find("parameters");
  if (params == entry.end()) return makeError(prefix + ": missing (the HA hook needs high-availability parameters)");
  ha::HaParseOptions opts;
  opts.pathPrefix = prefix;
  opts.fileReadable = [](const std::string& p) { return ::access(p.c_str(), R_OK) == 0; };
  auto set = ha::parseHaConfig(*params, opts);
  if (!set) return set.error();
  if (set->relationships.size() != 1) {
    return makeError(prefix + "/high-availability: tandemd supports exactly one HA relationship");
  }
  ha::HaConfig ha = std::move(set->relationships.front());
  for (std::size_t i = 0; i < ha.peers.size(); ++i) {
    auto& p = ha.peers[i];
    const std::string where = fmt::format("{}/high-availability/0/peers/{}", prefix, i);
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
  return std::optional<ha::HaConfig>(std::move(ha));
}

HaService::Peers makePeerTransports(boost::asio::io_context& io, const ha::HaConfig& cfg, Logger& log) {
  HaService::Peers peers;
  for (const ha::PeerConfig* p : cfg.otherPeers()) {
    net::PeerClientConfig c;
    c.url = p->url.text;
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

}  // namespace tandem::daemon
