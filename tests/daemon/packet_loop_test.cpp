#include "dhcpd/daemon/packet_loop.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include <boost/asio/io_context.hpp>

#include "dhcpd/config/dhcp4_config.h"
#include "dhcpd/engine/engine.h"
#include "dhcpd/lease/memory_lease_store.h"
#include "dhcpd/net/dhcp_lease_writer.h"
#include "dhcpd/net/dhcp_pipeline.h"
#include "dhcpd/proto/packet4.h"
#include "tests/net/fake_journal.h"

// The packet loop on loopback (issue 12): what queued while the loop was busy is read in one
// batch and answered with one sendmmsg; a DHCPACK leaves only after the journal says its lease
// is durable, and a burst of durable notifications costs one post.
//
// The "relay" is a socket bound to 127.0.0.2 on the server port: the queries carry giaddr
// 127.0.0.2, so the server answers there (RFC 2131 4.1), and the more specific binding takes
// the replies from the server's wildcard socket. Nothing leaves loopback.
namespace tandem::daemon {
namespace {

using namespace std::chrono_literals;
using proto::MessageType;
using proto::Packet4;

const Ipv4 kRelay(127, 0, 0, 2);

std::uint16_t testPort() { return std::uint16_t(20000 + ::getpid() % 20000); }

config::Dhcp4Config testConfig() {
  auto cfg = config::parseDhcp4Config(std::string_view(R"({"Dhcp4": {
      "interfaces-config": {"interfaces": ["lo"]},
      "lease-database": {"type": "memfile", "persist": false},
      "valid-lifetime": 4000,
      "subnet4": [{"id": 1, "subnet": "127.0.0.0/8",
                   "pools": [{"pool": "127.0.1.1 - 127.0.1.250"}]}]}})"),
                                      config::ParseContext{"/tmp", "/tmp/leases.csv", {}});
  EXPECT_TRUE(cfg.ok()) << (cfg.ok() ? "" : cfg.error().message);
  return std::move(cfg).value();
}

Packet4 query(MessageType t, std::uint8_t macLast) {
  Packet4 q;
  q.op = Packet4::kBootRequest;
  q.xid = 0x2000 + macLast;
  q.chaddr = {0x02, 0, 0, 0, 1, macLast};
  q.giaddr = kRelay;
  q.hops = 1;
  q.set(proto::opt::kMessageType, {std::uint8_t(t)});
  return q;
}

struct Relay {
  int fd = -1;
  std::uint16_t port = 0;
  explicit Relay(std::uint16_t p) : port(p) {
    fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(kRelay.value);
    EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0) << std::strerror(errno);
  }
  ~Relay() { ::close(fd); }
  void send(const Packet4& p) const {
    auto bytes = proto::encode(p).bytes;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::sendto(fd, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a),
              ssize_t(bytes.size()));
  }
  // Replies that arrive within `wait` (stops at the first quiet period after one came).
  std::vector<Packet4> receive(std::chrono::milliseconds wait = 200ms) const {
    std::vector<Packet4> out;
    std::uint8_t buf[2048];
    pollfd p{fd, POLLIN, 0};
    while (::poll(&p, 1, int(wait.count())) == 1) {
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      auto d = proto::decode({buf, std::size_t(n)});
      if (d) out.push_back(std::move(*d));
      wait = 50ms;
    }
    return out;
  }
};

struct PacketLoopTest : ::testing::Test {
  config::Dhcp4Config cfg = testConfig();
  MemoryLeaseStore store;
  net::testing::FakeJournal journal;
  StatsRegistry stats;
  Logger log;
  engine::Engine engine{cfg, store};
  net::LeaseWriter writer{store, &journal, stats, [] { return Clock::now(); }};
  net::DhcpPipeline pipeline{engine, writer, stats, log, net::DhcpPipeline::Options{}};
  boost::asio::io_context io;
  PacketLoop loop{io, pipeline, log, [] { return Clock::now(); }};
  std::uint16_t port = testPort();
  Relay relay{port};
  int hookRuns = 0;

  void SetUp() override {
    log.setSeverity(Severity::Fatal);
    writer.recount(cfg, Clock::now());
    net::ServedInterface lo{"lo", 0, Ipv4(127, 0, 0, 1), {}};
    ASSERT_TRUE(loop.open({lo}, net::ReplyPorts{port, std::uint16_t(port + 1)}).ok());
    journal.setOnDurable([this](std::uint64_t) { loop.notifyDurable(); });
    loop.setDurableHook([this] { ++hookRuns; });
  }
  // Runs the handlers that are ready now: one wake-up of the loop per readable socket.
  void runReady() {
    io.restart();
    io.poll();
  }
};

TEST_F(PacketLoopTest, WhatQueuedIsReadInOneBatchAndAnsweredInOneSend) {
  constexpr int kClients = 20;
  for (int i = 0; i < kClients; ++i) relay.send(query(MessageType::Discover, std::uint8_t(i)));
  std::this_thread::sleep_for(20ms);  // all of them queued on the server's socket
  runReady();
  const auto& c = loop.counters();
  EXPECT_EQ(c.wakeups, 1u);
  EXPECT_EQ(c.receiveCalls, 1u) << "one recvmmsg for everything pending";
  EXPECT_EQ(c.received, std::uint64_t(kClients));
  EXPECT_EQ(c.sendCalls, 1u) << "one sendmmsg for all the OFFERs";
  EXPECT_EQ(c.sent, std::uint64_t(kClients));
  auto offers = relay.receive();
  ASSERT_EQ(offers.size(), std::size_t(kClients));
  for (const auto& o : offers) EXPECT_EQ(o.messageType(), MessageType::Offer);
}

TEST_F(PacketLoopTest, AckLeavesOnlyAfterItsLeaseIsDurable) {
  relay.send(query(MessageType::Discover, 1));
  runReady();
  auto offers = relay.receive();
  ASSERT_EQ(offers.size(), 1u);
  auto req = query(MessageType::Request, 1);
  req.set(proto::opt::kRequestedAddress, proto::ipBytes(offers[0].yiaddr));
  req.set(proto::opt::kServerId, proto::ipBytes(Ipv4(127, 0, 0, 1)));
  relay.send(req);
  std::this_thread::sleep_for(20ms);
  runReady();
  EXPECT_EQ(journal.rows.size(), 1u);
  EXPECT_TRUE(relay.receive(100ms).empty()) << "a DHCPACK left before its lease was durable";
  EXPECT_EQ(pipeline.parked(), 1u);
  journal.makeDurable();  // the journal thread's callback: posts to the loop
  EXPECT_TRUE(relay.receive(50ms).empty()) << "sent from the journal's thread instead of the loop's";
  runReady();
  auto acks = relay.receive();
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].messageType(), MessageType::Ack);
  EXPECT_EQ(acks[0].yiaddr, offers[0].yiaddr);
  EXPECT_EQ(hookRuns, 1);
}

TEST_F(PacketLoopTest, ABurstOfDurableNotificationsIsOnePost) {
  for (int i = 0; i < 5; ++i) journal.makeDurable();
  runReady();
  EXPECT_EQ(loop.counters().durablePosts, 1u);
  EXPECT_EQ(hookRuns, 1);
  journal.makeDurable();
  runReady();
  EXPECT_EQ(loop.counters().durablePosts, 2u);
  EXPECT_EQ(hookRuns, 2);
}

}  // namespace
}  // namespace tandem::daemon
