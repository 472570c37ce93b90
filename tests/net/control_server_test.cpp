#include "dhcpd/net/control_server.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <future>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/asio/read.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <gtest/gtest.h>

#include "dhcpd/net/control_json_framer.h"
#include "dhcpd/common/base64.h"
#include "dhcpd/net/http_basic_auth.h"

namespace tandem::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using nlohmann::json;

// Runs a ControlServer on its own io_context thread with a registry of two commands.
class ServerFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/tap-ctrl-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    registry_.add("echo", [](const json& args, const api::CommandContext& ctx) {
      return api::makeAnswer(0, ctx.transport + ":" + ctx.user, args);
    });
    registry_.add("list-commands", [this](const json&, const api::CommandContext&) {
      return api::makeAnswerNoText(0, registry_.names());
    });
    logger_.setOutput(dir_ + "/log");
  }
  void TearDown() override {
    if (server_) {
      asio::post(io_, [this] { server_->stop(); });
    }
    work_.reset();
    if (thread_.joinable()) thread_.join();
    server_.reset();
    std::filesystem::remove_all(dir_);
  }
  void start(std::vector<config::ControlSocket> sockets, ControlServerOptions options = {}) {
    server_ = std::make_unique<ControlServer>(io_, registry_, logger_, options);
    server_->listen(sockets);
    thread_ = std::thread([this] { io_.run(); });
  }
  config::ControlSocket unixSocket() {
    config::ControlSocket s;
    s.socketType = "unix";
    s.socketName = dir_ + "/ctrl";
    return s;
  }
  config::ControlSocket httpSocket() {
    config::ControlSocket s;
    s.socketType = "http";
    s.address = "127.0.0.1";
    s.port = 0;
    return s;
  }

  std::string dir_;
  api::CommandRegistry registry_;
  Logger logger_;
  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_{io_.get_executor()};
  std::unique_ptr<ControlServer> server_;
  std::thread thread_;
};

// Sends `parts` with pauses, then reads until the server closes.
std::string unixExchange(const std::string& path, const std::vector<std::string>& parts, bool halfClose = false) {
  asio::io_context io;
  asio::local::stream_protocol::socket s(io);
  s.connect(asio::local::stream_protocol::endpoint(path));
  for (const auto& p : parts) {
    asio::write(s, asio::buffer(p));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (halfClose) s.shutdown(asio::socket_base::shutdown_send);
  std::string out;
  boost::system::error_code ec;
  asio::read(s, asio::dynamic_buffer(out), ec);
  return out;
}

TEST_F(ServerFixture, UnixRoundTripClosesAfterAnswer) {
  start({unixSocket()});
  auto answer = json::parse(unixExchange(dir_ + "/ctrl", {R"({"command":"echo","arguments":{"a":1}})"}));
  EXPECT_EQ(answer, json::parse(R"({"result":0,"text":"unix:","arguments":{"a":1}})"));
  EXPECT_EQ(std::filesystem::status(dir_ + "/ctrl").permissions() & std::filesystem::perms::others_all,
            std::filesystem::perms::none);
}

TEST_F(ServerFixture, UnixPartialReadsAndServiceList) {
  start({unixSocket()});
  auto answer =
      json::parse(unixExchange(dir_ + "/ctrl", {R"({"command": "ec)", R"(ho", "service": ["dhc)", R"(p4"]})"}));
  ASSERT_TRUE(answer.is_array());
  EXPECT_EQ(answer[0]["result"], 0);
}

TEST_F(ServerFixture, UnixMalformedJson) {
  start({unixSocket()});
  auto a = json::parse(unixExchange(dir_ + "/ctrl", {"garbage"}, true));
  EXPECT_EQ(a["result"], 1);
  auto b = json::parse(unixExchange(dir_ + "/ctrl", {R"({"command": "echo", )"}, true));
  EXPECT_EQ(b["result"], 1);
  auto c = json::parse(unixExchange(dir_ + "/ctrl", {R"({"command": "nope"})"}));
  EXPECT_EQ(c["result"], 2);
}

TEST_F(ServerFixture, UnixSizeLimit) {
  ControlServerOptions o;
  o.maxRequestBytes = 1000;
  start({unixSocket()}, o);
  std::string big = R"({"command":"echo","arguments":{"x":")" + std::string(5000, 'a') + "\"}}";
  auto a = json::parse(unixExchange(dir_ + "/ctrl", {big}));
  EXPECT_EQ(a["result"], 1);
  EXPECT_NE(a["text"].get<std::string>().find("maximum size"), std::string::npos);
}

TEST_F(ServerFixture, UnixSlowClientIsDisconnected) {
  ControlServerOptions o;
  o.requestTimeout = std::chrono::milliseconds(200);
  start({unixSocket()}, o);
  auto t0 = std::chrono::steady_clock::now();
  auto out = unixExchange(dir_ + "/ctrl", {R"({"command":)"});
  EXPECT_TRUE(out.empty());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(3));
  // The server still serves others.
  EXPECT_EQ(json::parse(unixExchange(dir_ + "/ctrl", {R"({"command":"echo"})"}))["result"], 0);
}

TEST_F(ServerFixture, UnixRefusesSocketOfRunningServer) {
  start({unixSocket()});
  asio::io_context other;
  Logger log;
  log.setOutput(dir_ + "/log2");
  ControlServer second(other, registry_, log);
  EXPECT_THROW(second.listen({unixSocket()}), std::runtime_error);
}

struct HttpReply {
  unsigned status = 0;
  std::string body;
  std::string wwwAuthenticate;
};

template <class Stream>
HttpReply httpPost(Stream& stream, beast::flat_buffer& buffer, const std::string& body,
                   http::verb verb = http::verb::post, const std::string& auth = "", bool keepAlive = true) {
  http::request<http::string_body> req(verb, "/", 11);
  req.set(http::field::host, "127.0.0.1");
  req.set(http::field::content_type, "application/json");
  if (!auth.empty()) req.set(http::field::authorization, "Basic " + encodeBase64(auth));
  req.keep_alive(keepAlive);
  req.body() = body;
  req.prepare_payload();
  http::write(stream, req);
  http::response<http::string_body> res;
  http::read(stream, buffer, res);
  return {res.result_int(), res.body(), std::string(res[http::field::www_authenticate])};
}

TEST_F(ServerFixture, HttpKeepAliveAndShapes) {
  start({httpSocket()});
  auto port = server_->boundPorts().at(0);
  asio::io_context io;
  beast::tcp_stream s(io);
  s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  beast::flat_buffer buf;
  for (int i = 0; i < 3; ++i) {  // same connection
    auto r = httpPost(s, buf, R"({"command":"echo","service":["dhcp4"]})");
    EXPECT_EQ(r.status, 200u);
    EXPECT_EQ(json::parse(r.body), json::parse(R"([{"result":0,"text":"http:"}])"));
  }
  auto plain = httpPost(s, buf, R"({"command":"echo"})");
  EXPECT_EQ(json::parse(plain.body), json::parse(R"({"result":0,"text":"http:"})"));
  auto bad = httpPost(s, buf, R"({"command":)");
  EXPECT_EQ(json::parse(bad.body)["result"], 1);
  auto get = httpPost(s, buf, "", http::verb::get);
  EXPECT_EQ(get.status, 405u);
}

HttpReply httpGet(beast::tcp_stream& stream, beast::flat_buffer& buffer, const std::string& target,
                  const std::string& auth = "", std::string* contentType = nullptr) {
  http::request<http::string_body> req(http::verb::get, target, 11);
  req.set(http::field::host, "127.0.0.1");
  if (!auth.empty()) req.set(http::field::authorization, "Basic " + encodeBase64(auth));
  http::write(stream, req);
  http::response<http::string_body> res;
  http::read(stream, buffer, res);
  if (contentType) *contentType = std::string(res[http::field::content_type]);
  return {res.result_int(), res.body(), std::string(res[http::field::www_authenticate])};
}

TEST_F(ServerFixture, HttpGetRoutesExactPrefixAuthAndNotFound) {
  auto sock = httpSocket();
  sock.users = {{"alice", "a-secret"}};
  ControlServerOptions o;
  std::thread::id routeThread;
  o.getRoutes["/metrics"] = [&](std::string_view path, std::string_view query) {
    routeThread = std::this_thread::get_id();
    return HttpGetReply{200, "text/plain; version=0.0.4", "m " + std::string(path) + " q=" + std::string(query), {}};
  };
  o.getRoutes["/ui/"] = [](std::string_view path, std::string_view) {
    return HttpGetReply{200, "text/html", "page " + std::string(path), {{"Cache-Control", "no-store"}}};
  };
  start({sock}, o);
  asio::io_context io;
  beast::tcp_stream s(io);
  s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->boundPorts().at(0)));
  beast::flat_buffer buf;
  EXPECT_EQ(httpGet(s, buf, "/metrics").status, 401u);  // same auth as the commands
  std::string type;
  auto m = httpGet(s, buf, "/metrics?name=x", "alice:a-secret", &type);
  EXPECT_EQ(m.status, 200u);
  EXPECT_EQ(m.body, "m /metrics q=name=x");
  EXPECT_EQ(type, "text/plain; version=0.0.4");
  EXPECT_EQ(routeThread, thread_.get_id());  // on the command executor
  EXPECT_EQ(httpGet(s, buf, "/ui/app.js", "alice:a-secret").body, "page /ui/app.js");
  // No route: Kea's Control Agent answer to any GET.
  EXPECT_EQ(httpGet(s, buf, "/metricsx", "alice:a-secret").status, 405u);
  EXPECT_EQ(httpGet(s, buf, "/ui", "alice:a-secret").status, 405u);  // prefix keys match below the '/'
  // Commands still work on the same connection.
  auto cmd = httpPost(s, buf, R"({"command":"echo"})", http::verb::post, "alice:a-secret");
  EXPECT_EQ(json::parse(cmd.body)["text"], "http:alice");
  EXPECT_EQ(httpPost(s, buf, "", http::verb::put, "alice:a-secret").status, 405u);
}

TEST_F(ServerFixture, HttpBodyLimit413) {
  ControlServerOptions o;
  o.maxRequestBytes = 1000;
  start({httpSocket()}, o);
  asio::io_context io;
  beast::tcp_stream s(io);
  s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->boundPorts().at(0)));
  beast::flat_buffer buf;
  auto r = httpPost(s, buf, R"({"command":"echo","arguments":{"x":")" + std::string(5000, 'a') + "\"}}");
  EXPECT_EQ(r.status, 413u);
}

TEST_F(ServerFixture, HttpBasicAuthSeveralUsers) {
  auto sock = httpSocket();
  sock.users = {{"alice", "a-secret"}, {"bob", "b-secret"}};
  sock.realm = "tandem-test";
  start({sock});
  asio::io_context io;
  beast::tcp_stream s(io);
  s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->boundPorts().at(0)));
  beast::flat_buffer buf;
  auto none = httpPost(s, buf, R"({"command":"echo"})");
  EXPECT_EQ(none.status, 401u);
  EXPECT_EQ(none.wwwAuthenticate, "Basic realm=\"tandem-test\"");
  EXPECT_EQ(httpPost(s, buf, R"({"command":"echo"})", http::verb::post, "alice:wrong").status, 401u);
  EXPECT_EQ(httpPost(s, buf, R"({"command":"echo"})", http::verb::post, "mallory:b-secret").status, 401u);
  auto ok = httpPost(s, buf, R"({"command":"echo"})", http::verb::post, "bob:b-secret");
  EXPECT_EQ(ok.status, 200u);
  EXPECT_EQ(json::parse(ok.body)["text"], "http:bob");
}

TEST_F(ServerFixture, HttpSlowClientIsDisconnected) {
  ControlServerOptions o;
  o.requestTimeout = std::chrono::milliseconds(200);
  start({httpSocket()}, o);
  auto port = server_->boundPorts().at(0);
  asio::io_context io;
  tcp::socket slow(io);
  slow.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  asio::write(slow, asio::buffer(std::string("POST / HTTP/1.1\r\nContent-Length: 100\r\n\r\n{")));
  std::string rest;
  boost::system::error_code ec;
  auto t0 = std::chrono::steady_clock::now();
  asio::read(slow, asio::dynamic_buffer(rest), ec);  // returns when the server closes
  EXPECT_TRUE(ec == asio::error::eof || ec == asio::error::connection_reset) << ec.message();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(3));
}

// One POST with Connection: close on a fresh connection: the raw answer ("" when the
// listener closed the connection at accept).
std::string postOnce(std::uint16_t port) {
  asio::io_context io;
  tcp::socket s(io);
  s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  const std::string body = R"({"command":"echo"})";
  const std::string req =
      "POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\n"
      "Content-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body;
  boost::system::error_code ec;
  asio::write(s, asio::buffer(req), ec);
  std::string out;
  asio::read(s, asio::dynamic_buffer(out), ec);
  return out;
}

// Slow clients from one host (connections that send nothing) cannot take every slot, and
// the reserved addresses (the HA peers) get in whatever is open.
TEST_F(ServerFixture, HttpConnectionsCappedPerAddressExceptReserved) {
  std::atomic<bool> reserve{false};
  ControlServerOptions o;
  o.maxConnectionsPerAddress = 3;
  o.reservedAddress = [&reserve](std::string_view a) { return reserve.load() && a == "127.0.0.1"; };
  start({httpSocket()}, o);
  auto port = server_->boundPorts().at(0);
  asio::io_context io;
  std::vector<tcp::socket> idle;
  for (int i = 0; i < 3; ++i) {
    idle.emplace_back(io);
    idle.back().connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // accepted and counted
  EXPECT_EQ(postOnce(port), "");                                // a fourth from the same address is refused
  reserve = true;
  EXPECT_NE(postOnce(port).find("HTTP/1.1 200"), std::string::npos);  // a peer always gets in
  reserve = false;
  idle.pop_back();  // closing one frees its slot
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_NE(postOnce(port).find("HTTP/1.1 200"), std::string::npos);
}

TEST_F(ServerFixture, HttpManyConcurrentClients) {
  start({httpSocket()});
  auto port = server_->boundPorts().at(0);
  std::vector<std::thread> clients;
  std::atomic<int> ok{0};
  for (int c = 0; c < 16; ++c) {
    clients.emplace_back([&] {
      asio::io_context io;
      beast::tcp_stream s(io);
      s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
      beast::flat_buffer buf;
      for (int i = 0; i < 20; ++i) {
        if (httpPost(s, buf, R"({"command":"echo"})").status == 200) ++ok;
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(ok.load(), 16 * 20);
}

TEST_F(ServerFixture, ReListenKeepsUnchangedSocketsAndDropsOthers) {
  start({unixSocket(), httpSocket()});
  auto port = server_->boundPorts().at(0);
  std::promise<void> done;
  asio::post(io_, [&] {
    server_->listen({unixSocket()});
    done.set_value();
  });
  done.get_future().wait();
  EXPECT_TRUE(server_->boundPorts().empty());
  EXPECT_EQ(json::parse(unixExchange(dir_ + "/ctrl", {R"({"command":"echo"})"}))["result"], 0);
  asio::io_context io;
  tcp::socket s(io);
  boost::system::error_code ec;
  s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
  EXPECT_TRUE(ec);
}

// Group commit hooks: a fake "server" that records when writes are deferred and holds each
// command's durability callback until the test releases it. All state lives on io_'s thread.
class DurableFixture : public ServerFixture {
 protected:
  void SetUp() override {
    ServerFixture::SetUp();
    registry_.add("write", [this](const json&, const api::CommandContext&) {
      handlerSawDeferred_ = deferred_;
      return api::makeAnswer(0, "IPv4 lease updated.");
    });
  }
  ControlServerOptions hooks() {
    ControlServerOptions o;
    o.deferWrites = [this](bool on) {
      deferred_ = on;
      calls_.push_back(on);
    };
    o.whenDurable = [this](std::function<void(Result<void>)> done) {
      EXPECT_FALSE(deferred_);  // the command finished before its answer is held
      waiters_.push_back(std::move(done));
      waiting_.set_value();
    };
    return o;
  }
  // Runs `fn` on the server's thread and waits for it.
  void onServer(std::function<void()> fn) {
    std::promise<void> done;
    asio::post(io_, [&] {
      fn();
      done.set_value();
    });
    done.get_future().wait();
  }
  std::future<HttpReply> postAsync(std::uint16_t port, std::string body) {
    return std::async(std::launch::async, [port, body] {
      asio::io_context io;
      beast::tcp_stream s(io);
      s.expires_after(std::chrono::seconds(10));
      s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
      beast::flat_buffer buf;
      return httpPost(s, buf, body);
    });
  }

  bool deferred_ = false;
  bool handlerSawDeferred_ = false;
  std::vector<bool> calls_;
  std::vector<std::function<void(Result<void>)>> waiters_;
  std::promise<void> waiting_;
};

TEST_F(DurableFixture, AnswerWaitsUntilWritesAreDurable) {
  start({httpSocket()}, hooks());
  auto reply = postAsync(server_->boundPorts().at(0), R"({"command":"write","service":["dhcp4"]})");
  waiting_.get_future().wait();  // the handler ran; its answer is now held
  EXPECT_EQ(reply.wait_for(std::chrono::milliseconds(200)), std::future_status::timeout);
  onServer([this] {
    EXPECT_TRUE(handlerSawDeferred_);
    EXPECT_EQ(calls_, (std::vector<bool>{true, false}));
    ASSERT_EQ(waiters_.size(), 1u);
    waiters_.front()({});
  });
  auto r = reply.get();
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(json::parse(r.body), json::parse(R"([{"result":0,"text":"IPv4 lease updated."}])"));
}

TEST_F(DurableFixture, WritesThatFailToBecomeDurableAnswerAnError) {
  start({httpSocket()}, hooks());
  auto listReply = postAsync(server_->boundPorts().at(0), R"({"command":"write","service":["dhcp4"]})");
  waiting_.get_future().wait();
  onServer([this] { waiters_.front()(makeError("No space left on device")); });
  auto r = listReply.get();
  EXPECT_EQ(r.status, 200u);
  auto a = json::parse(r.body);
  ASSERT_TRUE(a.is_array()) << r.body;  // framed like the handler's answer
  EXPECT_EQ(a[0]["result"], 1);
  EXPECT_NE(a[0]["text"].get<std::string>().find("No space left on device"), std::string::npos);

  waiting_ = {};
  auto plainReply = postAsync(server_->boundPorts().at(0), R"({"command":"write"})");
  waiting_.get_future().wait();
  onServer([this] { waiters_.back()(makeError("Input/output error")); });
  auto p = json::parse(plainReply.get().body);
  ASSERT_TRUE(p.is_object());
  EXPECT_EQ(p["result"], 1);
}

TEST_F(DurableFixture, WithoutHooksAnswersAtOnceAndNeverDefers) {
  start({httpSocket()});
  auto r = postAsync(server_->boundPorts().at(0), R"({"command":"write"})").get();
  EXPECT_EQ(json::parse(r.body)["result"], 0);
  onServer([this] {
    EXPECT_FALSE(handlerSawDeferred_);
    EXPECT_TRUE(calls_.empty());
  });
}

// Throwaway PKI made with the openssl CLI: a CA, a server cert for 127.0.0.1, a client cert.
class TlsFixture : public ServerFixture {
 protected:
  void SetUp() override {
    ServerFixture::SetUp();
    const std::string d = dir_;
    std::string script =
        "cd " + d +
        " && "
        "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj /CN=tap-ca 2>/dev/null && "
        "openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=127.0.0.1 2>/dev/null && "
        "printf 'subjectAltName=IP:127.0.0.1\\n' > ext && "
        "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 -extfile ext 2>/dev/null && "
        "openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr -subj /CN=tap-client 2>/dev/null && "
        "openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out client.pem -days 2 2>/dev/null";
    ASSERT_EQ(std::system(script.c_str()), 0);
  }
  config::ControlSocket httpsSocket(bool required) {
    auto s = httpSocket();
    s.socketType = "https";
    s.certFile = dir_ + "/server.pem";
    s.keyFile = dir_ + "/server.key";
    s.trustAnchor = dir_ + "/ca.pem";
    s.certRequired = required;
    return s;
  }
  // Returns the HTTP status, or 0 when the TLS handshake or exchange failed.
  unsigned tlsPost(std::uint16_t port, bool withClientCert) {
    asio::io_context io;
    ssl::context ctx(ssl::context::tls_client);
    ctx.load_verify_file(dir_ + "/ca.pem");
    ctx.set_verify_mode(ssl::verify_peer);
    if (withClientCert) {
      ctx.use_certificate_chain_file(dir_ + "/client.pem");
      ctx.use_private_key_file(dir_ + "/client.key", ssl::context::pem);
    }
    beast::ssl_stream<beast::tcp_stream> s(io, ctx);
    beast::get_lowest_layer(s).expires_after(std::chrono::seconds(5));
    try {
      beast::get_lowest_layer(s).connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
      s.handshake(ssl::stream_base::client);
      beast::flat_buffer buf;
      auto r = httpPost(s, buf, R"({"command":"echo"})");
      if (r.status == 200) {
        EXPECT_EQ(json::parse(r.body)["text"], "https:");
      }
      return r.status;
    } catch (const std::exception&) {
      return 0;
    }
  }
};

TEST_F(TlsFixture, RequiredClientCertificate) {
  start({httpsSocket(true)});
  auto port = server_->boundPorts().at(0);
  EXPECT_EQ(tlsPost(port, true), 200u);
  EXPECT_EQ(tlsPost(port, false), 0u);
}

TEST_F(TlsFixture, OptionalClientCertificate) {
  start({httpsSocket(false)});
  auto port = server_->boundPorts().at(0);
  EXPECT_EQ(tlsPost(port, true), 200u);
  EXPECT_EQ(tlsPost(port, false), 200u);
}

TEST_F(TlsFixture, BadKeyFileFailsAtStartup) {
  auto s = httpsSocket(true);
  s.keyFile = dir_ + "/missing.key";
  ControlServer server(io_, registry_, logger_);
  EXPECT_THROW(server.listen({s}), std::runtime_error);
}

TEST(ControlJsonFramer, FindsEndAcrossChunksAndStrings) {
  ControlJsonFramer f;
  std::string buf = R"({"a": "}{\"")";
  EXPECT_EQ(f.feed(buf), ControlJsonFramer::State::NeedMore);
  buf += R"(, "b": [1, {"c": 2}]} trailing)";
  EXPECT_EQ(f.feed(buf), ControlJsonFramer::State::Complete);
  EXPECT_EQ(json::parse(buf.substr(0, f.end()))["b"][1]["c"], 2);
  ControlJsonFramer g;
  EXPECT_EQ(g.feed("  garbage"), ControlJsonFramer::State::NotJsonContainer);
}

TEST(HttpBasicAuth, Credentials) {
  std::vector<config::ControlSocket::User> users{{"kea-ha", "anchor-test"}};
  EXPECT_EQ(checkBasicAuth("Basic a2VhLWhhOmFuY2hvci10ZXN0", users), "kea-ha");
  EXPECT_EQ(checkBasicAuth("basic  a2VhLWhhOmFuY2hvci10ZXN0 ", users), "kea-ha");
  EXPECT_FALSE(checkBasicAuth("Bearer a2VhLWhhOmFuY2hvci10ZXN0", users));
  EXPECT_FALSE(checkBasicAuth("Basic " + encodeBase64("kea-ha:anchor-tes"), users));
  EXPECT_FALSE(checkBasicAuth("Basic " + encodeBase64("kea-haanchor-test"), users));
}

}  // namespace
}  // namespace tandem::net
