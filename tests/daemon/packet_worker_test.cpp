#include "dhcpd/daemon/packet_worker.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include <boost/asio/io_context.hpp>

#include "dhcpd/config/dhcp4_config.h"
#include "dhcpd/daemon/packet_loop.h"
#include "dhcpd/engine/engine.h"
#include "dhcpd/lease/lease_journal.h"
#include "dhcpd/lease/memory_lease_store.h"
#include "dhcpd/net/client_dispatch.h"
#include "dhcpd/net/dhcp_lease_writer.h"
#include "dhcpd/net/dhcp_pipeline.h"
#include "dhcpd/proto/packet4.h"
#include "tests/daemon/loopback_relay.h"
#include "tests/net/relayed_query.h"

// Packet workers (issue 12, Kea's multi-threading): how many serve, that workers allocating at
// once from one small pool never give one address to two clients, and several workers on
// loopback answering their clients, each DHCPACK only after its lease is durable.
namespace tandem::daemon {
namespace {

using namespace std::chrono_literals;
using proto::MessageType;
using proto::Packet4;

config::Dhcp4Config parse(std::string_view text) {
  auto cfg = config::parseDhcp4Config(text, config::ParseContext{"/tmp", "/tmp/leases.csv", {}});
  EXPECT_TRUE(cfg.ok()) << (cfg.ok() ? "" : cfg.error().message);
  return std::move(cfg).value();
}

TEST(PacketWorkerCount, FollowsKeasMultiThreadingSettings) {
  config::MultiThreadingConfig mt;
  EXPECT_EQ(PacketWorker::countFor(mt, false, 8), 1u) << "off (Kea 2.2's default): the loop alone";
  mt.enabled = true;
  EXPECT_EQ(PacketWorker::countFor(mt, false, 8), 8u) << "thread-pool-size 0: one per core";
  EXPECT_EQ(PacketWorker::countFor(mt, false, 0), 1u) << "cores unknown";
  mt.threadPoolSize = 3;
  EXPECT_EQ(PacketWorker::countFor(mt, false, 8), 3u);
  EXPECT_EQ(PacketWorker::countFor(mt, true, 8), 1u) << "HA is served by one worker";
}

// ---- concurrent allocation -------------------------------------------------------------

Packet4 clientQuery(MessageType t, std::uint32_t client) {
  Packet4 q;
  q.op = Packet4::kBootRequest;
  q.xid = client * 16 + std::uint32_t(t);
  q.chaddr = {0x02, 0x42, 0, std::uint8_t(client >> 16), std::uint8_t(client >> 8), std::uint8_t(client)};
  q.giaddr = Ipv4(198, 18, 0, 1);
  q.hops = 1;
  q.set(proto::opt::kMessageType, {std::uint8_t(t)});
  return q;
}

// One small pool (32 addresses), many more clients, every worker binding and releasing as fast
// as it can. The bookkeeping never reports a double allocation falsely: a client leaves
// `held` before its RELEASE is sent, and only the server's processing of that RELEASE frees
// the address for another client's DHCPACK.
TEST(PacketWorkerAllocation, WorkersHammeringOneSmallPoolNeverGiveAnAddressToTwoClients) {
  auto cfg = parse(R"({"Dhcp4": {
      "lease-database": {"type": "memfile", "persist": false},
      "valid-lifetime": 4000, "offer-lifetime": 1,
      "subnet4": [{"id": 1, "subnet": "198.18.0.0/24",
                   "pools": [{"pool": "198.18.0.10 - 198.18.0.41"}]}]}})");
  MemoryLeaseStore store;
  StatsRegistry stats;
  Logger log;
  log.setSeverity(Severity::Fatal);
  engine::Engine engine(cfg, store);
  net::LeaseWriter writer(store, nullptr, stats, [] { return Clock::now(); });
  writer.recount(cfg, Clock::now());
  std::mutex shared;
  constexpr int kWorkers = 4;
  constexpr std::uint32_t kClientsPerWorker = 40;
  constexpr int kRounds = 20000;
  std::vector<std::unique_ptr<net::DhcpPipeline>> pipelines;
  for (int i = 0; i < kWorkers; ++i) {
    pipelines.push_back(std::make_unique<net::DhcpPipeline>(engine, writer, stats, log, net::DhcpPipeline::Options{}));
    pipelines.back()->setSharedState(&shared);
  }

  std::mutex bookMutex;
  std::map<std::uint32_t, std::uint32_t> held;  // address -> client
  std::atomic<int> acks{0}, doubles{0};
  engine::RecvMeta meta;
  meta.srcAddr = Ipv4(198, 18, 0, 1);
  meta.srcPort = 67;
  meta.dstAddr = Ipv4(198, 18, 0, 254);
  meta.ifName = "test0";
  meta.ifIndex = 1;
  meta.ifAddr = Ipv4(198, 18, 0, 254);

  auto worker = [&](int w) {
    net::DhcpPipeline& p = *pipelines[std::size_t(w)];
    std::mt19937 rng(unsigned(w) + 1);
    std::vector<net::Outgoing> ready;
    auto exchange = [&](const Packet4& q) -> std::optional<Packet4> {
      ready.clear();
      p.process(proto::encode(q).bytes, meta, Clock::now(), ready);
      if (ready.empty()) return std::nullopt;
      auto d = proto::decode(ready.front().bytes);
      return d ? std::optional<Packet4>(std::move(*d)) : std::nullopt;
    };
    std::map<std::uint32_t, Ipv4> mine;  // client -> address it holds
    for (int round = 0; round < kRounds; ++round) {
      const std::uint32_t client = std::uint32_t(w) * kClientsPerWorker + rng() % kClientsPerWorker;
      if (auto it = mine.find(client); it != mine.end()) {
        {
          std::lock_guard lock(bookMutex);
          held.erase(it->second.value);
        }
        auto rel = clientQuery(MessageType::Release, client);
        rel.ciaddr = it->second;
        rel.set(proto::opt::kServerId, proto::ipBytes(meta.ifAddr));
        exchange(rel);
        mine.erase(it);
        continue;
      }
      auto offer = exchange(clientQuery(MessageType::Discover, client));
      if (!offer || offer->messageType() != MessageType::Offer) continue;  // pool exhausted
      auto req = clientQuery(MessageType::Request, client);
      req.set(proto::opt::kRequestedAddress, proto::ipBytes(offer->yiaddr));
      req.set(proto::opt::kServerId, proto::ipBytes(meta.ifAddr));
      auto ack = exchange(req);
      if (!ack || ack->messageType() != MessageType::Ack) continue;  // taken meanwhile: NAK
      ++acks;
      std::lock_guard lock(bookMutex);
      auto [at, fresh] = held.emplace(ack->yiaddr.value, client);
      if (!fresh && at->second != client) ++doubles;
      mine[client] = ack->yiaddr;
    }
  };
  std::vector<std::thread> threads;
  for (int w = 0; w < kWorkers; ++w) threads.emplace_back(worker, w);
  for (auto& t : threads) t.join();

  EXPECT_EQ(doubles.load(), 0) << "an address was acknowledged to two clients at once";
  EXPECT_GT(acks.load(), 100);
  // The store agrees with what the clients were told: each held address is its client's.
  std::size_t bound = 0;
  store.forEach([&](const Lease& l) {
    if (l.state != LeaseState::Default) return;
    ++bound;
    auto it = held.find(l.address.value);
    ASSERT_NE(it, held.end()) << l.address.toString() << " bound in the store but acknowledged to nobody";
    EXPECT_EQ(l.hwAddr, clientQuery(MessageType::Request, it->second).hwAddr()) << l.address.toString();
  });
  EXPECT_EQ(bound, held.size());
  EXPECT_LE(bound, 32u);
}

// ---- several workers on loopback ---------------------------------------------------------

// A journal the test makes durable from its own thread while workers read durableSeq().
class ThreadSafeJournal final : public LeaseJournal {
 public:
  std::uint64_t append(const Lease&) override { return ++last_; }
  std::uint64_t appendDelete(const Lease&) override { return ++last_; }
  std::uint64_t durableSeq() const noexcept override { return durable_.load(); }
  std::uint64_t lastSeq() const noexcept override { return last_.load(); }
  Result<void> flush() override {
    makeDurable();
    return {};
  }
  void setOnDurable(std::function<void(std::uint64_t)> cb) override { cb_ = std::move(cb); }
  std::optional<Error> lastError() const override { return std::nullopt; }
  void makeDurable() {
    durable_ = last_.load();
    if (cb_) cb_(durable_);
  }

 private:
  std::atomic<std::uint64_t> last_{0}, durable_{0};
  std::function<void(std::uint64_t)> cb_;
};

const Ipv4 kRelay = testing::kLoopbackRelay;

std::uint16_t testPort() { return std::uint16_t(40000 + ::getpid() % 20000); }

Packet4 relayed(MessageType t, std::uint8_t macLast) {
  return net::testing::relayedQuery(t, macLast, kRelay, 0x3000, 2);
}

using Relay = testing::LoopbackRelay;

struct PacketWorkersTest : ::testing::Test {
  static constexpr int kWorkers = 3;  // the loop and two workers
  config::Dhcp4Config cfg = parse(R"({"Dhcp4": {
      "interfaces-config": {"interfaces": ["lo"]},
      "lease-database": {"type": "memfile", "persist": false},
      "valid-lifetime": 4000,
      "subnet4": [{"id": 1, "subnet": "127.0.0.0/8",
                   "pools": [{"pool": "127.0.1.1 - 127.0.1.250"}]}]}})");
  MemoryLeaseStore store;
  ThreadSafeJournal journal;
  StatsRegistry stats;
  Logger log;
  engine::Engine engine{cfg, store};
  net::LeaseWriter writer{store, &journal, stats, [] { return Clock::now(); }};
  std::mutex shared;
  std::vector<std::unique_ptr<net::DhcpPipeline>> pipelines;
  std::vector<std::unique_ptr<PacketWorker>> workers;
  boost::asio::io_context io;
  std::unique_ptr<PacketLoop> loop;
  std::uint16_t port = testPort();
  Relay relay{port};

  void SetUp() override {
    log.setSeverity(Severity::Fatal);
    writer.recount(cfg, Clock::now());
    const net::ReplyPorts ports{port, std::uint16_t(port + 1)};
    for (int i = 0; i < kWorkers; ++i) {
      pipelines.push_back(
          std::make_unique<net::DhcpPipeline>(engine, writer, stats, log, net::DhcpPipeline::Options{}));
      pipelines.back()->setSharedState(&shared);
      pipelines.back()->setPorts(ports);
    }
    loop = std::make_unique<PacketLoop>(io, *pipelines[0], log, [] { return Clock::now(); });
    std::vector<PacketWorker*> raw;
    for (int i = 1; i < kWorkers; ++i) {
      workers.push_back(std::make_unique<PacketWorker>(
          std::size_t(i), *pipelines[std::size_t(i)], [] { return Clock::now(); }, 0, port));
      raw.push_back(workers.back().get());
    }
    loop->setWorkers(raw);
    net::ServedInterface lo{"lo", 0, Ipv4(127, 0, 0, 1), {}};
    ASSERT_TRUE(loop->open({lo}, ports).ok());
    journal.setOnDurable([this](std::uint64_t) {
      loop->notifyDurable();
      for (auto& w : workers) w->notifyDurable();
    });
    for (auto& w : workers) w->start();
  }
  void TearDown() override {
    for (auto& w : workers) w->stop();
  }
  void runReady() {
    io.restart();
    io.poll();
  }
  // Which worker serves this client (0 = the loop).
  static std::size_t workerOf(std::uint8_t macLast) {
    return net::workerForDatagram(proto::encode(relayed(MessageType::Discover, macLast)).bytes, kWorkers);
  }
};

TEST_F(PacketWorkersTest, EveryWorkerAnswersItsClientsAndAcksWaitForTheDisk) {
  constexpr int kClients = 40;
  std::set<std::size_t> serving;
  for (int i = 0; i < kClients; ++i) {
    serving.insert(workerOf(std::uint8_t(i)));
    relay.send(relayed(MessageType::Discover, std::uint8_t(i)));
  }
  ASSERT_EQ(serving.size(), std::size_t(kWorkers)) << "the clients should reach every worker";
  std::this_thread::sleep_for(20ms);
  runReady();
  auto offers = relay.receive(kClients, 2s);
  ASSERT_EQ(offers.size(), std::size_t(kClients));
  std::map<std::uint8_t, Ipv4> offered;
  std::set<std::uint32_t> addresses;
  for (const auto& o : offers) {
    EXPECT_EQ(o.messageType(), MessageType::Offer);
    offered[o.chaddr[5]] = o.yiaddr;
    addresses.insert(o.yiaddr.value);
  }
  EXPECT_EQ(addresses.size(), std::size_t(kClients)) << "one address offered to two clients";
  EXPECT_GT(loop->counters().handedOff, 0u);
  std::uint64_t processedByWorkers = 0;
  for (auto& w : workers) {
    EXPECT_GT(w->counters().processed.load(), 0u);
    processedByWorkers += w->counters().processed.load();
  }
  EXPECT_EQ(processedByWorkers, loop->counters().handedOff);

  for (const auto& [mac, addr] : offered) {
    auto req = relayed(MessageType::Request, mac);
    req.set(proto::opt::kRequestedAddress, proto::ipBytes(addr));
    req.set(proto::opt::kServerId, proto::ipBytes(Ipv4(127, 0, 0, 1)));
    relay.send(req);
  }
  std::this_thread::sleep_for(20ms);
  runReady();
  EXPECT_TRUE(relay.receive(1, 200ms).empty()) << "a DHCPACK left before its lease was durable";
  EXPECT_EQ(journal.lastSeq(), std::uint64_t(kClients));
  journal.makeDurable();  // the journal thread's callback: wakes the loop and every worker
  runReady();
  auto acks = relay.receive(kClients, 2s);
  ASSERT_EQ(acks.size(), std::size_t(kClients));
  for (const auto& a : acks) {
    EXPECT_EQ(a.messageType(), MessageType::Ack);
    EXPECT_EQ(a.yiaddr, offered[a.chaddr[5]]);
  }
  EXPECT_EQ(store.size(), std::size_t(kClients));
}

TEST_F(PacketWorkersTest, WithoutDispatchTheLoopKeepsEveryPacket) {
  loop->setDispatch(false);  // a reload added HA
  for (int i = 0; i < 10; ++i) relay.send(relayed(MessageType::Discover, std::uint8_t(i)));
  std::this_thread::sleep_for(20ms);
  runReady();
  EXPECT_EQ(relay.receive(10, 2s).size(), 10u);
  EXPECT_EQ(loop->counters().handedOff, 0u);
  for (auto& w : workers) EXPECT_EQ(w->counters().processed.load(), 0u);
}

TEST_F(PacketWorkersTest, AWorkersAckLeavesOnceTheFinalFlushMadeItDurable) {
  std::uint8_t mac = 0;
  while (workerOf(mac) != 1) ++mac;  // a client of the first worker
  relay.send(relayed(MessageType::Discover, mac));
  std::this_thread::sleep_for(20ms);
  runReady();
  auto offers = relay.receive(1, 2s);
  ASSERT_EQ(offers.size(), 1u);
  auto req = relayed(MessageType::Request, mac);
  req.set(proto::opt::kRequestedAddress, proto::ipBytes(offers[0].yiaddr));
  req.set(proto::opt::kServerId, proto::ipBytes(Ipv4(127, 0, 0, 1)));
  relay.send(req);
  std::this_thread::sleep_for(20ms);
  runReady();
  for (int i = 0; i < 100 && journal.lastSeq() == 0; ++i) std::this_thread::sleep_for(5ms);
  ASSERT_EQ(journal.lastSeq(), 1u);
  EXPECT_TRUE(relay.receive(1, 100ms).empty());
  ASSERT_TRUE(journal.flush().ok());  // shutdown: the final flush, then the workers stop
  for (auto& w : workers) w->stop();
  auto acks = relay.receive(1, 1s);
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].messageType(), MessageType::Ack);
}

}  // namespace
}  // namespace tandem::daemon
