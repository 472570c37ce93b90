#pragma once
// Fakes for the tests of HaService and its parts (ha/service): a peer whose requests the test
// answers by hand or with a responder, and timers the test fires with a fake clock. Nothing
// sleeps and every exchange is visible as JSON.
#include <gtest/gtest.h>

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ha/service/ha_peer_transport.h"
#include "ha/service/ha_service_links.h"
#include "ha/service/ha_timers.h"
#include "tests/api/fake_server_control.h"

namespace tandem::daemon::testing {

using nlohmann::json;

// A peer that queues requests; the test answers them with `respond` (or a responder).
class FakePeer final : public PeerTransport {
 public:
  struct Request {
    json command;
    Callback cb;
  };
  std::deque<Request> queue;
  std::vector<json> sent;  // every command, in order
  std::function<Result<json>(const json&)> responder;

  void send(json command, std::chrono::milliseconds, Callback cb) override {
    sent.push_back(command);
    queue.push_back({std::move(command), std::move(cb)});
  }
  void cancelAll() override {
    auto q = std::move(queue);
    queue.clear();
    for (auto& r : q) r.cb(makeError("cancelled"));
  }
  // Answers the oldest pending request.
  void answerNext(Result<json> answer) {
    ASSERT_FALSE(queue.empty());
    auto r = std::move(queue.front());
    queue.pop_front();
    r.cb(std::move(answer));
  }
  // Answers everything pending (and what those answers trigger) with the responder.
  void drain() {
    for (int guard = 0; !queue.empty() && guard < 1000; ++guard) {
      auto r = std::move(queue.front());
      queue.pop_front();
      r.cb(responder(r.command));
    }
  }
  std::vector<std::string> names() const {
    std::vector<std::string> n;
    for (const auto& c : sent) n.push_back(c.at("command").get<std::string>());
    return n;
  }
  // How many `command` requests were sent.
  std::size_t count(const std::string& command) const {
    std::size_t n = 0;
    for (const auto& c : sent) n += c.at("command") == command ? 1 : 0;
    return n;
  }
};

class FakeTimers final : public HaTimers {
 public:
  struct Armed {
    SteadyTime at;
    std::function<void()> fire;
  };
  std::map<ha::TimerId, Armed> armed;
  void arm(ha::TimerId id, SteadyTime at, std::function<void()> fire) override { armed[id] = {at, std::move(fire)}; }
  void cancel(ha::TimerId id) override { armed.erase(id); }
  bool has(ha::TimerId id) const { return armed.count(id) != 0; }
  // Fires a timer if it is armed, the clock advanced to its deadline first; false (and nothing
  // happens) when it is not.
  bool fireIfArmed(ha::TimerId id, FakeClock& clock) {
    auto it = armed.find(id);
    if (it == armed.end()) return false;
    auto a = std::move(it->second);
    armed.erase(it);
    if (a.at > fakeSteady(clock)) clock.advance(a.at - fakeSteady(clock));
    a.fire();
    return true;
  }
  // The same for a timer that must be armed: one that is not fails the test (and returns
  // false, for the caller's ASSERT_TRUE to stop there).
  bool fire(ha::TimerId id, FakeClock& clock) {
    if (fireIfArmed(id, clock)) return true;
    ADD_FAILURE() << "timer " << static_cast<int>(id) << " is not armed";
    return false;
  }
};

// What one part of HaService is built with in its own tests: the relationship's configuration,
// a fake server (two subnets, 198.18.16.0/24 id 1 and 198.18.17.0/24 id 2), a fake peer for
// every other server, and a dispatch that records the events instead of running a machine
// (`answerFor` gives the command answer an event would produce).
struct HaPartHarness {
  explicit HaPartHarness(ha::HaConfig c) : cfg(std::move(c)) {
    log.setSeverity(Severity::Error);
    api::testing::setUpTwoSubnets(control);
    for (const ha::PeerConfig* p : cfg.otherPeers()) fakes[p->name] = std::make_unique<FakePeer>();
  }
  HaServiceLinks links() {
    return HaServiceLinks{cfg,
                          control,
                          log,
                          [this](const std::string& peer) -> PeerTransport* {
                            auto it = fakes.find(peer);
                            return it == fakes.end() ? nullptr : it->second.get();
                          },
                          [this](const ha::HaEvent& e) -> std::optional<ha::CommandAnswer> {
                            events.push_back(e);
                            return answerFor ? answerFor(e) : std::nullopt;
                          },
                          alive};
  }
  // The recorded events of one kind, in order.
  template <class E>
  std::vector<E> eventsOf() const {
    std::vector<E> out;
    for (const auto& e : events) {
      if (const E* x = std::get_if<E>(&e)) out.push_back(*x);
    }
    return out;
  }
  FakePeer& peer(const std::string& name) { return *fakes.at(name); }
  // What HaService::stop() does to the liveness flag.
  void stopService() {
    *alive = false;
    alive = std::make_shared<bool>(true);
  }

  ha::HaConfig cfg;
  api::testing::FakeServerControl control;
  Logger log;
  std::map<std::string, std::unique_ptr<FakePeer>> fakes;
  std::vector<ha::HaEvent> events;
  std::function<std::optional<ha::CommandAnswer>(const ha::HaEvent&)> answerFor;
  std::shared_ptr<bool> alive = std::make_shared<bool>(true);
};

inline json okAnswer(std::string text = "ok", json args = nullptr) {
  json a = {{"result", 0}, {"text", std::move(text)}};
  if (!args.is_null()) a["arguments"] = std::move(args);
  return a;
}

inline Lease testLease(Ipv4 a, std::uint8_t mac) {
  Lease l;
  l.address = a;
  l.hwAddr = HwAddr::fromBytes(std::vector<std::uint8_t>{0x52, 0x54, 0, 0, 0, mac});
  l.validLifetime = 3600;
  l.cltt = 1'750'000'000;
  l.subnetId = 1;
  return l;
}

}  // namespace tandem::daemon::testing
