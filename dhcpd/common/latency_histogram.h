#pragma once
// A latency histogram with fixed bucket bounds for the packet path (Prometheus histograms on
// /metrics): observe() is a short linear scan over at most kMaxBuckets bounds and two adds,
// with no allocation, no lock and no atomic. It is not thread-safe by design: the packet
// path and the control handlers that read it run on the daemon's one io_context thread.
#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>

namespace tandem {

class LatencyHistogram {
 public:
  static constexpr std::size_t kMaxBuckets = 20;
  using Nanos = std::chrono::nanoseconds;

  // `upperBounds`: ascending, inclusive upper bounds (Prometheus "le"); at most kMaxBuckets
  // (extra ones are ignored). Must outlive the histogram (use a static constexpr array).
  explicit LatencyHistogram(std::span<const Nanos> upperBounds) noexcept
      : bounds_(upperBounds.first(std::min(upperBounds.size(), kMaxBuckets))) {}

  void observe(Nanos d) noexcept {
    const std::int64_t ns = std::max<std::int64_t>(d.count(), 0);
    std::size_t i = 0;
    while (i < bounds_.size() && ns > bounds_[i].count()) ++i;
    ++counts_[i];  // counts_[bounds_.size()] is the +Inf bucket
    sumNs_ += std::uint64_t(ns);
  }

  std::span<const Nanos> bounds() const noexcept { return bounds_; }
  // Observations in bucket i alone (not cumulative); i == bounds().size() is above every bound.
  std::uint64_t bucketCount(std::size_t i) const noexcept { return i <= bounds_.size() ? counts_[i] : 0; }
  std::uint64_t count() const noexcept {
    std::uint64_t n = 0;
    for (std::size_t i = 0; i <= bounds_.size(); ++i) n += counts_[i];
    return n;
  }
  std::uint64_t sumNanos() const noexcept { return sumNs_; }

 private:
  std::span<const Nanos> bounds_;
  std::array<std::uint64_t, kMaxBuckets + 1> counts_{};
  std::uint64_t sumNs_ = 0;
};

}  // namespace tandem
