#pragma once
// A small Beast HTTP(S) server on 127.0.0.1 for PeerClient tests, on its own thread so the
// client's io_context in the test thread measures only the client. Behaviour per mode
// imitates a Kea 2.2 HA listener (answers a one-element list) or breaks in a chosen way.
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <nlohmann/json.hpp>

namespace tandem::net::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;

// Throw-away PKI made with the openssl CLI once per test process.
struct TestCerts {
  std::filesystem::path dir;
  std::string ca, ca2;                  // two unrelated CAs
  std::string serverCert, serverKey;    // CA 1, SAN IP:127.0.0.1
  std::string otherCaCert, otherCaKey;  // CA 2, SAN IP:127.0.0.1
  std::string wrongIpCert, wrongIpKey;  // CA 1, SAN IP:127.0.0.2
  std::string clientCert, clientKey;    // CA 1, clientAuth
};

inline const TestCerts& testCerts() {
  struct Holder {
    TestCerts certs;
    Holder() {
      char tmpl[] = "/tmp/tandem-peer-certs-XXXXXX";
      if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
      certs.dir = tmpl;
      const std::string d = certs.dir.string();
      const std::string script =
          "set -e; cd '" + d +
          "'\n"
          "ec='-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes'\n"
          "openssl req -x509 $ec -keyout ca.key -out ca.pem -days 2 -subj /CN=tandem-test-ca\n"
          "openssl req -x509 $ec -keyout ca2.key -out ca2.pem -days 2 -subj /CN=tandem-other-ca\n"
          "leaf() { # name ca san eku\n"
          "  openssl req -new $ec -keyout $1.key -out $1.csr -subj /CN=$1\n"
          "  printf 'subjectAltName=%s\\nextendedKeyUsage=%s\\n' \"$3\" \"$4\" > $1.ext\n"
          "  openssl x509 -req -in $1.csr -CA $2.pem -CAkey $2.key -CAcreateserial -out $1.pem -days 2 -extfile "
          "$1.ext\n"
          "}\n"
          "leaf server ca IP:127.0.0.1 serverAuth,clientAuth\n"
          "leaf other ca2 IP:127.0.0.1 serverAuth,clientAuth\n"
          "leaf wrongip ca IP:127.0.0.2 serverAuth,clientAuth\n"
          "leaf client ca IP:127.0.0.1 clientAuth\n";
      const auto scriptPath = certs.dir / "make.sh";
      if (FILE* f = std::fopen(scriptPath.c_str(), "w")) {
        std::fputs(script.c_str(), f);
        std::fclose(f);
      }
      const std::string run = "bash '" + scriptPath.string() + "' >'" + d + "/make.log' 2>&1";
      if (std::system(run.c_str()) != 0) throw std::runtime_error("openssl certificate generation failed, see " + d);
      auto p = [&](const char* n) { return (certs.dir / n).string(); };
      certs.ca = p("ca.pem");
      certs.ca2 = p("ca2.pem");
      certs.serverCert = p("server.pem");
      certs.serverKey = p("server.key");
      certs.otherCaCert = p("other.pem");
      certs.otherCaKey = p("other.key");
      certs.wrongIpCert = p("wrongip.pem");
      certs.wrongIpKey = p("wrongip.key");
      certs.clientCert = p("client.pem");
      certs.clientKey = p("client.key");
    }
    ~Holder() {
      std::error_code ec;
      std::filesystem::remove_all(certs.dir, ec);
    }
  };
  static Holder holder;
  return holder.certs;
}

enum class ServerMode {
  AnswerList,          // [ {"result":0,"text":"ok","arguments":{"echo": <request>}} ]
  AnswerObject,        // the same answer without the list
  AnswerLeaseUpdated,  // Kea's fixed lease4-update answer, nothing recorded (benchmark)
  CloseAfterAnswer,    // answers keep-alive, then closes the socket without a word
  ConnectionClose,     // answers with "Connection: close" and closes
  NeverAnswer,         // reads the request and keeps silent
  BadJson,             // 200 with a body that is not JSON
  Status500,           // 500 with a JSON body
};

struct ServerTls {
  std::string certFile, keyFile;
  std::string clientCa;  // verifies client certificates when set
  bool requireClientCert = false;
};

struct RecordedRequest {
  std::string method;
  std::string target;
  unsigned version = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // in wire order
  std::string body;
};

class PeerTestServer {
 public:
  explicit PeerTestServer(ServerMode mode, std::optional<ServerTls> tls = std::nullopt) : mode_(mode) {
    if (tls) {
      ctx_.emplace(ssl::context::tls_server);
      ctx_->use_certificate_chain_file(tls->certFile);
      ctx_->use_private_key_file(tls->keyFile, ssl::context::pem);
      if (!tls->clientCa.empty()) ctx_->load_verify_file(tls->clientCa);
      if (tls->requireClientCert) {
        ctx_->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
      }
    }
    acceptor_.open(asio::ip::tcp::v4());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind({asio::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    accept();
    thread_ = std::thread([this] { io_.run(); });
  }

  ~PeerTestServer() {
    io_.stop();
    thread_.join();
  }

  std::uint16_t port() const { return port_; }
  std::string url() const {
    return std::string(ctx_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_) + "/";
  }
  std::size_t connections() const { return connections_.load(); }
  std::size_t handshakeFailures() const { return handshakeFailures_.load(); }
  std::vector<RecordedRequest> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  template <class Stream>
  class Session : public std::enable_shared_from_this<Session<Stream>> {
   public:
    Session(PeerTestServer& server, Stream stream) : server_(server), stream_(std::move(stream)) {}

    void start() {
      if constexpr (std::is_same_v<Stream, beast::ssl_stream<beast::tcp_stream>>) {
        stream_.async_handshake(ssl::stream_base::server, [self = this->shared_from_this()](beast::error_code ec) {
          if (ec) {
            ++self->server_.handshakeFailures_;
            return;
          }
          self->read();
        });
      } else {
        read();
      }
    }

   private:
    void read() {
      request_ = {};
      http::async_read(stream_, buffer_, request_,
                       [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                         if (!ec) self->onRequest();
                       });
    }

    void onRequest() {
      if (server_.mode_ != ServerMode::AnswerLeaseUpdated) {
        RecordedRequest r;
        r.method = std::string(request_.method_string());
        r.target = std::string(request_.target());
        r.version = request_.version();
        for (const auto& f : request_) r.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
        r.body = request_.body();
        std::lock_guard lock(server_.mutex_);
        server_.requests_.push_back(std::move(r));
      }
      nlohmann::json echo = nlohmann::json::parse(request_.body(), nullptr, false);
      nlohmann::json answer = {{"result", 0}, {"text", "ok"}, {"arguments", {{"echo", echo}}}};
      switch (server_.mode_) {
        case ServerMode::AnswerList:
          return respond(http::status::ok, nlohmann::json::array({answer}).dump(), true, false);
        case ServerMode::AnswerObject: return respond(http::status::ok, answer.dump(), true, false);
        case ServerMode::AnswerLeaseUpdated:
          return respond(http::status::ok, R"([ { "result": 0, "text": "IPv4 lease updated." } ])", true, false);
        case ServerMode::CloseAfterAnswer:
          return respond(http::status::ok, nlohmann::json::array({answer}).dump(), true, true);
        case ServerMode::ConnectionClose:
          return respond(http::status::ok, nlohmann::json::array({answer}).dump(), false, true);
        case ServerMode::NeverAnswer: {
          std::lock_guard lock(server_.mutex_);
          server_.silent_.push_back(this->shared_from_this());
          return;
        }
        case ServerMode::BadJson: return respond(http::status::ok, "[ { \"result\": 0, ", true, false);
        case ServerMode::Status500:
          return respond(http::status::internal_server_error, R"({ "result": 500, "text": "oops" })", true, false);
      }
    }

    void respond(http::status status, std::string body, bool keepAlive, bool closeAfter) {
      response_ = {status, 11};
      response_.set(http::field::content_type, "application/json");
      response_.keep_alive(keepAlive);
      response_.body() = std::move(body);
      response_.prepare_payload();
      http::async_write(stream_, response_,
                        [self = this->shared_from_this(), closeAfter](beast::error_code ec, std::size_t) {
                          if (ec) return;
                          if (closeAfter) {
                            beast::get_lowest_layer(self->stream_).close();
                            return;
                          }
                          self->read();
                        });
    }

    PeerTestServer& server_;
    Stream stream_;
    beast::flat_buffer buffer_;
    http::request<http::string_body> request_;
    http::response<http::string_body> response_;
  };

  void accept() {
    acceptor_.async_accept([this](beast::error_code ec, asio::ip::tcp::socket socket) {
      if (ec) return;
      ++connections_;
      socket.set_option(asio::ip::tcp::no_delay(true));
      if (ctx_) {
        std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(
            *this, beast::ssl_stream<beast::tcp_stream>(beast::tcp_stream(std::move(socket)), *ctx_))
            ->start();
      } else {
        std::make_shared<Session<beast::tcp_stream>>(*this, beast::tcp_stream(std::move(socket)))->start();
      }
      accept();
    });
  }

  ServerMode mode_;
  std::optional<ssl::context> ctx_;  // outlives io_ and the sessions it holds
  asio::io_context io_{1};
  asio::ip::tcp::acceptor acceptor_{io_};
  std::vector<std::shared_ptr<void>> silent_;  // NeverAnswer sessions kept open
  std::uint16_t port_ = 0;
  std::atomic<std::size_t> connections_{0};
  std::atomic<std::size_t> handshakeFailures_{0};
  mutable std::mutex mutex_;
  std::vector<RecordedRequest> requests_;
  std::thread thread_;
};

}  // namespace tandem::net::testing
