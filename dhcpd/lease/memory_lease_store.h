#pragma once
// The in-memory lease database, sized for millions of leases: under 250 bytes per lease
// including indexes (scripts/bench-lease-load.sh measures it).
//
// Memory (issue 11): the slab and the hash tables of a big store live in 2 MiB-aligned
// mappings advised for transparent huge pages. Filling an empty store (a peer's sync of
// 2,000,000 leases) touches ~200 MB of fresh memory; on the VMs we run on a 4 KiB page fault
// costs ~12 us (64 MB: 190 ms in 4 KiB pages, 15 ms in 2 MiB ones), and the tables' random
// probes miss the TLB far less.
//
// Layout (why): a Lease object is ~120 bytes plus three heap blocks; instead each lease is
// a 64-byte record in a paged slab, its variable bytes (hw-address, client-id, hostname,
// user context) inline when they fit in 16 bytes, else in one exact-size heap block.
// Indexes hold 32-bit slot numbers, never pointers:
//  - address: sorted chunks of (address, slot), so lookup is two binary searches, page()
//    is a range walk and countInRange() sums chunk sizes; inserts move at most one chunk.
//  - hw-address and client-id: open-addressing hash tables (key -> first slot) with the
//    leases sharing a key chained through the records, so per-subnet and all-subnet
//    queries are one probe plus a short chain walk. Empty identifiers are not indexed.
// Not thread-safe: the owner serializes access (the daemon uses one strand).
#include <cstdint>
#include <memory>
#include <vector>

#include "dhcpd/lease/lease_store.h"

namespace tandem {

class MemoryLeaseStore final : public LeaseStore {
 public:
  MemoryLeaseStore();
  ~MemoryLeaseStore() override;
  MemoryLeaseStore(const MemoryLeaseStore&) = delete;
  MemoryLeaseStore& operator=(const MemoryLeaseStore&) = delete;

  std::optional<Lease> byAddress(Ipv4 a) const override;
  std::optional<std::int64_t> clttAt(Ipv4 a) const override;
  bool fetch(Ipv4 a, Lease& out) const override;
  bool holds(const Lease& l) const override;
  std::optional<Lease> byHwAddr(const HwAddr& hw, std::uint32_t subnetId) const override;
  std::optional<Lease> byClientId(std::span<const std::uint8_t> id, std::uint32_t subnetId) const override;
  std::vector<Lease> allByHwAddr(const HwAddr& hw) const override;
  std::vector<Lease> allByClientId(std::span<const std::uint8_t> id) const override;

  Result<void> put(const Lease& lease) override;
  // Starts loading the hw-address and client-id index entries the lease's put() will probe.
  void prefetch(const Lease& lease) const noexcept override;
  Result<void> erase(Ipv4 a) override;
  void clear() override;

  std::vector<Lease> page(Ipv4 after, std::size_t limit) const override;
  void forEach(const std::function<void(const Lease&)>& fn) const override;
  std::vector<Lease> expired(std::int64_t now, std::size_t limit) const override;
  std::size_t countInRange(Ipv4 first, Ipv4 last) const override;
  std::size_t size() const override;

  // Pre-sizes the hash tables (loading a file whose line count is known).
  void reserve(std::size_t leases);

  class AddressIndex;
  class KeyIndex;
  struct Record;

 private:
  static constexpr std::uint32_t kNone = 0xffffffffu;

  Record& rec(std::uint32_t slot) const noexcept;
  std::uint32_t allocSlot();
  void fill(Record& r, const Lease& l);
  void materialize(const Record& r, Lease& out) const;
  void releaseVar(Record& r) noexcept;
  void linkKeys(std::uint32_t slot);
  void unlinkKeys(std::uint32_t slot);

  // A new slab page (kPageSize records), from the current block or a new one.
  void addPage();

  // Slab pages (zeroed records), carved from blocks_: single pages while the store is small,
  // then 2 MiB blocks of eight pages backed by huge pages (see addPage()).
  std::vector<Record*> pages_;
  struct Block {
    void* base;
    std::size_t bytes;
    bool huge;  // mapHuge()'d, else calloc()'d
  };
  std::vector<Block> blocks_;
  Record* blockNext_ = nullptr;  // the next unused page of the last block
  std::size_t blockPagesLeft_ = 0;
  std::uint32_t slotsUsed_ = 0;  // high-water mark of slots ever handed out
  std::vector<std::uint32_t> freeSlots_;
  std::unique_ptr<AddressIndex> byAddr_;
  std::unique_ptr<KeyIndex> byHw_;
  std::unique_ptr<KeyIndex> byCid_;
};

}  // namespace tandem
