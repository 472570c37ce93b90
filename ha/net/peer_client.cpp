#include "ha/net/peer_client.h"

#include <algorithm>
#include <deque>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <unordered_map>
#include <utility>
#include <vector>

#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include "dhcpd/common/base64.h"
#include "ha/net/peer_connection.h"
#include "ha/net/peer_endpoint.h"

namespace tandem::net {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

std::string_view toString(PeerError e) noexcept {
  switch (e) {
    case PeerError::Connect: return "connect";
    case PeerError::Tls: return "tls";
    case PeerError::Timeout: return "timeout";
    case PeerError::Transport: return "transport";
    case PeerError::HttpStatus: return "http-status";
    case PeerError::BadBody: return "bad-body";
    case PeerError::BadRequest: return "bad-request";
    case PeerError::Cancelled: return "cancelled";
    case PeerError::QueueFull: return "queue-full";
  }
  return "unknown";
}

namespace {

Error peerError(PeerError code, std::string message) { return makeError(std::move(message), static_cast<int>(code)); }

// The peer closed an idle keep-alive connection (Kea and tandemd both time idle ones out);
// we only learn it when the next request on it fails.
bool closedByPeer(const boost::system::error_code& ec) {
  if (ec == boost::beast::http::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
      ec == asio::error::broken_pipe || ec == asio::error::connection_aborted || ec == ssl::error::stream_truncated) {
    return true;
  }
  // OpenSSL 3 reports a TCP FIN without close_notify as an error of its own, which Boost
  // 1.74 does not map to stream_truncated.
  return ec.category() == asio::error::get_ssl_category() &&
         ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == SSL_R_UNEXPECTED_EOF_WHILE_READING;
}

std::string snippet(std::string_view body) {
  constexpr std::size_t kMax = 200;
  std::string out(body.substr(0, kMax));
  if (body.size() > kMax) out += "...";
  return out;
}

// Kea answers peer commands with a one-element list (section 4.1); tandemd's control
// socket answers with a bare object. Both carry "result".
Error statusError(const PeerExchange& x, const std::string& url) {
  return peerError(PeerError::HttpStatus, fmt::format("peer {} answered HTTP {}: {}", url, x.status, snippet(x.body)));
}

Result<json> interpretAnswer(const PeerExchange& x, const std::string& url) {
  if (x.status != 200) return statusError(x, url);
  json answer = json::parse(x.body, nullptr, false);
  if (answer.is_discarded()) {
    return peerError(PeerError::BadBody, fmt::format("peer {} answered with invalid JSON: {}", url, snippet(x.body)));
  }
  if (answer.is_array()) {
    if (answer.empty() || !answer.front().is_object()) {
      return peerError(PeerError::BadBody, fmt::format("peer {} answered with a list without an answer object", url));
    }
    return std::move(answer.front());
  }
  if (!answer.is_object()) {
    return peerError(PeerError::BadBody, fmt::format("peer {} answered with neither a list nor an object", url));
  }
  return answer;
}

Result<std::shared_ptr<ssl::context>> makeTlsContext(const PeerClientConfig& cfg, const PeerEndpoint& ep) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  boost::system::error_code ec;
  auto fail = [&](std::string_view what, const std::string& path) {
    return makeError(fmt::format("peer {}: cannot load {} '{}': {}", cfg.url, what, path, ec.message()));
  };
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                       ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1,
                   ec);
  if (cfg.trustAnchor.empty()) {
    ctx->set_default_verify_paths(ec);
    if (ec) return fail("system trust store", "");
  } else if (std::filesystem::is_directory(cfg.trustAnchor)) {
    ctx->add_verify_path(cfg.trustAnchor, ec);
    if (ec) return fail("trust-anchor directory", cfg.trustAnchor);
  } else {
    ctx->load_verify_file(cfg.trustAnchor, ec);
    if (ec) return fail("trust-anchor", cfg.trustAnchor);
  }
  if (!cfg.certFile.empty()) {
    ctx->use_certificate_chain_file(cfg.certFile, ec);
    if (ec) return fail("cert-file", cfg.certFile);
    ctx->use_private_key_file(cfg.keyFile, ssl::context::pem, ec);
    // OpenSSL also rejects a key that does not match the certificate here.
    if (ec) return fail("key-file", cfg.keyFile);
  }
  ctx->set_verify_mode(ssl::verify_peer, ec);
  // The certificate must name the IP we dial (RFC 5280 section 4.2.1.6 iPAddress SAN), as
  // Kea checks it; OpenSSL does the match during chain verification.
  X509_VERIFY_PARAM* param = SSL_CTX_get0_param(ctx->native_handle());
  const std::string ip = ep.address.to_string();
  if (X509_VERIFY_PARAM_set1_ip_asc(param, ip.c_str()) != 1) {
    return makeError(fmt::format("peer {}: cannot set certificate IP check for {}", cfg.url, ip));
  }
  return ctx;
}

}  // namespace

class PeerClient::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(asio::io_context& io, PeerClientConfig config, Logger& logger, std::shared_ptr<const PeerTarget> target,
       std::shared_ptr<ssl::context> tls)
      : io_(io),
        config_(std::move(config)),
        logger_(logger),
        target_(std::move(target)),
        tls_(std::move(tls)),
        slots_(config_.connections),
        queueTimer_(io) {}

  // Exactly one of `cb` and `raw` is set.
  void send(json command, Callback cb, RawCallback raw, std::optional<std::chrono::milliseconds> timeout) {
    if (!command.is_object() || !command.contains("command") || !command["command"].is_string()) {
      return deferFailure(std::move(cb), std::move(raw),
                          peerError(PeerError::BadRequest, "peer command must be an object with a \"command\" string"));
    }
    if (inFlight() >= config_.maxPending) {
      logger_.limited(Severity::Warn, "PEER_CLIENT_QUEUE_FULL", "peer {}: {} requests pending, refusing more",
                      config_.url, inFlight());
      return deferFailure(std::move(cb), std::move(raw),
                          peerError(PeerError::QueueFull,
                                    fmt::format("peer {}: too many pending requests", config_.url)));
    }
    if (!command.contains("service")) command["service"] = json::array({"dhcp4"});
    const bool urgent = !isLeaseUpdate(command["command"].get_ref<const std::string&>());
    // Lease JSON can carry client-supplied bytes (hostname); never let them throw here.
    std::string body = command.dump(-1, ' ', false, json::error_handler_t::replace);
    enqueue(std::move(body), urgent, urgent ? std::string() : orderKey(command), std::move(cb), std::move(raw),
            timeout);
  }

  // A lease update's finished request text (PeerClient::sendText).
  void sendText(std::string body, Callback cb, std::chrono::milliseconds timeout) {
    if (inFlight() >= config_.maxPending) {
      logger_.limited(Severity::Warn, "PEER_CLIENT_QUEUE_FULL", "peer {}: {} requests pending, refusing more",
                      config_.url, inFlight());
      return deferFailure(std::move(cb), nullptr,
                          peerError(PeerError::QueueFull,
                                    fmt::format("peer {}: too many pending requests", config_.url)));
    }
    enqueue(std::move(body), false, std::string(), std::move(cb), nullptr, timeout);
  }

  void enqueue(std::string body, bool urgent, std::string key, Callback cb, RawCallback raw,
               std::optional<std::chrono::milliseconds> timeout) {
    const auto deadline = Clock::now() + timeout.value_or(config_.requestTimeout);
    Request req{std::move(body), std::move(cb), std::move(raw), deadline, false, urgent, std::move(key)};
    if (urgent) {
      // Heartbeats and the other state-machine commands overtake queued lease updates: under
      // overload thousands of updates may wait, and a heartbeat stuck behind them would time
      // out and make a healthy partner look dead (communication-recovery, partner-down).
      auto pos = std::find_if(queue_.begin(), queue_.end(), [](const Request& q) { return !q.urgent; });
      queue_.insert(pos, std::move(req));
    } else {
      queue_.push_back(std::move(req));
    }
    pump(true);
    if (!queue_.empty()) noteQueued(deadline);
  }

  std::size_t inFlight() const noexcept { return queue_.size() + busy_; }

  std::size_t openConnections() const noexcept {
    return static_cast<std::size_t>(std::count_if(slots_.begin(), slots_.end(), [](const Slot& s) {
      return s.conn && (s.conn->reusable() || s.req);
    }));
  }

  void cancelAll() {
    std::vector<Request> victims = takeEverything();
    for (auto& r : victims) {
      complete(r, peerError(PeerError::Cancelled, fmt::format("peer {}: request cancelled", config_.url)));
    }
  }

  void shutdown() {
    shutdown_ = true;
    (void)takeEverything();
  }

  const std::string& url() const noexcept { return config_.url; }

 private:
  struct Request {
    std::string body;
    Callback cb;
    RawCallback raw;  // instead of cb: the body unparsed
    Clock::time_point deadline;
    bool retried = false;
    bool urgent = false;  // not a lease update: queued ahead of them
    // Lease updates for one address must reach the partner in commit order: an update and a
    // later lease4-del for the same address on two connections could be applied the other way
    // round (Kea's listener is multi-threaded too) and leave the partner a released lease.
    // Requests with the same key are never on the wire at once.
    std::string key;
  };

  static std::string orderKey(const json& command) {
    auto args = command.find("arguments");
    if (args == command.end() || !args->is_object()) return {};
    auto ip = args->find("ip-address");
    return ip != args->end() && ip->is_string() ? ip->get<std::string>() : std::string();
  }

  static bool isLeaseUpdate(const std::string& command) {
    return command == "lease4-update" || command == "lease4-del" || command == "lease4-bulk-apply";
  }
  struct Slot {
    std::shared_ptr<PeerConnection> conn;
    std::optional<Request> req;  // set while an exchange is on this connection
  };

  // Dispatches queued requests to idle connections, oldest first. Never re-entered:
  // a callback that sends just appends, and the running loop picks it up.
  void pump(bool fromSend) {
    if (pumping_ || shutdown_) return;
    pumping_ = true;
    // Callbacks may send() again (which changes queue_): run them after the scan.
    std::vector<Request> expired;
    const auto now = Clock::now();
    std::size_t blocked = 0;
    for (auto it = queue_.begin(); it != queue_.end();) {
      if (it->deadline <= now) {
        expired.push_back(std::move(*it));
        it = queue_.erase(it);
        continue;
      }
      if (!it->key.empty() && keysInFlight_.count(it->key) != 0) {
        // Bounded look-ahead past requests waiting for their address's earlier update.
        if (++blocked >= kMaxBlockedScan) break;
        ++it;
        continue;
      }
      const auto slot = idleSlot();
      if (!slot) break;
      Request r = std::move(*it);
      it = queue_.erase(it);
      start(*slot, std::move(r));
    }
    pumping_ = false;
    for (auto& r : expired) {
      if (fromSend) {
        deferFailure(std::move(r.cb), std::move(r.raw), timeoutError());
      } else {
        complete(r, timeoutError());
      }
    }
  }

  // An idle slot, preferring one whose connection is open, so a light load keeps reusing
  // one connection instead of opening all of them.
  std::optional<std::size_t> idleSlot() const {
    std::optional<std::size_t> closed;
    for (std::size_t i = 0; i < slots_.size(); ++i) {
      if (slots_[i].req) continue;
      if (slots_[i].conn && slots_[i].conn->reusable()) return i;
      if (!closed) closed = i;
    }
    return closed;
  }

  void start(std::size_t i, Request r) {
    Slot& s = slots_[i];
    if (!s.conn || !s.conn->reusable()) {
      if (s.conn) s.conn->close();
      s.conn = makePeerConnection(io_, target_, tls_);
    }
    std::string body = r.body;  // kept in the request too, for the one retry below
    const auto deadline = r.deadline;
    if (!r.key.empty()) ++keysInFlight_[r.key];
    // A raw answer (a sync page, megabytes) is read into the buffer of an earlier one.
    std::string responseBuffer = r.raw ? std::exchange(spareBody_, std::string()) : std::string();
    s.req = std::move(r);
    ++busy_;
    PeerConnection* conn = s.conn.get();
    conn->exchange(
        std::move(body), deadline,
        [weak = weak_from_this(), i, conn](PeerExchange x) {
          if (auto self = weak.lock()) self->onExchange(i, conn, std::move(x));
        },
        std::move(responseBuffer));
  }

  void onExchange(std::size_t i, const PeerConnection* conn, PeerExchange x) {
    Slot& s = slots_[i];
    // Defensive: a connection closed by cancelAll() never reports, so this is its slot's.
    if (s.conn.get() != conn || !s.req) return;
    Request r = std::move(*s.req);
    s.req.reset();
    --busy_;
    releaseKey(r.key);
    if (!s.conn->reusable()) s.conn.reset();
    const auto now = Clock::now();

    if (x.stage != PeerExchange::Stage::Done) {
      // A request that died on a reused connection before any answer byte most likely met a
      // connection the peer had already closed as idle: try once more on a fresh one. Peer
      // commands are idempotent (lease4-update is an upsert, heartbeats have no effect).
      if (x.reusedConnection && !x.gotResponseBytes && !r.retried && now < r.deadline && closedByPeer(x.ec)) {
        logger_.debug("PEER_CLIENT_RECONNECT", "peer {}: idle connection was closed ({}), reconnecting", config_.url,
                      x.ec.message());
        r.retried = true;
        const auto deadline = r.deadline;
        queue_.push_front(std::move(r));
        pump(false);
        if (!queue_.empty()) noteQueued(deadline);
        return;
      }
      Error e = classify(x, r, now);
      pump(false);
      complete(r, std::move(e));
      return;
    }
    if (r.raw) {
      Result<std::string_view> body = x.status == 200 ? Result<std::string_view>(std::string_view(x.body))
                                                      : Result<std::string_view>(statusError(x, config_.url));
      pump(false);
      if (shutdown_ || !r.raw) return;
      auto cb = std::move(r.raw);
      cb(std::move(body));
      // Kept for the next raw answer: its pages are already faulted in. One buffer (the
      // largest seen), so at most one answer's worth of memory stays held.
      if (x.body.capacity() <= config_.maxResponseBytes && x.body.capacity() > spareBody_.capacity()) {
        spareBody_ = std::move(x.body);
      }
      return;
    }
    Result<json> answer = interpretAnswer(x, config_.url);
    if (!answer) {
      logger_.limited(Severity::Warn, "PEER_CLIENT_BAD_ANSWER", "{}", answer.error().message);
    }
    pump(false);
    complete(r, std::move(answer));
  }

  Error classify(const PeerExchange& x, const Request& r, Clock::time_point now) {
    namespace beast = boost::beast;
    if (x.ec == beast::error::timeout || now >= r.deadline) {
      logger_.limited(Severity::Warn, "PEER_CLIENT_TIMEOUT", "peer {}: no answer in time", config_.url);
      return timeoutError();
    }
    if (x.ec == beast::http::error::body_limit) {
      return peerError(PeerError::BadBody,
                       fmt::format("peer {}: answer larger than {} bytes", config_.url, config_.maxResponseBytes));
    }
    const std::string why = x.detail.empty() ? x.ec.message() : fmt::format("{} ({})", x.ec.message(), x.detail);
    if (x.stage == PeerExchange::Stage::Connect) {
      logger_.limited(Severity::Warn, "PEER_CLIENT_CONNECT_FAILED", "peer {}: connect failed: {}", config_.url, why);
      return peerError(PeerError::Connect, fmt::format("peer {}: connect failed: {}", config_.url, why));
    }
    if (x.stage == PeerExchange::Stage::Handshake || x.ec.category() == asio::error::get_ssl_category()) {
      logger_.limited(Severity::Warn, "PEER_CLIENT_TLS_FAILED", "peer {}: TLS failed: {}", config_.url, why);
      return peerError(PeerError::Tls, fmt::format("peer {}: TLS failed: {}", config_.url, why));
    }
    logger_.limited(Severity::Warn, "PEER_CLIENT_CONNECTION_LOST", "peer {}: connection lost: {}", config_.url, why);
    return peerError(PeerError::Transport, fmt::format("peer {}: connection lost: {}", config_.url, why));
  }

  Error timeoutError() const {
    return peerError(PeerError::Timeout, fmt::format("peer {}: no answer in time", config_.url));
  }

  // The queue timer fails requests that waited too long for a free connection. It is armed
  // for the earliest deadline seen; with one timeout for all requests that is the front.
  void noteQueued(Clock::time_point deadline) {
    if (queueTimerAt_ && *queueTimerAt_ <= deadline) return;
    queueTimerAt_ = deadline;
    queueTimer_.expires_at(deadline);
    queueTimer_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
      if (ec == asio::error::operation_aborted) return;
      if (auto self = weak.lock()) self->onQueueTimer();
    });
  }

  void onQueueTimer() {
    queueTimerAt_.reset();
    const auto now = Clock::now();
    std::vector<Request> expired;
    std::optional<Clock::time_point> next;
    std::deque<Request> keep;
    for (auto& r : queue_) {
      if (r.deadline <= now) {
        expired.push_back(std::move(r));
      } else {
        if (!next || r.deadline < *next) next = r.deadline;
        keep.push_back(std::move(r));
      }
    }
    queue_ = std::move(keep);
    if (next) noteQueued(*next);
    if (!expired.empty()) {
      logger_.limited(Severity::Warn, "PEER_CLIENT_TIMEOUT", "peer {}: {} requests timed out waiting for a connection",
                      config_.url, expired.size());
    }
    for (auto& r : expired) complete(r, timeoutError());
  }

  std::vector<Request> takeEverything() {
    std::vector<Request> out;
    for (auto& s : slots_) {
      if (s.req) {
        out.push_back(std::move(*s.req));
        s.req.reset();
      }
      if (s.conn) {
        s.conn->close();
        s.conn.reset();
      }
    }
    busy_ = 0;
    keysInFlight_.clear();
    for (auto& r : queue_) out.push_back(std::move(r));
    queue_.clear();
    queueTimer_.cancel();
    queueTimerAt_.reset();
    return out;
  }

  void releaseKey(const std::string& key) {
    if (key.empty()) return;
    auto it = keysInFlight_.find(key);
    if (it != keysInFlight_.end() && --it->second == 0) keysInFlight_.erase(it);
  }

  void complete(Request& r, Result<json> result) {
    if (shutdown_) return;
    if (r.raw) {
      // Only failures come here for a raw request (onExchange hands over its body).
      auto raw = std::move(r.raw);
      if (!result) return raw(result.error());
      const std::string text = result->dump();
      raw(std::string_view(text));
      return;
    }
    if (!r.cb) return;
    auto cb = std::move(r.cb);
    cb(std::move(result));
  }

  // Errors found inside send() are reported later, so the caller never re-enters itself.
  void deferFailure(Callback cb, RawCallback raw, Error e) {
    asio::post(io_, [weak = weak_from_this(), cb = std::move(cb), raw = std::move(raw), e = std::move(e)]() mutable {
      auto self = weak.lock();
      if (!self || self->shutdown_) return;
      if (raw) return raw(std::move(e));
      if (cb) cb(std::move(e));
    });
  }

  asio::io_context& io_;
  PeerClientConfig config_;
  Logger& logger_;
  std::shared_ptr<const PeerTarget> target_;
  std::shared_ptr<ssl::context> tls_;
  static constexpr std::size_t kMaxBlockedScan = 256;
  std::deque<Request> queue_;
  std::unordered_map<std::string, unsigned> keysInFlight_;  // ordering keys on the wire
  std::vector<Slot> slots_;
  std::size_t busy_ = 0;
  asio::steady_timer queueTimer_;
  std::optional<Clock::time_point> queueTimerAt_;
  bool pumping_ = false;
  bool shutdown_ = false;
  // The body buffer of the last raw answer, handed to the next raw request (start()).
  std::string spareBody_;
};

Result<std::unique_ptr<PeerClient>> PeerClient::create(asio::io_context& io, PeerClientConfig config, Logger& logger) {
  try {
    return std::make_unique<PeerClient>(io, std::move(config), logger);
  } catch (const std::invalid_argument& e) {
    return makeError(e.what());
  }
}

PeerClient::PeerClient(asio::io_context& io, PeerClientConfig config, Logger& logger) {
  auto ep = parsePeerEndpoint(config.url);
  if (!ep) throw std::invalid_argument(ep.error().message);
  const bool anyTls = !config.trustAnchor.empty() || !config.certFile.empty() || !config.keyFile.empty();
  if (!ep->tls && anyTls) {
    throw std::invalid_argument(fmt::format("peer {}: TLS files are set but the url is not https://", config.url));
  }
  if (config.certFile.empty() != config.keyFile.empty()) {
    throw std::invalid_argument(fmt::format("peer {}: cert-file and key-file must be set together", config.url));
  }
  if (config.connections == 0) throw std::invalid_argument(fmt::format("peer {}: connections must be > 0", config.url));
  if (config.requestTimeout.count() <= 0) {
    throw std::invalid_argument(fmt::format("peer {}: request timeout must be > 0", config.url));
  }

  auto target = std::make_shared<PeerTarget>();
  target->endpoint = asio::ip::tcp::endpoint(ep->address, ep->port);
  target->hostHeader = ep->hostHeader;
  if (!config.basicAuthUser.empty()) {
    // RFC 7617 section 2: base64 of user-id ":" password.
    target->authorization = "Basic " + encodeBase64(config.basicAuthUser + ":" + config.basicAuthPassword);
  }
  target->maxResponseBytes = config.maxResponseBytes;

  std::shared_ptr<ssl::context> tls;
  if (ep->tls) {
    auto ctx = makeTlsContext(config, *ep);
    if (!ctx) throw std::invalid_argument(ctx.error().message);
    tls = std::move(*ctx);
  }
  impl_ = std::make_shared<Impl>(io, std::move(config), logger, std::move(target), std::move(tls));
}

PeerClient::~PeerClient() {
  if (impl_) impl_->shutdown();
}

void PeerClient::send(json command, Callback cb) {
  impl_->send(std::move(command), std::move(cb), nullptr, std::nullopt);
}

void PeerClient::send(json command, Callback cb, std::chrono::milliseconds timeout) {
  impl_->send(std::move(command), std::move(cb), nullptr, timeout);
}

void PeerClient::sendRaw(json command, RawCallback cb, std::chrono::milliseconds timeout) {
  impl_->send(std::move(command), nullptr, std::move(cb), timeout);
}

void PeerClient::sendText(std::string body, Callback cb, std::chrono::milliseconds timeout) {
  impl_->sendText(std::move(body), std::move(cb), timeout);
}

std::size_t PeerClient::inFlight() const noexcept { return impl_->inFlight(); }
std::size_t PeerClient::openConnections() const noexcept { return impl_->openConnections(); }
void PeerClient::cancelAll() { impl_->cancelAll(); }
const std::string& PeerClient::url() const noexcept { return impl_->url(); }

}  // namespace tandem::net
