// The daemon's HA reconfiguration (config-set / config-reload / SIGHUP): a real Server with
// its peer listener on loopback, reloaded with identical, changed, broken, removed and
// re-added HA sections, and the restrict-commands filter seen from a peer's HTTP client.
// The partner's URL points at a closed loopback port, so the service never leaves its start-up
// states; what matters here is which service answers, and that nothing of an old one is used
// after it is replaced (run under -fsanitize=address to see it).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <nlohmann/json.hpp>

#include "ha/service/ha_setup.h"
#include "dhcpd/daemon/server.h"
#include "ha/net/peer_client.h"

namespace tandem::daemon {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

std::uint16_t freePort() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

class HaReconfigure : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("tandem-ha-reconf-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    self_ = freePort();
    partner_ = freePort();
    backup_ = freePort();
  }
  void TearDown() override {
    if (server_) {
      server_->shutdown(0);
      io_.restart();
      io_.run_for(2s);
      server_.reset();
    }
    fs::remove_all(dir_);
  }

  std::string url(std::uint16_t port) const { return "http://127.0.0.1:" + std::to_string(port) + "/"; }

  json peers(bool withBackup) const {
    json p = json::array({{{"name", "server1"}, {"url", url(self_)}, {"role", "primary"}},
                          {{"name", "server2"}, {"url", url(partner_)}, {"role", "secondary"}}});
    if (withBackup) {
      p.push_back({{"name", "server3"}, {"url", url(backup_)}, {"role", "backup"}, {"auto-failover", false}});
    }
    return p;
  }

  // A whole Dhcp4 document; `ha` null = no HA hook.
  json doc(json ha, int subnets = 1) const {
    json hooks = json::array({{{"library", "libdhcp_lease_cmds.so"}}});
    if (!ha.is_null()) {
      hooks.push_back({{"library", "/usr/lib/kea/hooks/libdhcp_ha.so"},
                       {"parameters", {{"high-availability", json::array({ha})}}}});
    }
    json subnet4 = json::array();
    for (int i = 1; i <= subnets; ++i) {
      subnet4.push_back(
          {{"id", static_cast<unsigned>(i)},
           {"subnet", "198.18." + std::to_string(i) + ".0/24"},
           {"pools",
            json::array({{{"pool", "198.18." + std::to_string(i) + ".10 - 198.18." + std::to_string(i) + ".250"}}})}});
    }
    return {{"Dhcp4",
             {{"interfaces-config", {{"interfaces", json::array()}}},
              {"lease-database", {{"type", "memfile"}, {"persist", false}}},
              {"valid-lifetime", 4000u},
              {"hooks-libraries", hooks},
              {"subnet4", subnet4},
              {"loggers", json::array({{{"name", "kea-dhcp4"},
                                        {"output_options", json::array({{{"output", logPath()}}})},
                                        {"severity", "INFO"}}})}}}};
  }
  json ha(bool withBackup, json extra = json::object()) const {
    json h = {{"this-server-name", "server1"}, {"mode", "load-balancing"}, {"heartbeat-delay", 200},
              {"max-response-delay", 1000},    {"max-ack-delay", 200},     {"max-unacked-clients", 0},
              {"peers", peers(withBackup)}};
    for (const auto& [k, v] : extra.items()) h[k] = v;
    return h;
  }

  std::string logPath() const { return (dir_ / "tandemd.log").string(); }
  std::string logText() const {
    std::ifstream in(logPath());
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  std::size_t count(const std::string& what) const {
    const std::string text = logText();
    std::size_t n = 0;
    for (auto p = text.find(what); p != std::string::npos; p = text.find(what, p + what.size())) ++n;
    return n;
  }

  void start(const json& d) {
    const auto file = dir_ / "tandem.json";
    std::ofstream(file) << d.dump(1);
    ServerOptions o;
    o.configFile = file.string();
    o.baseDir = dir_.string();
    server_ = std::make_unique<Server>(io_, log_, o);
    auto r = server_->start();
    ASSERT_TRUE(r.ok()) << r.error().message;
    run(300ms);
  }
  ::testing::AssertionResult apply(const json& d) {
    auto r = server_->applyConfig(d);
    if (r) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << r.error().message;
  }
  void run(std::chrono::milliseconds d) {
    io_.restart();
    io_.run_for(d);
  }

  // One command to the peer listener, as a peer sends it.
  Result<json> ask(const json& command) {
    net::PeerClientConfig c;
    c.url = url(self_);
    c.connections = 1;
    auto client = std::make_unique<net::PeerClient>(io_, c, log_);
    std::optional<Result<json>> answer;
    client->send(
        command, [&answer](Result<json> r) { answer.emplace(std::move(r)); }, 2000ms);
    io_.restart();
    const auto end = std::chrono::steady_clock::now() + 3s;
    while (!answer && std::chrono::steady_clock::now() < end) io_.run_for(20ms);
    if (!answer) return makeError("no answer");
    return std::move(*answer);
  }
  int resultOf(const json& command) {
    auto r = ask(command);
    if (!r) return -1;
    return r->value("result", -1);
  }
  json heartbeat() const { return {{"command", "ha-heartbeat"}, {"arguments", {{"server-name", "server2"}}}}; }

  fs::path dir_;
  std::uint16_t self_ = 0, partner_ = 0, backup_ = 0;
  boost::asio::io_context io_;
  Logger log_;
  std::unique_ptr<Server> server_;
};

TEST_F(HaReconfigure, IdenticalHaSectionKeepsTheRunningService) {
  start(doc(ha(false)));
  ASSERT_EQ(resultOf(heartbeat()), 0);
  EXPECT_EQ(count("HA_SERVICE_READY"), 1u);
  // A DHCP-only change (one more subnet) with the same HA section.
  ASSERT_TRUE(apply(doc(ha(false), 2)));
  run(100ms);
  EXPECT_EQ(server_->config().subnets.size(), 2u);
  EXPECT_EQ(count("HA_SERVICE_READY"), 1u);
  EXPECT_EQ(count("HA_RECONFIGURE"), 0u);
  EXPECT_EQ(resultOf(heartbeat()), 0);
}

TEST_F(HaReconfigure, AddedBackupPeerRestartsTheServiceAndKeepsTheListener) {
  start(doc(ha(false)));
  ASSERT_EQ(resultOf(heartbeat()), 0);
  ASSERT_TRUE(apply(doc(ha(true))));
  // Long enough for heartbeat timers (200 ms) and the failed connects to the partner and the
  // backup to fire: nothing of the old service may run any more.
  run(600ms);
  EXPECT_THAT(logText(), HasSubstr("HA configuration changed (peer 'server3' added (backup, " + url(backup_) + "))"));
  EXPECT_EQ(count("HA_SERVICE_READY"), 2u);
  EXPECT_EQ(resultOf(heartbeat()), 0);
  // The new service is the one answering: it knows server3.
  EXPECT_EQ(resultOf({{"command", "ha-heartbeat"}, {"arguments", {{"server-name", "server3"}}}}), 0);
  // And its lease updates go to the backup: the new transport reaches for port backup_.
  auto status = server_->statusExtras();
  ASSERT_TRUE(status.contains("high-availability"));
}

TEST_F(HaReconfigure, BrokenHaSectionRefusesTheWholeReload) {
  start(doc(ha(true)));
  json bad = doc(ha(true), 2);
  bad["Dhcp4"]["hooks-libraries"][1]["parameters"]["high-availability"][0]["peers"][1]["role"] = "boss";
  auto r = server_->applyConfig(bad);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message,
              HasSubstr("Dhcp4/hooks-libraries/1/parameters/high-availability/0/peers/1/role: unsupported value"));
  // Nothing of the refused document was applied: neither its subnet nor anything HA.
  EXPECT_EQ(server_->config().subnets.size(), 1u);
  EXPECT_EQ(count("HA_RECONFIGURE"), 0u);
  EXPECT_EQ(count("HA_SERVICE_READY"), 1u);
  EXPECT_EQ(resultOf(heartbeat()), 0);

  // Unreadable TLS material is refused the same way (Kea loads it at configuration time).
  json tls = doc(ha(true, {{"trust-anchor", (dir_ / "missing-ca.pem").string()},
                           {"cert-file", (dir_ / "missing.pem").string()},
                           {"key-file", (dir_ / "missing.key").string()}}));
  auto t = server_->applyConfig(tls);
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(t.error().message, HasSubstr("Dhcp4/hooks-libraries/1/parameters/high-availability/0/peers/0"));
  EXPECT_EQ(resultOf(heartbeat()), 0);
}

TEST_F(HaReconfigure, RemovingAndReAddingTheHook) {
  start(doc(ha(false)));
  ASSERT_EQ(resultOf(heartbeat()), 0);
  ASSERT_TRUE(apply(doc(nullptr)));
  run(100ms);
  EXPECT_THAT(logText(), HasSubstr("HA hook removed"));
  EXPECT_FALSE(server_->statusExtras().contains("high-availability"));
  // The listener is closed: nothing answers on this server's peer URL any more.
  EXPECT_FALSE(ask(heartbeat()).ok());
  // DHCP is not left disabled by the old service's waiting state.
  EXPECT_TRUE(server_->dhcpEnabled());

  // Back on, on the same port (close-then-open happened above, so the bind succeeds).
  ASSERT_TRUE(apply(doc(ha(false))));
  run(100ms);
  EXPECT_THAT(logText(), HasSubstr("HA hook added"));
  EXPECT_TRUE(server_->statusExtras().contains("high-availability"));
  EXPECT_EQ(resultOf(heartbeat()), 0);
}

TEST_F(HaReconfigure, ListenerMovesToANewPort) {
  start(doc(ha(false)));
  const std::uint16_t old = self_;
  self_ = freePort();
  ASSERT_TRUE(apply(doc(ha(false))));
  run(100ms);
  EXPECT_EQ(resultOf(heartbeat()), 0);
  self_ = old;
  EXPECT_FALSE(ask(heartbeat()).ok());
}

TEST_F(HaReconfigure, ListenerThatCannotOpenIsLoggedAndDhcpGoesOn) {
  start(doc(ha(false)));
  // Someone else holds the new port.
  boost::asio::io_context other;
  boost::asio::ip::tcp::acceptor squatter(other, {boost::asio::ip::make_address("127.0.0.1"), 0});
  self_ = squatter.local_endpoint().port();
  ASSERT_TRUE(apply(doc(ha(false), 2)));
  run(100ms);
  EXPECT_THAT(logText(), HasSubstr("HA_LISTENER_FAIL"));
  EXPECT_EQ(server_->config().subnets.size(), 2u);
  EXPECT_TRUE(server_->statusExtras().contains("high-availability"));
}

TEST_F(HaReconfigure, RestrictCommandsFiltersThePeerListener) {
  start(doc(ha(false)));
  // Off (Kea 2.4's default): an operator command runs on the peer URL.
  EXPECT_EQ(resultOf({{"command", "config-get"}}), 0);

  ASSERT_TRUE(apply(doc(ha(false, {{"restrict-commands", true}}))));
  run(100ms);
  EXPECT_THAT(logText(), HasSubstr("restrict-commands false -> true"));
  auto refused = ask({{"command", "config-get"}});
  ASSERT_TRUE(refused.ok()) << refused.error().message;
  EXPECT_EQ(refused->value("result", -1), 2);
  EXPECT_THAT(refused->value("text", ""), HasSubstr("restrict-commands"));
  EXPECT_EQ(resultOf({{"command", "shutdown"}}), 2);
  EXPECT_EQ(resultOf({{"command", "config-reload"}}), 2);
  // What peers send still runs.
  EXPECT_EQ(resultOf(heartbeat()), 0);
  EXPECT_EQ(resultOf({{"command", "status-get"}}), 0);
  auto page = ask({{"command", "lease4-get-page"}, {"arguments", {{"from", "start"}, {"limit", 10}}}});
  ASSERT_TRUE(page.ok());
  EXPECT_THAT(page->value("text", ""), Not(HasSubstr("restrict-commands")));
}

TEST(HaMaterialStamp, ChangesWhenACertificateIsReplacedInPlace) {
  const fs::path d = fs::temp_directory_path() / ("tandem-ha-stamp-" + std::to_string(::getpid()));
  fs::create_directories(d);
  for (const char* f : {"ca.pem", "s1.pem", "s1.key", "s2.pem", "s2.key"}) std::ofstream(d / f) << "old";
  ha::HaConfig cfg;
  cfg.thisServerName = "server1";
  for (const char* n : {"s1", "s2"}) {
    ha::PeerConfig p;
    p.name = n;
    p.trustAnchor = (d / "ca.pem").string();
    p.certFile = (d / (std::string(n) + ".pem")).string();
    p.keyFile = (d / (std::string(n) + ".key")).string();
    cfg.peers.push_back(p);
  }
  const std::string before = haMaterialStamp(cfg);
  EXPECT_EQ(haMaterialStamp(cfg), before);
  std::ofstream(d / "s2.pem", std::ios::trunc) << "renewed certificate";
  EXPECT_NE(haMaterialStamp(cfg), before);
  const std::string renewed = haMaterialStamp(cfg);
  fs::remove(d / "ca.pem");
  EXPECT_NE(haMaterialStamp(cfg), renewed);
  fs::remove_all(d);
}

}  // namespace
}  // namespace tandem::daemon
