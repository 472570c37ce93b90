#pragma once
// A set of IPv4 addresses without an allocation per element: open addressing with linear
// probing and backward-shift deletion, for the lease update batcher (sync/update_batcher.h),
// which inserts and erases one address per lease change on every batch. std::unordered_set
// allocated and freed a node for each (issue 11: the sender's bookkeeping was the largest HA
// stage of a pair's CPU per DORA). The table only grows (to twice the most addresses held).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace tandem::sync {

class AddressSet {
 public:
  // True when `a` was not in the set.
  bool insert(std::uint32_t a) {
    if ((size_ + 1) * 2 > slots_.size()) grow();
    std::size_t i = home(a);
    const std::uint64_t key = std::uint64_t{a} + 1;
    while (slots_[i] != 0) {
      if (slots_[i] == key) return false;
      i = (i + 1) & mask_;
    }
    slots_[i] = key;
    ++size_;
    return true;
  }

  bool contains(std::uint32_t a) const noexcept { return find(a) != kNone; }

  // True when `a` was in the set.
  bool erase(std::uint32_t a) noexcept {
    std::size_t i = find(a);
    if (i == kNone) return false;
    // Backward shift: move up every later entry of the probe run whose home is not in (i, j],
    // so no lookup ever meets a hole before its key.
    std::size_t j = i;
    for (;;) {
      j = (j + 1) & mask_;
      if (slots_[j] == 0) break;
      const std::size_t k = home(static_cast<std::uint32_t>(slots_[j] - 1));
      const bool between = i <= j ? (i < k && k <= j) : (i < k || k <= j);
      if (between) continue;
      slots_[i] = slots_[j];
      i = j;
    }
    slots_[i] = 0;
    --size_;
    return true;
  }

  void clear() noexcept {
    std::fill(slots_.begin(), slots_.end(), 0);
    size_ = 0;
  }

  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }

 private:
  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);

  std::size_t home(std::uint32_t a) const noexcept {
    // Fibonacci hashing: consecutive addresses (a pool handed out in order) spread out.
    return static_cast<std::size_t>((std::uint64_t{a} * 0x9E3779B97F4A7C15ull) >> shift_) & mask_;
  }

  std::size_t find(std::uint32_t a) const noexcept {
    if (size_ == 0) return kNone;
    const std::uint64_t key = std::uint64_t{a} + 1;
    for (std::size_t i = home(a);; i = (i + 1) & mask_) {
      if (slots_[i] == key) return i;
      if (slots_[i] == 0) return kNone;
    }
  }

  void grow() {
    std::vector<std::uint64_t> old = std::move(slots_);
    const std::size_t capacity = old.empty() ? 64 : old.size() * 2;
    slots_.assign(capacity, 0);
    mask_ = capacity - 1;
    shift_ = 64;
    for (std::size_t c = capacity; c > 1; c >>= 1) --shift_;
    size_ = 0;
    for (std::uint64_t key : old) {
      if (key != 0) insert(static_cast<std::uint32_t>(key - 1));
    }
  }

  std::vector<std::uint64_t> slots_;  // address + 1; 0 = empty
  std::size_t size_ = 0;
  std::size_t mask_ = 0;
  unsigned shift_ = 64;
};

}  // namespace tandem::sync
