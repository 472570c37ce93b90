// HaPeerRequests: the state machine's ha-heartbeat, ha-reset and ha-maintenance-notify to the
// partner, their answers fed back as events, and the maintenance commands waiting for them.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "ha/service/ha_peer_requests.h"
#include "heartbeat/http_date.h"
#include "tests/ha/ha_test_util.h"
#include "tests/ha/service/ha_service_fakes.h"

namespace tandem::daemon {
namespace {

using nlohmann::json;
using testing::HaPartHarness;
using testing::okAnswer;

class HaPeerRequestsTest : public ::testing::Test {
 protected:
  HaPartHarness h{ha::testing::lbConfig()};
  std::vector<std::pair<std::string, json>> capabilities;
  HaPeerRequests requests{h.links(),
                          [this](const std::string& peer, const json& args) { capabilities.emplace_back(peer, args); }};
  json heartbeatAnswer(const std::string& state) {
    return okAnswer("HA peer status returned.", {{"state", state},
                                                 {"date-time", heartbeat::formatRfc1123(h.control.clock.now())},
                                                 {"scopes", json::array({"server1"})},
                                                 {"unsent-update-count", 3}});
  }
};

TEST_F(HaPeerRequestsTest, HeartbeatAnswerBecomesAnEventAndRecordsCapabilities) {
  requests.sendHeartbeat("server2");
  ASSERT_EQ(h.peer("server2").queue.size(), 1u);
  const json& cmd = h.peer("server2").queue.front().command;
  EXPECT_EQ(cmd["command"], "ha-heartbeat");
  EXPECT_EQ(cmd["arguments"]["server-name"], "server1");
  EXPECT_TRUE(h.events.empty());  // asynchronous: nothing before the answer
  h.peer("server2").answerNext(heartbeatAnswer("load-balancing"));
  const auto answered = h.eventsOf<ha::HeartbeatAnswered>();
  ASSERT_EQ(answered.size(), 1u);
  EXPECT_EQ(answered[0].partnerState, ha::HaState::LoadBalancing);
  EXPECT_EQ(answered[0].localTime, h.control.clock.now());
  EXPECT_EQ(answered[0].unsentUpdateCount, 3u);
  ASSERT_EQ(capabilities.size(), 1u);
  EXPECT_EQ(capabilities[0].first, "server2");
  EXPECT_EQ(capabilities[0].second["state"], "load-balancing");
}

TEST_F(HaPeerRequestsTest, HeartbeatFailuresSayWhy) {
  requests.sendHeartbeat("server2");
  h.peer("server2").answerNext(makeError("connect: Connection refused"));
  requests.sendHeartbeat("server2");
  h.peer("server2").answerNext(json{{"result", 1}, {"text", "cannot store leases"}});
  requests.sendHeartbeat("server2");
  h.peer("server2").answerNext(okAnswer("HA peer status returned.", {{"state", "no-such-state"}}));
  const auto failed = h.eventsOf<ha::HeartbeatFailed>();
  ASSERT_EQ(failed.size(), 3u);
  EXPECT_EQ(failed[0].reason, "connect: Connection refused");
  EXPECT_EQ(failed[1].reason, "result 1: cannot store leases");
  EXPECT_FALSE(failed[2].reason.empty());
  EXPECT_TRUE(capabilities.size() == 1u);  // only the successful (if unreadable) answer
  // An unknown peer: nothing sent, nothing told.
  requests.sendHeartbeat("nobody");
  EXPECT_EQ(h.events.size(), 3u);
}

TEST_F(HaPeerRequestsTest, AnswersOfAnEarlierStartAreDropped) {
  requests.sendHeartbeat("server2");
  requests.sendHaReset("server2");
  h.stopService();
  h.peer("server2").cancelAll();
  EXPECT_TRUE(h.events.empty());
  EXPECT_TRUE(capabilities.empty());
}

TEST_F(HaPeerRequestsTest, HaResetOutcomeGoesToTheMachine) {
  requests.sendHaReset("server2");
  EXPECT_EQ(h.peer("server2").queue.front().command["command"], "ha-reset");
  EXPECT_EQ(h.peer("server2").queue.front().command["arguments"]["server-name"], "server1");
  h.peer("server2").answerNext(okAnswer("HA state machine reset."));
  requests.sendHaReset("server2");
  h.peer("server2").answerNext(makeError("timeout"));
  const auto done = h.eventsOf<ha::HaResetFinished>();
  ASSERT_EQ(done.size(), 2u);
  EXPECT_TRUE(done[0].ok);
  EXPECT_EQ(done[0].text, "HA state machine reset.");
  EXPECT_FALSE(done[1].ok);
  EXPECT_EQ(done[1].text, "timeout");
}

// ha-maintenance-start: the machine asks for a notify to the partner; the command's answer
// waits for the partner's, then says what the machine made of it.
TEST_F(HaPeerRequestsTest, MaintenanceCommandAnswersWhenThePartnerHas) {
  h.answerFor = [this](const ha::HaEvent& e) -> std::optional<ha::CommandAnswer> {
    if (std::holds_alternative<ha::MaintenanceStartCommand>(e)) {
      // What HaService::perform does with the machine's SendMaintenanceNotify action.
      return requests.maintenanceNotify(ha::SendMaintenanceNotify{"server2", false, ha::HaState::LoadBalancing});
    }
    if (const auto* f = std::get_if<ha::MaintenanceNotifyFinished>(&e)) {
      return ha::CommandAnswer{f->result == 0 ? 0 : 1,
                               f->result == 0 ? "Server is now in the partner-in-maintenance "
                                                "state."
                                              : "refused",
                               nullptr};
    }
    return std::nullopt;
  };
  std::vector<json> replies;
  requests.maintenanceCommand(ha::MaintenanceStartCommand{}, [&](json a) { replies.push_back(std::move(a)); });
  EXPECT_TRUE(replies.empty());
  ASSERT_EQ(h.peer("server2").queue.size(), 1u);
  const json& notify = h.peer("server2").queue.front().command;
  EXPECT_EQ(notify["command"], "ha-maintenance-notify");
  EXPECT_EQ(notify["arguments"]["cancel"], false);
  h.peer("server2").answerNext(okAnswer("Server is in-maintenance state."));
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0]["result"], 0);
  EXPECT_EQ(replies[0]["text"], "Server is now in the partner-in-maintenance state.");
  EXPECT_EQ(h.eventsOf<ha::MaintenanceNotifyFinished>().size(), 1u);
}

TEST_F(HaPeerRequestsTest, MaintenanceCommandAnsweredAtOnceOrOnStop) {
  // The machine answers at once (e.g. refused in this state): so does the command.
  h.answerFor = [](const ha::HaEvent&) -> std::optional<ha::CommandAnswer> {
    return ha::CommandAnswer{1, "not allowed now", nullptr};
  };
  std::vector<json> replies;
  requests.maintenanceCommand(ha::MaintenanceCancelCommand{}, [&](json a) { replies.push_back(std::move(a)); });
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0]["text"], "not allowed now");
  // Waiting for the partner when the service stops: answered with an error.
  h.answerFor = {};
  requests.maintenanceCommand(ha::MaintenanceStartCommand{}, [&](json a) { replies.push_back(std::move(a)); });
  ASSERT_EQ(replies.size(), 1u);
  requests.stop();
  ASSERT_EQ(replies.size(), 2u);
  EXPECT_EQ(replies[1]["result"], 1);
  EXPECT_EQ(replies[1]["text"], "HA service stopped before the partner answered");
  // A machine that gave no answer at all is an internal error, not silence.
  EXPECT_EQ(commandAnswerJson(std::nullopt)["text"], "internal error: the HA state machine gave no answer");
}

TEST_F(HaPeerRequestsTest, MaintenanceNotifyWithoutTransportAnswersAtOnce) {
  h.answerFor = [](const ha::HaEvent& e) -> std::optional<ha::CommandAnswer> {
    const auto* f = std::get_if<ha::MaintenanceNotifyFinished>(&e);
    if (!f) return std::nullopt;
    return ha::CommandAnswer{1, f->text, nullptr};
  };
  const auto answer = requests.maintenanceNotify(ha::SendMaintenanceNotify{"nobody", false, ha::HaState::Waiting});
  ASSERT_TRUE(answer);
  EXPECT_NE(answer->text.find("no transport to nobody"), std::string::npos) << answer->text;
  ASSERT_EQ(h.eventsOf<ha::MaintenanceNotifyFinished>().size(), 1u);
  EXPECT_TRUE(h.eventsOf<ha::MaintenanceNotifyFinished>()[0].transportError);
}

}  // namespace
}  // namespace tandem::daemon
