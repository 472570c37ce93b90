#pragma once
// A LeaseJournal whose durability the test controls: nothing is durable until makeDurable().
#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include "dhcpd/lease/lease_journal.h"

namespace tandem::net::testing {

class FakeJournal final : public LeaseJournal {
 public:
  std::uint64_t append(const Lease& l) override {
    rows.push_back({l, false});
    return appended();
  }
  std::uint64_t appendDelete(const Lease& l) override {
    rows.push_back({l, true});
    return appended();
  }
  std::uint64_t appendGuarded(const Lease& l, bool remove, WriteGuard guard) override {
    guards.push_back(guard);
    return remove ? appendDelete(l) : append(l);
  }
  std::vector<LostWrite> takeLost() override {
    auto out = std::exchange(lost, {});
    // The journal's thread acting just after the caller took the list.
    if (auto f = std::exchange(afterTakeLost, {})) f();
    return out;
  }
  bool mayRefuse() const noexcept override { return refuses; }
  bool behind() const noexcept override { return slow; }
  std::uint64_t durableSeq() const noexcept override { return durable_; }
  std::uint64_t lastSeq() const noexcept override { return last_; }
  Result<void> flush() override {
    if (error) return *error;
    makeDurable();
    return {};
  }
  void setOnDurable(std::function<void(std::uint64_t)> cb) override { cb_ = std::move(cb); }
  std::optional<Error> lastError() const override { return error; }

  // The journal's thread refusing write `seq` (another server's row won) and moving on.
  void refuse(std::uint64_t seq, Ipv4 address, std::optional<Lease> winner) {
    lost.push_back(LostWrite{seq, address, std::move(winner)});
    makeDurable();
  }

  void makeDurable() {
    durable_ = last_;
    if (cb_) cb_(durable_);
  }

  struct Row {
    Lease lease;
    bool deleted = false;
  };
  std::vector<Row> rows;
  std::vector<WriteGuard> guards;  // of the guarded writes, in order
  std::vector<LostWrite> lost;     // what takeLost() hands out next
  std::optional<Error> error;
  bool refuses = false;                            // mayRefuse(): a shared database
  bool slow = false;                               // behind()
  std::function<void()> afterTakeLost;             // run once, inside the next takeLost()
  std::function<void(std::uint64_t)> afterAppend;  // run once, with the sequence just appended

 private:
  std::uint64_t appended() {
    ++last_;
    if (auto f = std::exchange(afterAppend, {})) f(last_);
    return last_;
  }

  std::uint64_t last_ = 0;
  std::uint64_t durable_ = 0;
  std::function<void(std::uint64_t)> cb_;
};

}  // namespace tandem::net::testing
