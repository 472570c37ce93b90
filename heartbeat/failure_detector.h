#pragma once
// Partner reachability and Kea's unacked-clients test (reference/ha-protocol.md 3.1-3.3).
// Pure: every call takes `now`; nothing reads a clock.
//
//  - Communication is "interrupted" when more than max-response-delay has passed since the
//    last successful heartbeat (or since start, before the first one). Only a successful
//    heartbeat refreshes it (Kea: lease-update successes do not).
//  - While interrupted, every query that belongs to the partner's scope is analysed: the client
//    (chaddr + option 61) becomes "unacked" when secs * 1000 > max-ack-delay, after undoing
//    the Windows byte-swap of `secs`. The partner is considered failed when
//    max-unacked-clients is 0 or more than max-unacked-clients distinct clients are unacked.
//  - A successful heartbeat clears everything gathered.
#include <chrono>
#include <cstdint>
#include <map>
#include <span>

#include "dhcpd/common/steady_time.h"
#include "heartbeat/client_key.h"

namespace tandem::heartbeat {

struct FailureDetectorConfig {
  std::chrono::milliseconds maxResponseDelay{60000};
  std::chrono::milliseconds maxAckDelay{10000};
  std::uint32_t maxUnackedClients = 10;
};

class FailureDetector {
 public:
  enum class Analysis : std::uint8_t {
    Ignored,  // communication not interrupted: Kea does not look at the packet
    Acked,    // recorded, secs within max-ack-delay
    Unacked,  // recorded (or upgraded) as unacked
  };

  FailureDetector(FailureDetectorConfig cfg, SteadyTime start) : cfg_(cfg), lastContact_(start) {}

  // A heartbeat succeeded: the partner is alive; drop the traffic analysis.
  void poke(SteadyTime now);
  SteadyTime lastContact() const noexcept { return lastContact_; }
  bool interrupted(SteadyTime now) const noexcept { return now - lastContact_ > cfg_.maxResponseDelay; }
  // First instant at which interrupted() becomes true (for arming a check timer).
  SteadyTime interruptionAt() const noexcept {
    return lastContact_ + cfg_.maxResponseDelay + std::chrono::milliseconds(1);
  }
  // Whole seconds since the last successful heartbeat (status-get "age").
  std::int64_t ageSeconds(SteadyTime now) const noexcept;

  // A query for the partner's scope (HA message types only) was received.
  Analysis analyze(std::span<const std::uint8_t> hwAddr, std::span<const std::uint8_t> clientId, std::uint16_t secs,
                   SteadyTime now);
  bool failureDetected() const noexcept { return cfg_.maxUnackedClients == 0 || unacked_ > cfg_.maxUnackedClients; }

  // Kea's byte-swap quirk: some Windows clients put secs in the wrong byte order; a value
  // above 255 whose low byte is zero is taken as swapped.
  static std::uint16_t correctSecs(std::uint16_t secs) noexcept {
    return (secs > 255 && (secs & 0xff) == 0) ? static_cast<std::uint16_t>((secs >> 8) | (secs << 8)) : secs;
  }

  std::size_t connectingClients() const noexcept { return clients_.size(); }
  std::size_t unackedClients() const noexcept { return unacked_; }
  std::uint64_t analyzedPackets() const noexcept { return analyzed_; }
  // status-get "unacked-clients-left": max - unacked + 1 while interrupted, else 0.
  std::uint64_t unackedClientsLeft(SteadyTime now) const noexcept;

  const FailureDetectorConfig& config() const noexcept { return cfg_; }

 private:
  FailureDetectorConfig cfg_;
  SteadyTime lastContact_;
  std::map<ClientKey, bool> clients_;  // value: unacked
  std::size_t unacked_ = 0;
  std::uint64_t analyzed_ = 0;
};

}  // namespace tandem::heartbeat
