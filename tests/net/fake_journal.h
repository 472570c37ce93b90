#pragma once
// A LeaseJournal whose durability the test controls: nothing is durable until makeDurable().
#include <utility>
#include <vector>

#include "dhcpd/lease/lease_journal.h"

namespace tandem::net::testing {

class FakeJournal final : public LeaseJournal {
 public:
  std::uint64_t append(const Lease& l) override {
    rows.push_back({l, false});
    return ++last_;
  }
  std::uint64_t appendDelete(const Lease& l) override {
    rows.push_back({l, true});
    return ++last_;
  }
  std::uint64_t appendGuarded(const Lease& l, bool remove, WriteGuard guard) override {
    guards.push_back(guard);
    return remove ? appendDelete(l) : append(l);
  }
  std::vector<LostWrite> takeLost() override { return std::exchange(lost, {}); }
  std::uint64_t durableSeq() const noexcept override { return durable_; }
  std::uint64_t lastSeq() const noexcept override { return last_; }
  Result<void> flush() override {
    if (error) return *error;
    makeDurable();
    return {};
  }
  void setOnDurable(std::function<void(std::uint64_t)> cb) override { cb_ = std::move(cb); }
  std::optional<Error> lastError() const override { return error; }

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

 private:
  std::uint64_t last_ = 0;
  std::uint64_t durable_ = 0;
  std::function<void(std::uint64_t)> cb_;
};

}  // namespace tandem::net::testing
