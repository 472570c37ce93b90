#include "dhcpd/lease/memory_lease_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>

#include "tests/lease/lease_test_util.h"

namespace tandem {
namespace {

using testing::makeLease;

TEST(MemoryLeaseStore, PutAndQueryByEveryIndex) {
  MemoryLeaseStore s;
  Lease a = makeLease(1, 1);
  a.userContext = "{ \"k\": \"a long enough value to go to the heap\" }";
  a.state = LeaseState::Declined;
  a.fqdnFwd = true;
  a.poolId = 9;
  a.hwAddr.htype = 6;
  ASSERT_TRUE(s.put(a).ok());
  ASSERT_TRUE(s.put(makeLease(2, 1)).ok());
  EXPECT_EQ(s.size(), 2u);
  EXPECT_EQ(s.byAddress(a.address), a);
  EXPECT_EQ(s.byHwAddr(a.hwAddr, 1), a);
  EXPECT_FALSE(s.byHwAddr(a.hwAddr, 2));
  EXPECT_EQ(s.byClientId(a.clientId, 1), a);
  EXPECT_FALSE(s.byClientId(a.clientId, 2));
  EXPECT_FALSE(s.byAddress(Ipv4(198, 18, 0, 3)));
}

TEST(MemoryLeaseStore, ClttAtAndHoldsReadTheRecordInPlace) {
  MemoryLeaseStore s;
  Lease a = makeLease(1, 1);
  a.userContext = "{ \"k\": \"a long enough value to go to the heap\" }";
  a.hostname = "host.example.org";
  a.fqdnRev = true;
  a.poolId = 4;
  Lease inl = makeLease(2, 1);  // short enough to stay inline
  inl.clientId.clear();
  ASSERT_TRUE(s.put(a).ok());
  ASSERT_TRUE(s.put(inl).ok());
  EXPECT_EQ(s.clttAt(a.address), a.cltt);
  EXPECT_FALSE(s.clttAt(Ipv4(198, 18, 0, 3)));
  EXPECT_TRUE(s.holds(a));
  EXPECT_TRUE(s.holds(inl));
  // Lease's operator== ignores htype (the lease file does not keep it): so does holds().
  Lease t = a;
  t.hwAddr.htype = 6;
  EXPECT_TRUE(s.holds(t));
  // Any other field differing, as LeaseStore's default (byAddress() == l) says.
  std::vector<Lease> others(12, a);
  others[0].cltt += 1;
  others[1].validLifetime += 1;
  others[2].subnetId = 2;
  others[3].poolId = 0;
  others[4].fqdnFwd = true;
  others[5].fqdnRev = false;
  others[6].state = LeaseState::ExpiredReclaimed;
  others[7].hwAddr.bytes[0] ^= 1;
  others[8].clientId.push_back(1);
  others[9].hostname = "host.example.orh";
  others[10].userContext.clear();
  others[11].address = Ipv4(198, 18, 0, 9);
  for (const Lease& o : others) {
    EXPECT_FALSE(s.holds(o)) << o.hostname;
    EXPECT_EQ(s.holds(o), s.byAddress(o.address) == o);
  }
}

TEST(MemoryLeaseStore, FetchCopiesIntoTheCallersLeaseReusingItsBuffers) {
  MemoryLeaseStore s;
  Lease a = makeLease(1, 1);
  a.userContext = "{ \"k\": \"a long enough value to go to the heap\" }";
  a.hostname = "a-rather-long-host-name.example.org";
  Lease b = makeLease(2, 1);
  b.clientId = {7};
  ASSERT_TRUE(s.put(a).ok());
  ASSERT_TRUE(s.put(b).ok());
  Lease out;
  ASSERT_TRUE(s.fetch(a.address, out));
  EXPECT_EQ(out, a);
  const auto* host = out.hostname.data();
  const auto capacity = out.hostname.capacity();
  // The next fetch writes over it (no field of the first survives), in the same buffers.
  ASSERT_TRUE(s.fetch(b.address, out));
  EXPECT_EQ(out, b);
  EXPECT_EQ(out.hostname.data(), host);
  EXPECT_EQ(out.hostname.capacity(), capacity);
  // None: the lease is left as it was.
  EXPECT_FALSE(s.fetch(Ipv4(198, 18, 0, 99), out));
  EXPECT_EQ(out, b);
  // The base class's version (other stores) gives the same answers.
  const LeaseStore& base = s;
  Lease viaBase;
  EXPECT_TRUE(base.LeaseStore::fetch(a.address, viaBase));
  EXPECT_EQ(viaBase, a);
  EXPECT_FALSE(base.LeaseStore::fetch(Ipv4(198, 18, 0, 99), viaBase));
}

TEST(MemoryLeaseStore, ShortLeaseStaysInline) {
  MemoryLeaseStore s;
  Lease l;
  l.address = Ipv4(198, 18, 0, 1);
  l.hwAddr = *HwAddr::parse("01:02:03:04:05:06");
  l.hostname = "ab";
  ASSERT_TRUE(s.put(l).ok());
  EXPECT_EQ(s.byAddress(l.address), l);
  l.hostname = "a-hostname-longer-than-sixteen";
  ASSERT_TRUE(s.put(l).ok());
  EXPECT_EQ(s.byAddress(l.address), l);
  l.hostname.clear();
  l.hwAddr = HwAddr{};
  l.state = LeaseState::Declined;
  ASSERT_TRUE(s.put(l).ok());
  EXPECT_EQ(s.byAddress(l.address), l);
  EXPECT_TRUE(s.allByHwAddr(*HwAddr::parse("01:02:03:04:05:06")).empty());
}

TEST(MemoryLeaseStore, ReplacingALeaseMovesItsIndexEntries) {
  MemoryLeaseStore s;
  Lease l = makeLease(1);
  ASSERT_TRUE(s.put(l).ok());
  Lease moved = l;
  moved.hwAddr = *HwAddr::parse("0a:0b:0c:0d:0e:0f");
  moved.clientId = {1, 2, 3};
  ASSERT_TRUE(s.put(moved).ok());
  EXPECT_EQ(s.size(), 1u);
  EXPECT_FALSE(s.byHwAddr(l.hwAddr, 1));
  EXPECT_FALSE(s.byClientId(l.clientId, 1));
  EXPECT_EQ(s.byHwAddr(moved.hwAddr, 1), moved);
  EXPECT_EQ(s.byClientId(moved.clientId, 1), moved);
}

TEST(MemoryLeaseStore, OneClientInSeveralSubnets) {
  MemoryLeaseStore s;
  Lease a = makeLease(1, 1), b = makeLease(2, 2), c = makeLease(3, 3);
  b.hwAddr = c.hwAddr = a.hwAddr;
  b.clientId = c.clientId = a.clientId;
  for (auto& l : {a, b, c}) ASSERT_TRUE(s.put(l).ok());
  EXPECT_EQ(s.allByHwAddr(a.hwAddr).size(), 3u);
  EXPECT_EQ(s.allByClientId(a.clientId).size(), 3u);
  EXPECT_EQ(s.byHwAddr(a.hwAddr, 2), b);
  EXPECT_EQ(s.byClientId(a.clientId, 3), c);
  ASSERT_TRUE(s.erase(b.address).ok());  // middle of the chain
  EXPECT_EQ(s.allByHwAddr(a.hwAddr).size(), 2u);
  EXPECT_FALSE(s.byHwAddr(a.hwAddr, 2));
  EXPECT_EQ(s.byHwAddr(a.hwAddr, 1), a);
  EXPECT_EQ(s.byHwAddr(a.hwAddr, 3), c);
}

TEST(MemoryLeaseStore, EraseMissingIsAnError) {
  MemoryLeaseStore s;
  EXPECT_FALSE(s.erase(Ipv4(198, 18, 0, 1)).ok());
  ASSERT_TRUE(s.put(makeLease(1)).ok());
  EXPECT_TRUE(s.erase(makeLease(1).address).ok());
  EXPECT_FALSE(s.erase(makeLease(1).address).ok());
  EXPECT_EQ(s.size(), 0u);
}

TEST(MemoryLeaseStore, RefusesOversizedFieldsWithoutChange) {
  MemoryLeaseStore s;
  Lease l = makeLease(1);
  l.clientId.assign(256, 7);
  EXPECT_FALSE(s.put(l).ok());
  EXPECT_EQ(s.size(), 0u);
}

TEST(MemoryLeaseStore, PageIsAscendingAndStrictlyAfter) {
  MemoryLeaseStore s;
  std::vector<std::uint32_t> hosts(3000);
  for (std::uint32_t i = 0; i < hosts.size(); ++i) hosts[i] = i * 7 + 1;
  std::shuffle(hosts.begin(), hosts.end(), std::mt19937(1));
  for (auto h : hosts) ASSERT_TRUE(s.put(makeLease(h)).ok());
  std::vector<Ipv4> seen;
  Ipv4 after(0);
  while (true) {
    auto page = s.page(after, 100);
    if (page.empty()) break;
    EXPECT_LE(page.size(), 100u);
    for (auto& l : page) {
      EXPECT_GT(l.address, after);
      seen.push_back(l.address);
    }
    after = page.back().address;
  }
  ASSERT_EQ(seen.size(), hosts.size());
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  EXPECT_TRUE(s.page(Ipv4(0xffffffffu), 10).empty());
  EXPECT_TRUE(s.page(Ipv4(0), 0).empty());
}

TEST(MemoryLeaseStore, CountInRange) {
  MemoryLeaseStore s;
  for (std::uint32_t h = 10; h < 5010; ++h) ASSERT_TRUE(s.put(makeLease(h)).ok());
  auto addr = [](std::uint32_t h) { return makeLease(h).address; };
  EXPECT_EQ(s.countInRange(addr(10), addr(5009)), 5000u);
  EXPECT_EQ(s.countInRange(addr(0), addr(0xffff)), 5000u);
  EXPECT_EQ(s.countInRange(addr(100), addr(100)), 1u);
  EXPECT_EQ(s.countInRange(addr(100), addr(1099)), 1000u);
  EXPECT_EQ(s.countInRange(addr(5010), addr(6000)), 0u);
  EXPECT_EQ(s.countInRange(addr(200), addr(100)), 0u);
  EXPECT_EQ(s.countInRange(Ipv4(0), Ipv4(0xffffffffu)), 5000u);
}

TEST(MemoryLeaseStore, ExpiredSkipsReclaimedAndHonoursLimit) {
  MemoryLeaseStore s;
  Lease live = makeLease(1), gone = makeLease(2), reclaimed = makeLease(3), declined = makeLease(4);
  live.cltt = 1000;
  gone.cltt = reclaimed.cltt = declined.cltt = 0;
  live.validLifetime = gone.validLifetime = reclaimed.validLifetime = declined.validLifetime = 100;
  reclaimed.state = LeaseState::ExpiredReclaimed;
  declined.state = LeaseState::Declined;
  for (auto& l : {live, gone, reclaimed, declined}) ASSERT_TRUE(s.put(l).ok());
  auto e = s.expired(100, 10);
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(s.expired(99, 10).size(), 0u);
  EXPECT_EQ(s.expired(100, 1).size(), 1u);
  EXPECT_EQ(s.expired(1100, 10).size(), 3u);
}

TEST(MemoryLeaseStore, ClearAndReuse) {
  MemoryLeaseStore s;
  for (std::uint32_t h = 0; h < 5000; ++h) ASSERT_TRUE(s.put(makeLease(h)).ok());
  s.clear();
  EXPECT_EQ(s.size(), 0u);
  EXPECT_FALSE(s.byHwAddr(makeLease(7).hwAddr, 1));
  ASSERT_TRUE(s.put(makeLease(7)).ok());
  EXPECT_EQ(s.byHwAddr(makeLease(7).hwAddr, 1), makeLease(7));
}

// Random operations checked against a plain std::map model, across slot reuse, chunk
// splits and hash-table growth and backward-shift deletions.
TEST(MemoryLeaseStore, MatchesAReferenceModel) {
  MemoryLeaseStore s;
  std::map<std::uint32_t, Lease> model;
  std::mt19937 rng(42);
  auto randomLease = [&] {
    Lease l = makeLease(rng() % 4000, 1 + rng() % 3);
    // Few distinct identifiers, so chains get long and shared across subnets.
    std::uint8_t id = static_cast<std::uint8_t>(rng() % 300);
    l.hwAddr = HwAddr::fromBytes(std::vector<std::uint8_t>{2, 0, 0, 0, 0, id});
    if (rng() % 4 == 0) l.hwAddr = HwAddr{};
    l.clientId = {1, id, static_cast<std::uint8_t>(rng() % 2)};
    if (rng() % 5 == 0) l.clientId.clear();
    if (l.hwAddr.empty() && l.clientId.empty()) l.state = LeaseState::Declined;
    l.hostname = std::string(rng() % 40, 'h');
    return l;
  };
  for (int i = 0; i < 60000; ++i) {
    if (rng() % 3 == 0) {
      std::uint32_t host = rng() % 4000;
      Ipv4 a = makeLease(host).address;
      bool had = model.erase(a.value) > 0;
      EXPECT_EQ(s.erase(a).ok(), had);
    } else {
      Lease l = randomLease();
      ASSERT_TRUE(s.put(l).ok());
      model[l.address.value] = l;
    }
  }
  ASSERT_EQ(s.size(), model.size());
  std::map<std::vector<std::uint8_t>, std::size_t> hwCount, cidCount;
  for (auto& [addr, l] : model) {
    EXPECT_EQ(s.byAddress(Ipv4(addr)), l);
    if (!l.hwAddr.empty()) ++hwCount[std::vector<std::uint8_t>(l.hwAddr.view().begin(), l.hwAddr.view().end())];
    if (!l.clientId.empty()) ++cidCount[l.clientId];
  }
  for (auto& [hw, n] : hwCount) {
    auto all = s.allByHwAddr(HwAddr::fromBytes(hw));
    EXPECT_EQ(all.size(), n);
    for (auto& l : all) {
      EXPECT_EQ(model.at(l.address.value), l);
      auto one = s.byHwAddr(l.hwAddr, l.subnetId);
      ASSERT_TRUE(one);
      EXPECT_EQ(one->subnetId, l.subnetId);
      EXPECT_EQ(one->hwAddr, l.hwAddr);
    }
  }
  for (auto& [cid, n] : cidCount) EXPECT_EQ(s.allByClientId(cid).size(), n);
  std::size_t visited = 0;
  s.forEach([&](const Lease& l) {
    ++visited;
    EXPECT_EQ(model.at(l.address.value), l);
  });
  EXPECT_EQ(visited, model.size());
  auto all = s.page(Ipv4(0), model.size() + 10);
  ASSERT_EQ(all.size(), model.size());
  auto it = model.begin();
  for (auto& l : all) EXPECT_EQ((it++)->second, l);
  Ipv4 lo = makeLease(1000).address, hi = makeLease(2999).address;
  std::size_t expect =
      static_cast<std::size_t>(std::distance(model.lower_bound(lo.value), model.upper_bound(hi.value)));
  EXPECT_EQ(s.countInRange(lo, hi), expect);
}

// A store the size of a peer's sync (issue 11): past eight slab pages its records come in
// 2 MiB huge-page blocks, its hash tables are huge mappings once reserve() sizes them, and
// leases arriving in address order fill the address chunks end to end. Then leases land in
// between (full chunks split), some go, the store is cleared and used again: every index
// must still agree with a plain model.
TEST(MemoryLeaseStore, ABigStoreFilledInAddressOrderThenChangedMatchesAModel) {
  constexpr std::uint32_t kBase = 0x0a000000u;  // 10.0.0.0
  constexpr std::uint32_t kCount = 150'000;     // even addresses: 18 huge blocks of records
  auto big = [](std::uint32_t n) {
    Lease l;
    l.address = Ipv4(kBase + n);
    const std::uint8_t mac[6] = {0x02,
                                 0x11,
                                 static_cast<std::uint8_t>(n >> 24),
                                 static_cast<std::uint8_t>(n >> 16),
                                 static_cast<std::uint8_t>(n >> 8),
                                 static_cast<std::uint8_t>(n)};
    l.hwAddr = HwAddr::fromBytes(mac);
    l.clientId = {0x01, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]};
    l.validLifetime = 3600;
    l.cltt = 1'750'000'000 + n;
    l.subnetId = 1 + n % 3;
    // Every third has a hostname too long to stay inline (a heap block of its own).
    if (n % 3 == 0) l.hostname = "host-" + std::to_string(n) + ".a-long-domain.example";
    return l;
  };
  MemoryLeaseStore s;
  s.reserve(kCount);
  std::map<std::uint32_t, Lease> model;
  for (std::uint32_t i = 0; i < kCount; ++i) {
    Lease l = big(2 * i);
    ASSERT_TRUE(s.put(l).ok());
    model[l.address.value] = l;
  }
  ASSERT_EQ(s.size(), model.size());
  // Odd addresses in between, in a scrambled order (splits of full chunks), and erasures.
  std::mt19937 rng(7);
  for (int k = 0; k < 40'000; ++k) {
    const std::uint32_t n = static_cast<std::uint32_t>(rng() % (2 * kCount));
    if (k % 4 == 3) {
      const bool had = model.erase(kBase + n) > 0;
      EXPECT_EQ(s.erase(Ipv4(kBase + n)).ok(), had);
      continue;
    }
    Lease l = big(n);
    ASSERT_TRUE(s.put(l).ok());
    model[l.address.value] = l;
  }
  ASSERT_EQ(s.size(), model.size());
  std::size_t checked = 0;
  for (const auto& [addr, l] : model) {
    if (addr % 97 != 0) continue;
    ++checked;
    EXPECT_EQ(s.byAddress(Ipv4(addr)), l);
    EXPECT_EQ(s.byHwAddr(l.hwAddr, l.subnetId), l);
    EXPECT_EQ(s.byClientId(l.clientId, l.subnetId), l);
  }
  EXPECT_GT(checked, 1000u);
  auto all = s.page(Ipv4(0), model.size() + 1);
  ASSERT_EQ(all.size(), model.size());
  auto it = model.begin();
  for (const Lease& l : all) ASSERT_EQ((it++)->second, l);
  const Ipv4 lo(kBase + 1000), hi(kBase + 250'000);
  EXPECT_EQ(s.countInRange(lo, hi),
            static_cast<std::size_t>(std::distance(model.lower_bound(lo.value), model.upper_bound(hi.value))));
  s.clear();
  EXPECT_EQ(s.size(), 0u);
  EXPECT_FALSE(s.byAddress(Ipv4(kBase)));
  for (std::uint32_t n = 0; n < 40'000; ++n) ASSERT_TRUE(s.put(big(n)).ok());
  EXPECT_EQ(s.byAddress(Ipv4(kBase + 39'999)), big(39'999));
  EXPECT_EQ(s.byHwAddr(big(12'345).hwAddr, big(12'345).subnetId), big(12'345));
  EXPECT_EQ(s.page(Ipv4(kBase + 100), 3).front(), big(101));
}

}  // namespace
}  // namespace tandem
