#include "dhcpd/lease/memory_lease_store.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>

namespace tandem {
namespace {

constexpr std::uint32_t kNoSlot = 0xffffffffu;
constexpr std::uint32_t kPageShift = 12;  // 4096 records (256 KiB) per slab page
constexpr std::uint32_t kPageSize = 1u << kPageShift;
constexpr std::size_t kInline = 16;
constexpr std::uint8_t kFlagFwd = 1, kFlagRev = 2, kStateShift = 2, kStateMask = 0x0c, kFlagLive = 0x80;

// Memory blocks of 2 MiB and more: mapped 2 MiB-aligned and advised for transparent huge
// pages (the kernel's "madvise" mode gives them only where asked). See the header's Memory.
constexpr std::size_t kHugePage = std::size_t{2} << 20;

std::size_t hugeRounded(std::size_t bytes) noexcept { return (bytes + kHugePage - 1) & ~(kHugePage - 1); }

// `bytes` a multiple of kHugePage. Zeroed, as every anonymous mapping.
void* mapHuge(std::size_t bytes) {
  const std::size_t span = bytes + kHugePage;  // room to align the start
  void* p = ::mmap(nullptr, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  const auto base = reinterpret_cast<std::uintptr_t>(p);
  const std::uintptr_t start = (base + kHugePage - 1) & ~(kHugePage - 1);
  if (start > base) ::munmap(p, start - base);
  const std::uintptr_t end = start + bytes;
  if (base + span > end) ::munmap(reinterpret_cast<void*>(end), base + span - end);
  // Advice only: without THP the mapping still works, in 4 KiB pages.
  (void)::madvise(reinterpret_cast<void*>(start), bytes, MADV_HUGEPAGE);
  return reinterpret_cast<void*>(start);
}

void unmapHuge(void* p, std::size_t bytes) noexcept { ::munmap(p, bytes); }

// The hash tables' allocator: operator new below 2 MiB, mapHuge from there on.
template <class T>
struct HugeAllocator {
  using value_type = T;
  HugeAllocator() noexcept = default;
  template <class U>
  explicit HugeAllocator(const HugeAllocator<U>&) noexcept {}
  T* allocate(std::size_t n) {
    const std::size_t bytes = n * sizeof(T);
    if (bytes < kHugePage) return static_cast<T*>(::operator new(bytes));
    return static_cast<T*>(mapHuge(hugeRounded(bytes)));
  }
  void deallocate(T* p, std::size_t n) noexcept {
    const std::size_t bytes = n * sizeof(T);
    if (bytes < kHugePage) {
      ::operator delete(p);
    } else {
      unmapHuge(p, hugeRounded(bytes));
    }
  }
  friend bool operator==(const HugeAllocator&, const HugeAllocator&) noexcept { return true; }
};

std::uint32_t hashBytes(const std::uint8_t* p, std::size_t n) noexcept {
  std::uint64_t x = 0x9e3779b97f4a7c15ull ^ n;
  for (std::size_t i = 0; i < n; ++i) x = (x ^ p[i]) * 0x100000001b3ull;
  x ^= x >> 29;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 32;
  return static_cast<std::uint32_t>(x);
}

}  // namespace

struct MemoryLeaseStore::Record {
  std::uint32_t address;
  std::uint32_t validLifetime;
  std::int64_t cltt;
  std::uint32_t subnetId;
  std::uint32_t poolId;
  std::uint32_t nextHw;   // next lease with the same hw-address (any subnet)
  std::uint32_t nextCid;  // next lease with the same client-id (any subnet)
  std::uint32_t ctxLen;
  std::uint16_t hostLen;
  std::uint8_t hwLen;
  std::uint8_t htype;
  std::uint8_t cidLen;
  std::uint8_t flags;
  // hw-address, client-id, hostname, user context, back to back.
  union {
    std::uint8_t inl[kInline];
    std::uint8_t* heap;
  };

  std::size_t varLen() const noexcept { return std::size_t(hwLen) + cidLen + hostLen + ctxLen; }
  const std::uint8_t* var() const noexcept { return varLen() <= kInline ? inl : heap; }
  std::uint8_t* var() noexcept { return varLen() <= kInline ? inl : heap; }
  const std::uint8_t* hw() const noexcept { return var(); }
  const std::uint8_t* cid() const noexcept { return var() + hwLen; }
  bool live() const noexcept { return flags & kFlagLive; }
  LeaseState state() const noexcept { return static_cast<LeaseState>((flags & kStateMask) >> kStateShift); }
  std::int64_t expire() const noexcept { return cltt + validLifetime; }
};
static_assert(sizeof(MemoryLeaseStore::Record) == 64, "one lease record per cache line");

// Sorted chunks of (address, slot). A chunk holds at most kMaxChunk entries, so an insert
// moves at most 4 KiB and the directory stays a few thousand entries for millions of leases.
class MemoryLeaseStore::AddressIndex {
 public:
  struct Entry {
    std::uint32_t addr;
    std::uint32_t slot;
  };

  std::uint32_t find(std::uint32_t a) const noexcept {
    std::size_t c = chunkFor(a);
    if (c == chunks_.size()) return kNoSlot;
    const auto& ch = chunks_[c];
    auto it = std::lower_bound(ch.begin(), ch.end(), a, less);
    return (it != ch.end() && it->addr == a) ? it->slot : kNoSlot;
  }

  void insert(std::uint32_t a, std::uint32_t slot) {
    if (chunks_.empty()) {
      chunks_.emplace_back().reserve(kMaxChunk / 2);
      last_.push_back(a);
    }
    if (a > last_.back() && chunks_.back().size() == kMaxChunk) {
      // Past the end of a full last chunk (a sync's pages and a lease file come in address
      // order): a new chunk, so such a store fills its chunks instead of leaving every one
      // half empty after a split (and twice the memory a chunk's growth to 1,024 made).
      std::vector<Entry>& fresh = chunks_.emplace_back();
      fresh.reserve(kMaxChunk);
      fresh.push_back(Entry{a, slot});
      last_.push_back(a);
      ++size_;
      return;
    }
    std::size_t c = std::min(chunkFor(a), chunks_.size() - 1);
    auto& ch = chunks_[c];
    ch.insert(std::lower_bound(ch.begin(), ch.end(), a, less), Entry{a, slot});
    last_[c] = ch.back().addr;
    if (ch.size() > kMaxChunk) {
      std::vector<Entry> upper(ch.begin() + kMaxChunk / 2, ch.end());
      upper.reserve(kMaxChunk);
      ch.resize(kMaxChunk / 2);
      last_[c] = ch.back().addr;
      std::uint32_t upperLast = upper.back().addr;
      chunks_.insert(chunks_.begin() + static_cast<std::ptrdiff_t>(c) + 1, std::move(upper));
      last_.insert(last_.begin() + static_cast<std::ptrdiff_t>(c) + 1, upperLast);
    }
    ++size_;
  }

  bool erase(std::uint32_t a) {
    std::size_t c = chunkFor(a);
    if (c == chunks_.size()) return false;
    auto& ch = chunks_[c];
    auto it = std::lower_bound(ch.begin(), ch.end(), a, less);
    if (it == ch.end() || it->addr != a) return false;
    ch.erase(it);
    if (ch.empty()) {
      chunks_.erase(chunks_.begin() + static_cast<std::ptrdiff_t>(c));
      last_.erase(last_.begin() + static_cast<std::ptrdiff_t>(c));
    } else {
      last_[c] = ch.back().addr;
    }
    --size_;
    return true;
  }

  // O(log n + chunks spanned): a pool of a million addresses sums ~4,000 chunk sizes.
  std::size_t countInRange(std::uint32_t first, std::uint32_t last) const noexcept {
    if (first > last) return 0;
    std::size_t c1 = chunkFor(first);
    if (c1 == chunks_.size()) return 0;
    std::size_t c2 = chunkFor(last);
    const auto& a = chunks_[c1];
    auto lo = std::lower_bound(a.begin(), a.end(), first, less);
    if (c1 == c2) return static_cast<std::size_t>(std::upper_bound(lo, a.end(), last, greater) - lo);
    std::size_t n = static_cast<std::size_t>(a.end() - lo);
    for (std::size_t c = c1 + 1; c < c2 && c < chunks_.size(); ++c) n += chunks_[c].size();
    if (c2 < chunks_.size()) {
      const auto& b = chunks_[c2];
      n += static_cast<std::size_t>(std::upper_bound(b.begin(), b.end(), last, greater) - b.begin());
    }
    return n;
  }

  // Calls fn(slot) for addresses >= first in ascending order while fn returns true.
  template <class Fn>
  void walkFrom(std::uint32_t first, Fn&& fn) const {
    for (std::size_t c = chunkFor(first); c < chunks_.size(); ++c) {
      const auto& ch = chunks_[c];
      for (auto it = std::lower_bound(ch.begin(), ch.end(), first, less); it != ch.end(); ++it) {
        if (!fn(it->slot)) return;
      }
    }
  }

  void clear() noexcept {
    chunks_.clear();
    last_.clear();
    size_ = 0;
  }
  std::size_t size() const noexcept { return size_; }

 private:
  static constexpr std::size_t kMaxChunk = 512;
  static bool less(const Entry& e, std::uint32_t a) noexcept { return e.addr < a; }
  static bool greater(std::uint32_t a, const Entry& e) noexcept { return a < e.addr; }

  // First chunk whose last address is >= a (chunks_.size() when a is past the end).
  std::size_t chunkFor(std::uint32_t a) const noexcept {
    return static_cast<std::size_t>(std::lower_bound(last_.begin(), last_.end(), a) - last_.begin());
  }

  std::vector<std::vector<Entry>> chunks_;
  std::vector<std::uint32_t> last_;  // last address of each chunk, contiguous for the search
  std::size_t size_ = 0;
};

// Open addressing with linear probing and backward-shift deletion (no tombstones, so a
// table with heavy churn never degrades). Each entry keeps the key's hash, so probes and
// rehashes rarely touch the records.
class MemoryLeaseStore::KeyIndex {
 public:
  struct Entry {
    std::uint32_t hash;
    std::uint32_t slot;  // first lease of the chain; kNoSlot = empty
  };

  template <class Eq>
  Entry* find(std::uint32_t h, Eq&& eq) noexcept {
    if (table_.empty()) return nullptr;
    for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
      Entry& e = table_[i];
      if (e.slot == kNoSlot) return nullptr;
      if (e.hash == h && eq(e.slot)) return &e;
    }
  }
  template <class Eq>
  std::uint32_t findSlot(std::uint32_t h, Eq&& eq) const noexcept {
    Entry* e = const_cast<KeyIndex*>(this)->find(h, eq);
    return e ? e->slot : kNoSlot;
  }

  void insertNew(std::uint32_t h, std::uint32_t slot) {
    if ((used_ + 1) * 4 > table_.size() * 3) rehash(std::max<std::size_t>(16, table_.size() * 2));
    place(h, slot);
    ++used_;
  }

  void erase(Entry* e) noexcept {
    std::size_t i = static_cast<std::size_t>(e - table_.data());
    std::size_t j = i;
    while (true) {
      j = (j + 1) & mask_;
      if (table_[j].slot == kNoSlot) break;
      std::size_t home = table_[j].hash & mask_;
      // Move j back into the hole at i unless its home lies cyclically in (i, j].
      bool homeInRange = (i <= j) ? (home > i && home <= j) : (home > i || home <= j);
      if (!homeInRange) {
        table_[i] = table_[j];
        i = j;
      }
    }
    table_[i] = Entry{0, kNoSlot};
    --used_;
  }

  // The cache line a probe for hash h starts at (put() follows: see MemoryLeaseStore::prefetch).
  void prefetch(std::uint32_t h) const noexcept {
    if (!table_.empty()) __builtin_prefetch(&table_[h & mask_], 1);
  }

  void reserve(std::size_t keys) {
    std::size_t cap = 16;
    while (cap * 3 < keys * 4) cap *= 2;
    if (cap > table_.size()) rehash(cap);
  }
  void clear() noexcept {
    table_.clear();
    table_.shrink_to_fit();
    mask_ = 0;
    used_ = 0;
  }

 private:
  void place(std::uint32_t h, std::uint32_t slot) noexcept {
    std::size_t i = h & mask_;
    while (table_[i].slot != kNoSlot) i = (i + 1) & mask_;
    table_[i] = Entry{h, slot};
  }
  void rehash(std::size_t cap) {
    Table old(cap, Entry{0, kNoSlot});
    old.swap(table_);
    mask_ = cap - 1;
    for (const Entry& e : old) {
      if (e.slot != kNoSlot) place(e.hash, e.slot);
    }
  }

  using Table = std::vector<Entry, HugeAllocator<Entry>>;
  Table table_;
  std::size_t mask_ = 0;
  std::size_t used_ = 0;
};

MemoryLeaseStore::MemoryLeaseStore()
    : byAddr_(std::make_unique<AddressIndex>()),
      byHw_(std::make_unique<KeyIndex>()),
      byCid_(std::make_unique<KeyIndex>()) {}

MemoryLeaseStore::~MemoryLeaseStore() { clear(); }

MemoryLeaseStore::Record& MemoryLeaseStore::rec(std::uint32_t slot) const noexcept {
  return pages_[slot >> kPageShift][slot & (kPageSize - 1)];
}

std::uint32_t MemoryLeaseStore::allocSlot() {
  if (!freeSlots_.empty()) {
    std::uint32_t s = freeSlots_.back();
    freeSlots_.pop_back();
    return s;
  }
  if ((slotsUsed_ >> kPageShift) == pages_.size()) addPage();
  return slotsUsed_++;
}

void MemoryLeaseStore::addPage() {
  // Eight pages (32,768 records) make a 2 MiB huge page. The first eight come one at a time,
  // so a small store (tests, a small site) keeps its 256 KiB pages.
  constexpr std::size_t kPagesPerBlock = kHugePage / (kPageSize * sizeof(Record));
  static_assert(kPagesPerBlock * kPageSize * sizeof(Record) == kHugePage);
  if (blockPagesLeft_ == 0) {
    const std::size_t pages = pages_.size() < kPagesPerBlock ? 1 : kPagesPerBlock;
    const std::size_t bytes = pages * kPageSize * sizeof(Record);
    // Zeroed either way: a record never used has flags 0 (not live).
    void* p = pages == kPagesPerBlock ? mapHuge(bytes) : std::calloc(1, bytes);
    if (!p) throw std::bad_alloc();
    try {
      blocks_.push_back(Block{p, bytes, pages == kPagesPerBlock});
    } catch (...) {
      pages == kPagesPerBlock ? unmapHuge(p, bytes) : std::free(p);
      throw;
    }
    blockNext_ = static_cast<Record*>(p);
    blockPagesLeft_ = pages;
  }
  pages_.push_back(blockNext_);
  blockNext_ += kPageSize;
  --blockPagesLeft_;
}

void MemoryLeaseStore::releaseVar(Record& r) noexcept {
  if (r.varLen() > kInline) std::free(r.heap);
  r.hwLen = r.cidLen = 0;
  r.hostLen = 0;
  r.ctxLen = 0;
}

void MemoryLeaseStore::fill(Record& r, const Lease& l) {
  r.address = l.address.value;
  r.validLifetime = l.validLifetime;
  r.cltt = l.cltt;
  r.subnetId = l.subnetId;
  r.poolId = l.poolId;
  r.nextHw = r.nextCid = kNoSlot;
  r.htype = l.hwAddr.htype;
  r.flags = static_cast<std::uint8_t>(kFlagLive | (l.fqdnFwd ? kFlagFwd : 0) | (l.fqdnRev ? kFlagRev : 0) |
                                      (static_cast<unsigned>(l.state) << kStateShift));
  r.hwLen = l.hwAddr.length;
  r.cidLen = static_cast<std::uint8_t>(l.clientId.size());
  r.hostLen = static_cast<std::uint16_t>(l.hostname.size());
  r.ctxLen = static_cast<std::uint32_t>(l.userContext.size());
  std::size_t n = r.varLen();
  if (n > kInline) {
    r.heap = static_cast<std::uint8_t*>(std::malloc(n));
    if (!r.heap) throw std::bad_alloc();
  }
  std::uint8_t* p = r.var();
  std::memcpy(p, l.hwAddr.bytes.data(), r.hwLen);
  p += r.hwLen;
  if (r.cidLen) std::memcpy(p, l.clientId.data(), r.cidLen);
  p += r.cidLen;
  if (r.hostLen) std::memcpy(p, l.hostname.data(), r.hostLen);
  p += r.hostLen;
  if (r.ctxLen) std::memcpy(p, l.userContext.data(), r.ctxLen);
}

void MemoryLeaseStore::materialize(const Record& r, Lease& out) const {
  const std::uint8_t* p = r.var();
  out.address = Ipv4(r.address);
  out.hwAddr = HwAddr::fromBytes({p, r.hwLen}, r.htype);
  p += r.hwLen;
  out.clientId.assign(p, p + r.cidLen);
  p += r.cidLen;
  out.hostname.assign(reinterpret_cast<const char*>(p), r.hostLen);
  p += r.hostLen;
  out.userContext.assign(reinterpret_cast<const char*>(p), r.ctxLen);
  out.validLifetime = r.validLifetime;
  out.cltt = r.cltt;
  out.subnetId = r.subnetId;
  out.poolId = r.poolId;
  out.fqdnFwd = r.flags & kFlagFwd;
  out.fqdnRev = r.flags & kFlagRev;
  out.state = r.state();
}

void MemoryLeaseStore::linkKeys(std::uint32_t slot) {
  Record& r = rec(slot);
  if (r.hwLen) {
    std::uint32_t h = hashBytes(r.hw(), r.hwLen);
    auto eq = [&](std::uint32_t s) {
      const Record& o = rec(s);
      return o.hwLen == r.hwLen && std::memcmp(o.hw(), r.hw(), r.hwLen) == 0;
    };
    if (KeyIndex::Entry* e = byHw_->find(h, eq)) {
      r.nextHw = e->slot;
      e->slot = slot;
    } else {
      byHw_->insertNew(h, slot);
    }
  }
  if (r.cidLen) {
    std::uint32_t h = hashBytes(r.cid(), r.cidLen);
    auto eq = [&](std::uint32_t s) {
      const Record& o = rec(s);
      return o.cidLen == r.cidLen && std::memcmp(o.cid(), r.cid(), r.cidLen) == 0;
    };
    if (KeyIndex::Entry* e = byCid_->find(h, eq)) {
      r.nextCid = e->slot;
      e->slot = slot;
    } else {
      byCid_->insertNew(h, slot);
    }
  }
}

void MemoryLeaseStore::unlinkKeys(std::uint32_t slot) {
  Record& r = rec(slot);
  if (r.hwLen) {
    auto eq = [&](std::uint32_t s) {
      const Record& o = rec(s);
      return o.hwLen == r.hwLen && std::memcmp(o.hw(), r.hw(), r.hwLen) == 0;
    };
    KeyIndex::Entry* e = byHw_->find(hashBytes(r.hw(), r.hwLen), eq);
    if (e && e->slot == slot) {
      if (r.nextHw == kNoSlot) byHw_->erase(e);
      else e->slot = r.nextHw;
    } else if (e) {
      std::uint32_t p = e->slot;
      while (rec(p).nextHw != slot) p = rec(p).nextHw;
      rec(p).nextHw = r.nextHw;
    }
  }
  if (r.cidLen) {
    auto eq = [&](std::uint32_t s) {
      const Record& o = rec(s);
      return o.cidLen == r.cidLen && std::memcmp(o.cid(), r.cid(), r.cidLen) == 0;
    };
    KeyIndex::Entry* e = byCid_->find(hashBytes(r.cid(), r.cidLen), eq);
    if (e && e->slot == slot) {
      if (r.nextCid == kNoSlot) byCid_->erase(e);
      else e->slot = r.nextCid;
    } else if (e) {
      std::uint32_t p = e->slot;
      while (rec(p).nextCid != slot) p = rec(p).nextCid;
      rec(p).nextCid = r.nextCid;
    }
  }
  r.nextHw = r.nextCid = kNoSlot;
}

std::optional<Lease> MemoryLeaseStore::byAddress(Ipv4 a) const {
  std::uint32_t s = byAddr_->find(a.value);
  if (s == kNoSlot) return std::nullopt;
  Lease l;
  materialize(rec(s), l);
  return l;
}

std::optional<std::int64_t> MemoryLeaseStore::clttAt(Ipv4 a) const {
  std::uint32_t s = byAddr_->find(a.value);
  if (s == kNoSlot) return std::nullopt;
  return rec(s).cltt;
}

bool MemoryLeaseStore::fetch(Ipv4 a, Lease& out) const {
  std::uint32_t s = byAddr_->find(a.value);
  if (s == kNoSlot) return false;
  materialize(rec(s), out);
  return true;
}

bool MemoryLeaseStore::holds(const Lease& l) const {
  std::uint32_t s = byAddr_->find(l.address.value);
  if (s == kNoSlot) return false;
  const Record& r = rec(s);
  const auto flags = static_cast<std::uint8_t>(kFlagLive | (l.fqdnFwd ? kFlagFwd : 0) | (l.fqdnRev ? kFlagRev : 0) |
                                               (static_cast<unsigned>(l.state) << kStateShift));
  if (r.validLifetime != l.validLifetime || r.cltt != l.cltt || r.subnetId != l.subnetId || r.poolId != l.poolId ||
      r.flags != flags || r.hwLen != l.hwAddr.length || r.cidLen != l.clientId.size() ||
      r.hostLen != l.hostname.size() || r.ctxLen != l.userContext.size()) {
    return false;
  }
  // Lease's operator== (HwAddr's ignores htype, which the lease file does not keep either);
  // the variable bytes in fill()'s order: hw-address, client-id, hostname, user context.
  const std::uint8_t* p = r.var();
  auto same = [&p](const void* bytes, std::size_t n) {
    const bool eq = n == 0 || std::memcmp(p, bytes, n) == 0;
    p += n;
    return eq;
  };
  return same(l.hwAddr.bytes.data(), r.hwLen) && same(l.clientId.data(), r.cidLen) &&
         same(l.hostname.data(), r.hostLen) && same(l.userContext.data(), r.ctxLen);
}

std::optional<Lease> MemoryLeaseStore::byHwAddr(const HwAddr& hw, std::uint32_t subnetId) const {
  if (hw.empty()) return std::nullopt;
  auto eq = [&](std::uint32_t s) {
    const Record& o = rec(s);
    return o.hwLen == hw.length && std::memcmp(o.hw(), hw.bytes.data(), hw.length) == 0;
  };
  for (std::uint32_t s = byHw_->findSlot(hashBytes(hw.bytes.data(), hw.length), eq); s != kNoSlot; s = rec(s).nextHw) {
    if (rec(s).subnetId == subnetId) {
      Lease l;
      materialize(rec(s), l);
      return l;
    }
  }
  return std::nullopt;
}

std::optional<Lease> MemoryLeaseStore::byClientId(std::span<const std::uint8_t> id, std::uint32_t subnetId) const {
  if (id.empty()) return std::nullopt;
  auto eq = [&](std::uint32_t s) {
    const Record& o = rec(s);
    return o.cidLen == id.size() && std::memcmp(o.cid(), id.data(), id.size()) == 0;
  };
  for (std::uint32_t s = byCid_->findSlot(hashBytes(id.data(), id.size()), eq); s != kNoSlot; s = rec(s).nextCid) {
    if (rec(s).subnetId == subnetId) {
      Lease l;
      materialize(rec(s), l);
      return l;
    }
  }
  return std::nullopt;
}

std::vector<Lease> MemoryLeaseStore::allByHwAddr(const HwAddr& hw) const {
  std::vector<Lease> out;
  if (hw.empty()) return out;
  auto eq = [&](std::uint32_t s) {
    const Record& o = rec(s);
    return o.hwLen == hw.length && std::memcmp(o.hw(), hw.bytes.data(), hw.length) == 0;
  };
  for (std::uint32_t s = byHw_->findSlot(hashBytes(hw.bytes.data(), hw.length), eq); s != kNoSlot; s = rec(s).nextHw) {
    materialize(rec(s), out.emplace_back());
  }
  return out;
}

std::vector<Lease> MemoryLeaseStore::allByClientId(std::span<const std::uint8_t> id) const {
  std::vector<Lease> out;
  if (id.empty()) return out;
  auto eq = [&](std::uint32_t s) {
    const Record& o = rec(s);
    return o.cidLen == id.size() && std::memcmp(o.cid(), id.data(), id.size()) == 0;
  };
  for (std::uint32_t s = byCid_->findSlot(hashBytes(id.data(), id.size()), eq); s != kNoSlot; s = rec(s).nextCid) {
    materialize(rec(s), out.emplace_back());
  }
  return out;
}

void MemoryLeaseStore::prefetch(const Lease& lease) const noexcept {
  // With millions of leases each index is tens of megabytes and a key's entry is a cache and
  // TLB miss; a sync page that asks a few leases ahead overlaps those misses.
  if (lease.hwAddr.length && lease.hwAddr.length <= lease.hwAddr.bytes.size()) {
    byHw_->prefetch(hashBytes(lease.hwAddr.bytes.data(), lease.hwAddr.length));
  }
  if (!lease.clientId.empty()) byCid_->prefetch(hashBytes(lease.clientId.data(), lease.clientId.size()));
}

Result<void> MemoryLeaseStore::put(const Lease& lease) {
  // Checked before anything changes, so a refused lease leaves the store as it was.
  if (lease.clientId.size() > 255) return makeError("client-id longer than 255 bytes");
  if (lease.hostname.size() > 0xffff) return makeError("hostname longer than 65535 bytes");
  if (lease.userContext.size() > 0xffffffffu) return makeError("user context too large");
  if (lease.hwAddr.length > lease.hwAddr.bytes.size()) return makeError("hw-address longer than 16 bytes");
  if (static_cast<unsigned>(lease.state) > 3) return makeError("bad lease state");

  std::uint32_t slot = byAddr_->find(lease.address.value);
  if (slot != kNoSlot) {
    unlinkKeys(slot);
    releaseVar(rec(slot));
    fill(rec(slot), lease);
    linkKeys(slot);
    return {};
  }
  slot = allocSlot();
  fill(rec(slot), lease);
  byAddr_->insert(lease.address.value, slot);
  linkKeys(slot);
  return {};
}

Result<void> MemoryLeaseStore::erase(Ipv4 a) {
  std::uint32_t slot = byAddr_->find(a.value);
  if (slot == kNoSlot) return makeError("no lease for address " + a.toString());
  unlinkKeys(slot);
  releaseVar(rec(slot));
  rec(slot).flags = 0;
  byAddr_->erase(a.value);
  freeSlots_.push_back(slot);
  return {};
}

void MemoryLeaseStore::clear() {
  for (std::uint32_t s = 0; s < slotsUsed_; ++s) {
    if (rec(s).live()) releaseVar(rec(s));
  }
  pages_.clear();
  for (const Block& b : blocks_) {
    if (b.huge) {
      unmapHuge(b.base, b.bytes);
    } else {
      std::free(b.base);
    }
  }
  blocks_.clear();
  blockNext_ = nullptr;
  blockPagesLeft_ = 0;
  slotsUsed_ = 0;
  freeSlots_.clear();
  freeSlots_.shrink_to_fit();
  byAddr_->clear();
  byHw_->clear();
  byCid_->clear();
}

std::vector<Lease> MemoryLeaseStore::page(Ipv4 after, std::size_t limit) const {
  std::vector<Lease> out;
  if (limit == 0 || after.value == 0xffffffffu) return out;
  out.reserve(std::min<std::size_t>(limit, byAddr_->size()));
  byAddr_->walkFrom(after.value + 1, [&](std::uint32_t s) {
    materialize(rec(s), out.emplace_back());
    return out.size() < limit;
  });
  return out;
}

void MemoryLeaseStore::forEach(const std::function<void(const Lease&)>& fn) const {
  Lease l;
  for (std::uint32_t s = 0; s < slotsUsed_; ++s) {
    if (!rec(s).live()) continue;
    materialize(rec(s), l);
    fn(l);
  }
}

// A linear scan of the slab (64-byte records, sequential): ~10 ms per million leases, run
// at the reclamation interval (Kea's default 10 s), so no separate expiry index is kept.
std::vector<Lease> MemoryLeaseStore::expired(std::int64_t now, std::size_t limit) const {
  std::vector<Lease> out;
  for (std::uint32_t s = 0; s < slotsUsed_ && out.size() < limit; ++s) {
    const Record& r = rec(s);
    if (!r.live() || r.state() == LeaseState::ExpiredReclaimed || r.expire() > now) continue;
    materialize(r, out.emplace_back());
  }
  return out;
}

std::size_t MemoryLeaseStore::countInRange(Ipv4 first, Ipv4 last) const {
  return byAddr_->countInRange(first.value, last.value);
}

std::size_t MemoryLeaseStore::size() const { return byAddr_->size(); }

void MemoryLeaseStore::reserve(std::size_t leases) {
  pages_.reserve((leases >> kPageShift) + 1);
  byHw_->reserve(leases);
  byCid_->reserve(leases);
}

}  // namespace tandem
