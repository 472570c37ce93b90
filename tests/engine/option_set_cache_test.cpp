// The cached option set of a chain of sources is the set OptionSet resolves for it, one per
// distinct chain (class order matters: the first class defining a code wins), never for
// reservation option-data, and bounded.
#include "dhcpd/engine/option_set_cache.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tandem::engine {
namespace {

config::OptionData option(std::uint8_t code, std::string value) {
  config::OptionData o;
  o.code = code;
  o.payload.assign(value.begin(), value.end());
  return o;
}

std::vector<std::pair<std::uint8_t, std::string>> contents(const OptionSet& s) {
  std::vector<std::pair<std::uint8_t, std::string>> out;
  for (const auto& e : s.entries()) out.emplace_back(e.code, std::string(e.payload->begin(), e.payload->end()));
  return out;
}

struct Sources {
  std::vector<config::OptionData> subnet{option(3, "router")};
  std::vector<config::OptionData> global{option(6, "dns"), option(66, "global-tftp")};
  std::vector<config::OptionData> phones{option(66, "phones-tftp")};
  std::vector<config::OptionData> polycom{option(66, "polycom-tftp"), option(42, "ntp")};
  std::vector<config::OptionData> reserved{option(15, "example.org")};

  OptionSources chain(std::vector<const std::vector<config::OptionData>*>& classes) const {
    OptionSources s{nullptr, nullptr, &subnet, nullptr, &global};
    s.classes = classes;
    return s;
  }
};

TEST(OptionSetCache, SameSetAsResolvingPerQuery) {
  Sources src;
  OptionSetCache cache;
  std::vector<const std::vector<config::OptionData>*> a{&src.phones, &src.polycom}, b{&src.polycom, &src.phones};
  const OptionSet* first = cache.find(src.chain(a));
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(contents(*first), contents(OptionSet(src.chain(a))));
  EXPECT_EQ(contents(*first), (std::vector<std::pair<std::uint8_t, std::string>>{
                                  {3, "router"}, {6, "dns"}, {42, "ntp"}, {66, "phones-tftp"}}));
  // The same chain again: the same set, nothing resolved anew.
  EXPECT_EQ(cache.find(src.chain(a)), first);
  EXPECT_EQ(cache.size(), 1u);
  // The classes in the other order: another set, where polycom's 66 wins.
  const OptionSet* second = cache.find(src.chain(b));
  ASSERT_NE(second, nullptr);
  EXPECT_NE(second, first);
  EXPECT_EQ(contents(*second), contents(OptionSet(src.chain(b))));
  EXPECT_EQ(contents(*first), contents(OptionSet(src.chain(a))));  // unchanged by the insert
  EXPECT_EQ(cache.size(), 2u);
}

TEST(OptionSetCache, ReservationOptionsAreNotCached) {
  Sources src;
  OptionSetCache cache;
  std::vector<const std::vector<config::OptionData>*> a{&src.phones};
  OptionSources s = src.chain(a);
  s.reservation = &src.reserved;
  EXPECT_EQ(cache.find(s), nullptr);
  // A reservation without option-data adds nothing: the chain's set is used.
  std::vector<config::OptionData> none;
  s.reservation = &none;
  const OptionSet* set = cache.find(s);
  ASSERT_NE(set, nullptr);
  EXPECT_EQ(set, cache.find(src.chain(a)));
}

TEST(OptionSetCache, BoundedThenResolvedByTheCaller) {
  Sources src;
  OptionSetCache cache;
  std::vector<std::vector<config::OptionData>> classes(OptionSetCache::kMaxSets + 1, {option(66, "x")});
  std::vector<const std::vector<config::OptionData>*> one(1);
  for (std::size_t k = 0; k < OptionSetCache::kMaxSets; ++k) {
    one[0] = &classes[k];
    ASSERT_NE(cache.find(src.chain(one)), nullptr);
  }
  one[0] = &classes.back();
  EXPECT_EQ(cache.find(src.chain(one)), nullptr);
  one[0] = &classes.front();
  EXPECT_NE(cache.find(src.chain(one)), nullptr);  // what is cached stays usable
  cache.clear();
  EXPECT_EQ(cache.size(), 0u);
}

}  // namespace
}  // namespace tandem::engine
