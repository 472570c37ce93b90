#pragma once
// Progress of a long operator command (lease4-wipe, a big reservation-get-all): the daemon
// does the work in slices between packets, and meanwhile shows how far it got in status-get
// ("operations", which `tandemctl` polls to draw its bar) and in its log, a line every
// `logEvery` (as the lease file load does). Pure: the caller passes the time.
//
//   status-get: "operations": [ { "command": "lease4-wipe", "done": 400000, "total": 2000000,
//                                 "unit": "leases", "elapsed-ms": 2004 } ]
//   log:        lease4-wipe: 400000 of 2000000 leases (20%), 2.0 s
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "dhcpd/common/clock.h"

namespace tandem::api {

class OperationProgress {
 public:
  OperationProgress(std::string command, std::string unit, std::size_t total, TimePoint started,
                    std::chrono::milliseconds logEvery = std::chrono::seconds(2));

  // Records `done` units so far (capped at the total).
  void setDone(std::size_t done) noexcept { done_ = done < total_ ? done : total_; }
  // The log line when one is due (the first `logEvery` after the start, then one per
  // `logEvery`), nullopt otherwise.
  std::optional<std::string> lineDue(TimePoint now);
  // The closing line: "<command>: <done> <unit> in <ms> ms".
  std::string finishLine(TimePoint now) const;

  nlohmann::json toJson(TimePoint now) const;
  std::string line(TimePoint now) const;

  const std::string& command() const noexcept { return command_; }
  std::size_t done() const noexcept { return done_; }
  std::size_t total() const noexcept { return total_; }

 private:
  std::string command_;
  std::string unit_;
  std::size_t total_;
  std::size_t done_ = 0;
  TimePoint started_;
  TimePoint lastLine_;
  std::chrono::milliseconds logEvery_;
};

// The text tandemctl shows for one entry of status-get's "operations": a bar of `width`
// cells on a terminal ("[#########...........]  45% 900000/2000000 leases, 3.1 s"), the
// plain line otherwise ("lease4-wipe: 900000 of 2000000 leases (45%), 3.1 s"). Empty when
// the entry is not an operation.
std::string formatOperation(const nlohmann::json& op, bool bar, std::size_t width = 30);

}  // namespace tandem::api
