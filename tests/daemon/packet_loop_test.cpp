#include "dhcpd/daemon/packet_loop.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <thread>

#include <boost/asio/io_context.hpp>

#include "dhcpd/config/dhcp4_config.h"
#include "dhcpd/engine/engine.h"
#include "dhcpd/lease/memfile_journal.h"
#include "dhcpd/lease/memory_lease_store.h"
#include "dhcpd/net/dhcp_lease_writer.h"
#include "dhcpd/net/dhcp_pipeline.h"
#include "dhcpd/proto/packet4.h"
#include "tests/daemon/loopback_relay.h"
#include "tests/lease/lease_test_util.h"
#include "tests/net/fake_journal.h"
#include "tests/net/relayed_query.h"

// The packet loop on loopback (issue 12): what queued while the loop was busy is read in one
// batch and answered with one sendmmsg; a DHCPACK leaves only after the journal says its lease
// is durable, and a burst of durable notifications costs one post.
//
// The "relay" is tests/daemon/loopback_relay.h's: a socket on 127.0.0.2 at the server port.
namespace tandem::daemon {
namespace {

using namespace std::chrono_literals;
using proto::MessageType;
using proto::Packet4;

const Ipv4 kRelay = testing::kLoopbackRelay;

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

Packet4 query(MessageType t, std::uint8_t macLast) { return net::testing::relayedQuery(t, macLast, kRelay, 0x2000, 1); }

using Relay = testing::LoopbackRelay;

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
  // The loop thread's counters, read with its lock held (it updates them under it).
  PacketLoop::Counters countersUnder(std::mutex& m) {
    std::lock_guard g(m);
    return loop.counters();
  }
  // Waits (bounded) until the thread's rounds released `n` times for the journal.
  bool waitDurableRounds(std::mutex& m, std::uint64_t n) {
    for (int i = 0; i < 200; ++i) {
      if (countersUnder(m).durablePosts >= n) return true;
      std::this_thread::sleep_for(5ms);
    }
    return false;
  }
  Packet4 requestFor(const Packet4& offer, std::uint8_t macLast) {
    auto req = query(MessageType::Request, macLast);
    req.set(proto::opt::kRequestedAddress, proto::ipBytes(offer.yiaddr));
    req.set(proto::opt::kServerId, proto::ipBytes(Ipv4(127, 0, 0, 1)));
    return req;
  }
  // On the thread: client `mac` is offered an address and its REQUEST is read, its ACK parked
  // (the fake journal is never durable on its own). Returns the offer; the round that read
  // the REQUEST is over when this returns (its row was seen with the lock held).
  Packet4 parkAnAck(std::mutex& state, std::uint8_t mac) {
    relay.send(query(MessageType::Discover, mac));
    auto offers = relay.receive(2000ms);
    EXPECT_EQ(offers.size(), 1u);
    if (offers.empty()) return {};
    std::size_t rows = 0;
    {
      std::lock_guard g(state);
      rows = journal.rows.size();
    }
    relay.send(requestFor(offers[0], mac));
    for (int i = 0; i < 400; ++i) {
      {
        std::lock_guard g(state);
        if (journal.rows.size() > rows) break;
      }
      std::this_thread::sleep_for(5ms);
    }
    std::lock_guard g(state);
    EXPECT_EQ(journal.rows.size(), rows + 1) << "the REQUEST was not read";
    return offers[0];
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

// The thread drive's round (issue 12): one epoll_wait on the loop's own set, where the socket
// was registered once; no epoll_ctl however many packets and rounds follow.
TEST_F(PacketLoopTest, OwnEpollSetRoundReadsTheBatchWithoutReArming) {
  const auto ctlAtOpen = loop.counters().epollCtls;
  EXPECT_EQ(ctlAtOpen, 2u) << "the eventfd and the one socket, each registered once";
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 20; ++i) relay.send(query(MessageType::Discover, std::uint8_t(round * 20 + i)));
    std::this_thread::sleep_for(20ms);
    loop.pollOnce(1000);
  }
  const auto& c = loop.counters();
  EXPECT_EQ(c.epollWaits, 3u);
  EXPECT_EQ(c.receiveCalls, 3u) << "one recvmmsg per round: a short batch means nothing is left";
  EXPECT_EQ(c.received, 60u);
  EXPECT_EQ(c.sendCalls, 3u) << "one sendmmsg per round";
  EXPECT_EQ(c.epollCtls, ctlAtOpen) << "nothing re-armed per packet or per round";
  EXPECT_EQ(relay.receive().size(), 60u);
  // Level-triggered: what a round leaves queued is reported again, without any re-arming.
  relay.send(query(MessageType::Discover, 99));
  std::this_thread::sleep_for(20ms);
  loop.pollOnce(1000);
  EXPECT_EQ(loop.counters().received, 61u);
}

TEST_F(PacketLoopTest, ThreadAnswersAndLetsTheAckOutOnlyOnceDurable) {
  std::mutex state;
  loop.runOnThread(state);
  ASSERT_TRUE(loop.threaded());
  relay.send(query(MessageType::Discover, 1));
  auto offers = relay.receive(2000ms);
  ASSERT_EQ(offers.size(), 1u);
  relay.send(requestFor(offers[0], 1));
  EXPECT_TRUE(relay.receive(150ms).empty()) << "a DHCPACK left before its lease was durable";
  {
    std::lock_guard g(state);
    EXPECT_EQ(journal.rows.size(), 1u);
    EXPECT_EQ(pipeline.parked(), 1u);
    journal.makeDurable();  // as the journal's thread: the callback writes the eventfd
  }
  auto acks = relay.receive(2000ms);
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].messageType(), MessageType::Ack);
  EXPECT_EQ(acks[0].yiaddr, offers[0].yiaddr);
  loop.stopThread();
  EXPECT_FALSE(loop.threaded());
  EXPECT_EQ(loop.counters().epollCtls, 2u);
  EXPECT_EQ(hookRuns, 0) << "the io thread's hook is not called from the loop's thread";
  runReady();
  EXPECT_EQ(hookRuns, 0);
}

// Edge-triggered and never read: a burst of syncs is one write (the flag coalesces them) and
// one round; a later sync is a new edge that wakes the thread again.
TEST_F(PacketLoopTest, ThreadTakesABurstOfDurableNotificationsInOneRound) {
  std::mutex state;
  loop.runOnThread(state);
  ASSERT_TRUE(waitDurableRounds(state, 0));
  const auto before = countersUnder(state);
  {
    std::lock_guard g(state);  // the thread waits: all five land before it runs
    for (int i = 0; i < 5; ++i) journal.makeDurable();
  }
  ASSERT_TRUE(waitDurableRounds(state, before.durablePosts + 1));
  std::this_thread::sleep_for(50ms);
  auto after = countersUnder(state);
  EXPECT_EQ(after.durablePosts, before.durablePosts + 1);
  EXPECT_LE(after.epollWaits, before.epollWaits + 1);
  for (int i = 2; i <= 4; ++i) {
    {
      std::lock_guard g(state);
      journal.makeDurable();
    }
    ASSERT_TRUE(waitDurableRounds(state, before.durablePosts + std::uint64_t(i))) << "edge " << i << " lost";
  }
}

TEST_F(PacketLoopTest, ThreadRoundsWaitForTheStateLock) {
  std::mutex state;
  loop.runOnThread(state);
  {
    std::lock_guard g(state);  // a command or reload on the io thread
    relay.send(query(MessageType::Discover, 7));
    EXPECT_TRUE(relay.receive(150ms).empty()) << "a round ran while the state was locked";
  }
  EXPECT_EQ(relay.receive(2000ms).size(), 1u);
}

// A reload adding HA switches with the state lock held: the thread runs no round after it, and
// the io_context serves the socket from then on (and joins the thread).
TEST_F(PacketLoopTest, SwitchingToTheIoDriveStopsTheThreadsRounds) {
  std::mutex state;
  loop.runOnThread(state);
  {
    std::lock_guard g(state);
    loop.runOnIo();
    EXPECT_FALSE(loop.threaded());
    relay.send(query(MessageType::Discover, 8));
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_TRUE(relay.receive(150ms).empty()) << "the old thread served after the switch";
  runReady();
  EXPECT_EQ(relay.receive(1000ms).size(), 1u);
  // And back: the sockets leave the io_context again.
  loop.runOnThread(state);
  relay.send(query(MessageType::Discover, 9));
  EXPECT_EQ(relay.receive(2000ms).size(), 1u);
  runReady();
}

// The lease file's writer releases what its sync made durable itself when the loop's thread
// sleeps (issue 12): the ACK leaves from the notifying thread, and the loop's thread is not
// woken for it.
TEST_F(PacketLoopTest, ASleepingThreadLeavesTheReleaseToTheJournalsThread) {
  journal.setOnDurable([this](std::uint64_t) { loop.releaseDurableHere(); });
  std::mutex state;
  loop.runOnThread(state);
  const Packet4 offer = parkAnAck(state, 1);
  EXPECT_TRUE(relay.receive(150ms).empty()) << "a DHCPACK left before its lease was durable";
  const auto before = countersUnder(state);  // also orders the fake journal's writes after its reads
  journal.makeDurable();                     // as the writer after its fdatasync, holding nothing
  const auto after = countersUnder(state);
  EXPECT_EQ(after.releasedHere, before.releasedHere + 1);
  EXPECT_EQ(after.durablePosts, before.durablePosts + 1);
  EXPECT_EQ(after.sendCalls, before.sendCalls + 1) << "the ACK was sent by the notifying thread";
  EXPECT_EQ(after.epollWaits, before.epollWaits) << "the loop's thread was woken for the release";
  auto acks = relay.receive(2000ms);
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].messageType(), MessageType::Ack);
  EXPECT_EQ(acks[0].yiaddr, offer.yiaddr);
  loop.stopThread();
}

// Someone holds the state lock (a command, a reload): the notifier neither waits for it nor
// touches the pipeline; the loop's thread releases once it gets the lock.
TEST_F(PacketLoopTest, ReleaseHereLeavesItToTheLoopWhenTheStateIsLocked) {
  journal.setOnDurable([this](std::uint64_t) { loop.releaseDurableHere(); });
  std::mutex state;
  loop.runOnThread(state);
  parkAnAck(state, 2);
  {
    std::lock_guard g(state);
    std::thread journalThread([this] { journal.makeDurable(); });
    journalThread.join();  // returned without the lock
    EXPECT_TRUE(relay.receive(100ms).empty()) << "released while the state was locked";
    EXPECT_EQ(loop.counters().releasedHere, 0u);
  }
  auto acks = relay.receive(2000ms);
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].messageType(), MessageType::Ack);
  EXPECT_EQ(countersUnder(state).releasedHere, 0u);
  loop.stopThread();
}

// The coalescing window: after a round of a few datagrams that parked an ACK, the thread
// leaves the sockets alone for the window and then answers what arrived meanwhile in one
// round. The ACK does not wait for the window: the journal's thread releases it.
TEST_F(PacketLoopTest, TheWindowHoldsDatagramsNotTheAcks) {
  journal.setOnDurable([this](std::uint64_t) { loop.releaseDurableHere(); });
  loop.setCoalesceWindow(std::chrono::microseconds(800ms));
  std::mutex state;
  loop.runOnThread(state);
  const Packet4 offer = parkAnAck(state, 3);
  relay.send(query(MessageType::Discover, 4));
  EXPECT_TRUE(relay.receive(100ms).empty()) << "a datagram was read during the window, or the ACK left early";
  const auto before = countersUnder(state);
  EXPECT_EQ(before.windows, 0u) << "the window is still open";
  journal.makeDurable();  // the lock is free during the window: released here
  auto acks = relay.receive(300ms);
  ASSERT_EQ(acks.size(), 1u) << "the ACK waited for the window";
  EXPECT_EQ(acks[0].messageType(), MessageType::Ack);
  EXPECT_EQ(acks[0].yiaddr, offer.yiaddr);
  EXPECT_EQ(countersUnder(state).releasedHere, before.releasedHere + 1);
  auto offers = relay.receive(3000ms);  // at the window's end
  ASSERT_EQ(offers.size(), 1u);
  EXPECT_EQ(offers[0].messageType(), MessageType::Offer);
  const auto after = countersUnder(state);
  EXPECT_EQ(after.windows, 1u);
  EXPECT_EQ(after.windowsCut, 0u);
  loop.stopThread();
}

// Progress the thread itself must act on (a notifier that cannot release: the lock was taken,
// or a lookup's answer) ends the window at once, and one round then releases the ACK and
// answers what arrived meanwhile, in one sendmmsg.
TEST_F(PacketLoopTest, ProgressTheThreadMustReleaseEndsTheWindow) {
  loop.setCoalesceWindow(std::chrono::microseconds(5s));  // far longer than the test waits
  std::mutex state;
  loop.runOnThread(state);
  const Packet4 offer = parkAnAck(state, 5);
  relay.send(query(MessageType::Discover, 6));
  EXPECT_TRUE(relay.receive(100ms).empty()) << "a datagram was read during the window, or the ACK left early";
  const auto before = countersUnder(state);
  journal.makeDurable();  // the fixture's callback: notifyDurable()
  auto replies = relay.receive(2000ms);
  ASSERT_EQ(replies.size(), 2u);
  int acks = 0, offers = 0;
  for (const auto& r : replies) {
    if (r.messageType() == MessageType::Ack && r.yiaddr == offer.yiaddr) ++acks;
    if (r.messageType() == MessageType::Offer) ++offers;
  }
  EXPECT_EQ(acks, 1);
  EXPECT_EQ(offers, 1);
  const auto after = countersUnder(state);
  EXPECT_EQ(after.windows, 1u);
  EXPECT_EQ(after.windowsCut, 1u);
  EXPECT_EQ(after.sendCalls, before.sendCalls + 1) << "the ACK and the OFFER in one sendmmsg";
  EXPECT_EQ(after.durablePosts, before.durablePosts + 1);
  loop.stopThread();
}

// A sync that does not come (a stalled disk) holds nothing longer than the window: the
// datagram that arrived meanwhile is answered at the window's end, the ACK stays parked.
TEST_F(PacketLoopTest, TheWindowIsBounded) {
  loop.setCoalesceWindow(std::chrono::microseconds(300ms));
  std::mutex state;
  loop.runOnThread(state);
  parkAnAck(state, 10);
  const auto sent = std::chrono::steady_clock::now();
  relay.send(query(MessageType::Discover, 11));
  auto replies = relay.receive(3000ms);
  const auto waited = std::chrono::steady_clock::now() - sent;
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].messageType(), MessageType::Offer);
  EXPECT_LT(waited, 2000ms) << "held past the window";
  const auto c = countersUnder(state);
  EXPECT_EQ(c.windows, 1u);
  EXPECT_EQ(c.windowsCut, 0u);
  {
    std::lock_guard g(state);
    EXPECT_EQ(pipeline.parked(), 1u) << "the ACK left without its sync";
  }
  // The round after the window read one datagram and the ACK is still parked: another window
  // (bounded the same way), then, with nothing read, the usual wait: an idle server does not
  // wake every window.
  std::this_thread::sleep_for(1000ms);
  const auto later = countersUnder(state);
  EXPECT_EQ(later.windows, 2u);
  EXPECT_EQ(later.epollWaits, c.epollWaits + 1);
  loop.stopThread();
}

// A burst is still served in one round, and a round that read many datagrams is not followed
// by a window (load needs no coalescing, and must not be delayed).
TEST_F(PacketLoopTest, ABurstIsOneRoundAndNeedsNoWindow) {
  loop.setCoalesceWindow(std::chrono::microseconds(5s));
  std::mutex state;
  loop.runOnThread(state);
  relay.send(query(MessageType::Discover, 7));
  auto offers = relay.receive(2000ms);
  ASSERT_EQ(offers.size(), 1u);
  PacketLoop::Counters before;
  {
    std::lock_guard g(state);  // everything queues while the thread waits for the lock
    relay.send(requestFor(offers[0], 7));
    for (int i = 0; i < 20; ++i) relay.send(query(MessageType::Discover, std::uint8_t(100 + i)));
    std::this_thread::sleep_for(20ms);
    before = loop.counters();
  }
  auto replies = relay.receive(2000ms);
  EXPECT_EQ(replies.size(), 20u) << "the 20 OFFERs (the ACK waits for its sync)";
  const auto after = countersUnder(state);
  EXPECT_EQ(after.received, before.received + 21);
  EXPECT_EQ(after.receiveCalls, before.receiveCalls + 1) << "one recvmmsg for the burst";
  EXPECT_EQ(after.sendCalls, before.sendCalls + 1) << "one sendmmsg for the burst";
  // No window after it: the next datagram is answered at once, not after 5 s.
  relay.send(query(MessageType::Discover, 8));
  EXPECT_EQ(relay.receive(2000ms).size(), 1u);
  EXPECT_EQ(countersUnder(state).windows, 0u);
  loop.stopThread();
}

// Stopping ends a window at once rather than after it.
TEST_F(PacketLoopTest, StopEndsAWindow) {
  loop.setCoalesceWindow(std::chrono::microseconds(30s));
  std::mutex state;
  loop.runOnThread(state);
  parkAnAck(state, 9);
  std::this_thread::sleep_for(20ms);
  const auto t0 = std::chrono::steady_clock::now();
  loop.stopThread();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
  EXPECT_FALSE(loop.threaded());
}

// HA on the thread drive (issue 11): the DHCPACK waits for both its sync and the partner's
// acknowledgement; the acknowledgement arrives on the io thread, which holds the state lock
// for it, and whichever of the two comes last sends the ACK from its own thread: the loop's
// thread is not woken for either.
struct PacketLoopHaTest : PacketLoopTest {
  std::vector<std::function<void(bool)>> pending;  // acknowledgements not given yet (under `state`)
  std::mutex state;

  void SetUp() override {
    PacketLoopTest::SetUp();
    journal.setOnDurable([this](std::uint64_t) { loop.releaseDurableHere(); });
    net::DhcpPipeline::HaHooks h;
    h.shouldServe = [](const proto::Packet4&, engine::RecvMeta&) { return true; };
    h.leasesCommitted = [this](const std::vector<engine::LeaseChange>&, std::function<void(bool)> done) {
      pending.push_back(std::move(done));
    };
    h.wake = [this] { loop.releaseAcked(); };
    pipeline.setHaHooks(std::move(h));
    loop.runOnThread(state);
  }
  void TearDown() override { loop.stopThread(); }
  // As the io thread's completion of the lease update: with the state lock held, and the
  // gate's completion hook after it.
  void acknowledge(bool ok) {
    std::lock_guard g(state);
    ASSERT_EQ(pending.size(), 1u);
    auto done = std::move(pending.front());
    pending.clear();
    done(ok);
    loop.flushAcked();
  }
};

TEST_F(PacketLoopHaTest, TheAcknowledgementAfterTheSyncSendsTheAckItself) {
  const Packet4 offer = parkAnAck(state, 20);
  journal.makeDurable();  // the writer's thread: the lock is free, but the ACK still waits
  EXPECT_TRUE(relay.receive(150ms).empty()) << "a DHCPACK left before the partner acknowledged it";
  const auto before = countersUnder(state);
  acknowledge(true);
  const auto after = countersUnder(state);
  EXPECT_EQ(after.releasedAcked, before.releasedAcked + 1);
  EXPECT_EQ(after.sendCalls, before.sendCalls + 1) << "the ACK was sent by the acknowledging thread";
  EXPECT_EQ(after.epollWaits, before.epollWaits) << "the loop's thread was woken for the acknowledgement";
  auto acks = relay.receive(2000ms);
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].messageType(), MessageType::Ack);
  EXPECT_EQ(acks[0].yiaddr, offer.yiaddr);
}

// A batched answer acknowledges several updates in one completion: their ACKs leave together.
TEST_F(PacketLoopHaTest, OneAnswersAcknowledgementsSendTheirAcksTogether) {
  parkAnAck(state, 24);
  parkAnAck(state, 25);
  journal.makeDurable();
  const auto before = countersUnder(state);
  {
    std::lock_guard g(state);
    ASSERT_EQ(pending.size(), 2u);
    for (auto& done : pending) done(true);
    pending.clear();
    EXPECT_EQ(loop.counters().sendCalls, before.sendCalls) << "sent before the completion ended";
    loop.flushAcked();
  }
  const auto after = countersUnder(state);
  EXPECT_EQ(after.sendCalls, before.sendCalls + 1) << "one sendmmsg for the answer's ACKs";
  EXPECT_EQ(after.releasedAcked, before.releasedAcked + 1);
  EXPECT_EQ(after.epollWaits, before.epollWaits);
  EXPECT_EQ(relay.receive(2000ms).size(), 2u);
}

TEST_F(PacketLoopHaTest, TheSyncAfterTheAcknowledgementSendsTheAck) {
  const Packet4 offer = parkAnAck(state, 21);
  acknowledge(true);
  EXPECT_TRUE(relay.receive(150ms).empty()) << "a DHCPACK left before its lease was durable";
  const auto before = countersUnder(state);
  journal.makeDurable();
  const auto after = countersUnder(state);
  EXPECT_EQ(after.releasedHere, before.releasedHere + 1);
  EXPECT_EQ(after.epollWaits, before.epollWaits);
  auto acks = relay.receive(2000ms);
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].yiaddr, offer.yiaddr);
}

TEST_F(PacketLoopHaTest, AFailedAcknowledgementDropsTheAck) {
  parkAnAck(state, 22);
  acknowledge(false);
  journal.makeDurable();
  EXPECT_TRUE(relay.receive(200ms).empty()) << "Kea drops the reply of a failed lease update";
  std::lock_guard g(state);
  EXPECT_EQ(pipeline.parked(), 0u);
}

// Shutdown: the thread stops with an ACK still waiting for the partner; the final flush drops
// it, and the cancelled update's answer that comes afterwards finds nothing to send.
TEST_F(PacketLoopHaTest, StoppingWithAnUpdateInFlightDropsItsAck) {
  parkAnAck(state, 23);
  loop.stopThread();
  journal.makeDurable();
  loop.flushParked();
  EXPECT_EQ(pipeline.parked(), 0u);
  ASSERT_EQ(pending.size(), 1u);
  pending.front()(false);  // HaService::stop(): the transports fail what they hold
  runReady();
  EXPECT_TRUE(relay.receive(150ms).empty());
}

// End to end with the real lease file: with the writer releasing and the window on, every
// DHCPACK that arrives names an address whose row was written and then fdatasync'ed before
// it arrived (the FileOps seam records what each sync covered).
TEST(PacketLoopMemfile, EveryAckArrivesAfterTheSyncOfItsLease) {
  testing::TempDir dir;
  std::mutex synced;  // guards syncedBytes and written
  std::size_t written = 0, syncedBytes = 0;
  MemfileJournal::Options o;
  o.path = dir.file("leases4.csv");
  o.commitWindow = std::chrono::microseconds(200);
  o.ops.write = [&](int fd, const void* b, std::size_t n) {
    const ssize_t r = ::write(fd, b, n);
    std::lock_guard g(synced);
    if (r > 0) written += std::size_t(r);
    return r;
  };
  o.ops.fdatasync = [&](int fd) {
    std::size_t covered;
    {
      std::lock_guard g(synced);
      covered = written;
    }
    std::this_thread::sleep_for(2ms);  // a slow disk: the window has something to wait for
    const int r = ::fdatasync(fd);
    std::lock_guard g(synced);
    if (r == 0) syncedBytes = std::max(syncedBytes, covered);
    return r;
  };
  auto opened = MemfileJournal::open(std::move(o));
  ASSERT_TRUE(opened.ok());
  std::unique_ptr<MemfileJournal> journal = std::move(*opened);
  auto cfg = testConfig();
  MemoryLeaseStore store;
  StatsRegistry stats;
  Logger log;
  log.setSeverity(Severity::Fatal);
  engine::Engine engine{cfg, store};
  net::LeaseWriter writer{store, journal.get(), stats, [] { return Clock::now(); }};
  writer.recount(cfg, Clock::now());
  net::DhcpPipeline pipeline{engine, writer, stats, log, net::DhcpPipeline::Options{}};
  boost::asio::io_context io;
  PacketLoop loop{io, pipeline, log, [] { return Clock::now(); }};
  const std::uint16_t port = std::uint16_t(testPort() + 7);
  Relay relay{port};
  net::ServedInterface lo{"lo", 0, Ipv4(127, 0, 0, 1), {}};
  ASSERT_TRUE(loop.open({lo}, net::ReplyPorts{port, std::uint16_t(port + 1)}).ok());
  journal->setOnDurable([&loop](std::uint64_t) { loop.releaseDurableHere(); });
  loop.setCoalesceWindow(std::chrono::microseconds(300));
  std::mutex state;
  loop.runOnThread(state);

  constexpr int kClients = 24;
  for (int i = 0; i < kClients; ++i) relay.send(query(MessageType::Discover, std::uint8_t(i)));
  auto offers = relay.receive(2000ms);
  ASSERT_EQ(offers.size(), std::size_t(kClients));
  // The REQUESTs trickle in (a moderate rate: rounds of one or two, windows, syncs).
  for (const auto& off : offers) {
    auto req = query(MessageType::Request, off.chaddr[5]);
    req.set(proto::opt::kRequestedAddress, proto::ipBytes(off.yiaddr));
    req.set(proto::opt::kServerId, proto::ipBytes(Ipv4(127, 0, 0, 1)));
    relay.send(req);
    std::this_thread::sleep_for(500us);
  }
  int acks = 0;
  std::uint8_t buf[2048];
  pollfd p{relay.fd, POLLIN, 0};
  while (acks < kClients && ::poll(&p, 1, 3000) == 1) {
    const ssize_t n = ::recv(relay.fd, buf, sizeof buf, 0);
    ASSERT_GT(n, 0);
    std::size_t durable;
    {
      std::lock_guard g(synced);
      durable = syncedBytes;
    }
    auto ack = proto::decode({buf, std::size_t(n)});
    ASSERT_TRUE(ack.ok());
    ASSERT_EQ(ack->messageType(), MessageType::Ack);
    const std::string onDisk = testing::readFile(dir.file("leases4.csv")).substr(0, durable);
    EXPECT_NE(onDisk.find(ack->yiaddr.toString() + ","), std::string::npos)
        << "ACK for " << ack->yiaddr.toString() << " arrived before its row was synced";
    ++acks;
  }
  EXPECT_EQ(acks, kClients);
  loop.stopThread();
  journal->setOnDurable(nullptr);
  const auto c = loop.counters();
  EXPECT_GT(c.durablePosts, 0u);
  EXPECT_LT(c.durablePosts, std::uint64_t(kClients)) << "each sync covered several ACKs";
}

}  // namespace
}  // namespace tandem::daemon
