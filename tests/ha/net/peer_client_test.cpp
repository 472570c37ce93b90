// PeerClient against a loopback Beast server (tests/ha/net/peer_test_server.h), plain and TLS.
#include "ha/net/peer_client.h"

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "ha/net/peer_endpoint.h"
#include "tests/ha/net/peer_test_server.h"

namespace tandem::net {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using json = nlohmann::json;
using testing::PeerTestServer;
using testing::ServerMode;
using testing::ServerTls;
using testing::testCerts;
using Clock = std::chrono::steady_clock;

// Runs the client's io_context until `done` or `limit`; every test stays bounded.
bool runUntil(asio::io_context& io, const std::function<bool()>& done, std::chrono::milliseconds limit = 5s) {
  const auto end = Clock::now() + limit;
  while (!done() && Clock::now() < end) {
    io.restart();
    io.run_for(2ms);
  }
  return done();
}

// For state the server thread updates: polls briefly, bounded.
bool eventually(const std::function<bool()>& done, std::chrono::milliseconds limit = 2s) {
  const auto end = Clock::now() + limit;
  while (!done() && Clock::now() < end) std::this_thread::sleep_for(1ms);
  return done();
}

json leaseUpdate(int id) {
  return {{"command", "lease4-update"},
          {"arguments",
           {{"client-id", "01:00:0c:01:02:03:04"},
            {"expire", 1795338859},
            {"force-create", true},
            {"fqdn-fwd", false},
            {"fqdn-rev", false},
            {"hostname", ""},
            {"hw-address", "00:0c:01:02:03:04"},
            // One address per id: updates for one address are serialised (ordering rule).
            {"ip-address", "198.18." + std::to_string(16 + id / 256) + "." + std::to_string(id % 256)},
            {"state", 0},
            {"subnet-id", 1},
            {"valid-lft", 4000},
            {"id", id}}}};
}

PeerClientConfig cfg(std::string url, std::size_t connections = 4, std::chrono::milliseconds timeout = 10s,
                     std::size_t maxPending = 65536) {
  PeerClientConfig c;
  c.url = std::move(url);
  c.connections = connections;
  c.requestTimeout = timeout;
  c.maxPending = maxPending;
  return c;
}

PeerClientConfig tlsCfg(std::string url, std::string trustAnchor, std::string certFile = {}, std::string keyFile = {}) {
  PeerClientConfig c = cfg(std::move(url));
  c.trustAnchor = std::move(trustAnchor);
  c.certFile = std::move(certFile);
  c.keyFile = std::move(keyFile);
  return c;
}

struct Outcome {
  std::optional<Result<json>> result;
  Clock::time_point at;
};

class PeerClientTest : public ::testing::Test {
 protected:
  std::unique_ptr<PeerClient> makeClient(PeerClientConfig cfg) {
    auto c = PeerClient::create(io_, std::move(cfg), logger_);
    EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().message);
    return c.ok() ? std::move(*c) : nullptr;
  }

  // Sends one command and waits for its answer.
  Result<json> roundTrip(PeerClient& client, json command, std::chrono::milliseconds limit = 5s) {
    std::optional<Result<json>> out;
    client.send(std::move(command), [&](Result<json> r) { out.emplace(std::move(r)); });
    EXPECT_TRUE(runUntil(
        io_, [&] { return out.has_value(); }, limit))
        << "no callback in time";
    if (!out) return makeError("no callback");
    return std::move(*out);
  }

  static PeerClientConfig tlsConfig(const PeerTestServer& server) {
    const auto& c = testCerts();
    PeerClientConfig cfg;
    cfg.url = server.url();
    cfg.trustAnchor = c.ca;
    cfg.certFile = c.clientCert;
    cfg.keyFile = c.clientKey;
    return cfg;
  }

  static ServerTls mutualTls() {
    const auto& c = testCerts();
    return ServerTls{c.serverCert, c.serverKey, c.ca, true};
  }

  static int code(const Result<json>& r) { return r.ok() ? 0 : r.error().code; }

  asio::io_context io_;
  Logger logger_;
};

TEST_F(PeerClientTest, RoundTripSendsExactlyKeaHeaders) {
  PeerTestServer server(ServerMode::AnswerList);
  PeerClientConfig cfg;
  cfg.url = server.url();
  cfg.basicAuthUser = "kea-ha";
  cfg.basicAuthPassword = "anchor-test";
  auto client = makeClient(cfg);
  auto r = roundTrip(*client, leaseUpdate(7));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ((*r)["result"], 0);
  EXPECT_EQ((*r)["arguments"]["echo"]["arguments"]["id"], 7);

  const auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 1u);
  const auto& q = reqs[0];
  EXPECT_EQ(q.method, "POST");
  EXPECT_EQ(q.target, "/");
  EXPECT_EQ(q.version, 11u);
  const json body = json::parse(q.body);
  // Field set and order as captured from Kea 2.2 (kea-wire/lease4-update.http.txt); the
  // credentials are the capture's, so the base64 must match byte for byte.
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"Host", "127.0.0.1"},
      {"Authorization", "Basic a2VhLWhhOmFuY2hvci10ZXN0"},
      {"Content-Length", std::to_string(q.body.size())},
      {"Content-Type", "application/json"},
  };
  EXPECT_EQ(q.headers, expected);
  EXPECT_EQ(body["service"], json::array({"dhcp4"}));
  EXPECT_EQ(body["command"], "lease4-update");
  EXPECT_EQ(body["arguments"]["ip-address"], "198.18.16.7");
}

TEST_F(PeerClientTest, NoAuthorizationWithoutUserAndCallerServiceKept) {
  PeerTestServer server(ServerMode::AnswerList);
  auto client = makeClient(cfg(server.url()));
  auto r = roundTrip(*client, {{"command", "ha-heartbeat"}, {"service", json::array({"dhcp4", "x"})}});
  ASSERT_TRUE(r.ok()) << r.error().message;
  const auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 1u);
  for (const auto& [name, value] : reqs[0].headers) EXPECT_NE(name, "Authorization");
  EXPECT_EQ(json::parse(reqs[0].body)["service"], json::array({"dhcp4", "x"}));
}

// A batched update written by its sender (sendText): the body goes out byte for byte with
// Kea's headers, queued behind heartbeats like any lease update, and the answer is parsed.
TEST_F(PeerClientTest, SendTextSendsTheBodyAsGiven) {
  PeerTestServer server(ServerMode::AnswerList);
  auto client = makeClient(cfg(server.url(), 1));
  const std::string body =
      R"({"command":"tandem-lease4-bulk-apply","service":["dhcp4"],"arguments":{"server-name":"s1","leases":"x\n"}})";
  std::vector<std::string> order;
  std::optional<Result<json>> answer;
  client->sendText(
      body,
      [&](Result<json> r) {
        order.push_back("text");
        answer.emplace(std::move(r));
      },
      5s);
  client->sendText(
      body, [&](Result<json>) { order.push_back("text2"); }, 5s);
  client->send({{"command", "ha-heartbeat"}}, [&](Result<json>) { order.push_back("heartbeat"); });
  ASSERT_TRUE(runUntil(io_, [&] { return order.size() == 3; }));
  EXPECT_EQ(order, (std::vector<std::string>{"text", "heartbeat", "text2"}));
  ASSERT_TRUE(answer && answer->ok());
  EXPECT_EQ((**answer)["result"], 0);
  const auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(reqs[0].body, body);
  EXPECT_EQ(reqs[0].headers.back(), (std::pair<std::string, std::string>{"Content-Type", "application/json"}));
}

// Raw answers (the bulk sync's pages) come as text, and each is read into the buffer of the
// previous one: a sync page of megabytes costs no fresh memory (no page faults) once the
// first pages came. A smaller answer after a bigger one must not keep the bigger one's tail.
TEST_F(PeerClientTest, SendRawReadsEachAnswerIntoThePreviousAnswersBuffer) {
  PeerTestServer server(ServerMode::AnswerList);
  auto client = makeClient(cfg(server.url(), 1));
  auto rawTrip = [&](std::size_t padding, const void** data) {
    std::optional<std::string> text;
    client->sendRaw(
        {{"command", "tandem-lease4-sync-page"}, {"arguments", {{"pad", std::string(padding, 'x')}}}},
        [&](Result<std::string_view> r) {
          ASSERT_TRUE(r.ok()) << r.error().message;
          *data = r->data();
          text.emplace(*r);
        },
        5s);
    EXPECT_TRUE(runUntil(io_, [&] { return text.has_value(); }));
    return text.value_or("");
  };
  const void* first = nullptr;
  const void* second = nullptr;
  const void* third = nullptr;
  const std::string big = rawTrip(200000, &first);
  const std::string small = rawTrip(10, &second);
  (void)rawTrip(100000, &third);
  auto pad = [](const std::string& body) {
    return json::parse(body)[0]["arguments"]["echo"]["arguments"]["pad"].get<std::string>().size();
  };
  EXPECT_EQ(pad(big), 200000u);
  EXPECT_EQ(pad(small), 10u);
  EXPECT_EQ(json::parse(small).size(), 1u);
  // One connection, one request at a time: every answer landed in the first one's buffer.
  EXPECT_EQ(second, first);
  EXPECT_EQ(third, first);
}

TEST_F(PeerClientTest, AcceptsBareObjectAnswer) {
  PeerTestServer server(ServerMode::AnswerObject);
  auto client = makeClient(cfg(server.url()));
  auto r = roundTrip(*client, {{"command", "ha-heartbeat"}});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ((*r)["text"], "ok");
  EXPECT_EQ((*r)["arguments"]["echo"]["command"], "ha-heartbeat");
}

TEST_F(PeerClientTest, ThousandConcurrentRequestsAllAnsweredOverFourConnections) {
  PeerTestServer server(ServerMode::AnswerList);
  auto client = makeClient(cfg(server.url(), 4));
  constexpr int kCount = 1000;
  int answered = 0;
  int mismatched = 0;
  std::size_t maxOpen = 0;
  for (int i = 0; i < kCount; ++i) {
    client->send(leaseUpdate(i), [&, i](Result<json> r) {
      if (!r.ok() || (*r)["arguments"]["echo"]["arguments"]["id"] != i) ++mismatched;
      ++answered;
    });
  }
  EXPECT_EQ(client->inFlight(), static_cast<std::size_t>(kCount));
  ASSERT_TRUE(runUntil(
      io_,
      [&] {
        maxOpen = std::max(maxOpen, client->openConnections());
        return answered == kCount;
      },
      10s));
  EXPECT_EQ(mismatched, 0);
  EXPECT_EQ(client->inFlight(), 0u);
  EXPECT_LE(maxOpen, 4u);
  EXPECT_LE(server.connections(), 4u);
  EXPECT_GE(server.connections(), 2u);  // the load did spread over the pool
  EXPECT_EQ(server.requests().size(), static_cast<std::size_t>(kCount));
}

TEST_F(PeerClientTest, HeartbeatsOvertakeQueuedLeaseUpdates) {
  PeerTestServer server(ServerMode::AnswerList);
  auto client = makeClient(cfg(server.url(), 1));
  std::vector<std::string> order;
  for (int i = 0; i < 6; ++i) {
    client->send(leaseUpdate(i), [&, i](Result<json> r) {
      EXPECT_TRUE(r.ok());
      order.push_back("update" + std::to_string(i));
    });
  }
  // update0 is on the wire; update1..5 wait for the only connection.
  for (int i = 0; i < 2; ++i) {
    client->send({{"command", "ha-heartbeat"}}, [&, i](Result<json> r) {
      EXPECT_TRUE(r.ok());
      order.push_back("heartbeat" + std::to_string(i));
    });
  }
  ASSERT_TRUE(runUntil(
      io_, [&] { return order.size() == 8; }, 10s));
  EXPECT_EQ(order, (std::vector<std::string>{"update0", "heartbeat0", "heartbeat1", "update1", "update2", "update3",
                                             "update4", "update5"}));
}

TEST_F(PeerClientTest, UpdatesForOneAddressKeepTheirOrderAcrossConnections) {
  // An update and a later lease4-del for one address must not overtake each other on two
  // connections: the partner would keep a released lease.
  PeerTestServer server(ServerMode::AnswerList);
  auto client = makeClient(cfg(server.url(), 8));
  constexpr int kCount = 400;
  int answered = 0;
  for (int i = 0; i < kCount; ++i) {
    json cmd = leaseUpdate(i);
    cmd["arguments"]["ip-address"] = "198.18.0." + std::to_string(10 + i % 2);
    if (i % 4 == 3) cmd["command"] = "lease4-del";
    client->send(cmd, [&](Result<json> r) {
      EXPECT_TRUE(r.ok());
      ++answered;
    });
  }
  ASSERT_TRUE(runUntil(
      io_, [&] { return answered == kCount; }, 10s));
  std::map<std::string, int> last;
  int checked = 0;
  for (const auto& req : server.requests()) {
    const json body = json::parse(req.body);
    const std::string ip = body["arguments"]["ip-address"];
    const int id = body["arguments"]["id"];
    auto it = last.find(ip);
    if (it != last.end()) {
      EXPECT_LT(it->second, id) << ip << " reordered";
    }
    last[ip] = id;
    ++checked;
  }
  EXPECT_EQ(checked, kCount);
  EXPECT_EQ(last.size(), 2u);
}

TEST_F(PeerClientTest, LightLoadReusesOneConnection) {
  PeerTestServer server(ServerMode::AnswerList);
  auto client = makeClient(cfg(server.url(), 4));
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(roundTrip(*client, leaseUpdate(i)).ok());
  EXPECT_EQ(server.connections(), 1u);
  EXPECT_EQ(client->openConnections(), 1u);
}

TEST_F(PeerClientTest, ReconnectsWhenServerClosedIdleConnection) {
  PeerTestServer server(ServerMode::CloseAfterAnswer);
  auto client = makeClient(cfg(server.url(), 1));
  for (int i = 0; i < 5; ++i) {
    auto r = roundTrip(*client, leaseUpdate(i));
    ASSERT_TRUE(r.ok()) << "request " << i << ": " << r.error().message;
    EXPECT_EQ((*r)["arguments"]["echo"]["arguments"]["id"], i);
  }
  EXPECT_EQ(server.connections(), 5u);
  EXPECT_EQ(server.requests().size(), 5u);  // no request lost, none doubled
}

TEST_F(PeerClientTest, HonoursConnectionCloseHeader) {
  PeerTestServer server(ServerMode::ConnectionClose);
  auto client = makeClient(cfg(server.url(), 1));
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(roundTrip(*client, leaseUpdate(i)).ok());
  EXPECT_EQ(server.connections(), 3u);
  EXPECT_EQ(client->openConnections(), 0u);
}

TEST_F(PeerClientTest, ConnectRefusedIsConnectError) {
  std::uint16_t port = 0;
  {
    asio::ip::tcp::acceptor a(io_, {asio::ip::make_address("127.0.0.1"), 0});
    port = a.local_endpoint().port();
  }  // closed again: nothing listens there now
  auto client = makeClient(cfg("http://127.0.0.1:" + std::to_string(port) + "/"));
  auto r = roundTrip(*client, {{"command", "ha-heartbeat"}}, 2s);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, static_cast<int>(PeerError::Connect));
  EXPECT_EQ(client->inFlight(), 0u);
}

TEST_F(PeerClientTest, SilentServerTimesOutWithinConfiguredTime) {
  PeerTestServer server(ServerMode::NeverAnswer);
  auto client = makeClient(cfg(server.url(), 1, 300ms));
  // One request on the wire and two waiting for the only connection: all three must fail
  // by their own deadline.
  std::vector<Outcome> outcomes(3);
  const auto start = Clock::now();
  for (auto& o : outcomes) {
    client->send({{"command", "ha-heartbeat"}}, [&o](Result<json> r) {
      o.result.emplace(std::move(r));
      o.at = Clock::now();
    });
  }
  ASSERT_TRUE(runUntil(
      io_,
      [&] {
        return std::all_of(outcomes.begin(), outcomes.end(), [](const Outcome& o) { return o.result.has_value(); });
      },
      3s));
  for (const auto& o : outcomes) {
    ASSERT_FALSE(o.result->ok());
    EXPECT_EQ(o.result->error().code, static_cast<int>(PeerError::Timeout)) << o.result->error().message;
    EXPECT_GE(o.at - start, 290ms);
    EXPECT_LT(o.at - start, 1000ms);
  }
  EXPECT_EQ(client->inFlight(), 0u);
}

TEST_F(PeerClientTest, PerRequestTimeoutOverridesDefault) {
  PeerTestServer server(ServerMode::NeverAnswer);
  auto client = makeClient(cfg(server.url(), 4, 10s));
  std::optional<Result<json>> out;
  const auto start = Clock::now();
  client->send(
      {{"command", "lease4-get-page"}}, [&](Result<json> r) { out.emplace(std::move(r)); }, 200ms);
  ASSERT_TRUE(runUntil(
      io_, [&] { return out.has_value(); }, 2s));
  EXPECT_EQ(code(*out), static_cast<int>(PeerError::Timeout));
  EXPECT_LT(Clock::now() - start, 1s);
}

TEST_F(PeerClientTest, QueuedRequestFailsByItsOwnDeadlineWhileConnectionIsBusy) {
  PeerTestServer server(ServerMode::NeverAnswer);
  auto client = makeClient(cfg(server.url(), 1, 5s));
  std::optional<Result<json>> slow, quick;
  client->send({{"command", "ha-sync"}}, [&](Result<json> r) { slow.emplace(std::move(r)); });
  const auto start = Clock::now();
  client->send(
      {{"command", "ha-heartbeat"}}, [&](Result<json> r) { quick.emplace(std::move(r)); }, 200ms);
  ASSERT_TRUE(runUntil(
      io_, [&] { return quick.has_value(); }, 2s));
  EXPECT_EQ(code(*quick), static_cast<int>(PeerError::Timeout));
  EXPECT_LT(Clock::now() - start, 1s);
  EXPECT_FALSE(slow.has_value());
  EXPECT_EQ(client->inFlight(), 1u);
  EXPECT_EQ(server.requests().size(), 1u);  // the quick one never reached the wire
  client->cancelAll();
  ASSERT_TRUE(slow.has_value());
  EXPECT_EQ(code(*slow), static_cast<int>(PeerError::Cancelled));
}

TEST_F(PeerClientTest, TimeoutResetsConnectionAndNextSendReconnects) {
  // The first server never answers; after the timeout the client must not reuse that
  // connection (a late answer would be taken for the next request's).
  PeerTestServer server(ServerMode::NeverAnswer);
  auto client = makeClient(cfg(server.url(), 1, 200ms));
  EXPECT_EQ(code(roundTrip(*client, {{"command", "ha-heartbeat"}})), static_cast<int>(PeerError::Timeout));
  EXPECT_EQ(client->openConnections(), 0u);
  EXPECT_EQ(code(roundTrip(*client, {{"command", "ha-heartbeat"}})), static_cast<int>(PeerError::Timeout));
  EXPECT_EQ(server.connections(), 2u);
}

TEST_F(PeerClientTest, InvalidJsonBodyIsBadBody) {
  PeerTestServer server(ServerMode::BadJson);
  auto client = makeClient(cfg(server.url()));
  auto r = roundTrip(*client, {{"command", "ha-heartbeat"}});
  EXPECT_EQ(code(r), static_cast<int>(PeerError::BadBody));
}

TEST_F(PeerClientTest, Non200IsHttpStatusError) {
  PeerTestServer server(ServerMode::Status500);
  auto client = makeClient(cfg(server.url()));
  auto r = roundTrip(*client, {{"command", "ha-heartbeat"}});
  ASSERT_EQ(code(r), static_cast<int>(PeerError::HttpStatus));
  EXPECT_NE(r.error().message.find("500"), std::string::npos) << r.error().message;
  // The connection stays usable after an HTTP-level error.
  EXPECT_EQ(code(roundTrip(*client, {{"command", "ha-heartbeat"}})), static_cast<int>(PeerError::HttpStatus));
  EXPECT_EQ(server.connections(), 1u);
}

TEST_F(PeerClientTest, BadCommandFailsLaterNotInsideSend) {
  PeerTestServer server(ServerMode::AnswerList);
  auto client = makeClient(cfg(server.url()));
  std::optional<Result<json>> out;
  client->send(json::array({1, 2}), [&](Result<json> r) { out.emplace(std::move(r)); });
  EXPECT_FALSE(out.has_value());
  ASSERT_TRUE(runUntil(
      io_, [&] { return out.has_value(); }, 1s));
  EXPECT_EQ(code(*out), static_cast<int>(PeerError::BadRequest));
  EXPECT_TRUE(server.requests().empty());
}

TEST_F(PeerClientTest, QueueLimitRefusesExcess) {
  PeerTestServer server(ServerMode::AnswerList);
  auto client = makeClient(cfg(server.url(), 1, 10s, 2));
  std::vector<int> codes;
  for (int i = 0; i < 3; ++i) client->send(leaseUpdate(i), [&](Result<json> r) { codes.push_back(code(r)); });
  ASSERT_TRUE(runUntil(
      io_, [&] { return codes.size() == 3; }, 3s));
  EXPECT_EQ(std::count(codes.begin(), codes.end(), static_cast<int>(PeerError::QueueFull)), 1);
  EXPECT_EQ(std::count(codes.begin(), codes.end(), 0), 2);
}

TEST_F(PeerClientTest, InvalidUtf8InArgumentsIsReplacedNotThrown) {
  PeerTestServer server(ServerMode::AnswerList);
  auto client = makeClient(cfg(server.url()));
  auto r = roundTrip(*client, {{"command", "lease4-update"},
                               {"arguments",
                                {{"hostname", std::string("a\xff"
                                                          "b")}}}});
  ASSERT_TRUE(r.ok()) << r.error().message;
}

TEST_F(PeerClientTest, CancelAllFailsEverythingAndClientStaysUsable) {
  PeerTestServer silent(ServerMode::NeverAnswer);
  auto client = makeClient(cfg(silent.url(), 2));
  std::vector<int> codes;
  for (int i = 0; i < 5; ++i) client->send(leaseUpdate(i), [&](Result<json> r) { codes.push_back(code(r)); });
  ASSERT_TRUE(runUntil(
      io_, [&] { return silent.requests().size() == 2; }, 2s));
  client->cancelAll();
  EXPECT_EQ(codes, std::vector<int>(5, static_cast<int>(PeerError::Cancelled)));
  EXPECT_EQ(client->inFlight(), 0u);
  EXPECT_EQ(client->openConnections(), 0u);
  // Later completions of the closed connections must not call anything again.
  io_.restart();
  io_.run_for(50ms);
  EXPECT_EQ(codes.size(), 5u);
  // Usable again: a new request goes out on a new connection.
  client->send(leaseUpdate(9), [&](Result<json> r) { codes.push_back(code(r)); });
  ASSERT_TRUE(runUntil(
      io_, [&] { return silent.requests().size() == 3; }, 2s));
  EXPECT_EQ(client->inFlight(), 1u);
}

TEST_F(PeerClientTest, DestructionDropsCallbacks) {
  PeerTestServer silent(ServerMode::NeverAnswer);
  int called = 0;
  {
    auto client = makeClient(cfg(silent.url()));
    client->send(leaseUpdate(1), [&](Result<json>) { ++called; });
    client->send(json(5), [&](Result<json>) { ++called; });  // deferred failure, posted
    ASSERT_TRUE(runUntil(
        io_, [&] { return silent.requests().size() == 1; }, 2s));
    client->send(json(6), [&](Result<json>) { ++called; });
  }
  io_.restart();
  io_.run_for(50ms);
  EXPECT_EQ(called, 1);  // only the BadRequest that ran before destruction
}

TEST_F(PeerClientTest, CreateRejectsBadConfiguration) {
  const auto& c = testCerts();
  auto bad = [&](PeerClientConfig cfg) {
    auto r = PeerClient::create(io_, cfg, logger_);
    EXPECT_FALSE(r.ok()) << cfg.url;
    return r.ok() ? std::string() : r.error().message;
  };
  EXPECT_NE(bad(cfg("ftp://127.0.0.1/")).find("must be http or https"), std::string::npos);
  EXPECT_NE(bad(cfg("http://peer.example.com:8000/")).find("IP address"), std::string::npos);
  EXPECT_NE(bad(cfg("http://127.0.0.1:0/")).find("port"), std::string::npos);
  EXPECT_NE(bad(tlsCfg("http://127.0.0.1:8000/", c.ca)).find("https"), std::string::npos);
  EXPECT_NE(bad(tlsCfg("https://127.0.0.1:8000/", c.ca, c.clientCert)).find("together"), std::string::npos);
  EXPECT_NE(bad(tlsCfg("https://127.0.0.1:8000/", "/nonexistent/ca.pem")).find("/nonexistent/ca.pem"),
            std::string::npos);
  EXPECT_NE(bad(tlsCfg("https://127.0.0.1:8000/", c.ca, c.clientCert, c.serverKey)).find("key-file"),
            std::string::npos);
  EXPECT_NE(bad(cfg("http://127.0.0.1:8000/", 0)).find("connections"), std::string::npos);
  EXPECT_THROW(PeerClient(io_, cfg("nonsense"), logger_), std::invalid_argument);
}

TEST(PeerEndpointTest, ParsesKeaStyleUrls) {
  auto a = parsePeerEndpoint("http://198.18.0.2:8001/");
  ASSERT_TRUE(a.ok());
  EXPECT_FALSE(a->tls);
  EXPECT_EQ(a->address.to_string(), "198.18.0.2");
  EXPECT_EQ(a->port, 8001);
  EXPECT_EQ(a->hostHeader, "198.18.0.2");
  auto b = parsePeerEndpoint("https://[2001:db8::1]/");
  ASSERT_TRUE(b.ok());
  EXPECT_TRUE(b->tls);
  EXPECT_EQ(b->port, 443);
  EXPECT_EQ(b->hostHeader, "[2001:db8::1]");
  auto c = parsePeerEndpoint("http://10.0.0.1");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->port, 80);
  EXPECT_FALSE(parsePeerEndpoint("http://2001:db8::1/").ok());
  EXPECT_FALSE(parsePeerEndpoint("http://user@10.0.0.1/").ok());
  EXPECT_FALSE(parsePeerEndpoint("http://10.0.0.1:/").ok());
  EXPECT_FALSE(parsePeerEndpoint("http://10.0.0.1:70000/").ok());
  EXPECT_FALSE(parsePeerEndpoint("http://10.0.0.1:80x/").ok());
}

// ---- TLS ----

TEST_F(PeerClientTest, MutualTlsRoundTrip) {
  PeerTestServer server(ServerMode::AnswerList, mutualTls());
  auto client = makeClient(tlsConfig(server));
  for (int i = 0; i < 3; ++i) {
    auto r = roundTrip(*client, leaseUpdate(i));
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ((*r)["arguments"]["echo"]["arguments"]["id"], i);
  }
  EXPECT_EQ(server.connections(), 1u);  // persistent: one handshake
  EXPECT_EQ(server.requests().at(0).headers.at(0), (std::pair<std::string, std::string>{"Host", "127.0.0.1"}));
}

TEST_F(PeerClientTest, TrustAnchorDirectoryWorks) {
  PeerTestServer server(ServerMode::AnswerList, mutualTls());
  const auto& c = testCerts();
  const auto dir = c.dir / "anchors";
  std::filesystem::create_directories(dir);
  std::filesystem::copy_file(c.ca, dir / "ca.pem", std::filesystem::copy_options::overwrite_existing);
  // OpenSSL looks CAs up by subject hash, as Kea's trust-anchor directories expect.
  ASSERT_EQ(std::system(("openssl rehash '" + dir.string() + "' >/dev/null 2>&1").c_str()), 0);
  auto cfg = tlsConfig(server);
  cfg.trustAnchor = dir.string();
  auto client = makeClient(cfg);
  auto r = roundTrip(*client, leaseUpdate(1));
  EXPECT_TRUE(r.ok()) << r.error().message;
}

TEST_F(PeerClientTest, ServerCertificateFromOtherCaIsTlsError) {
  const auto& c = testCerts();
  PeerTestServer server(ServerMode::AnswerList, ServerTls{c.otherCaCert, c.otherCaKey, c.ca, true});
  auto client = makeClient(tlsConfig(server));
  auto r = roundTrip(*client, leaseUpdate(1));
  ASSERT_EQ(code(r), static_cast<int>(PeerError::Tls));
  EXPECT_NE(r.error().message.find("certificate"), std::string::npos) << r.error().message;
  EXPECT_TRUE(server.requests().empty());
}

TEST_F(PeerClientTest, ServerCertificateForOtherIpIsTlsError) {
  const auto& c = testCerts();
  PeerTestServer server(ServerMode::AnswerList, ServerTls{c.wrongIpCert, c.wrongIpKey, c.ca, true});
  auto client = makeClient(tlsConfig(server));
  auto r = roundTrip(*client, leaseUpdate(1));
  ASSERT_EQ(code(r), static_cast<int>(PeerError::Tls));
  EXPECT_NE(r.error().message.find("IP address mismatch"), std::string::npos) << r.error().message;
  EXPECT_TRUE(server.requests().empty());
}

TEST_F(PeerClientTest, MissingClientCertificateIsRefused) {
  PeerTestServer server(ServerMode::AnswerList, mutualTls());
  auto cfg = tlsConfig(server);
  cfg.certFile.clear();
  cfg.keyFile.clear();
  auto client = makeClient(cfg);
  auto r = roundTrip(*client, leaseUpdate(1));
  ASSERT_FALSE(r.ok());
  // TLS 1.3 finishes the client side of the handshake before the server checks the
  // client certificate, so the refusal shows up as an alert on the first read.
  EXPECT_EQ(r.error().code, static_cast<int>(PeerError::Tls)) << r.error().message;
  EXPECT_TRUE(server.requests().empty());
  // The server thread counts the failure after it has sent the alert the client just read.
  EXPECT_TRUE(eventually([&] { return server.handshakeFailures() == 1u; }));
}

TEST_F(PeerClientTest, TlsReconnectsWhenServerClosedIdleConnection) {
  PeerTestServer server(ServerMode::CloseAfterAnswer, mutualTls());
  auto client = makeClient(tlsConfig(server));
  for (int i = 0; i < 3; ++i) {
    auto r = roundTrip(*client, leaseUpdate(i));
    ASSERT_TRUE(r.ok()) << "request " << i << ": " << r.error().message;
  }
  EXPECT_EQ(server.connections(), 3u);
  EXPECT_EQ(server.requests().size(), 3u);
}

TEST_F(PeerClientTest, TlsThousandConcurrentRequests) {
  PeerTestServer server(ServerMode::AnswerList, mutualTls());
  auto client = makeClient(tlsConfig(server));
  constexpr int kCount = 1000;
  int ok = 0, answered = 0;
  for (int i = 0; i < kCount; ++i) {
    client->send(leaseUpdate(i), [&, i](Result<json> r) {
      ++answered;
      if (r.ok() && (*r)["arguments"]["echo"]["arguments"]["id"] == i) ++ok;
    });
  }
  ASSERT_TRUE(runUntil(
      io_, [&] { return answered == kCount; }, 10s));
  EXPECT_EQ(ok, kCount);
  EXPECT_LE(server.connections(), PeerClientConfig{}.connections);  // never more than the pool
}

}  // namespace
}  // namespace tandem::net
