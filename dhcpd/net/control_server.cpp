#include "dhcpd/net/control_server.h"

#include <algorithm>
#include <optional>
#include <stdexcept>

#include <boost/asio/post.hpp>

#include "dhcpd/net/control_listener.h"

namespace tandem::net {
namespace {

std::string settingsKey(const config::ControlSocket& s) {
  nlohmann::json users = nlohmann::json::array();
  for (const auto& u : s.users) users.push_back({u.user, u.password});
  return nlohmann::json{{"type", s.socketType}, {"name", s.socketName},       {"address", s.address},
                        {"port", s.port},       {"cert", s.certFile},         {"key", s.keyFile},
                        {"ca", s.trustAnchor},  {"required", s.certRequired}, {"users", users},
                        {"realm", s.realm}}
      .dump();
}

// The handler's answer said OK, but its writes never reached the disk: the requester must
// not count them as stored (an HA partner then drops its DHCPACK, as for any failed update).
// Same framing as the handler's answer: a list when the request carried "service".
std::string notDurableAnswer(const std::string& answer, const std::string& why) {
  const bool list = !answer.empty() && answer.front() == '[';
  nlohmann::json a = api::makeAnswer(api::kResultError, "lease changes not written to the lease file: " + why);
  return api::toKeaText(list ? nlohmann::json::array({std::move(a)}) : a);
}

}  // namespace

void ControlEnv::dispatch(std::shared_ptr<ControlEnv> env, std::string body, api::CommandContext ctx,
                          boost::asio::any_io_executor replyExecutor, std::function<void(std::string)> done) {
  auto executor = env->commandExecutor;
  boost::asio::post(executor, [env = std::move(env), body = std::move(body), ctx = std::move(ctx), replyExecutor,
                               done = std::move(done)]() mutable {
    auto reply = [replyExecutor, done = std::move(done)](std::string answer) mutable {
      boost::asio::post(replyExecutor,
                        [answer = std::move(answer), done = std::move(done)]() mutable { done(std::move(answer)); });
    };
    const auto& opts = env->options;
    if (!opts.deferWrites || !opts.whenDurable) return env->registry.processTextAsync(body, ctx, std::move(reply));
    // The answer leaves once the command answered (an asynchronous one, ha-sync or
    // maintenance, answers later; what it writes after this window waits for the disk
    // itself) and the writes made inside the window are durable.
    struct Pending {
      std::optional<std::string> answer;
      std::optional<Result<void>> durable;
      decltype(reply) send;
    };
    auto pending = std::make_shared<Pending>(Pending{std::nullopt, std::nullopt, std::move(reply)});
    auto finish = [](const std::shared_ptr<Pending>& p) {
      if (!p->answer || !p->durable) return;
      std::string answer = std::move(*p->answer);
      if (!*p->durable) answer = notDurableAnswer(answer, p->durable->error().message);
      p->send(std::move(answer));
    };
    opts.deferWrites(true);
    env->registry.processTextAsync(body, ctx, [pending, finish](std::string answer) {
      pending->answer = std::move(answer);
      finish(pending);
    });
    opts.deferWrites(false);
    opts.whenDurable([pending, finish](Result<void> durable) {
      pending->durable = std::move(durable);
      finish(pending);
    });
  });
}

namespace {
// The route for `path`: an exact key, else the longest key ending in '/' that prefixes it.
const HttpGetHandler* findGetRoute(const std::map<std::string, HttpGetHandler>& routes, std::string_view path) {
  if (auto it = routes.find(std::string(path)); it != routes.end()) return &it->second;
  const HttpGetHandler* best = nullptr;
  std::size_t bestLen = 0;
  for (const auto& [key, handler] : routes) {
    if (!key.empty() && key.back() == '/' && path.substr(0, key.size()) == key && key.size() > bestLen) {
      best = &handler;
      bestLen = key.size();
    }
  }
  return best;
}

std::pair<std::string_view, std::string_view> splitTarget(std::string_view target) {
  auto q = target.find('?');
  if (q == std::string_view::npos) return {target, {}};
  return {target.substr(0, q), target.substr(q + 1)};
}
}  // namespace

bool ControlEnv::admit(const std::string& address) {
  std::lock_guard<std::mutex> lock(perAddressMutex);
  std::size_t& n = perAddress[address];
  if (n >= options.maxConnectionsPerAddress) return false;
  ++n;
  return true;
}

void ControlEnv::release(const std::string& address) {
  std::lock_guard<std::mutex> lock(perAddressMutex);
  auto it = perAddress.find(address);
  if (it == perAddress.end()) return;
  if (--it->second == 0) perAddress.erase(it);
}

std::size_t ControlEnv::openFrom(const std::string& address) {
  std::lock_guard<std::mutex> lock(perAddressMutex);
  auto it = perAddress.find(address);
  return it == perAddress.end() ? 0 : it->second;
}

bool ControlEnv::hasGetRoute(std::string_view target) const {
  return findGetRoute(options.getRoutes, splitTarget(target).first) != nullptr;
}

void ControlEnv::dispatchGet(std::shared_ptr<ControlEnv> env, std::string target,
                             boost::asio::any_io_executor replyExecutor, std::function<void(HttpGetReply)> done) {
  auto executor = env->commandExecutor;
  boost::asio::post(executor, [env = std::move(env), target = std::move(target), replyExecutor,
                               done = std::move(done)]() mutable {
    auto [path, query] = splitTarget(target);
    HttpGetReply reply;
    if (const auto* route = findGetRoute(env->options.getRoutes, path)) {
      reply = (*route)(path, query);
    } else {
      reply.status = 404;
      reply.body = "not found\n";
    }
    boost::asio::post(replyExecutor,
                      [reply = std::move(reply), done = std::move(done)]() mutable { done(std::move(reply)); });
  });
}

ControlServer::ControlServer(boost::asio::io_context& io, const api::CommandRegistry& registry, Logger& logger,
                             ControlServerOptions options)
    : ControlServer(io, registry, logger, options, io.get_executor()) {}

ControlServer::ControlServer(boost::asio::io_context& io, const api::CommandRegistry& registry, Logger& logger,
                             ControlServerOptions options, boost::asio::any_io_executor commandExecutor)
    : io_(io), registry_(registry), logger_(logger), options_(options), commandExecutor_(std::move(commandExecutor)) {}

ControlServer::~ControlServer() { stop(); }

void ControlServer::listen(const std::vector<config::ControlSocket>& sockets) {
  std::vector<std::string> wanted;
  for (const auto& s : sockets) wanted.push_back(settingsKey(s));
  for (auto it = listeners_.begin(); it != listeners_.end();) {
    if (std::find(wanted.begin(), wanted.end(), it->first) == wanted.end()) {
      it->second->close();
      it = listeners_.erase(it);
    } else {
      ++it;
    }
  }
  order_.clear();
  for (std::size_t i = 0; i < sockets.size(); ++i) {
    const auto& s = sockets[i];
    const std::string& key = wanted[i];
    order_.push_back(key);
    if (listeners_.count(key)) continue;
    // Each listener gets its own environment so its options and lifetime are independent.
    auto env = std::make_shared<ControlEnv>(registry_, logger_, options_, commandExecutor_);
    std::shared_ptr<ControlListener> listener;
    if (s.socketType == "unix") {
      listener = makeUnixListener(io_, env, s);
    } else if (s.socketType == "http" || s.socketType == "https") {
      listener = makeHttpListener(io_, env, s);
    } else {
      throw std::runtime_error("control socket: unsupported socket-type '" + s.socketType + "'");
    }
    listeners_.emplace(key, std::move(listener));
  }
}

void ControlServer::stop() {
  for (auto& [key, l] : listeners_) l->close();
  listeners_.clear();
  order_.clear();
}

std::vector<std::uint16_t> ControlServer::boundPorts() const {
  std::vector<std::uint16_t> out;
  for (const auto& key : order_) {
    auto it = listeners_.find(key);
    if (it != listeners_.end() && it->second->port() != 0) out.push_back(it->second->port());
  }
  return out;
}

}  // namespace tandem::net
