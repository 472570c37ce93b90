#include "heartbeat/failure_detector.h"

namespace tandem::heartbeat {

void FailureDetector::poke(SteadyTime now) {
  lastContact_ = now;
  clients_.clear();
  unacked_ = 0;
  analyzed_ = 0;
}

std::int64_t FailureDetector::ageSeconds(SteadyTime now) const noexcept {
  return std::chrono::duration_cast<std::chrono::seconds>(now - lastContact_).count();
}

FailureDetector::Analysis FailureDetector::analyze(std::span<const std::uint8_t> hwAddr,
                                                   std::span<const std::uint8_t> clientId, std::uint16_t secs,
                                                   SteadyTime now) {
  if (!interrupted(now)) return Analysis::Ignored;
  ++analyzed_;
  // secs is in seconds, max-ack-delay in milliseconds (Kea: secs * 1000 > max-ack-delay).
  const bool unacked = std::int64_t(correctSecs(secs)) * 1000 > std::int64_t(cfg_.maxAckDelay.count());
  auto [it, inserted] = clients_.try_emplace(ClientKey::of(hwAddr, clientId), unacked);
  if (inserted) {
    if (unacked) ++unacked_;
  } else if (!it->second && unacked) {
    // A client first seen within the delay that keeps retrying past it is upgraded;
    // retransmissions never count twice.
    it->second = true;
    ++unacked_;
  }
  return it->second ? Analysis::Unacked : Analysis::Acked;
}

std::uint64_t FailureDetector::unackedClientsLeft(SteadyTime now) const noexcept {
  if (!interrupted(now) || unacked_ > cfg_.maxUnackedClients) return 0;
  return std::uint64_t(cfg_.maxUnackedClients) - unacked_ + 1;
}

}  // namespace tandem::heartbeat
