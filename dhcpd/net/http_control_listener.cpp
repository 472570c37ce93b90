// HTTP/1.1 and HTTPS control listener (Kea Control Agent compatible): POSTed JSON commands,
// keep-alive, body limit (413), optional basic auth (401) and mutual TLS; GET routes
// (metrics, dashboard) when the server registers some, behind the same auth.
#include <stdexcept>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "dhcpd/net/control_listener.h"
#include "dhcpd/net/http_basic_auth.h"

namespace tandem::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

struct HttpSettings {
  std::vector<config::ControlSocket::User> users;
  std::string realm;
  std::string transport;  // "http" or "https"
};

std::string jsonError(int status, std::string_view text) {
  // Kea's HTTP-level failures are bare maps with the HTTP status as "result".
  return nlohmann::json{{"result", status}, {"text", std::string(text)}}.dump();
}

template <class Stream>
class HttpSession : public std::enable_shared_from_this<HttpSession<Stream>> {
 public:
  // `counted`: the client address this session holds a per-address slot for ("" = none).
  HttpSession(Stream stream, std::shared_ptr<ControlEnv> env, std::shared_ptr<const HttpSettings> settings,
              std::string remote, std::string counted)
      : stream_(std::move(stream)),
        env_(std::move(env)),
        settings_(std::move(settings)),
        remote_(std::move(remote)),
        counted_(std::move(counted)) {}
  ~HttpSession() {
    --env_->connections;
    if (!counted_.empty()) env_->release(counted_);
  }

  void start() {
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      readRequest(env_->options.requestTimeout);
    } else {
      beast::get_lowest_layer(stream_).expires_after(env_->options.requestTimeout);
      stream_.async_handshake(ssl::stream_base::server, [self = this->shared_from_this()](const beast::error_code& ec) {
        if (ec) {
          // Includes clients without a certificate when one is required.
          self->env_->logger.limited(Severity::Warn, "HTTP_TLS_HANDSHAKE_FAILED",
                                     "control channel {}: TLS handshake failed: {}", self->remote_, ec.message());
          return;
        }
        self->readRequest(self->env_->options.requestTimeout);
      });
    }
  }

 private:
  void readRequest(std::chrono::milliseconds timeout) {
    parser_.emplace();
    parser_->body_limit(env_->options.maxRequestBytes);
    parser_->header_limit(16 * 1024);
    beast::get_lowest_layer(stream_).expires_after(timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](const beast::error_code& ec, std::size_t) { self->onRead(ec); });
  }

  void onRead(const beast::error_code& ec) {
    if (ec == http::error::end_of_stream || ec == asio::error::eof) return close();
    if (ec == http::error::body_limit) {
      return respond(http::status::payload_too_large, jsonError(413, "Payload Too Large"), false);
    }
    if (ec == beast::error::timeout) {
      env_->logger.limited(Severity::Info, "HTTP_REQUEST_TIMEOUT", "control channel {}: request not received in time",
                           remote_);
      return;  // the stream is already closed by the timeout
    }
    if (ec) {
      if (ec.category() == beast::error_code(http::error::bad_method).category()) {
        return respond(http::status::bad_request, jsonError(400, "Bad Request"), false);
      }
      return close();
    }
    auto& req = parser_->get();
    const bool keepAlive = req.keep_alive();
    const bool get = req.method() == http::verb::get || req.method() == http::verb::head;
    if (!get && req.method() != http::verb::post) {
      return respond(http::status::method_not_allowed, jsonError(405, "Method Not Allowed"), keepAlive);
    }
    if (get && !env_->hasGetRoute(std::string_view(req.target().data(), req.target().size()))) {
      // Not a metrics or dashboard path (GET / included): answer as Kea's Control Agent,
      // which takes POST only, so Kea clients and scripts see what they saw before.
      return respond(http::status::method_not_allowed, jsonError(405, "Method Not Allowed"), keepAlive);
    }
    std::string user;
    if (!settings_->users.empty()) {
      auto it = req.find(http::field::authorization);
      auto who = it == req.end()
                     ? std::nullopt
                     : checkBasicAuth(std::string_view(it->value().data(), it->value().size()), settings_->users);
      if (!who) {
        env_->logger.limited(Severity::Warn, "HTTP_AUTH_FAILED", "control channel {}: {} credentials rejected", remote_,
                             it == req.end() ? "missing" : "wrong");
        return respond(http::status::unauthorized, jsonError(401, "Unauthorized"), keepAlive);
      }
      user = *who;
    }
    if (get) {
      const bool head = req.method() == http::verb::head;
      return ControlEnv::dispatchGet(env_, std::string(req.target()), stream_.get_executor(),
                                     [self = this->shared_from_this(), keepAlive, head](HttpGetReply reply) {
                                       self->respondGet(std::move(reply), keepAlive, head);
                                     });
    }
    api::CommandContext ctx{settings_->transport, remote_, user, {}};
    ControlEnv::dispatch(env_, std::move(req.body()), std::move(ctx), stream_.get_executor(),
                         [self = this->shared_from_this(), keepAlive](std::string answer) {
                           self->respond(http::status::ok, std::move(answer), keepAlive);
                         });
  }

  void respondGet(HttpGetReply reply, bool keepAlive, bool head) {
    res_ = {};
    res_.version(11);
    res_.result(static_cast<unsigned>(reply.status));
    res_.set(http::field::content_type, reply.contentType);
    for (const auto& [name, value] : reply.headers) res_.set(name, value);
    res_.keep_alive(keepAlive);
    res_.body() = std::move(reply.body);
    res_.prepare_payload();  // HEAD: Content-Length of the GET body, and no body sent
    if (head) res_.body().clear();
    write(keepAlive);
  }

  void respond(http::status status, std::string body, bool keepAlive) {
    res_ = {};
    res_.version(11);
    res_.result(status);
    res_.set(http::field::content_type, "application/json");
    if (status == http::status::unauthorized) {
      res_.set(http::field::www_authenticate, "Basic realm=\"" + settings_->realm + "\"");
    }
    if (status == http::status::method_not_allowed) {
      res_.set(http::field::allow, env_->options.getRoutes.empty() ? "POST" : "GET, HEAD, POST");
    }
    res_.keep_alive(keepAlive);
    res_.body() = std::move(body);
    res_.prepare_payload();
    write(keepAlive);
  }

  void write(bool keepAlive) {
    beast::get_lowest_layer(stream_).expires_after(env_->options.writeTimeout);
    http::async_write(stream_, res_,
                      [self = this->shared_from_this(), keepAlive](const beast::error_code& ec, std::size_t) {
                        if (ec) return;
                        if (!keepAlive) return self->close();
                        self->readRequest(self->env_->options.idleTimeout);
                      });
  }

  void close() {
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      beast::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    } else {
      beast::get_lowest_layer(stream_).expires_after(env_->options.writeTimeout);
      // stream_truncated from clients that skip close_notify is normal here.
      stream_.async_shutdown([self = this->shared_from_this()](const beast::error_code&) {});
    }
  }

  Stream stream_;
  std::shared_ptr<ControlEnv> env_;
  std::shared_ptr<const HttpSettings> settings_;
  std::string remote_;
  std::string counted_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> res_;
};

std::shared_ptr<ssl::context> makeTlsContext(const config::ControlSocket& s) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                   ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  const std::string where = "control socket " + s.address + ":" + std::to_string(s.port);
  if (s.certFile.empty() || s.keyFile.empty()) throw std::runtime_error(where + ": https needs cert-file and key-file");
  boost::system::error_code ec;
  ctx->use_certificate_chain_file(s.certFile, ec);
  if (ec) throw std::runtime_error(where + ": cannot load cert-file " + s.certFile + ": " + ec.message());
  ctx->use_private_key_file(s.keyFile, ssl::context::pem, ec);
  if (ec) throw std::runtime_error(where + ": cannot load key-file " + s.keyFile + ": " + ec.message());
  if (!s.trustAnchor.empty()) {
    ctx->load_verify_file(s.trustAnchor, ec);
    if (ec) {
      ec.clear();
      ctx->add_verify_path(s.trustAnchor, ec);  // Kea accepts a file or a directory
    }
    if (ec) throw std::runtime_error(where + ": cannot load trust-anchor " + s.trustAnchor + ": " + ec.message());
    ssl::verify_mode mode = ssl::verify_peer;
    if (s.certRequired) mode |= ssl::verify_fail_if_no_peer_cert;
    ctx->set_verify_mode(mode);
  }
  return ctx;
}

class HttpListener : public ControlListener, public std::enable_shared_from_this<HttpListener> {
 public:
  HttpListener(asio::io_context& io, std::shared_ptr<ControlEnv> env, const config::ControlSocket& s)
      : io_(io), acceptor_(asio::make_strand(io)), env_(std::move(env)) {
    auto settings = std::make_shared<HttpSettings>();
    settings->users = s.users;
    settings->realm = s.realm.empty() ? "tandemd" : s.realm;
    const bool tls = s.socketType == "https" || !s.certFile.empty();
    settings->transport = tls ? "https" : "http";
    settings_ = settings;
    if (tls) tls_ = makeTlsContext(s);
    boost::system::error_code ec;
    auto address = asio::ip::make_address(s.address.empty() ? "127.0.0.1" : s.address, ec);
    if (ec) throw std::runtime_error("control socket: bad socket-address '" + s.address + "'");
    const tcp::endpoint ep(address, s.port);
    acceptor_.open(ep.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(ep, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      throw std::runtime_error("control socket " + s.address + ":" + std::to_string(s.port) + ": " + ec.message());
    }
    port_ = acceptor_.local_endpoint().port();
    env_->logger.info("COMMAND_SOCKET_LISTEN", "control channel listening on {}://{}:{}{}", settings->transport,
                      address.to_string(), port_, settings->users.empty() ? "" : " (basic auth)");
  }

  void start() { accept(); }

  void close() override {
    asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
      boost::system::error_code ignored;
      self->acceptor_.close(ignored);
    });
  }

  std::uint16_t port() const override { return port_; }

 private:
  void accept() {
    acceptor_.async_accept(asio::make_strand(io_),
                           [self = shared_from_this()](const boost::system::error_code& ec, tcp::socket socket) {
                             if (ec == asio::error::operation_aborted || !self->acceptor_.is_open()) return;
                             if (!ec) self->startSession(std::move(socket));
                             self->accept();
                           });
  }

  void startSession(tcp::socket socket) {
    boost::system::error_code ec;
    auto peer = socket.remote_endpoint(ec);
    const std::string address = ec ? std::string() : peer.address().to_string();
    std::string remote = ec ? "?" : address + ":" + std::to_string(peer.port());
    const bool reserved = !address.empty() && env_->options.reservedAddress && env_->options.reservedAddress(address);
    if (!reserved && env_->connections.load() >= env_->options.maxConnections) {
      env_->logger.limited(Severity::Warn, "COMMAND_SOCKET_BUSY", "control channel: {} connections open, refusing {}",
                           env_->connections.load(), remote);
      return;  // socket closes when it goes out of scope
    }
    if (!reserved && !env_->admit(address)) {
      env_->logger.limited(Severity::Warn, "COMMAND_SOCKET_BUSY",
                           "control channel: {} connections open from {}, refusing another", env_->openFrom(address),
                           address);
      return;
    }
    ++env_->connections;
    // HA peers wait for each answer before the DHCPACK leaves (reference/ha-protocol.md 6.2):
    // never let Nagle hold a response back for the client's delayed ACK.
    socket.set_option(tcp::no_delay(true), ec);
    if (tls_) {
      std::make_shared<HttpSession<beast::ssl_stream<beast::tcp_stream>>>(
          beast::ssl_stream<beast::tcp_stream>(beast::tcp_stream(std::move(socket)), *tls_), env_, settings_, remote,
          reserved ? std::string() : address)
          ->start();
    } else {
      std::make_shared<HttpSession<beast::tcp_stream>>(beast::tcp_stream(std::move(socket)), env_, settings_, remote,
                                                       reserved ? std::string() : address)
          ->start();
    }
  }

  asio::io_context& io_;
  tcp::acceptor acceptor_;
  std::shared_ptr<ControlEnv> env_;
  std::shared_ptr<const HttpSettings> settings_;
  std::shared_ptr<ssl::context> tls_;
  std::uint16_t port_ = 0;
};

}  // namespace

std::shared_ptr<ControlListener> makeHttpListener(asio::io_context& io, std::shared_ptr<ControlEnv> env,
                                                  const config::ControlSocket& socket) {
  auto l = std::make_shared<HttpListener>(io, std::move(env), socket);
  l->start();
  return l;
}

}  // namespace tandem::net
