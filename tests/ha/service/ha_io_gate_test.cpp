#include "ha/service/ha_io_gate.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <thread>

#include <boost/asio/io_context.hpp>

#include "ha/net/peer_client.h"
#include "ha/service/gated_ha_timers.h"
#include "ha/service/gated_peer_transport.h"
#include "tests/ha/service/ha_service_fakes.h"

// The HA service between the packet thread and the io thread (issue 11): what the packet
// thread asks of a transport or a timer waits for the end of its round and then goes out on
// the io thread, in the order the service asked, with one post per round; every answer and
// every timer runs with the state lock held; a cancelAll() by the lock's holder fails what is
// still queued without taking the lock again.
namespace tandem::daemon {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::FakePeer;
using testing::FakeTimers;

json cmd(const std::string& name) { return json{{"command", name}}; }

// Whether another thread could take `m` now (a thread must not try_lock a mutex it holds).
bool lockedElsewhere(std::mutex& m) {
  return !std::async(std::launch::async, [&m] {
            if (!m.try_lock()) return false;
            m.unlock();
            return true;
          }).get();
}

struct HaIoGateTest : ::testing::Test {
  boost::asio::io_context io;
  std::mutex state;
  bool packetThread = false;  // the calling thread plays the packet loop's while set
  HaIoGate gate{io, state, [this] { return packetThread; }};
  FakePeer* peer = nullptr;
  std::unique_ptr<GatedPeerTransport> transport;

  void SetUp() override {
    auto p = std::make_unique<FakePeer>();
    peer = p.get();
    transport = std::make_unique<GatedPeerTransport>(gate, std::move(p));
  }
  void runIo() {
    io.restart();
    io.poll();
  }
};

TEST_F(HaIoGateTest, ThePacketThreadsRequestsLeaveAfterItsRoundInOnePost) {
  packetThread = true;
  std::vector<std::string> answers;
  for (const char* n : {"lease4-update", "lease4-del", "ha-heartbeat"}) {
    transport->send(cmd(n), 1s, [&answers, n](Result<json>) { answers.push_back(n); });
  }
  EXPECT_TRUE(peer->sent.empty()) << "an Asio object was used from the packet thread";
  runIo();
  EXPECT_TRUE(peer->sent.empty()) << "sent before the round ended";
  gate.kick();
  gate.kick();  // a second kick before the io thread ran: no second post
  packetThread = false;
  runIo();
  EXPECT_EQ(peer->names(), (std::vector<std::string>{"lease4-update", "lease4-del", "ha-heartbeat"}));
  EXPECT_EQ(gate.deferred(), 3u);
  EXPECT_EQ(gate.posts(), 1u);
  while (!peer->queue.empty()) peer->answerNext(json{{"result", 0}});
  EXPECT_EQ(answers, (std::vector<std::string>{"lease4-update", "lease4-del", "ha-heartbeat"}));
  gate.kick();  // nothing queued: nothing posted
  EXPECT_EQ(gate.posts(), 1u);
}

// The peer sees the requests in the order the service made them: the io thread's own request
// goes after what the packet thread queued before it, whether or not the post ran yet.
TEST_F(HaIoGateTest, TheIoThreadsRequestGoesAfterTheQueuedOnes) {
  packetThread = true;
  transport->send(cmd("first"), 1s, [](Result<json>) {});
  transport->sendText(R"({"command": "second"})", 1s, [](Result<json>) {});
  gate.kick();
  packetThread = false;
  transport->send(cmd("third"), 1s, [](Result<json>) {});
  EXPECT_EQ(peer->names(), (std::vector<std::string>{"first", "second", "third"}));
  runIo();  // the post finds nothing left
  EXPECT_EQ(peer->sent.size(), 3u);
}

TEST_F(HaIoGateTest, AnswersRunWithTheStateLockHeld) {
  transport->send(cmd("lease4-update"), 1s, [&](Result<json>) { EXPECT_TRUE(lockedElsewhere(state)); });
  transport->sendRaw(cmd("lease4-get-page"), 1s,
                     [&](Result<std::string_view>) { EXPECT_TRUE(lockedElsewhere(state)); });
  ASSERT_EQ(peer->queue.size(), 2u);
  EXPECT_FALSE(lockedElsewhere(state));
  // A round holds the lock: the answer waits for it.
  std::atomic<bool> answered{false};
  std::promise<void> holding;
  std::thread round([&] {
    std::lock_guard g(state);
    holding.set_value();
    std::this_thread::sleep_for(100ms);
    EXPECT_FALSE(answered.load()) << "an answer ran during the round";
  });
  holding.get_future().wait();
  peer->answerNext(json{{"result", 0}});
  answered = true;
  round.join();
  peer->answerNext(json{{"result", 0}});
  EXPECT_FALSE(lockedElsewhere(state));
}

// HaService::stop() from a reload: the caller holds the lock. What is still queued fails
// first, then what the inner transport holds, all before cancelAll() returns, without taking
// the lock a second time; nothing of it reaches the wire later.
// The completion hook runs once per completion that took the lock, after it, still holding
// the lock; not for completions run by the lock's holder (cancelAll()).
TEST_F(HaIoGateTest, TheCompletionHookFollowsEachLockedCompletion) {
  std::vector<std::string> seen;
  gate.setCompletionHook([&] {
    EXPECT_TRUE(lockedElsewhere(state));
    seen.push_back("hook");
  });
  transport->send(cmd("a"), 1s, [&](Result<json>) { seen.push_back("a"); });
  transport->send(cmd("b"), 1s, [&](Result<json>) { seen.push_back("b"); });
  peer->answerNext(json{{"result", 0}});
  EXPECT_EQ(seen, (std::vector<std::string>{"a", "hook"}));
  {
    std::lock_guard g(state);
    transport->cancelAll();
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"a", "hook", "b"}));
}

TEST_F(HaIoGateTest, CancelAllByTheLocksHolderFailsTheQueuedRequests) {
  packetThread = true;
  std::vector<std::string> failed;
  auto onAnswer = [&failed](std::string n) {
    return [&failed, n](Result<json> r) {
      ASSERT_FALSE(r.ok());
      failed.push_back(n);
    };
  };
  transport->send(cmd("queued1"), 1s, onAnswer("queued1"));
  transport->sendText(R"({"command": "queued2"})", 1s, onAnswer("queued2"));
  packetThread = false;
  {
    std::lock_guard g(state);
    transport->cancelAll();
  }
  ASSERT_EQ(failed, (std::vector<std::string>{"queued1", "queued2"}));
  gate.kick();
  runIo();
  EXPECT_TRUE(peer->sent.empty());
  // A request on the wire when cancelAll() runs fails through the inner transport, also inline.
  transport->send(cmd("inflight"), 1s, onAnswer("inflight"));
  {
    std::lock_guard g(state);
    transport->cancelAll();
  }
  EXPECT_EQ(failed.back(), "inflight");
}

TEST_F(HaIoGateTest, TheQueuedRequestsOfATransportThatGoesAreForgotten) {
  packetThread = true;
  bool called = false;
  transport->send(cmd("lease4-update"), 1s, [&called](Result<json>) { called = true; });
  transport.reset();
  gate.kick();
  packetThread = false;
  runIo();
  EXPECT_FALSE(called);
  EXPECT_EQ(gate.posts(), 0u) << "nothing left to post for";
}

TEST_F(HaIoGateTest, TimersArmedByThePacketThreadFireOnTheIoThreadWithTheLock) {
  auto inner = std::make_unique<FakeTimers>();
  FakeTimers* fake = inner.get();
  GatedHaTimers timers(gate, std::move(inner));
  const SteadyTime at = SteadyClock::now() + 1s;
  int fired = 0;
  packetThread = true;
  timers.arm(ha::TimerId::Heartbeat, at, [&] {
    EXPECT_TRUE(lockedElsewhere(state));
    ++fired;
  });
  timers.arm(ha::TimerId::CommunicationCheck, at, [] {});
  timers.cancel(ha::TimerId::CommunicationCheck);
  EXPECT_TRUE(fake->armed.empty()) << "armed from the packet thread";
  gate.kick();
  packetThread = false;
  runIo();
  ASSERT_TRUE(fake->has(ha::TimerId::Heartbeat));
  EXPECT_EQ(fake->armed.at(ha::TimerId::Heartbeat).at, at) << "the deadline moved with the hand-off";
  EXPECT_FALSE(fake->has(ha::TimerId::CommunicationCheck)) << "the cancel overtook the arming";
  fake->armed.at(ha::TimerId::Heartbeat).fire();
  EXPECT_EQ(fired, 1);
  EXPECT_FALSE(lockedElsewhere(state));
}

// The real thing: requests made on one thread while another runs the io_context.
TEST_F(HaIoGateTest, AnotherThreadsRequestsReachThePeerInOrder) {
  std::thread::id packet;
  HaIoGate threaded{io, state, [&packet] { return std::this_thread::get_id() == packet; }};
  auto inner = std::make_unique<FakePeer>();
  FakePeer* fake = inner.get();
  GatedPeerTransport t(threaded, std::move(inner));
  constexpr int kRounds = 50;
  std::thread loop([&] {
    packet = std::this_thread::get_id();
    for (int r = 0; r < kRounds; ++r) {
      std::lock_guard g(state);
      for (int i = 0; i < 3; ++i) t.send(cmd("u" + std::to_string(r * 3 + i)), 1s, [](Result<json>) {});
      threaded.kick();
    }
  });
  loop.join();
  packet = std::thread::id();
  io.restart();
  io.run_for(1s);
  ASSERT_EQ(fake->sent.size(), std::size_t(kRounds * 3));
  for (int i = 0; i < kRounds * 3; ++i) EXPECT_EQ(fake->sent[i].at("command"), "u" + std::to_string(i));
  EXPECT_LE(threaded.posts(), std::uint64_t(kRounds));
}

}  // namespace
}  // namespace tandem::daemon
