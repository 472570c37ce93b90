#include "ha/service/ha_peer_requests.h"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

namespace tandem::daemon {

using nlohmann::json;

api::json commandAnswerJson(const std::optional<ha::CommandAnswer>& a) {
  if (!a) return api::makeAnswer(api::kResultError, "internal error: the HA state machine gave no answer");
  return api::makeAnswer(a->result, a->text, a->arguments);
}

void HaPeerRequests::sendHeartbeat(const std::string& peer) {
  PeerTransport* t = links_.transport(peer);
  if (!t) return;
  // Never wait longer than max-response-delay for one answer: a partner that hangs (rather
  // than refusing connections) is then detected on time instead of after Kea's fixed 10 s.
  const auto timeout =
      std::min(kPeerRequestTimeout, std::max(links_.cfg.maxResponseDelay, std::chrono::milliseconds(1000)));
  std::weak_ptr<bool> guard = links_.alive;
  t->send(sync::makeCommand("ha-heartbeat", sync::heartbeatArgs(links_.cfg.thisServerName)), timeout,
          [this, guard, peer](Result<json> r) {
            if (auto g = guard.lock(); !g || !*g) return;
            auto answer = toPeerAnswer(r);
            if (answer && answer->result == sync::kResultSuccess) recordCapability_(peer, answer->arguments);
            if (!answer) {
              links_.dispatch(ha::HeartbeatFailed{answer.error().message});
              return;
            }
            if (answer->result != sync::kResultSuccess) {
              links_.dispatch(ha::HeartbeatFailed{fmt::format("result {}: {}", answer->result, answer->text)});
              return;
            }
            auto hb = sync::parseHeartbeatAnswer(*answer);
            if (!hb) {
              links_.dispatch(ha::HeartbeatFailed{hb.error().message});
              return;
            }
            hb->localTime = links_.control.now();
            links_.dispatch(*hb);
          });
}

void HaPeerRequests::sendHaReset(const std::string& peer) {
  PeerTransport* t = links_.transport(peer);
  if (!t) return;
  std::weak_ptr<bool> guard = links_.alive;
  t->send(sync::makeCommand("ha-reset", sync::haResetArgs(links_.cfg.thisServerName)), kPeerRequestTimeout,
          [this, guard](Result<json> r) {
            if (auto g = guard.lock(); !g || !*g) return;
            auto answer = toPeerAnswer(r);
            const bool ok = answer && answer->result == sync::kResultSuccess;
            links_.dispatch(ha::HaResetFinished{ok, answer ? answer->text : answer.error().message});
          });
}

std::optional<ha::CommandAnswer> HaPeerRequests::maintenanceNotify(const ha::SendMaintenanceNotify& a) {
  PeerTransport* t = links_.transport(a.peer);
  if (!t) return links_.dispatch(sync::maintenanceNotifyFinished(toPeerAnswer(makeError("no transport to " + a.peer))));
  std::weak_ptr<bool> guard = links_.alive;
  t->send(sync::makeCommand("ha-maintenance-notify",
                            sync::maintenanceNotifyArgs(links_.cfg.thisServerName, a.cancel, a.state)),
          kPeerRequestTimeout, [this, guard](Result<json> r) {
            if (auto g = guard.lock(); !g || !*g) return;
            auto answer = links_.dispatch(sync::maintenanceNotifyFinished(toPeerAnswer(r)));
            if (auto reply = std::exchange(maintenanceReply_, nullptr)) reply(commandAnswerJson(answer));
          });
  return std::nullopt;
}

void HaPeerRequests::maintenanceCommand(const ha::HaEvent& command, api::CommandReply reply) {
  // The machine refuses a second request while one is in flight ("already in progress"),
  // so at most one reply is ever pending. The partner's answer comes on a later turn of
  // the event loop (PeerTransport::send never calls back from inside send()).
  auto answer = links_.dispatch(command);
  if (answer || maintenanceReply_) return reply(commandAnswerJson(answer));
  maintenanceReply_ = std::move(reply);
}

void HaPeerRequests::stop() {
  if (auto reply = std::exchange(maintenanceReply_, nullptr)) {
    reply(api::makeAnswer(api::kResultError, "HA service stopped before the partner answered"));
  }
}

}  // namespace tandem::daemon
