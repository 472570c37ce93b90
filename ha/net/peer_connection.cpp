#include "ha/net/peer_connection.h"

#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>

#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

namespace tandem::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

template <class Stream>
class Connection final : public PeerConnection, public std::enable_shared_from_this<Connection<Stream>> {
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

 public:
  Connection(asio::io_context& io, std::shared_ptr<const PeerTarget> target, std::shared_ptr<ssl::context> tls)
      : target_(std::move(target)), tls_(std::move(tls)), stream_(makeStream(io)) {}

  void exchange(std::string body, Clock::time_point deadline, Done done, std::string responseBuffer) override {
    done_ = std::move(done);
    deadline_ = deadline;
    result_ = PeerExchange{};
    responseBuffer_ = std::move(responseBuffer);
    buildRequest(std::move(body));
    if (connected_) {
      result_.reusedConnection = true;
      write();
    } else {
      connect();
    }
  }

  void close() noexcept override {
    closed_ = true;
    done_ = nullptr;
    closeSocket(true);
  }

  bool reusable() const noexcept override { return connected_ && !closed_; }

 private:
  Stream makeStream(asio::io_context& io) {
    if constexpr (kTls) {
      return Stream(io, *tls_);
    } else {
      return Stream(io);
    }
  }

  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

  void buildRequest(std::string body) {
    // Field order and set as Kea 2.2 sends them (KEA-BASELINE.md section 4): Host without
    // the port, Authorization only when configured, then Content-Length and Content-Type.
    request_ = {};
    request_.method(http::verb::post);
    request_.target("/");
    request_.version(11);
    request_.set(http::field::host, target_->hostHeader);
    if (!target_->authorization.empty()) request_.set(http::field::authorization, target_->authorization);
    request_.content_length(body.size());
    request_.set(http::field::content_type, "application/json");
    request_.body() = std::move(body);
  }

  void connect() {
    lowest().expires_at(deadline_);
    lowest().async_connect(target_->endpoint, [self = this->shared_from_this()](const beast::error_code& ec) {
      if (self->closed_) return;
      if (ec) return self->finish(PeerExchange::Stage::Connect, ec);
      boost::system::error_code ignored;
      self->lowest().socket().set_option(asio::ip::tcp::no_delay(true), ignored);
      if constexpr (kTls) {
        self->handshake();
      } else {
        self->connected_ = true;
        self->write();
      }
    });
  }

  void handshake() {
    if constexpr (kTls) {
      // No SNI: peers are addressed by IP literal, which RFC 6066 section 3 forbids in
      // server_name. The IP SAN check is configured on the context (PeerClient).
      lowest().expires_at(deadline_);
      stream_.async_handshake(ssl::stream_base::client, [self = this->shared_from_this()](const beast::error_code& ec) {
        if (self->closed_) return;
        if (ec) {
          const long verify = SSL_get_verify_result(self->stream_.native_handle());
          if (verify != X509_V_OK) self->result_.detail = X509_verify_cert_error_string(verify);
          return self->finish(PeerExchange::Stage::Handshake, ec);
        }
        self->connected_ = true;
        self->write();
      });
    }
  }

  void write() {
    lowest().expires_at(deadline_);
    http::async_write(stream_, request_, [self = this->shared_from_this()](const beast::error_code& ec, std::size_t) {
      if (self->closed_) return;
      if (ec) return self->finish(PeerExchange::Stage::Write, ec);
      self->read();
    });
  }

  void read() {
    // The body goes into the caller's buffer (string_body appends to what it holds).
    responseBuffer_.clear();
    parser_.emplace(std::piecewise_construct, std::make_tuple(std::move(responseBuffer_)));
    parser_->body_limit(target_->maxResponseBytes);
    lowest().expires_at(deadline_);
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](const beast::error_code& ec, std::size_t) {
                       if (self->closed_) return;
                       if (ec) {
                         self->result_.gotResponseBytes = self->parser_->got_some();
                         return self->finish(PeerExchange::Stage::Read, ec);
                       }
                       auto response = self->parser_->release();
                       self->result_.status = response.result_int();
                       self->result_.keepAlive = response.keep_alive();
                       self->result_.body = std::move(response.body());
                       // An idle keep-alive connection has no deadline; the next exchange sets one.
                       self->lowest().expires_never();
                       self->finish(PeerExchange::Stage::Done, {});
                     });
  }

  void finish(PeerExchange::Stage stage, const beast::error_code& ec) {
    result_.stage = stage;
    result_.ec = ec;
    if (ec || !result_.keepAlive) {
      connected_ = false;
      closed_ = true;
      closeSocket(static_cast<bool>(ec));
    }
    request_.body().clear();
    if (auto done = std::exchange(done_, nullptr)) done(std::move(result_));
  }

  // `abort`: the exchange failed, timed out or was cancelled. Its request may still sit in the
  // kernel's send queue, which keeps retransmitting it after close() (an orphaned socket) and
  // delivers it once a partition heals, long after we gave up on it: the partner would then
  // apply lease updates that are seconds old over newer leases (bench-delta.sh, a partition of
  // 12 s both ways: the retransmission at ~12.6 s landed after the heal and the resyncs). A
  // zero linger discards the queue and resets the connection instead (RFC 793 3.5 ABORT).
  void closeSocket(bool abort = false) noexcept {
    connected_ = false;
    boost::system::error_code ignored;
    if (abort) {
      lowest().socket().set_option(asio::socket_base::linger(true, 0), ignored);
    } else {
      lowest().socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    }
    lowest().close();
  }

  std::shared_ptr<const PeerTarget> target_;
  std::shared_ptr<ssl::context> tls_;  // outlives the stream that references it
  Stream stream_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  std::string responseBuffer_;  // exchange()'s buffer until read() moves it into the parser
  std::optional<http::response_parser<http::string_body>> parser_;
  Done done_;
  Clock::time_point deadline_{};
  PeerExchange result_;
  bool connected_ = false;
  bool closed_ = false;
};

}  // namespace

std::shared_ptr<PeerConnection> makePeerConnection(asio::io_context& io, std::shared_ptr<const PeerTarget> target,
                                                   std::shared_ptr<ssl::context> tls) {
  if (tls) return std::make_shared<Connection<TlsStream>>(io, std::move(target), std::move(tls));
  return std::make_shared<Connection<PlainStream>>(io, std::move(target), nullptr);
}

}  // namespace tandem::net
