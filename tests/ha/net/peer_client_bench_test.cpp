// Throughput of PeerClient for lease4-update-sized requests against a local Beast server
// (its own thread), over TLS with mutual authentication and over plain HTTP, with 1, 4 and
// 8 connections. Kept short by default so the suite stays fast; set
// TANDEM_PEER_BENCH_MS=3000 for steadier figures. Prints one line per configuration.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "ha/net/peer_client.h"
#include "tests/ha/net/peer_test_server.h"

namespace tandem::net {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

// The body Kea 2.2 sends for one lease (kea-wire/lease4-update.http.txt, 317 bytes).
json keaLeaseUpdate(unsigned n) {
  return {{"command", "lease4-update"},
          {"service", json::array({"dhcp4"})},
          {"arguments",
           {{"client-id", "01:00:0c:01:02:03:04"},
            {"expire", 1795338859},
            {"force-create", true},
            {"fqdn-fwd", false},
            {"fqdn-rev", false},
            {"hostname", ""},
            {"hw-address", "00:0c:01:02:03:04"},
            {"ip-address", fmt::format("198.18.{}.{}", 16 + (n >> 8) % 200, n & 0xff)},
            {"state", 0},
            {"subnet-id", 1},
            {"valid-lft", 4000}}}};
}

struct BenchResult {
  double perSecond = 0;
  std::size_t answered = 0;
  std::size_t failed = 0;
};

// Closed loop with `window` requests outstanding, as parked DHCPACKs would keep them.
BenchResult run(bool tls, std::size_t connections, std::chrono::milliseconds duration, std::size_t window) {
  const auto& certs = testing::testCerts();
  std::optional<testing::ServerTls> serverTls;
  if (tls) serverTls = testing::ServerTls{certs.serverCert, certs.serverKey, certs.ca, true};
  testing::PeerTestServer server(testing::ServerMode::AnswerLeaseUpdated, serverTls);

  boost::asio::io_context io;
  Logger logger;
  PeerClientConfig cfg;
  cfg.url = server.url();
  cfg.connections = connections;
  if (tls) {
    cfg.trustAnchor = certs.ca;
    cfg.certFile = certs.clientCert;
    cfg.keyFile = certs.clientKey;
  }
  PeerClient client(io, cfg, logger);

  BenchResult out;
  unsigned sent = 0;
  bool measuring = false;
  Clock::time_point start, end;
  std::size_t measuredAnswers = 0;
  std::function<void()> sendOne = [&] {
    client.send(keaLeaseUpdate(sent++), [&](Result<json> r) {
      ++out.answered;
      if (!r.ok() || (*r)["result"] != 0) ++out.failed;
      const auto now = Clock::now();
      if (!measuring && out.answered >= 2 * window) {  // handshakes and warm-up done
        measuring = true;
        start = now;
        end = now + duration;
      } else if (measuring && now < end) {
        ++measuredAnswers;
      }
      if (!measuring || now < end) sendOne();
    });
  };
  for (std::size_t i = 0; i < window; ++i) sendOne();
  const auto limit = Clock::now() + duration + 5s;
  while (client.inFlight() > 0 && Clock::now() < limit) io.run_for(10ms);
  const double seconds = std::chrono::duration<double>(std::min(Clock::now(), end) - start).count();
  out.perSecond = seconds > 0 ? static_cast<double>(measuredAnswers) / seconds : 0;
  return out;
}

TEST(PeerClientBench, LeaseUpdateRequestsPerSecond) {
  std::chrono::milliseconds duration = 300ms;
  if (const char* env = std::getenv("TANDEM_PEER_BENCH_MS")) duration = std::chrono::milliseconds(std::atoi(env));
  constexpr std::size_t kWindow = 256;
  for (bool tls : {true, false}) {
    for (std::size_t connections : {1u, 4u, 8u}) {
      const auto r = run(tls, connections, duration, kWindow);
      std::printf("peer_client %-5s lease4-update, %zu connection(s), %zu in flight: %8.0f requests/s\n",
                  tls ? "https" : "http", connections, kWindow, r.perSecond);
      EXPECT_EQ(r.failed, 0u);
      EXPECT_GT(r.perSecond, 0.0);
    }
  }
}

}  // namespace
}  // namespace tandem::net
